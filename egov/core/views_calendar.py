"""The working-day calendar page: a year's days off and worked weekend days, the
administrators' changes (through the actions), and a deadline calculator."""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from . import actions, calendar
from .models import CalendarDay, User

# Dates are typed day/month/year, as Vietnamese write them. A native date field would
# show the operating system's format instead (02/12/2026 is 12 February on an American
# system and 2 December to its reader). ISO dates (from links) are accepted too.
DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
MIN_YEAR = 2000
MAX_YEAR = 2100
CUTOFF = dt.time(15, 0)


def _check_year(value: dt.date) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(
            _("Choose a date between %(first)d and %(last)d.")
            % {"first": MIN_YEAR, "last": MAX_YEAR})


class CalendarDayForm(forms.Form):
    """An administrator makes a date a day off or a (make-up) working day."""

    DAY_OFF = "day_off"
    WORKING_DAY = "working_day"

    date = forms.DateField(label=gettext_lazy("Date"), input_formats=DATE_FORMATS,
                           validators=[_check_year])
    kind = forms.ChoiceField(
        label=gettext_lazy("Change"),
        choices=[(DAY_OFF, gettext_lazy("Day off")),
                 (WORKING_DAY, gettext_lazy("Make-up working day"))],
        widget=forms.RadioSelect)
    note = forms.CharField(
        label=gettext_lazy("Reason"), max_length=200,
        help_text=gettext_lazy("Shown on the calendar, e.g. “Nghỉ bù Quốc khánh” or "
                               "“Làm bù cho ngày 31/8”."))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        day: dt.date | None = cleaned.get("date")
        kind = cleaned.get("kind")
        if day is None or kind is None:
            return cleaned
        wanted_working = kind == self.WORKING_DAY
        already_changed = CalendarDay.objects.filter(date=day).exists()
        if not already_changed and calendar.is_working_day(day) == wanted_working:
            shown = date_format(day, "l d/m/Y")
            if wanted_working:
                message = _("%(date)s is already a working day.") % {"date": shown}
            else:
                message = _("%(date)s is already a day off (%(reason)s).") % {
                    "date": shown, "reason": calendar.day_off_reason(day)}
            self.add_error("date", message)
        return cleaned


class DeadlineForm(forms.Form):
    """From a date and N working days, the deadline."""

    start = forms.DateField(label=gettext_lazy("Received on"), input_formats=DATE_FORMATS,
                            validators=[_check_year])
    days = forms.IntegerField(
        label=gettext_lazy("Working days"), min_value=1, max_value=1000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    after_cutoff = forms.BooleanField(
        label=gettext_lazy("Received after 15:00 (counts from the next working day)"),
        required=False)


@dataclass
class Deadline:
    start: dt.date
    received: dt.date  # the day the receipt counts as (after the cut-off: the next one)
    days: int
    due: dt.date
    days_off: list[tuple[dt.date, str]]


def _deadline(form: DeadlineForm) -> Deadline:
    start: dt.date = form.cleaned_data["start"]
    days: int = form.cleaned_data["days"]
    moment: dt.date | dt.datetime = start
    if form.cleaned_data["after_cutoff"]:
        moment = timezone.make_aware(dt.datetime.combine(start, dt.time(16, 0)))
    received = calendar.add_working_days(moment, 0, cutoff=CUTOFF) \
        if form.cleaned_data["after_cutoff"] else start
    due = calendar.add_working_days(moment, days, cutoff=CUTOFF)
    skipped = []
    day = start + dt.timedelta(days=1)
    while day < due:
        if day.weekday() < 5 and not calendar.is_working_day(day):
            skipped.append((day, calendar.day_off_reason(day) or ""))
        day += dt.timedelta(days=1)
    return Deadline(start=start, received=received, days=days, due=due,
                    days_off=skipped)


@dataclass
class MonthCell:
    date: dt.date | None
    working: bool = True
    changed: bool = False
    name: str = ""


def _months(year: int, entries: list[calendar.CalendarEntry]) -> list[dict[str, Any]]:
    """Twelve month grids (weeks of Monday..Sunday cells) for the year view."""
    by_date = {entry.date: entry for entry in entries}
    months = []
    grid = stdlib_calendar.Calendar(firstweekday=0)
    for month in range(1, 13):
        weeks = []
        for week in grid.monthdatescalendar(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append(MonthCell(None))
                    continue
                entry = by_date.get(day)
                working = entry.is_working_day if entry else day.weekday() < 5
                cells.append(MonthCell(day, working=working,
                                       changed=bool(entry and entry.changed),
                                       name=entry.name if entry else ""))
            weeks.append(cells)
        months.append({"first": dt.date(year, month, 1), "weeks": weeks})
    return months


def _year_from(request: HttpRequest) -> tuple[int, str | None]:
    today = timezone.localdate()
    raw = request.GET.get("year")
    if raw is None or raw == "":
        return today.year, None
    try:
        year = int(raw)
    except ValueError:
        year = 0
    if MIN_YEAR <= year <= MAX_YEAR:
        return year, None
    return today.year, _("“%(value)s” is not a year between %(first)d and %(last)d; "
                         "showing %(year)d.") % {"value": raw, "first": MIN_YEAR,
                                                 "last": MAX_YEAR, "year": today.year}


def _can_change(user: Any) -> bool:
    return bool(user.has_perm("core.change_calendarday"))


def _page(request: HttpRequest, *, year: int, change_form: CalendarDayForm | None = None,
          status: int = 200, year_error: str | None = None) -> HttpResponse:
    entries = calendar.year_entries(year)
    deadline_form = DeadlineForm(request.GET if "days" in request.GET else None)
    deadline = _deadline(deadline_form) if deadline_form.is_bound and \
        deadline_form.is_valid() else None
    can_change = _can_change(request.user)
    if can_change and change_form is None:
        change_form = CalendarDayForm(initial={"kind": CalendarDayForm.DAY_OFF})
    context = {
        "year": year,
        "previous_year": year - 1 if year > MIN_YEAR else None,
        "next_year": year + 1 if year < MAX_YEAR else None,
        "entries": entries,
        "months": _months(year, entries),
        "working_days": calendar.working_days_in_year(year),
        "days_off_count": sum(1 for e in entries if not e.is_working_day and not e.is_weekend),
        "can_change": can_change,
        "can_remove": can_change and request.user.has_perm("core.delete_calendarday"),
        "change_form": change_form,
        "deadline_form": deadline_form,
        "deadline": deadline,
        "year_error": year_error,
        "today": timezone.localdate(),
    }
    return render(request, "core/calendar.html", context, status=status)


@login_required
@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    year, error = _year_from(request)
    return _page(request, year=year, year_error=error)


def _back(year: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('core:calendar')}?year={year}")


@login_required
@require_POST
def calendar_change(request: HttpRequest) -> HttpResponse:
    if not _can_change(request.user):
        raise PermissionDenied
    form = CalendarDayForm(request.POST)
    if not form.is_valid():
        day = form.cleaned_data.get("date")
        year = day.year if day else timezone.localdate().year
        return _page(request, year=year, change_form=form, status=400)
    day = form.cleaned_data["date"]
    user = request.user
    assert isinstance(user, User)
    try:
        actions.do_set_calendar_day(
            acting_user=user, date=day,
            is_working_day=form.cleaned_data["kind"] == CalendarDayForm.WORKING_DAY,
            note=form.cleaned_data["note"])
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _page(request, year=day.year, change_form=form, status=400)
    messages.success(request, _("%(date)s: %(note)s — saved.") % {
        "date": date_format(day, "l d/m/Y"), "note": form.cleaned_data["note"]})
    return _back(day.year)


@login_required
@require_POST
def calendar_remove(request: HttpRequest, date: str) -> HttpResponse:
    if not request.user.has_perm("core.delete_calendarday"):
        raise PermissionDenied
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        day = None
    if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
        messages.error(request, _("“%(value)s” is not a date.") % {"value": date})
        return _back(timezone.localdate().year)
    user = request.user
    assert isinstance(user, User)
    try:
        actions.do_clear_calendar_day(acting_user=user, date=day)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(day.year)
    messages.success(request, _("%(date)s follows the law's calendar again.") % {
        "date": date_format(day, "l d/m/Y")})
    return _back(day.year)


urlpatterns: list[URLPattern | URLResolver] = [
    path("calendar/", calendar_page, name="calendar"),
    path("calendar/change/", calendar_change, name="calendar_change"),
    path("calendar/<str:date>/remove/", calendar_remove, name="calendar_remove"),
]
