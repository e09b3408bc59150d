"""Background work through real ``egov db_worker`` processes on the test database: two
workers share 200 tasks without running any twice; ``run_after`` holds a task back; the
audit log gets sealed by the worker without anyone calling ``seal()``."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from egov.core import audit
from egov.core.models import AuditEntry, AuditLink, Counter
from egov.core.tests import factories
from egov.core.tests.probe_tasks import PROBE_YEAR, probe

pytestmark = [pytest.mark.processes, pytest.mark.django_db(transaction=True)]

EGOV = Path(sys.executable).with_name("egov")


def database_url() -> str:
    """The URL of the database this test runs on (the test database), for subprocesses."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    assert connection.vendor == "postgresql"
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Workers:
    """``egov db_worker`` processes; all of them end when the test ends, even on failure."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, worker_id: str) -> None:
        env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
        env |= {"DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "egov.settings",
                "EGOV_VAR_DIR": os.environ.get("EGOV_VAR_DIR", str(self.tmp_path))}
        log = (self.tmp_path / f"{worker_id}.log").open("wb")
        process = subprocess.Popen(
            [str(EGOV), "db_worker", "--interval", "0.1", "--no-startup-delay",
             "--no-reload", "--worker-id", worker_id],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append((worker_id, process))

    def logs(self) -> str:
        return "\n".join(f"--- {worker_id}\n" + (self.tmp_path / f"{worker_id}.log")
                         .read_text(errors="replace") for worker_id, _p in self.processes)

    def stop(self) -> None:
        for _worker_id, process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _worker_id, process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)

    def assert_alive(self) -> None:
        dead = [w for w, p in self.processes if p.poll() is not None]
        assert not dead, f"worker(s) {dead} exited:\n{self.logs()}"


@pytest.fixture
def workers(transactional_db: None, tmp_path: Path) -> Iterator[Workers]:
    audit.reset_process_state()
    pool = Workers(tmp_path)
    try:
        yield pool
    finally:
        pool.stop()  # before the database is emptied
        audit.reset_process_state()


def wait_for(condition: Callable[[], Any], workers: Workers, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        workers.assert_alive()
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s\n{workers.logs()}")


def test_two_workers_run_every_task_exactly_once(workers: Workers) -> None:
    results = [probe.enqueue(n) for n in range(200)]
    ids = [r.id for r in results]
    workers.start("w1")
    workers.start("w2")
    finished = DBTaskResult.objects.filter(id__in=ids).exclude(
        status__in=["READY", "RUNNING"])
    wait_for(lambda: finished.count() == 200, workers, timeout=120)

    rows = list(DBTaskResult.objects.filter(id__in=ids))
    assert {row.status for row in rows} == {"SUCCESSFUL"}, \
        [row.traceback for row in rows if row.traceback][:1]
    assert all(len(row.worker_ids) == 1 for row in rows)  # claimed once each
    by_worker = {w: sum(row.worker_ids == [w] for row in rows) for w in ("w1", "w2")}
    assert all(by_worker.values()), by_worker  # both took part: the race was real
    assert {row.return_value for row in rows} == {1}
    counters = Counter.objects.filter(series__startswith="probe-", year=PROBE_YEAR)
    assert counters.count() == 200
    assert set(counters.values_list("value", flat=True)) == {1}  # no task ran twice


def test_a_task_waits_for_its_run_after(workers: Workers) -> None:
    workers.start("w1")
    run_after = timezone.now() + dt.timedelta(seconds=3)
    result = probe.using(run_after=run_after).enqueue(10_000, 0.0)
    row = DBTaskResult.objects.filter(id=result.id)
    while timezone.now() < run_after - dt.timedelta(seconds=0.3):
        assert row.get().status == "READY"
        assert not Counter.objects.filter(series="probe-10000").exists()
        workers.assert_alive()
        time.sleep(0.1)
    wait_for(lambda: row.get().status == "SUCCESSFUL", workers, timeout=30)
    done = row.get()
    assert done.started_at is not None and done.started_at >= run_after
    assert Counter.objects.get(series="probe-10000").value == 1


def test_a_worker_seals_new_entries_without_being_asked(
    workers: Workers, settings: Any,
) -> None:
    settings.EGOV_AUDIT_SEAL_DELAY_SECONDS = 0.5
    workers.start("w1")

    def sealed(entries: Any) -> bool:
        return AuditLink.objects.filter(entry__in=entries).count() == entries.count()

    ministry = factories.ministry()  # an action: its entry asks for a seal on commit
    first = AuditEntry.objects.all()
    assert first.count() == 1
    wait_for(lambda: sealed(first), workers, timeout=30)

    # A burst of actions right after: all of them get sealed too.
    for i in range(5):
        factories.unit(ministry, f"000.00.{i + 1:02d}.G12")
    everything = AuditEntry.objects.all()
    assert everything.count() == 6
    wait_for(lambda: sealed(everything), workers, timeout=30)

    tasks = DBTaskResult.objects.filter(task_path="egov.core.tasks.seal_audit_log")
    assert tasks.count() >= 2
    assert {t.status for t in tasks} <= {"SUCCESSFUL", "READY"}
    assert sum(t.return_value or 0 for t in tasks) == 6
    result = audit.verify()
    assert result.ok and result.entries == 6 and result.pending == 0
