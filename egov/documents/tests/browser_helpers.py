"""Helpers of the documents' browser test: Debian's chromium through Playwright (the
launch of egov/web/tests/test_browser.py), one browser context per person signed in
through the sign-in page, screenshots of each step, and a real PDF to upload.

Nothing here touches the database: the test reads what it needs before Playwright starts
(its event loop makes Django refuse synchronous queries in the same thread)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from egov.core import demo

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots" / "documents"
TIMEOUT_MS = 10_000


def shot(page: Page, name: str) -> Path:
    """A full-page screenshot of the current page, under the step's name."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@dataclass
class Person:
    """One demo account in its own browser context (its own cookies, a Vietnamese
    browser), signed in through the sign-in page as a new user would."""

    username: str
    page: Page
    context: BrowserContext = field(repr=False)

    @classmethod
    def sign_in(cls, browser: Browser, base: str, username: str) -> Person:
        context = browser.new_context(
            locale="vi-VN", viewport={"width": 1280, "height": 900},
            extra_http_headers={"Accept-Language": "vi-VN,vi;q=0.9"})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto(f"{base}/")  # not signed in: the home page sends to the sign-in page
        expect(page.get_by_role("heading", name="Đăng nhập", exact=True)).to_be_visible()
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(demo.PASSWORD)
        page.locator("main form").get_by_role("button", name="Đăng nhập", exact=True).click()
        expect(page.locator("h1")).to_contain_text("Xin chào")
        return cls(username=username, page=page, context=context)

    def menu(self, label: str) -> None:
        """Follow an entry of the main menu."""
        self.page.get_by_role("navigation", name="Trình đơn chính").get_by_role(
            "link", name=label, exact=True).click()

    def expect_message(self, text: str) -> None:
        """The confirmation that the last action worked (Django's messages)."""
        expect(self.page.locator("ul.messages")).to_contain_text(text)

    def section(self, heading: str) -> Locator:
        """The <section> titled by ``heading`` (the page's forms live in sections)."""
        return self.page.locator("section").filter(
            has=self.page.get_by_role("heading", name=heading, exact=True))

    def open_row(self, text: str) -> None:
        """Open the document of the list row that shows ``text``."""
        row = self.page.get_by_role("row").filter(has_text=text)
        expect(row).to_have_count(1)
        row.get_by_role("link").first.click()

    def shot(self, name: str) -> Path:
        return shot(self.page, name)

    def close(self) -> None:
        self.context.close()


def option_value(select: Locator, containing: str) -> str:
    """The value of the option of ``select`` whose text contains ``containing`` (what a
    person reads in the list), so the test chooses by what is shown."""
    options = select.locator("option").filter(has_text=re.compile(re.escape(containing)))
    expect(options).to_have_count(1)
    value = options.get_attribute("value")
    assert value is not None
    return value


def pdf_letter(title: str, lines: list[str]) -> bytes:
    """A real one-page PDF with the given Vietnamese text (as a scan's OCR layer would
    carry it), made by WeasyPrint."""
    import html

    import weasyprint

    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    source = (f"<html lang='vi'><head><meta charset='utf-8'><title>{html.escape(title)}"
              "</title><style>@page{size:A4;margin:20mm 20mm 20mm 30mm}"
              "body{font-family:'DejaVu Serif',serif;font-size:13pt}</style></head>"
              f"<body>{body}</body></html>")
    data = weasyprint.HTML(string=source).write_pdf()
    assert data is not None
    return bytes(data)
