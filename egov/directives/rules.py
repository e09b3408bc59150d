"""Pure rules of task follow-up: deadlines of the three kinds. No database here (the
working-day calendar is passed in as a function)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from .models import DeadlineKind, Period

MAX_OCCURRENCES = 60


def period_end(start: dt.date, period: str, index: int) -> dt.date:
    """The last day of the ``index``-th (1-based) month or quarter from ``start``'s."""
    months = 1 if period == Period.MONTHLY else 3
    first_month = (start.month - 1) // 3 * 3 + 1 if period == Period.QUARTERLY \
        else start.month
    month0 = start.year * 12 + first_month - 1 + (index + 1) * months  # the month after it
    year, month = divmod(month0, 12)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def deadlines(*, kind: str, source_date: dt.date, deadline: dt.date | None,
              working_days: int | None, period: str, until: dt.date | None,
              add_working_days: Callable[[dt.date, int], dt.date]) -> list[dt.date]:
    """The deadline of each occurrence: one for a date or working days, one per period
    (up to ``until``) for a periodic task."""
    if kind == DeadlineKind.DATE:
        return [deadline] if deadline else []
    if kind == DeadlineKind.WORKING_DAYS:
        return [add_working_days(source_date, working_days)] if working_days else []
    if kind == DeadlineKind.PERIODIC and period in Period.values and until:
        result = []
        index = 1
        while index <= MAX_OCCURRENCES:
            end = period_end(source_date, period, index - 1)
            if end > until:
                break
            if end >= source_date:
                result.append(end)
            index += 1
        return result
    return []
