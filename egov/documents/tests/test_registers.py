"""Registers (Phụ lục IV of Nghị định 30/2020): the page, the CSV and the PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from pytest_django import DjangoAssertNumQueries

from egov.core.models import User
from egov.documents import actions, exports, views_registers
from egov.documents.models import Document, Register, Role

from .conftest import PDF, Agency, register

pytestmark = pytest.mark.django_db

AUTH_BACKEND = "egov.core.auth.PositionBackend"
INCOMING_HEADINGS = ["Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng văn bản",
                     "Tên loại và trích yếu nội dung", "Đơn vị hoặc người nhận", "Ngày chuyển",
                     "Ký nhận", "Ghi chú"]
OUTGOING_HEADINGS = ["Số, ký hiệu văn bản", "Ngày tháng văn bản",
                     "Tên loại và trích yếu nội dung", "Người ký", "Nơi nhận văn bản",
                     "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ngày chuyển", "Ký nhận",
                     "Ghi chú"]
FOLLOW_UP_HEADINGS = ["Số đến", "Tên loại, số, ký hiệu, ngày tháng văn bản và cơ quan ban hành",
                      "Người nhận", "Thời hạn giải quyết", "Tiến độ giải quyết",
                      "Số, ký hiệu văn bản trả lời", "Ghi chú"]


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user, backend=AUTH_BACKEND)
    return client


def today() -> dt.date:
    return timezone.localdate()


def ddmmyyyy(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def period(reg: Register, book: str = "", **extra: Any) -> dict[str, Any]:
    book = book or exports.books_for(reg)[0].value
    start = today().replace(day=1)
    return {"register": f"{reg.pk}:{book}", "date_from": start.isoformat(),
            "date_to": today().isoformat(), **extra}


def issue(a: Agency, subject: str, recipients: list[Any], **extra: Any) -> Document:
    draft = actions.do_create_draft(acting_user=a.specialist, subject=subject,
                                    recipients=recipients, uploads=[("du-thao.pdf", PDF)],
                                    **{"doc_type": "official_letter", **extra})
    actions.do_submit_for_review(draft, acting_user=a.specialist)
    actions.do_review(draft, acting_user=a.head, approve=True)
    actions.do_approve(draft, acting_user=a.leader)
    return actions.do_issue(draft, acting_user=a.clerk)


def csv_rows(response: Any) -> tuple[bytes, list[list[str]]]:
    raw = b"".join(response.streaming_content)
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def pdf_pages(response: Any) -> tuple[PdfReader, list[str]]:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return reader, [page.extract_text() for page in reader.pages]


def test_incoming_register_has_every_column_and_only_visible_rows(
        btc: Agency, bnv: Agency) -> None:
    first = register(btc, urgency="urgent")
    second = register(btc, symbol="12/QĐ-UBND", doc_type="decision",
                      subject="Quyết định về việc thu hồi đất đai tại xã Hòa Bình")
    actions.do_assign(second, acting_user=btc.leader, lead=btc.legal,
                      coordinators=[btc.office], deadline_days=5)
    secret = register(btc, symbol="7/M-UBND", subject="Tài liệu mật về quốc phòng",
                      confidentiality="secret")
    other = register(bnv, symbol="99/UBND-VP", subject="Văn bản của Bộ Nội vụ")
    reg = Register.objects.get(agency=btc.agency, direction="incoming")

    response = client_for(btc.leader).get(reverse("documents:registers"), period(reg))
    assert response.status_code == 200
    assert [str(c.label) for c in response.context["columns"]] == [
        str(c.label) for c in exports.COLUMNS["incoming"]]
    shown = [doc.pk for doc, _cells in response.context["rows"]]
    assert shown == [first.pk, second.pk]  # register order; the secret one is not granted
    html = response.content.decode()
    assert "Quyết định về việc thu hồi đất đai tại xã Hòa Bình" in html
    assert secret.subject not in html and other.subject not in html

    cells = dict(zip(INCOMING_HEADINGS, response.context["rows"][1][1], strict=True))
    assert cells == {
        "Ngày đến": ddmmyyyy(today()),
        "Số đến": "02",
        "Tác giả": "UBND tỉnh Quảng Ninh",
        "Số, ký hiệu": "12/QĐ-UBND",
        "Ngày tháng văn bản": ddmmyyyy(second.issue_date),  # type: ignore[arg-type]
        "Tên loại và trích yếu nội dung":
            "Quyết định về việc thu hồi đất đai tại xã Hòa Bình",  # the type is not repeated
        "Đơn vị hoặc người nhận": "Vụ Pháp chế (chủ trì); Văn phòng Bộ Tài chính (phối hợp)",
        "Ngày chuyển": ddmmyyyy(today()),
        "Ký nhận": "",
        "Ghi chú": "",
    }
    assert response.context["rows"][0][1][-1] == "Khẩn"
    # The clerk who registered the secret document was granted it by name.
    clerk_page = client_for(btc.clerk).get(reverse("documents:registers"), period(reg))
    assert [d.pk for d, _c in clerk_page.context["rows"]] == [first.pk, second.pk, secret.pk]


def test_period_is_by_date_received(btc: Agency) -> None:
    old = register(btc, symbol="1/UBND-VP", received_at=timezone.now() - dt.timedelta(days=40),
                   issue_date=today() - dt.timedelta(days=45))
    new = register(btc, symbol="2/UBND-VP")
    reg = Register.objects.get(agency=btc.agency, direction="incoming")
    client = client_for(btc.clerk)
    this_month = client.get(reverse("documents:registers"), period(reg))
    assert [d.pk for d, _c in this_month.context["rows"]] == [new.pk]
    both = client.get(reverse("documents:registers"), period(
        reg, date_from=(today() - dt.timedelta(days=41)).isoformat()))
    assert [d.pk for d, _c in both.context["rows"]] == [old.pk, new.pk]


def test_csv_is_excel_ready_and_formula_safe(btc: Agency) -> None:
    register(btc, issuer_name="=HYPERLINK(\"http://evil.example\",\"Bấm\")",
             subject="Về việc cấp giấy chứng nhận quyền sử dụng đất")
    register(btc, symbol="346/UBND-VP", issuer_name="@SUM(1+1)", signer_name="+Nguyễn")
    reg = Register.objects.get(agency=btc.agency, direction="incoming")
    response = client_for(btc.clerk).get(reverse("documents:registers_csv"), period(reg))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    assert f"so-den-{btc.agency.code}-" in response["Content-Disposition"]
    raw, rows = csv_rows(response)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark for Excel
    assert rows[0] == INCOMING_HEADINGS
    assert len(rows) == 3
    assert rows[1][2] == "'=HYPERLINK(\"http://evil.example\",\"Bấm\")"
    assert rows[2][2] == "'@SUM(1+1)"
    assert rows[1][5] == "Công văn: Về việc cấp giấy chứng nhận quyền sử dụng đất"
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_safe_cell() -> None:
    assert exports.safe_cell("=1+2") == "'=1+2"
    assert exports.safe_cell("-2") == "'-2"
    assert exports.safe_cell("\t=x") == "'\t=x"
    assert exports.safe_cell("Đất đai") == "Đất đai"
    assert exports.safe_cell(None) == ""


def test_pdf_of_the_incoming_register(btc: Agency) -> None:
    for n in range(1, 46):
        register(btc, symbol=f"{n}/UBND-VP",
                 subject=f"Về việc giải quyết khiếu nại đất đai của hộ ông Nguyễn Văn Đức, "
                         f"thửa số {n}, phường Hồng Gai")
    reg = Register.objects.get(agency=btc.agency, direction="incoming")
    response = client_for(btc.clerk).get(reverse("documents:registers_pdf"), period(reg))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    reader, pages = pdf_pages(response)
    assert len(pages) >= 2
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    assert abs(float(box.width) - 841.89) < 1 and abs(float(box.height) - 595.28) < 1  # A4
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in pages[0]
    assert "BỘ TÀI CHÍNH" in pages[0].upper()
    assert f"Từ ngày {ddmmyyyy(today().replace(day=1))} đến ngày {ddmmyyyy(today())}" \
        in pages[0]
    for number, text in enumerate(pages, start=1):
        # The header (with its row of column numbers) is repeated on every page.
        assert "Tên loại và trích yếu nội dung" in text and "Ký nhận" in text
        assert "(1) (2) (3) (4) (5) (6) (7) (8) (9) (10)" in text
        assert f"Trang {number} / {len(pages)}" in text
    everything = "\n".join(pages)
    assert "hộ ông Nguyễn Văn Đức" in everything
    assert all(f"\n{n}/UBND-VP " in everything for n in range(1, 46))
    assert "Tổng số: 45 văn bản." in pages[-1]
    fonts = {str(font.get("/BaseFont")) for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    # Embedded subsets ("ABCDEF+") of a font with Vietnamese glyphs, found by family name.
    assert fonts and all(re.fullmatch(r"/[A-Z]{6}\+(Noto-Sans|DejaVu-?Sans)[-\w]*", f)
                         for f in fonts), fonts


def test_outgoing_register(btc: Agency, bnv: Agency) -> None:
    first = issue(btc, "Về việc báo cáo tình hình sử dụng đất đai năm 2025",
                  [bnv.agency, btc.office])
    second = issue(btc, "Quyết định giao nhiệm vụ cho Vụ Pháp chế", [btc.legal],
                   doc_type="decision", urgency="flash")
    reg = Register.objects.get(agency=btc.agency, direction="outgoing")
    client = client_for(btc.clerk)
    response = client.get(reverse("documents:registers"), period(reg))
    assert [d.pk for d, _c in response.context["rows"]] == [first.pk, second.pk]
    cells = dict(zip(OUTGOING_HEADINGS, response.context["rows"][0][1], strict=True))
    assert cells == {
        "Số, ký hiệu văn bản": "01/BTC-PC",
        "Ngày tháng văn bản": ddmmyyyy(today()),
        "Tên loại và trích yếu nội dung":
            "Công văn: Về việc báo cáo tình hình sử dụng đất đai năm 2025",
        "Người ký": "Phạm Minh Lãnh",
        "Nơi nhận văn bản": "Bộ Nội vụ; Văn phòng Bộ Tài chính",
        "Đơn vị, người nhận bản lưu": "Vụ Pháp chế",
        "Số lượng bản": "",
        "Ngày chuyển": ddmmyyyy(today()),
        "Ký nhận": "",
        "Ghi chú": "",
    }
    assert response.context["rows"][1][1][0] == "02/QĐ-BTC"
    assert response.context["rows"][1][1][-1] == "Hỏa tốc"

    _raw, rows = csv_rows(client.get(reverse("documents:registers_csv"), period(reg)))
    assert rows[0] == OUTGOING_HEADINGS
    assert [r[0] for r in rows[1:]] == ["01/BTC-PC", "02/QĐ-BTC"]
    _reader, pages = pdf_pages(client.get(reverse("documents:registers_pdf"), period(reg)))
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in pages[0] and "02/QĐ-BTC" in pages[0]


def test_follow_up_register(btc: Agency, bnv: Agency) -> None:
    waiting = register(btc, symbol="5/UBND-VP")
    answered = register(btc, symbol="6/UBND-VP", subject="Đề nghị hướng dẫn thủ tục đất đai",
                        reply_by=today() + dt.timedelta(days=10))
    actions.do_assign(answered, acting_user=btc.leader, lead=btc.legal, deadline_days=5)
    lead = answered.assignments.get(role=Role.LEAD)
    actions.do_pass_on(lead, acting_user=btc.head, to_user=btc.specialist)
    reply = issue(btc, "Trả lời về thủ tục đất đai", [bnv.agency], answers=[answered])
    answered.refresh_from_db()
    reg = Register.objects.get(agency=btc.agency, direction="incoming")
    response = client_for(btc.clerk).get(reverse("documents:registers"),
                                         period(reg, "follow_up"))
    assert response.status_code == 200
    rows = {d.pk: dict(zip(FOLLOW_UP_HEADINGS, c, strict=True))
            for d, c in response.context["rows"]}
    assert list(rows) == [waiting.pk, answered.pk]
    done = rows[answered.pk]
    assert done["Số đến"] == "02"
    assert done["Tên loại, số, ký hiệu, ngày tháng văn bản và cơ quan ban hành"] == (
        f"Công văn số 6/UBND-VP ngày {ddmmyyyy(answered.issue_date)} của UBND tỉnh "  # type: ignore[arg-type]
        "Quảng Ninh\nĐề nghị hướng dẫn thủ tục đất đai")
    assert done["Người nhận"] == "Vụ Pháp chế (Hoàng Thị Chuyên)"
    assert done["Thời hạn giải quyết"] == ddmmyyyy(answered.deadline)  # type: ignore[arg-type]
    assert done["Tiến độ giải quyết"] == f"Đã giải quyết đúng hạn ({ddmmyyyy(today())})"
    assert done["Số, ký hiệu văn bản trả lời"] == reply.symbol
    assert rows[waiting.pk]["Tiến độ giải quyết"] == "Chưa giao xử lý"
    assert rows[waiting.pk]["Người nhận"] == ""
    client = client_for(btc.clerk)
    _raw, lines = csv_rows(client.get(reverse("documents:registers_csv"),
                                      period(reg, "follow_up")))
    assert lines[0] == FOLLOW_UP_HEADINGS
    _reader, pages = pdf_pages(client.get(reverse("documents:registers_pdf"),
                                          period(reg, "follow_up")))
    assert "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN" in pages[0]
    assert reply.symbol in pages[0]


def test_only_clerks_and_leaders_and_only_their_agency(btc: Agency, bnv: Agency) -> None:
    register(btc)
    register(bnv, symbol="1/BNV-VP", subject="Văn bản riêng của Bộ Nội vụ")
    btc_reg = Register.objects.get(agency=btc.agency, direction="incoming")
    for person in (btc.specialist, btc.head):
        assert client_for(person).get(reverse("documents:registers")).status_code == 403
        assert client_for(person).get(reverse("documents:registers_csv"),
                                      period(btc_reg)).status_code == 403
    outsider = client_for(bnv.clerk)
    page = outsider.get(reverse("documents:registers"))
    assert [c[0] for c in page.context["form"].fields["register"].choices] == [
        f"{Register.objects.get(agency=bnv.agency).pk}:incoming",
        f"{Register.objects.get(agency=bnv.agency).pk}:follow_up"]
    for name in ("documents:registers", "documents:registers_csv",
                 "documents:registers_pdf"):
        response = outsider.get(reverse(name), period(btc_reg))
        assert response.status_code in (200, 400)
        assert "register" in response.context["form"].errors
        assert "Về việc giao đất đai" not in response.content.decode()
    assert client_for(btc.leader).get(reverse("documents:registers"),
                                      period(btc_reg)).status_code == 200


def test_bad_period_names_the_field(btc: Agency) -> None:
    register(btc)
    reg = Register.objects.get(agency=btc.agency, direction="incoming")
    client = client_for(btc.clerk)
    bad = period(reg, date_from=today().isoformat(),
                 date_to=(today() - dt.timedelta(days=3)).isoformat())
    page = client.get(reverse("documents:registers"), bad)
    assert page.status_code == 200 and "date_to" in page.context["form"].errors
    assert "rows" not in page.context
    assert client.get(reverse("documents:registers_csv"), bad).status_code == 400
    garbage = client.get(reverse("documents:registers_pdf"), period(reg, date_from="hôm qua"))
    assert garbage.status_code == 400 and "date_from" in garbage.context["form"].errors


def test_pdf_refuses_a_period_too_long(btc: Agency, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(3):
        register(btc, symbol=f"{n + 1}/UBND-VP")
    reg = Register.objects.get(agency=btc.agency, direction="incoming")
    monkeypatch.setattr(views_registers, "PDF_MAX_ROWS", 2)
    response = client_for(btc.clerk).get(reverse("documents:registers_pdf"), period(reg))
    assert response.status_code == 400
    assert "date_to" in response.context["form"].errors


def test_default_is_this_month_of_the_first_register(btc: Agency) -> None:
    doc = register(btc)
    response = client_for(btc.clerk).get(reverse("documents:registers"))
    assert response.status_code == 200
    assert [d.pk for d, _c in response.context["rows"]] == [doc.pk]
    assert response.context["period"] == (today().replace(day=1), today())


def test_no_register_yet(btc: Agency) -> None:
    response = client_for(btc.clerk).get(reverse("documents:registers"))
    assert response.status_code == 200 and not response.context["has_registers"]


@pytest.mark.parametrize("book", ["incoming", "follow_up"])
def test_register_page_query_count_is_fixed(
        btc: Agency, book: str, django_assert_num_queries: DjangoAssertNumQueries) -> None:
    client = client_for(btc.clerk)

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            doc = register(btc, symbol=f"{i}/UBND-VP")
            if i % 2:
                actions.do_assign(doc, acting_user=btc.leader, lead=btc.legal,
                                  coordinators=[btc.office], deadline_days=3)

    add(3, 1)
    reg = Register.objects.get(agency=btc.agency, direction="incoming")
    client.get(reverse("documents:registers"), period(reg, book))  # warm the calendar
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("documents:registers"), period(reg, book))
    assert len(response.context["rows"]) == 3
    add(27, 4)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("documents:registers"), period(reg, book))
    assert len(response.context["rows"]) == 30
