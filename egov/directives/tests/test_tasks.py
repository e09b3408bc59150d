"""Tasks: creation rules, derived status, progress, done, deadline requests, visibility."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from egov.core import calendar
from egov.core.models import AuditEntry

from .. import actions, queries, rules
from ..models import DeadlineRequest, Period, Task, TaskStatus
from .conftest import World, make_task

TODAY = dt.date(2026, 11, 24)  # a Tuesday


def statuses(today: dt.date = TODAY) -> dict[str, str]:
    return {t.content: t.status for t in queries.with_status(Task.objects.all(), today)}


def test_status_follows_from_dates_only(world: World) -> None:
    make_task(world, content="late", deadline=TODAY - dt.timedelta(days=1))
    make_task(world, content="near", deadline=calendar.add_working_days(TODAY, 3))
    make_task(world, content="far", deadline=calendar.add_working_days(TODAY, 4))
    make_task(world, content="today", deadline=TODAY)
    on_time = make_task(world, content="on time", deadline=TODAY - dt.timedelta(days=5))
    done_late = make_task(world, content="done late", deadline=TODAY - dt.timedelta(days=5))
    Task.objects.filter(pk=on_time.pk).update(done_on=TODAY - dt.timedelta(days=5))
    Task.objects.filter(pk=done_late.pk).update(done_on=TODAY - dt.timedelta(days=4))
    assert statuses() == {
        "late": TaskStatus.OVERDUE, "near": TaskStatus.NEAR_DEADLINE,
        "far": TaskStatus.IN_PROGRESS, "today": TaskStatus.NEAR_DEADLINE,
        "on time": TaskStatus.DONE_ON_TIME, "done late": TaskStatus.DONE_LATE}
    # The same task is in progress one day and overdue later, with nobody marking it.
    assert statuses(TODAY - dt.timedelta(days=30))["late"] == TaskStatus.IN_PROGRESS


def test_near_days_is_configurable(world: World, settings: object) -> None:
    make_task(world, content="x", deadline=calendar.add_working_days(TODAY, 3))
    settings.EGOV_DIRECTIVES_NEAR_DAYS = 1  # type: ignore[attr-defined]
    assert statuses()["x"] == TaskStatus.IN_PROGRESS


def test_a_task_needs_a_lead_and_a_deadline_after_its_source(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.do_create_task(acting_user=world.office_specialist, content="Nhiệm vụ",
                               lead_agency=None, source_kind="decree",
                               source_date=TODAY, product="report", deadline_kind="date",
                               deadline=TODAY - dt.timedelta(days=1))
    assert "lead_agency" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        actions.do_create_task(acting_user=world.office_specialist, content="Nhiệm vụ",
                               lead_agency=world.btc, source_kind="decree",
                               source_date=TODAY, product="report", deadline_kind="date",
                               deadline=TODAY - dt.timedelta(days=1))
    assert "24/11/2026" in exc.value.message_dict["deadline"][0]  # names the source's date
    assert not Task.objects.exists()


def test_only_the_office_assigns(world: World) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_create_task(acting_user=world.btc_leader, content="x", lead_agency=world.bxd,
                               source_kind="decree", source_date=TODAY, product="report",
                               deadline_kind="date", deadline=TODAY)


def test_working_days_and_periodic_deadlines(world: World) -> None:
    [task] = actions.do_create_task(
        acting_user=world.office_specialist, content="Trong 10 ngày làm việc",
        lead_agency=world.btc, source_kind="directive", source_date=TODAY, product="report",
        deadline_kind="working_days", working_days=10)
    assert task.deadline == calendar.add_working_days(TODAY, 10)
    made = actions.do_create_task(
        acting_user=world.office_specialist, content="Báo cáo hằng quý",
        lead_agency=world.bxd, source_kind="decree", source_date=dt.date(2026, 1, 15),
        product="report", deadline_kind="periodic", period=Period.QUARTERLY,
        until=dt.date(2026, 12, 31))
    assert [t.deadline for t in made] == [dt.date(2026, 3, 31), dt.date(2026, 6, 30),
                                         dt.date(2026, 9, 30), dt.date(2026, 12, 31)]
    assert {t.series_id for t in made[1:]} == {made[0].pk}
    assert AuditEntry.objects.filter(action="directives.create_task").count() == 5


def test_period_ends() -> None:
    assert rules.period_end(dt.date(2026, 12, 5), Period.MONTHLY, 0) == dt.date(2026, 12, 31)
    assert rules.period_end(dt.date(2026, 12, 5), Period.MONTHLY, 2) == dt.date(2027, 2, 28)
    assert rules.period_end(dt.date(2026, 5, 5), Period.QUARTERLY, 0) == dt.date(2026, 6, 30)


def test_progress_from_an_agency_not_on_the_task_is_refused(world: World) -> None:
    task = make_task(world, deadline=TODAY + dt.timedelta(days=30))
    with pytest.raises(ValidationError) as exc:
        actions.do_report_progress(task, acting_user=world.bxd_specialist, text="Đã xong",
                                   percent=50)
    assert "agency" in exc.value.message_dict
    assert not task.reports.exists()
    actions.do_report_progress(task, acting_user=world.btc_specialist,
                               text="Đã lấy ý kiến các bộ", percent=40,
                               uploads=[("bao-cao.pdf", b"%PDF-1.4\n% test\n")])
    task.refresh_from_db()
    assert task.progress == 40
    assert task.reports.get().files.get().name == "bao-cao.pdf"


def test_a_coordinator_reports_without_moving_the_lead_percentage(world: World) -> None:
    task = make_task(world, deadline=TODAY + dt.timedelta(days=30),
                     coordinating_agencies=[world.bxd])
    actions.do_report_progress(task, acting_user=world.bxd_specialist, text="Đã góp ý",
                               percent=100)
    task.refresh_from_db()
    assert task.progress == 0
    assert task in queries.visible_tasks(world.bxd_specialist)


def test_done_then_no_deadline_request(world: World) -> None:
    task = make_task(world, deadline=timezone.localdate() + dt.timedelta(days=30))
    with pytest.raises(PermissionDenied):
        actions.do_mark_done(task, acting_user=world.bxd_leader, note="x")
    actions.do_mark_done(task, acting_user=world.btc_specialist, note="Đã trình Chính phủ")
    with pytest.raises(ValidationError) as exc:
        actions.do_request_deadline(task, acting_user=world.btc_specialist,
                                    new_deadline=task.deadline + dt.timedelta(days=9),
                                    reason="Cần thêm thời gian")
    assert "task" in exc.value.message_dict
    assert not DeadlineRequest.objects.exists()
    assert queries.with_status(Task.objects.filter(pk=task.pk)).get().status == \
        TaskStatus.DONE_ON_TIME


def test_deadline_request_approved_and_refused_keep_both_dates(world: World) -> None:
    task = make_task(world, deadline=timezone.localdate() + dt.timedelta(days=3))
    old = task.deadline
    first = actions.do_request_deadline(task, acting_user=world.btc_specialist,
                                        new_deadline=old + dt.timedelta(days=30),
                                        reason="Chờ ý kiến thẩm định")
    with pytest.raises(PermissionDenied):
        actions.do_decide_deadline(first, acting_user=world.btc_leader, approve=True)
    actions.do_decide_deadline(first, acting_user=world.office_specialist, approve=False,
                               note="Không có lý do chính đáng")
    task.refresh_from_db()
    assert task.deadline == old
    second = actions.do_request_deadline(task, acting_user=world.btc_specialist,
                                         new_deadline=old + dt.timedelta(days=20),
                                         reason="Bổ sung hồ sơ")
    actions.do_decide_deadline(second, acting_user=world.office_leader, approve=True)
    task.refresh_from_db()
    assert (task.original_deadline, task.deadline) == (old, old + dt.timedelta(days=20))
    assert list(task.deadline_requests.values_list("old_deadline", "new_deadline", "decision")) \
        == [(old, old + dt.timedelta(days=30), "refused"),
            (old, old + dt.timedelta(days=20), "approved")]


def test_agencies_see_their_tasks_the_office_sees_all(world: World) -> None:
    mine = make_task(world, lead=world.btc, deadline=TODAY)
    other = make_task(world, lead=world.bxd, deadline=TODAY)
    assert list(queries.visible_tasks(world.btc_specialist)) == [mine]
    assert set(queries.visible_tasks(world.office_specialist)) == {mine, other}


def test_leader_assigns_inside_the_agency(world: World) -> None:
    task = make_task(world, deadline=TODAY)
    unit = world.btc_specialist.posts.get().organisation
    with pytest.raises(PermissionDenied):
        actions.do_assign_inside(task, acting_user=world.bxd_leader, unit=unit)
    with pytest.raises(ValidationError):
        actions.do_assign_inside(task, acting_user=world.btc_leader,
                                 unit=world.bxd_specialist.posts.get().organisation)
    row = actions.do_assign_inside(task, acting_user=world.btc_leader, unit=unit,
                                   user=world.btc_specialist, instruction="Chủ trì soạn thảo")
    assert row.agency_id == world.btc.pk


def test_scorecards_in_two_queries(world: World, django_assert_num_queries: object) -> None:
    make_task(world, lead=world.btc, deadline=TODAY - dt.timedelta(days=2))
    make_task(world, lead=world.btc, deadline=TODAY + dt.timedelta(days=60))
    t = make_task(world, lead=world.bxd, deadline=TODAY - dt.timedelta(days=10))
    Task.objects.filter(pk=t.pk).update(done_on=TODAY - dt.timedelta(days=11))
    calendar.add_working_days(TODAY, 3)  # warm the calendar's cache
    with django_assert_num_queries(2):  # type: ignore[operator]  # counts, then names
        cards = {c["lead_agency__name"]: c for c in queries.scorecards(Task.objects.all(), TODAY)}
    assert (cards["Bộ Tài chính"]["assigned"], cards["Bộ Tài chính"]["overdue"],
            cards["Bộ Tài chính"]["in_progress"], cards["Bộ Tài chính"]["rate"]) == (2, 1, 1, 0.0)
    assert (cards["Bộ Xây dựng"]["on_time"], cards["Bộ Xây dựng"]["rate"]) == (1, 100.0)


def test_scorecards_match_the_status_of_each_task(world: World) -> None:
    """The scorecards read three partial counts (all, done late, open by deadline) and
    derive the rest; task by task, ``with_status`` must give the same figures, for a
    mix of every status over two agencies and on several days."""
    days = (-40, -9, -5, -1, 0, 1, 2, 3, 4, 6, 30)
    for n, offset in enumerate(days):
        for lead in (world.btc, world.bxd):
            task = make_task(world, lead=lead, deadline=TODAY + dt.timedelta(days=offset),
                             content=f"{lead.pk}-{n}")
            if n % 3 == 1:  # done on time
                Task.objects.filter(pk=task.pk).update(done_on=task.deadline)
            elif n % 3 == 2 and offset < 0:  # done late
                Task.objects.filter(pk=task.pk).update(done_on=task.deadline
                                                       + dt.timedelta(days=1))
    keys = {TaskStatus.DONE_ON_TIME: "on_time", TaskStatus.DONE_LATE: "late",
            TaskStatus.OVERDUE: "overdue", TaskStatus.NEAR_DEADLINE: "near",
            TaskStatus.IN_PROGRESS: "in_progress"}
    for today in (TODAY, TODAY - dt.timedelta(days=6), TODAY + dt.timedelta(days=5)):
        expected: dict[int, dict[str, int]] = {}
        for task in queries.with_status(Task.objects.all(), today):
            card = expected.setdefault(task.lead_agency_id, dict.fromkeys(
                ["assigned", *keys.values()], 0))
            card["assigned"] += 1
            card[keys[queries.status_of(task)]] += 1
        cards = {c["lead_agency_id"]: {k: c[k] for k in ("assigned", *keys.values())}
                 for c in queries.scorecards(Task.objects.all(), today)}
        assert cards == expected, today
        listed = {t.pk for t in queries.attention(Task.objects.all(), today)}
        assert listed == {t.pk for t in queries.with_status(Task.objects.all(), today)
                          if t.status in (TaskStatus.OVERDUE, TaskStatus.NEAR_DEADLINE)}
        assert listed


@pytest.mark.parametrize("inline", [1000, 0])
def test_an_agencys_scorecards_count_what_it_leads_and_coordinates(
        world: World, inline: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """An agency's review counts its own tasks and those it coordinates, by lead agency,
    with the coordinated tasks inlined as ids or (past COORDINATED_INLINE) as a union."""
    monkeypatch.setattr(queries, "COORDINATED_INLINE", inline)
    make_task(world, lead=world.btc, deadline=TODAY - dt.timedelta(days=2))
    make_task(world, lead=world.bxd, deadline=TODAY - dt.timedelta(days=3),
              coordinating_agencies=[world.btc])
    make_task(world, lead=world.bxd, deadline=TODAY + dt.timedelta(days=30))
    cards = {c["lead_agency_id"]: (c["assigned"], c["overdue"], c["in_progress"])
             for c in queries.scorecards(queries.visible_tasks(world.btc_specialist), TODAY)}
    assert cards == {world.btc.pk: (1, 1, 0), world.bxd.pk: (1, 1, 0)}


def test_review_lists_the_worst_agencies_first(world: World) -> None:
    from .. import review

    for n in range(3):
        make_task(world, lead=world.btc, deadline=TODAY - dt.timedelta(days=n + 1),
                  content=f"btc {n}")
    make_task(world, lead=world.bxd, deadline=TODAY - dt.timedelta(days=9), content="bxd")
    data = review.build(Task.objects.all(), TODAY, limit=2)
    assert [t.content for t in data.attention] == ["btc 2", "btc 1"]  # by deadline
    assert data.attention_total == 4
    assert [name for name, _tasks in review.build(Task.objects.all(), TODAY).by_agency()] \
        == ["Bộ Tài chính", "Bộ Xây dựng"]
