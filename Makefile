# egov — the two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
EGOV   := $(BIN)/egov

.PHONY: demo test install install-test system-deps lint typecheck pytest bench schema messages clean help

help:
	@echo "make demo   - install into .venv, create ./var/egov.sqlite3, load demo data, serve http://127.0.0.1:8000"
	@echo "make test   - install what the tests need (Debian packages too), then ruff, mypy and the whole suite"
	@echo "make bench  - run the benchmarks in bench/ (PostgreSQL on 127.0.0.1 where they need it)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: install
	$(EGOV) migrate --no-input
	$(EGOV) load_demo
	$(EGOV) serve --addr 127.0.0.1:8000

system-deps:
	@scripts/system-deps.sh

lint: install-test
	$(BIN)/ruff check egov bench

typecheck: install-test
	$(BIN)/mypy egov

# The suite runs on every core (pytest-xdist; each worker has its own test database).
PYTEST_ARGS ?= -n auto --durations=15

pytest: install-test system-deps
	$(BIN)/pytest $(PYTEST_ARGS)

test: install-test system-deps
	$(BIN)/ruff check egov bench
	$(BIN)/mypy egov
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python bench/run.py $(BENCH_ARGS)

schema: install-test
	$(EGOV) spectacular --lang en --file docs/openapi.yaml --validate --fail-on-warn

messages: install-test system-deps
	cd egov && ../$(EGOV) makemessages -l vi -l en --no-obsolete
	cd egov && ../$(EGOV) compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
