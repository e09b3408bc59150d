"""End to end across three processes on loopback ports, each with its own database: the
hub, deployment A (a ministry, Bộ Tài chính) and deployment B (a province, UBND tỉnh
Quảng Ninh). Each deployment runs gunicorn and a task worker, as ``egov serve`` does.

A's leader approves (signing with a certificate of A's CA), A's clerk issues, A's
connector sends the signed package; the hub pushes to B, B's connector pulls it; B's
clerk registers it, B's leader assigns it; A reads statuses 01, 03, 04 in the hub's
trace. B replies; the reply lands in A's incoming register. Then A sends a burst of 500
packages and the hub is killed with SIGKILL (every process of it) in the middle and
started again: every package reaches B exactly once. Last, the Government Office (run by
A) assigns a task to B's agency: B registers it, reports progress and marks it done, and
both land on the Office's task; and a task that A's ministry leads with B's agency
coordinating: B's report lands on it, and A's "done" reaches B's copy.

On SQLite each deployment has its own file; with DATABASE_URL (PostgreSQL) each has its
own database on that server, made for the test and dropped after it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

pytestmark = [pytest.mark.processes]

BTC, QNI, VPCP = "000.00.00.G12", "000.00.00.H49", "000.00.00.G22"
BURST = 500
PYTHON = sys.executable


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pdf(text: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


class Databases:
    """A migrated template, copied once per deployment (faster than migrating three)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = os.environ.get("DATABASE_URL", "")
        self.tag = uuid.uuid4().hex[:8]
        self.made: list[str] = []

    def _pg(self, sql: str) -> None:
        import psycopg

        base = self.url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(sql)

    def url_for(self, name: str) -> str:
        return f"{self.url.rsplit('/', 1)[0]}/egov_e2e_{self.tag}_{name}" if self.url else ""

    def template(self, env: dict[str, str]) -> None:
        env = dict(env, EGOV_VAR_DIR=str(self.root / "template"))
        if self.url:
            self._pg(f'CREATE DATABASE "egov_e2e_{self.tag}_template"')
            self.made.append("template")
            env["DATABASE_URL"] = self.url_for("template")
        subprocess.run([PYTHON, "-m", "egov", "migrate", "--no-input", "-v", "0"], env=env,
                       check=True, timeout=300)

    def copy(self, name: str) -> str:
        if self.url:
            self._pg(f'CREATE DATABASE "egov_e2e_{self.tag}_{name}" '
                     f'TEMPLATE "egov_e2e_{self.tag}_template"')
            self.made.append(name)
            return self.url_for(name)
        (self.root / name).mkdir(exist_ok=True)
        shutil.copy(self.root / "template" / "egov.sqlite3", self.root / name / "egov.sqlite3")
        return ""

    def drop(self) -> None:
        for name in reversed(self.made):
            self._pg(f'DROP DATABASE IF EXISTS "egov_e2e_{self.tag}_{name}" WITH (FORCE)')


class Deployment:
    """One egov deployment: its environment, its processes (gunicorn and a worker, each
    in its own process group so that SIGKILL takes all of it) and its REST API."""

    def __init__(self, name: str, root: Path, base_env: dict[str, str], database_url: str
                 ) -> None:
        self.name = name
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.var = root / name
        self.var.mkdir(exist_ok=True)
        self.env = dict(base_env, EGOV_VAR_DIR=str(self.var))
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.processes: list[subprocess.Popen[bytes]] = []
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, int] = {}

    def egov(self, *args: str) -> str:
        done = subprocess.run([PYTHON, "-m", "egov", *args], env=self.env, check=False,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{self.name}: egov {args[0]}: {done.stderr[-3000:]}"
        return done.stdout

    def world(self, *args: str) -> dict[str, Any]:
        done = subprocess.run([PYTHON, "-m", "egov.exchange.tests.e2e_world", *args],
                              env=self.env, check=False, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, f"{self.name}: {args[0]}: {done.stderr[-3000:]}"
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    def start(self) -> None:
        from egov.core.management.commands.serve import _gunicorn_options

        log = (self.var / "processes.log").open("ab")
        self.processes = [
            subprocess.Popen([PYTHON, "-m", "gunicorn", "egov.wsgi:application", "--bind",
                              f"127.0.0.1:{self.port}", "--workers", "2", "--timeout", "60",
                              *_gunicorn_options()],
                             env=self.env, stdout=log, stderr=log, start_new_session=True),
            subprocess.Popen([PYTHON, "-m", "egov", "db_worker", "--queue-name", "*",
                              "--no-reload", "--no-startup-delay", "--interval", "0.2"],
                             env=self.env, stdout=log, stderr=log, start_new_session=True),
        ]
        wait_for(lambda: self._answers(), 60, f"{self.name} to answer")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2):  # noqa: S310
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL to every process of the deployment: a crash, nothing shuts down."""
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        self.processes = []

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes = []

    def log_tail(self) -> str:
        path = self.var / "processes.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def api(self, role: str, method: str, path: str, data: Any = None,
            files: dict[str, tuple[str, bytes]] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[role]}", "Accept": "application/json",
                   "Accept-Language": "en"}
        body = None
        if files is not None:
            from django.core.files.uploadedfile import SimpleUploadedFile

            fields = dict(data or {})
            fields["files"] = [SimpleUploadedFile(name, content, "application/pdf")
                               for name, content in files.values()]
            body = encode_multipart(BOUNDARY, fields)
            headers["Content-Type"] = MULTIPART_CONTENT
        elif data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + "/api/v1" + path, data=body,  # noqa: S310
                                         method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{self.name} {method} {path}: {exc.code} "
                                 f"{exc.read()[:2000]!r}") from None


def wait_for(check: Callable[[], Any], seconds: float, what: str,
             logs: Callable[[], str] = lambda: "") -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}\n{logs()}")
        time.sleep(0.5)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, Deployment]]:
    base = {key: value for key, value in os.environ.items()
            if not key.startswith(("DATABASE_URL", "EGOV_", "PYTEST", "DJANGO_"))}
    base.update(DJANGO_SETTINGS_MODULE="egov.settings", EGOV_EXCHANGE_RETRY_MAX_SECONDS="2",
                EGOV_HUB_PUSH_DELAY_SECONDS="0.05", LANGUAGE="en")
    dbs = Databases(tmp_path)
    deployments: dict[str, Deployment] = {}
    try:
        dbs.template(base)
        for name in ("hub", "a", "b"):
            deployments[name] = Deployment(name, tmp_path, base, dbs.copy(name))
        yield deployments
    finally:
        for deployment in deployments.values():
            deployment.stop()
        dbs.drop()


def _connect(world: dict[str, Deployment]) -> None:
    hub, a, b = world["hub"], world["a"], world["b"]
    made_a = a.world("deployment", BTC, "Bộ Tài chính", QNI, "UBND tỉnh Quảng Ninh",
                     str(a.var / "seal.pem"))
    made_b = b.world("deployment", QNI, "UBND tỉnh Quảng Ninh", BTC, "Bộ Tài chính",
                     str(b.var / "seal.pem"))
    for deployment, made in ((a, made_a), (b, made_b)):
        deployment.tokens = made["tokens"]
        deployment.ids = {"agency": made["agency"], "unit": made["unit"],
                          "other": made["other"]}
    # A also runs the Government Office, which assigns tasks to B's agency.
    a.tokens["office"] = a.world("office", str(a.var / "office-seal.pem"))["token"]
    extra = {"a": ["--agency", f"{VPCP}=Văn phòng Chính phủ",
                   "--certificate", f"{VPCP}={a.var / 'office-seal.pem'}"], "b": []}
    for deployment, code, name in ((a, BTC, "Bộ Tài chính"), (b, QNI, "UBND tỉnh Quảng Ninh")):
        out = hub.egov("hub_add_system", f"Hệ thống {name}", "--agency", f"{code}={name}",
                       "--push-url", f"{deployment.url}/exchange/push",
                       "--certificate", f"{code}={deployment.var / 'seal.pem'}",
                       *extra[deployment.name])
        token = next(word for word in out.split() if word.startswith("hub_"))
        deployment.egov("exchange_connect", f"{hub.url}/hub/v1", "--token", token,
                        "--pull-every", "5")
    hub.env["EGOV_TRUST_ANCHORS"] = f"{a.var / 'ca.pem'},{b.var / 'ca.pem'}"
    for deployment in (hub, a, b):
        deployment.start()


def _send(deployment: Deployment, subject: str, answers: list[int] | None = None) -> dict[str, Any]:
    """Specialist drafts to the other agency, head reviews, leader approves (signs),
    clerk issues."""
    draft = deployment.api("specialist", "POST", "/documents/drafts/", {
        "doc_type": "official_letter", "subject": subject,
        "recipients": [deployment.ids["other"]], "answers": answers or []},
        files={"f": ("cong-van.pdf", _pdf(subject))})
    pk = draft["id"]
    deployment.api("specialist", "POST", f"/documents/{pk}/submit-for-review/")
    deployment.api("head", "POST", f"/documents/{pk}/review/", {"approve": True})
    deployment.api("leader", "POST", f"/documents/{pk}/approve/", {})
    return dict(deployment.api("clerk", "POST", f"/documents/{pk}/issue/"))


def _waiting(deployment: Deployment) -> list[dict[str, Any]]:
    return list(deployment.api("clerk", "GET", "/exchange/received/?state=received")["results"])


def test_a_document_goes_from_a_ministry_to_a_province_and_back(
        world: dict[str, Deployment]) -> None:
    hub, a, b = world["hub"], world["a"], world["b"]
    _connect(world)

    def logs() -> str:
        return "\n".join(f"--- {d.name}\n{d.log_tail()}" for d in (hub, a, b))

    issued = _send(a, "Về việc hướng dẫn lập dự toán ngân sách năm 2027")
    assert issued["status"] == "issued"
    [package] = wait_for(lambda: _waiting(b), 30, "B to receive the package", logs)
    assert package["sender_code"] == BTC and package["symbol"] == issued["symbol"]
    assert package["subject"] == issued["subject"]

    registered = b.api("clerk", "POST", f"/exchange/received/{package['id']}/register/", {})
    document = registered["document"]
    b.api("leader", "POST", f"/documents/{document}/assign/",
          {"lead": {"unit": b.ids["unit"]}, "deadline_days": 5})

    def codes() -> list[str] | None:
        trace = a.api("clerk", "GET", f"/exchange/sent/{issued['id']}/trace/")
        [recipient] = trace["recipients"]
        found = [s["code"] for s in recipient["statuses"]]
        return found if len(found) >= 3 else None

    assert wait_for(codes, 30, "statuses 01, 03, 04 in the trace", logs) == ["01", "03", "04"]
    sent = a.api("clerk", "GET", f"/exchange/sent/{issued['id']}/")
    assert sent["state"] == "sent" and sent["hub_id"]
    wait_for(lambda: len(a.api("clerk", "GET", f"/exchange/sent/{issued['id']}/")["statuses"])
             == 3, 30, "the statuses to reach A", logs)

    # B replies; the reply lands in A's incoming register.
    reply = _send(b, "Báo cáo về việc lập dự toán ngân sách năm 2027", answers=[document])
    [back] = wait_for(lambda: _waiting(a), 30, "A to receive the reply", logs)
    assert back["symbol"] == reply["symbol"] and back["sender_code"] == QNI
    incoming = a.api("clerk", "POST", f"/exchange/received/{back['id']}/register/", {})
    doc = a.api("clerk", "GET", f"/documents/{incoming['document']}/")
    assert (doc["direction"], doc["source"], doc["issuer_name"]) == (
        "incoming", "hub", "UBND tỉnh Quảng Ninh")

    # The burst, and the hub killed in the middle of it. Progress is read through the
    # APIs (cheap); the databases are counted directly once everything has settled.
    assert a.world("burst", str(BURST), QNI) == {"queued": BURST}

    def sent() -> int:
        return int(a.api("clerk", "GET", "/exchange/sent/?state=sent&page_size=1")["count"])

    wait_for(lambda: sent() >= 1 + BURST // 5, 120, "the hub to accept a fifth of the burst",
             logs)
    hub.kill()
    accepted_before = hub.world("counts")["hub_documents"] - 2
    assert accepted_before < BURST, "the burst ended before the kill: nothing was tested"
    time.sleep(2)
    hub.start()

    def arrived() -> int:
        return int(b.api("clerk", "GET", "/exchange/received/?page_size=1")["count"])

    wait_for(lambda: arrived() >= BURST + 1 and sent() >= BURST + 1, 240,
             "every package of the burst to reach B", logs)
    time.sleep(3)  # anything still in flight would show as a duplicate now
    at_b, at_a, at_hub = b.world("counts"), a.world("counts"), hub.world("counts")
    assert at_b["inbound"] == at_b["inbound_distinct"] == BURST + 1
    assert at_hub["hub_documents"] == at_hub["hub_distinct"] == BURST + 2
    assert at_a["outbound"] == {"sent": BURST + 1}
    print(f"\nkill test: the hub had accepted {accepted_before} of {BURST} when killed; "
          f"after the restart B holds {at_b['inbound'] - 1} burst packages, each once")

    # A task from the Office (in A) to B's agency goes over the hub; B's clerk registers
    # it, B reports progress with a file and marks it done; both land on the Office's task.
    today = time.strftime("%Y-%m-%d")
    [task] = a.api("office", "POST", "/tasks/", {
        "content": "Báo cáo tình hình giải ngân vốn đầu tư công", "source_kind": "directive",
        "source_reference": "05/CT-TTg", "source_date": today, "lead_agency": a.ids["other"],
        "product": "report", "deadline_kind": "date", "deadline": "2099-12-31"})

    def from_office() -> list[dict[str, Any]]:  # the newest waiting package, if the Office's
        count = b.api("clerk", "GET", "/exchange/received/?state=received&page_size=1")["count"]
        last = b.api("clerk", "GET", f"/exchange/received/?state=received&page_size=1"
                                     f"&page={max(count, 1)}")["results"]
        return [r for r in last if r["sender_code"] == VPCP]

    [package] = wait_for(from_office, 60, "B to receive the task", logs)
    b.api("clerk", "POST", f"/exchange/received/{package['id']}/register/", {})
    [theirs] = [t for t in b.api("leader", "GET", "/tasks/")["results"]
                if t["content"] == task["content"]]
    assert (theirs["deadline"], theirs["source_reference"]) == ("2099-12-31", "05/CT-TTg")
    b.api("leader", "POST", f"/tasks/{theirs['id']}/progress/",
          {"text": "Đã giải ngân 40% kế hoạch", "percent": 40},
          files={"f": ("so-lieu.pdf", _pdf("Số liệu giải ngân"))})
    b.api("leader", "POST", f"/tasks/{theirs['id']}/done/", {"note": "Đã hoàn thành"})
    done = wait_for(lambda: (lambda t: t if t["done_on"] else None)(
        a.world("task", str(task["id"]))), 60, "the reports to reach the Office", logs)
    assert done["progress"] == 100 and "Đã hoàn thành" in done["done_note"]
    assert done["reports"] == [{"agency": QNI, "percent": 40, "by_name": "Phạm Minh Lãnh",
                                "files": ["so-lieu.pdf"]}]

    # A task led by A's own ministry with B's agency coordinating: only B gets a package.
    # B reports its part, which lands on the Office's task as B's; A's ministry finishes,
    # and the Office tells B, whose copy is done too rather than left to go overdue.
    [shared] = a.api("office", "POST", "/tasks/", {
        "content": "Đề án sắp xếp đơn vị sự nghiệp công lập", "source_kind": "directive",
        "source_reference": "07/CT-TTg", "source_date": today, "lead_agency": a.ids["agency"],
        "coordinating_agencies": [a.ids["other"]], "product": "report",
        "deadline_kind": "date", "deadline": "2099-06-30"})
    [package] = wait_for(from_office, 60, "B to receive the shared task", logs)
    b.api("clerk", "POST", f"/exchange/received/{package['id']}/register/", {})
    [copy] = [t for t in b.api("leader", "GET", "/tasks/")["results"]
              if t["content"] == shared["content"]]
    assert (copy["lead_agency_name"], copy["deadline"]) == ("Bộ Tài chính", "2099-06-30")
    b.api("leader", "POST", f"/tasks/{copy['id']}/progress/",
          {"text": "Đã gửi ý kiến phương án tài chính", "percent": 100})
    wait_for(lambda: a.world("task", str(shared["id"]))["reports"], 60,
             "B's report to reach the Office", logs)
    assert a.world("task", str(shared["id"]))["reports"][0]["agency"] == QNI
    a.api("leader", "POST", f"/tasks/{shared['id']}/done/", {"note": "Đã trình đề án"})
    closed = wait_for(lambda: (lambda t: t if t["done_on"] else None)(
        b.world("task", str(copy["id"]))), 60, "the Office's update to reach B", logs)
    assert closed["progress"] == 100 and closed["done_note"] == "Đã trình đề án"
