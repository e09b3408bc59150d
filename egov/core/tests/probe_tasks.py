"""A task for the worker tests: each run takes the next number of its own counter series,
so a task that ran twice leaves the value 2 behind (and returns it)."""

from __future__ import annotations

import time

from django.db import transaction
from django_tasks import task

from egov.core import actions

PROBE_YEAR = 2000


@task()
def probe(n: int, pause: float = 0.02) -> int:
    time.sleep(pause)  # long enough that two workers overlap
    with transaction.atomic():
        return actions.next_number(f"probe-{n}", PROBE_YEAR)
