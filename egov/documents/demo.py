"""Demo documents for the Ministry of Finance (loaded by ``egov load_demo`` with the rest),
all through the actions: something waits for each demo role on the first sign-in."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from egov.core.models import Organisation, User

from . import actions


def sample_pdf(title: str, *paragraphs: str) -> bytes:
    """A real one-page A4 PDF (WeasyPrint) with Vietnamese text: readable, searchable and
    signable, as the files of a real deployment are."""
    from django.utils.html import escape
    from weasyprint import HTML

    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    html = (
        "<html lang='vi'><head><meta charset='utf-8'><style>"
        "@page { size: A4; margin: 2cm 2cm 4.5cm 3cm; }"
        "body { font-family: 'Noto Serif', 'Noto Sans', serif; font-size: 13pt; }"
        "h1 { font-size: 14pt; text-align: center; text-transform: uppercase; }"
        ".nation { text-align: center; font-weight: bold; }"
        "</style></head><body>"
        "<p class='nation'>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>"
        "Độc lập - Tự do - Hạnh phúc</p>"
        f"<h1>{escape(title)}</h1>{body}</body></html>")
    return bytes(HTML(string=html).write_pdf())


INCOMING = [
    ("official_letter", "2150/UBND-KT", "UBND tỉnh Quảng Ninh",
     "Về việc đề nghị bổ sung dự toán ngân sách năm 2026 cho dự án đường bao biển Hạ Long",
     "Cao Tường Huy", "Chủ tịch", "urgent", 6),
    ("report", "118/BC-UBND", "UBND tỉnh Nghệ An",
     "Báo cáo tình hình thực hiện giải ngân vốn đầu tư công 10 tháng năm 2026",
     "Lê Hồng Vinh", "Phó Chủ tịch", "", 4),
    ("official_letter", "4321/BNV-TCBC", "Bộ Nội vụ",
     "Về việc rà soát, sắp xếp tổ chức bộ máy các đơn vị sự nghiệp công lập",
     "Trương Hải Long", "Thứ trưởng", "", 3),
    ("invitation", "95/GM-VPCP", "Văn phòng Chính phủ",
     "Giấy mời họp trực tuyến về triển khai Trục liên thông văn bản quốc gia",
     "Trần Văn Sơn", "Phó Chủ nhiệm", "top_urgent", 1),
]


def load(codes: dict[str, Organisation]) -> None:
    clerk = User.objects.get(username="vanthu")
    leader = User.objects.get(username="lanhdao")
    specialist = User.objects.get(username="chuyenvien")
    budget_unit = codes["000.00.02.G12"]
    today = timezone.localdate()
    docs = []
    for doc_type, symbol, issuer, subject, signer, title, urgency, age in INCOMING:
        docs.append(actions.do_register_incoming(
            acting_user=clerk, doc_type=doc_type, symbol=symbol, issuer_name=issuer,
            subject=subject, signer_name=signer, signer_title=title, urgency=urgency,
            issue_date=today - dt.timedelta(days=age), pages=2,
            uploads=[(f"{symbol.replace('/', '-')}.pdf", sample_pdf(subject, subject))]))
    # The first waits for the leader; the second is assigned to the budget department.
    actions.do_submit_for_assignment(docs[0], acting_user=clerk)
    actions.do_submit_for_assignment(docs[1], acting_user=clerk)
    actions.do_assign(docs[1], acting_user=leader, lead=budget_unit, deadline_days=5,
                      instruction="Vụ Ngân sách nhà nước chủ trì, tổng hợp, báo cáo Bộ trưởng.")
    # A draft reply by the specialist, waiting for the unit head's review.
    draft = actions.do_create_draft(
        acting_user=specialist, doc_type="official_letter",
        subject="Về việc giải ngân vốn đầu tư công năm 2026 của tỉnh Nghệ An",
        recipients=[codes["000.00.00.H41"]], answers=[docs[1]],
        uploads=[("du-thao-tra-loi.pdf", sample_pdf(
            "Về việc giải ngân vốn đầu tư công năm 2026 của tỉnh Nghệ An",
            "Kính gửi: Ủy ban nhân dân tỉnh Nghệ An.",
            "Bộ Tài chính nhận được Báo cáo số 118/BC-UBND về tình hình thực hiện giải ngân "
            "vốn đầu tư công 10 tháng năm 2026. Về vấn đề này, Bộ Tài chính có ý kiến như "
            "sau: đề nghị tỉnh đẩy nhanh tiến độ giải ngân các dự án trọng điểm."))])
    actions.do_submit_for_review(draft, acting_user=specialist)
