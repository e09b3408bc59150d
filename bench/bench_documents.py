"""Benchmark: the documents inbox and full-text search, on SQLite and on PostgreSQL.

    .venv/bin/python bench/bench_documents.py                 # 200,000 documents, both databases
    .venv/bin/python bench/bench_documents.py --quick         # 5,000 documents, a short run
    .venv/bin/python bench/bench_documents.py --db=sqlite --docs=20000
    .venv/bin/python bench/run.py documents --quick           # through the runner

(Through ``bench/run.py`` give values with ``=``: the runner passes on only the words
that start with ``-``.)

The data. 200,000 documents across 50 agencies (16 ministries and 34 provinces, six units
each) and 2,000 officials (per agency a leader, three deputies, two records clerks, a head
per unit, specialists), with Vietnamese subjects and a few hundred words of file text each
(``bench/corpus.py``). The organisations and the people are created through the core
actions (``do_create_organisation``, ``do_create_official``). Creating 200,000 documents
through the document actions would take hours, so the documents are simulated in Python
and written with ``bulk_create`` in batches, with the values those actions would have
left behind:

* incoming documents (registered by a clerk, or internal copies delivered when another
  agency issues an outgoing document): incoming number per agency register and year in
  the order of registration, restarting on 1 January; passed for assignment, assigned by
  a leader (one lead unit or person, coordinators, recipients for information, the
  deadline from ``calendar.add_working_days``, an instruction), passed on by the unit
  head to a specialist, done on time or late, or still open, overdue or near its
  deadline — the status field and the append-only status history as the actions write
  them; grants for secret documents where the actions create them;
* outgoing documents: drafted by a specialist, reviewed (sometimes returned, with a
  second file version), approved (signer = the approving leader), issued by a clerk with
  the number of its register's series for the year and the symbol of ``rules.document_
  symbol``; recipients delivered, each delivery an incoming copy in the recipient
  agency, as ``do_issue`` makes them; later steps missing when their time is still to
  come;
* ``search_text`` from ``egov.documents.search.index_text`` over the same parts, in the
  same order, as ``actions.refresh_search_text`` at the document's last refresh
  (incoming: after the file text is extracted; outgoing: at issue, or at the last draft
  change); internal copies carry the issued document's search text, as delivery does;
* every file's ``text`` is generated prose; the bytes are one small PDF shared by all;
* counters (``core.Counter``) are left at the last number handed out, registers exist.

Not written: audit entries (the audit benchmark measures those), opinions, work files,
answers between documents, secret outgoing documents (their own numbering series; they
add nothing the inbox or search would notice), recipients outside the system (no action marks an
organisation external), so every issued document is delivered to one to three agencies of
the system. Timestamps are real (``created_at`` in the order documents
arrive, so ids grow with time). The simulated clock is 07:00 today; the data covers 1
January of last year to yesterday. On SQLite the FTS5 triggers index the rows as they
are inserted; on PostgreSQL the generated ``search_vector`` column and its GIN index
(migration 0004) are filled during the load. Both
databases are ANALYZEd after the load. A generated database is cached (SQLite under
``$EGOV_VAR_DIR/bench/``, PostgreSQL ``egov_bench_docs``) and reused while its
parameters, the core and documents migrations and the corpus generator are unchanged
(``--regenerate`` forces a new one). A consistency check runs on every start: recomputes
the search text of sample documents with ``actions.refresh_search_text`` and checks that
numbers run without gaps. Generating takes about 5 minutes on SQLite and 10 on PostgreSQL on a quiet
2-core machine (the file text is written and folded by one worker process per core).

The measurements (each database in its own process):

* inbox: the real page ``documents:inbox`` through Django's test client in-process (all
  middleware, session, template), for an agency leader (it opens on "waiting for
  assignment") and for a specialist of a unit ("assigned to me or my unit"): p50/p95
  after a warm-up, and the number of queries of a request once the session is warm (the
  first request of a session also checks the second factor), also on a small database
  (10,000 documents): the count must not grow with the number of documents. Floor: the
  rows of that first tab (same filters, order and LIMIT, checked to be the very rows the
  page lists) fetched by one hand-written SQL query through the bare driver (sqlite3 /
  psycopg with its defaults), timed alternately with the page;
* search: 50 fixed queries (25 with diacritics, the same 25 without) through
  ``search.apply(queries.visible_documents(user), q)``, first page of 20, for the leader
  (who sees the whole agency) and the specialist. Floor: Tantivy over the same folded
  ``search_text``, its own analyser lower-casing and ASCII-folding the raw query, every
  word required and matched as a prefix (a term query for the score OR a prefix
  automaton, ``fuzzy_term_query(distance=0, prefix=True)``, per word), restricted to the
  same agency's non-secret documents (what the leader sees), first page of 20; the ratio
  egov/Tantivy and the overlap of the two first pages (|A∩B| / max(|A|, |B|), averaged).

Prints a table, then one JSON line per database. Never run by the tests; gates nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import random
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import corpus  # noqa: E402  (bench/corpus.py, beside this file)

GENERATOR_VERSION = 1
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/egov_bench_docs"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PAGE = 20
BATCH = 1000
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def var_dir() -> Path:
    return Path(os.environ.get("EGOV_VAR_DIR", ROOT / "var")).resolve()


# --- options ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--docs", type=int, default=None, help="documents (default 200000)")
    parser.add_argument("--agencies", type=int, default=None, help="agencies (default 50)")
    parser.add_argument("--people", type=int, default=None, help="officials (default 2000)")
    parser.add_argument("--small", type=int, default=None,
                        help="documents of the second database that shows the inbox's query "
                             "count does not grow (default 10000; 2000 with --quick)")
    parser.add_argument("--requests", type=int, default=None,
                        help="timed inbox requests per person (default 250)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="timed rounds of the 50 search queries (default 5)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true",
                        help="5,000 documents, 10 agencies, 400 people, short timings")
    parser.add_argument("--regenerate", action="store_true",
                        help="rebuild the cached databases even if their parameters match")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DOCS_PG", DEFAULT_PG),
                        help="PostgreSQL database for the benchmark (its name must contain "
                             "'bench'; it is dropped and created when it must be rebuilt)")
    # Internal: one database, one size, in this process.
    parser.add_argument("--child", choices=["full", "queries"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {"docs": 5000 if quick else 200_000, "agencies": 10 if quick else 50,
                "people": 400 if quick else 2000, "small": 2000 if quick else 10_000,
                "requests": 60 if quick else 250, "rounds": 1 if quick else 5}
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


# --- orchestration: one child process per database and size ---------------------------------


def child_command(args: argparse.Namespace, db: str, docs: int, role: str) -> list[str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), f"--db={db}", f"--docs={docs}",
           f"--agencies={args.agencies}", f"--people={args.people}",
           f"--requests={args.requests}", f"--rounds={args.rounds}", f"--seed={args.seed}",
           f"--database-url={args.database_url}", f"--child={role}"]
    if args.quick:
        cmd.append("--quick")
    if args.regenerate:
        cmd.append("--regenerate")
    return cmd


def run_child(cmd: list[str], label: str) -> dict[str, Any] | None:
    """Run a child, echo its lines (prefixed), return its result."""
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1)
    result = None
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("result: "):
            result = json.loads(line.removeprefix("result: "))
            continue
        print(f"[{label}] {line}", end="", flush=True)
    process.wait()
    if process.returncode != 0:
        print(f"[{label}] failed with exit code {process.returncode}", flush=True)
        return None
    return result


def orchestrate(args: argparse.Namespace) -> int:
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"documents benchmark: {args.docs:,} documents, {args.agencies} agencies, "
          f"{args.people:,} officials; databases: {', '.join(dbs)}", flush=True)
    results: dict[str, dict[str, Any]] = {}
    small: dict[str, dict[str, Any]] = {}
    failed = False
    for db in dbs:
        full = run_child(child_command(args, db, args.docs, "full"), f"{db} {args.docs}")
        few = run_child(child_command(args, db, args.small, "queries"), f"{db} {args.small}")
        if full is None or few is None:
            failed = True
            continue
        results[db], small[db] = full, few
    for db, r in results.items():
        print_report(db, r, small[db], args)
    for db, r in results.items():
        few = small[db]
        line = {"bench": "documents", "db": db, "docs": r["docs"],
                "inbox_p50_ms": r["inbox_p50_ms"], "inbox_p95_ms": r["inbox_p95_ms"],
                "inbox_floor_p95_ms": r["inbox_floor_p95_ms"],
                "inbox_queries": r["inbox_queries"],
                "search_p50_ms": r["search_p50_ms"], "search_p95_ms": r["search_p95_ms"],
                "tantivy_p95_ms": r["tantivy_p95_ms"],
                "inbox_ratio": r["inbox_ratio"], "search_ratio": r["search_ratio"],
                "search_overlap": r["search_overlap"],
                "inbox_queries_small": few["inbox_queries"], "small_docs": few["docs"],
                "inbox_target": r["inbox_target"]}
        print(json.dumps(line, ensure_ascii=False))
    return 1 if failed else 0


def print_report(db: str, r: dict[str, Any], few: dict[str, Any],
                 args: argparse.Namespace) -> None:
    def ok(flag: bool) -> str:
        return "met" if flag else "MISSED"

    print(f"\n=== documents on {db}: {r['docs']:,} documents "
          f"(generated in {r['generate_s']:.0f} s{' — cached' if r['cached'] else ''})")
    print(f"inbox ({r['inbox_target']}), {args.requests} requests per person after warm-up:")
    print(f"  {'':<12}{'sees':>7}{'tab':>9}{'rows':>6}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'floor p50':>11}{'floor p95':>11}{'ratio p95':>11}{'queries':>9}")
    for who in ("leader", "specialist"):
        u = r["inbox"][who]
        print(f"  {who:<12}{u['visible']:>7}{u['tab']:>9}{u['rows']:>6}{u['p50']:>9.2f}"
              f"{u['p95']:>9.2f}{u['floor_p50']:>11.2f}{u['floor_p95']:>11.2f}"
              f"{u['p95'] / max(u['floor_p95'], 1e-9):>11.2f}{u['queries']:>9}"
              f"{'' if u['same_rows'] else '  (floor rows differ!)'}")
    print(f"  both: p50 {r['inbox_p50_ms']:.2f} ms, p95 {r['inbox_p95_ms']:.2f} ms "
          f"(target < 50: {ok(r['inbox_p95_ms'] < 50)}); floor p95 "
          f"{r['inbox_floor_p95_ms']:.2f} ms; ratio {r['inbox_ratio']:.2f} "
          f"(target ≤ 3: {ok(r['inbox_ratio'] <= 3)})")
    for who in ("leader", "specialist"):
        big, small = r["inbox"][who]["queries"], few["inbox_queries_by_person"][who]
        note = "the same" if big == small else (
            "an empty page skips its row query" if few["rows"][who] == 0 and big == small + 1
            else "DIFFERENT")
        print(f"  queries per page for the {who}: {big} with {r['docs']:,} documents, "
              f"{small} with {few['docs']:,} ({note})")
    print(f"search, 50 queries × {args.rounds} round(s), first page of {PAGE}:")
    print(f"  {'query':<30}{'matches':>9}{'tantivy':>9}{'egov p50':>10}{'tantivy':>9}"
          f"{'overlap':>9}")
    for q in r["search_queries"]:
        print(f"  {q['q'][:29]:<30}{q['matches']:>9}{q['tantivy_matches']:>9}"
              f"{q['p50']:>10.2f}{q['tantivy_p50']:>9.2f}{q['overlap']:>9.2f}")
    for who in ("leader", "specialist"):
        s = r["search"][who]
        print(f"  {who}: p50 {s['p50']:.2f} ms, p95 {s['p95']:.2f} ms")
    print(f"  egov (both): p50 {r['search_p50_ms']:.2f} ms, p95 {r['search_p95_ms']:.2f} ms "
          f"(target < 100: {ok(r['search_p95_ms'] < 100)}); Tantivy p50 "
          f"{r['tantivy_p50_ms']:.2f} ms, p95 {r['tantivy_p95_ms']:.2f} ms; ratio p95 "
          f"{r['search_ratio']:.2f} (target ≤ 1.5: {ok(r['search_ratio'] <= 1.5)}); "
          f"overlap of first pages {r['search_overlap']:.2f}")
    if r["search_mismatches"]:
        print(f"  with/without diacritics gave different pages for: "
              f"{', '.join(r['search_mismatches'])}")


# --- the child: environment and the cached database --------------------------------------------


def sqlite_path(docs: int) -> Path:
    return var_dir() / "bench" / f"docs-{docs}.sqlite3"


def pg_url(base: str, docs: int) -> str:
    if docs == 200_000:
        return base
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"{parts.path}_{docs}"))


def setup_environment(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "egov.settings"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("EGOV_VAR_DIR", str(var_dir()))
    os.environ["EGOV_FILES_DIR"] = str(var_dir() / "bench" / "files")
    os.environ.setdefault("DB_CONN_MAX_AGE", "600")
    import django

    django.setup()


DATA_APPS = frozenset({"core", "documents"})


def fingerprint(args: argparse.Namespace) -> str:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    # Only the apps whose tables the generator fills: a new part of egov (another app and
    # its migrations) does not make the cached 200,000-document databases stale.
    migrations = sorted(f"{app}.{name}" for app, name in loader.disk_migrations
                        if app in DATA_APPS)
    data = {"docs": args.docs, "agencies": args.agencies, "people": args.people,
            "seed": args.seed, "version": GENERATOR_VERSION, "migrations": migrations,
            "corpus": hashlib.sha256((HERE / "corpus.py").read_bytes()).hexdigest()}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def stored_fingerprint() -> str | None:
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT value FROM bench_meta WHERE key = 'fingerprint'")
            row = cursor.fetchone()
    except Exception:
        return None
    return row[0] if row else None


def recreate_database(db: str, url: str) -> None:
    from django.db import connections

    connections.close_all()
    if db == "sqlite":
        path = Path(urlsplit(url).path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the benchmark database's name must "
                         "contain 'bench'")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def ensure_database(args: argparse.Namespace, db: str, url: str) -> tuple[bool, float]:
    """(reused the cached database, seconds spent generating)."""
    from django.core.management import call_command
    from django.db import connection

    wanted = fingerprint(args)
    if not args.regenerate and stored_fingerprint() == wanted:
        return True, 0.0
    print("generating a new database…", flush=True)
    started = time.monotonic()
    recreate_database(db, url)
    call_command("migrate", verbosity=0, interactive=False)
    generate(args)
    step = time.monotonic()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("CREATE TABLE bench_meta (key varchar(40) PRIMARY KEY, value text)")
        cursor.execute("INSERT INTO bench_meta VALUES ('fingerprint', %s)", [wanted])
    print(f"  analyzed in {time.monotonic() - step:.1f} s", flush=True)
    return False, time.monotonic() - started


# --- generation: organisations and people through the actions -----------------------------------


@dataclass
class Staff:
    spec: corpus.AgencySpec
    agency: Any  # Organisation
    units: list[Any]  # units[0] is the office (Văn phòng), where the clerks sit
    leader: Any
    deputies: list[Any]
    clerks: list[Any]
    heads: dict[int, Any]
    specialists: dict[int, list[Any]]
    titles: dict[int, str]

    @property
    def work_units(self) -> list[Any]:
        return self.units[1:]


def build_organisations(args: argparse.Namespace, rng: random.Random) -> list[Staff]:
    from egov.core import actions as core_actions
    from egov.core.tests.factories import password_hash

    per_agency = args.people // args.agencies
    hashed = password_hash()
    seq = 0
    staff_list = []
    for spec in corpus.agencies(args.agencies):
        agency = core_actions.do_create_organisation(
            acting_user=None, name=spec.name, short_name=spec.short_name,
            code=f"000.00.00.{spec.letter_code}", kind=spec.kind, is_agency=True)
        units = [core_actions.do_create_organisation(
            acting_user=None, parent=agency,
            name="Văn phòng Bộ" if u.short_name == "VP" and spec.kind == "ministry" else u.name,
            short_name=u.short_name, code=f"000.00.{k:02d}.{spec.letter_code}", kind="unit",
            is_agency=False) for k, u in enumerate(corpus.units_of(spec), start=1)]
        titles: dict[int, str] = {}

        def official(org: Any, position: str, title: str, titles: dict[int, str] = titles
                     ) -> Any:
            nonlocal seq
            seq += 1
            full_name = corpus.person_name(rng)
            user = core_actions.do_create_official(
                acting_user=None, username=f"{corpus.ascii_name(full_name)}{seq}",
                full_name=full_name, unit=org, position=position, title=title,
                password_hash=hashed)
            titles[user.pk] = title
            return user

        leader = official(agency, "agency_leader", spec.leader_title)
        deputies = [official(agency, "deputy_leader", spec.deputy_title) for _ in range(3)]
        clerks = [official(units[0], "clerk", "Văn thư") for _ in range(2)]
        heads = {u.pk: official(u, "unit_head", us.head_title)
                 for u, us in zip(units, corpus.units_of(spec), strict=True)}
        specialists: dict[int, list[Any]] = {u.pk: [] for u in units}
        for n in range(max(len(units), per_agency - 6 - len(units))):
            unit = units[n % len(units)]
            title = "Chuyên viên chính" if rng.random() < 0.3 else "Chuyên viên"
            specialists[unit.pk].append(official(unit, "specialist", title))
        staff_list.append(Staff(spec, agency, units, leader, deputies, clerks, heads,
                                specialists, titles))
    return staff_list


# --- generation: the simulated documents ------------------------------------------------------


@dataclass(eq=False)
class AssignSpec:
    role: str
    unit_id: int | None
    user_id: int | None
    deadline: dt.date | None
    instruction: str
    assigned_by: int
    assigned_at: dt.datetime
    done_at: dt.datetime | None = None
    result: str = ""
    children: list[AssignSpec] = field(default_factory=list)
    pk: int | None = None


@dataclass(eq=False)
class Spec:
    seq: int
    staff: Staff
    doc: dict[str, Any]  # Document field values (ids by attname)
    context: corpus.Context
    history: list[tuple[str, dt.datetime, int | None, str]] = field(default_factory=list)
    files: list[tuple[int, int | None, dt.datetime]] = field(default_factory=list)
    assignments: list[AssignSpec] = field(default_factory=list)
    grants: dict[int, tuple[int | None, dt.datetime]] = field(default_factory=dict)
    recipients: list[int] = field(default_factory=list)  # undelivered recipients (drafts)
    origin: Spec | None = None
    copies: int = 0  # internal copies still to be written (texts kept until then)
    issued_at: dt.datetime | None = None
    unit_name: str = ""
    unit_short: str = ""
    text_signer: tuple[str, str] = ("", "")
    search_signer: str = ""
    attachment: bool = False
    pk: int | None = None
    # (version, uploaded by, uploaded at, name, text) of each file, in creation order;
    # an issued document keeps them until its internal copies are written.
    rows: list[tuple[int, int | None, dt.datetime, str, str]] | None = None
    search_text: str = ""

    @property
    def created_at(self) -> dt.datetime:
        value = self.doc["created_at"]
        assert isinstance(value, dt.datetime)
        return value


class Simulation:
    """Draws every document's life in memory, in the order the actions would run."""

    DEADLINE_DAYS = (3, 5, 5, 7, 10, 10, 10, 15, 20, 30)

    def __init__(self, rng: random.Random, staff: list[Staff], now: dt.datetime) -> None:
        from egov.core import calendar

        self.rng = rng
        self.staff = staff
        self.now = now
        self.calendar = calendar
        self.start = dt.date(now.year - 1, 1, 2)
        self.end = now.date() - dt.timedelta(days=1)
        self.specs: list[Spec] = []
        self.org_names = {s.agency.pk: s.agency.name for s in staff}
        self.by_agency = {s.agency.pk: s for s in staff}
        # Who can be assigned a secret document by name: heads and specialists of units.
        self.people = {s.agency.pk: [s.heads[u.pk] for u in s.work_units] + [
            p for u in s.work_units for p in s.specialists[u.pk]] for s in staff}
        self._working: dict[dt.date, bool] = {}
        self._added: dict[tuple[dt.date, int], dt.date] = {}

    # The calendar's answers, remembered: add_working_days(moment, n) depends only on the
    # moment's local date (no cut-off here), so the cache gives exactly its result.
    def is_working_day(self, day: dt.date) -> bool:
        if day not in self._working:
            self._working[day] = self.calendar.is_working_day(day)
        return self._working[day]

    def add_working_days(self, moment: dt.datetime, days: int) -> dt.date:
        key = (moment.astimezone(TZ).date(), days)
        if key not in self._added:
            self._added[key] = self.calendar.add_working_days(moment, days)
        return self._added[key]

    # time helpers
    def moment_on(self, day: dt.date) -> dt.datetime:
        return (dt.datetime.combine(day, dt.time(7, 30), tzinfo=TZ)
                + dt.timedelta(minutes=self.rng.randint(0, 570)))

    def random_day(self) -> dt.date:
        span = (self.end - self.start).days
        day = self.start
        for _ in range(30):
            day = self.start + dt.timedelta(days=self.rng.randint(0, span))
            if self.is_working_day(day):
                return day
        return day

    def after(self, t: dt.datetime, max_working_days: int) -> dt.datetime:
        k = self.rng.randint(0, max_working_days)
        if k == 0:
            return t + dt.timedelta(minutes=self.rng.randint(5, 180))
        later = self.moment_on(self.add_working_days(t, k))
        return later if later > t else t + dt.timedelta(minutes=self.rng.randint(5, 60))

    def new_spec(self, staff: Staff, doc: dict[str, Any], context: corpus.Context) -> Spec:
        spec = Spec(seq=len(self.specs), staff=staff, doc=doc, context=context)
        self.specs.append(spec)
        return spec

    # outgoing
    def outgoing(self) -> Spec:
        from egov.documents.models import Direction, Status

        rng = self.rng
        staff = rng.choice(self.staff)
        unit = rng.choice(staff.units)
        drafter = (staff.heads[unit.pk] if rng.random() < 0.12 or not staff.specialists[unit.pk]
                   else rng.choice(staff.specialists[unit.pk]))
        head = staff.heads[unit.pk]
        t = self.moment_on(self.random_day())
        doc_type = corpus.weighted(rng, corpus.OUTGOING_TYPES)
        province = staff.spec.place if staff.spec.kind == "province" else None
        context = corpus.context(rng, doc_type, t.date(), province)
        urgency = rng.choices(["", "urgent", "top_urgent"], [93, 5, 2])[0]
        doc = dict(direction=Direction.OUTGOING, agency_id=staff.agency.pk, unit_id=unit.pk,
                   register_id=None, year=None, number=None, symbol="", doc_type=doc_type,
                   subject=corpus.subject(rng, context), issuer_id=None, issuer_name="",
                   issue_date=None, received_at=None, signer_name="", signer_title="",
                   urgency=urgency, confidentiality="", pages=None, reply_by=None,
                   deadline=None, done_at=None, status=Status.DRAFT, source="", external_id="",
                   normative=False, created_by_id=drafter.pk, created_at=t, updated_at=t)
        spec = self.new_spec(staff, doc, context)
        spec.unit_name, spec.unit_short = unit.name, unit.short_name
        spec.text_signer = (staff.leader.full_name, staff.spec.leader_title)
        spec.attachment = rng.random() < 0.1
        others = [s for s in self.staff if s is not staff]
        k = min(len(others), rng.choices([1, 2, 3], [70, 22, 8])[0])
        spec.recipients = [s.agency.pk for s in rng.sample(others, k)]
        spec.history.append((Status.DRAFT, t, drafter.pk, ""))
        spec.files.append((1, drafter.pk, t))
        if spec.attachment:
            spec.files.append((1, drafter.pk, t))

        def step(status: str, when: dt.datetime, by: int, note: str = "") -> bool:
            if when >= self.now:
                return False
            doc["status"] = status
            doc["updated_at"] = when
            spec.history.append((status, when, by, note))
            return True

        t = self.after(t, 3)
        if not step(Status.IN_REVIEW, t, drafter.pk):
            return spec
        if rng.random() < 0.15:
            t = self.after(t, 2)
            if not step(Status.RETURNED, t, head.pk, rng.choice(RETURN_COMMENTS)):
                return spec
            t = self.after(t, 3)
            if t >= self.now:
                return spec
            if rng.random() < 0.7:  # do_update_draft with a new version of the file
                spec.files.append((2, drafter.pk, t))
                doc["updated_at"] = t
            t += dt.timedelta(minutes=rng.randint(1, 30))
            if not step(Status.IN_REVIEW, t, drafter.pk):
                return spec
        t = self.after(t, 2)
        if not step(Status.AWAITING_APPROVAL, t, head.pk):
            return spec
        t = self.after(t, 3)
        approver = staff.leader if rng.random() < 0.35 else rng.choice(staff.deputies)
        if not step(Status.APPROVED, t, approver.pk):
            return spec
        doc["signer_name"] = approver.full_name
        doc["signer_title"] = staff.titles[approver.pk]
        spec.text_signer = (approver.full_name, staff.titles[approver.pk])
        t = self.after(t, 1)
        clerk = rng.choice(staff.clerks)
        if not step(Status.ISSUED, t, clerk.pk):
            return spec
        spec.issued_at = t
        doc["issue_date"] = t.astimezone(TZ).date()
        spec.search_signer = approver.full_name
        for org_id in spec.recipients:
            self.copy(spec, org_id)
        spec.recipients = []
        return spec

    def copy(self, origin: Spec, org_id: int) -> Spec:
        """The incoming copy that ``_deliver_internal`` registers in a recipient agency."""
        from django.utils.translation import gettext as _

        from egov.documents.models import Direction, Source, Status

        staff = self.by_agency[org_id]
        t = origin.issued_at
        assert t is not None
        src = origin.doc
        doc = dict(direction=Direction.INCOMING, agency_id=org_id, unit_id=org_id,
                   register_id=None, year=None, number=None, symbol="", doc_type=src["doc_type"],
                   subject=src["subject"], issuer_id=src["agency_id"],
                   issuer_name=self.org_names[src["agency_id"]], issue_date=src["issue_date"],
                   received_at=t, signer_name=src["signer_name"],
                   signer_title=src["signer_title"], urgency=src["urgency"],
                   confidentiality=src["confidentiality"], pages=None, reply_by=None,
                   deadline=None, done_at=None, status=Status.REGISTERED, source=Source.INTERNAL,
                   external_id="", normative=False, created_by_id=None, created_at=t,
                   updated_at=t)
        spec = self.new_spec(staff, doc, origin.context)
        spec.origin = origin
        origin.copies += 1
        note = _("Received from %(agency)s") % {"agency": doc["issuer_name"]}
        spec.history.append((Status.REGISTERED, t, None, note))
        self.process_incoming(spec, submitter=self.rng.choice(staff.clerks).pk)
        return spec

    # incoming from outside the system
    def incoming(self) -> Spec:
        from egov.documents.models import Direction, Source, Status

        rng = self.rng
        staff = rng.choice(self.staff)
        clerk = rng.choice(staff.clerks)
        office = staff.units[0]
        received = self.moment_on(self.random_day())
        registered = received + dt.timedelta(minutes=rng.randint(1, 90))
        doc_type = corpus.weighted(rng, corpus.INCOMING_TYPES)
        province = staff.spec.place if staff.spec.kind == "province" else None
        context = corpus.context(rng, doc_type, received.date(), province)
        issuer, abbr, unit_abbr = corpus.external_issuer(rng, context.province)
        issue_date = received.astimezone(TZ).date() - dt.timedelta(days=rng.randint(0, 7))
        confidentiality = rng.choices(["", "confidential", "secret"], [965, 30, 5])[0]
        source = rng.choices([Source.PAPER, Source.HUB, Source.ELECTRONIC], [45, 35, 20])[0]
        signer_title = rng.choice(SIGNER_TITLES)
        doc = dict(direction=Direction.INCOMING, agency_id=staff.agency.pk, unit_id=office.pk,
                   register_id=None, year=None, number=None,
                   symbol=corpus.issuer_symbol(rng, doc_type, abbr, unit_abbr),
                   doc_type=doc_type, subject=corpus.subject(rng, context), issuer_id=None,
                   issuer_name=issuer, issue_date=issue_date, received_at=received,
                   signer_name=corpus.person_name(rng), signer_title=signer_title,
                   urgency=rng.choices(["", "urgent", "top_urgent", "flash"], [85, 10, 4, 1])[0],
                   confidentiality=confidentiality, pages=rng.randint(1, 24),
                   reply_by=(issue_date + dt.timedelta(days=rng.randint(5, 25))
                             if rng.random() < 0.2 else None),
                   deadline=None, done_at=None, status=Status.REGISTERED, source=source,
                   external_id=f"{rng.getrandbits(64):016x}" if source == Source.HUB else "",
                   normative=False, created_by_id=clerk.pk, created_at=registered,
                   updated_at=registered)
        spec = self.new_spec(staff, doc, context)
        spec.unit_name, spec.unit_short = issuer, unit_abbr or abbr
        spec.text_signer = (doc["signer_name"], signer_title)
        spec.search_signer = doc["signer_name"]
        spec.attachment = rng.random() < 0.15
        spec.history.append((Status.REGISTERED, registered, clerk.pk, ""))
        spec.files.append((1, clerk.pk, registered))
        if spec.attachment:
            spec.files.append((1, clerk.pk, registered))
        if confidentiality:
            spec.grants[clerk.pk] = (clerk.pk, registered)
        self.process_incoming(spec, submitter=clerk.pk)
        return spec

    def process_incoming(self, spec: Spec, submitter: int) -> None:
        """Passed for assignment, assigned, passed on, done — as far as the clock goes."""
        from egov.documents.models import Role, Status

        rng, doc, staff = self.rng, spec.doc, spec.staff
        t = spec.created_at
        if rng.random() < 0.85:
            t += dt.timedelta(minutes=rng.randint(5, 240))
            if t >= self.now:
                return
            doc["status"], doc["updated_at"] = Status.WAITING_ASSIGNMENT, t
            spec.history.append((Status.WAITING_ASSIGNMENT, t, submitter, ""))
        if rng.random() < 0.03:
            return  # left unassigned
        t = self.after(t, 2)
        if t >= self.now:
            return
        assigner = staff.leader if rng.random() < 0.4 else rng.choice(staff.deputies)
        days = rng.choice(self.DEADLINE_DAYS)
        deadline = self.add_working_days(t, days)
        secret = bool(doc["confidentiality"])
        people = self.people[staff.agency.pk]
        lead_unit = rng.choice(staff.work_units)
        if secret:
            chosen = rng.sample(people, min(len(people), 1 + rng.choice([0, 0, 1, 2])))
            lead = AssignSpec(Role.LEAD, None, chosen[0].pk, deadline, "", assigner.pk, t)
            others = [AssignSpec(Role.COORDINATE if i % 2 else Role.INFORM, None, p.pk,
                                 deadline if i % 2 else None, "", assigner.pk, t)
                      for i, p in enumerate(chosen[1:], start=1)]
        else:
            if rng.random() < 0.15:
                lead = AssignSpec(Role.LEAD, None, staff.heads[lead_unit.pk].pk, deadline, "",
                                  assigner.pk, t)
            else:
                lead = AssignSpec(Role.LEAD, lead_unit.pk, None, deadline, "", assigner.pk, t)
            rest = [u for u in staff.units if u.pk != lead_unit.pk]
            coordinators = rng.sample(rest, rng.choices([0, 1, 2], [60, 30, 10])[0])
            others = [AssignSpec(Role.COORDINATE, u.pk, None, deadline, "", assigner.pk, t)
                      for u in coordinators]
            informed = [u for u in rest if u not in coordinators]
            if informed and rng.random() < 0.3:
                others.append(AssignSpec(Role.INFORM, rng.choice(informed).pk, None, None, "",
                                         assigner.pk, t))
        instruction = rng.choice(INSTRUCTIONS).format(unit=lead_unit.name, days=days)
        for a in [lead, *others]:
            a.instruction = instruction
            if secret and a.user_id is not None:
                spec.grants.setdefault(a.user_id, (assigner.pk, t))
        spec.assignments = [lead, *others]
        doc["deadline"], doc["status"], doc["updated_at"] = deadline, Status.IN_PROGRESS, t
        spec.history.append((Status.IN_PROGRESS, t, assigner.pk, instruction))
        worker, work_t = lead, t
        if lead.unit_id is not None and rng.random() < 0.8 and staff.specialists[lead.unit_id]:
            tp = self.after(t, 1)
            if tp < self.now:
                person = rng.choice(staff.specialists[lead.unit_id])
                child = AssignSpec(Role.LEAD, None, person.pk, lead.deadline,
                                   rng.choice(PASS_ON), staff.heads[lead.unit_id].pk, tp)
                lead.children.append(child)
                worker, work_t = child, tp
        for coordinator in others:
            if coordinator.role == Role.COORDINATE and rng.random() < 0.7:
                tc = self.after(t, days)
                if tc < self.now:
                    coordinator.done_at, coordinator.result = tc, rng.choice(COORDINATION)
        if rng.random() < 0.05:
            return  # never finished: overdue by now
        k = rng.randint(1, days) if rng.random() < 0.85 else days + rng.randint(1, 12)
        done = self.moment_on(self.add_working_days(t, k))
        if done <= work_t:
            done = work_t + dt.timedelta(minutes=rng.randint(10, 120))
        if done >= self.now:
            return
        if worker.user_id is not None:
            completer = worker.user_id
        else:
            assert lead.unit_id is not None
            completer = staff.heads[lead.unit_id].pk
        result = rng.choice(RESULTS)
        for a in {id(worker): worker, id(lead): lead}.values():
            a.done_at, a.result = done, result
        doc["done_at"], doc["status"], doc["updated_at"] = done, Status.DONE, done
        spec.history.append((Status.DONE, done, completer, result))

    def run(self, total: int) -> list[Spec]:
        """``total`` documents: outgoing ones (with the copies their issue delivers) until
        about two thirds, then incoming ones from outside; sorted by creation time."""
        while len(self.specs) < total * 0.64:
            self.outgoing()
        while len(self.specs) < total:
            self.incoming()
        if len(self.specs) != total:
            raise SystemExit(f"too few documents ({total}) for the simulation")
        self.specs.sort(key=lambda s: (s.created_at, s.seq))
        return self.specs


RETURN_COMMENTS = [
    "Đề nghị chỉnh sửa trích yếu cho ngắn gọn, rõ nội dung.",
    "Bổ sung căn cứ pháp lý và số liệu năm trước.",
    "Rà soát lại thể thức văn bản theo Nghị định 30/2020/NĐ-CP.",
    "Làm rõ trách nhiệm của các đơn vị phối hợp.",
]
INSTRUCTIONS = [
    "Giao {unit} chủ trì, tham mưu văn bản trả lời trong {days} ngày làm việc.",
    "{unit} chủ trì nghiên cứu, đề xuất; các đơn vị phối hợp có ý kiến bằng văn bản.",
    "Đề nghị {unit} xử lý theo quy định, báo cáo kết quả.",
    "Chuyển {unit} nghiên cứu, tham mưu trình lãnh đạo.",
]
PASS_ON = ["Đồng chí chủ trì xử lý, dự thảo văn bản trả lời.",
           "Giao chuyên viên nghiên cứu, tham mưu.", "Xử lý theo ý kiến chỉ đạo của lãnh đạo."]
COORDINATION = ["Đã có ý kiến phối hợp bằng văn bản.", "Thống nhất với dự thảo.",
                "Đã góp ý, đề nghị bổ sung số liệu."]
RESULTS = ["Đã trả lời bằng văn bản.", "Đã tham mưu, trình lãnh đạo ký ban hành.",
           "Đã tổng hợp báo cáo, gửi cơ quan đề nghị.", "Đã cử cán bộ tham dự.",
           "Đã lưu hồ sơ, không phải trả lời."]
SIGNER_TITLES = ["Giám đốc", "Phó Giám đốc", "Chủ tịch", "Phó Chủ tịch", "Thứ trưởng",
                 "Cục trưởng", "Tổng Giám đốc", "Chánh Văn phòng"]


def number_documents(specs: list[Spec], staff: list[Staff]) -> dict[tuple[str, int], int]:
    """Numbers and registers as the actions hand them out; returns the counters."""
    from egov.documents import actions, rules
    from egov.documents.models import Direction, Document

    by_pk = {s.agency.pk: s for s in staff}
    incoming_registers = {s.agency.pk: actions.incoming_register(s.agency) for s in staff}
    outgoing_registers: dict[tuple[int, str], Any] = {}
    counters: dict[tuple[str, int], int] = {}
    groups: dict[tuple[int, str, int], list[Spec]] = defaultdict(list)
    for spec in specs:
        doc = spec.doc
        if doc["direction"] == Direction.OUTGOING and spec.issued_at is not None:
            tail = rules.numbering_series(doc["doc_type"], normative=doc["normative"],
                                          secret=bool(doc["confidentiality"]))
            key = (doc["agency_id"], tail)
            if key not in outgoing_registers:
                outgoing_registers[key] = actions.outgoing_register(
                    by_pk[doc["agency_id"]].agency,
                    Document(doc_type=doc["doc_type"], normative=doc["normative"],
                             confidentiality=doc["confidentiality"]))
            groups[(doc["agency_id"], tail, spec.issued_at.astimezone(TZ).year)].append(spec)
    for (agency_id, tail, year), items in groups.items():
        register = outgoing_registers[(agency_id, tail)]
        items.sort(key=lambda s: (s.issued_at, s.seq))
        agency = by_pk[agency_id].agency
        for n, spec in enumerate(items, start=1):
            doc = spec.doc
            doc.update(register_id=register.pk, year=year, number=n)
            unit_short = spec.unit_short if doc["doc_type"] == "official_letter" else None
            doc["symbol"] = rules.document_symbol(n, doc["doc_type"], agency.short_name,
                                                  unit_short)
        counters[(register.series, year)] = len(items)
    incoming_groups: dict[tuple[int, int], list[Spec]] = defaultdict(list)
    for spec in specs:
        doc = spec.doc
        if doc["direction"] == Direction.INCOMING:
            if spec.origin is not None:
                doc["symbol"] = spec.origin.doc["symbol"]
            incoming_groups[(doc["agency_id"], doc["received_at"].astimezone(TZ).year)].append(
                spec)
    for (agency_id, year), items in incoming_groups.items():
        register = incoming_registers[agency_id]
        items.sort(key=lambda s: (s.created_at, s.seq))
        for n, spec in enumerate(items, start=1):
            spec.doc.update(register_id=register.pk, year=year, number=n)
        counters[(register.series, year)] = len(items)
    return counters


def text_job(spec: Spec, seed: int) -> tuple[Any, ...]:
    """What a worker needs to write a document's file texts and fold its search text."""
    c, doc, staff = spec.context, spec.doc, spec.staff
    outgoing = doc["direction"] == "outgoing"
    author = staff.agency.name if outgoing else doc["issuer_name"]
    author_short = staff.agency.short_name if outgoing else spec.unit_short
    unit_name = spec.unit_name if outgoing else doc["issuer_name"]
    place = staff.spec.place if outgoing else c.province
    return (seed * 1_000_003 + spec.seq, c.doc_type, c.field, c.place, c.province, c.year,
            c.when, doc["subject"], author, author_short, unit_name, spec.unit_short, place,
            spec.text_signer, doc["symbol"], doc["issuer_name"], spec.search_signer,
            [version for version, _by, _at in spec.files], spec.attachment)


def make_texts(job: tuple[Any, ...]) -> tuple[list[str], str]:
    """(file texts in the order the files were created, the document's search text)."""
    from egov.documents import search

    (seed, doc_type, fld, place, province, year, when, subject, author, author_short, unit,
     unit_short, city, (signer, signer_title), symbol, issuer_name, search_signer, versions,
     attachment) = job
    rng = random.Random(seed)
    c = corpus.Context(doc_type=doc_type, field=fld, place=place, province=province, year=year,
                       when=when)
    texts = []
    for i, _version in enumerate(versions):
        if attachment and i == 1:
            texts.append(corpus.appendix(rng, c, author, unit))
        else:
            texts.append(corpus.body(rng, c, subject_text=subject, agency=author,
                                     agency_short=author_short, unit=unit,
                                     unit_short=unit_short, place=city, signer=signer,
                                     signer_title=signer_title,
                                     words=rng.randint(220, 420)))
    # refresh_search_text reads document.files in their Meta order: kind, -version, id.
    ordered = [t for _i, t in sorted(enumerate(texts), key=lambda p: (-versions[p[0]], p[0]))]
    return texts, search.index_text(symbol, subject, issuer_name, search_signer, *ordered)


def _worker_init(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


@contextlib.contextmanager
def explicit_timestamps() -> Iterator[None]:
    """Let bulk_create keep the simulated created_at/updated_at/uploaded_at values."""
    from egov.documents.models import Document, DocumentFile, Recipient

    fields = [Document._meta.get_field("created_at"), Document._meta.get_field("updated_at"),
              DocumentFile._meta.get_field("uploaded_at"),
              Recipient._meta.get_field("updated_at")]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def generate(args: argparse.Namespace) -> None:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import connections, transaction
    from django.utils import timezone

    from egov.core.models import Counter

    rng = random.Random(args.seed)
    started = time.monotonic()
    staff = build_organisations(args, rng)
    print(f"  {args.agencies} agencies, {sum(len(s.units) for s in staff)} units, "
          f"{args.people:,} officials through the core actions in "
          f"{time.monotonic() - started:.1f} s", flush=True)
    step = time.monotonic()
    now = dt.datetime.combine(timezone.localdate(), dt.time(7, 0), tzinfo=TZ)
    specs = Simulation(rng, staff, now).run(args.docs)
    counters = number_documents(specs, staff)
    print(f"  simulated {len(specs):,} documents in {time.monotonic() - step:.1f} s",
          flush=True)
    with transaction.atomic():
        for (series, year), value in counters.items():
            Counter.objects.update_or_create(series=series, year=year,
                                             defaults={"value": value})
    stored = default_storage.save("documents/bench/van-ban.pdf", ContentFile(PDF))
    sha = hashlib.sha256(PDF).hexdigest()
    jobs = [text_job(s, args.seed) for s in specs if s.origin is None]
    step = time.monotonic()
    connections.close_all()
    env = {k: os.environ[k] for k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY",
                                      "EGOV_VAR_DIR", "EGOV_FILES_DIR")}
    # A worker that cannot start (Django failing to set up) breaks the executor, which
    # then raises, rather than being respawned for ever as multiprocessing.Pool would.
    with ProcessPoolExecutor(max(1, (os.cpu_count() or 2)), mp.get_context("spawn"),
                             _worker_init, (env,)) as pool:
        results = pool.map(make_texts, jobs, chunksize=32)
        with explicit_timestamps():
            for n in range(0, len(specs), BATCH):
                write_batch(specs[n:n + BATCH], results, stored, sha)
                if (n // BATCH) % 20 == 19:
                    print(f"    {n + BATCH:,} written ({time.monotonic() - step:.0f} s)",
                          flush=True)
    print(f"  wrote {len(specs):,} documents with their files, history and assignments in "
          f"{time.monotonic() - step:.1f} s", flush=True)


def write_batch(chunk: Sequence[Spec], results: Iterator[tuple[list[str], str]],
                stored: str, sha: str) -> None:
    from django.db import transaction

    from egov.documents.models import (
        Assignment,
        Document,
        DocumentFile,
        Grant,
        Recipient,
        StatusChange,
    )

    for spec in chunk:
        origin = spec.origin
        if origin is None:
            texts, spec.search_text = next(results)
            name = corpus.ascii_name(corpus.PRINTED_NAMES.get(spec.doc["doc_type"], "van ban"))
            spec.rows = [
                (version, by, at,
                 f"{name}-{spec.seq}{'-phu-luc' if spec.attachment and i == 1 else ''}"
                 f"-v{version}.pdf", text)
                for i, ((version, by, at), text) in enumerate(zip(spec.files, texts,
                                                                  strict=True))]
        else:
            # _deliver_internal copies document.files.all(): Meta order kind, -version, id.
            assert origin.rows is not None
            spec.search_text = origin.search_text
            spec.rows = [(version, None, spec.created_at, name, text)
                         for _i, (version, _by, _at, name, text) in sorted(
                             enumerate(origin.rows), key=lambda p: (-p[1][0], p[0]))]
    with transaction.atomic():
        docs: list[Document] = []
        pending: list[Document] = []
        for spec in chunk:
            if spec.origin is not None and spec.origin.pk is None:
                # The issued document is in this batch: insert what comes before the copy.
                Document.objects.bulk_create(pending)
                for before, document in zip(chunk[len(docs) - len(pending):], pending,
                                            strict=False):
                    before.pk = document.pk
                pending = []
            document = Document(**spec.doc, search_text=spec.search_text,
                                origin_id=spec.origin.pk if spec.origin else None)
            docs.append(document)
            pending.append(document)
        Document.objects.bulk_create(pending)
        history, files, grants, recipients, top = [], [], [], [], []
        for spec, document in zip(chunk, docs, strict=True):
            spec.pk = document.pk
            history += [StatusChange(document_id=spec.pk, status=s, at=at, by_id=by, note=note)
                        for s, at, by, note in spec.history]
            assert spec.rows is not None
            files += [DocumentFile(
                document_id=spec.pk, kind=DocumentFile.Kind.MAIN, version=version, file=stored,
                name=name, content_type="application/pdf", size=len(PDF), sha256=sha,
                text=text, uploaded_by_id=by, uploaded_at=at)
                for version, by, at, name, text in spec.rows]
            grants += [Grant(document_id=spec.pk, user_id=user, granted_by_id=by, granted_at=at)
                       for user, (by, at) in spec.grants.items()]
            recipients += [Recipient(document_id=spec.pk, organisation_id=org,
                                     is_internal=True, dispatch=Recipient.Dispatch.WAITING,
                                     updated_at=spec.created_at) for org in spec.recipients]
            if spec.origin is not None:
                assert spec.origin.pk is not None
                recipients.append(Recipient(
                    document_id=spec.origin.pk, organisation_id=spec.doc["agency_id"],
                    is_internal=True, dispatch=Recipient.Dispatch.DELIVERED,
                    delivered_id=spec.pk, updated_at=spec.created_at))
                spec.origin.copies -= 1
                if spec.origin.copies == 0:
                    spec.origin.rows = None
            if spec.copies == 0:
                spec.rows = None
            top += [(spec, a) for a in spec.assignments]
        StatusChange.objects.bulk_create(history)
        DocumentFile.objects.bulk_create(files)
        Grant.objects.bulk_create(grants)
        Recipient.objects.bulk_create(recipients)

        def row(spec: Spec, a: AssignSpec, parent: AssignSpec | None) -> Assignment:
            assert spec.pk is not None
            return Assignment(document_id=spec.pk, parent_id=parent.pk if parent else None,
                              role=a.role, unit_id=a.unit_id, user_id=a.user_id,
                              deadline=a.deadline, instruction=a.instruction,
                              assigned_by_id=a.assigned_by, assigned_at=a.assigned_at,
                              done_at=a.done_at, result=a.result)

        rows = [row(spec, a, None) for spec, a in top]
        Assignment.objects.bulk_create(rows)
        for (_spec, a), r in zip(top, rows, strict=True):
            a.pk = r.pk
        Assignment.objects.bulk_create([row(spec, c, a) for spec, a in top for c in a.children])


# --- consistency checks on the generated (or cached) database --------------------------------


def check_database(expected_docs: int) -> None:
    from django.db.models import Count, Max

    from egov.documents import actions
    from egov.documents.models import Document

    total = Document.objects.count()
    problems = []
    if total != expected_docs:
        problems.append(f"{total} documents, expected {expected_docs}")
    gaps = (Document.objects.filter(number__isnull=False).values("register_id", "year")
            .annotate(n=Count("id"), top=Max("number")).order_by())
    problems += [f"register {g['register_id']} {g['year']}: {g['n']} numbers up to {g['top']}"
                 for g in gaps if g["n"] != g["top"]]
    # Internal copies keep the issued document's search text, and approval sets the signer
    # without refolding: refresh_search_text is the last word for the others.
    sample = Document.objects.filter(pk__in=list(
        Document.objects.filter(origin__isnull=True).exclude(status="approved")
        .order_by("?").values_list("pk", flat=True)[:100]))
    for document in sample:
        expected = document.search_text
        actions.refresh_search_text(document)
        if document.search_text != expected:
            problems.append(f"document {document.pk}: search_text differs from "
                            "refresh_search_text")
    if problems:
        raise SystemExit("the benchmark database is inconsistent: " + "; ".join(problems[:5]))
    print(f"  checked: {total:,} documents, numbers without gaps, search text of 100 "
          f"sampled documents equal to refresh_search_text", flush=True)


# --- measuring -------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ms(seconds: float) -> float:
    return seconds * 1000.0


@dataclass
class People:
    agency: Any
    leader: Any
    specialist: Any


def measured_people(args: argparse.Namespace) -> People:
    """The agency measured (the second one, a ministry), its leader, and its busiest
    specialist outside the office."""
    from django.db.models import Count, Q

    from egov.core.models import Organisation, Post, User

    spec = corpus.agencies(args.agencies)[min(1, args.agencies - 1)]
    agency = Organisation.objects.get(code=f"000.00.00.{spec.letter_code}")
    leader = Post.objects.get(organisation=agency, position="agency_leader").user
    unit = Organisation.objects.get(code=f"000.00.02.{spec.letter_code}")
    specialist = (User.objects.filter(posts__organisation=unit, posts__position="specialist")
                  .annotate(n=Count("assignments", filter=Q(assignments__done_at__isnull=True)))
                  .order_by("-n", "id").first())
    assert specialist is not None
    return People(agency, leader, specialist)


def inbox_url() -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("documents:inbox")
    except NoReverseMatch:
        return None


class Inbox:
    """The page (or, until the view exists, its queryset) and its query count."""

    def __init__(self, user: Any) -> None:
        from django.test import Client

        self.user = user
        self.url = inbox_url()
        self.client = Client(SERVER_NAME="localhost")
        self.client.force_login(user)

    def fetch(self) -> int:
        if self.url is not None:
            response = self.client.get(self.url)
            if response.status_code != 200:
                raise SystemExit(f"{self.url} answered {response.status_code} for "
                                 f"{self.user.username}")
            return len(response.content)
        from egov.documents import queries

        rows = list(queries.with_processing_status(
            queries.incoming(queries.visible_documents(self.user))).order_by(
            "-created_at", "-id")[:PAGE])
        return len(rows)

    def count_queries(self) -> int:
        """Queries of one request, once the session is warm (the first request of a
        session also asks whether a second factor is needed: two more queries)."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for _ in range(2):
            self.fetch()
        with CaptureQueriesContext(connection) as ctx:
            self.fetch()
        return len(ctx.captured_queries)


class Floor:
    """One hand-written query through the bare driver: the rows of the inbox's first tab
    (the one the page opens on) for this person."""

    def __init__(self, user: Any) -> None:
        from django.conf import settings
        from django.db import connection

        from egov.core import calendar
        from egov.documents.queries import NEAR_DAYS

        tab, _order, limit = default_tab(user)
        self.vendor = connection.vendor
        db = settings.DATABASES["default"]
        today = dt.datetime.now(TZ).date()
        near = calendar.add_working_days(today, NEAR_DAYS)
        self.sql = floor_sql(self.vendor, tab)
        if self.vendor == "postgresql":
            import psycopg

            # The same session settings egov's connections get (settings.py: no JIT,
            # SSD page costs), so the floor and egov meet the same planner.
            self.conn: Any = psycopg.connect(
                dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432,
                password=db["PASSWORD"] or None, autocommit=True,
                options=db.get("OPTIONS", {}).get("options", ""))
            self.params: Any = {"u": user.pk, "today": today, "near": near, "limit": limit}
        else:
            self.conn = sqlite3.connect(db["NAME"])
            self.params = {"u": user.pk, "today": today.isoformat(), "near": near.isoformat(),
                           "limit": limit}

    def fetch(self) -> list[tuple[Any, ...]]:
        cursor = self.conn.execute(self.sql, self.params)
        return list(cursor.fetchall())

    def close(self) -> None:
        self.conn.close()


def default_tab(user: Any) -> tuple[str, tuple[Any, ...], int]:
    """The inbox's first tab for this person (its key and order) and the page size, as
    egov/documents/views_inbox.py defines them."""
    from egov.documents import views_inbox

    tab = views_inbox.incoming_tabs(user, views_inbox.Roles.of(user))[0]
    if tab.key not in FLOOR_TABS:
        raise SystemExit(f"the inbox opens on tab {tab.key!r}, which the floor query does "
                         f"not know (it knows {', '.join(FLOOR_TABS)}): update floor_sql")
    return tab.key, tab.order, views_inbox.PAGE_SIZE


# The inbox tabs the floor knows: (condition on d, ORDER BY), as in views_inbox.py.
FLOOR_TABS = {
    "waiting": ("d.status = 'waiting_assignment'", "d.received_at DESC, d.id DESC"),
    "mine": ("""EXISTS (SELECT 1 FROM documents_assignment m WHERE m.document_id = d.id
               AND m.role = 'lead' AND m.done_at IS NULL
               AND (m.user_id = {u} OR m.unit_id IN (SELECT id FROM my_units)))""",
             "d.deadline ASC NULLS LAST, d.id DESC"),
}


def floor_sql(vendor: str, tab: str) -> str:
    """Visible incoming documents of one tab, with the processing status, as one query:
    each way of seeing a document (queries.visible_documents) is one indexed branch of a
    UNION — own units and led subtrees, the clerk's agency, own drafts, assignments to
    oneself, to those units, or to people working in the led subtrees — and secret
    documents need a grant."""
    p = (lambda name: f"%({name})s") if vendor == "postgresql" else (lambda name: f":{name}")
    done_date = ("(d.done_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date" if vendor == "postgresql"
                 else "date(d.done_at, '+7 hours')")
    percent = "%%" if vendor == "postgresql" else "%"
    condition, order = FLOOR_TABS[tab]
    condition = condition.format(u=p("u"))
    return f"""
WITH my_units AS (
    SELECT organisation_id AS id FROM core_post WHERE user_id = {p('u')} AND is_active
), led_units AS (
    SELECT o.id FROM core_organisation o JOIN core_organisation top
        ON o.path LIKE top.path || '{percent}'
    JOIN core_post po ON po.organisation_id = top.id
    WHERE po.user_id = {p('u')} AND po.is_active
      AND po.position IN ('agency_leader', 'deputy_leader', 'unit_head')
), seen_units AS (
    SELECT id FROM my_units UNION SELECT id FROM led_units
), visible AS (
    SELECT d.id FROM documents_document d WHERE d.unit_id IN (SELECT id FROM seen_units)
    UNION SELECT d.id FROM documents_document d WHERE d.agency_id IN (
        SELECT o.agency_id FROM core_post po JOIN core_organisation o ON o.id = po.organisation_id
        WHERE po.user_id = {p('u')} AND po.is_active AND po.position = 'clerk')
    UNION SELECT d.id FROM documents_document d WHERE d.created_by_id = {p('u')}
    UNION SELECT a.document_id FROM documents_assignment a WHERE a.user_id = {p('u')}
    UNION SELECT a.document_id FROM documents_assignment a
          WHERE a.unit_id IN (SELECT id FROM seen_units)
    UNION SELECT a.document_id FROM documents_assignment a WHERE a.user_id IN (
        SELECT user_id FROM core_post WHERE is_active AND organisation_id IN (
            SELECT id FROM led_units))
)
SELECT d.id, d.number, d.symbol, d.subject, d.issuer_name, d.received_at, d.deadline,
       d.status, d.urgency, d.confidentiality,
       CASE WHEN d.status = 'done' AND d.done_at IS NOT NULL AND d.deadline IS NOT NULL
                 AND {done_date} > d.deadline THEN 'done_late'
            WHEN d.status = 'done' THEN 'done_on_time'
            WHEN d.deadline < {p('today')} THEN 'overdue'
            WHEN d.deadline <= {p('near')} THEN 'near_deadline'
            WHEN d.status IN ('registered', 'waiting_assignment') THEN 'new'
            ELSE 'in_progress' END AS processing
FROM documents_document d
WHERE d.id IN (SELECT id FROM visible) AND d.direction = 'incoming' AND {condition}
  AND (d.confidentiality = '' OR EXISTS (
      SELECT 1 FROM documents_grant g WHERE g.document_id = d.id AND g.user_id = {p('u')}))
ORDER BY {order}
LIMIT {p('limit')}
"""


def page_rows(user: Any) -> list[int]:
    """The ids the inbox lists on its first page, by the ORM, as the view builds them."""
    from egov.documents import queries, views_inbox

    tab = views_inbox.incoming_tabs(user, views_inbox.Roles.of(user))[0]
    base = queries.with_processing_status(queries.incoming(queries.visible_documents(user)))
    return list(base.filter(tab.condition).order_by(*tab.order)
                .values_list("pk", flat=True)[:views_inbox.PAGE_SIZE])


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure_inbox(people: People, requests: int) -> dict[str, Any]:
    from egov.documents import queries

    out: dict[str, Any] = {}
    for who, user in (("leader", people.leader), ("specialist", people.specialist)):
        page, floor = Inbox(user), Floor(user)
        same = [row[0] for row in floor.fetch()] == page_rows(user)
        if not same:
            print(f"  WARNING: the floor query does not return the page's rows for {who}",
                  flush=True)
        for _ in range(max(10, requests // 10)):  # warm-up
            page.fetch()
            floor.fetch()
        page_times, floor_times = [], []
        for i in range(requests):
            if i % 2:
                page_times.append(timed(page.fetch))
                floor_times.append(timed(floor.fetch))
            else:
                floor_times.append(timed(floor.fetch))
                page_times.append(timed(page.fetch))
        out[who] = {
            "p50": ms(percentile(page_times, 0.5)), "p95": ms(percentile(page_times, 0.95)),
            "floor_p50": ms(percentile(floor_times, 0.5)),
            "floor_p95": ms(percentile(floor_times, 0.95)),
            "queries": page.count_queries(),
            "visible": queries.incoming(queries.visible_documents(user)).count(),
            "tab": default_tab(user)[0], "rows": len(floor.fetch()), "same_rows": same,
            "samples": (page_times, floor_times),
        }
        floor.close()
    return out


# --- search and its Tantivy floor --------------------------------------------------------------


class TantivyFloor:
    """The documents' folded search_text in a Tantivy index (cached beside the database)."""

    def __init__(self, path: Path, agency_id: int) -> None:
        import tantivy

        self.tantivy = tantivy
        self.agency_id = agency_id
        self.analyzer = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                         .filter(tantivy.Filter.lowercase())
                         .filter(tantivy.Filter.ascii_fold()).build())
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", stored=True, indexed=True, fast=True)
        builder.add_integer_field("agency", indexed=True, fast=True)
        builder.add_integer_field("secret", indexed=True, fast=True)
        builder.add_text_field("text", tokenizer_name="vi_fold")
        self.schema = builder.build()
        fresh = not (path / "meta.json").exists()
        if fresh:
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(parents=True)
        self.index = tantivy.Index(self.schema, path=str(path))
        self.index.register_tokenizer("vi_fold", self.analyzer)
        if fresh:
            self.build()
        self.index.reload()
        self.searcher = self.index.searcher()

    def build(self) -> None:
        from django.db import connection

        started = time.monotonic()
        writer = self.index.writer(heap_size=256_000_000, num_threads=2)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, agency_id, confidentiality, search_text "
                           "FROM documents_document ORDER BY id")
            while rows := cursor.fetchmany(5000):
                for pk, agency, secret, text in rows:
                    writer.add_document(self.tantivy.Document(
                        id=pk, agency=agency, secret=1 if secret else 0, text=text))
        writer.commit()
        writer.wait_merging_threads()
        print(f"  Tantivy index built in {time.monotonic() - started:.1f} s", flush=True)

    def words(self, query: str) -> list[str]:
        return list(self.analyzer.analyze(query))

    def query(self, query: str) -> Any:
        Query, Occur = self.tantivy.Query, self.tantivy.Occur
        clauses = [
            (Occur.Must, Query.term_query(self.schema, "agency", self.agency_id)),
            (Occur.Must, Query.term_query(self.schema, "secret", 0)),
        ]
        for word in self.words(query)[:12]:
            clauses.append((Occur.Must, Query.boolean_query([
                (Occur.Should, Query.term_query(self.schema, "text", word)),
                (Occur.Should, Query.fuzzy_term_query(self.schema, "text", word, distance=0,
                                                      prefix=True)),
            ])))
        return Query.boolean_query(clauses)

    def first_page(self, query: str) -> list[int]:
        result = self.searcher.search(self.query(query), PAGE, count=False)
        return [self.searcher.doc(address)["id"][0] for _score, address in result.hits]

    def count(self, query: str) -> int:
        result = self.searcher.search(self.query(query), 1, count=True)
        return int(getattr(result, "count", 0) or 0)  # (the type stub omits count)


def measure_search(people: People, rounds: int, tantivy_path: Path) -> dict[str, Any]:
    from egov.documents import queries, search

    floor = TantivyFloor(tantivy_path, people.agency.pk)
    users = {"leader": people.leader, "specialist": people.specialist}
    visible = {who: queries.visible_documents(u) for who, u in users.items()}

    def egov_page(who: str, q: str) -> list[int]:
        return [d.pk for d in search.apply(visible[who], q)[:PAGE]]

    for q in corpus.QUERIES:
        if floor.words(q) != search.search_words(q):
            print(f"  note: Tantivy reads {q!r} as {floor.words(q)}, egov as "
                  f"{search.search_words(q)}", flush=True)
    pages = {q: egov_page("leader", q) for q in corpus.QUERIES}  # also the warm-up
    for q in corpus.QUERIES:
        egov_page("specialist", q)
        floor.first_page(q)
    times: dict[str, list[float]] = {"leader": [], "specialist": [], "tantivy": []}
    per_query: dict[str, dict[str, list[float]]] = {q: {"egov": [], "tantivy": []}
                                                    for q in corpus.QUERIES}
    for _ in range(rounds):
        for q in corpus.QUERIES:
            for who in ("leader", "specialist"):
                t = timed(lambda who=who, q=q: egov_page(who, q))  # type: ignore[misc]
                times[who].append(t)
                if who == "leader":
                    per_query[q]["egov"].append(t)
            t = timed(lambda q=q: floor.first_page(q))  # type: ignore[misc]
            times["tantivy"].append(t)
            per_query[q]["tantivy"].append(t)
    rows, overlaps = [], []
    for q in corpus.QUERIES:
        a, b = set(pages[q]), set(floor.first_page(q))
        overlap = len(a & b) / max(len(a), len(b)) if (a or b) else 1.0
        overlaps.append(overlap)
        rows.append({"q": q, "matches": search.apply(visible["leader"], q).count(),
                     "tantivy_matches": floor.count(q),
                     "p50": ms(statistics.median(per_query[q]["egov"])),
                     "tantivy_p50": ms(statistics.median(per_query[q]["tantivy"])),
                     "overlap": overlap})
    half = len(corpus.QUERIES_WITH_DIACRITICS)
    mismatches = [q for q, plain in zip(corpus.QUERIES[:half], corpus.QUERIES[half:],
                                        strict=True) if pages[q] != pages[plain]]
    both = times["leader"] + times["specialist"]
    return {
        "leader": {"p50": ms(percentile(times["leader"], 0.5)),
                   "p95": ms(percentile(times["leader"], 0.95))},
        "specialist": {"p50": ms(percentile(times["specialist"], 0.5)),
                       "p95": ms(percentile(times["specialist"], 0.95))},
        "p50": ms(percentile(both, 0.5)), "p95": ms(percentile(both, 0.95)),
        "tantivy_p50": ms(percentile(times["tantivy"], 0.5)),
        "tantivy_p95": ms(percentile(times["tantivy"], 0.95)),
        "overlap": statistics.mean(overlaps), "queries": rows, "mismatches": mismatches,
    }


# --- the child's main -----------------------------------------------------------------------


def child_main(args: argparse.Namespace) -> int:
    db = args.db
    if db == "sqlite":
        path = sqlite_path(args.docs)
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = pg_url(args.database_url, args.docs)
    setup_environment(url)
    from django.db import connection

    if connection.vendor != db:
        raise SystemExit(f"expected a {db} database, got {connection.vendor}")
    cached, generate_s = ensure_database(args, db, url)
    print(f"{'reusing the cached' if cached else 'generated the'} database "
          f"{connection.settings_dict['NAME']}", flush=True)
    check_database(args.docs)
    people = measured_people(args)
    target = "view documents:inbox" if inbox_url() else \
        "queryset (documents:inbox does not exist yet)"
    result: dict[str, Any] = {"db": db, "docs": args.docs, "cached": cached,
                              "generate_s": generate_s, "inbox_target": target}
    if args.child == "queries":
        counts = {who: Inbox(user).count_queries() for who, user in
                  (("leader", people.leader), ("specialist", people.specialist))}
        result["inbox_queries"] = max(counts.values())
        result["inbox_queries_by_person"] = counts
        result["rows"] = {who: len(page_rows(user)) for who, user in
                          (("leader", people.leader), ("specialist", people.specialist))}
        print(f"inbox queries with {args.docs:,} documents: {counts} "
              f"(rows on the page: {result['rows']})", flush=True)
        print("result: " + json.dumps(result), flush=True)
        return 0
    print(f"measuring the inbox ({target}) for {people.leader.username} (leader) and "
          f"{people.specialist.username} (specialist)…", flush=True)
    inbox = measure_inbox(people, args.requests)
    page_all = inbox["leader"]["samples"][0] + inbox["specialist"]["samples"][0]
    floor_all = inbox["leader"]["samples"][1] + inbox["specialist"]["samples"][1]
    for who in ("leader", "specialist"):
        del inbox[who]["samples"]
    print("measuring search…", flush=True)
    tantivy_path = var_dir() / "bench" / f"tantivy-{db}-{args.docs}-{fingerprint(args)[:12]}"
    for stale in tantivy_path.parent.glob(f"tantivy-{db}-{args.docs}-*"):
        if stale != tantivy_path:  # built for a database since regenerated
            shutil.rmtree(stale, ignore_errors=True)
    found = measure_search(people, args.rounds, tantivy_path)
    result.update({
        "inbox": inbox,
        "inbox_p50_ms": round(ms(percentile(page_all, 0.5)), 2),
        "inbox_p95_ms": round(ms(percentile(page_all, 0.95)), 2),
        "inbox_floor_p95_ms": round(ms(percentile(floor_all, 0.95)), 2),
        "inbox_queries": max(inbox["leader"]["queries"], inbox["specialist"]["queries"]),
        "search": {"leader": found["leader"], "specialist": found["specialist"]},
        "search_p50_ms": round(found["p50"], 2), "search_p95_ms": round(found["p95"], 2),
        "tantivy_p50_ms": round(found["tantivy_p50"], 2),
        "tantivy_p95_ms": round(found["tantivy_p95"], 2),
        "search_overlap": round(found["overlap"], 3),
        "search_queries": found["queries"], "search_mismatches": found["mismatches"],
    })
    result["inbox_ratio"] = round(percentile(page_all, 0.95) / percentile(floor_all, 0.95), 2)
    result["search_ratio"] = round(found["p95"] / found["tantivy_p95"], 2)
    print("result: " + json.dumps(result, ensure_ascii=False), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
