"""The document workflow in a real browser, as the demo's people would carry it out.

Debian's chromium (Playwright) against pytest-django's live server, with the demo data
(``egov.core.demo.load()``, the only step not taken through the pages). Each person signs
in through the sign-in page in their own browser context, finds the document through the
main menu and the lists, and acts through the forms; the test asserts on what they see
(Vietnamese labels, status badges, confirmation messages, the history), and checks the
database only at the end.

- incoming: the clerk (vanthu) registers a paper document with its PDF and passes it to
  the leaders; the minister (lanhdao) assigns it to Vụ Ngân sách nhà nước as lead with a
  deadline in working days and an instruction; the unit head (vutruong) passes it on to
  the specialist (chuyenvien), who adds an opinion, drafts the reply and marks the work
  done with the reply linked: the document shows "Hoàn thành đúng hạn" and its history.
- outgoing: the specialist submits the reply for review; vutruong approves the review;
  lanhdao approves; vanthu issues it and reads its number and symbol (a công văn:
  ``<number>/BTC-NSNN``); it is delivered at once to UBND tỉnh Quảng Ninh and its
  office, whose clerk (vanthu.qn) finds it in her inbox.

Screenshots of each step go to $EGOV_VAR_DIR/screenshots/documents/.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from egov.core import calendar, demo
from egov.core.models import Organisation
from egov.documents import rules
from egov.documents.models import Direction, Document, Role, Status

from .browser_helpers import ARGS, CHROMIUM, Person, option_value, pdf_letter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINISTRY = "000.00.00.G12"  # Bộ Tài chính
BUDGET = "000.00.02.G12"  # Vụ Ngân sách nhà nước
PROVINCE_OFFICE = "Văn phòng UBND tỉnh Quảng Ninh"  # where the demo's clerk vanthu.qn works

ISSUER = "UBND tỉnh Quảng Ninh"
SYMBOL = "3127/UBND-TM"
SUBJECT = ("Về việc đề nghị hỗ trợ kinh phí khắc phục hậu quả sạt lở đất tại huyện "
           "Vân Đồn năm 2026")
INSTRUCTION = "Vụ Ngân sách nhà nước chủ trì, phối hợp các đơn vị liên quan, đề xuất phương án."
PASS_ON_NOTE = "Đồng chí Tuấn nghiên cứu, dự thảo văn bản trả lời."
OPINION = "Đề nghị tỉnh bổ sung báo cáo đánh giá thiệt hại và phương án sử dụng kinh phí."
RESULT = "Đã dự thảo công văn trả lời, trình lãnh đạo Vụ xem xét."
REPLY_SUBJECT = ("Về việc hỗ trợ kinh phí khắc phục hậu quả sạt lở đất tại huyện Vân Đồn, "
                 "tỉnh Quảng Ninh")
DEADLINE_DAYS = 5


def _symbol_pattern() -> re.Pattern[str]:
    """What the issued reply's number and symbol must look like, from NĐ 30/2020's rule
    as egov.documents.rules states it: a công văn of Bộ Tài chính drafted by Vụ Ngân sách
    nhà nước is ``<number>/BTC-NSNN``, the number at least two digits (01…09, 10, …).
    (No named group: Playwright hands the pattern to JavaScript.)"""
    agency, unit = (next(o for o in _tree() if o.code == code).short_name
                    for code in (MINISTRY, BUDGET))
    notation = rules.Symbol(number=1, type_abbr=rules.DocumentType.OFFICIAL_LETTER.abbreviation,
                            agency_abbr=agency, unit_abbr=unit).notation
    return re.compile(rf"(\d{{2,}})/{re.escape(notation)}")


def _tree() -> list[demo.Org]:
    found: list[demo.Org] = []
    stack = list(demo.TREE)
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.children)
    return found


def _date(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def test_incoming_to_done_and_reply_to_issued(live_server: Any) -> None:
    base = live_server.url
    demo.load()
    # The demo sends between its own agencies through the hub it runs (the exchange
    # tests follow that path); this walk is about delivery inside one deployment, every
    # deployment's default.
    from egov.exchange import connector_actions
    from egov.exchange.models import HubConnection

    HubConnection.objects.update(route_between_agencies=False)
    connector_actions.clear_route_cache()
    # What the people should see, read before Playwright starts (no queries from inside).
    today = timezone.localdate()
    deadline = calendar.add_working_days(today, DEADLINE_DAYS)
    received = timezone.localtime() - dt.timedelta(minutes=20)
    issued_on = today - dt.timedelta(days=3)
    symbol_re = _symbol_pattern()
    scan = pdf_letter(SYMBOL, [
        "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH", f"Số: {SYMBOL}",
        f"Quảng Ninh, {rules.vietnamese_date(issued_on)}", SUBJECT,
        "Kính gửi: Bộ Tài chính.",
        "Ngày 12 tháng 9 năm 2026, mưa lớn kéo dài gây sạt lở đất tại xã Đông Xá, huyện "
        "Vân Đồn, làm hư hỏng 1,2 km đường giao thông và 14 nhà dân.",
        "UBND tỉnh Quảng Ninh kính đề nghị Bộ Tài chính xem xét, hỗ trợ kinh phí "
        "khắc phục hậu quả.", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Bùi Văn Khắng"])
    reply_file = pdf_letter("Dự thảo", [
        "BỘ TÀI CHÍNH", "Số: /BTC-NSNN", REPLY_SUBJECT, "Kính gửi: UBND tỉnh Quảng Ninh.",
        f"Trả lời Công văn số {SYMBOL} của UBND tỉnh Quảng Ninh, Bộ Tài chính có ý kiến "
        "như sau: …"])
    symbol_shown = ""

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # --- 1. The clerk registers the paper document and passes it on -----------
            clerk = Person.sign_in(browser, base, "vanthu")
            clerk.shot("01-home-clerk")
            clerk.menu("Văn bản đến")
            expect(clerk.page.get_by_role("heading", level=1)).to_have_text("Văn bản đến")
            clerk.shot("02-inbox-clerk")
            clerk.page.get_by_role("link", name="Đăng ký văn bản đến").click()
            expect(clerk.page.get_by_role("heading", level=1)).to_have_text(
                "Đăng ký văn bản đến")
            form = clerk.page.locator("main form[enctype]")
            form.get_by_label("Ngày, giờ đến").fill(received.strftime("%Y-%m-%dT%H:%M"))
            form.get_by_label("Hình thức tiếp nhận").select_option(label="Bản giấy (quét)")
            form.get_by_label("Cơ quan ban hành").fill(ISSUER)
            form.get_by_label("Số, ký hiệu").fill(SYMBOL)
            form.get_by_label("Ngày ban hành").fill(issued_on.isoformat())
            form.get_by_label("Loại văn bản").select_option(label="Công văn")
            form.get_by_label("Trích yếu nội dung").fill(SUBJECT)
            form.get_by_label("Người ký", exact=True).fill("Bùi Văn Khắng")
            form.get_by_label("Chức vụ người ký").fill("Phó Chủ tịch")
            form.get_by_label("Độ khẩn").select_option(label="Khẩn")
            form.get_by_label("Số trang").fill("2")
            form.locator("input[type=file]").set_input_files(
                {"name": "3127-UBND-TM.pdf", "mimeType": "application/pdf", "buffer": scan})
            clerk.shot("03-register-form-filled")
            form.locator("button[type=submit]").click()
            clerk.expect_message("Đã đăng ký với số đến")
            page = clerk.page
            expect(page.get_by_role("heading", level=1)).to_contain_text("Văn bản đến số")
            expect(page.locator(".badges .st")).to_have_text("Mới")
            expect(page.locator(".badges")).to_contain_text("Khẩn")
            expect(page.locator("dl.facts").first).to_contain_text(SYMBOL)
            expect(page.get_by_role("link", name="3127-UBND-TM.pdf")).to_be_visible()
            clerk.shot("04-registered")
            clerk.section("Trình lãnh đạo").get_by_role("button", name="Trình phân công").click()
            clerk.expect_message("Đã trình lãnh đạo phân công.")
            expect(page.locator(".badges .st")).to_have_text("Chờ phân công")
            incoming_url = page.url
            clerk.menu("Văn bản đến")
            clerk.page.get_by_role("link", name=re.compile("^Chờ phân công")).click()
            expect(page.get_by_role("row").filter(has_text=SUBJECT)).to_contain_text(
                "Chờ phân công")
            clerk.shot("05-inbox-clerk-waiting")

            # --- 2. The minister assigns it to the budget department -------------------
            leader = Person.sign_in(browser, base, "lanhdao")
            leader.shot("06-home-leader")
            leader.menu("Văn bản đến")
            page = leader.page
            expect(page.locator(".tabs [aria-current=page]")).to_contain_text("Chờ phân công")
            expect(page.get_by_role("row").filter(has_text=SUBJECT)).to_contain_text("Khẩn")
            leader.shot("07-inbox-leader")
            leader.open_row(SUBJECT)
            assign = leader.section("Phân công")
            assign.get_by_label("Chủ trì").select_option(label="Vụ Ngân sách nhà nước")
            assign.get_by_label("Hạn xử lý (số ngày làm việc)").fill(str(DEADLINE_DAYS))
            assign.get_by_label("Ý kiến chỉ đạo").fill(INSTRUCTION)
            leader.shot("08-assign-form")
            assign.get_by_role("button", name="Phân công", exact=True).click()
            leader.expect_message("Đã phân công.")
            expect(page.locator(".badges .st")).to_have_text("Đang xử lý")
            parts = page.locator("table.parts")
            expect(parts).to_contain_text("Vụ Ngân sách nhà nước")
            expect(parts).to_contain_text(_date(deadline))
            expect(page.locator("main")).to_contain_text(INSTRUCTION)
            leader.shot("09-assigned")

            # --- 3. The unit head passes it on to the specialist -----------------------
            head = Person.sign_in(browser, base, "vutruong")
            head.menu("Văn bản đến")
            page = head.page
            expect(page.locator(".tabs [aria-current=page]")).to_contain_text(
                "Giao cho tôi hoặc đơn vị tôi")
            row = page.get_by_role("row").filter(has_text=SUBJECT)
            expect(row).to_contain_text("Đang xử lý")
            expect(row).to_contain_text(_date(deadline))
            head.shot("10-inbox-unit-head")
            head.open_row(SUBJECT)
            part = head.section("Phần việc của bạn: Chủ trì")
            expect(part).to_contain_text(INSTRUCTION)
            part.get_by_label("Chuyển cho").select_option(label="Trần Minh Tuấn")
            part.locator("form[action$='/pass-on/']").get_by_label("Ý kiến chỉ đạo").fill(
                PASS_ON_NOTE)
            head.shot("11-pass-on-form")
            part.get_by_role("button", name="Chuyển xử lý").click()
            head.expect_message("Đã chuyển xử lý.")
            expect(page.locator("table.parts")).to_contain_text("Trần Minh Tuấn")
            head.shot("12-passed-on")

            # --- 4. The specialist: opinion, draft of the reply, work done -------------
            specialist = Person.sign_in(browser, base, "chuyenvien")
            specialist.menu("Văn bản đến")
            page = specialist.page
            expect(page.get_by_role("row").filter(has_text=SUBJECT)).to_contain_text(
                "Đang xử lý")
            specialist.shot("13-inbox-specialist")
            specialist.open_row(SUBJECT)
            expect(specialist.section("Phần việc của bạn: Chủ trì")).to_contain_text(
                PASS_ON_NOTE)
            opinion = specialist.section("Thêm ý kiến")
            opinion.get_by_label("Ý kiến của bạn").fill(OPINION)
            opinion.get_by_role("button", name="Thêm").click()
            specialist.expect_message("Đã thêm ý kiến của bạn.")
            expect(specialist.section("Ý kiến")).to_contain_text(OPINION)

            # The link to draft the reply, in the specialist's part of the document.
            specialist.section("Phần việc của bạn: Chủ trì").locator(
                "a[href*='/drafts/new/?answers=']").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Dự thảo mới")
            form = page.locator("main form[enctype]")
            form.get_by_label("Loại văn bản").select_option(label="Công văn")
            form.get_by_label("Trích yếu nội dung").fill(REPLY_SUBJECT)
            # To the province, and to its office, whose clerk is a demo account (the
            # demo has no clerk keeping UBND tỉnh Quảng Ninh's own register).
            form.get_by_label("Nơi nhận").select_option(
                label=["UBND tỉnh Quảng Ninh (UBND)", f"{PROVINCE_OFFICE} (VP)"])
            # The incoming document is already chosen as the one this draft answers.
            expect(form.get_by_label("Trả lời các văn bản đến").locator("option:checked")
                   ).to_have_text(re.compile(re.escape(SYMBOL)))
            form.locator("input[type=file]").set_input_files(
                {"name": "du-thao-tra-loi-UBND-Quang-Ninh.pdf",
                 "mimeType": "application/pdf", "buffer": reply_file})
            specialist.shot("14-draft-form-filled")
            form.get_by_role("button", name="Lưu dự thảo").click()
            specialist.expect_message("Đã lưu dự thảo.")
            expect(page.get_by_role("heading", level=1)).to_have_text("Dự thảo văn bản đi")
            expect(page.locator(".badges .st")).to_have_text("Dự thảo")
            expect(page.get_by_role("link", name="du-thao-tra-loi-UBND-Quang-Ninh.pdf")
                   ).to_be_visible()
            expect(specialist.section("Nơi nhận").get_by_role("row")).to_have_count(3)
            expect(specialist.section("Nơi nhận")).to_contain_text(PROVINCE_OFFICE)
            draft_url = page.url
            specialist.shot("15-draft-saved")

            # Back to the incoming document through the draft's link to it.
            page.locator("main").get_by_role("link", name=SYMBOL).click()
            assert page.url == incoming_url
            part = specialist.section("Phần việc của bạn: Chủ trì")
            part.get_by_label("Kết quả", exact=True).fill(RESULT)
            reply = part.get_by_label("Văn bản trả lời hoặc văn bản kết quả")
            reply.select_option(option_value(reply, REPLY_SUBJECT[:60]))
            specialist.shot("16-complete-form")
            part.get_by_role("button", name="Đánh dấu hoàn thành phần việc của tôi").click()
            specialist.expect_message("Phần việc của bạn đã được đánh dấu hoàn thành.")
            expect(page.locator(".badges .st")).to_have_text("Hoàn thành đúng hạn")
            expect(page.locator("table.parts .st")).to_have_text(
                ["Hoàn thành đúng hạn", "Hoàn thành đúng hạn"])
            history = page.locator("ol.timeline")
            for what in ("Đã đăng ký vào sổ đăng ký văn bản đến", "Đã trình lãnh đạo phân công",
                         "Đã phân công", "Đã chuyển xử lý trong đơn vị", "Đã thêm ý kiến",
                         "Đã hoàn thành phần việc"):
                expect(history).to_contain_text(what)
            for who in ("Nguyễn Thị Hoa", "Phạm Văn Thành", "Lê Quang Huy", "Trần Minh Tuấn"):
                expect(history).to_contain_text(who)
            expect(history.locator(":scope > li").last).to_contain_text("Hoàn thành")
            expect(history.locator(":scope > li").last).to_contain_text(RESULT)
            expect(page.locator("main")).to_contain_text(REPLY_SUBJECT)
            specialist.shot("17-incoming-done-with-history")

            # --- 5. Outgoing: submit, review, approve ------------------------------------
            # To the reply through the incoming document's "answered by" link.
            page.locator("main").get_by_role("link", name="dự thảo", exact=True).click()
            assert page.url == draft_url
            specialist.section("Dự thảo của bạn").get_by_role(
                "button", name="Trình xem xét").click()
            specialist.expect_message("Đã trình xem xét.")
            expect(page.locator(".badges .st")).to_have_text("Đang xem xét")
            specialist.menu("Văn bản đi")
            expect(page.get_by_role("row").filter(has_text=REPLY_SUBJECT)).to_contain_text(
                "Đang xem xét")
            specialist.shot("18-outgoing-specialist")
            specialist.close()

            # The unit head and the minister are still signed in, each in their own browser.
            head.menu("Văn bản đi")
            page = head.page
            expect(page.locator(".tabs [aria-current=page]")).to_contain_text(
                "Chờ tôi xem xét")
            head.shot("19-outgoing-unit-head")
            head.open_row(REPLY_SUBJECT)
            # Only the drafter may add files to a draft, and only before it is submitted:
            # the reviewer is not offered a form that would refuse them.
            expect(head.section("Đính kèm tệp")).to_have_count(0)
            review = head.section("Xem xét dự thảo")
            review.get_by_label("Ý kiến").fill("Đồng ý với dự thảo.")
            review.get_by_role("button", name="Đồng ý và trình lãnh đạo").click()
            head.expect_message("Đã xem xét: đã trình lãnh đạo phê duyệt.")
            expect(page.locator(".badges .st")).to_have_text("Chờ phê duyệt")
            head.shot("20-reviewed")
            head.close()

            leader.menu("Văn bản đi")
            page = leader.page
            expect(page.locator(".tabs [aria-current=page]")).to_contain_text(
                "Chờ tôi phê duyệt")
            leader.shot("21-outgoing-leader")
            leader.open_row(REPLY_SUBJECT)
            leader.section("Phê duyệt văn bản").get_by_role(
                "button", name="Phê duyệt", exact=True).click()
            leader.expect_message("Đã phê duyệt.")
            expect(page.locator(".badges .st")).to_have_text("Đã phê duyệt")
            leader.shot("22-approved")
            leader.close()

            # --- 6. The clerk numbers and issues it ------------------------------------
            clerk.menu("Văn bản đi")
            page = clerk.page
            expect(page.locator(".tabs [aria-current=page]")).to_contain_text(
                "Đã phê duyệt, chờ ban hành")
            clerk.shot("23-outgoing-clerk")
            clerk.open_row(REPLY_SUBJECT)
            issue = clerk.section("Cấp số và ban hành")
            clerk.shot("24-issue-form")
            issue.get_by_role("button", name="Ban hành").click()
            clerk.expect_message("Đã ban hành với số, ký hiệu ")
            heading = page.get_by_role("heading", level=1)
            expect(heading).to_have_text(re.compile(rf"^Văn bản đi {symbol_re.pattern}$"))
            match = symbol_re.search(heading.inner_text())
            assert match is not None
            symbol_shown = match.group(0)
            parsed = rules.parse_symbol(symbol_shown)
            assert parsed.kind == rules.DocumentType.OFFICIAL_LETTER
            assert str(parsed) == symbol_shown  # canonical: leading zero below 10
            clerk.expect_message(f"Đã ban hành với số, ký hiệu {symbol_shown}.")
            expect(page.locator(".badges .st")).to_have_text("Đã ban hành")
            expect(page.locator("dl.facts").first).to_contain_text(
                f"{symbol_shown}, ban hành ngày {_date(today)}")
            expect(page.locator("ol.timeline")).to_contain_text(
                f"Số, ký hiệu: {symbol_shown}")
            for name in (ISSUER, PROVINCE_OFFICE):
                row = clerk.section("Nơi nhận").get_by_role("row").filter(
                    has_text=re.compile(f"^{re.escape(name)}"))
                expect(row).to_contain_text("Trong hệ thống này")
                expect(row).to_contain_text("Đã chuyển")
            clerk.shot("25-issued")
            clerk.close()

            # --- 7. A recipient in this system has it at once -------------------------------
            recipient = Person.sign_in(browser, base, "vanthu.qn")
            recipient.menu("Văn bản đến")
            row = recipient.page.get_by_role("row").filter(has_text=REPLY_SUBJECT)
            expect(row).to_contain_text(symbol_shown)
            expect(row).to_contain_text("Bộ Tài chính")
            expect(row).to_contain_text("Mới")
            recipient.shot("26-inbox-recipient")
            recipient.close()
        finally:
            browser.close()

    # --- the database agrees with what the people saw --------------------------------------
    incoming = Document.objects.get(direction=Direction.INCOMING, symbol=SYMBOL,
                                    issuer_name=ISSUER)
    assert incoming.status == Status.DONE
    assert incoming.deadline == deadline
    assert incoming.files.get().name == "3127-UBND-TM.pdf"
    lead = incoming.assignments.get(role=Role.LEAD, parent=None)
    assert lead.unit == Organisation.objects.get(code=BUDGET)
    assert lead.done_at is not None
    assert incoming.opinions.get().text == OPINION
    outgoing = incoming.answered_by.get()
    assert outgoing.status == Status.ISSUED
    assert outgoing.symbol == symbol_shown
    match = symbol_re.fullmatch(symbol_shown)
    assert match is not None and outgoing.number == int(match.group(1))
    copies = Document.objects.filter(origin=outgoing, direction=Direction.INCOMING)
    assert {c.agency.name for c in copies} == {ISSUER, PROVINCE_OFFICE}
    assert all(c.status == Status.REGISTERED and c.symbol == symbol_shown for c in copies)
