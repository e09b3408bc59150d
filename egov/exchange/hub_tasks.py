"""Background work of the hub: push notifications to systems that registered a URL.

After a commit that put items in a system's inbox, ``request_push`` enqueues
``push_notify``, which POSTs ``{"new": N}`` (N = items waiting in the inbox) to the
system's ``push_url``. A failure is recorded (``HubPushFailure``) and the task enqueues
itself again after 1, 2, 4, 8, 16, 32 then 60 s, giving up after ``PUSH_MAX_ATTEMPTS``
tries: a system always finds its items by pulling, push only makes it sooner.

A busy hub accepts many packages a second for the same system; one notification covers
them all. ``HubSystem.push_due_at`` says when the push already enqueued for a system will
run; a commit claims it with one conditional UPDATE, so among all the web processes only
the first commit after a push has started enqueues the next one (``PUSH_DELAY_SECONDS``
later) and the rest find it claimed. The task clears the claim before it counts: a package
committed after that enqueues a new push, one committed before it is counted. While a
failed push waits for its retry, the claim stands until the retry, which counts everything.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Iterable

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks import task

PUSH_DELAY_SECONDS = 0.1
PUSH_TIMEOUT_SECONDS = 5.0
PUSH_MAX_ATTEMPTS = 10
PUSH_MAX_BACKOFF_SECONDS = 60.0

def backoff(attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1, 2, 4 … 60)."""
    return min(PUSH_MAX_BACKOFF_SECONDS, float(2 ** min(attempt - 1, 16)))


@functools.cache
def _claim_sql() -> str:
    from .models import HubSystem

    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {due} = %s WHERE {} = %s AND ({due} IS NULL OR {due} < %s)"
    return sql.format(quote(HubSystem._meta.db_table), quote("id"),  # table and column names only
                      due=quote("push_due_at"))


def request_push(system_ids: Iterable[int]) -> None:
    """Enqueue a push for each system unless one is already due (runs on commit). The claim
    runs after every package: plain SQL, which the ORM took ten times as long to build as
    the database to run."""
    delay = float(getattr(settings, "EGOV_HUB_PUSH_DELAY_SECONDS", PUSH_DELAY_SECONDS))
    now = timezone.now()
    due = now + dt.timedelta(seconds=delay)
    adapt = connection.ops.adapt_datetimefield_value
    for system_id in system_ids:
        with connection.cursor() as cursor:
            cursor.execute(_claim_sql(), [adapt(due), system_id, adapt(now)])
            claimed = cursor.rowcount
        if claimed:
            push_notify.using(run_after=due).enqueue(system_id, 1)


def _post(url: str, body: bytes) -> None:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=body, method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "egov-hub/1"})
    with urllib.request.urlopen(request, timeout=PUSH_TIMEOUT_SECONDS) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise urllib.error.HTTPError(url, response.status, response.reason,
                                         response.headers, None)


@task()
def push_notify(system_id: int, attempt: int = 1) -> int:
    """Tell a system how many items wait in its inbox; returns that number (0: nothing
    to say, or the call failed)."""
    from . import hub_actions
    from .models import HubDelivery, HubPushFailure, HubSystem

    HubSystem.objects.filter(pk=system_id).update(push_due_at=None)
    url = HubSystem.objects.filter(pk=system_id, is_active=True).values_list(
        "push_url", flat=True).first()
    if not url:
        return 0
    waiting = HubDelivery.objects.filter(system_id=system_id, acked_at__isnull=True).count()
    if not waiting:
        return 0
    try:
        _post(url, json.dumps({"new": waiting}).encode())
    except (OSError, ValueError, http.client.HTTPException) as exc:
        final = attempt >= PUSH_MAX_ATTEMPTS
        failure = HubPushFailure.objects.create(
            system_id=system_id, url=url, attempt=attempt,
            error=(str(exc) or type(exc).__name__)[:1000], gave_up=final)
        hub_actions.keep_newest(HubPushFailure, failure.pk)
        if not final:
            retry = timezone.now() + dt.timedelta(seconds=backoff(attempt))
            HubSystem.objects.filter(pk=system_id).update(push_due_at=retry)
            push_notify.using(run_after=retry).enqueue(system_id, attempt + 1)
        return 0
    HubSystem.objects.filter(pk=system_id).update(last_pushed_at=timezone.now())
    return waiting
