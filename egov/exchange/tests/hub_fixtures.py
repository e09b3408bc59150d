"""Fixtures of the hub's tests: the platform CA (made once per session, put in each test's
database), agencies' seals it issued, three connected systems, edXML packages built with
egov.edxml and signed with the seals, and an HTTP client that carries a system's token.

    ministry  — Bộ Tài chính (000.00.00.G12)
    province  — Quảng Ninh (000.00.00.H49) and Hậu Giang (000.00.00.H30)
    stranger  — Bộ Nội vụ (000.00.00.G09)

Test modules import this module's names (``from .hub_fixtures import *``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from egov.edxml import (
    Attachment,
    Code,
    DocumentPackage,
    DocumentType,
    Organisation,
    PromulgationInfo,
    ResponseFor,
    StaffInfo,
    StatusPackage,
    build_package,
    build_status,
)
from egov.exchange import hub_actions, hub_signatures
from egov.exchange.models import HubSystem
from egov.signing import store
from egov.signing.crypto import xml as signing_xml
from egov.signing.crypto.ca import CertificateAuthority, IssuedCertificate
from egov.signing.crypto.common import cert_pem
from egov.signing.models import Authority

BTC = "000.00.00.G12"
QNI = "000.00.00.H49"
HGI = "000.00.00.H30"
BNV = "000.00.00.G09"
UNKNOWN = "000.00.00.H41"
NAMES = {BTC: "Bộ Tài chính", QNI: "UBND tỉnh Quảng Ninh", HGI: "UBND tỉnh Hậu Giang",
         BNV: "Bộ Nội vụ", UNKNOWN: "UBND tỉnh Nghệ An"}
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


@pytest.fixture(scope="session")
def platform_ca() -> CertificateAuthority:
    """The platform CA, made once (EC, so that the tests stay quick)."""
    return CertificateAuthority.create_root("Egov Platform CA",
                                            "Egov demo (not the national CA)",
                                            algorithm="ec-p256")


@pytest.fixture(scope="session")
def seals(platform_ca: CertificateAuthority) -> dict[str, IssuedCertificate]:
    """Seals issued by the platform CA, per agency code; "rogue" is a second seal of BTC
    that is never registered on the hub."""
    out = {code: platform_ca.issue_seal(NAMES[code], code, algorithm="ec-p256")
           for code in (BTC, QNI, HGI, BNV, UNKNOWN)}
    out["rogue"] = platform_ca.issue_seal(NAMES[BTC], BTC, algorithm="ec-p256")
    return out


@pytest.fixture(autouse=True)
def _hub_process_state() -> Iterator[None]:
    """Each test starts without the per-process caches of an earlier test's database."""
    hub_signatures.clear_caches()
    yield
    hub_signatures.clear_caches()


@pytest.fixture
def hub_ca(db: None, platform_ca: CertificateAuthority) -> CertificateAuthority:
    """The session's CA as this test database's platform authority."""
    sha = store.fingerprint(platform_ca.certificate)
    Authority.objects.create(
        name=store.PLATFORM_CA_NAME, certificate_pem=cert_pem(platform_ca.certificate).decode(),
        is_anchor=True, key_blob=store.seal_key(platform_ca.key, "authority", sha), sha256=sha)
    return platform_ca


class HubClient:
    """Django's test client speaking for one system (English messages)."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def send(self, body: bytes, path: str = "/hub/v1/packages") -> Any:
        return self.client.post(path, data=body, content_type="application/xml",
                                headers=self.headers)

    def status(self, body: bytes) -> Any:
        return self.send(body, "/hub/v1/status")

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str) -> Any:
        return self.client.post(path, headers=self.headers)

    def inbox(self, **params: Any) -> Any:
        return self.get("/hub/v1/inbox", **params)

    def ack(self, package_id: int) -> Any:
        return self.post(f"/hub/v1/packages/{package_id}/ack")


@dataclass
class Node:
    system: HubSystem
    token: str
    codes: tuple[str, ...]
    api: HubClient = field(init=False)

    def __post_init__(self) -> None:
        self.api = HubClient(self.token)


@dataclass
class Hub:
    ministry: Node
    province: Node
    stranger: Node
    seals: dict[str, IssuedCertificate]
    ca: CertificateAuthority


def register(name: str, codes: tuple[str, ...], seals: dict[str, IssuedCertificate],
             push_url: str = "") -> Node:
    system, token = hub_actions.do_register_system(
        acting_user=None, name=name, agencies=[(c, NAMES[c]) for c in codes],
        push_url=push_url, certificates=[(c, cert_pem(seals[c].certificate)) for c in codes])
    return Node(system, token, codes)


@pytest.fixture
def hub(hub_ca: CertificateAuthority, seals: dict[str, IssuedCertificate]) -> Hub:
    return Hub(ministry=register("Hệ thống Bộ Tài chính", (BTC,), seals),
               province=register("Hệ thống liên tỉnh", (QNI, HGI), seals),
               stranger=register("Hệ thống Bộ Nội vụ", (BNV,), seals),
               seals=seals, ca=hub_ca)


# --- packages --------------------------------------------------------------------------------


def document(sender: str = BTC, to: tuple[str, ...] = (QNI,), number: str = "12",
             notation: str = "QĐ-BTC", day: dt.date = dt.date(2026, 3, 5), doc_type: int = 1,
             subject: str = "Về việc triển khai chữ ký số chuyên dùng") -> DocumentPackage:
    return DocumentPackage(
        from_=Organisation(sender, organ_name=NAMES.get(sender, "")),
        to=tuple(Organisation(code, organ_name=NAMES.get(code, "")) for code in to),
        code=Code(number, notation), promulgation_info=PromulgationInfo("Hà Nội", day),
        document_type=DocumentType(doc_type), subject=subject,
        attachments=(Attachment("vb-chinh", "Quyết định.pdf", "application/pdf",
                                "Văn bản chính", PDF),))


def sign(data: bytes, seal: IssuedCertificate) -> bytes:
    return signing_xml.sign_xml(data, seal.key, seal.certificate, seal.chain,
                                location=signing_xml.edxml_signature_parent)


def signed_document(hub: Hub, **kwargs: Any) -> bytes:
    pkg = document(**kwargs)
    return sign(build_package(pkg), hub.seals[pkg.from_.organ_id])


def status(about: DocumentPackage, sender: str = QNI, code: str = "03",
           description: str = "Đã tiếp nhận, vào sổ văn bản đến số 1024",
           at: dt.datetime = dt.datetime(2026, 3, 5, 9, 15, 42)) -> StatusPackage:
    return StatusPackage(
        response_for=ResponseFor(about.from_.organ_id,
                                 f"{about.code.number}/{about.code.notation}",
                                 about.promulgation_info.date, about.document_id),
        from_=Organisation(sender, organ_name=NAMES.get(sender, "")),
        status_code=code, description=description, timestamp=at,  # type: ignore[arg-type]
        staff_info=StaffInfo("Văn phòng", "Trần Văn Thư", "0987 654 321", "vt@example.vn"))


def signed_status(hub: Hub, about: DocumentPackage, **kwargs: Any) -> bytes:
    pkg = status(about, **kwargs)
    return sign(build_status(pkg), hub.seals[pkg.from_.organ_id])


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


__all__ = [
    "BNV", "BTC", "HGI", "NAMES", "PDF", "QNI", "UNKNOWN", "Hub", "HubClient", "Node",
    "_hub_process_state", "document", "hub", "hub_ca", "platform_ca", "register",
    "seals", "sha256", "sign", "signed_document", "signed_status", "status",
]
