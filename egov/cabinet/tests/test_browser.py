"""The member's part of e-Cabinet in a real browser, on a tablet-sized screen.

Debian's chromium (Playwright) against pytest-django's live server with the demo data.
The Minister of Justice (thanhvien) signs in, opens e-Cabinet from the main menu, opens
the coming meeting, reads a paper (served as a PDF to the browser), keeps a private note,
records positions (a disagreement without reasons is refused with the field named, then
given with them), asks to speak, and answers the open ballot, signing it with his
personal certificate. The Prime Minister (thutuong) then finds the first item without
objection and passes it as a block. Screenshots go to
$EGOV_VAR_DIR/screenshots/cabinet/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect, sync_playwright

from egov.core import demo
from egov.documents.tests.browser_helpers import ARGS, CHROMIUM, Person

from ..models import AgendaItem, Answer, ItemPosition, Note, Outcome, SpeakRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 820, "height": 1180}
SHOTS = Path(settings.VAR_DIR) / "screenshots" / "cabinet"
NOTE = "Cần làm rõ trần nợ công so với GDP tại Điều 7."
REASON = "Đề nghị bổ sung đánh giá tác động đối với chính quyền cấp xã."


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_member_reads_notes_positions_and_signs_a_ballot(live_server: Any) -> None:
    demo.load()
    base = live_server.url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            member = Person.sign_in(browser, base, "thanhvien")
            page = member.page
            page.set_viewport_size(TABLET)
            member.menu("Phiên họp điện tử")
            expect(page.get_by_role("heading", level=1)).to_have_text("Phiên họp điện tử")
            shot(page, "01-member-home")
            page.get_by_role("link", name="Phiên họp Chính phủ thường kỳ").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("Phiên họp Chính phủ")
            shot(page, "02-meeting")

            first = page.locator("section.card").filter(
                has=page.get_by_role("heading", name="1. Dự án Luật Quản lý nợ công (sửa đổi)"))
            paper = first.get_by_role("link", name="Tờ trình Chính phủ về dự án Luật Quản lý "
                                                    "nợ công (sửa đổi)")
            response = page.request.get(base + str(paper.get_attribute("href")))
            assert response.ok and response.headers["content-type"] == "application/pdf"
            assert response.body().startswith(b"%PDF")

            first.get_by_text("Ghi chú riêng").first.click()
            first.get_by_role("textbox", name="Ghi chú riêng").first.fill(NOTE)
            first.get_by_role("button", name="Lưu ghi chú").first.click()
            member.expect_message("Đã lưu ghi chú")

            first = page.locator("section.card").filter(
                has=page.get_by_role("heading", name="1. Dự án Luật Quản lý nợ công (sửa đổi)"))
            first.get_by_label("Đồng ý", exact=True).check()
            first.get_by_role("button", name="Ghi nhận ý kiến").click()
            member.expect_message("Ý kiến của đồng chí đã được ghi nhận")

            second = page.locator("section.card").filter(
                has=page.get_by_role("heading", name="2. Dự thảo Nghị định"))
            second.get_by_label("Không đồng ý").check()
            second.get_by_role("button", name="Ghi nhận ý kiến").click()
            member.expect_message("Ghi ý kiến hoặc lý do không đồng ý")
            second = page.locator("section.card").filter(
                has=page.get_by_role("heading", name="2. Dự thảo Nghị định"))
            second.get_by_label("Không đồng ý").check()
            second.get_by_label("Ý kiến", exact=True).fill(REASON)
            second.get_by_role("button", name="Ghi nhận ý kiến").click()
            member.expect_message("Ý kiến của đồng chí đã được ghi nhận")
            page.locator("section.card").filter(
                has=page.get_by_role("heading", name="2. Dự thảo Nghị định")
            ).get_by_role("button", name="Đăng ký phát biểu về nội dung này").click()
            member.expect_message("Đồng chí đã đăng ký phát biểu")
            shot(page, "03-meeting-positions")

            member.menu("Phiên họp điện tử")
            page.get_by_role("link", name="Dự thảo Nghị định sửa đổi Nghị định 151/2017/NĐ-CP"
                             ).click()
            shot(page, "04-ballot")
            form = page.locator("#answer")
            form.get_by_label("Ý kiến khác").check()
            form.get_by_role("button", name="Ký số và gửi").click()
            expect(page.locator(".errorlist")).to_contain_text("Ghi ý kiến khác")
            form = page.locator("#answer")
            form.get_by_label("Ý kiến khác").check()
            form.get_by_label("Ý kiến", exact=True).fill("Đề nghị quy định rõ lộ trình áp dụng.")
            form.get_by_role("button", name="Ký số và gửi").click()
            member.expect_message("đã được ký số và ghi nhận")
            expect(page.get_by_text("phiên bản 1")).to_be_visible()
            shot(page, "05-ballot-answered")
            member.close()

            chair = Person.sign_in(browser, base, "thutuong")
            chair.page.set_viewport_size(TABLET)
            chair.menu("Phiên họp điện tử")
            chair.page.get_by_role("link", name="Phiên họp Chính phủ thường kỳ").click()
            block = chair.section("Các nội dung không có ý kiến khác")
            expect(block).to_contain_text("Dự án Luật Quản lý nợ công (sửa đổi)")
            expect(block).not_to_contain_text("Dự thảo Nghị định")
            shot(chair.page, "06-chair-block")
            block.get_by_role("button", name="Thông qua cùng lúc").click()
            chair.expect_message("đã được thông qua")
            shot(chair.page, "07-chair-passed")
            chair.close()
        finally:
            browser.close()

    assert Note.objects.get().text == NOTE
    assert set(ItemPosition.objects.filter(member__username="thanhvien")
               .values_list("stance", flat=True)) == {"agree", "disagree"}
    assert SpeakRequest.objects.filter(member__username="thanhvien").count() == 1
    answer = Answer.objects.get(member__username="thanhvien")
    assert answer.choice == "other" and answer.signature
    assert AgendaItem.objects.get(order=1).outcome == Outcome.PASSED_NO_OBJECTION
