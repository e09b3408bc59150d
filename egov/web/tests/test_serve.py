"""``egov serve`` as a real process: gunicorn and one db_worker, stopped together."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.processes

EGOV = [sys.executable, "-m", "egov"]


def base_env(var_dir: Path) -> dict[str, str]:
    """The embedded mode: SQLite under its own var folder, whatever the suite runs on."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY"}}
    return env | {"EGOV_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"}


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var folder with a migrated database and the demo loaded (once per module)."""
    var_dir = tmp_path_factory.mktemp("serve") / "var"
    for args in (["migrate", "--no-input", "-v0"], ["load_demo"]):
        result = subprocess.run(EGOV + args, env=base_env(var_dir), capture_output=True,
                                text=True, timeout=300, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
    return var_dir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    result = []
    for child in children_of(pid):
        result += [child, *descendants(child)]
    return result


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Served:
    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process, self.port, self.log = process, port, log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def get(self, path: str) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
            return int(r.status)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            if "egov is running" in self.output():
                return
            time.sleep(0.2)
        raise AssertionError(f"egov serve did not start:\n{self.output()}")

    def children(self) -> dict[str, int]:
        """The web server and the worker, by what they run."""
        found: dict[str, int] = {}
        deadline = time.monotonic() + 10
        while len(found) < 2 and time.monotonic() < deadline:
            for pid in children_of(self.process.pid):
                line = cmdline(pid)
                if "gunicorn" in line:
                    found["web"] = pid
                elif "db_worker" in line:
                    found["worker"] = pid
            time.sleep(0.1)
        return found


@pytest.fixture
def served(migrated: Path, tmp_path: Path) -> Iterator[Served]:
    var_dir = tmp_path / "var"
    shutil.copytree(migrated, var_dir)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*EGOV, "serve", "--addr", f"127.0.0.1:{port}", "--workers", "2"],
            env=base_env(var_dir), stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    running = Served(process, port, log)
    try:
        yield running
    finally:
        if process.poll() is None:  # a failed test: leave nothing behind
            for pid in descendants(process.pid):
                os.kill(pid, signal.SIGKILL)
            process.kill()
            process.wait()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_answers_and_stops_both_children(served: Served, signum: int) -> None:
    served.wait_ready()
    assert served.get("/account/login/") == 200
    children = served.children()
    assert set(children) == {"web", "worker"}, served.output()
    everything = descendants(served.process.pid)
    assert len(everything) >= 4  # gunicorn, its two workers, db_worker
    output = served.output()
    assert f"open http://127.0.0.1:{served.port}/ in your browser" in output
    assert "| vanthu " in output and "egov-demo-2026" in output  # the demo sign-ins

    served.process.send_signal(signum)
    assert served.process.wait(timeout=60) == 0, served.output()
    gone_by = time.monotonic() + 5
    while any(alive(pid) for pid in everything) and time.monotonic() < gone_by:
        time.sleep(0.1)
    assert [pid for pid in everything if alive(pid)] == []


def test_if_the_worker_dies_the_server_stops_too(served: Served) -> None:
    served.wait_ready()
    children = served.children()
    everything = descendants(served.process.pid)
    os.kill(children["worker"], signal.SIGKILL)
    status = served.process.wait(timeout=60)
    assert status == 128 + signal.SIGKILL, served.output()
    assert "The worker stopped" in served.output()
    gone_by = time.monotonic() + 5
    while any(alive(pid) for pid in everything) and time.monotonic() < gone_by:
        time.sleep(0.1)
    assert [pid for pid in everything if alive(pid)] == []


def test_if_the_web_server_dies_the_worker_stops_too(served: Served) -> None:
    served.wait_ready()
    children = served.children()
    os.kill(children["web"], signal.SIGKILL)
    assert served.process.wait(timeout=60) != 0
    assert "The web server stopped" in served.output()
    gone_by = time.monotonic() + 5
    while alive(children["worker"]) and time.monotonic() < gone_by:
        time.sleep(0.1)
    assert not alive(children["worker"])
