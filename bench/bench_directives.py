"""Benchmark: task follow-up's review page and an agency's task list, and the close and
tally of a ballot with verification of every signature, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_directives.py                # 100,000 tasks, both databases
    .venv/bin/python bench/bench_directives.py --quick        # 5,000 tasks, a short run
    .venv/bin/python bench/bench_directives.py --db=sqlite --tasks=20000
    .venv/bin/python bench/run.py directives --quick          # through the runner

The data (a fresh database each run: SQLite under ``$EGOV_VAR_DIR/bench/``, PostgreSQL
``egov_bench_cabinet``): the Government Office and 300 agencies (ministries and provinces)
created through ``core.actions``; 100,000 tasks over five years written with
``bulk_create`` with the values ``directives.actions.do_create_task`` leaves (source date,
deadline 10–120 days later, the lead agency, the Office as assigner); tasks whose deadline
has passed are mostly done (on time or late), some still open (overdue), and the last
weeks' tasks are in progress or near their deadline. 200 ballots (``--quick``: 5) of 30
members each, every answer a real detached CMS signature made with the member's personal
certificate (issued by the platform CA through ``signing.actions``); one more ballot of
30 signed answers is closed and tallied, timed (``cabinet.actions.do_close_ballot``:
every signature verified again, counts).

Measured (each database in its own process):

* review: the real page ``directives:review`` for an Office specialist (who sees every
  task) through Django's test client (middleware, session, template, the SVG chart):
  p50/p95 after a warm-up, and its query count — also on a small database, to show it
  does not grow with the tasks. Floor: the same scorecard figures (per lead agency:
  assigned, done on time, done late, overdue, near deadline) by one hand-written SQL
  query through the bare driver, timed alternately with the page in the same run;
* an agency's task list (``directives:list``, first page of 50, for a specialist of one
  ministry): p50/p95 and query count; floor: its rows by one hand-written query;
* tally: close and tally of 30 signed answers with verification (median of 3 runs).

Prints the figures, then one JSON line per database. Never run by the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/egov_bench_cabinet"
BATCH = 2000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--tasks", type=int, default=None)
    p.add_argument("--agencies", type=int, default=300)
    p.add_argument("--ballots", type=int, default=None)
    p.add_argument("--repeat", type=int, default=None)
    p.add_argument("--pg", default=os.environ.get("EGOV_BENCH_PG", DEFAULT_PG))
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.tasks = args.tasks or (5_000 if args.quick else 100_000)
    args.ballots = args.ballots if args.ballots is not None else (5 if args.quick else 200)
    args.repeat = args.repeat or (15 if args.quick else 40)
    if args.quick:
        args.agencies = min(args.agencies, 60)
    return args


def var_dir() -> Path:
    return Path(os.environ.get("EGOV_VAR_DIR", ROOT / "var")).resolve()


def db_url(db: str, args: argparse.Namespace) -> str:
    if db == "sqlite":
        return f"sqlite:///{var_dir() / 'bench' / f'cabinet-{args.tasks}.sqlite3'}"
    return args.pg


def recreate(db: str, url: str) -> None:
    if db == "sqlite":
        path = Path(urlsplit(url).path)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: its name must contain 'bench'")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "egov.settings"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["EGOV_FILES_DIR"] = str(var_dir() / "bench" / "files")
    os.environ.setdefault("DB_CONN_MAX_AGE", "600")
    os.environ.setdefault("EGOV_SIGNING_KEY_ALGORITHM", "rsa2048")
    import django

    django.setup()


# --- data ---------------------------------------------------------------------------------

def generate(args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction

    from egov.core import actions as core
    from egov.core.models import Organisation, User
    from egov.directives.models import Task

    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(8)
    pw = make_password("bench-2026")
    with transaction.atomic():
        office = core.do_create_organisation(
            acting_user=None, name="Văn phòng Chính phủ", short_name="VPCP",
            code="000.00.00.G22", kind=Organisation.Kind.GOVERNMENT_OFFICE, is_agency=True)
        office_unit = core.do_create_organisation(
            acting_user=None, parent=office, name="Vụ Tổng hợp", short_name="TH",
            code="000.00.02.G22", kind=Organisation.Kind.UNIT, is_agency=False)
        staff = core.do_create_official(acting_user=None, username="vanphong",
                                        full_name="Trần Thu Trang", unit=office_unit,
                                        position="specialist", password_hash=pw)
        agencies = []
        for n in range(args.agencies):
            letter = _code(n)[-3]
            kind = Organisation.Kind.MINISTRY if letter == "G" else Organisation.Kind.PROVINCE
            name = (f"Bộ số {n + 1}" if letter == "G" else f"UBND tỉnh số {n + 1}")
            agencies.append(core.do_create_organisation(
                acting_user=None, name=name, short_name=f"CQ{n}", code=_code(n), kind=kind,
                is_agency=True))
        member_agency = agencies[0]
        specialist = core.do_create_official(acting_user=None, username="chuyenvien",
                                             full_name="Trần Minh Tuấn", unit=member_agency,
                                             position="specialist", password_hash=pw)
    today = dt.date.today()
    start = today - dt.timedelta(days=5 * 365)
    rows = []
    for _ in range(args.tasks):
        source = start + dt.timedelta(days=rng.randrange(5 * 365))
        deadline = source + dt.timedelta(days=rng.randrange(10, 121))
        done_on = None
        if deadline < today:
            roll = rng.random()
            if roll < 0.80:
                done_on = deadline - dt.timedelta(days=rng.randrange(0, 8))
            elif roll < 0.95:
                done_on = min(today, deadline + dt.timedelta(days=rng.randrange(1, 30)))
        elif rng.random() < 0.3:
            done_on = min(today, source + dt.timedelta(days=rng.randrange(1, 10)))
        lead = rng.choice(agencies) if rng.random() > 0.02 else member_agency
        rows.append(Task(
            source_kind="conclusions_notice", source_reference=f"{rng.randrange(1, 900)}/TB-VPCP",
            source_date=source, content=f"Nhiệm vụ số {len(rows) + 1}: hoàn thiện đề án, báo "
            "cáo Thủ tướng Chính phủ", assigning_agency=office, lead_agency=lead,
            product="report", deadline_kind="date", deadline=deadline,
            original_deadline=deadline, done_on=done_on, progress=100 if done_on else
            rng.randrange(0, 100), assigned_by=staff))
    for i in range(0, len(rows), BATCH):
        Task.objects.bulk_create(rows[i:i + BATCH])
    with connection.cursor() as cursor:
        # PostgreSQL: VACUUM sets the visibility map, so covering indexes are read alone.
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    return {"office": staff.pk, "specialist": specialist.pk, "agency": member_agency.pk,
            "users": User.objects.count()}


def _code(n: int) -> str:
    """A distinct level-1 QCVN code per agency: 000.00.00.G10 … G99 (not G22, the
    Office's), then H, K, L…"""
    letter, number = 'GHKLMNPQ'[n // 89], 10 + n % 89
    return f"000.00.00.{letter}{number if number < 22 or letter != 'G' else number + 1:02d}"


# --- measuring ----------------------------------------------------------------------------

def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    fn()
    fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def raw_connection(db: str, url: str) -> Any:
    if db == "sqlite":
        return sqlite3.connect(urlsplit(url).path)
    import psycopg

    return psycopg.connect(url.replace("postgresql://", "postgres://", 1).replace(
        "postgres://", "postgresql://", 1))


def floor_queries(db: str, today: dt.date, near: dt.date, agency: int
                  ) -> tuple[str, tuple[Any, ...], str, tuple[Any, ...]]:
    ph = "?" if db == "sqlite" else "%s"
    review = (
        "SELECT a.lead_agency_id, o.name, a.assigned, a.on_time, a.late, a.overdue, a.near"
        " FROM (SELECT t.lead_agency_id, COUNT(*) AS assigned,"
        " SUM(CASE WHEN t.done_on IS NOT NULL AND t.done_on <= t.deadline THEN 1 ELSE 0 END)"
        " AS on_time,"
        " SUM(CASE WHEN t.done_on IS NOT NULL AND t.done_on > t.deadline THEN 1 ELSE 0 END)"
        " AS late,"
        f" SUM(CASE WHEN t.done_on IS NULL AND t.deadline < {ph} THEN 1 ELSE 0 END) AS overdue,"
        f" SUM(CASE WHEN t.done_on IS NULL AND t.deadline >= {ph} AND t.deadline <= {ph}"
        " THEN 1 ELSE 0 END) AS near"
        " FROM directives_task t GROUP BY t.lead_agency_id) a"
        " JOIN core_organisation o ON o.id = a.lead_agency_id ORDER BY a.overdue DESC, o.name")
    listing = (
        "SELECT t.id, t.content, t.source_reference, t.deadline, t.progress, o.name,"
        f" CASE WHEN t.done_on IS NOT NULL AND t.done_on > t.deadline THEN 'done_late'"
        " WHEN t.done_on IS NOT NULL THEN 'done_on_time'"
        f" WHEN t.deadline < {ph} THEN 'overdue' WHEN t.deadline <= {ph} THEN 'near_deadline'"
        " ELSE 'in_progress' END"
        " FROM directives_task t JOIN core_organisation o ON o.id = t.lead_agency_id"
        f" WHERE t.lead_agency_id = {ph} ORDER BY t.deadline, t.id LIMIT 50")
    return (review, (today, today, near), listing, (today, near, agency))


def measure_pages(db: str, url: str, ids: dict[str, Any], repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from egov.core import calendar
    from egov.core.models import User
    from egov.directives import queries

    today = timezone.localdate()
    near = calendar.add_working_days(today, queries.near_days())
    review_sql, review_params, list_sql, list_params = floor_queries(
        db, today, near, ids["agency"])
    if db == "sqlite":
        review_params = tuple(d.isoformat() if isinstance(d, dt.date) else d
                              for d in review_params)
        list_params = tuple(d.isoformat() if isinstance(d, dt.date) else d
                            for d in list_params)
    raw = raw_connection(db, url)

    def floor(sql: str, params: tuple[Any, ...]) -> Callable[[], Any]:
        def run() -> Any:
            cur = raw.cursor()
            cur.execute(sql, params)
            return cur.fetchall()
        return run

    results: dict[str, Any] = {}
    for name, username, path, sql, params in (
            ("review", "vanphong", "/tasks/review/", review_sql, review_params),
            ("list", "chuyenvien", "/tasks/", list_sql, list_params)):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))
        page: list[float] = []
        bare: list[float] = []
        floor_run = floor(sql, params)
        for _ in range(2):
            client.get(path)
            floor_run()
        for _ in range(repeat):  # alternately, so that both see the same machine load
            started = time.perf_counter()
            response = client.get(path)
            page.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            floor_run()
            bare.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as ctx:
            client.get(path)
        results[name] = {"p50_ms": p(page, 0.5), "p95_ms": p(page, 0.95),
                         "floor_p50_ms": p(bare, 0.5), "floor_p95_ms": p(bare, 0.95),
                         "queries": len(ctx.captured_queries)}
    # The figures match: the page's scorecards are the floor's rows.
    cards = queries.scorecards(queries.visible_tasks(User.objects.get(username="vanphong")))
    rows = floor(review_sql, review_params)()
    raw.close()
    mine = sorted((c["lead_agency_id"], c["assigned"], c["on_time"], c["late"], c["overdue"],
                   c["near"]) for c in cards)
    theirs = sorted((r[0], r[2], r[3], r[4], r[5], r[6]) for r in rows)
    results["review"]["figures_match"] = mine == theirs
    return results


def ballots_and_tally(args: argparse.Namespace, ids: dict[str, Any]) -> dict[str, Any]:
    import datetime as dtm

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from egov.cabinet import actions, signatures
    from egov.cabinet.models import Answer, Ballot, BallotMember
    from egov.core import actions as core
    from egov.core.models import Organisation, User
    from egov.signing import actions as signing
    from egov.signing import store
    from egov.signing.crypto import cms
    from egov.signing.models import Certificate

    admin = User.objects.create_superuser("quantri", "q@example.vn", "bench-2026-x")
    office = User.objects.get(pk=ids["office"])
    pw = make_password("bench-2026")
    agencies = list(Organisation.objects.filter(is_agency=True, kind__in=["ministry",
                                                                          "province"])[:30])
    members = []
    for n, agency in enumerate(agencies):
        user = core.do_create_official(acting_user=None, username=f"tv{n}",
                                       full_name=f"Thành viên {n}", unit=agency,
                                       position="government_member", password_hash=pw)
        actions.do_start_term(acting_user=None, user=user, title="Bộ trưởng",
                              since=timezone.localdate() - dtm.timedelta(days=400))
        signing.do_issue_certificate(acting_user=admin, kind=Certificate.Kind.PERSONAL,
                                     user=user)
        members.append(user)
    material = {}
    for user in members:
        cert = Certificate.objects.get(user=user)
        key, c, chain = store.signing_material(cert)
        material[user.pk] = (key, c, chain, cert.sha256)
    started = time.perf_counter()
    choices = ["agree", "agree", "disagree", "other"]
    for b in range(args.ballots):
        ballot = Ballot.objects.create(title=f"Phiếu {b}", question="Đồng ý?", working_days=5,
                                       status=Ballot.Status.CLOSED, created_by=office)
        BallotMember.objects.bulk_create([BallotMember(ballot=ballot, user=u) for u in members])
        rows = []
        for u in members:
            choice = choices[(b + u.pk) % 4]
            comment = "Ý kiến khác" if choice == "other" else ""
            data = signatures.payload(ballot_id=ballot.pk, member=u, version=1, choice=choice,
                                      comment=comment)
            key, c, chain, sha = material[u.pk]
            rows.append(Answer(ballot=ballot, member=u, version=1, choice=choice,
                               comment=comment, payload=data,
                               signature=cms.sign_detached(data, key, c, chain),
                               certificate_sha256=sha, signed_at=timezone.now()))
        with transaction.atomic():
            Answer.objects.bulk_create(rows)
    generated = time.perf_counter() - started
    times = []
    for _ in range(3):
        ballot = actions.do_create_ballot(acting_user=office, title="Phiếu đo", question="?",
                                          working_days=5, members=members)
        actions.do_open_ballot(ballot, acting_user=office)
        for u in members:
            choice = choices[u.pk % 4]
            actions.do_answer(ballot, acting_user=u, choice=choice,
                              comment="Khác" if choice == "other" else "",
                              sign_with_my_certificate=True)
        Ballot.objects.filter(pk=ballot.pk).update(deadline=timezone.now())
        ballot.refresh_from_db()
        t0 = time.perf_counter()
        closed = actions.do_close_ballot(ballot)
        times.append((time.perf_counter() - t0) * 1000)
        assert closed.tally["verified"] == 30 and not closed.tally["failed"], closed.tally
    return {"tally_ms": round(statistics.median(times), 1), "ballots": args.ballots,
            "ballot_generation_s": round(generated, 1)}


def child(args: argparse.Namespace) -> int:
    db = args.db
    url = db_url(db, args)
    recreate(db, url)
    setup(url)
    t0 = time.perf_counter()
    ids = generate(args)
    gen = time.perf_counter() - t0
    pages = measure_pages(db, url, ids, args.repeat)
    tally = ballots_and_tally(args, ids)
    print(f"[{db}] {args.tasks} tasks over {args.agencies} agencies generated in {gen:.1f} s")
    for name, r in pages.items():
        print(f"[{db}] {name:6} p50 {r['p50_ms']:8.2f} ms  p95 {r['p95_ms']:8.2f} ms  "
              f"floor p50 {r['floor_p50_ms']:7.2f} ms  p95 {r['floor_p95_ms']:7.2f} ms  "
              f"ratio p95 {r['p95_ms'] / max(r['floor_p95_ms'], 0.01):5.1f}x  "
              f"queries {r['queries']}" + (f"  figures match: {r['figures_match']}"
                                            if "figures_match" in r else ""))
    print(f"[{db}] close + tally of 30 signed answers, every signature verified: "
          f"{tally['tally_ms']} ms (median of 3); {tally['ballots']} ballots of 30 signed "
          f"answers generated in {tally['ballot_generation_s']} s")
    print(json.dumps({"bench": "directives", "db": db, "tasks": args.tasks,
                      "review_p95_ms": pages["review"]["p95_ms"],
                      "review_floor_p95_ms": pages["review"]["floor_p95_ms"],
                      "review_queries": pages["review"]["queries"],
                      "list_p95_ms": pages["list"]["p95_ms"],
                      "list_floor_p95_ms": pages["list"]["floor_p95_ms"],
                      "list_queries": pages["list"]["queries"],
                      "tally_ms": tally["tally_ms"]}))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child(args)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    lines = []
    for db in dbs:
        forwarded = [a for a in (argv if argv is not None else sys.argv[1:])
                     if not a.startswith("--db")]
        proc = subprocess.run([sys.executable, __file__, "--child", f"--db={db}", *forwarded],
                              stdout=subprocess.PIPE, text=True, check=False)
        sys.stdout.write("".join(line + "\n" for line in proc.stdout.splitlines()
                                 if not line.startswith("{")))
        lines += [line for line in proc.stdout.splitlines() if line.startswith("{")]
        if proc.returncode != 0:
            print(f"[{db}] failed", file=sys.stderr)
            return 1
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
