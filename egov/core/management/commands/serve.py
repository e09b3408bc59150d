"""``egov serve``: the web server (gunicorn) and one background worker, side by side.

Ctrl-C or SIGTERM is passed on to both, and the command waits for both to stop. If
either stops by itself, the other is stopped too and the command exits non-zero, so a
supervisor (systemd, a terminal) sees the failure. The children also receive SIGTERM if
this process dies without warning (Linux), so none is left behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

STOP_TIMEOUT = 30.0
READY_TIMEOUT = 60.0
POLL = 0.2
ANY_IPV4 = "0.0.0.0"  # noqa: S104 - only compared with, never bound here


def _parse_addr(addr: str) -> tuple[str, int]:
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise CommandError(f"--addr must look like 127.0.0.1:8000, not {addr!r}.")
    return host.strip("[]"), int(port)


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook asking Linux to send the child SIGTERM when this process dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    pr_set_pdeathsig = 1

    def hook() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)

    return hook


def _gunicorn_options() -> list[str]:
    """Gunicorn ≥ 25.1 opens a control socket at one path per user: two servers on one
    machine (a demo and the tests) would fight over it, and nothing here uses it."""
    from gunicorn import config

    names = {setting.name for setting in config.KNOWN_SETTINGS}
    return ["--no-control-socket"] if "control_socket_disable" in names else []


class Command(BaseCommand):
    help = "Run the web server (gunicorn) and one background worker (db_worker) together."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000",
                            help="address and port to listen on (default 127.0.0.1:8000)")
        parser.add_argument("--workers", type=int, default=2,
                            help="gunicorn worker processes (default 2)")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = _parse_addr(options["addr"])
        workers: int = options["workers"]
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        self._warn_unapplied_migrations()
        signins = self._demo_signins()
        connections.close_all()  # the children open their own

        received: list[int] = []

        def on_signal(signum: int, frame: FrameType | None) -> None:
            received.append(signum)

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        env = os.environ | {"DJANGO_SETTINGS_MODULE": os.environ.get(
            "DJANGO_SETTINGS_MODULE", "egov.settings")}
        hook = _die_with_parent()
        children: dict[str, subprocess.Popen[bytes]] = {}
        try:
            # Their own session: a Ctrl-C in the terminal reaches only this process,
            # which passes each one on, so the children see every signal exactly once.
            children["web server"] = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "egov.wsgi:application",
                 "--bind", f"{options['addr']}", "--workers", str(workers),
                 "--timeout", "60", "--graceful-timeout", "20", "--access-logfile", "-",
                 *_gunicorn_options()],
                env=env, start_new_session=True, preexec_fn=hook)
            children["worker"] = subprocess.Popen(
                [sys.executable, "-m", "egov", "db_worker", "--queue-name", "*",
                 "--no-reload", "--no-startup-delay", "--interval", "0.2"],
                env=env, start_new_session=True, preexec_fn=hook)
            status = self._run(children, host, port, signins, received)
        finally:
            self._stop(children, received)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if status:
            sys.exit(status)

    # -- helpers ---------------------------------------------------------------------

    def _warn_unapplied_migrations(self) -> None:
        try:
            executor = MigrationExecutor(connections["default"])
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as exc:  # any database problem: say it, go on
            self.stderr.write(f"Could not read the database ({exc}); run `egov migrate`.")
            return
        if plan:
            self.stderr.write(self.style.WARNING(
                f"{len(plan)} database migration(s) not applied: run `egov migrate` first."))

    def _demo_signins(self) -> list[tuple[str, str, str]]:
        from egov.core import demo

        try:
            return demo.signins() if demo.is_loaded() else []
        except Exception:  # no tables yet: nothing to show
            return []

    def _run(self, children: dict[str, subprocess.Popen[bytes]], host: str, port: int,
             signins: list[tuple[str, str, str]], received: list[int]) -> int:
        announced = False
        deadline = time.monotonic() + READY_TIMEOUT
        while not received:
            for name, child in children.items():
                code = child.poll()
                if code is not None:
                    self.stderr.write(self.style.ERROR(
                        f"The {name} stopped (exit status {code}); stopping the rest."))
                    # Killed by a signal: the shell's convention, 128 + its number.
                    return code if code > 0 else 128 - code if code < 0 else 1
            if not announced and self._listening(host, port):
                announced = True
                self._announce(host, port, signins)
            elif not announced and time.monotonic() > deadline:
                self.stderr.write(self.style.ERROR(
                    f"The web server did not start listening on {host}:{port} within "
                    f"{READY_TIMEOUT:.0f} s; stopping."))
                return 1
            time.sleep(POLL)
        self.stdout.write("Stopping the web server and the worker…")
        return 0

    @staticmethod
    def _listening(host: str, port: int) -> bool:
        # A wildcard address is reached through the loopback one.
        target = "127.0.0.1" if host in (ANY_IPV4, "") else "::1" if host == "::" else host
        try:
            with socket.create_connection((target, port), timeout=0.5):
                return True
        except OSError:
            return False

    def _announce(self, host: str, port: int, signins: list[tuple[str, str, str]]) -> None:
        from egov.core import demo

        shown = "127.0.0.1" if host == ANY_IPV4 else host
        if ":" in shown:
            shown = f"[{shown}]"
        self.stdout.write(self.style.SUCCESS(
            f"\negov is running: open http://{shown}:{port}/ in your browser."))
        self.stdout.write("Web server and background worker started; Ctrl-C stops both.")
        if signins:
            self.stdout.write("\nDemo sign-ins:")
            self.stdout.write(demo.signins_table(signins))
        self.stdout.flush()

    def _stop(self, children: dict[str, subprocess.Popen[bytes]], received: list[int]) -> None:
        """Pass the signal on to every child still running and wait for them; a second
        Ctrl-C is passed on too (the worker then abandons its task); kill what is left
        after STOP_TIMEOUT."""
        forwarded = 0
        deadline = time.monotonic() + STOP_TIMEOUT
        while True:
            running = [c for c in children.values() if c.poll() is None]
            if not running:
                return
            if forwarded < max(1, len(received)):
                signum = received[forwarded] if forwarded < len(received) else signal.SIGTERM
                for child in running:
                    with contextlib.suppress(ProcessLookupError):
                        child.send_signal(signum)
                forwarded += 1
            if time.monotonic() > deadline:
                for name, child in children.items():
                    if child.poll() is None:
                        self.stderr.write(
                            f"The {name} did not stop in {STOP_TIMEOUT:.0f} s: killed.")
                        child.kill()
                        child.wait()
                return
            time.sleep(POLL / 2)
