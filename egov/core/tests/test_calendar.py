"""The working-day calendar (egov/core/calendar.py) and its page (/core/calendar/)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django import DjangoCaptureOnCommitCallbacks

from egov.core import actions, calendar
from egov.core.models import AuditEntry, CalendarDay, User

D = dt.date
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calendar_cache() -> Iterator[None]:
    """Each test starts and ends with an empty cache of administrators' changes (a test's
    rolled-back changes must not leak into the next test through the cache)."""
    calendar.clear_cache()
    yield
    calendar.clear_cache()


def off(*days: dt.date) -> list[bool]:
    return [calendar.is_working_day(d) for d in days]


# --- what the law gives (through the holidays library) ------------------------------

def test_tet_2024_thursday_8_to_wednesday_14_february() -> None:
    assert off(D(2024, 2, 8), D(2024, 2, 9), D(2024, 2, 12), D(2024, 2, 13),
               D(2024, 2, 14)) == [False] * 5
    assert calendar.is_working_day(D(2024, 2, 7))
    assert calendar.is_working_day(D(2024, 2, 15))


def test_tet_2025_monday_27_to_friday_31_january() -> None:
    assert off(*(D(2025, 1, d) for d in range(27, 32))) == [False] * 5
    assert calendar.is_working_day(D(2025, 1, 24))
    assert calendar.is_working_day(D(2025, 2, 3))


def test_tet_2026_monday_16_to_friday_20_february() -> None:
    assert off(*(D(2026, 2, d) for d in range(16, 21))) == [False] * 5
    assert calendar.is_working_day(D(2026, 2, 13))
    assert calendar.is_working_day(D(2026, 2, 23))
    with translation.override("vi"):
        assert calendar.day_off_reason(D(2026, 2, 17)) == "Tết Nguyên Đán"
    with translation.override("en"):
        assert calendar.day_off_reason(D(2026, 2, 17)) == "Lunar New Year"


def test_30_april_1_may_2025_with_the_swap_of_saturday_26_april() -> None:
    assert off(D(2025, 4, 30), D(2025, 5, 1), D(2025, 5, 2)) == [False] * 3
    assert calendar.is_working_day(D(2025, 4, 26))  # a Saturday, worked
    assert D(2025, 4, 26).weekday() == 5
    assert calendar.is_working_day(D(2025, 5, 5))


def test_30_april_1_may_2024_with_the_swap_of_saturday_4_may() -> None:
    assert off(D(2024, 4, 29), D(2024, 4, 30), D(2024, 5, 1)) == [False] * 3
    assert calendar.is_working_day(D(2024, 5, 4))  # Saturday, worked


def test_national_day_and_the_adjacent_day() -> None:
    assert off(D(2024, 9, 2), D(2024, 9, 3)) == [False, False]
    assert off(D(2025, 9, 1), D(2025, 9, 2)) == [False, False]
    # 2026: 1–2 September, and Monday 31 August off for Saturday 22 August worked.
    assert off(D(2026, 8, 31), D(2026, 9, 1), D(2026, 9, 2)) == [False] * 3
    assert calendar.is_working_day(D(2026, 8, 22))
    assert calendar.is_working_day(D(2026, 9, 3))


def test_hung_kings_day() -> None:
    assert not calendar.is_working_day(D(2024, 4, 18))
    assert not calendar.is_working_day(D(2025, 4, 7))
    # 2026: 10/3 âm lịch is Sunday 26 April; the day off moves to Monday 27 April.
    assert not calendar.is_working_day(D(2026, 4, 27))
    with translation.override("vi"):
        assert calendar.day_off_reason(D(2026, 4, 26)) == "Ngày Giỗ Tổ Hùng Vương"


def test_vietnamese_culture_day_from_2026_only() -> None:
    assert not calendar.is_working_day(D(2026, 11, 24))
    assert calendar.is_working_day(D(2025, 11, 24))
    with translation.override("vi"):
        assert calendar.day_off_reason(D(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"


def test_weekends_and_new_year() -> None:
    assert not calendar.is_working_day(D(2026, 3, 14))  # Saturday
    assert not calendar.is_working_day(D(2026, 3, 15))  # Sunday
    assert calendar.is_working_day(D(2026, 3, 16))
    assert not calendar.is_working_day(D(2026, 1, 1))
    with translation.override("en"):
        assert calendar.day_off_reason(D(2026, 3, 14)) == "Saturday"
        assert calendar.day_off_reason(D(2026, 3, 16)) is None


def test_2026_has_249_working_days() -> None:
    # 261 weekdays, 13 of them off (1/1, 16–20/2, 27/4, 30/4, 1/5, 31/8, 1–2/9, 24/11),
    # and Saturday 22/8 worked.
    assert calendar.working_days_in_year(2026) == 249


def test_year_entries_list_weekdays_off_worked_weekends_and_weekend_holidays() -> None:
    with translation.override("vi"):
        entries = {e.date: e for e in calendar.year_entries(2026)}
    assert entries[D(2026, 2, 16)].name == "Giao thừa Tết Nguyên Đán"
    assert entries[D(2026, 8, 22)].is_working_day and entries[D(2026, 8, 22)].is_weekend
    assert entries[D(2026, 4, 26)].name == "Ngày Giỗ Tổ Hùng Vương"  # a Sunday: shown
    assert D(2026, 3, 14) not in entries  # an ordinary Saturday: not listed
    assert not any(e.changed for e in entries.values())
    assert (D(2026, 8, 22), "Ngày làm bù") in calendar.days_off(2026)


def test_upcoming_days_off_skip_ordinary_weekends() -> None:
    found = calendar.upcoming_days_off(D(2026, 11, 20), limit=2)
    assert [day for day, _name in found] == [D(2026, 11, 24), D(2027, 1, 1)]


# --- administrators' changes ----------------------------------------------------------

@pytest.fixture
def admin(admin_user: User) -> User:
    return admin_user


def test_changes_win_over_the_library_and_clear_the_cache_on_commit(
    admin: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    capture = django_capture_on_commit_callbacks
    assert calendar.is_working_day(D(2026, 3, 10))  # cached now
    with capture(execute=False) as callbacks:
        actions.do_set_calendar_day(acting_user=admin, date=D(2026, 3, 10),
                                    is_working_day=False, note="Nghỉ bù thử")
    # Not committed yet: this process still answers from its cache.
    assert calendar.is_working_day(D(2026, 3, 10))
    assert calendar.clear_cache in callbacks
    for callback in callbacks:
        callback()
    assert not calendar.is_working_day(D(2026, 3, 10))
    assert calendar.day_off_reason(D(2026, 3, 10)) == "Nghỉ bù thử"

    with capture(execute=True):
        actions.do_set_calendar_day(acting_user=admin, date=D(2026, 2, 17),
                                    is_working_day=True, note="Làm việc trực Tết")
        actions.do_set_calendar_day(acting_user=admin, date=D(2026, 3, 14),
                                    is_working_day=True, note="Làm bù")
    assert calendar.is_working_day(D(2026, 2, 17))  # Tết in the library, worked here
    assert calendar.is_working_day(D(2026, 3, 14))  # a Saturday, worked

    with capture(execute=True):
        actions.do_clear_calendar_day(acting_user=admin, date=D(2026, 2, 17))
    assert not calendar.is_working_day(D(2026, 2, 17))  # back to the library
    assert AuditEntry.objects.filter(action="core.clear_calendar_day").count() == 1


def test_changing_the_calendar_needs_the_right(clerk: User) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_set_calendar_day(acting_user=clerk, date=D(2026, 3, 10),
                                    is_working_day=False)
    assert not CalendarDay.objects.exists()


def test_clearing_a_date_without_a_change_is_refused(admin: User) -> None:
    with pytest.raises(ValidationError) as info:
        actions.do_clear_calendar_day(acting_user=admin, date=D(2026, 3, 10))
    assert "date" in info.value.message_dict


# --- counting working days ---------------------------------------------------------------

def test_add_working_days_across_tet() -> None:
    assert calendar.add_working_days(D(2026, 2, 12), 1) == D(2026, 2, 13)
    assert calendar.add_working_days(D(2026, 2, 12), 2) == D(2026, 2, 23)
    assert calendar.add_working_days(D(2025, 1, 24), 1) == D(2025, 2, 3)
    assert calendar.add_working_days(D(2024, 2, 7), 1) == D(2024, 2, 15)
    assert calendar.add_working_days(D(2026, 2, 23), -1) == D(2026, 2, 13)
    assert calendar.working_days_between(D(2026, 2, 13), D(2026, 2, 23)) == 1
    assert calendar.working_days_between(D(2026, 2, 1), D(2026, 3, 1)) == 15


def test_add_working_days_across_year_ends() -> None:
    assert calendar.add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 2)
    assert calendar.add_working_days(D(2026, 12, 30), 2) == D(2027, 1, 4)
    assert calendar.working_days_between(D(2026, 12, 30), D(2027, 1, 4)) == 2
    assert calendar.working_days_between(D(2027, 1, 4), D(2026, 12, 30)) == -2


def test_zero_days_is_the_day_itself_or_the_next_working_day() -> None:
    assert calendar.add_working_days(D(2026, 3, 16), 0) == D(2026, 3, 16)
    assert calendar.add_working_days(D(2026, 2, 14), 0) == D(2026, 2, 23)


def test_working_days_between_counts_a_past_deadline_as_negative() -> None:
    # Deadline Friday 13 March, today Saturday 14: one working day late.
    assert calendar.working_days_between(D(2026, 3, 14), D(2026, 3, 13)) == -1
    assert calendar.working_days_between(D(2026, 3, 16), D(2026, 3, 16)) == 0


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=st.dates(min_value=D(2023, 1, 1), max_value=D(2028, 12, 31)),
       n=st.integers(min_value=-300, max_value=300).filter(bool))
def test_between_inverts_add(day: dt.date, n: int) -> None:
    due = calendar.add_working_days(day, n)
    assert calendar.is_working_day(due)
    assert calendar.working_days_between(day, due) == n


# --- the cut-off time -----------------------------------------------------------------------

def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=HANOI)


def test_received_after_the_cutoff_counts_from_the_next_working_day() -> None:
    cutoff = dt.time(15, 0)
    friday = D(2026, 3, 13)
    assert calendar.add_working_days(at(friday, 14, 59), 1, cutoff=cutoff) == D(2026, 3, 16)
    assert calendar.add_working_days(at(friday, 15, 0), 1, cutoff=cutoff) == D(2026, 3, 16)
    assert calendar.add_working_days(at(friday, 15, 1), 1, cutoff=cutoff) == D(2026, 3, 17)
    assert calendar.add_working_days(at(friday, 16), 0, cutoff=cutoff) == D(2026, 3, 16)
    # Without a cut-off the hour does not matter.
    assert calendar.add_working_days(at(friday, 16), 1) == D(2026, 3, 16)
    # Friday before Tết after 15:00: counts as received on Monday 23 February.
    assert calendar.add_working_days(at(D(2026, 2, 13), 15, 30), 1,
                                     cutoff=cutoff) == D(2026, 2, 24)


def test_the_cutoff_is_read_in_vietnam_time() -> None:
    # 08:30 UTC is 15:30 in Hà Nội: after the cut-off.
    moment = dt.datetime(2026, 3, 13, 8, 30, tzinfo=dt.UTC)
    assert calendar.add_working_days(moment, 1, cutoff=dt.time(15)) == D(2026, 3, 17)


# --- the page ------------------------------------------------------------------------------

def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="egov.core.auth.PositionBackend")
    return client


def test_page_lists_the_years_days_off_in_vietnamese(clerk: User) -> None:
    response = client_for(clerk).get(reverse("core:calendar"), {"year": 2026})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lịch làm việc năm 2026" in html
    assert "Giao thừa Tết Nguyên Đán" in html
    assert "Ngày Văn hóa Việt Nam" in html
    assert "249 ngày làm việc" in html
    assert 'datetime="2026-08-22"' in html  # the worked Saturday
    # A clerk cannot change the calendar: no change form, no remove buttons.
    assert 'name="note"' not in html
    assert "calendar_change" not in html and "/core/calendar/change/" not in html


def test_page_in_english(clerk: User) -> None:
    client = client_for(clerk)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("core:calendar"), {"year": 2026}).content.decode()
    assert "Working-day calendar 2026" in html
    assert "Lunar New Year" in html and "Vietnam Cultural Day" in html


def test_a_bad_year_says_so_and_shows_this_year(clerk: User) -> None:
    html = client_for(clerk).get(reverse("core:calendar"), {"year": "20x6"}).content.decode()
    assert "“20x6” không phải là một năm" in html


def test_page_needs_sign_in() -> None:
    response = Client().get(reverse("core:calendar"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


def test_administrator_adds_a_day_off_and_removes_it(
    admin: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    client = client_for(admin)
    page = client.get(reverse("core:calendar"), {"year": 2026}).content.decode()
    assert 'name="note"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:calendar_change"), {
            "date": "2026-12-31", "kind": "day_off", "note": "Nghỉ bù cuối năm"})
    assert response.status_code == 302
    assert response["Location"].endswith("?year=2026")
    assert not calendar.is_working_day(D(2026, 12, 31))
    page = client.get(response["Location"]).content.decode()
    assert "Nghỉ bù cuối năm" in page and "do quản trị viên đặt" in page
    assert "đã lưu" in page
    entry = AuditEntry.objects.get(action="core.set_calendar_day")
    assert entry.actor_id == admin.pk

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:calendar_remove", args=["2026-12-31"]))
    assert response.status_code == 302
    assert calendar.is_working_day(D(2026, 12, 31))
    assert not CalendarDay.objects.exists()


def test_administrator_adds_a_make_up_working_saturday(admin: User) -> None:
    # Dates are typed day/month/year.
    response = client_for(admin).post(reverse("core:calendar_change"), {
        "date": "14/03/2026", "kind": "working_day", "note": "Làm bù"})
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=D(2026, 3, 14)).is_working_day


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"date": "", "kind": "day_off", "note": "x"}, "date", "This field is required"),
    ({"date": "2026-13-40", "kind": "day_off", "note": "x"}, "date", "Enter a valid date"),
    ({"date": "12/31/2026", "kind": "day_off", "note": "x"}, "date", "Enter a valid date"),
    ({"date": "2026-03-16", "kind": "day_off", "note": ""}, "note", "This field is required"),
    ({"date": "2026-03-16", "kind": "working_day", "note": "x"}, "date",
     "is already a working day"),
    ({"date": "2026-02-17", "kind": "day_off", "note": "x"}, "date",
     "is already a day off (Lunar New Year)"),
    ({"date": "1999-01-04", "kind": "day_off", "note": "x"}, "date",
     "Choose a date between 2000 and 2100"),
])
def test_bad_changes_get_a_clear_message_and_change_nothing(
    admin: User, data: dict[str, str], field: str, message: str
) -> None:
    client = client_for(admin)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(reverse("core:calendar_change"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert field in response.context["change_form"].errors
    assert not CalendarDay.objects.exists()
    assert not AuditEntry.objects.filter(action="core.set_calendar_day").exists()


def test_officials_without_the_right_get_403(clerk: User) -> None:
    client = client_for(clerk)
    response = client.post(reverse("core:calendar_change"), {
        "date": "2026-12-31", "kind": "day_off", "note": "x"})
    assert response.status_code == 403
    response = client.post(reverse("core:calendar_remove", args=["2026-12-31"]))
    assert response.status_code == 403
    assert not CalendarDay.objects.exists()


def test_removing_a_date_without_a_change_says_so(admin: User) -> None:
    client = client_for(admin)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(reverse("core:calendar_remove", args=["2026-03-10"]),
                           follow=True)
    assert response.redirect_chain[-1][0].endswith("?year=2026")
    assert "There is no change on this date." in response.content.decode()
    response = client.post(reverse("core:calendar_remove", args=["2026-02-31"]),
                           follow=True)
    assert "“2026-02-31” is not a date." in response.content.decode()


def test_deadline_calculator(clerk: User) -> None:
    client = client_for(clerk)
    response = client.get(reverse("core:calendar"),
                          {"year": 2026, "start": "2026-02-12", "days": "2"})
    deadline = response.context["deadline"]
    assert deadline.due == D(2026, 2, 23)
    assert [d for d, _n in deadline.days_off] == [D(2026, 2, d) for d in range(16, 21)]
    html = response.content.decode()
    assert 'datetime="2026-02-23"' in html
    assert 'name="start" id="id_start" value="12/02/2026"' in html  # shown day/month/year

    response = client.get(reverse("core:calendar"), {
        "year": 2026, "start": "13/02/2026", "days": "1", "after_cutoff": "on"})
    assert response.context["deadline"].received == D(2026, 2, 23)
    assert response.context["deadline"].due == D(2026, 2, 24)
    assert "tính là tiếp nhận vào" in response.content.decode()


def test_deadline_calculator_rejects_bad_input(clerk: User) -> None:
    response = client_for(clerk).get(reverse("core:calendar"),
                                     {"start": "2026-02-12", "days": "0"})
    assert response.status_code == 200
    assert response.context["deadline"] is None
    assert "days" in response.context["deadline_form"].errors
