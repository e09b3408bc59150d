"""A real browser (Debian's chromium through Playwright) signs in with VNeID on the demo
deployment as ``make demo`` configures it: no issuer set, so the sandbox provider of the
same server plays the national SSO. The sandbox's sign-in page is saved to
var/screenshots/ for people to look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, expect, sync_playwright
from pytest_django.fixtures import Settings

from egov.core import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"


@pytest.fixture
def browser(live_server: Any, settings: Settings) -> Iterator[Browser]:
    settings.LANGUAGE_CODE = "vi"
    settings.EGOV_SSO_ISSUER = ""
    settings.EGOV_SSO_SANDBOX = True
    demo.load()  # seeds the sandbox's identities too (identity/demo.py)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def test_citizen_signs_in_with_vneid_through_the_sandbox(
    browser: Browser, live_server: Any
) -> None:
    base = live_server.url
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900},
                                  extra_http_headers={"Accept-Language": "vi-VN,vi;q=0.9"})
    page = context.new_page()
    page.goto(f"{base}/account/login/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "signin-vneid-vi.png"), full_page=True)
    page.get_by_role("button",
                     name="Đăng nhập bằng tài khoản định danh điện tử (VNeID)").click()

    page.wait_for_url(f"{base}/sso-sandbox/authorize?*")
    expect(page.locator("h1")).to_have_text(
        "Định danh điện tử quốc gia (môi trường thử nghiệm)")
    page.get_by_label("Số định danh cá nhân").fill("022190001234")
    page.get_by_label("Mật khẩu").fill(demo.PASSWORD)
    page.screenshot(path=str(SCREENSHOTS / "sso-sandbox-signin-vi.png"), full_page=True)
    page.locator("main form button[type=submit]").first.click()

    page.wait_for_url(f"{base}/")
    expect(page.locator("h1")).to_have_text("Xin chào, Trần Thị Mai")
