"""Fixtures of services: a province with its public administration service centre (one-stop
officer, leader) and its justice department (another agency, another officer), a citizen,
and a driving-licence renewal procedure."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from egov.core.models import Organisation, User
from egov.core.tests import factories
from egov.services import actions, payments
from egov.services.models import Dossier, Level, OnlineLevel, Procedure

PDF = b"%PDF-1.4\n% minimal test file\n"


@dataclass
class World:
    province: Organisation
    centre: Organisation
    justice: Organisation
    officer: User
    leader: User
    other_officer: User
    citizen: User
    procedure: Procedure
    free_procedure: Procedure


@pytest.fixture(autouse=True)
def _signatures_optional(settings: Any) -> None:
    """Most tests are about the one-stop flow, not the seal; test_flow signs for real."""
    settings.EGOV_REQUIRE_SIGNATURES = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Messages are checked in English (the msgids); pages use ``english(client)``."""
    with translation.override("en"):
        yield


def english(client: Client) -> Client:
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def make_procedure(agency: Organisation, *, code: str = "1.002809", fee: int = 135000,
                   name: str = "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
                   field: str = "Đường bộ", days: int = 5) -> Procedure:
    procedure = Procedure(
        code=code, name=name, field=field, agency=agency, level=Level.PROVINCE, fee=fee,
        processing_days=days, result_name="Giấy phép lái xe", online_level=OnlineLevel.FULL,
        form_fields=[
            {"name": "full_name", "label": "Họ và tên", "type": "text", "required": True,
             "profile": "full_name"},
            {"name": "licence_number", "label": "Số giấy phép lái xe", "type": "text",
             "required": True},
            {"name": "floors", "label": "Số năm lái xe", "type": "number", "min": 0,
             "max": 80},
        ])
    return actions.do_save_procedure(procedure, acting_user=None, components=[
        {"name": "Đơn đề nghị đổi giấy phép lái xe", "form": "original", "copies": 1},
        {"name": "Giấy khám sức khỏe", "form": "original", "copies": 1},
        {"name": "Bản sao giấy phép lái xe", "form": "copy", "copies": 1, "required": False},
    ], steps=[
        {"name": "Thẩm định hồ sơ", "unit": agency, "role": "one_stop_officer",
         "days": Decimal("3")},
        {"name": "Phê duyệt", "unit": agency, "role": "agency_leader", "days": Decimal("1")},
    ])


@pytest.fixture
def world(db: None) -> World:
    province = factories.ministry("000.00.00.H49", "UBND tỉnh Quảng Ninh", "UBND")
    centre = factories.unit(province, "000.00.05.H49",
                            "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh", "TTPVHCC",
                            is_agency=True)
    justice = factories.unit(province, "000.00.04.H49", "Sở Tư pháp tỉnh Quảng Ninh", "STP",
                             is_agency=True)
    citizen = factories.citizen("congdan", "Trần Thị Mai")
    User.objects.filter(pk=citizen.pk).update(phone="0912345678",
                                              email="congdan@example.vn")
    citizen.refresh_from_db()
    # The justice department runs a one-stop shop too (its officer is a one-stop official).
    make_procedure(justice, code="2.000488", name="Cấp Phiếu lý lịch tư pháp",
                   field="Lý lịch tư pháp", fee=200000, days=10)
    return World(
        province=province, centre=centre, justice=justice,
        officer=factories.official(centre, "one_stop_officer", username="motcua",
                                   full_name="Vũ Thị Lan"),
        leader=factories.official(centre, "agency_leader", username="giamdoc",
                                  full_name="Đỗ Minh Quang", title="Giám đốc"),
        other_officer=factories.official(justice, "one_stop_officer", username="motcua_stp",
                                         full_name="Lê Văn Khác"),
        citizen=citizen,
        procedure=make_procedure(centre),
        free_procedure=make_procedure(centre, code="1.001193", fee=0, name="Đăng ký khai sinh",
                                      field="Hộ tịch", days=4),
    )


def uploads(procedure: Procedure, content: bytes = PDF) -> dict[int, list[tuple[str, bytes]]]:
    return {c.pk: [(f"tep-{c.pk}.pdf", content)] for c in procedure.components.all()
            if c.required}


def contact(user: User) -> dict[str, str]:
    return {"applicant_name": user.full_name, "phone": user.phone, "email": user.email,
            "id_number": user.personal_id or ""}


def submit(world: World, procedure: Procedure | None = None, **kw: Any) -> Dossier:
    procedure = procedure or world.procedure
    return actions.do_submit(
        procedure, acting_user=world.citizen,
        data={"full_name": world.citizen.full_name, "licence_number": "220123456789"},
        uploads=uploads(procedure), contact=contact(world.citizen), **kw)


def pay(dossier: Dossier, user: User | None = None) -> payments.IpnAnswer:
    payment = payments.do_start_payment(dossier, acting_user=user)
    gw = payments.gateway()
    params = {"vnp_TmnCode": gw.tmn_code, "vnp_Amount": str(payment.amount * 100),
              "vnp_TxnRef": payment.txn_ref, "vnp_OrderInfo": "test"}
    return payments.handle_ipn(payments.sandbox_result(params, pay=True))


def accepted(world: World, procedure: Procedure | None = None) -> Dossier:
    dossier = submit(world, procedure)
    if dossier.fee:
        pay(dossier, world.citizen)
    return actions.do_accept(dossier, acting_user=world.officer)
