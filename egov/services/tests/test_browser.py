"""The citizen's part of a driving licence renewal in a real browser (Debian's chromium
through Playwright, against pytest-django's live server, with the demo data).

The citizen (congdan) finds the service by typing without diacritics, applies with the
form prefilled from her profile and three scanned documents, receives the receipt code,
pays through the sandbox gateway, adds the document the one-stop officer (motcua) asks
for, downloads the licence once the centre's director (giamdoc.pvhcc) has approved it, and
rates the service; she also sees the apology letter of her other, late dossier. The
officer's and the leader's clicks go through their own pages in their own browser
contexts. Screenshots of each step go to $EGOV_VAR_DIR/screenshots/services/.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect, sync_playwright
from pypdf import PdfReader

from egov.core import demo
from egov.documents.demo import sample_pdf
from egov.documents.tests.browser_helpers import ARGS, CHROMIUM, Person
from egov.services.models import Dossier, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots" / "services"


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _act(person: Person, summary: str | None, button: str, **fields: str) -> None:
    page = person.page
    if summary:
        page.get_by_text(summary, exact=True).click()
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name=button, exact=True).click()
    person.expect_message("Đã thực hiện.")


def test_citizen_renews_a_driving_licence_online(live_server: Any) -> None:
    base = live_server.url
    demo.load()
    scans = {name: sample_pdf(name, "Bản quét để nộp trực tuyến.") for name in
             ("don-de-nghi.pdf", "giay-kham-suc-khoe.pdf", "ban-sao-gplx.pdf")}
    late_code = Dossier.objects.filter(apologies__isnull=False).values_list(
        "code", flat=True).get()
    downloaded = b""

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            citizen = Person.sign_in(browser, base, "congdan")
            page = citizen.page
            shot(page, "01-home-citizen")
            citizen.menu("Dịch vụ công")
            page.get_by_label("Tên, mã hoặc lĩnh vực").fill("doi giay phep lai xe")
            page.get_by_role("button", name="Tìm kiếm").click()
            shot(page, "02-catalogue")
            page.get_by_role("link", name="Đổi giấy phép lái xe do ngành Giao thông vận tải "
                                          "cấp").click()
            expect(page.get_by_text("135.000 đồng")).to_be_visible()
            shot(page, "03-procedure")
            page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
            # Prefilled from the profile: never asked again.
            expect(page.get_by_role("textbox", name="Họ và tên", exact=True)).to_have_value(
                "Trần Thị Mai")
            expect(page.get_by_role("textbox", name="Số định danh cá nhân", exact=True)
                   ).to_have_value("022190001234")
            expect(page.get_by_role("textbox", name="Điện thoại")).to_have_value("0912345678")
            page.get_by_label("Số giấy phép lái xe").fill("220123456789")
            page.get_by_label("Hạng giấy phép").select_option("B")
            page.get_by_label("Ngày hết hạn").fill("2026-12-31")
            page.get_by_label("Ngày khám sức khỏe").fill("2026-11-02")
            page.get_by_label("Đơn đề nghị đổi giấy phép lái xe").set_input_files(
                [{"name": "don-de-nghi.pdf", "mimeType": "application/pdf",
                  "buffer": scans["don-de-nghi.pdf"]}])
            page.get_by_label("Giấy khám sức khỏe của người lái xe").set_input_files(
                [{"name": "giay-kham-suc-khoe.pdf", "mimeType": "application/pdf",
                  "buffer": scans["giay-kham-suc-khoe.pdf"]}])
            shot(page, "04-apply")
            page.get_by_role("button", name="Nộp hồ sơ").click()
            citizen.expect_message("Mã hồ sơ là")
            heading = page.get_by_role("heading", level=1).inner_text()
            code = heading.removeprefix("Hồ sơ ").strip()
            assert re.fullmatch(r"H49\.05-\d{6}-\d{4}", code), code
            expect(page.locator(".st")).to_have_text("Chờ tiếp nhận")
            shot(page, "05-receipt-code")

            # Pay through the sandbox gateway.
            page.get_by_role("button", name="Thanh toán trực tuyến").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "Cổng thanh toán thử nghiệm")
            shot(page, "06-gateway")
            page.get_by_role("button", name="Thanh toán", exact=True).click()
            expect(page.locator("main")).to_contain_text("Đã thanh toán lệ phí 135.000 đồng")
            page.get_by_role("link", name="Quay lại hồ sơ").click()
            expect(page.locator("main")).to_contain_text("đã nộp phí")

            # The officer asks for the copy of the old licence.
            officer = Person.sign_in(browser, base, "motcua")
            officer.menu("Một cửa điện tử")
            officer.page.get_by_role("link", name=code).click()
            shot(officer.page, "07-officer-dossier")
            _act(officer, "Yêu cầu bổ sung hồ sơ", "Gửi yêu cầu",
                 **{"Nội dung bổ sung": "Bản sao giấy phép lái xe cũ",
                    "Lý do": "Để đối chiếu số và hạng giấy phép."})

            # The citizen answers from her dossier's page.
            page.reload()
            expect(page.locator(".st")).to_have_text("Chờ bổ sung")
            expect(page.locator("#answer")).to_contain_text("Bản sao giấy phép lái xe cũ")
            shot(page, "08-request")
            page.locator("#answer").get_by_label("Tệp").set_input_files(
                [{"name": "ban-sao-gplx.pdf", "mimeType": "application/pdf",
                  "buffer": scans["ban-sao-gplx.pdf"]}])
            page.get_by_role("button", name="Gửi giấy tờ").click()
            citizen.expect_message("giấy tờ đã được bổ sung")

            # Received, checked, approved and sealed.
            officer.page.reload()
            _act(officer, None, "Tiếp nhận: hồ sơ đầy đủ")
            _act(officer, None, "Hoàn thành bước: chuyển bước tiếp theo",
                 **{"Ghi chú cho bước này": "Hồ sơ hợp lệ."})
            director = Person.sign_in(browser, base, "giamdoc.pvhcc")
            director.page.goto(officer.page.url)
            _act(director, None, "Phê duyệt và ký kết quả")

            # The citizen downloads the signed licence; the dossier closes; she rates.
            page.reload()
            expect(page.locator(".st")).to_have_text("Đã có kết quả")
            shot(page, "09-result-ready")
            with page.expect_download() as info:
                page.get_by_role("link", name="Tải kết quả đã ký số").click()
            downloaded = Path(info.value.path()).read_bytes()
            page.reload()
            expect(page.locator(".st")).to_have_text("Đã trả kết quả")
            page.get_by_label("Rất hài lòng").check()
            page.get_by_role("button", name="Gửi đánh giá").click()
            citizen.expect_message("Cảm ơn bạn đã đánh giá.")
            shot(page, "10-rated")

            # Her other dossier is late: the apology letter with the new date.
            citizen.menu("Hồ sơ của tôi")
            page.get_by_role("link", name=late_code).click()
            expect(page.locator(".apology")).to_contain_text("Ngày hẹn mới")
            shot(page, "11-apology")
        finally:
            browser.close()

    dossier = Dossier.objects.get(code=code)
    assert dossier.status == Status.RETURNED and dossier.rating == 3
    assert dossier.paid_at is not None and dossier.requests.get().answered_at is not None
    reader = PdfReader(io.BytesIO(downloaded))
    assert [f for f in reader.get_fields().values() if f.get("/FT") == "/Sig"]
