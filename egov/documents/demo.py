"""Demo documents for the Ministry of Finance (loaded by ``egov load_demo`` with the rest),
all through the actions: something waits for each demo role on the first sign-in."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from egov.core.models import Organisation, User

from . import actions

SAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

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
            uploads=[(f"{symbol.replace('/', '-')}.pdf", SAMPLE_PDF)]))
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
        uploads=[("du-thao-tra-loi.pdf", SAMPLE_PDF)])
    actions.do_submit_for_review(draft, acting_user=specialist)
