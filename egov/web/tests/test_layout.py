"""The base layout: landmarks, skip link, labelled form fields, no JavaScript needed, and
the language switch (Vietnamese first, English second)."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

SignIn = Callable[..., Client]


class Page(HTMLParser):
    """Collects what the accessibility checks need from a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.label_for: set[str] = set()
        self.open_labels = 0
        self.unlabelled: list[dict[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if tag == "label":
            self.open_labels += 1
            if "for" in attributes:
                self.label_for.add(attributes["for"])
        is_field = tag in ("input", "select", "textarea") and attributes.get("type") not in (
            "hidden", "submit")
        if is_field and not self.open_labels and not attributes.get("aria-label"):
            self.unlabelled.append(attributes)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.open_labels -= 1

    def first(self, tag: str) -> dict[str, str]:
        return next(a for t, a in self.tags if t == tag)

    def fields_without_label(self) -> list[str]:
        return [a.get("name", "?") for a in self.unlabelled
                if a.get("id") not in self.label_for]


@pytest.mark.parametrize(("username", "url"), [
    ("vanthu", "/"), ("congdan", "/"), ("quantri", "/core/calendar/?year=2026"),
])
def test_landmarks_skip_link_labels_and_no_script(
    signed_in: SignIn, username: str, url: str
) -> None:
    html = signed_in(username).get(url).content.decode()
    page = Page(html)
    first_link = page.first("a")
    assert first_link["href"] == "#main" and first_link["class"] == "skip-link"
    main = page.first("main")
    assert main["id"] == "main"
    tags = [t for t, _a in page.tags]
    assert {"header", "main", "footer"} <= set(tags)
    assert tags.count("main") == 1 and tags.count("h1") == 1
    if username != "congdan":
        assert page.first("nav")["aria-label"] == "Trình đơn chính"
    assert page.fields_without_label() == []
    assert "<script" not in html  # every page works without JavaScript


def test_the_calendar_page_labels_every_administrator_field(signed_in: SignIn) -> None:
    page = Page(signed_in("quantri").get("/core/calendar/").content.decode())
    names = {a.get("name") for t, a in page.tags if t == "input"}
    assert {"date", "kind", "note", "start", "days", "after_cutoff", "year"} <= names
    assert page.fields_without_label() == []


def test_language_switch_is_a_plain_form_and_returns_to_the_page(signed_in: SignIn) -> None:
    client = signed_in("vanthu")
    html = client.get("/core/calendar/?year=2026").content.decode()
    page = Page(html)
    form = next(a for t, a in page.tags if t == "form" and a.get("action") == "/i18n/setlang/")
    assert form["method"] == "post"
    assert '<span class="lang-current" lang="vi" aria-current="true">Tiếng Việt</span>' in html
    assert '<button type="submit" name="language" value="en" class="link" lang="en">' \
           'English</button>' in html
    hidden_next = next(a for t, a in page.tags if t == "input" and a.get("name") == "next")
    assert hidden_next["value"] == "/core/calendar/?year=2026"

    response = client.post("/i18n/setlang/", {"language": "en",
                                               "next": hidden_next["value"]})
    assert response.status_code == 302
    assert response["Location"] == "/core/calendar/?year=2026"
    html = client.get(response["Location"]).content.decode()
    assert '<html lang="en">' in html and "Working-day calendar 2026" in html
    assert '<button type="submit" name="language" value="vi" class="link" lang="vi">' \
           'Tiếng Việt</button>' in html

    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert "Lịch làm việc năm 2026" in client.get("/core/calendar/?year=2026").content.decode()


def test_vietnamese_is_the_default_without_any_preference(db: None) -> None:
    html = Client().get(reverse("identity:login")).content.decode()
    assert '<html lang="vi">' in html


def test_the_stylesheet_is_served_with_focus_and_small_screen_rules(db: None) -> None:
    response = Client().get("/static/web/egov.css")
    assert response.status_code == 200
    css = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert ":focus-visible" in css and "@media (max-width: 600px)" in css


def test_the_menu_shows_administration_only_to_administrators(signed_in: SignIn) -> None:
    admin_html = signed_in("quantri").get("/").content.decode()
    clerk_html = signed_in("vanthu").get("/").content.decode()
    for name in ("core:org_list", "core:audit_list"):
        url = reverse(name)
        assert f'href="{url}"' in admin_html
        assert f'href="{url}"' not in clerk_html
    assert f'href="{reverse("core:calendar")}"' in clerk_html
    assert 'aria-current="page">Trang chủ</a>' in clerk_html
