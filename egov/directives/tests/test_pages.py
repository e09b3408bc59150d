"""Pages of task follow-up: list, detail (404 for another agency's task), forms with
field errors, the review with a fixed query count, CSV and PDF."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from egov.core.models import Organisation

from ..models import Task
from .conftest import World, make_task


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_another_agencys_task_is_a_404(world: World) -> None:
    task = make_task(world, lead=world.bxd, deadline=timezone.localdate())
    assert _client(world.btc_specialist).get(f"/tasks/{task.pk}/").status_code == 404
    page = _client(world.bxd_specialist).get(f"/tasks/{task.pk}/")
    assert page.status_code == 200
    assert "Báo cáo tiến độ" in page.content.decode() or "Report progress" in page.content.decode()


def test_progress_form_names_the_field(world: World) -> None:
    task = make_task(world, deadline=timezone.localdate() + dt.timedelta(days=9))
    response = _client(world.btc_specialist).post(f"/tasks/{task.pk}/progress/",
                                                  {"text": "Đang làm", "percent": "140"})
    assert response.status_code == 400
    assert response.context["progress_form"].errors["percent"]
    assert not task.reports.exists()
    response = _client(world.btc_specialist).post(f"/tasks/{task.pk}/progress/",
                                                  {"text": "Đang làm", "percent": "30"})
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).progress == 30


def test_office_assigns_through_the_form(world: World) -> None:
    today = timezone.localdate()
    response = _client(world.office_specialist).post("/tasks/new/", {
        "content": "Hoàn thiện dự thảo Nghị định", "source_kind": "conclusions_notice",
        "source_date": today.isoformat(), "lead_agency": world.btc.pk, "product": "draft_decree",
        "deadline_kind": "date", "deadline": (today - dt.timedelta(days=3)).isoformat()})
    assert response.status_code == 200
    assert response.context["form"].errors["deadline"]
    assert _client(world.btc_leader).get("/tasks/new/").status_code == 403


def test_review_page_has_a_fixed_query_count(world: World, django_assert_max_num_queries: object,
                                            django_assert_num_queries: object) -> None:
    today = timezone.localdate()
    make_task(world, lead=world.btc, deadline=today - dt.timedelta(days=3))
    client = _client(world.office_specialist)
    client.get("/tasks/review/")  # warm the calendar cache and the session
    # session, user, Office check, scorecards (counts, names), listed tasks, the menu's
    # permissions (3), and no session write within the minute: the same however many
    # tasks and agencies.
    with django_assert_num_queries(9) as first:  # type: ignore[operator]
        response = client.get("/tasks/review/")
    for n in range(20):
        make_task(world, lead=world.bxd if n % 2 else world.btc,
                  deadline=today - dt.timedelta(days=n), content=f"Nhiệm vụ {n}")
    with django_assert_num_queries(len(first.captured_queries)):  # type: ignore[operator]
        response = client.get("/tasks/review/")
    body = response.content.decode()
    assert "<svg" in body and "Bộ Xây dựng" in body


def test_review_csv_and_pdf(world: World) -> None:
    make_task(world, lead=world.btc, deadline=timezone.localdate() - dt.timedelta(days=3),
              content="Rà soát thủ tục hành chính")
    client = _client(world.office_specialist)
    csv = client.get("/tasks/review.csv")
    text = csv.content.decode("utf-8-sig")
    assert "Bộ Tài chính,1,0,0,1" in text and "Rà soát thủ tục hành chính" in text
    pdf = client.get("/tasks/review.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # An agency's review covers its own tasks only.
    assert "Bộ Tài chính" not in _client(world.bxd_specialist).get(
        "/tasks/review.csv").content.decode("utf-8-sig")


def test_leader_assigns_inside_through_the_page(world: World) -> None:
    task = make_task(world, deadline=timezone.localdate() + dt.timedelta(days=9))
    unit = world.btc_specialist.posts.get().organisation
    client = _client(world.btc_leader)
    assert "assign_form" in client.get(f"/tasks/{task.pk}/").context
    response = client.post(f"/tasks/{task.pk}/assign/", {"unit": "", "user": ""})
    assert response.status_code == 400 and response.context["assign_form"].errors["unit"]
    client.post(f"/tasks/{task.pk}/assign/", {"unit": unit.pk, "instruction": "Chủ trì"})
    assert task.assignments.get().unit == unit


def test_review_scorecard_rows_are_escaped_and_localized(world: World) -> None:
    """The scorecard rows are formatted in Python (review.Review.scorecard_rows): the
    agency's name is escaped and the rate localized, as the template would."""
    today = timezone.localdate()
    for n in range(3):
        task = make_task(world, lead=world.btc, deadline=today - dt.timedelta(days=5 + n))
        if n:
            Task.objects.filter(pk=task.pk).update(done_on=task.deadline)
    Organisation.objects.filter(pk=world.btc.pk).update(name="Bộ <Tài chính> & Kho bạc")
    body = _client(world.office_specialist).get("/tasks/review/").content.decode()
    row = ('<tr><th scope="row">Bộ &lt;Tài chính&gt; &amp; Kho bạc</th><td class="num">3</td>'
           '<td class="num">2</td><td class="num">0</td><td class="num"><strong class="st '
           'st-overdue">1</strong></td><td class="num">0</td><td class="num">66,7</td></tr>')
    assert row in body
    assert "<Tài chính>" not in body
