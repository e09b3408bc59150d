"""Fixtures for documents: two agencies with clerks, leaders, unit heads, specialists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from egov.core.models import Organisation, User
from egov.core.tests import factories
from egov.documents import actions
from egov.documents.models import Document

PDF = b"%PDF-1.4\n% minimal test file\n"


@dataclass
class Agency:
    agency: Organisation
    office: Organisation
    legal: Organisation
    clerk: User
    leader: User
    head: User
    specialist: User


@pytest.fixture(autouse=True)
def _signatures_optional(settings: pytest.FixtureRequest) -> None:
    """These tests are about documents: their leaders hold no certificates, so approval and
    issue go on unsigned (EGOV_REQUIRE_SIGNATURES=0). egov/signing/tests sign for real."""
    settings.EGOV_REQUIRE_SIGNATURES = False  # type: ignore[attr-defined]


def make_agency(code_letter: str, name: str, abbr: str, prefix: str) -> Agency:
    agency = factories.ministry(f"000.00.00.{code_letter}", name, abbr)
    office = factories.unit(agency, f"000.00.01.{code_letter}", f"Văn phòng {name}", "VP")
    legal = factories.unit(agency, f"000.00.02.{code_letter}", "Vụ Pháp chế", "PC")
    return Agency(
        agency=agency, office=office, legal=legal,
        clerk=factories.official(office, "clerk", username=f"{prefix}_vanthu",
                                 full_name="Lê Thị Thư"),
        leader=factories.official(agency, "agency_leader", username=f"{prefix}_lanhdao",
                                  full_name="Phạm Minh Lãnh", title="Thứ trưởng"),
        head=factories.official(legal, "unit_head", username=f"{prefix}_vutruong",
                                full_name="Đỗ Văn Trưởng"),
        specialist=factories.official(legal, "specialist", username=f"{prefix}_chuyenvien",
                                      full_name="Hoàng Thị Chuyên"),
    )


@pytest.fixture
def btc(db: None) -> Agency:
    return make_agency("G12", "Bộ Tài chính", "BTC", "btc")


@pytest.fixture
def bnv(db: None) -> Agency:
    return make_agency("G09", "Bộ Nội vụ", "BNV", "bnv")


def register(a: Agency, **extra: object) -> Document:
    data: dict[str, object] = {
        "doc_type": "official_letter", "subject": "Về việc giao đất đai cho dự án",
        "symbol": "345/UBND-VP", "issuer_name": "UBND tỉnh Quảng Ninh",
        "issue_date": timezone.localdate() - dt.timedelta(days=2),
        "uploads": [("cong-van.pdf", PDF)],
    }
    data.update(extra)
    return actions.do_register_incoming(acting_user=a.clerk, **data)  # type: ignore[arg-type]
