"""Benchmark: dossier submission behind the production server, and lookup by receipt code.

    .venv/bin/python bench/bench_services.py              # 50,000 dossiers, both databases
    .venv/bin/python bench/bench_services.py --quick      # 2,000 dossiers, a short run
    .venv/bin/python bench/bench_services.py --db=sqlite --dossiers=10000

Per database (SQLite under ``$EGOV_VAR_DIR/bench-services/``, PostgreSQL
``egov_bench_services``, dropped and made again each run):

* setup: one province centre, its one-stop officer, a citizen and a driving-licence
  renewal procedure without fee (three required components), through the actions; then
  ``--dossiers`` dossiers of that procedure written with ``bulk_create`` (receipt codes in
  the national form, one per day and sequence, as the action would leave them);
* submissions: gunicorn (``--workers`` processes, sync workers) serves ``egov.wsgi``; as
  many client threads as workers sign in as the citizen (a session made in the database),
  fetch the form once for the CSRF token, then POST the portal's form
  (``services:apply``: the form fields and three 500 KB PDF files, multipart) again and
  again for ``--duration`` seconds. Every request runs the whole path: middleware,
  session, CSRF, file checks, counter row lock, the rows and the files written, the
  audit entry, the e-mail on commit. The clients do not follow the redirect to the
  dossier's page, where a browser reads (and so clears) the "received" message; they
  drop the ``messages`` cookie as that page would, else unread messages pile up from one
  submission to the next and every request re-encodes them all. Submissions per
  second = successful (302) answers / time;
* floor: the same number of processes, each in a bare loop: write the same three files to
  disk and insert one row per dossier through the bare driver (sqlite3 / psycopg) and
  commit, for the same duration;
* lookup: the portal's lookup (``services:lookup``, POST code + telephone, answered with a
  redirect to the dossier) for random codes among the dossiers, sequentially through the
  same server: p50/p95 in ms.

Prints the figures and the ratio to the floor, then one JSON line per database. Never run
by the tests; gates nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing as mp
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/egov_bench_services"
FILE_SIZE = 500 * 1024
PHONE = "0912345678"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--dossiers", type=int, default=50000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers = clients")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of submitting")
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="2,000 dossiers, 4 s runs")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_SERVICES_PG",
                                                                 DEFAULT_PG))
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.dossiers, args.duration, args.lookups = 2000, 4.0, 100
    return args


# --- environment ------------------------------------------------------------------------------

def var_dir() -> Path:
    if os.environ.get("BENCH_SERVICES_DIR"):  # the child, and its server
        return Path(os.environ["BENCH_SERVICES_DIR"])
    return Path(os.environ.get("EGOV_VAR_DIR", Path(tempfile.gettempdir()) / "egov-bench")
                ) / "bench-services"


def database_url(args: argparse.Namespace, db: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{var_dir() / 'services.sqlite3'}"
    return args.database_url


def child_env(args: argparse.Namespace, db: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url(args, db), "DJANGO_SETTINGS_MODULE": "egov.settings",
        "EGOV_VAR_DIR": str(var_dir()), "EGOV_FILES_DIR": str(var_dir() / f"files-{db}"),
        "SECRET_KEY": env.get("SECRET_KEY") or "bench-" + secrets.token_urlsafe(40),
        "DB_CONN_MAX_AGE": "600", "EGOV_REQUIRE_SIGNATURES": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONPATH": str(ROOT), "BENCH_SERVICES_DIR": str(var_dir()),
    })
    return env


def recreate(args: argparse.Namespace, db: str) -> None:
    if db == "sqlite":
        for name in ("services.sqlite3", "services.sqlite3-wal", "services.sqlite3-shm"):
            (var_dir() / name).unlink(missing_ok=True)
        shutil.rmtree(var_dir() / "files-sqlite", ignore_errors=True)
        return
    import psycopg

    parts = urlsplit(args.database_url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the name must contain 'bench'")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    shutil.rmtree(var_dir() / "files-postgresql", ignore_errors=True)


# --- setup (in the child, with Django) ----------------------------------------------------------

def setup_data(n: int) -> dict[str, Any]:
    from decimal import Decimal

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0, interactive=False)
    from egov.core import actions as core
    from egov.core.models import Organisation, User
    from egov.services import actions
    from egov.services.models import Dossier, Level, OnlineLevel, Procedure

    province = core.do_create_organisation(
        acting_user=None, name="UBND tỉnh Quảng Ninh", short_name="UBND",
        code="000.00.00.H49", kind=Organisation.Kind.PROVINCE, qd20_code="H49")
    centre = core.do_create_organisation(
        acting_user=None, parent=province, name="Trung tâm Phục vụ hành chính công",
        short_name="TTPVHCC", code="000.00.05.H49", kind=Organisation.Kind.AGENCY,
        is_agency=True, qd20_code="H49.05")
    core.do_create_official(acting_user=None, username="motcua", full_name="Vũ Thị Lan",
                            unit=centre, position="one_stop_officer", password="x" * 20)
    citizen = core.do_create_public_account(
        username="congdan", full_name="Trần Thị Mai", kind=User.Kind.CITIZEN,
        password="Bench-2026-password", email="congdan@example.vn",
        personal_id="022190001234")
    User.objects.filter(pk=citizen.pk).update(phone=PHONE)
    procedure = actions.do_save_procedure(Procedure(
        code="1.002809", name="Đổi giấy phép lái xe", field="Đường bộ", agency=centre,
        level=Level.PROVINCE, fee=0, processing_days=5, result_name="Giấy phép lái xe",
        online_level=OnlineLevel.FULL, form_fields=[
            {"name": "full_name", "label": "Họ và tên", "type": "text", "required": True,
             "profile": "full_name"},
            {"name": "licence_number", "label": "Số giấy phép", "type": "text",
             "required": True}]), acting_user=None, components=[
        {"name": f"Giấy tờ {i}", "form": "original", "copies": 1} for i in (1, 2, 3)],
        steps=[{"name": "Thẩm định", "unit": centre, "role": "one_stop_officer",
                "days": Decimal("4")}])
    # The population: dossiers as do_submit leaves them (without their files).
    rng = random.Random(2026)
    # From a year ago to yesterday: today's receipt codes are the counter's to give.
    start = timezone.now() - dt.timedelta(days=366)
    rows, codes = [], []
    per_day: dict[str, int] = {}
    for i in range(n):
        when = start + dt.timedelta(seconds=i * (365 * 86400 // max(n, 1)))
        day = timezone.localtime(when).strftime("%y%m%d")
        per_day[day] = per_day.get(day, 0) + 1
        code = f"H49.05-{day}-{per_day[day]:04d}"
        codes.append(code)
        rows.append(Dossier(
            procedure=procedure, agency=centre, code=code, applicant=citizen,
            applicant_name="Trần Thị Mai", phone=f"09{rng.randrange(10**8):08d}"
            if i % 2 else PHONE, email="congdan@example.vn", channel="online",
            data={"full_name": "Trần Thị Mai", "licence_number": f"{i:012d}"},
            submitted_at=when, status="returned" if i % 3 else "processing"))
        if len(rows) == 5000:
            Dossier.objects.bulk_create(rows)
            rows = []
    Dossier.objects.bulk_create(rows)
    # Receipt counters for today continue where the population stopped.
    session = SessionStore()
    session[SESSION_KEY] = str(citizen.pk)
    session[BACKEND_SESSION_KEY] = "egov.core.auth.PositionBackend"
    session[HASH_SESSION_KEY] = citizen.get_session_auth_hash()
    session.create()
    phones = dict(Dossier.objects.filter(code__in=codes[::max(1, n // 2000)])
                  .values_list("code", "phone"))
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"session": session.session_key, "procedure": procedure.code,
            "lookup": list(phones.items())}


# --- HTTP clients ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pdf_bytes(n: int, seed: int) -> bytes:
    head = b"%PDF-1.4\n% bench file " + str(seed).encode() + b"\n"
    return head + random.Random(seed).randbytes(n - len(head))


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = "----egovbench" + secrets.token_hex(8)
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, filename, content in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'
                     .encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Client:
    def __init__(self, port: int, session: str) -> None:
        self.port = port
        self.cookies = {"sessionid": session, "django_language": "vi"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   "Host": "127.0.0.1", "Referer": f"http://127.0.0.1:{self.port}/"}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text


def csrf(client: Client, path: str) -> str:
    status, text = client.request("GET", path)
    if status != 200:
        raise SystemExit(f"GET {path}: {status}")
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
    assert found
    return found.group(1)


def submit_loop(port: int, info: dict[str, Any], components: list[int], until: Any,
                results: list[int], seed: int, ready: threading.Barrier | None = None) -> None:
    client = Client(port, info["session"])
    path = f"/services/thu-tuc/{info['procedure']}/nop/"
    token = csrf(client, path)
    files = [(f"component_{pk}", f"giay-to-{i}.pdf", pdf_bytes(FILE_SIZE, seed * 10 + i))
             for i, pk in enumerate(components)]
    fields = {"csrfmiddlewaretoken": token, "full_name": "Trần Thị Mai",
              "licence_number": "220123456789", "applicant_name": "Trần Thị Mai",
              "phone": PHONE, "email": "congdan@example.vn", "return_channel": "online"}
    body, content_type = multipart(fields, files)
    if ready is not None:
        ready.wait()  # every client ready: the clock starts
    end = until() if callable(until) else until
    done = failed = 0
    while time.monotonic() < end:
        status, _text = client.request("POST", path, body, content_type)
        client.cookies.pop("messages", None)  # read on the dossier's page (see above)
        if status == 302:
            done += 1
        else:
            failed += 1
    results.append(done)
    results.append(-failed)


def start_server(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).parent / "gunicorn"), "egov.wsgi:application",
               "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level",
               "warning", "--timeout", "120"]
    server = subprocess.Popen(command, env=env, cwd=str(ROOT), start_new_session=True)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


# --- the floor --------------------------------------------------------------------------------

def floor_worker(db: str, url: str, directory: str, seed: int, until: float,
                 counter: Any) -> None:
    contents = [pdf_bytes(FILE_SIZE, seed * 10 + i) for i in range(3)]
    if db == "sqlite":
        import sqlite3

        conn: Any = sqlite3.connect(urlsplit(url).path, timeout=60, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        placeholder = "?"
    else:
        import psycopg

        conn = psycopg.connect(url)
        placeholder = "%s"
    sql = (f"INSERT INTO bench_floor (code, applicant, data, submitted_at) VALUES "
           f"({placeholder}, {placeholder}, {placeholder}, {placeholder})")
    n = 0
    while time.monotonic() < until:
        code = f"F{seed}-{n}"
        for i, content in enumerate(contents):
            with open(os.path.join(directory, f"{code}-{i}.pdf"), "wb") as handle:
                handle.write(content)
        if db == "sqlite":
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(sql, (code, "Trần Thị Mai", '{"licence_number": "1"}',
                               dt.datetime.now().isoformat()))
            conn.execute("COMMIT")
        else:
            conn.execute(sql, (code, "Trần Thị Mai", '{"licence_number": "1"}',
                               dt.datetime.now(dt.UTC)))
            conn.commit()
        n += 1
    conn.close()
    with counter.get_lock():
        counter.value += n


def run_floor(db: str, url: str, workers: int, duration: float) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if db == "sqlite" else \
            "BIGSERIAL PRIMARY KEY"
        cursor.execute(f"CREATE TABLE bench_floor (id {serial}, code VARCHAR(60) UNIQUE, "
                       "applicant VARCHAR(200), data TEXT, submitted_at "
                       f"{'TEXT' if db == 'sqlite' else 'TIMESTAMPTZ'})")
    connection.close()
    directory = tempfile.mkdtemp(prefix="floor-", dir=str(var_dir()))
    counter = mp.get_context("fork").Value("q", 0)
    until = time.monotonic() + duration
    started = time.monotonic()
    procs = [mp.get_context("fork").Process(target=floor_worker,
                                            args=(db, url, directory, i, until, counter))
             for i in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    elapsed = time.monotonic() - started
    shutil.rmtree(directory, ignore_errors=True)
    return counter.value / elapsed


# --- the child: one database -------------------------------------------------------------------

def child(args: argparse.Namespace) -> int:
    db = args.child
    import django

    django.setup()
    t0 = time.monotonic()
    info = setup_data(args.dossiers)
    print(f"[{db}] {args.dossiers} dossiers set up in {time.monotonic() - t0:.1f} s",
          flush=True)
    from egov.services.models import Component, Dossier

    components = list(Component.objects.order_by("pk").values_list("pk", flat=True))
    env = child_env(args, db)
    port = free_port()
    from django.db import connections

    connections.close_all()
    server = start_server(port, args.workers, env)
    try:
        # Warm up every worker (imports, connections, templates) before timing.
        warm: list[int] = []
        submit_loop(port, info, components, time.monotonic() + 1.5, warm, 999)
        results: list[int] = []
        clock: dict[str, float] = {}

        def start_clock() -> None:
            clock["start"] = time.monotonic()
            clock["end"] = clock["start"] + args.duration

        ready = threading.Barrier(args.workers, action=start_clock)
        threads = [threading.Thread(target=submit_loop,
                                    args=(port, info, components, lambda: clock["end"],
                                          results, i, ready))
                   for i in range(args.workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - clock["start"]
        ok = sum(r for r in results if r > 0)
        failed = -sum(r for r in results if r < 0)
        rate = ok / elapsed
        # Lookups, sequential, random codes of the population.
        client = Client(port, "")
        token = csrf(client, "/services/tra-cuu/")
        rng = random.Random(7)
        times = []
        for _ in range(args.lookups):
            code, phone = rng.choice(info["lookup"])
            body = urlencode({"csrfmiddlewaretoken": token, "code": code,
                              "phone": phone}).encode()
            before = time.perf_counter()
            status, _text = client.request("POST", "/services/tra-cuu/", body,
                                           "application/x-www-form-urlencoded")
            times.append((time.perf_counter() - before) * 1000)
            assert status == 302, status
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    total = Dossier.objects.count()
    floor = run_floor(db, database_url(args, db), args.workers, args.duration)
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"[{db}] submissions: {ok} in {elapsed:.1f} s = {rate:.1f}/s ({failed} failed), "
          f"{args.workers} gunicorn workers and clients, three {FILE_SIZE // 1024} KB files "
          f"each; {total} dossiers at the end")
    print(f"[{db}] floor: {floor:.1f}/s (bare driver, three files + one row + commit); "
          f"ratio {rate / floor:.2f}")
    print(f"[{db}] lookup by receipt code: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
          f"({len(times)} lookups)")
    print(json.dumps({"bench": "services", "db": db, "dossiers": args.dossiers,
                      "submissions_per_s": round(rate, 1), "floor_per_s": round(floor, 1),
                      "ratio": round(rate / floor, 3), "lookup_p95_ms": round(p95, 1),
                      "lookup_p50_ms": round(p50, 1), "workers": args.workers}), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child(args)
    var_dir().mkdir(parents=True, exist_ok=True)
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    summaries = []
    for db in dbs:
        recreate(args, db)
        command = [sys.executable, __file__, f"--child={db}", f"--dossiers={args.dossiers}",
                   f"--workers={args.workers}", f"--duration={args.duration}",
                   f"--lookups={args.lookups}", f"--database-url={args.database_url}"]
        process = subprocess.run(command, env=child_env(args, db), stdout=subprocess.PIPE,
                                 text=True, check=False)
        sys.stdout.write("\n".join(line for line in process.stdout.splitlines()
                                   if not line.startswith("{")) + "\n")
        summaries += [line for line in process.stdout.splitlines() if line.startswith("{")]
        if process.returncode:
            print(f"[{db}] failed with status {process.returncode}", file=sys.stderr)
            return process.returncode
    for line in summaries:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
