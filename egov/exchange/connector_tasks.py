"""Background work of the connector (django-tasks, the same on SQLite and PostgreSQL).

* ``send_package`` / ``send_status``: one attempt each; a transient failure enqueues the
  next attempt with ``run_after`` = the row's ``next_attempt_at`` (backoff).
* ``pull_inbox``: read the hub's inbox; enqueued by the push endpoint (the hub's
  notification) and by the schedule.
* ``exchange_tick``: the schedule. Every ``pull_interval_seconds`` it pulls, sends again
  what is due and whose task was lost (a worker killed mid-task, a crash between a commit
  and its enqueue), then enqueues itself for the next interval. One tick waits at a time;
  ``ensure_schedule`` (called when the connection is set, on each push and each issue)
  starts the chain again if it was broken. Nothing polls faster than the interval; push
  makes delivery prompt.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Q
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

from . import connector_actions as actions
from .connector_client import HubError

log = logging.getLogger(__name__)

LOST_AFTER_SECONDS = 60.0
SWEEP_BATCH = 200


def _waiting(task_path: str, before: dt.datetime | None = None) -> bool:
    """Whether a task of ``task_path`` is enqueued and not started (database backend)."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    rows = DBTaskResult.objects.filter(task_path=task_path, status=TaskResultStatus.READY)
    if before is not None:
        # A task enqueued without run_after is stored with the largest date: it runs now.
        rows = rows.filter(Q(run_after__lte=before) | Q(run_after=get_date_max()))
    return rows.exists()


def enqueue_send_package(package_id: int, at: dt.datetime | None = None) -> None:
    send_package.using(run_after=at).enqueue(package_id)
    ensure_schedule()


def enqueue_send_status(status_id: int, at: dt.datetime | None = None) -> None:
    send_status.using(run_after=at).enqueue(status_id)


def request_pull() -> bool:
    """Enqueue a pull now unless one is already waiting to start (a burst of pushes makes
    one pull). Returns whether one was enqueued."""
    if _waiting(pull_inbox.module_path, before=timezone.now() + dt.timedelta(seconds=1)):
        return False
    pull_inbox.enqueue()
    return True


def ensure_schedule() -> None:
    """Start the schedule's chain of ticks unless a tick is waiting."""
    if actions.connection() is None or _waiting(exchange_tick.module_path):
        return
    exchange_tick.enqueue()


@task()
def send_package(package_id: int) -> bool:
    attempt = actions.do_send_package(package_id)
    if attempt.retry_at is not None:
        enqueue_send_package(package_id, attempt.retry_at)
    return attempt.sent


@task()
def send_status(status_id: int) -> bool:
    attempt = actions.do_send_status(status_id)
    if attempt.retry_at is not None:
        enqueue_send_status(status_id, attempt.retry_at)
    return attempt.sent


@task()
def pull_inbox() -> int:
    """Returns how many packages and statuses were stored (0 if the hub did not answer:
    the schedule tries again)."""
    try:
        pulled = actions.do_pull()
    except HubError as exc:
        log.warning("pulling the hub's inbox failed: %s", exc)
        return 0
    return pulled.stored + pulled.statuses


def sweep() -> int:
    """Send what is due and has waited past ``LOST_AFTER_SECONDS`` (its task was lost)."""
    from .models import Delivery, OutboundPackage, OutboundStatus

    limit = timezone.now() - dt.timedelta(seconds=LOST_AFTER_SECONDS)
    count = 0
    for package_id in OutboundPackage.objects.filter(
            state=Delivery.PENDING, next_attempt_at__lte=limit
    ).values_list("pk", flat=True)[:SWEEP_BATCH]:
        send_package.call(package_id)
        count += 1
    for status_id in OutboundStatus.objects.filter(
            state=Delivery.PENDING, next_attempt_at__lte=limit
    ).values_list("pk", flat=True)[:SWEEP_BATCH]:
        send_status.call(status_id)
        count += 1
    return count


@task()
def exchange_tick() -> int:
    conn = actions.connection()
    if conn is None:
        return 0
    try:
        stored = pull_inbox.call()
        swept = sweep()
    finally:
        if not _waiting(exchange_tick.module_path):
            exchange_tick.using(run_after=timezone.now() + dt.timedelta(
                seconds=conn.pull_interval_seconds)).enqueue()
    return stored + swept
