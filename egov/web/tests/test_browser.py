"""A real browser (Debian's chromium through Playwright) against a live server with the
demo data: sign in, the home page in Vietnamese, switch to English. Screenshots of the
main pages go to var/screenshots/ for people to look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect, sync_playwright

from egov.core import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"


@pytest.fixture
def browser(live_server: Any) -> Iterator[Browser]:
    demo.load()  # before the browser starts: no database access from inside Playwright
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def new_page(browser: Browser, *, width: int = 1280, height: int = 900) -> Page:
    # A Vietnamese official's browser: Vietnamese first, English second.
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height},
                                  extra_http_headers={"Accept-Language": "vi-VN,vi;q=0.9"})
    return context.new_page()


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/account/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_clerk_signs_in_sees_vietnamese_and_switches_to_english(
    browser: Browser, live_server: Any
) -> None:
    base = live_server.url
    page = new_page(browser)
    sign_in(page, base, "vanthu")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("h1")).to_have_text("Xin chào, Nguyễn Thị Hoa")
    expect(page.get_by_role("heading", name="Chức vụ đang đảm nhiệm")).to_be_visible()
    expect(page.get_by_role("heading", name="Văn thư", exact=True)).to_be_visible()
    expect(page.get_by_text("Văn thư — Văn phòng Bộ, Bộ Tài chính").first).to_be_visible()
    shot(page, "home-clerk-vi")

    # The skip link is the first thing the keyboard reaches, and it is visible then.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    expect(page.locator(".skip-link")).to_be_in_viewport()

    page.get_by_role("button", name="English").click()
    page.wait_for_url(f"{base}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Hello, Nguyễn Thị Hoa")
    expect(page.get_by_role("heading", name="Your posts")).to_be_visible()
    expect(page.get_by_role("heading", name="Records clerk")).to_be_visible()
    shot(page, "home-clerk-en")

    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")


def test_screenshots_of_the_main_pages(browser: Browser, live_server: Any) -> None:
    base = live_server.url
    for username, name in (("lanhdao", "home-leader"), ("congdan", "home-citizen"),
                           ("quantri", "home-admin")):
        page = new_page(browser)
        sign_in(page, base, username)
        expect(page.locator("h1")).to_contain_text("Xin chào")
        shot(page, name)
        page.context.close()

    page = new_page(browser)
    sign_in(page, base, "quantri")
    page.goto(f"{base}/core/calendar/?year=2026&start=2026-02-12&days=10")
    expect(page.locator("h1")).to_have_text("Lịch làm việc năm 2026")
    expect(page.locator("#deadline-result")).to_have_attribute("datetime", "2026-03-05")
    shot(page, "calendar-2026")
    page.goto(f"{base}/khong-co-trang-nay/")
    expect(page.locator("h1")).to_have_text("Không tìm thấy trang")
    shot(page, "404")
    page.context.close()

    tablet = new_page(browser, width=820, height=1180)
    sign_in(tablet, base, "vanthu")
    shot(tablet, "home-clerk-tablet")
    tablet.goto(f"{base}/core/calendar/?year=2026")
    shot(tablet, "calendar-tablet")
    tablet.context.close()
