"""Fixtures: the Government Office with a specialist and a leader, two ministries each
with a leader and a specialist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from egov.core import actions as core
from egov.core.models import Organisation, User
from egov.core.tests import factories

from .. import actions
from ..models import Task


@dataclass
class World:
    office: Organisation
    office_unit: Organisation
    office_specialist: User
    office_leader: User
    btc: Organisation
    btc_leader: User
    btc_specialist: User
    bxd: Organisation
    bxd_leader: User
    bxd_specialist: User


def make_world() -> World:
    office = core.do_create_organisation(
        acting_user=None, name="Văn phòng Chính phủ", short_name="VPCP", code="000.00.00.G22",
        kind=Organisation.Kind.GOVERNMENT_OFFICE, is_agency=True)
    office_unit = factories.unit(office, "000.00.02.G22", "Vụ Tổng hợp", "TH")
    btc = factories.ministry("000.00.00.G12", "Bộ Tài chính", "BTC")
    btc_unit = factories.unit(btc, "000.00.02.G12", "Vụ Ngân sách nhà nước", "NSNN")
    bxd = factories.ministry("000.00.00.G17", "Bộ Xây dựng", "BXD")
    bxd_unit = factories.unit(bxd, "000.00.02.G17", "Vụ Quy hoạch - Kiến trúc", "QHKT")
    return World(
        office=office, office_unit=office_unit,
        office_specialist=factories.official(office_unit, "specialist", "vpcp_cv",
                                             "Trần Thu Trang"),
        office_leader=factories.official(office, "agency_leader", "vpcp_ld", "Đỗ Văn Chiến"),
        btc=btc, btc_leader=factories.official(btc, "agency_leader", "btc_ld", "Phạm Văn Thành"),
        btc_specialist=factories.official(btc_unit, "specialist", "btc_cv", "Trần Minh Tuấn"),
        bxd=bxd, bxd_leader=factories.official(bxd, "agency_leader", "bxd_ld", "Nguyễn Thanh Nghị"),
        bxd_specialist=factories.official(bxd_unit, "specialist", "bxd_cv", "Lê Thị Hạnh"),
    )


@pytest.fixture
def world(db: None) -> World:
    return make_world()


def make_task(w: World, *, lead: Organisation | None = None, deadline: dt.date,
              source_date: dt.date | None = None, **extra: object) -> Task:
    return actions.do_create_task(
        acting_user=w.office_specialist, content=extra.pop("content", "Xây dựng báo cáo"),
        lead_agency=lead or w.btc, source_kind="conclusions_notice",
        source_date=source_date or deadline - dt.timedelta(days=60), product="report",
        deadline_kind="date", deadline=deadline, **extra)[0]  # type: ignore[arg-type]
