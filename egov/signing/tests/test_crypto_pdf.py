"""PAdES signing and verification, and agreement with independent PDF tools."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from cryptography import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from egov.signing.crypto import pdf
from egov.signing.crypto.ca import CertificateAuthority, IssuedCertificate
from egov.signing.crypto.common import CertificateNotUsableError, SigningError, now_utc
from egov.signing.crypto.trust import RevocationStatus, Verdict

from .conftest import need_tool, run

LEADER_BOX = (0, 330, 40, 560, 110)
SEAL_BOX = (0, 250, 90, 420, 150)


def sign_leader(doc: bytes, leader_cert: IssuedCertificate, **kwargs: object) -> bytes:
    return pdf.sign_pdf(doc, leader_cert.key, leader_cert.certificate, leader_cert.chain,
                        field_name="ChuKyLanhDao", box=LEADER_BOX,
                        stamp_lines=pdf.signer_stamp_lines("Phạm Minh Lãnh", "Thứ trưởng"),
                        **kwargs)  # type: ignore[arg-type]


def sign_seal(doc: bytes, seal_cert: IssuedCertificate, **kwargs: object) -> bytes:
    return pdf.sign_pdf(doc, seal_cert.key, seal_cert.certificate, seal_cert.chain,
                        field_name="DauCoQuan", box=SEAL_BOX,
                        stamp_lines=pdf.seal_stamp_lines("Bộ Tài chính", "12/QĐ-BTC",
                                                         date(2026, 2, 5)),
                        **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def leader_signed(sample_pdf: bytes, leader_cert: IssuedCertificate,
                  tsa: IssuedCertificate) -> bytes:
    return sign_leader(sample_pdf, leader_cert, timestamper=pdf.local_timestamper(tsa))


@pytest.fixture(scope="module")
def issued(leader_signed: bytes, seal_cert: IssuedCertificate) -> bytes:
    """Signed by the leader (with a timestamp), then sealed by the agency."""
    return sign_seal(leader_signed, seal_cert)


def test_round_trip_reports_every_fact(leader_signed: bytes, sample_pdf: bytes,
                                       trust_roots: list[x509.Certificate],
                                       crls: list[bytes]) -> None:
    assert leader_signed.startswith(sample_pdf)  # incremental update
    [report] = pdf.verify_pdf(leader_signed, trust_roots, crls)
    assert report.verdict is Verdict.VALID, report.problems
    assert report.ok and report.intact and report.valid
    assert report.field_name == "ChuKyLanhDao"
    assert report.signer_name == "Phạm Minh Lãnh"
    assert report.organisation == "Bộ Tài chính"
    assert report.signer is not None and report.signer.agency_code == "000.00.00.G12"
    assert report.signing_time is not None
    assert abs(report.signing_time - now_utc()) < timedelta(minutes=10)
    assert report.timestamp_time is not None and report.timestamp_trusted
    assert report.timestamp_authority == "Egov Demo Timestamping Authority"
    assert [c.common_name for c in report.chain.path] == [
        "Phạm Minh Lãnh", "Egov Test Issuing CA", "Egov Test Root CA"]
    assert report.chain.trusted and report.chain.anchor is not None
    assert report.revocation.status is RevocationStatus.GOOD
    assert report.modified_after_signing is False
    assert report.coverage == "ENTIRE_FILE"
    assert report.digest_algorithm == "sha256"


def test_two_signatures_coexist_and_both_verify(issued: bytes, leader_signed: bytes,
                                                trust_roots: list[x509.Certificate],
                                                crls: list[bytes]) -> None:
    assert issued.startswith(leader_signed)
    first, second = pdf.verify_pdf(issued, trust_roots, crls)
    assert first.verdict is Verdict.VALID, first.problems
    assert second.verdict is Verdict.VALID, second.problems
    assert first.signer_name == "Phạm Minh Lãnh"
    assert second.signer_name == "Bộ Tài chính"
    assert first.modified_after_signing is True
    assert first.modification_level == "FORM_FILLING"
    assert any("signatures or form fields" in n for n in first.notes)
    assert second.modified_after_signing is False
    assert pdf.signature_field_names(issued) == ["ChuKyLanhDao", "DauCoQuan"]


def test_stamps_show_vietnamese_text(issued: bytes, tmp_path: Path) -> None:
    need_tool("pdftotext")
    (tmp_path / "issued.pdf").write_bytes(issued)
    text = run(["pdftotext", str(tmp_path / "issued.pdf"), "-"]).stdout
    assert "Người ký: Phạm Minh Lãnh" in text
    assert "Chức vụ: Thứ trưởng" in text
    assert "Số, ký hiệu: 12/QĐ-BTC" in text
    assert "Ngày ban hành: 05/02/2026" in text
    times = re.findall(r"Thời gian ký: (\d\d:\d\d:\d\d \d\d/\d\d/\d{4}) \+07:00", text)
    assert len(times) == 2


def test_signing_an_already_signed_field_is_refused(issued: bytes,
                                                    seal_cert: IssuedCertificate) -> None:
    with pytest.raises(SigningError, match="already signed"):
        sign_seal(issued, seal_cert)


def test_invisible_ecdsa_signature_with_background_image(
        sample_pdf: bytes, ec_official: IssuedCertificate,
        trust_roots: list[x509.Certificate]) -> None:
    from PIL import Image

    png = BytesIO()
    Image.new("RGBA", (60, 60), (200, 0, 0, 128)).save(png, "PNG")
    visible = pdf.sign_pdf(sample_pdf, ec_official.key, ec_official.certificate,
                           ec_official.chain, field_name="A", box=(0, 40, 40, 200, 100),
                           stamp_lines=["Trần Thị Bình"], image_png=png.getvalue())
    invisible = pdf.sign_pdf(visible, ec_official.key, ec_official.certificate,
                             ec_official.chain, field_name="B")
    reports = pdf.verify_pdf(invisible, trust_roots)
    assert [r.verdict for r in reports] == [Verdict.VALID, Verdict.VALID]
    assert "ecdsa" in (reports[0].signature_mechanism or "")
    # No CRL given: the revocation status is unknown, and said so.
    assert reports[1].revocation.status is RevocationStatus.UNKNOWN


def test_unsigned_pdf_has_no_reports(sample_pdf: bytes,
                                     trust_roots: list[x509.Certificate]) -> None:
    assert pdf.verify_pdf(sample_pdf, trust_roots) == []


def test_not_a_pdf_is_refused(trust_roots: list[x509.Certificate],
                              leader_cert: IssuedCertificate) -> None:
    with pytest.raises(pdf.PdfUnreadableError):
        pdf.verify_pdf(b"PK\x03\x04 this is a zip", trust_roots)
    with pytest.raises(pdf.PdfUnreadableError):
        sign_leader(b"%PDF-1.7\n garbage", leader_cert)


# --- tampering ---------------------------------------------------------------------------------


def flip_signed_byte(signed: bytes) -> bytes:
    """Change one byte inside the first signed range (the producer name in the Info dict),
    keeping the file readable."""
    pos = signed.index(b"WeasyPrint") + 1
    return signed[:pos] + bytes([signed[pos] ^ 0x20]) + signed[pos + 1:]


def append_content_update(signed: bytes) -> bytes:
    """An unsigned incremental update that paints over page 1."""
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    stream = generic.StreamObject(stream_data=b"q 1 0 0 rg 50 600 300 100 re f Q")
    writer.add_stream_to_page(0, writer.add_object(stream))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_flipped_byte_is_tampered(issued: bytes, trust_roots: list[x509.Certificate],
                                  crls: list[bytes]) -> None:
    reports = pdf.verify_pdf(flip_signed_byte(issued), trust_roots, crls)
    assert [r.verdict for r in reports] == [Verdict.TAMPERED, Verdict.TAMPERED]
    assert not reports[0].intact
    assert "changed after signing" in reports[0].problems[0]


def test_content_changed_after_signing_is_modified(issued: bytes,
                                                   trust_roots: list[x509.Certificate],
                                                   crls: list[bytes]) -> None:
    changed = append_content_update(issued)
    assert changed.startswith(issued)
    reports = pdf.verify_pdf(changed, trust_roots, crls)
    for report in reports:
        assert report.intact and report.valid  # the signed bytes themselves are untouched
        assert report.verdict is Verdict.MODIFIED, report.problems
        assert report.modified_after_signing
        assert report.modification_level == "OTHER"


# --- certificates that must not pass -----------------------------------------------------------


def test_unknown_ca_is_untrusted(sample_pdf: bytes, stranger: IssuedCertificate,
                                 trust_roots: list[x509.Certificate]) -> None:
    signed = pdf.sign_pdf(sample_pdf, stranger.key, stranger.certificate, stranger.chain,
                          field_name="X")
    [report] = pdf.verify_pdf(signed, trust_roots)
    assert report.intact and report.valid
    assert report.verdict is Verdict.UNTRUSTED
    assert not report.chain.trusted
    assert "unknown CA" in (report.chain.problem or "")


def test_expired_certificate_refuses_to_sign(sample_pdf: bytes,
                                             expired: IssuedCertificate) -> None:
    with pytest.raises(CertificateNotUsableError, match="expired"):
        pdf.sign_pdf(sample_pdf, expired.key, expired.certificate, expired.chain,
                     field_name="X")


def test_expired_certificate_signature_is_expired(sample_pdf: bytes,
                                                  expired: IssuedCertificate,
                                                  trust_roots: list[x509.Certificate],
                                                  crls: list[bytes]) -> None:
    signed = pdf.sign_pdf(sample_pdf, expired.key, expired.certificate, expired.chain,
                          field_name="X", check_validity=False)
    [report] = pdf.verify_pdf(signed, trust_roots, crls)
    assert report.verdict is Verdict.EXPIRED
    assert "expired" in report.problems[0]


def test_revoked_certificate_is_revoked(sample_pdf: bytes,
                                        fresh_ca: CertificateAuthority) -> None:
    who = fresh_ca.issue_personal("Đỗ Văn Thu Hồi", "Bộ Y tế", "000.00.00.G10",
                                  algorithm="ec-p256")
    signed = pdf.sign_pdf(sample_pdf, who.key, who.certificate, who.chain, field_name="X")
    [before] = pdf.verify_pdf(signed, [fresh_ca.certificate], [fresh_ca.crl()])
    assert before.verdict is Verdict.VALID
    revoked_at = now_utc() - timedelta(seconds=5)
    fresh_ca.revoke(who.certificate, reason=x509.ReasonFlags.key_compromise, at=revoked_at)
    [after] = pdf.verify_pdf(signed, [fresh_ca.certificate], [fresh_ca.crl()])
    assert after.verdict is Verdict.REVOKED
    assert after.revocation.status is RevocationStatus.REVOKED
    assert after.revocation.reason == "keyCompromise"
    assert after.revocation.revoked_at is not None
    assert abs(after.revocation.revoked_at - revoked_at) < timedelta(seconds=1)


def test_timestamp_keeps_a_signature_valid_after_expiry(sample_pdf: bytes,
                                                        fresh_ca: CertificateAuthority) -> None:
    who = fresh_ca.issue_personal("Ngô Thị Hạn", "Bộ Y tế", "000.00.00.G10",
                                  algorithm="ec-p256", valid_days=1)
    tsa = fresh_ca.issue_timestamping()
    with_ts = pdf.sign_pdf(sample_pdf, who.key, who.certificate, who.chain, field_name="X",
                           timestamper=pdf.local_timestamper(tsa))
    without_ts = pdf.sign_pdf(sample_pdf, who.key, who.certificate, who.chain,
                              field_name="X")
    later = now_utc() + timedelta(days=3)
    [report] = pdf.verify_pdf(with_ts, [fresh_ca.certificate], [fresh_ca.crl()], at=later)
    assert report.verdict is Verdict.VALID, report.problems
    assert any("valid at the trusted timestamp" in n for n in report.notes)
    [report] = pdf.verify_pdf(without_ts, [fresh_ca.certificate], [fresh_ca.crl()], at=later)
    assert report.verdict is Verdict.EXPIRED


@pytest.mark.parametrize("reason,verdict", [
    (x509.ReasonFlags.affiliation_changed, Verdict.VALID),
    (x509.ReasonFlags.key_compromise, Verdict.REVOKED),
])
def test_revocation_after_the_timestamp(sample_pdf: bytes, fresh_ca: CertificateAuthority,
                                        reason: x509.ReasonFlags, verdict: Verdict) -> None:
    who = fresh_ca.issue_personal("Vũ Văn Chuyển", "Bộ Y tế", "000.00.00.G10",
                                  algorithm="ec-p256")
    tsa = fresh_ca.issue_timestamping()
    signed = pdf.sign_pdf(sample_pdf, who.key, who.certificate, who.chain, field_name="X",
                          timestamper=pdf.local_timestamper(tsa))
    now = now_utc()
    fresh_ca.revoke(who.certificate, reason=reason, at=now + timedelta(hours=1))
    crl = fresh_ca.crl(this_update=now + timedelta(minutes=90))
    [report] = pdf.verify_pdf(signed, [fresh_ca.certificate], [crl],
                              at=now + timedelta(hours=2))
    assert report.revocation.status is RevocationStatus.REVOKED
    assert report.verdict is verdict, report.problems


# --- independent tools: poppler's pdfsig (NSS) and pyHanko's CLI -------------------------------


def pdfsig(path: Path, nssdir: str | None = None) -> str:
    need_tool("pdfsig")
    # Not -no-ocsp: poppler 22.12 then reports "Unknown issue with Certificate" even for a
    # trusted chain. Our certificates carry no OCSP address, so nothing is fetched anyway.
    args = ["pdfsig"]
    if nssdir:
        args += ["-nssdir", nssdir]
    result = run([*args, str(path)])
    return result.stdout + result.stderr


def test_pdfsig_accepts_egov_signatures(issued: bytes, tmp_path: Path,
                                        root_ca: CertificateAuthority,
                                        nss_db: Callable[..., str]) -> None:
    path = tmp_path / "issued.pdf"
    path.write_bytes(issued)
    untrusted = pdfsig(path)
    assert untrusted.count("Signature Validation: Signature is Valid.") == 2, untrusted
    assert "Certificate issuer isn't Trusted" in untrusted
    trusted = pdfsig(path, nss_db(root_ca.certificate))
    assert trusted.count("Signature Validation: Signature is Valid.") == 2, trusted
    assert trusted.count("Certificate Validation: Certificate is Trusted.") == 2, trusted
    assert "ETSI.CAdES.detached" in trusted  # PAdES subfilter
    assert "Signer Certificate Common Name: Phạm Minh Lãnh" in trusted


def test_pdfsig_agrees_that_a_flipped_byte_is_tampered(issued: bytes, tmp_path: Path) -> None:
    path = tmp_path / "tampered.pdf"
    path.write_bytes(flip_signed_byte(issued))
    output = pdfsig(path)
    assert "Signature is Valid" not in output
    assert "Digest Mismatch" in output


def test_egov_accepts_a_signature_made_by_poppler(sample_pdf: bytes, tmp_path: Path,
                                                  vpcp_seal: IssuedCertificate,
                                                  root_ca: CertificateAuthority,
                                                  trust_roots: list[x509.Certificate],
                                                  nss_db: Callable[..., str]) -> None:
    need_tool("pk12util")
    nssdir = nss_db(root_ca.certificate)
    p12 = tmp_path / "seal.p12"
    p12.write_bytes(vpcp_seal.to_pkcs12(b"bi-mat", friendly_name="vpcp"))
    result = run(["pk12util", "-i", str(p12), "-d", nssdir, "-W", "bi-mat"])
    assert result.returncode == 0, result.stdout + result.stderr
    (tmp_path / "in.pdf").write_bytes(sample_pdf)
    out = tmp_path / "poppler-signed.pdf"
    result = run(["pdfsig", "-nssdir", nssdir, "-add-signature", "-nick", "vpcp",
                  "-new-signature-field-name", "PopplerSig", "-reason", "Kiểm thử",
                  str(tmp_path / "in.pdf"), str(out)])
    assert result.returncode == 0 and out.exists(), result.stdout + result.stderr
    [report] = pdf.verify_pdf(out.read_bytes(), trust_roots)
    assert report.verdict is Verdict.VALID, report.problems
    assert report.field_name == "PopplerSig"
    assert report.signer_name == "Văn phòng Chính phủ"


def test_egov_accepts_a_signature_made_by_pyhanko_cli(sample_pdf: bytes, tmp_path: Path,
                                                      vpcp_seal: IssuedCertificate,
                                                      write_identity: Callable[..., tuple[
                                                          Path, Path]],
                                                      trust_roots: list[x509.Certificate],
                                                      crls: list[bytes]) -> None:
    import sys

    cli = Path(sys.executable).with_name("pyhanko")
    if not cli.exists():
        pytest.fail("the pyhanko command (package pyhanko-cli) is not installed")
    key, cert = write_identity(vpcp_seal, "vpcp")
    (tmp_path / "in.pdf").write_bytes(sample_pdf)
    out = tmp_path / "cli-signed.pdf"
    result = run([str(cli), "sign", "addsig", "--field", "1/100,100,300,160/CliSig",
                  "--use-pades", "pemder", "--key", str(key), "--cert", str(cert),
                  "--no-pass", str(tmp_path / "in.pdf"), str(out)])
    assert result.returncode == 0, result.stdout + result.stderr
    [report] = pdf.verify_pdf(out.read_bytes(), trust_roots, crls)
    assert report.verdict is Verdict.VALID, report.problems
    assert report.field_name == "CliSig"


def test_decomposed_vietnamese_is_stamped_precomposed(sample_pdf: bytes, tmp_path: Path,
                                                      ec_official: IssuedCertificate) -> None:
    import unicodedata

    need_tool("pdftotext")
    name = unicodedata.normalize("NFD", "Trần Thị Bình — Phó Chánh Văn phòng")
    signed = pdf.sign_pdf(sample_pdf, ec_official.key, ec_official.certificate,
                          ec_official.chain, field_name="A", box=(0, 40, 40, 300, 100),
                          stamp_lines=[name])
    (tmp_path / "a.pdf").write_bytes(signed)
    text = run(["pdftotext", str(tmp_path / "a.pdf"), "-"]).stdout
    assert "Trần Thị Bình — Phó Chánh Văn phòng" in unicodedata.normalize("NFC", text)
