"""The demo CA, PKCS#12 import/export, and the pre-signing certificate check."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from egov.signing.crypto.ca import (
    CertificateAuthority,
    CorruptPkcs12Error,
    IssuedCertificate,
    WrongPasswordError,
    load_pkcs12,
)
from egov.signing.crypto.common import (
    CertificateInfo,
    CertificateNotUsableError,
    cert_pem,
    key_pem,
    now_utc,
)
from egov.signing.crypto.trust import check_signing_certificate

from .conftest import need_tool, run


def _attr(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    return str(cert.subject.get_attributes_for_oid(oid)[0].value)


def _spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize("algorithm,key_type", [("rsa3072", rsa.RSAPrivateKey),
                                                 ("ec-p256", ec.EllipticCurvePrivateKey)])
def test_root_ca_is_self_signed_ca(algorithm: str, key_type: type) -> None:
    ca = CertificateAuthority.create_root("Root X", algorithm=algorithm)  # type: ignore[arg-type]
    cert = ca.certificate
    assert isinstance(ca.key, key_type)
    assert cert.subject == cert.issuer
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign
    cert.verify_directly_issued_by(cert)
    if algorithm == "rsa3072":
        assert ca.key.key_size == 3072  # type: ignore[union-attr]


def test_personal_certificate_names_the_official_and_agency(
        leader_cert: IssuedCertificate, issuing_ca: CertificateAuthority) -> None:
    cert = leader_cert.certificate
    assert _attr(cert, NameOID.COMMON_NAME) == "Phạm Minh Lãnh"
    assert _attr(cert, NameOID.ORGANIZATION_NAME) == "Bộ Tài chính"
    assert _attr(cert, NameOID.ORGANIZATIONAL_UNIT_NAME) == "000.00.00.G12"
    assert _attr(cert, NameOID.TITLE) == "Thứ trưởng"
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment
    assert not ku.value.key_cert_sign
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    cert.verify_directly_issued_by(issuing_ca.certificate)
    assert leader_cert.chain == (issuing_ca.certificate, issuing_ca.chain[0])
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == timedelta(days=730)
    info = CertificateInfo.of(cert)
    assert info.agency_code == "000.00.00.G12"
    assert info.common_name == "Phạm Minh Lãnh"


def test_seal_certificate_carries_the_agency_code(seal_cert: IssuedCertificate) -> None:
    cert = seal_cert.certificate
    assert _attr(cert, NameOID.COMMON_NAME) == "Bộ Tài chính"
    assert _attr(cert, NameOID.ORGANIZATION_NAME) == "Bộ Tài chính"
    assert _attr(cert, NameOID.SERIAL_NUMBER) == "000.00.00.G12"
    assert CertificateInfo.of(cert).agency_code == "000.00.00.G12"


def test_timestamping_certificate_has_critical_eku(tsa: IssuedCertificate) -> None:
    eku = tsa.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_crl_lists_revoked_certificates_and_is_signed(fresh_ca: CertificateAuthority) -> None:
    a = fresh_ca.issue_personal("A", "Cơ quan", "000.00.00.G01", algorithm="ec-p256")
    b = fresh_ca.issue_personal("B", "Cơ quan", "000.00.00.G01", algorithm="ec-p256")
    first = x509.load_der_x509_crl(fresh_ca.crl())
    assert len(first) == 0
    fresh_ca.revoke(a.certificate, reason=x509.ReasonFlags.key_compromise)
    crl = x509.load_der_x509_crl(fresh_ca.crl())
    assert crl.is_signature_valid(fresh_ca.certificate.public_key())  # type: ignore[arg-type]
    assert crl.issuer == fresh_ca.certificate.subject
    entry = crl.get_revoked_certificate_by_serial_number(a.serial_number)
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason is x509.ReasonFlags.key_compromise
    assert crl.get_revoked_certificate_by_serial_number(b.serial_number) is None
    assert (crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
            > first.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)


def test_crl_is_read_by_openssl(fresh_ca: CertificateAuthority, tmp_path: Path) -> None:
    need_tool("openssl")
    a = fresh_ca.issue_personal("A", "Cơ quan", "000.00.00.G01", algorithm="ec-p256")
    fresh_ca.revoke(a.certificate)
    (tmp_path / "ca.crl").write_bytes(fresh_ca.crl())
    (tmp_path / "ca.pem").write_bytes(cert_pem(fresh_ca.certificate))
    (tmp_path / "a.pem").write_bytes(cert_pem(a.certificate))
    result = run(["openssl", "verify", "-crl_check", "-CAfile", str(tmp_path / "ca.pem"),
                  "-CRLfile", str(tmp_path / "ca.crl"), str(tmp_path / "a.pem")])
    assert result.returncode != 0
    assert "certificate revoked" in result.stdout + result.stderr


def test_revoking_a_foreign_certificate_is_refused(fresh_ca: CertificateAuthority,
                                                   stranger: IssuedCertificate) -> None:
    with pytest.raises(Exception, match="did not issue"):
        fresh_ca.revoke(stranger.certificate)


# --- PKCS#12 --------------------------------------------------------------------------------


def test_pkcs12_round_trip_keeps_key_cert_and_chain(leader_cert: IssuedCertificate) -> None:
    blob = leader_cert.to_pkcs12(b"mat-khau-123")
    key, cert, chain = load_pkcs12(blob, "mat-khau-123")
    assert cert == leader_cert.certificate
    assert _spki(cert) == key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert chain == leader_cert.chain


@pytest.mark.parametrize("data", [
    b"",
    b"not a pkcs12 file at all",
    b"\x30\x82\x01\x00" + b"\x00" * 10,
])
def test_corrupt_pkcs12_is_reported_as_corrupt(data: bytes) -> None:
    with pytest.raises(CorruptPkcs12Error):
        load_pkcs12(data, b"whatever")


def test_truncated_pkcs12_is_reported_as_corrupt(leader_cert: IssuedCertificate) -> None:
    blob = leader_cert.to_pkcs12(b"secret")
    with pytest.raises(CorruptPkcs12Error, match="damaged, truncated"):
        load_pkcs12(blob[: len(blob) // 2], b"secret")


def test_certificate_file_is_not_a_pkcs12(leader_cert: IssuedCertificate) -> None:
    with pytest.raises(CorruptPkcs12Error):
        load_pkcs12(cert_pem(leader_cert.certificate), b"secret")


def test_wrong_password_is_reported_as_such(leader_cert: IssuedCertificate) -> None:
    blob = leader_cert.to_pkcs12(b"right")
    with pytest.raises(WrongPasswordError, match="password"):
        load_pkcs12(blob, b"wrong")
    with pytest.raises(WrongPasswordError):
        load_pkcs12(blob, None)


def test_pkcs12_made_by_openssl_is_imported(leader_cert: IssuedCertificate, tmp_path: Path) -> None:
    need_tool("openssl")
    (tmp_path / "k.pem").write_bytes(key_pem(leader_cert.key))
    (tmp_path / "c.pem").write_bytes(cert_pem(leader_cert.certificate))
    (tmp_path / "chain.pem").write_bytes(b"".join(cert_pem(c) for c in leader_cert.chain))
    result = run(["openssl", "pkcs12", "-export", "-inkey", str(tmp_path / "k.pem"),
                  "-in", str(tmp_path / "c.pem"), "-certfile", str(tmp_path / "chain.pem"),
                  "-passout", "pass:bi-mat", "-out", str(tmp_path / "x.p12")])
    assert result.returncode == 0, result.stderr
    _key, cert, chain = load_pkcs12((tmp_path / "x.p12").read_bytes(), b"bi-mat")
    assert cert == leader_cert.certificate
    assert set(chain) == set(leader_cert.chain)
    assert chain[0] == leader_cert.chain[0]  # ordered from the issuer upwards
    with pytest.raises(WrongPasswordError):
        load_pkcs12((tmp_path / "x.p12").read_bytes(), b"sai")


def test_pkcs12_made_by_egov_is_read_by_openssl(leader_cert: IssuedCertificate,
                                                tmp_path: Path) -> None:
    need_tool("openssl")
    (tmp_path / "x.p12").write_bytes(leader_cert.to_pkcs12(b"bi-mat"))
    result = run(["openssl", "pkcs12", "-in", str(tmp_path / "x.p12"), "-passin",
                  "pass:bi-mat", "-nokeys", "-info"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("BEGIN CERTIFICATE") == 3


# --- may this certificate sign now? --------------------------------------------------------------


def test_valid_certificate_may_sign(leader_cert: IssuedCertificate,
                                    trust_roots: list[x509.Certificate],
                                    crls: list[bytes]) -> None:
    check_signing_certificate(leader_cert.certificate, leader_cert.chain, trust_roots, crls)


def test_expired_certificate_may_not_sign(expired: IssuedCertificate,
                                          trust_roots: list[x509.Certificate]) -> None:
    with pytest.raises(CertificateNotUsableError, match="expired"):
        check_signing_certificate(expired.certificate, expired.chain, trust_roots)


def test_unknown_ca_may_not_sign(stranger: IssuedCertificate,
                                 trust_roots: list[x509.Certificate]) -> None:
    with pytest.raises(CertificateNotUsableError, match="unknown CA"):
        check_signing_certificate(stranger.certificate, stranger.chain, trust_roots)


def test_revoked_certificate_may_not_sign(fresh_ca: CertificateAuthority) -> None:
    who = fresh_ca.issue_personal("Đỗ Văn Thu Hồi", "Bộ Y tế", "000.00.00.G10",
                                  algorithm="ec-p256")
    fresh_ca.revoke(who.certificate, reason=x509.ReasonFlags.affiliation_changed,
                    at=now_utc() - timedelta(hours=1))
    with pytest.raises(CertificateNotUsableError, match="revoked"):
        check_signing_certificate(who.certificate, who.chain, [fresh_ca.certificate],
                                  [fresh_ca.crl()])
