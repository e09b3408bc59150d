"""Error pages with DEBUG off: the right status, a clear page, Vietnamese by default and
English after switching language."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

SignIn = Callable[..., Client]


@pytest.fixture(autouse=True)
def production_like(settings: Settings) -> None:
    settings.DEBUG = False


def english(client: Client) -> Client:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def test_404_in_vietnamese_then_english(db: None) -> None:
    client = Client()
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Lỗi 404" in html and "Không tìm thấy trang" in html
    assert "Trang không tồn tại hoặc bạn không có quyền truy cập." in html
    assert f'href="{reverse("identity:login")}"' in html  # anonymous: a way to sign in

    response = english(client).get("/khong-co-trang-nay/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Error 404" in html and "Page not found" in html


def test_404_for_a_signed_in_official_keeps_the_menu(signed_in: SignIn) -> None:
    response = signed_in("vanthu").get("/core/khong-co/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không tìm thấy trang" in html
    assert 'aria-label="Trình đơn chính"' in html


def test_403_in_vietnamese_then_english(signed_in: SignIn) -> None:
    client = signed_in("vanthu")
    data = {"date": "2026-12-31", "kind": "day_off", "note": "x"}
    response = client.post(reverse("core:calendar_change"), data)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Lỗi 403" in html and "Bạn không có quyền mở trang này" in html

    response = english(client).post(reverse("core:calendar_change"), data)
    assert response.status_code == 403
    assert "You may not open this page" in response.content.decode()


@pytest.mark.urls("egov.web.tests.urls_boom")
def test_500_in_vietnamese_then_english(db: None) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Lỗi 500" in html and "Đã xảy ra lỗi" in html
    assert "a bug" not in html  # nothing of the exception leaks
    assert "csrfmiddlewaretoken" not in html  # rendered without the request's context

    response = english(client).get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
