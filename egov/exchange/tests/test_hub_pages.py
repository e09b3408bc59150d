"""The hub's administration pages: systems with their inbox depth and agencies, refusals
with their reasons, failed pushes, statistics; for superusers and holders of
exchange.view_hub only (menu entry included), Vietnamese first, a fixed number of
queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from egov.core.models import User
from egov.core.tests import factories
from egov.exchange.models import HubPushFailure

from .hub_fixtures import *  # noqa: F403
from .hub_fixtures import BNV, BTC, HGI, QNI, Hub, HubClient, signed_document

pytestmark = pytest.mark.django_db

PAGES = ["hub:overview", "hub:refusals", "hub:pushes", "hub:statistics"]


def browser(user: User, language: str = "en") -> Client:
    client = Client()
    client.force_login(user, backend="egov.core.auth.PositionBackend")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def busy(hub: Hub) -> Hub:
    """Two packages waiting at the province, refusals, a failed push."""
    for n in (1, 2):
        assert hub.ministry.api.send(signed_document(hub, number=str(n))).status_code == 201
    HubClient("hub_wrong").inbox()
    hub.stranger.api.send(signed_document(hub, number="3"))  # not its sender: 403
    HubPushFailure.objects.create(system=hub.province.system, url="http://127.0.0.1:9/p",
                                  attempt=3, error="Connection refused")
    return hub


def test_the_overview_shows_systems_with_their_inbox_depth(busy: Hub,
                                                           admin_user: User) -> None:
    page = browser(admin_user).get(reverse("hub:overview"))
    assert page.status_code == 200
    depth = {s.name: s.depth for s in page.context["systems"]}
    assert depth == {"Hệ thống Bộ Tài chính": 0, "Hệ thống liên tỉnh": 2,
                     "Hệ thống Bộ Nội vụ": 0}
    assert page.context["waiting"] == 2
    html = page.content.decode()
    for code in (BTC, QNI, HGI):
        assert code in html
    assert "2 items wait to be fetched" in html
    assert busy.ministry.token not in html


def test_the_refusals_page_shows_codes_and_reasons(busy: Hub, admin_user: User) -> None:
    page = browser(admin_user).get(reverse("hub:refusals"))
    html = page.content.decode()
    assert "unauthenticated" in html and "sender_not_yours" in html
    assert "is not an agency of this system" in html
    only = browser(admin_user).get(reverse("hub:refusals"), {"code": "sender_not_yours"})
    assert [r.code for r in only.context["rows"]] == ["sender_not_yours"]


def test_the_pushes_page_shows_failures(busy: Hub, admin_user: User) -> None:
    html = browser(admin_user).get(reverse("hub:pushes")).content.decode()
    assert "Connection refused" in html and "Hệ thống liên tỉnh" in html


def test_the_statistics_page(busy: Hub, admin_user: User) -> None:
    page = browser(admin_user).get(reverse("hub:statistics"))
    rows = {r.code: r for r in page.context["rows"]}
    assert (rows[BTC].sent, rows[QNI].received) == (2, 2)
    bad = browser(admin_user).get(reverse("hub:statistics"), {"start": "hôm qua"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.content.decode()


@pytest.mark.parametrize(("name", "count"), [
    ("hub:overview", 5), ("hub:refusals", 4), ("hub:pushes", 4), ("hub:statistics", 7)])
def test_each_page_runs_a_fixed_number_of_queries(busy: Hub, admin_user: User, name: str,
                                                  count: int,
                                                  django_assert_num_queries: Any) -> None:
    """Session and user, and the page's own queries (no session write within the
    minute)."""
    client = browser(admin_user)
    client.get(reverse(name))
    with django_assert_num_queries(count):
        assert client.get(reverse(name)).status_code == 200
    for n in range(4, 9):
        busy.ministry.api.send(signed_document(busy, number=str(n), to=(QNI, BNV)))
        HubClient(None).inbox()
        HubPushFailure.objects.create(system=busy.stranger.system, url="http://127.0.0.1:9/",
                                      attempt=n, error="timed out")
    with django_assert_num_queries(count):
        assert client.get(reverse(name)).status_code == 200


def test_only_superusers_and_the_permission_see_the_pages(busy: Hub, admin_user: User,
                                                          clerk: User) -> None:
    for name in PAGES:
        assert browser(clerk).get(reverse(name)).status_code == 403
    assert Client().get(reverse("hub:overview")).status_code == 302  # to the sign-in page
    home = browser(clerk).get("/")
    assert reverse("hub:overview") not in home.content.decode()
    admin_home = browser(admin_user).get("/")
    assert reverse("hub:overview") in admin_home.content.decode()

    clerk.user_permissions.add(Permission.objects.get(codename="view_hub"))
    clerk = User.objects.get(pk=clerk.pk)  # (a fresh permission cache)
    assert browser(clerk).get(reverse("hub:overview")).status_code == 200
    assert reverse("hub:overview") in browser(clerk).get("/").content.decode()


def test_the_pages_speak_vietnamese_first(busy: Hub, admin_user: User) -> None:
    html = browser(admin_user, "vi").get(reverse("hub:overview")).content.decode()
    assert "Trục liên thông văn bản quốc gia" in html
    assert "Hệ thống kết nối" in html


def test_a_plain_citizen_never_sees_the_hub(busy: Hub) -> None:
    citizen = factories.citizen("dan")
    assert browser(citizen).get(reverse("hub:overview")).status_code == 403
