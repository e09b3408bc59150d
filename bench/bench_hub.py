"""Benchmark: the exchange hub as in production — gunicorn, several workers, PostgreSQL,
the background worker pushing to a recipient — against the floor of what a package costs.

    .venv/bin/python bench/bench_hub.py             # 10 s saturated, 2 s paced at 500/s
    .venv/bin/python bench/bench_hub.py --quick     # a short smoke run (about a minute)
    .venv/bin/python bench/bench_hub.py --profile   # and where the time of one send goes
    .venv/bin/python bench/run.py hub --quick       # through the runner

The set-up (before any timing). The database ``--database-url`` (default
postgresql://postgres@127.0.0.1:5432/egov_bench_hub; its name must contain "bench") is
dropped, created and migrated (``egov migrate``, a subprocess), then, through the hub's
own actions in this process: the platform CA and the hub's identity, 16 sender systems
with one agency each (000.00.00.G01 … G17 without the hub's own code) and an RSA 2048
seal each issued by the platform CA, and one recipient system (000.00.00.H49) whose push
URL is a small HTTP listener in this process. Every package is built beforehand with
``egov.edxml`` (a distinct DocumentId, one 200 KB PDF attachment, 272 KB of XML) and
signed with its sender's seal (``sign_xml`` into edXMLHeader, as a connector does), on
every core; the client processes are forked with them, so they only write bytes.

The server: ``gunicorn egov.wsgi:application`` with ``--workers`` (default 4) and the
options ``egov serve`` gives it, on a free loopback port, and one ``egov db_worker`` as
``egov serve`` and README's production command start it (polling its queue every 0.2 s:
a push waits for that poll). Production settings: DEBUG off,
``EGOV_HUB_PUSH_DELAY_SECONDS`` unset (0.1 s), a private ``EGOV_VAR_DIR``.

The phases, in this order (16 senders: threads spread over ``--client-processes`` forked
processes, each thread with its own ``http.client`` connection — gunicorn's sync workers
close it after each answer, so every package opens a new loopback connection, as a
connector's would — and its own system's token):

* warm-up: two packages per sender (each worker opens its database connection, its hub
  signer and its trust material); not counted;
* light: an open-loop schedule at ``--light-rate`` (10/s): acceptance and delivery when
  nothing queues;
* saturated: the senders post back to back for ``--duration`` s: accepted (201)
  packages per second, acceptance time p50/p99 (request written → answer read), and the
  CPU per package of gunicorn, the task worker and their PostgreSQL backends (/proc; the
  steadier figure on a shared machine), and of the senders (they must stay far below);
* paced: an open-loop schedule at ``--rate`` (500/s) for ``--paced-duration`` s, slot k
  at t0 + k/rate, dealt round robin to the senders; acceptance time counts from the
  slot's scheduled time, so a hub slower than the schedule shows its backlog (no
  coordinated omission); it is also shown from the actual send;
* delivery, with push, in every phase: the task worker POSTs ``{"new": N}`` to the
  listener, which pulls ``GET /hub/v1/inbox?after=…`` until it is empty (it never
  acknowledges: that would add a request per package to the load); a package is
  delivered when it first appears in a listing; delivery time = that moment − the start
  of its send. The JSON reports the paced phase's;
* floor, the hub stopped: 16 processes, each in a plain loop doing only what a package
  cannot avoid: read its bytes from a file, SHA-256 them, verify its XML signature with
  signxml and the sender's known certificate (the bare library call: no chain, no CRL),
  INSERT the bytes in a one-table schema with psycopg 3 and commit, with egov's session
  options. Its ``data`` column is ``STORAGE EXTERNAL``, as the hub's is (exchange migration
  0005): PostgreSQL's attempt at compressing incompressible base64 is avoidable work, and a
  floor that paid it would flatter the ratio. The hub's rate is printed as a ratio of the
  floor's.

``--profile`` then sends packages one at a time in this process through Django's test
client, first with timers around the parts of an acceptance (exclusive: a query inside a
part counts as the query), then under cProfile. The figures are printed; nothing fails on
a time. Targets (issue 6): ≥ 1,000 packages/s on the 2-core machine, ≥ half the floor,
p99 acceptance < 100 ms at 500/s, delivery < 1 s with push. The last line printed is one
JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import ctypes
import datetime as dt
import hashlib
import http.client
import http.server
import io
import json
import multiprocessing as mp
import os
import pstats
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/egov_bench_hub"
SENDERS = 16
RECIPIENT = "000.00.00.H49"
PDF_BYTES = 200 * 1024
ACCEPTED = 201


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds of the saturated phase (default 10)")
    parser.add_argument("--rate", type=float, default=500.0,
                        help="packages per second of the paced phase (default 500)")
    parser.add_argument("--paced-duration", type=float, default=2.0,
                        help="seconds of the paced phase's schedule (default 2)")
    parser.add_argument("--light-rate", type=float, default=10.0,
                        help="packages per second of the light phase (default 10)")
    parser.add_argument("--light-duration", type=float, default=3.0,
                        help="seconds of the light phase (default 3)")
    parser.add_argument("--max-rate", type=float, default=250.0,
                        help="packages built per second of the saturated phase: the phase "
                             "ends early if the hub sends them all (default 250)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--client-processes", type=int, default=2,
                        help="processes the 16 senders are spread over (default 2)")
    parser.add_argument("--floor-duration", type=float, default=None,
                        help="seconds of the floor loop (default: --duration)")
    parser.add_argument("--profile", action="store_true",
                        help="profile sends in-process (Django test client, cProfile)")
    parser.add_argument("--profile-count", type=int, default=60)
    parser.add_argument("--database-url", default=os.environ.get("HUB_BENCH_DATABASE_URL",
                                                                 DEFAULT_URL))
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.paced_duration, args.max_rate = 3.0, 0.5, 100.0
        args.light_duration = 2.0
        args.profile_count = min(args.profile_count, 20)
    if args.floor_duration is None:
        args.floor_duration = args.duration
    return args


# --- environment and database -----------------------------------------------------------------


def environment(url: str, var_dir: Path) -> dict[str, str]:
    """The variables every egov process of the run shares (this one, migrate, gunicorn,
    the worker): the bench database, a private var dir (its signing key file), a key."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "egov.settings",
        "EGOV_VAR_DIR": str(var_dir), "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    })
    env.pop("EGOV_HUB_PUSH_DELAY_SECONDS", None)
    return env


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- inputs -----------------------------------------------------------------------------------


def make_pdf(size: int = PDF_BYTES) -> bytes:
    """A valid one-page PDF padded to ``size`` bytes with an incompressible stream."""
    def stream(data: bytes) -> bytes:
        return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"

    text = b"BT /F1 14 Tf 72 770 Td (QUYET DINH so 12/QD-BTC) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        stream(text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        None,  # the padding: a stream no page draws
    ]
    overhead = 1200
    objects[-1] = stream(os.urandom(max(0, size - overhead)))
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + (body or b"") + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def sender_codes() -> list[str]:
    from django.conf import settings

    codes = [f"000.00.00.G{n:02d}" for n in range(1, 40)]
    return [c for c in codes if c != settings.EGOV_HUB_CODE][:SENDERS]


# Set before the client processes fork: the signed packages of each sender, per phase.
PACKAGES: dict[int, dict[str, list[bytes]]] = {}
_SEALS: dict[str, Any] = {}


def _default_signals() -> None:
    """In a forked child: SIGTERM ends it quietly (the parent's handler raises)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _pool_signals() -> None:
    """In a package builder: Ctrl-C is the parent's to handle (it ends the pool)."""
    _default_signals()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _build(job: tuple[str, int, str]) -> bytes:
    """One signed package (in a pool process, forked with ``_SEALS`` and the PDF)."""
    from egov.edxml import (
        Attachment,
        Code,
        DocumentPackage,
        DocumentType,
        Organisation,
        PromulgationInfo,
        build_package,
    )
    from egov.signing.crypto import xml as signing_xml

    code, number, phase = job
    seal = _SEALS[code]
    package = DocumentPackage(
        from_=Organisation(code, organ_name=f"Bộ {code[-3:]}"),
        to=(Organisation(RECIPIENT, organ_name="UBND tỉnh Quảng Ninh"),),
        code=Code(str(number), f"QĐ-{phase[:3].upper()}{code[-3:]}"),
        promulgation_info=PromulgationInfo("Hà Nội", dt.date(2026, 3, 5)),
        document_type=DocumentType(1),
        subject=f"Về việc triển khai chữ ký số chuyên dùng, lần {number}",
        attachments=(Attachment("vb-chinh", "Quyết định.pdf", "application/pdf",
                                "Văn bản chính", _SEALS["pdf"]),))
    return signing_xml.sign_xml(build_package(package), seal.key, seal.certificate,
                                seal.chain, location=signing_xml.edxml_signature_parent)


def build_packages(codes: list[str], counts: dict[str, int]) -> None:
    """Fill ``PACKAGES``: per sender and phase, ``counts[phase]`` signed packages, built
    on every core."""
    jobs = [(code, number, phase) for phase, count in counts.items() for code in codes
            for number in range(1, count + 1)]
    with mp.get_context("fork").Pool(os.cpu_count() or 2, _pool_signals) as pool:
        bodies = pool.map(_build, jobs, chunksize=8)
    for (code, _number, phase), body in zip(jobs, bodies, strict=True):
        PACKAGES.setdefault(codes.index(code), {}).setdefault(phase, []).append(body)


@dataclass
class Registry:
    tokens: list[str]
    recipient_token: str
    certificates_pem: list[str]


def register(codes: list[str], push_url: str) -> Registry:
    """The platform CA, the hub's identity, one system per sender agency with its seal,
    and the recipient system with its push URL — through the hub's actions."""
    from egov.exchange import hub_actions, hub_signatures
    from egov.signing import store
    from egov.signing.crypto.common import cert_pem

    ca = store.authority_ca(store.platform_authority())
    hub_signatures.hub_certificate()
    tokens, pems = [], []
    for code in codes:
        seal = ca.issue_seal(f"Bộ {code[-3:]}", code, algorithm="rsa2048")
        _SEALS[code] = seal
        pem = cert_pem(seal.certificate)
        _system, token = hub_actions.do_register_system(
            acting_user=None, name=f"Hệ thống {code}", agencies=[(code, f"Bộ {code[-3:]}")],
            certificates=[(code, pem)])
        tokens.append(token)
        pems.append(pem.decode())
    seal = ca.issue_seal("UBND tỉnh Quảng Ninh", RECIPIENT, algorithm="rsa2048")
    _system, recipient_token = hub_actions.do_register_system(
        acting_user=None, name="Hệ thống tỉnh Quảng Ninh",
        agencies=[(RECIPIENT, "UBND tỉnh Quảng Ninh")], push_url=push_url,
        certificates=[(RECIPIENT, cert_pem(seal.certificate))])
    return Registry(tokens, recipient_token, pems)


# --- the recipient: push listener and inbox puller --------------------------------------------


class Recipient:
    """The push URL (a stdlib HTTP server in a thread) and the puller it wakes: every
    package id seen in the inbox, with the monotonic time it was first listed."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}
        self.pushes = 0
        self.pulls = 0
        self.errors: list[str] = []
        self.after = 0
        self.wake = threading.Event()
        self.stopping = False
        self.port = 0
        self.token = ""
        self.hub_port = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                outer.pushes += 1
                outer.wake.set()
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.threads = [threading.Thread(target=self.server.serve_forever, daemon=True),
                        threading.Thread(target=self._pull_loop, daemon=True)]

    @property
    def push_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/push"

    def start(self, hub_port: int, token: str) -> None:
        self.hub_port, self.token = hub_port, token
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping = True
        self.wake.set()
        if self.threads[0].is_alive():  # shutdown() waits for a serve_forever that runs
            self.server.shutdown()
        self.server.server_close()

    def _pull_loop(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.hub_port, timeout=30)
        while not self.stopping:
            self.wake.wait()
            self.wake.clear()
            if self.stopping:
                break
            for attempt in (1, 2):  # once more on a fresh connection if it was closed
                try:
                    self.pull(conn)
                    break
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    conn.close()
                    if attempt == 2:
                        self.errors.append(repr(exc))

    def pull(self, conn: http.client.HTTPConnection) -> None:
        """Every page of the inbox past the last item seen."""
        while True:
            conn.request("GET", f"/hub/v1/inbox?after={self.after}&limit=500",
                         headers={"Authorization": f"Bearer {self.token}"})
            response = conn.getresponse()
            data = response.read()
            now = time.monotonic()
            self.pulls += 1
            if response.status != 200:
                raise ValueError(f"inbox answered {response.status}: {data[:200]!r}")
            items = json.loads(data)["items"]
            for item in items:
                self.seen.setdefault(int(item["package"]), now)
                self.after = max(self.after, int(item["id"]))
            if len(items) < 500:
                return


# --- the senders ------------------------------------------------------------------------------


@dataclass
class Sent:
    sender: int
    scheduled: float  # the paced phase's slot, else the start
    start: float
    end: float
    status: int
    package: int | None


def _post(conn: http.client.HTTPConnection, token: str, body: bytes) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/xml",
               "Accept-Language": "en"}
    for attempt in (1, 2):
        try:
            conn.request("POST", "/hub/v1/packages", body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed the idle connection: send again on a new one (a package
            # already accepted is answered as a duplicate, 200).
            conn.close()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _send_one(conn: http.client.HTTPConnection, token: str, sender: int, body: bytes,
              scheduled: float | None = None) -> Sent:
    start = time.monotonic()
    try:
        status, data = _post(conn, token, body)
    except (OSError, http.client.HTTPException):
        conn.close()
        return Sent(sender, scheduled or start, start, time.monotonic(), 0, None)
    end = time.monotonic()
    package = None
    if status in (200, ACCEPTED):
        package = int(json.loads(data)["id"])
    elif status >= 400:
        sys.stderr.write(f"sender {sender}: {status} {data[:300]!r}\n")
    return Sent(sender, scheduled if scheduled is not None else start, start, end, status,
                package)


def _sender_thread(sender: int, token: str, port: int, order: tuple[Any, ...],
                   out: list[Sent]) -> None:
    kind = order[0]
    bodies = PACKAGES[sender][order[1]]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        if kind == "closed":
            _kind, _phase, start_at, deadline = order
            time.sleep(max(0.0, start_at - time.monotonic()))
            for body in bodies:
                if time.monotonic() >= deadline:
                    break
                out.append(_send_one(conn, token, sender, body))
        else:  # paced: slots sender, sender + 16, … of a schedule at `rate` from t0
            _kind, _phase, t0, rate = order
            for j, body in enumerate(bodies):
                slot = t0 + (sender + SENDERS * j) / rate
                time.sleep(max(0.0, slot - time.monotonic()))
                out.append(_send_one(conn, token, sender, body, scheduled=slot))
    finally:
        conn.close()


def _client_process(pipe: Any, senders: list[int], tokens: list[str], port: int) -> None:
    """A forked client process: runs each order with one thread per sender it owns."""
    _default_signals()
    with contextlib.suppress(KeyboardInterrupt):
        while (order := pipe.recv()) is not None:
            results: dict[int, list[Sent]] = {s: [] for s in senders}
            threads = [threading.Thread(target=_sender_thread,
                                        args=(s, tokens[s], port, order, results[s]))
                       for s in senders]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            pipe.send([sent for s in senders for sent in results[s]])


class Clients:
    def __init__(self, processes: int, tokens: list[str], port: int) -> None:
        ctx = mp.get_context("fork")
        self.pipes: list[Any] = []
        self.processes: list[Any] = []
        for index in range(processes):
            senders = list(range(index, SENDERS, processes))
            ours, theirs = ctx.Pipe()
            process = ctx.Process(target=_client_process, args=(theirs, senders, tokens, port),
                                  daemon=True)
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)

    def run(self, order: tuple[Any, ...], timeout: float) -> list[Sent]:
        for pipe in self.pipes:
            pipe.send(order)
        results: list[Sent] = []
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise SystemExit(f"a client process did not finish the {order[1]} phase")
            results.extend(pipe.recv())
        return results

    def cpu(self) -> float:
        return sum(_cpu_seconds(p.pid) for p in self.processes if p.pid is not None)

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(None)
        for process in self.processes:
            process.join(5)
            if process.is_alive():
                process.terminate()


# --- the server processes ---------------------------------------------------------------------


def _die_with_parent() -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def hook() -> None:
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return hook


class Servers:
    """gunicorn and ``egov db_worker``, each in its own session (stopped as a group)."""

    def __init__(self) -> None:
        self.children: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        with log.open("ab") as out:
            self.children[name] = subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                start_new_session=True, preexec_fn=_die_with_parent())

    def check(self) -> None:
        for name, child in self.children.items():
            if child.poll() is not None:
                raise SystemExit(f"the {name} stopped (exit status {child.returncode})")

    def stop(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for child in self.children.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        self.children.clear()


def gunicorn_options() -> list[str]:
    from egov.core.management.commands.serve import _gunicorn_options

    return _gunicorn_options()


def wait_ready(port: int, token: str, servers: Servers, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        servers.check()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/hub/v1/inbox?limit=1",
                         headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer on 127.0.0.1:{port} within {timeout:.0f} s")


# --- the floor --------------------------------------------------------------------------------


FLOOR_TABLE = """CREATE TABLE floor_package (
    id bigserial PRIMARY KEY, sha256 char(64) NOT NULL, size integer NOT NULL,
    data bytea NOT NULL, received_at timestamptz NOT NULL DEFAULT now())"""


def _floor_worker(url: str, options: str, files: list[str], certificate: str,
                  start_at: float, deadline: float, pipe: Any) -> None:
    import psycopg
    from signxml import XMLVerifier

    _default_signals()
    count = 0
    with contextlib.suppress(KeyboardInterrupt), psycopg.connect(url, options=options) as conn:
        backend = conn.info.backend_pid
        time.sleep(max(0.0, start_at - time.monotonic()))
        cpu, backend_cpu = time.process_time(), _cpu_seconds(backend)
        while time.monotonic() < deadline:
            data = Path(files[count % len(files)]).read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            XMLVerifier().verify(data, x509_cert=certificate)
            conn.execute("INSERT INTO floor_package (sha256, size, data) VALUES (%s, %s, %s)",
                         (digest, len(data), data))
            conn.commit()
            count += 1
        pipe.send((count, time.monotonic(), time.process_time() - cpu,
                   _cpu_seconds(backend) - backend_cpu))


def run_floor(url: str, options: str, files: dict[int, list[str]], certificates: list[str],
              duration: float) -> tuple[int, float, float]:
    """16 processes in the floor loop for ``duration`` s; (packages, seconds, CPU seconds
    of the loops and their database backends)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS floor_package")
        conn.execute(FLOOR_TABLE)
        conn.execute("ALTER TABLE floor_package ALTER COLUMN data SET STORAGE EXTERNAL")
    ctx = mp.get_context("fork")
    start_at = time.monotonic() + 1.0
    deadline = start_at + duration
    pipes, processes = [], []
    try:
        for sender in range(SENDERS):
            ours, theirs = ctx.Pipe()
            process = ctx.Process(target=_floor_worker, daemon=True, args=(
                url, options, files[sender], certificates[sender], start_at, deadline,
                theirs))
            process.start()
            pipes.append(ours)
            processes.append(process)
        results = []
        for pipe in pipes:
            if not pipe.poll(duration + 60):
                raise SystemExit("a floor process did not finish")
            results.append(pipe.recv())
    finally:
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.terminate()
    end = max(r[1] for r in results)
    return (sum(r[0] for r in results), end - start_at,
            sum(r[2] + r[3] for r in results))


# --- figures ----------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


@dataclass
class Phase:
    name: str
    sent: list[Sent]
    seconds: float
    deliveries: list[float] = field(default_factory=list)
    undelivered: int = 0

    @property
    def accepted(self) -> list[Sent]:
        return [s for s in self.sent if s.status == ACCEPTED]

    @property
    def rate(self) -> float:
        return len(self.accepted) / self.seconds if self.seconds > 0 else 0.0

    def latencies(self, *, from_schedule: bool) -> list[float]:
        return [1000 * (s.end - (s.scheduled if from_schedule else s.start))
                for s in self.accepted]

    def refused(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for s in self.sent:
            if s.status != ACCEPTED:
                out[s.status] = out.get(s.status, 0) + 1
        return out


def delivery(phase: Phase, seen: dict[int, float]) -> None:
    for s in phase.accepted:
        if s.package in seen:
            phase.deliveries.append(1000 * (seen[s.package] - s.start))
        else:
            phase.undelivered += 1


def closed_phase(name: str, clients: Clients, duration: float) -> Phase:
    start_at = time.monotonic() + 0.5
    sent = clients.run(("closed", name, start_at, start_at + duration), duration + 120)
    end = max((s.end for s in sent), default=start_at)
    return Phase(name, sent, end - start_at)


def paced_phase(name: str, clients: Clients, rate: float, count: int) -> Phase:
    t0 = time.monotonic() + 0.5
    # A hub slower than the schedule drains it at its own pace: wait for that too.
    sent = clients.run(("paced", name, t0, rate), count / rate + count / 5 + 120)
    end = max((s.end for s in sent), default=t0)
    return Phase(name, sent, end - t0)


def wait_delivered(recipient: Recipient, phases: list[Phase], timeout: float) -> None:
    wanted = {s.package for p in phases for s in p.accepted}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not wanted <= recipient.seen.keys():
        time.sleep(0.1)


# --- profile ----------------------------------------------------------------------------------


TIMED_PARTS = [
    # (label, module, attribute): wrapped with a timer for the timed pass
    ("authentication (token lookup)", "egov.exchange.hub_actions", "authenticate"),
    ("parse + schema (parse_package_tree)", "egov.exchange.hub_actions",
     "parse_package_tree"),
    ("sender, certificates, recipients (_registry)", "egov.exchange.hub_actions",
     "_registry"),
    ("signature: verify_xml around signxml", "egov.exchange.hub_signatures",
     "verify_sender"),
    ("signature: signxml verify (c14n, digest)", "signxml.verifier", "XMLVerifier.verify"),
    ("receipt (sign_receipt, CMS)", "egov.exchange.hub_signatures", "sign_receipt"),
    ("push enqueue (request_push, on commit)", "egov.exchange.hub_tasks", "request_push"),
]


@contextlib.contextmanager
def timers(totals: dict[str, float]) -> Iterator[None]:
    """Wrap ``TIMED_PARTS``, every query (``execute_wrapper``) and the commit with timers
    adding up into ``totals``, exclusive of each other (a query inside a part counts as a
    query only, signxml inside verify_sender as signxml only); undone on exit."""
    import importlib

    from django.db import connection

    undo: list[tuple[Any, str, Any]] = []
    stack: list[str] = []

    @contextlib.contextmanager
    def timing(label: str) -> Iterator[None]:
        stack.append(label)
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            stack.pop()
            totals[label] = totals.get(label, 0.0) + elapsed
            if stack:
                totals[stack[-1]] = totals.get(stack[-1], 0.0) - elapsed

    def wrap(label: str, owner: Any, name: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            with timing(label):
                return original(*args, **kwargs)

        undo.append((owner, name, original))
        setattr(owner, name, timed)

    for label, module, attribute in TIMED_PARTS:
        owner: Any = importlib.import_module(module)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        wrap(label, owner, name)
    connection.ensure_connection()
    wrap("COMMIT", connection, "commit")

    def queries(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        verb = sql.split(None, 1)[0].upper()
        table = sql.split('"', 2)[1] if sql.count('"') >= 2 else "?"
        with timing(f"SQL {verb} {table}"):
            return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(queries):
            yield
    finally:
        for owner, name, original in reversed(undo):
            if owner is connection:
                delattr(connection, name)
            else:
                setattr(owner, name, original)


def profile_sends(registry: Registry, bodies: list[bytes]) -> None:
    """Send ``bodies`` through Django's test client in this process (one at a time, the
    server stopped): first with timers around the parts of an acceptance, then under
    cProfile. Prints milliseconds per package."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    headers = {"Authorization": f"Bearer {registry.tokens[0]}"}

    def send(body: bytes) -> None:
        response = client.post("/hub/v1/packages", data=body,
                               content_type="application/xml", headers=headers)
        if response.status_code != ACCEPTED:
            print(f"  profile: {response.status_code} {response.content[:200]!r}")

    for body in bodies[:3]:  # warm: connection, signer, trust material
        send(body)
    half = (len(bodies) - 3) // 2
    timed, profiled = bodies[3:3 + half], bodies[3 + half:]
    totals: dict[str, float] = {}
    started = time.perf_counter()
    with timers(totals):
        for body in timed:
            send(body)
    whole = time.perf_counter() - started
    n = len(timed)
    print(f"\nwhere the time of one send goes: {n} sends in this process through Django's "
          f"test client, one at a time, nothing else running on the hub's side")
    print(f"  {'part':<48} {'ms/package':>10} {'share':>6}")
    for label, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<48} {1000 * seconds / n:>10.2f} {100 * seconds / whole:>5.0f}%")
    accounted = sum(totals.values())
    print(f"  {'rest (Django, DRF, middleware, ORM, …)':<48} "
          f"{1000 * (whole - accounted) / n:>10.2f} {100 * (whole - accounted) / whole:>5.0f}%")
    print(f"  {'whole request (test client)':<48} {1000 * whole / n:>10.2f}   100%")

    profiler = cProfile.Profile()
    profiler.enable()
    for body in profiled:
        send(body)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    print(f"\n  cProfile, {len(profiled)} more sends, own time (tottime), top 12:")
    prefix = str(Path(sys.prefix) / "lib")
    print("\n".join(line.replace(prefix, "…").replace(str(ROOT), ".")
                    for line in out.getvalue().splitlines()[6:] if line.strip()))


# --- CPU accounting -----------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """user + system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _group_pids(pgids: set[int]) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) in pgids:
                pids.append(int(entry.name))
    return pids


def _backend_pids(url: str) -> list[int]:
    """The PostgreSQL backends connected to the bench database (server on this machine)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s "
                            "AND pid <> pg_backend_pid()", (name,)).fetchall()
    return [int(r[0]) for r in rows]


def cpu_snapshot(url: str, servers: Servers) -> dict[str, dict[int, float]]:
    """CPU seconds so far of gunicorn (master and workers), the task worker and every
    database backend of the bench database, per pid."""
    groups = {name: _group_pids({child.pid}) for name, child in servers.children.items()}
    groups["PostgreSQL"] = _backend_pids(url)
    return {name: {pid: _cpu_seconds(pid) for pid in pids} for name, pids in groups.items()}


def cpu_used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]
             ) -> dict[str, float]:
    return {name: sum(seconds - before.get(name, {}).get(pid, 0.0)
                      for pid, seconds in pids.items())
            for name, pids in after.items()}


# --- main -------------------------------------------------------------------------------------


@contextlib.contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    """SIGTERM behaves as Ctrl-C: the ``finally`` blocks stop every process started."""
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def row(name: str, phase: Phase, from_schedule: bool) -> str:
    lat = phase.latencies(from_schedule=from_schedule)
    refused = phase.refused()
    return (f"  {name:<22} {len(phase.accepted):>6} {phase.seconds:>6.1f} "
            f"{phase.rate:>8.1f} {pct(lat, 50):>8.1f} {pct(lat, 99):>8.1f} "
            f"{pct(phase.deliveries, 50):>8.0f} {pct(phase.deliveries, 99):>8.0f}"
            + (f"  not accepted: {refused}" if refused else "")
            + (f"  undelivered: {phase.undelivered}" if phase.undelivered else ""))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="egov-bench-hub-"))
    env = environment(args.database_url, work / "var")
    os.environ.update(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    started = Started(Servers())
    try:
        with terminate_on_sigterm():
            try:
                return run(args, env, work, started)
            finally:
                started.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


@dataclass
class Started:
    """Everything the run starts, stopped in reverse order whatever happens."""

    servers: Servers
    recipient: Recipient | None = None
    clients: Clients | None = None

    def stop(self) -> None:
        try:
            if self.clients is not None:
                self.clients.close()
        finally:
            try:
                if self.recipient is not None:
                    self.recipient.stop()
            finally:
                self.servers.stop()


def run(args: argparse.Namespace, env: dict[str, str], work: Path,
        started_set: Started) -> dict[str, Any]:
    servers = started_set.servers
    started = time.monotonic()
    recreate_database(args.database_url)
    subprocess.run([sys.executable, "-m", "egov", "migrate", "--no-input", "-v", "0"],
                   env=env, cwd=ROOT, check=True)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    if connections["default"].vendor != "postgresql":
        raise SystemExit("the hub benchmark runs on PostgreSQL")
    recipient = started_set.recipient = Recipient()
    codes = sender_codes()
    registry = register(codes, recipient.push_url)
    _SEALS["pdf"] = make_pdf()
    per_sender_saturated = max(4, round(args.max_rate * args.duration / SENDERS))
    per_sender_paced = -(-round(args.rate * args.paced_duration) // SENDERS)
    per_sender_light = -(-round(args.light_rate * args.light_duration) // SENDERS)
    counts = {"warmup": 2, "light": per_sender_light, "saturated": per_sender_saturated,
              "paced": per_sender_paced}
    if args.profile:
        counts["profile"] = 0
    connections.close_all()  # nothing of this process's connection in the forks
    build_started = time.monotonic()
    build_packages(codes, counts)
    if args.profile:
        profile_bodies = [_build((codes[0], n, "profile"))
                          for n in range(1, args.profile_count + 4)]
    built = sum(len(v) for per in PACKAGES.values() for v in per.values())
    size = len(PACKAGES[0]["warmup"][0])
    print(f"hub benchmark: {SENDERS} senders, {args.workers} gunicorn workers, "
          f"{args.client_processes} client processes, PostgreSQL "
          f"{settings.DATABASES['default']['NAME']}, {os.cpu_count()} CPUs")
    print(f"  built and signed {built} packages of {size / 1024:.0f} KB (PDF "
          f"{len(_SEALS['pdf']) / 1024:.0f} KB) in {time.monotonic() - build_started:.1f} s")

    port = free_port()
    python = sys.executable
    servers.start("web server", [
        python, "-m", "gunicorn", "egov.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers), "--timeout", "60", "--graceful-timeout", "20",
        "--access-logfile", "-", *gunicorn_options()], env, work / "gunicorn.log")
    servers.start("worker", [python, "-m", "egov", "db_worker", "--queue-name", "*",
                             "--interval", "0.2", "--no-reload", "--no-startup-delay"],
                  env, work / "worker.log")
    wait_ready(port, registry.recipient_token, servers)
    recipient.start(port, registry.recipient_token)
    clients = started_set.clients = Clients(args.client_processes, registry.tokens, port)

    warm = closed_phase("warmup", clients, 60.0)
    if len(warm.accepted) != len(warm.sent):
        raise SystemExit(f"warm-up packages refused: {warm.refused()}; see {work}/*.log")
    light = paced_phase("light", clients, args.light_rate, per_sender_light * SENDERS)
    time.sleep(1.5)
    cpu_before = cpu_snapshot(args.database_url, servers)
    client_before = clients.cpu()
    saturated = closed_phase("saturated", clients, args.duration)
    hub_cpu_parts = cpu_used(cpu_before, cpu_snapshot(args.database_url, servers))
    hub_cpu = sum(hub_cpu_parts.values())
    client_cpu = clients.cpu() - client_before
    servers.check()
    time.sleep(1.5)  # the backlog of pushes and pulls settles
    paced = paced_phase("paced", clients, args.rate, per_sender_paced * SENDERS)
    servers.check()
    wait_delivered(recipient, [light, saturated, paced], timeout=15.0)
    for phase in (light, saturated, paced):
        delivery(phase, recipient.seen)
    pushes, pulls, pull_errors = recipient.pushes, recipient.pulls, list(recipient.errors)
    servers.stop()

    floor_files: dict[int, list[str]] = {}
    for sender in range(SENDERS):
        for n, body in enumerate(PACKAGES[sender]["saturated"][:4]):
            path = work / f"floor-{sender}-{n}.xml"
            path.write_bytes(body)
            floor_files.setdefault(sender, []).append(str(path))
    options = settings.DATABASES["default"].get("OPTIONS", {}).get("options", "")
    floor_count, floor_seconds, floor_cpu = run_floor(args.database_url, options, floor_files,
                                           registry.certificates_pem, args.floor_duration)
    floor_rate = floor_count / floor_seconds

    print(f"\n  {'phase':<22} {'accept':>6} {'s':>6} {'pkg/s':>8} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'dlv p50':>8} {'dlv p99':>8}")
    print(row(f"light {args.light_rate:g}/s", light, from_schedule=True))
    print(row("saturated (16 conc.)", saturated, from_schedule=False))
    print(row(f"paced {args.rate:g}/s (sched.)", paced, from_schedule=True))
    print(row(f"paced {args.rate:g}/s (sent)", paced, from_schedule=False))
    print(f"  {'floor (16 processes)':<22} {floor_count:>6} {floor_seconds:>6.1f} "
          f"{floor_rate:>8.1f}")
    ratio = saturated.rate / floor_rate if floor_rate else float("nan")
    print(f"\n  hub / floor: {ratio:.3f} (target >= 0.5); hub {saturated.rate:.1f} packages/s "
          f"(target >= 1000)")
    print(f"  paced phase: {len(paced.accepted)} of {len(paced.sent)} scheduled packages "
          f"accepted in {paced.seconds:.1f} s (schedule: {len(paced.sent) / args.rate:g} s)"
          f" = {paced.rate:.1f}/s")
    accepted = max(1, len(saturated.accepted))
    print(f"  CPU per package, saturated: hub {1000 * hub_cpu / accepted:.1f} ms (gunicorn, "
          f"task worker and their PostgreSQL backends; {hub_cpu / saturated.seconds:.2f} of "
          f"{os.cpu_count()} cores), senders {1000 * client_cpu / accepted:.1f} ms; floor "
          f"{1000 * floor_cpu / max(1, floor_count):.1f} ms (loops and their backends)")
    if hub_cpu and floor_count:
        print(f"    CPU ratio (floor ms / hub ms per package): "
              f"{(floor_cpu / floor_count) / (hub_cpu / accepted):.3f}")
    print("    hub: " + ", ".join(f"{name} {1000 * seconds / accepted:.1f} ms"
                                  for name, seconds in hub_cpu_parts.items()))
    print(f"  push: {pushes} notifications, {pulls} inbox pages pulled"
          + (f", {len(pull_errors)} pull errors ({pull_errors[0]})" if pull_errors else ""))
    print("  (acceptance time: request written → answer read; paced, from the slot's "
          "scheduled time, and from the actual send. Delivery: send start → first seen "
          "in the recipient's inbox listing after a push.)")

    if args.profile:
        profile_sends(registry, profile_bodies)
    print(f"  total run time {time.monotonic() - started:.0f} s")

    def num(value: float, digits: int = 1) -> float | None:
        return None if value != value else round(value, digits)  # NaN → null

    summary = {
        "bench": "hub", "packages_per_s": num(saturated.rate),
        "floor_per_s": num(floor_rate), "ratio_to_floor": num(ratio, 3),
        "accept_p50_ms": num(pct(saturated.latencies(from_schedule=False), 50)),
        "accept_p99_ms_at_500": num(pct(paced.latencies(from_schedule=True), 99)),
        "delivery_p50_ms": num(pct(paced.deliveries, 50)),
        "delivery_p99_ms": num(pct(paced.deliveries, 99)),
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
