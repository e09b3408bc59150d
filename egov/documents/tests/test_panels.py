"""Home-page panels of documents: what waits for each role, links to the filtered lists,
and a query count that does not grow with the documents."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from egov.core import calendar
from egov.documents import actions
from egov.documents.models import Document

from .conftest import PDF, Agency, register
from .test_pages_incoming import client_for, rows

pytestmark = pytest.mark.django_db


def role_panel(response: Any, title: str) -> dict[str, Any]:
    panel = {p.title: p for p in response.context["panels"]}[title]
    return {item.label: item for item in panel.items}


def draft(a: Agency, subject: str = "Báo cáo tình hình giải ngân vốn đầu tư công") -> Document:
    return actions.do_create_draft(acting_user=a.specialist, doc_type="report",
                                   subject=subject, recipients=[a.office],
                                   uploads=[("bao-cao.pdf", PDF)])


def scene(a: Agency, n: int = 0) -> dict[str, Document]:
    """A day's work: two new documents, one waiting for a leader, one assigned to the
    specialist with its deadline today, one draft under review, one awaiting approval,
    one approved waiting for issue."""
    docs = {
        "new1": register(a, symbol=f"11{n}/UBND-VP",
                         subject="Về việc lấy ý kiến dự thảo nghị định"),
        "new2": register(a, symbol=f"12{n}/UBND-VP", subject="Về việc cử cán bộ đi tập huấn"),
        "waiting": register(a, symbol=f"13{n}/UBND-VP",
                            subject="Về kế hoạch kiểm tra năm 2027"),
        "assigned": register(a, symbol=f"14{n}/UBND-VP",
                             subject="Về việc rà soát thủ tục hành chính", urgency="flash"),
    }
    actions.do_submit_for_assignment(docs["waiting"], acting_user=a.clerk)
    actions.do_assign(docs["assigned"], acting_user=a.leader, lead=a.legal,
                      deadline=timezone.localdate())
    actions.do_pass_on(docs["assigned"].assignments.get(), acting_user=a.head,
                       to_user=a.specialist)
    review, approval, issue = draft(a), draft(a, "Tờ trình phê duyệt đề án"), draft(
        a, "Quyết định ban hành quy chế làm việc")
    for d in (review, approval, issue):
        actions.do_submit_for_review(d, acting_user=a.specialist)
    for d in (approval, issue):
        actions.do_review(d, acting_user=a.head, approve=True)
    actions.do_approve(issue, acting_user=a.leader)
    docs |= {"review": review, "approval": approval, "issue": issue}
    return docs


def test_each_role_sees_what_waits_and_each_item_opens_the_filtered_list(btc: Agency) -> None:
    docs = scene(btc)
    clerk = client_for(btc.clerk)
    items = role_panel(clerk.get(reverse("web:home")), "Records clerk")
    assert {k: i.count for k, i in items.items()} == {
        "Registered today": 4, "Registered, to pass to the leaders": 2,
        "Approved, waiting for a number and issue": 1}
    assert items["Approved, waiting for a number and issue"].urgent
    assert set(rows(clerk.get(items["Registered today"].url))) == {
        docs["new1"], docs["new2"], docs["waiting"], docs["assigned"]}
    assert set(rows(clerk.get(items["Registered, to pass to the leaders"].url))) == {
        docs["new1"], docs["new2"]}
    assert rows(clerk.get(items["Approved, waiting for a number and issue"].url)) == [
        docs["issue"]]

    leader = client_for(btc.leader)
    items = role_panel(leader.get(reverse("web:home")), "Agency leader")
    assert {k: i.count for k, i in items.items()} == {
        "Waiting for assignment": 1, "Overdue": 0,
        "Near deadline (2 working days or less)": 1, "Drafts waiting for my approval": 1}
    assert items["Waiting for assignment"].urgent and not items["Overdue"].urgent
    assert rows(leader.get(items["Waiting for assignment"].url)) == [docs["waiting"]]
    assert rows(leader.get(items["Near deadline (2 working days or less)"].url)) == [
        docs["assigned"]]
    assert rows(leader.get(items["Drafts waiting for my approval"].url)) == [docs["approval"]]

    head = client_for(btc.head)
    items = role_panel(head.get(reverse("web:home")), "Unit head")
    assert {k: i.count for k, i in items.items()} == {
        "Open assignments of my unit": 1, "Drafts waiting for my review": 1}
    assert rows(head.get(items["Open assignments of my unit"].url)) == [docs["assigned"]]
    assert rows(head.get(items["Drafts waiting for my review"].url)) == [docs["review"]]

    specialist = client_for(btc.specialist)
    response = specialist.get(reverse("web:home"))
    items = role_panel(response, "Specialist")
    assert {k: i.count for k, i in items.items()} == {
        "My open assignments": 1, "of which overdue": 0, "of which near deadline": 1}
    assert items["of which near deadline"].urgent and not items["of which overdue"].urgent
    assert rows(specialist.get(items["of which near deadline"].url)) == [docs["assigned"]]
    assert rows(specialist.get(items["of which overdue"].url)) == []
    assert f'href="{items["My open assignments"].url.replace("&", "&amp;")}"' in \
        response.content.decode()


def test_nothing_waiting_keeps_the_empty_sentence(btc: Agency) -> None:
    response = client_for(btc.specialist).get(reverse("web:home"))
    assert role_panel(response, "Specialist") == {}
    assert "No documents are assigned to you yet." in response.content.decode()


def test_another_agency_counts_nothing_of_ours(btc: Agency, bnv: Agency) -> None:
    scene(btc)
    for person, title in ((bnv.clerk, "Records clerk"), (bnv.leader, "Agency leader")):
        assert role_panel(client_for(person).get(reverse("web:home")), title) == {}


# session, user, posts, led units (permission rule), the calendar changes (one query, cold
# cache), one aggregate of every count, the main menu's has_perm (3: the account's positions,
# Django's user and group permissions); services' one-stop agencies for the posts that could
# work in one (leaders, heads, specialists: egov/services). No session write within the
# minute.
@pytest.mark.parametrize("scenes", [1, 5])
@pytest.mark.parametrize(("who", "queries"), [
    ("clerk", 9), ("leader", 10), ("head", 10), ("specialist", 10)])
def test_home_query_count_is_fixed(btc: Agency, django_assert_num_queries: DjangoAssertNumQueries,
                                   scenes: int, who: str, queries: int) -> None:
    for n in range(scenes):
        scene(btc, n)
    client = client_for(getattr(btc, who))
    assert client.get(reverse("web:home")).status_code == 200
    calendar.clear_cache()
    with django_assert_num_queries(queries):
        assert client.get(reverse("web:home")).status_code == 200
