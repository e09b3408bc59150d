"""Demo of public services (loaded by ``egov load_demo`` after signing): five procedures of
the catalogue, the officials of Quảng Ninh's public administration service centre, seals
for the agencies that sign results, and a few dossiers at different stages (one late,
with its apology letter).

Procedure codes follow the form of the national database of administrative procedures
(``1.00xxxx``) but are illustrative; fees and times follow the published rules as
commonly reported (driving licence renewal 135.000 đ, judicial record certificate
200.000 đ, business registration 50.000 đ) and should be checked before real use.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from egov.core import calendar
from egov.core.models import Organisation, User
from egov.documents.demo import sample_pdf

from . import actions, payments
from .models import Dossier, Level, OnlineLevel, Procedure

C = "original"
S = "copy"
CS = "certified_copy"


def _procedures(codes: dict[str, Organisation]) -> list[dict[str, Any]]:
    centre = codes["000.00.05.H49"]
    justice = codes["000.00.04.H49"]
    ha_long = codes["000.00.20.H49"]
    return [
        {"procedure": Procedure(
            code="1.002809", name="Đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
            field="Đường bộ", agency=centre, level=Level.PROVINCE, for_citizens=True,
            fee=135000, fee_note="Lệ phí cấp đổi giấy phép lái xe (nộp trực tuyến).",
            processing_days=5, result_name="Giấy phép lái xe", online_level=OnlineLevel.FULL,
            popularity=100,
            description="Người có giấy phép lái xe hết hạn hoặc sắp hết hạn đề nghị đổi "
                        "giấy phép lái xe mới. Giấy khám sức khỏe còn hiệu lực.",
            form_fields=[
                {"name": "full_name", "label": "Họ và tên", "type": "text",
                 "required": True, "profile": "full_name"},
                {"name": "personal_id", "label": "Số định danh cá nhân", "type": "text",
                 "required": True, "profile": "personal_id"},
                {"name": "licence_number", "label": "Số giấy phép lái xe", "type": "text",
                 "required": True, "max_length": 12},
                {"name": "licence_class", "label": "Hạng giấy phép", "type": "choice",
                 "required": True, "choices": ["A1", "A", "B1", "B", "C1", "C", "D1", "D2",
                                               "D", "BE", "C1E", "CE", "D1E", "D2E", "DE"]},
                {"name": "expiry", "label": "Ngày hết hạn", "type": "date", "required": True,
                 "min": "2000-01-01", "max": "2100-12-31"},
                {"name": "health_check", "label": "Ngày khám sức khỏe", "type": "date",
                 "required": True, "min": "2020-01-01", "max": "2100-12-31"},
            ]),
         "components": [
             {"name": "Đơn đề nghị đổi giấy phép lái xe (mẫu)", "form": C, "copies": 1},
             {"name": "Giấy khám sức khỏe của người lái xe", "form": C, "copies": 1},
             {"name": "Bản sao giấy phép lái xe", "form": S, "copies": 1, "required": False},
         ],
         "steps": [
             {"name": "Thẩm định hồ sơ", "unit": centre, "role": "one_stop_officer",
              "days": Decimal("3")},
             {"name": "Phê duyệt, ký cấp giấy phép", "unit": centre, "role": "agency_leader",
              "days": Decimal("1")},
         ]},
        {"procedure": Procedure(
            code="1.001612", name="Đăng ký thành lập công ty TNHH một thành viên",
            field="Thành lập và hoạt động của doanh nghiệp", agency=centre,
            level=Level.PROVINCE, for_citizens=True, for_businesses=True, fee=50000,
            fee_note="Lệ phí đăng ký doanh nghiệp.", processing_days=3,
            result_name="Giấy chứng nhận đăng ký doanh nghiệp",
            online_level=OnlineLevel.FULL, popularity=80,
            form_fields=[
                {"name": "company_name", "label": "Tên công ty", "type": "text",
                 "required": True, "max_length": 200},
                {"name": "charter_capital", "label": "Vốn điều lệ (đồng)", "type": "number",
                 "required": True, "min": 1000000, "max": 1000000000000000},
                {"name": "head_office", "label": "Địa chỉ trụ sở chính", "type": "text",
                 "required": True},
                {"name": "owner", "label": "Chủ sở hữu", "type": "text", "required": True,
                 "profile": "full_name"},
            ]),
         "components": [
             {"name": "Giấy đề nghị đăng ký doanh nghiệp", "form": C, "copies": 1},
             {"name": "Điều lệ công ty", "form": C, "copies": 1},
             {"name": "Bản sao giấy tờ pháp lý của chủ sở hữu", "form": S, "copies": 1},
         ],
         "steps": [
             {"name": "Xem xét tính hợp lệ của hồ sơ", "unit": centre,
              "role": "one_stop_officer", "days": Decimal("2")},
             {"name": "Ký giấy chứng nhận", "unit": centre, "role": "agency_leader",
              "days": Decimal("1")},
         ]},
        {"procedure": Procedure(
            code="1.001193", name="Đăng ký khai sinh", field="Hộ tịch", agency=ha_long,
            level=Level.DISTRICT, for_citizens=True, fee=0,
            fee_note="Miễn lệ phí khi đăng ký đúng hạn.", processing_days=1,
            result_name="Giấy khai sinh", online_level=OnlineLevel.FULL, popularity=90,
            form_fields=[
                {"name": "child_name", "label": "Họ, chữ đệm, tên của trẻ", "type": "text",
                 "required": True},
                {"name": "birth_date", "label": "Ngày sinh", "type": "date", "required": True,
                 "min": "1900-01-01", "max": "2100-12-31"},
                {"name": "sex", "label": "Giới tính", "type": "choice", "required": True,
                 "choices": ["Nam", "Nữ"]},
                {"name": "birth_place", "label": "Nơi sinh", "type": "text", "required": True},
                {"name": "mother", "label": "Họ và tên mẹ", "type": "text", "required": True},
                {"name": "father", "label": "Họ và tên cha", "type": "text"},
            ]),
         "components": [
             {"name": "Tờ khai đăng ký khai sinh", "form": C, "copies": 1},
             {"name": "Giấy chứng sinh", "form": C, "copies": 1},
         ],
         "steps": [
             {"name": "Kiểm tra, ghi Sổ hộ tịch", "unit": ha_long, "role": "specialist",
              "days": Decimal("0.5")},
             {"name": "Ký Giấy khai sinh", "unit": ha_long, "role": "agency_leader",
              "days": Decimal("0.5")},
         ]},
        {"procedure": Procedure(
            code="1.009975",
            name="Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
            field="Hoạt động xây dựng", agency=ha_long, level=Level.DISTRICT,
            for_citizens=True, for_businesses=True, fee=75000, processing_days=15,
            result_name="Giấy phép xây dựng", online_level=OnlineLevel.PARTIAL, popularity=60,
            form_fields=[
                {"name": "plot", "label": "Thửa đất số, tờ bản đồ số", "type": "text",
                 "required": True},
                {"name": "site", "label": "Địa điểm xây dựng", "type": "text", "required": True},
                {"name": "floor_area", "label": "Tổng diện tích sàn (m²)", "type": "number",
                 "required": True, "min": 10, "max": 10000},
                {"name": "floors", "label": "Số tầng", "type": "number", "required": True,
                 "min": 1, "max": 7},
            ]),
         "components": [
             {"name": "Đơn đề nghị cấp giấy phép xây dựng", "form": C, "copies": 1},
             {"name": "Giấy tờ về quyền sử dụng đất", "form": CS, "copies": 1},
             {"name": "Bản vẽ thiết kế xây dựng", "form": C, "copies": 2},
         ],
         "steps": [
             {"name": "Thẩm định hồ sơ, kiểm tra thực địa", "unit": ha_long,
              "role": "specialist", "days": Decimal("10")},
             {"name": "Trình ký", "unit": ha_long, "role": "unit_head", "days": Decimal("2")},
             {"name": "Ký giấy phép", "unit": ha_long, "role": "agency_leader",
              "days": Decimal("3")},
         ]},
        {"procedure": Procedure(
            code="2.000488", name="Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
            field="Lý lịch tư pháp", agency=justice, level=Level.PROVINCE, for_citizens=True,
            fee=200000, fee_note="Phí cung cấp thông tin lý lịch tư pháp.",
            processing_days=10, result_name="Phiếu lý lịch tư pháp",
            online_level=OnlineLevel.FULL, popularity=70,
            form_fields=[
                {"name": "full_name", "label": "Họ và tên", "type": "text", "required": True,
                 "profile": "full_name"},
                {"name": "personal_id", "label": "Số định danh cá nhân", "type": "text",
                 "required": True, "profile": "personal_id"},
                {"name": "form_no", "label": "Loại phiếu", "type": "choice", "required": True,
                 "choices": ["Phiếu số 1", "Phiếu số 2"]},
                {"name": "purpose", "label": "Mục đích sử dụng", "type": "text",
                 "required": True},
            ]),
         "components": [
             {"name": "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", "form": C, "copies": 1},
         ],
         "steps": [
             {"name": "Tra cứu, xác minh lý lịch", "unit": justice, "role": "specialist",
              "days": Decimal("8")},
             {"name": "Ký Phiếu lý lịch tư pháp", "unit": justice, "role": "agency_leader",
              "days": Decimal("2")},
         ]},
    ]


PDF_NAME = "to-khai.pdf"


_SCAN: list[bytes] = []


def _uploads(procedure: Procedure) -> dict[int, list[tuple[str, bytes]]]:
    """One scanned page for every component (rendered once: the demo loads in many
    tests, and WeasyPrint takes a while per page)."""
    if not _SCAN:
        _SCAN.append(sample_pdf("Bản quét giấy tờ", "Giấy tờ nộp kèm hồ sơ (bản quét)."))
    return {c.pk: [(f"{c.name[:40]}.pdf".replace(" ", "-"), _SCAN[0])]
            for c in procedure.components.all() if c.required}


def load(codes: dict[str, Organisation]) -> None:
    from egov.signing import actions as signing
    from egov.signing.models import Certificate

    admin = User.objects.get(username="quantri")
    for spec in _procedures(codes):
        actions.do_save_procedure(spec["procedure"], acting_user=admin,
                                  components=spec["components"], steps=spec["steps"])
    # The renewal's application form, to download from the catalogue.
    form = Procedure.objects.get(code="1.002809").components.get(order=0)
    form.template.save("mau-don-de-nghi-doi-gplx.pdf", ContentFile(sample_pdf(
        "ĐƠN ĐỀ NGHỊ ĐỔI GIẤY PHÉP LÁI XE",
        "Kính gửi: Sở Giao thông vận tải tỉnh Quảng Ninh.",
        "Tôi là: …………………… Ngày sinh: …………… Số định danh cá nhân: ……………",
        "Đề nghị cho tôi được đổi giấy phép lái xe số: …………… hạng: ……",
        "Người làm đơn (ký và ghi rõ họ tên)")))
    leader = User.objects.get(username="giamdoc.pvhcc")  # core's demo people
    for code in ("000.00.05.H49", "000.00.04.H49", "000.00.20.H49"):
        if not Certificate.objects.filter(organisation=codes[code],
                                          kind=Certificate.Kind.SEAL).exists():
            signing.do_issue_certificate(acting_user=admin, kind=Certificate.Kind.SEAL,
                                         organisation=codes[code])
    # The profile's telephone (core's account actions do not change it yet).
    User.objects.filter(username="congdan").update(phone="0912345678")
    User.objects.filter(username="doanhnghiep").update(phone="02033123456")
    citizen = User.objects.get(username="congdan")
    business = User.objects.get(username="doanhnghiep")
    _dossiers(citizen, business, leader)


def _pay(dossier: Dossier, user: User) -> None:
    payment = payments.do_start_payment(dossier, acting_user=user)
    gw = payments.gateway()
    params = {"vnp_TmnCode": gw.tmn_code, "vnp_Amount": str(payment.amount * 100),
              "vnp_TxnRef": payment.txn_ref, "vnp_OrderInfo": "demo"}
    payments.handle_ipn(payments.sandbox_result(params, pay=True))


def _dossiers(citizen: User, business: User, leader: User) -> None:
    officer = User.objects.get(username="motcua")
    licence = Procedure.objects.get(code="1.002809")
    company = Procedure.objects.get(code="1.001612")
    contact = {"applicant_name": citizen.full_name, "phone": citizen.phone,
               "email": citizen.email, "id_number": citizen.personal_id or ""}
    licence_data = {"full_name": citizen.full_name, "personal_id": citizen.personal_id,
                    "licence_number": "220123456789", "licence_class": "B",
                    "expiry": "2026-12-31", "health_check": "2026-10-05"}
    # 1. A renewal that went late: received, then the officer apologised with a new date.
    late = actions.do_submit(licence, acting_user=citizen, data=licence_data,
                             uploads=_uploads(licence), contact=contact)
    _pay(late, citizen)
    late = actions.do_accept(late, acting_user=officer)
    today = timezone.localdate()
    past_due = calendar.add_working_days(today, -1)
    Dossier.objects.filter(pk=late.pk).update(  # the demo's clock: received a week ago
        accepted_at=timezone.now() - dt.timedelta(days=8), due_date=past_due,
        first_due_date=past_due)
    late.refresh_from_db()
    actions.do_apologise(late, acting_user=officer,
                         reason="Hệ thống cơ sở dữ liệu giấy phép lái xe tạm dừng để nâng cấp.",
                         new_due_date=calendar.add_working_days(today, 1))
    # An overdue one, without apology yet: it stands out in the officer's queue.
    overdue = actions.do_submit(
        company, acting_user=citizen,
        data={"company_name": "Công ty TNHH Dịch vụ Mai Hạ Long",
              "charter_capital": "500000000",
              "head_office": "Số 12 Lê Thánh Tông, phường Hồng Gai, Hạ Long, Quảng Ninh",
              "owner": citizen.full_name},
        uploads=_uploads(company), contact=contact)
    _pay(overdue, citizen)
    actions.do_accept(overdue, acting_user=officer)
    two_days_ago = calendar.add_working_days(today, -2)
    Dossier.objects.filter(pk=overdue.pk).update(
        accepted_at=timezone.now() - dt.timedelta(days=7), due_date=two_days_ago,
        first_due_date=two_days_ago)
    # 2. A business registration waiting for the leader's signature.
    company_dossier = actions.do_submit(
        company, acting_user=business,
        data={"company_name": "Công ty TNHH Du lịch Vịnh Xanh", "charter_capital": "2000000000",
              "head_office": "Số 5 Trần Hưng Đạo, phường Hồng Gai, Hạ Long, Quảng Ninh",
              "owner": business.full_name},
        uploads=_uploads(company),
        contact={"applicant_name": business.full_name, "phone": business.phone,
                 "email": business.email, "id_number": business.tax_code or ""})
    _pay(company_dossier, business)
    actions.do_accept(company_dossier, acting_user=officer)
    actions.do_complete_step(company_dossier, acting_user=officer,
                             note="Hồ sơ hợp lệ, trình ký.")
    # 3. A walk-in applicant at the counter, waiting to be received.
    actions.do_submit(
        licence, acting_user=officer, channel="counter", return_channel="counter",
        data={**licence_data, "full_name": "Phạm Văn Hùng", "personal_id": "022088004567",
              "licence_number": "220987654321", "licence_class": "C"},
        uploads=_uploads(licence),
        contact={"applicant_name": "Phạm Văn Hùng", "phone": "0987654321",
                 "id_number": "022088004567", "address": "Cẩm Phả, Quảng Ninh"})
    del leader
