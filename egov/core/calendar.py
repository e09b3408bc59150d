"""The working-day calendar: the one place that knows weekends, Tết and swapped days.

Public holidays come from the ``holidays`` library (Việt Nam: Tết Dương lịch, Tết
Nguyên Đán, Giỗ Tổ Hùng Vương, 30/4, 1/5, Quốc khánh, Ngày Văn hóa Việt Nam from 2026,
and the days off and make-up Saturdays it knows); an administrator's changes for a given
date (``CalendarDay``) win over it. State agencies work Monday to Friday.

"N working days after a moment" follows the usual reading of the Civil Code (art.
147–148): counting starts on the working day after the moment, so the deadline is the
N-th working day after it; a procedure may set a cut-off time after which a receipt
counts as received on the next working day.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

import holidays
from django.utils import timezone, translation
from django.utils.translation import gettext as _

CACHE_SECONDS = 60.0
ONE_DAY = dt.timedelta(days=1)

# The interface languages and the holidays library's names for them.
_HOLIDAY_LANGUAGES = {"vi": "vi", "en": "en_US"}


@dataclass(frozen=True)
class _Overrides:
    days_off: frozenset[dt.date]
    working_days: frozenset[dt.date]
    notes: dict[dt.date, str]
    loaded_at: float


_lock = threading.Lock()
_overrides: dict[int, _Overrides] = {}


@lru_cache(maxsize=128)
def _public_holidays(year: int, language: str = "vi") -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year, language=language)


def _holiday_language() -> str:
    current = (translation.get_language() or "vi").split("-")[0]
    return _HOLIDAY_LANGUAGES.get(current, "vi")


def clear_cache() -> None:
    """Forget the administrator's changes (called on commit of a calendar action; other
    processes reload within CACHE_SECONDS)."""
    with _lock:
        _overrides.clear()


def _year_overrides(year: int) -> _Overrides:
    """The administrator's changes for ``year``. The whole (small: a few rows a year)
    table is read in one query and kept for CACHE_SECONDS, so a request costs at most
    one calendar query whatever years its deadlines span."""
    now = time.monotonic()
    with _lock:
        cached = _overrides.get(year)
        if _overrides and now - next(iter(_overrides.values())).loaded_at < CACHE_SECONDS:
            return cached or _Overrides(frozenset(), frozenset(), {}, now)
    from .models import CalendarDay

    by_year: dict[int, list[tuple[dt.date, bool, str]]] = {}
    for day, working, note in CalendarDay.objects.values_list("date", "is_working_day", "note"):
        by_year.setdefault(day.year, []).append((day, working, note))
    loaded = {
        y: _Overrides(
            days_off=frozenset(d for d, working, _note in rows if not working),
            working_days=frozenset(d for d, working, _note in rows if working),
            notes={d: note for d, _working, note in rows},
            loaded_at=now,
        )
        for y, rows in by_year.items()
    }
    # A marker entry keeps the load time even when the table is empty.
    loaded.setdefault(-1, _Overrides(frozenset(), frozenset(), {}, now))
    with _lock:
        _overrides.clear()
        _overrides.update(loaded)
    return loaded.get(year) or _Overrides(frozenset(), frozenset(), {}, now)


def _law_says_working(day: dt.date) -> bool:
    """What the law and the Government's decisions (as the library knows them) say."""
    public = _public_holidays(day.year)
    if day in public.weekend_workdays:
        return True
    return day.weekday() < 5 and day not in public


def is_working_day(day: dt.date) -> bool:
    overrides = _year_overrides(day.year)
    if day in overrides.working_days:
        return True
    if day in overrides.days_off:
        return False
    return _law_says_working(day)


def holiday_name(day: dt.date) -> str | None:
    """The public holiday's name on this date, in the active language, or None."""
    name = _public_holidays(day.year, _holiday_language()).get(day)
    return str(name) if name else None


def _weekend_name(day: dt.date) -> str:
    return _("Saturday") if day.weekday() == 5 else _("Sunday")


def day_off_reason(day: dt.date) -> str | None:
    """Why a day is not a working day (note, holiday name, or weekend); None if it is."""
    if is_working_day(day):
        return None
    overrides = _year_overrides(day.year)
    if day in overrides.days_off:
        return overrides.notes.get(day) or _("Day off")
    return holiday_name(day) or _weekend_name(day)


def _receipt_day(moment: dt.date | dt.datetime, cutoff: dt.time | None) -> dt.date:
    """The day a moment counts as: received after the cut-off, the next working day."""
    if not isinstance(moment, dt.datetime):
        return moment
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    day = local.date()
    if cutoff is not None and local.time() > cutoff:
        day += ONE_DAY
        while not is_working_day(day):
            day += ONE_DAY
    return day


def add_working_days(
    moment: dt.date | dt.datetime, days: int, *, cutoff: dt.time | None = None
) -> dt.date:
    """The date that is ``days`` working days after ``moment``.

    ``days == 0`` gives the moment's own date if it is a working day, else the next one.
    Negative ``days`` count backwards (the N-th working day before).
    """
    day = _receipt_day(moment, cutoff)
    if days == 0:
        while not is_working_day(day):
            day += ONE_DAY
        return day
    step = ONE_DAY if days > 0 else -ONE_DAY
    remaining = abs(days)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days one steps onto going from ``start`` to ``end``: the working
    days in (start, end] forwards, minus those in [end, start) backwards.

    So ``working_days_between(d, add_working_days(d, n)) == n`` for every n other than 0,
    in both directions; a deadline yesterday (a working day) is -1 today.
    """
    if end == start:
        return 0
    if end < start:
        count = 0
        day = end
        while day < start:
            if is_working_day(day):
                count += 1
            day += ONE_DAY
        return -count
    count = 0
    day = start
    while day < end:
        day += ONE_DAY
        if is_working_day(day):
            count += 1
    return count


@dataclass(frozen=True)
class CalendarEntry:
    """A date worth showing on the calendar page: a weekday off, a worked weekend day, a
    public holiday that falls on a weekend, or a date an administrator changed."""

    date: dt.date
    is_working_day: bool
    name: str
    changed: bool  # an administrator's change (CalendarDay), which can be removed

    @property
    def is_weekend(self) -> bool:
        return self.date.weekday() >= 5


def year_entries(year: int) -> list[CalendarEntry]:
    """The calendar page's list for a year, in date order."""
    overrides = _year_overrides(year)
    changed = overrides.days_off | overrides.working_days
    result: list[CalendarEntry] = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        working = is_working_day(day)
        weekend = day.weekday() >= 5
        if day in changed:
            default = _("Make-up working day") if working else _("Day off")
            name = overrides.notes.get(day) or default
            result.append(CalendarEntry(day, working, name, changed=True))
        elif weekend and working:
            result.append(CalendarEntry(day, True, _("Make-up working day"), changed=False))
        elif not working and (not weekend or holiday_name(day)):
            result.append(CalendarEntry(day, False, day_off_reason(day) or "", changed=False))
        day += ONE_DAY
    return result


def days_off(year: int) -> list[tuple[dt.date, str]]:
    """Every weekday of the year that is not worked, and every worked weekend day
    (marked), for lists."""
    return [(e.date, e.name) for e in year_entries(year)
            if e.is_weekend == e.is_working_day]


def upcoming_days_off(today: dt.date, limit: int = 3) -> list[tuple[dt.date, str]]:
    """The next weekdays off (holidays, swapped days, administrators' days off) from
    today, within a year. Ordinary weekends are not listed."""
    found: list[tuple[dt.date, str]] = []
    day = today
    end = today + dt.timedelta(days=366)
    # The window always reaches into next year: load both years' changes up front, so
    # the cost is the same whatever the date.
    _year_overrides(today.year)
    _year_overrides(end.year)
    while day <= end and len(found) < limit:
        if day.weekday() < 5 and not is_working_day(day):
            found.append((day, day_off_reason(day) or ""))
        day += ONE_DAY
    return found


def working_days_in_year(year: int) -> int:
    """How many working days the year has."""
    day = dt.date(year, 1, 1)
    count = 0
    while day.year == year:
        count += is_working_day(day)
        day += ONE_DAY
    return count
