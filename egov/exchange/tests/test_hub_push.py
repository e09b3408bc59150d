"""Push notifications: a commit that fills a system's inbox enqueues one push (several
commits in a row share it); the push POSTs {"new": N} to the system's URL (a real HTTP
server on a loopback port); a failure is recorded and the task enqueues itself again with
a growing delay, then gives up. Pulling works without any of it."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from egov.exchange import hub_tasks
from egov.exchange.models import HubPushFailure, HubSystem

from .hub_fixtures import *  # noqa: F403
from .hub_fixtures import HGI, QNI, Hub, signed_document

pytestmark = pytest.mark.django_db

PUSH_TASK = "egov.exchange.hub_tasks.push_notify"


class Receiver:
    """An HTTP server on 127.0.0.1 that records the bodies POSTed to it."""

    def __init__(self, status: int = 204) -> None:
        self.status = status
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                receiver.headers.append(dict(self.headers))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hub-push"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def pushes() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=PUSH_TASK).order_by("enqueued_at"))


def with_push_url(hub: Hub, url: str) -> HubSystem:
    system = hub.province.system
    system.push_url = url
    system.save(update_fields=["push_url"])
    return system


def test_a_new_package_pushes_the_number_waiting(
        hub: Hub, receiver: Receiver, settings: Any,
        django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    settings.EGOV_HUB_PUSH_DELAY_SECONDS = 3  # (0.1 s by default: too short for a test)
    system = with_push_url(hub, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        assert hub.ministry.api.send(signed_document(hub, to=(QNI, HGI))).status_code == 201
    [task] = pushes()
    assert task.args_kwargs == {"args": [system.pk, 1], "kwargs": {}}
    assert timezone.now() < task.run_after <= timezone.now() + dt.timedelta(seconds=3)
    # Another package while that push waits: it covers this one too.
    with django_capture_on_commit_callbacks(execute=True):
        hub.ministry.api.send(signed_document(hub, number="2", to=(QNI,)))
    assert len(pushes()) == 1

    assert hub_tasks.push_notify.call(system.pk, 1) == 3
    assert receiver.bodies == [{"new": 3}]
    assert receiver.headers[0]["Content-Type"] == "application/json"
    system.refresh_from_db()
    assert system.last_pushed_at is not None
    assert not HubPushFailure.objects.exists()


def test_a_system_without_a_push_url_only_pulls(
        hub: Hub, django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        hub.ministry.api.send(signed_document(hub))
    assert pushes() == []
    assert len(hub.province.api.inbox().json()["items"]) == 1


def test_nothing_is_pushed_when_the_inbox_is_already_empty(hub: Hub,
                                                           receiver: Receiver) -> None:
    system = with_push_url(hub, receiver.url)
    package = hub.ministry.api.send(signed_document(hub)).json()["id"]
    hub.province.api.ack(package)
    assert hub_tasks.push_notify.call(system.pk, 1) == 0
    assert receiver.bodies == []


@pytest.mark.parametrize("failure", ["http-500", "connection-refused"])
def test_a_failed_push_is_recorded_and_tried_again_later(hub: Hub, failure: str) -> None:
    server = Receiver(status=500)
    if failure == "connection-refused":
        url = server.url
        server.close()
    else:
        url = server.url
    try:
        system = with_push_url(hub, url)
        hub.ministry.api.send(signed_document(hub))
        before = timezone.now()
        assert hub_tasks.push_notify.call(system.pk, 1) == 0
        failure_row = HubPushFailure.objects.get()
        assert (failure_row.system, failure_row.attempt, failure_row.gave_up) == (system, 1,
                                                                                  False)
        assert failure_row.url == url and failure_row.error
        [retry] = pushes()
        assert retry.args_kwargs == {"args": [system.pk, 2], "kwargs": {}}
        assert before + dt.timedelta(seconds=1) <= retry.run_after \
            <= timezone.now() + dt.timedelta(seconds=1)
        # The fourth failure waits 8 s; the delay stops growing at 60 s.
        hub_tasks.push_notify.call(system.pk, 4)
        retry = pushes()[-1]
        assert retry.args_kwargs["args"] == [system.pk, 5]
        assert dt.timedelta(seconds=7) < retry.run_after - timezone.now() \
            <= dt.timedelta(seconds=8)
    finally:
        if failure == "http-500":
            server.close()


def test_the_delay_grows_to_a_minute_and_the_tenth_failure_gives_up(hub: Hub) -> None:
    assert [hub_tasks.backoff(n) for n in range(1, 11)] == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]
    server = Receiver(status=503)
    try:
        system = with_push_url(hub, server.url)
        hub.ministry.api.send(signed_document(hub))
        hub_tasks.push_notify.call(system.pk, hub_tasks.PUSH_MAX_ATTEMPTS)
    finally:
        server.close()
    assert HubPushFailure.objects.get().gave_up is True
    assert pushes() == []
    # The package still waits in the inbox for the next pull.
    assert len(hub.province.api.inbox().json()["items"]) == 1



def test_failed_pushes_are_kept_to_the_newest_ones(hub: Hub, settings: Any) -> None:
    """A system whose push URL is down for weeks cannot fill the hub's disk."""
    settings.EGOV_HUB_DIAGNOSTICS_KEEP = 2
    server = Receiver(status=503)
    try:
        system = with_push_url(hub, server.url)
        hub.ministry.api.send(signed_document(hub))
        for attempt in range(1, 6):
            assert hub_tasks.push_notify.call(system.pk, attempt) == 0
    finally:
        server.close()
    kept = HubPushFailure.objects.order_by("id").values_list("attempt", flat=True)
    assert list(kept) == [4, 5]
