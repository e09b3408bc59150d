"""Vietnamese first: the browser's language does not switch the interface; the switch does."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client


@pytest.mark.django_db
def test_english_browser_still_gets_vietnamese(client: Client) -> None:
    page = client.get("/account/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200
    assert '<html lang="vi"' in page.content.decode()


@pytest.mark.django_db
def test_the_switch_chooses_english_and_back(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/account/login/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en"' in client.get("/account/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert '<html lang="vi"' in client.get("/account/login/").content.decode()


@pytest.mark.django_db
def test_unknown_cookie_value_falls_back_to_vietnamese(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert '<html lang="vi"' in client.get("/account/login/").content.decode()
