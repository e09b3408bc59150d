"""The home page per role, the panel registry, and the query count per role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from pytest_django import DjangoAssertNumQueries

from egov.core import actions, audit, calendar
from egov.core.models import AuditEntry, AuditSeal, Organisation, Position, User
from egov.web import panels

SignIn = Callable[..., Client]

ROLE_TITLES = {
    "vanthu": "Văn thư",
    "chuyenvien": "Chuyên viên",
    "vutruong": "Trưởng đơn vị",
    "lanhdao": "Thủ trưởng cơ quan",
    "capho": "Phó Thủ trưởng cơ quan",
    "motcua": "Cán bộ một cửa",
    "thanhvien": "Thành viên Chính phủ",
}


def panel_titles(response: object) -> list[str]:
    return [p.title for p in response.context["panels"]]  # type: ignore[attr-defined]


def test_anonymous_visitors_are_sent_to_sign_in(db: None) -> None:
    response = Client().get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('identity:login')}?next=/"


def role_items(response: object, title: str) -> dict[str, int | None]:
    panel = {p.title: p for p in response.context["panels"]}[title]  # type: ignore[attr-defined]
    return {item.label: item.count for item in panel.items}


def test_clerk_home_in_vietnamese(signed_in: SignIn) -> None:
    response = signed_in("vanthu").get(reverse("web:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Xin chào, Nguyễn Thị Hoa" in html
    assert "Văn thư — Văn phòng Bộ, Bộ Tài chính" in html
    assert panel_titles(response) == ["Chức vụ đang đảm nhiệm", "Văn thư", "Ngày nghỉ sắp tới"]
    # The demo documents wait for the ministry's clerk: four registered today, two of them
    # still to pass to the leaders (the other two went to the leader).
    assert role_items(response, "Văn thư") == {
        "Đã đăng ký hôm nay": 4, "Đã đăng ký, chờ trình lãnh đạo": 2,
        "Đã phê duyệt, chờ cấp số và ban hành": 0}
    assert "Đã đăng ký, chờ trình lãnh đạo" in html
    assert "Hiện chưa có văn bản nào chờ xử lý" not in html  # filled: no empty state
    assert "Cơ quan, đơn vị" not in panel_titles(response)

    # The province's clerk has nothing waiting: an empty state, no numbers.
    response = signed_in("vanthu.qn").get(reverse("web:home"))
    assert role_items(response, "Văn thư") == {}
    assert "Hiện chưa có văn bản nào chờ xử lý" in response.content.decode()


def test_clerk_home_in_english(signed_in: SignIn) -> None:
    response = signed_in("vanthu", "en").get(reverse("web:home"))
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Hello, Nguyễn Thị Hoa" in html
    assert panel_titles(response) == ["Your posts", "Records clerk", "Next days off"]
    assert list(role_items(response, "Records clerk")) == [
        "Registered today", "Registered, to pass to the leaders",
        "Approved, waiting for a number and issue"]
    assert "No documents are waiting for you yet." not in html

    response = signed_in("vanthu.qn", "en").get(reverse("web:home"))
    assert role_items(response, "Records clerk") == {}
    assert "No documents are waiting for you yet." in response.content.decode()


@pytest.mark.parametrize(("username", "title"), ROLE_TITLES.items())
def test_each_role_sees_its_own_panel(signed_in: SignIn, username: str, title: str) -> None:
    titles = panel_titles(signed_in(username).get(reverse("web:home")))
    assert title in titles
    assert [t for t in titles if t in ROLE_TITLES.values()] == [title]


def test_a_concurrent_post_adds_its_role_panel(signed_in: SignIn) -> None:
    clerk = User.objects.get(username="vanthu")
    unit = Organisation.objects.get(code="000.00.03.G12")
    actions.do_add_post(clerk, acting_user=None, unit=unit, position=Position.SPECIALIST)
    response = signed_in("vanthu").get(reverse("web:home"))
    assert panel_titles(response)[1:3] == ["Chuyên viên", "Văn thư"]
    assert "Chuyên viên — Vụ Pháp chế, Bộ Tài chính" in response.content.decode()
    assert "kiêm nhiệm" in response.content.decode()


def test_administrator_sees_organisations_and_the_audit_log(signed_in: SignIn) -> None:
    client = signed_in("quantri")
    response = client.get(reverse("web:home"))
    by_title = {p.title: p for p in response.context["panels"]}
    orgs = by_title["Cơ quan, đơn vị"]
    assert orgs.items[0].count == Organisation.objects.count() == 43
    assert orgs.items[1].count == Organisation.objects.filter(is_agency=True).count()
    log = by_title["Nhật ký hệ thống"]
    pending = AuditEntry.objects.filter(link__isnull=True).count()
    assert pending > 0 and log.items[0].count == pending
    assert log.items[1].detail == "chưa có"
    assert not log.note

    assert audit.seal() == pending
    log = {p.title: p for p in client.get(reverse("web:home")).context["panels"]}[
        "Nhật ký hệ thống"]
    assert log.items[0].count == 0
    seal = AuditSeal.objects.get()
    assert log.items[1].detail == date_format(timezone.localtime(seal.sealed_at),
                                              "d/m/Y H:i:s")
    html = client.get(reverse("web:home")).content.decode()
    for name in ("core:org_list", "core:audit_list", "identity:account"):
        assert f'href="{reverse(name)}"' in html


def test_audit_entries_waiting_too_long_raise_a_warning(signed_in: SignIn) -> None:
    old = AuditEntry(created_at=timezone.now() - dt.timedelta(minutes=11), actor=None,
                     actor_label="system", action="test.old", object_type="test",
                     object_id="1")
    old.digest = audit.entry_digest(old)
    old.save(force_insert=True)
    response = signed_in("quantri").get(reverse("web:home"))
    log = {p.title: p for p in response.context["panels"]}["Nhật ký hệ thống"]
    assert log.items[0].urgent
    assert "egov db_worker" in log.note
    assert "cần xử lý" in response.content.decode()


def test_officials_without_administration_rights_see_no_administration(
    signed_in: SignIn,
) -> None:
    titles = panel_titles(signed_in("lanhdao").get(reverse("web:home")))
    assert "Cơ quan, đơn vị" not in titles and "Nhật ký hệ thống" not in titles


def test_calendar_panel_lists_the_next_weekdays_off(signed_in: SignIn) -> None:
    response = signed_in("chuyenvien").get(reverse("web:home"))
    cal = {p.title: p for p in response.context["panels"]}["Ngày nghỉ sắp tới"]
    assert 1 <= len(cal.items) <= 3
    assert cal.link is not None and cal.link.url == reverse("core:calendar")


def test_citizen_home(signed_in: SignIn) -> None:
    response = signed_in("congdan").get(reverse("web:home"))
    assert response.status_code == 200
    assert response.templates[0].name == "web/home_public.html"
    html = response.content.decode()
    assert "Xin chào, Trần Thị Mai" in html and "Tài khoản công dân" in html
    assert panel_titles(response) == ["Dịch vụ công", "Hồ sơ của bạn"]
    # The demo's citizen has a renewal in progress (egov/services/demo.py).
    assert "Hồ sơ đang giải quyết" in html
    assert reverse("core:calendar") not in html  # the officials' menu is not shown


def test_business_home(signed_in: SignIn) -> None:
    html = signed_in("doanhnghiep").get(reverse("web:home")).content.decode()
    assert "Tài khoản doanh nghiệp" in html and "5701234567" in html


def test_a_part_fills_a_role_panel_through_the_registry(signed_in: SignIn) -> None:
    def incoming(request: HttpRequest) -> panels.Panel | None:
        if not any(p.position == Position.CLERK for p in panels.posts(request)):
            return None
        return panels.Panel(title="ignored: the role panel keeps its title",
                            key=panels.role_key(Position.CLERK), order=99,
                            items=[panels.PanelItem("Văn bản đến chờ vào sổ", "/x/", 3,
                                                    urgent=True)])

    # The province's clerk, for whom nothing waits in the demo: the registry's item is
    # the only one, and it replaces the empty state.
    before = signed_in("vanthu.qn").get(reverse("web:home"))
    assert role_items(before, "Văn thư") == {}
    assert "Hiện chưa có văn bản nào chờ xử lý" in before.content.decode()
    panels.register(incoming)
    try:
        response = signed_in("vanthu.qn").get(reverse("web:home"))
        other = signed_in("chuyenvien").get(reverse("web:home"))
    finally:
        panels.unregister(incoming)
    clerk_panel = {p.title: p for p in response.context["panels"]}["Văn thư"]
    assert [i.label for i in clerk_panel.items] == ["Văn bản đến chờ vào sổ"]
    html = response.content.decode()
    assert "Hiện chưa có văn bản nào chờ xử lý" not in html  # filled: no empty state
    assert '<a href="/x/">Văn bản đến chờ vào sổ</a>' in html
    assert "Văn bản đến chờ vào sổ" not in other.content.decode()


def test_missing_page_names_give_no_link(db: None) -> None:
    assert panels.url("web:home") == "/"
    assert panels.url("nowhere:page") == ""


# The home page's cost is fixed per role: session, user, posts (officials), the
# administration panels' three counts (administrators), the calendar changes (one query
# for every year, cold cache), the main menu's has_perm for officials who are not
# superusers (three: the account's positions, Django's user and group permissions), and no
# session write (its expiry moves at most once a minute); the documents' panel adds two for
# clerks, leaders, unit heads and specialists (the permission rule's led units, and one
# aggregate of every count); e-Cabinet's panel adds two for Government members (meetings
# ahead, ballots waiting). Citizens and businesses get neither calendar nor menu query.
# Services adds one for officials whose posts could work in a one-stop shop (leaders,
# unit heads, specialists, one-stop officers: the agencies with procedures), one more
# aggregate where there is one (motcua), and one aggregate of a citizen's dossiers.
@pytest.mark.parametrize(("username", "queries"), [
    ("vanthu", 9), ("chuyenvien", 10), ("vutruong", 10), ("lanhdao", 10), ("capho", 10),
    ("motcua", 9), ("thanhvien", 9), ("quantri", 10), ("congdan", 4), ("doanhnghiep", 4),
])
def test_home_page_query_count(signed_in: SignIn, django_assert_num_queries: DjangoAssertNumQueries,
                               username: str, queries: int) -> None:
    client = signed_in(username)
    assert client.get(reverse("web:home")).status_code == 200  # first visit: policy checks
    calendar.clear_cache()
    with django_assert_num_queries(queries):
        assert client.get(reverse("web:home")).status_code == 200


def test_query_count_does_not_grow_with_posts(
    signed_in: SignIn, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    clerk = User.objects.get(username="vanthu")
    for code in ("000.00.02.G12", "000.00.03.G12", "000.00.18.G12"):
        actions.do_add_post(clerk, acting_user=None, unit=Organisation.objects.get(code=code),
                            position=Position.SPECIALIST)
    client = signed_in("vanthu")
    client.get(reverse("web:home"))
    calendar.clear_cache()
    # As with one post (test_home_page_query_count), plus services' one for the
    # specialist posts.
    with django_assert_num_queries(10):
        client.get(reverse("web:home"))
