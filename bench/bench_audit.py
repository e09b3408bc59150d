"""Benchmark: what the audit log costs the writers, and how long sealing and verifying take.

On PostgreSQL (``DATABASE_URL``, default postgresql://postgres@127.0.0.1:5432/egov_bench;
the script drops, creates and migrates that database, whose name must contain "bench"),
N writer processes (default 8) each change their own organisation's telephone in a loop:

* actions: ``egov.core.actions.do_update_organisation`` (validation, row lock, update, one
  audit entry, the seal request on commit);
* floor: the same validation, row lock and update in a transaction, without the audit
  entry (the action's own code, minus ``audit.snapshot``/``audit.record``).

The two kinds of phase alternate (``--rounds``) so that neither always runs on the
warmer (or more bloated) table. Then everything is sealed and verified, timed. The last
line printed is one JSON object. Never run by the tests; prints figures, gates nothing.

    .venv/bin/python bench/bench_audit.py            # 8 writers, 20 s of each kind
    .venv/bin/python bench/bench_audit.py --quick    # 3 s smoke run
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/egov_bench"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0,
                        help="seconds of writing for each kind (actions, floor)")
    parser.add_argument("--writers", type=int, default=8, help="writer processes")
    parser.add_argument("--rounds", type=int, default=10,
                        help="alternations of floor and actions phases")
    parser.add_argument("--quick", action="store_true", help="3 s smoke run")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.rounds = 3.0, 3
    return args


def setup_environment(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "egov.settings"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("EGOV_VAR_DIR", str(Path(tempfile.gettempdir()) / "egov-bench"))
    os.environ.setdefault("DB_CONN_MAX_AGE", "600")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def recreate_database(url: str) -> None:
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


def floor_update(org: Any, **data: Any) -> Any:
    """``do_update_organisation`` without its audit entry: the same checks, lock and
    update in one transaction (no snapshots, no ``audit.record``, no seal request)."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from egov.core import actions, rules
    from egov.core.models import Organisation

    check_update = getattr(actions, "check_update_organisation", None)
    if check_update is not None:
        cleaned = check_update(org, data)
    else:
        merged = {k: getattr(org, k) for k in actions.ORG_FIELDS} | data
        cleaned = actions.check_organisation(merged, parent=org.parent, instance=org)
        if cleaned["code"] != org.code and org.children.exists():
            raise ValidationError({"code": ["unreachable in the benchmark"]})
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=org.pk)
        for key, value in cleaned.items():
            setattr(org, key, value)
        org.level = rules.code_level(org.code)
        org.agency_id = org.pk if org.is_agency or org.parent_id is None else (
            org.parent.agency_id if org.parent else org.pk)
        org.save()
    return org


def backend_cpu_seconds() -> float | None:
    """CPU time of this process's PostgreSQL backend, when the server runs on this
    machine (/proc readable); None otherwise."""
    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def writer(url: str, org_id: int, pipe: Any) -> None:
    """One writer process: waits for (kind, start time, duration), writes until the end
    of the phase, reports (writes, own CPU seconds, its database backend's CPU seconds);
    the same process serves every phase, so phases switch without start-up costs."""
    setup_environment(url)
    from egov.core import actions
    from egov.core.models import Organisation

    org = Organisation.objects.get(pk=org_id)
    def floor(o: Any, *, acting_user: Any, **data: Any) -> Any:
        return floor_update(o, **data)

    kinds: dict[str, Callable[..., Any]] = {
        "actions": actions.do_update_organisation, "floor": floor}
    pipe.send("ready")
    n = 0
    while (order := pipe.recv()) is not None:
        kind, start_at, duration = order
        update = kinds[kind]
        time.sleep(max(0.0, start_at - time.time()))
        deadline = start_at + duration
        cpu, backend = time.process_time(), backend_cpu_seconds()
        count = 0
        while time.time() < deadline:
            org = update(org, acting_user=None, phone=f"024 {n % 10_000_000:07d}")
            n += 1
            count += 1
        backend_after = backend_cpu_seconds()
        pipe.send((count, time.process_time() - cpu,
                   None if backend is None or backend_after is None
                   else backend_after - backend))


class Writers:
    def __init__(self, url: str, org_ids: list[int]) -> None:
        ctx = mp.get_context("spawn")
        self.pipes = []
        self.processes = []
        for org_id in org_ids:
            ours, theirs = ctx.Pipe()
            process = ctx.Process(target=writer, args=(url, org_id, theirs), daemon=True)
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)
        for pipe in self.pipes:
            if not pipe.poll(120) or pipe.recv() != "ready":
                raise SystemExit("a writer did not start")

    def phase(self, kind: str, duration: float) -> tuple[int, float, float | None]:
        """All writers write ``kind`` for ``duration`` seconds, starting together."""
        start_at = time.time() + 0.2
        for pipe in self.pipes:
            pipe.send((kind, start_at, duration))
        results = []
        for pipe in self.pipes:
            if not pipe.poll(duration + 120):
                raise SystemExit(f"a {kind} writer did not finish")
            results.append(pipe.recv())
        backend = [r[2] for r in results]
        return (sum(r[0] for r in results), sum(r[1] for r in results),
                None if None in backend else sum(b for b in backend if b is not None))

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.send(None)
        for process in self.processes:
            process.join(30)
            if process.exitcode != 0:
                raise SystemExit(f"a writer failed (exit code {process.exitcode})")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    recreate_database(args.database_url)
    setup_environment(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from egov.core import audit
    from egov.core.models import AuditEntry, Organisation
    from egov.core.tests import factories

    if connection.vendor != "postgresql":
        raise SystemExit("the audit benchmark runs on PostgreSQL")
    call_command("migrate", verbosity=0, interactive=False)
    orgs = [factories.ministry(code=f"000.00.00.G{i + 10:02d}", name=f"Bộ số {i + 1}",
                               short_name=f"B{i + 1}") for i in range(args.writers)]
    org_ids = [org.pk for org in orgs]
    print(f"audit benchmark: {args.writers} writers, {args.duration:g} s of each kind in "
          f"{args.rounds} round(s), {connection.settings_dict['NAME']} on PostgreSQL")

    writers = Writers(args.database_url, org_ids)
    totals: dict[str, dict[str, Any]] = {
        kind: {"writes": 0, "seconds": 0.0, "cpu": 0.0, "db_cpu": 0.0}
        for kind in ("floor", "actions")}
    per_phase = args.duration / args.rounds
    try:
        for round_no in range(args.rounds):
            order = ("floor", "actions") if round_no % 2 == 0 else ("actions", "floor")
            for kind in order:
                count, cpu, db_cpu = writers.phase(kind, per_phase)
                total = totals[kind]
                total["writes"] += count
                total["seconds"] += per_phase
                total["cpu"] += cpu
                total["db_cpu"] = None if db_cpu is None or total["db_cpu"] is None \
                    else total["db_cpu"] + db_cpu
                print(f"  round {round_no + 1:>2} {kind:>7}: {count:>7} writes in "
                      f"{per_phase:4.1f} s = {count / per_phase:8.1f}/s", flush=True)
    finally:
        writers.close()
    floor, acts = totals["floor"], totals["actions"]
    floor_rate = floor["writes"] / floor["seconds"]
    action_rate = acts["writes"] / acts["seconds"]
    ratio = action_rate / floor_rate
    print(f"floor (same writes, no audit entry): {floor_rate:8.1f} writes/s")
    print(f"actions (with the audit entry):      {action_rate:8.1f} actions/s")
    print(f"ratio: {ratio:.3f} (target >= 0.8)")
    # Wall-clock rates move with whatever else the machine runs; CPU time per write
    # (writer processes + their database backends) is the steadier comparison.
    if floor["db_cpu"] is not None and acts["db_cpu"] is not None:
        floor_ms = 1000 * (floor["cpu"] + floor["db_cpu"]) / floor["writes"]
        acts_ms = 1000 * (acts["cpu"] + acts["db_cpu"]) / acts["writes"]
        print(f"CPU per write (Python + PostgreSQL): floor {floor_ms:.3f} ms "
              f"({1000 * floor['cpu'] / floor['writes']:.3f} + "
              f"{1000 * floor['db_cpu'] / floor['writes']:.3f}), actions {acts_ms:.3f} ms "
              f"({1000 * acts['cpu'] / acts['writes']:.3f} + "
              f"{1000 * acts['db_cpu'] / acts['writes']:.3f}); "
              f"CPU ratio {floor_ms / acts_ms:.3f}")

    entries = AuditEntry.objects.count()
    started = time.monotonic()
    sealed = audit.seal(full=True)
    seal_s = time.monotonic() - started
    print(f"sealed {sealed} of {entries} entries in {seal_s:.2f} s")
    started = time.monotonic()
    result = audit.verify()
    verify_s = time.monotonic() - started
    print(f"verified {result.entries} entries in {verify_s:.2f} s: "
          f"{'ok' if result.ok else result.problems[0]}")
    Organisation.objects.filter(pk__in=org_ids).count()  # the database is still there

    summary = {
        "bench": "audit", "db": "postgresql", "writers": args.writers,
        "actions_per_s": round(action_rate, 1), "floor_per_s": round(floor_rate, 1),
        "ratio": round(ratio, 3), "seal_s": round(seal_s, 3), "verify_s": round(verify_s, 3),
        "verified": bool(result.ok and result.entries == entries),
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
