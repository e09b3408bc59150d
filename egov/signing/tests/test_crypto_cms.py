"""Detached CMS signatures for attachments, and agreement with `openssl cms`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from asn1crypto import pem
from cryptography import x509

from egov.signing.crypto import cms
from egov.signing.crypto.ca import CertificateAuthority, IssuedCertificate
from egov.signing.crypto.common import cert_pem, now_utc
from egov.signing.crypto.pdf import local_timestamper
from egov.signing.crypto.trust import RevocationStatus, Verdict

from .conftest import need_tool, run

ATTACHMENT = b"PK\x03\x04" + "Phụ lục: bảng số liệu".encode() * 500


@pytest.fixture(scope="module")
def signature(seal_cert: IssuedCertificate) -> bytes:
    return cms.sign_detached(ATTACHMENT, seal_cert.key, seal_cert.certificate, seal_cert.chain)


def test_round_trip(signature: bytes, trust_roots: list[x509.Certificate],
                    crls: list[bytes]) -> None:
    report = cms.verify_detached(ATTACHMENT, signature, trust_roots, crls)
    assert report.verdict is Verdict.VALID, report.problems
    assert report.kind == "cms"
    assert report.signer_name == "Bộ Tài chính"
    assert report.signer is not None and report.signer.agency_code == "000.00.00.G12"
    assert report.signing_time is not None
    assert [c.common_name for c in report.chain.path][-1] == "Egov Test Root CA"
    assert report.revocation.status is RevocationStatus.GOOD


def test_pem_signature_is_accepted(signature: bytes,
                                   trust_roots: list[x509.Certificate]) -> None:
    armored = pem.armor("PKCS7", signature)
    assert cms.verify_detached(ATTACHMENT, armored, trust_roots).verdict is Verdict.VALID


def test_changed_attachment_is_tampered(signature: bytes,
                                        trust_roots: list[x509.Certificate]) -> None:
    report = cms.verify_detached(ATTACHMENT + b"!", signature, trust_roots)
    assert report.verdict is Verdict.TAMPERED
    assert not report.intact


def test_timestamped_signature(ec_official: IssuedCertificate, tsa: IssuedCertificate,
                               trust_roots: list[x509.Certificate]) -> None:
    sig = cms.sign_detached(ATTACHMENT, ec_official.key, ec_official.certificate,
                            ec_official.chain, timestamper=local_timestamper(tsa))
    report = cms.verify_detached(ATTACHMENT, sig, trust_roots)
    assert report.verdict is Verdict.VALID, report.problems
    assert report.timestamp_time is not None and report.timestamp_trusted


def test_unknown_ca_is_untrusted(stranger: IssuedCertificate,
                                 trust_roots: list[x509.Certificate]) -> None:
    sig = cms.sign_detached(ATTACHMENT, stranger.key, stranger.certificate, stranger.chain)
    report = cms.verify_detached(ATTACHMENT, sig, trust_roots)
    assert report.verdict is Verdict.UNTRUSTED


def test_expired_certificate(expired: IssuedCertificate,
                             trust_roots: list[x509.Certificate]) -> None:
    sig = cms.sign_detached(ATTACHMENT, expired.key, expired.certificate, expired.chain,
                            check_validity=False)
    assert cms.verify_detached(ATTACHMENT, sig, trust_roots).verdict is Verdict.EXPIRED


def test_revoked_certificate(fresh_ca: CertificateAuthority) -> None:
    who = fresh_ca.issue_seal("Sở Y tế", "000.00.01.H49", algorithm="ec-p256")
    sig = cms.sign_detached(ATTACHMENT, who.key, who.certificate, who.chain)
    fresh_ca.revoke(who.certificate, at=now_utc() - timedelta(minutes=1))
    report = cms.verify_detached(ATTACHMENT, sig, [fresh_ca.certificate], [fresh_ca.crl()])
    assert report.verdict is Verdict.REVOKED
    assert report.revocation.status is RevocationStatus.REVOKED


@pytest.mark.parametrize("garbage", [b"", b"not cms", b"\x30\x03\x02\x01\x01"])
def test_garbage_signature_is_refused(garbage: bytes,
                                      trust_roots: list[x509.Certificate]) -> None:
    with pytest.raises(cms.CmsUnreadableError):
        cms.verify_detached(ATTACHMENT, garbage, trust_roots)


# --- openssl cms ---------------------------------------------------------------------------------


def test_openssl_verifies_egov_signature(signature: bytes, tmp_path: Path,
                                         root_ca: CertificateAuthority) -> None:
    need_tool("openssl")
    (tmp_path / "data.zip").write_bytes(ATTACHMENT)
    (tmp_path / "data.p7s").write_bytes(signature)
    (tmp_path / "root.pem").write_bytes(cert_pem(root_ca.certificate))
    args = ["openssl", "cms", "-verify", "-binary", "-inform", "DER",
            "-in", str(tmp_path / "data.p7s"), "-CAfile", str(tmp_path / "root.pem"),
            "-out", "/dev/null"]
    ok = run([*args, "-content", str(tmp_path / "data.zip")])
    assert ok.returncode == 0, ok.stderr
    assert "Verification successful" in ok.stderr
    (tmp_path / "changed.zip").write_bytes(ATTACHMENT + b"!")
    bad = run([*args, "-content", str(tmp_path / "changed.zip")])
    assert bad.returncode != 0
    assert "verification failure" in bad.stderr.lower()


def test_egov_verifies_openssl_signature(tmp_path: Path, vpcp_seal: IssuedCertificate,
                                         write_identity: Callable[..., tuple[Path, Path]],
                                         trust_roots: list[x509.Certificate],
                                         crls: list[bytes]) -> None:
    need_tool("openssl")
    key, cert = write_identity(vpcp_seal, "vpcp")
    (tmp_path / "data.xlsx").write_bytes(ATTACHMENT)
    out = tmp_path / "data.p7s"
    result = run(["openssl", "cms", "-sign", "-binary", "-md", "sha256",
                  "-in", str(tmp_path / "data.xlsx"), "-signer", str(cert), "-inkey", str(key),
                  "-outform", "DER", "-out", str(out)])
    assert result.returncode == 0, result.stderr
    report = cms.verify_detached(ATTACHMENT, out.read_bytes(), trust_roots, crls)
    assert report.verdict is Verdict.VALID, report.problems
    assert report.signer_name == "Văn phòng Chính phủ"
    changed = cms.verify_detached(ATTACHMENT[:-1], out.read_bytes(), trust_roots, crls)
    assert changed.verdict is Verdict.TAMPERED


def test_revoked_issuing_ca(fresh_ca: CertificateAuthority) -> None:
    sub = fresh_ca.create_subordinate("Bad Issuing CA", algorithm="ec-p256")
    who = sub.issue_personal("Lý Văn Chuỗi", "Bộ Công an", "000.00.00.G04",
                             algorithm="ec-p256")
    sig = cms.sign_detached(ATTACHMENT, who.key, who.certificate, who.chain)
    fine = cms.verify_detached(ATTACHMENT, sig, [fresh_ca.certificate],
                               [fresh_ca.crl(), sub.crl()])
    assert fine.verdict is Verdict.VALID, fine.problems
    fresh_ca.revoke(sub.certificate, reason=x509.ReasonFlags.ca_compromise,
                    at=now_utc() - timedelta(minutes=1))
    report = cms.verify_detached(ATTACHMENT, sig, [fresh_ca.certificate],
                                 [fresh_ca.crl(), sub.crl()])
    assert report.verdict is Verdict.REVOKED
    assert "CA certificate Bad Issuing CA in the chain was revoked" in report.problems[0]
    assert report.revocation.status is RevocationStatus.GOOD  # the signer's own entry
