"""Fixtures for the signing library's tests: a demo CA hierarchy, officials, seals, a TSA,
a stranger CA, sample PDF and edXML documents, and helpers for the independent tools."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from egov.signing.crypto.ca import CertificateAuthority, IssuedCertificate
from egov.signing.crypto.common import cert_pem, certs_pem, key_pem, now_utc

EDXML_SAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"
       xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLEnvelope>
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <From><OrganId>000.00.00.G22</OrganId><OrganName>Văn phòng Chính phủ</OrganName></From>
        <Code><CodeNumber>7816</CodeNumber><CodeNotation>VPCP-TTĐT</CodeNotation></Code>
        <Subject>Về việc triển khai chữ ký số chuyên dùng</Subject>
        <DocumentId>000.00.00.G22,2018/09/20,7816/VPCP-TTĐT</DocumentId>
      </edXML:MessageHeader>
    </edXML:edXMLHeader>
    <edXML:edXMLBody>
      <edXML:edXMLManifest version="1.0"/>
    </edXML:edXMLBody>
  </edXML:edXMLEnvelope>
</edXML>
"""


@pytest.fixture(scope="session")
def root_ca() -> CertificateAuthority:
    """The stand-in national root (RSA 3072)."""
    return CertificateAuthority.create_root("Egov Test Root CA", algorithm="rsa3072")


@pytest.fixture(scope="session")
def issuing_ca(root_ca: CertificateAuthority) -> CertificateAuthority:
    """An issuing CA under the root, as the national hierarchy has."""
    return root_ca.create_subordinate("Egov Test Issuing CA", algorithm="rsa2048")


@pytest.fixture(scope="session")
def stranger_ca() -> CertificateAuthority:
    """A CA nobody trusts."""
    return CertificateAuthority.create_root("Unknown Foreign CA", "Nobody",
                                            algorithm="ec-p256")


@pytest.fixture(scope="session")
def leader_cert(issuing_ca: CertificateAuthority) -> IssuedCertificate:
    return issuing_ca.issue_personal("Phạm Minh Lãnh", "Bộ Tài chính", "000.00.00.G12",
                                     title="Thứ trưởng", algorithm="rsa2048")


@pytest.fixture(scope="session")
def seal_cert(issuing_ca: CertificateAuthority) -> IssuedCertificate:
    return issuing_ca.issue_seal("Bộ Tài chính", "000.00.00.G12", algorithm="rsa2048")


@pytest.fixture(scope="session")
def ec_official(root_ca: CertificateAuthority) -> IssuedCertificate:
    return root_ca.issue_personal("Trần Thị Bình", "Văn phòng Chính phủ", "000.00.00.G22",
                                  algorithm="ec-p256")


@pytest.fixture(scope="session")
def vpcp_seal(root_ca: CertificateAuthority) -> IssuedCertificate:
    return root_ca.issue_seal("Văn phòng Chính phủ", "000.00.00.G22", algorithm="rsa2048")


@pytest.fixture(scope="session")
def tsa(root_ca: CertificateAuthority) -> IssuedCertificate:
    return root_ca.issue_timestamping()


@pytest.fixture(scope="session")
def stranger(stranger_ca: CertificateAuthority) -> IssuedCertificate:
    return stranger_ca.issue_personal("Kẻ Lạ", "Cơ quan không rõ", "000.00.00.Z99",
                                      algorithm="ec-p256")


@pytest.fixture(scope="session")
def expired(issuing_ca: CertificateAuthority) -> IssuedCertificate:
    return issuing_ca.issue_personal("Lê Văn Cũ", "Bộ Tài chính", "000.00.00.G12",
                                     algorithm="rsa2048", valid_days=30,
                                     not_before=now_utc() - timedelta(days=60))


@pytest.fixture
def fresh_ca() -> CertificateAuthority:
    """A CA whose revocations a test may change freely."""
    return CertificateAuthority.create_root("Egov Revoking CA", algorithm="ec-p256")


@pytest.fixture(scope="session")
def trust_roots(root_ca: CertificateAuthority) -> list[x509.Certificate]:
    return [root_ca.certificate]


@pytest.fixture(scope="session")
def crls(root_ca: CertificateAuthority, issuing_ca: CertificateAuthority) -> list[bytes]:
    return [root_ca.crl(), issuing_ca.crl()]


@pytest.fixture(scope="session")
def sample_pdf() -> bytes:
    from weasyprint import HTML

    paragraphs = "".join(f"<p>Điều {i}. Nội dung quyết định về chữ ký số, đoạn {i}.</p>"
                         for i in range(1, 40))
    html = (f"<html lang='vi'><body><h1>QUYẾT ĐỊNH</h1><p>Số: 12/QĐ-BTC</p>{paragraphs}"
            "</body></html>")
    return bytes(HTML(string=html).write_pdf())


@pytest.fixture(scope="session")
def sample_xml() -> bytes:
    return EDXML_SAMPLE.encode("utf-8")


# --- independent tools ---------------------------------------------------------------------


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: the interoperability tests need it "
                    "(Debian: poppler-utils, xmlsec1, openssl, libnss3-tools)")
    return path


def run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120,
                          check=False, **kwargs)  # type: ignore[call-overload]


@pytest.fixture
def write_pem(tmp_path: Path) -> Callable[..., Path]:
    def write(name: str, *certs: x509.Certificate) -> Path:
        path = tmp_path / name
        path.write_bytes(certs_pem(certs))
        return path
    return write


@pytest.fixture
def write_identity(tmp_path: Path) -> Callable[[IssuedCertificate, str], tuple[Path, Path]]:
    """Write a key and its certificate as PEM files for an external tool."""
    def write(who: IssuedCertificate, stem: str) -> tuple[Path, Path]:
        key, cert = tmp_path / f"{stem}.key", tmp_path / f"{stem}.pem"
        key.write_bytes(key_pem(who.key))
        cert.write_bytes(cert_pem(who.certificate))
        return key, cert
    return write


@pytest.fixture
def nss_db(tmp_path: Path) -> Callable[..., str]:
    """A temporary NSS database (certutil) trusting the given roots; returns 'sql:<dir>'."""
    def make(*roots: x509.Certificate) -> str:
        need_tool("certutil")
        db = tmp_path / "nssdb"
        db.mkdir(exist_ok=True)
        result = run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"])
        assert result.returncode == 0, result.stderr
        for i, root in enumerate(roots):
            pem = tmp_path / f"nssroot{i}.pem"
            pem.write_bytes(cert_pem(root))
            result = run(["certutil", "-A", "-n", f"root{i}", "-t", "CT,C,C", "-i", str(pem),
                          "-d", f"sql:{db}"])
            assert result.returncode == 0, result.stderr
        return f"sql:{db}"
    return make


# --- the Django half: agencies, an administrator, certificates from the platform CA ---------

@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in English; one test checks the Vietnamese ones."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def btc(db: None) -> Any:
    from egov.documents.tests.conftest import make_agency

    return make_agency("G12", "Bộ Tài chính", "BTC", "btc")


@pytest.fixture
def bnv(db: None) -> Any:
    from egov.documents.tests.conftest import make_agency

    return make_agency("G09", "Bộ Nội vụ", "BNV", "bnv")


@pytest.fixture
def admin(db: None) -> Any:
    from egov.core.models import User

    return User.objects.create_superuser("quantri", "quantri@example.vn", "x" * 20,
                                         first_name="Khải", last_name="Ngô Quang")


@pytest.fixture
def certified(btc: Any, admin: Any) -> Any:
    """BTC's leader holds a personal certificate and BTC a seal, both from the platform CA."""
    from egov.signing import actions

    actions.do_issue_certificate(acting_user=admin, kind="personal", user=btc.leader)
    actions.do_issue_certificate(acting_user=admin, kind="seal", organisation=btc.agency)
    return btc


@pytest.fixture
def real_pdf() -> bytes:
    from egov.documents.demo import sample_pdf

    return sample_pdf("Quyết định giao nhiệm vụ", "Điều 1. Giao Vụ Pháp chế chủ trì.")
