"""Enveloped XML-DSig for edXML packages, safe parsing, and agreement with xmlsec1."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from lxml import etree

from egov.signing.crypto import xml as ex
from egov.signing.crypto.ca import CertificateAuthority, IssuedCertificate
from egov.signing.crypto.common import SigningError, now_utc
from egov.signing.crypto.trust import RevocationStatus, Verdict

from .conftest import need_tool, run

NS = {"e": ex.EDXML_NS, "ds": ex.DS_NS}


@pytest.fixture(scope="module")
def signed(sample_xml: bytes, vpcp_seal: IssuedCertificate) -> bytes:
    return ex.sign_xml(sample_xml, vpcp_seal.key, vpcp_seal.certificate, vpcp_seal.chain,
                       location=ex.edxml_signature_parent)


def test_edxml_signature_sits_in_the_header(signed: bytes) -> None:
    root = etree.fromstring(signed)
    [sig] = root.xpath("//ds:Signature", namespaces=NS)
    assert sig.getparent().tag == f"{{{ex.EDXML_NS}}}Signature"
    assert sig.getparent().getparent().tag == f"{{{ex.EDXML_NS}}}edXMLHeader"
    [ref] = sig.xpath("ds:SignedInfo/ds:Reference", namespaces=NS)
    assert ref.get("URI") == ""
    transforms = ref.xpath("ds:Transforms/ds:Transform/@Algorithm", namespaces=NS)
    assert transforms == ["http://www.w3.org/2000/09/xmldsig#enveloped-signature",
                          "http://www.w3.org/2001/10/xml-exc-c14n#"]
    assert sig.xpath("string(ds:SignedInfo/ds:SignatureMethod/@Algorithm)", namespaces=NS) \
        == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    assert len(sig.xpath("ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=NS)) == 2


def test_round_trip(signed: bytes, trust_roots: list[x509.Certificate],
                    crls: list[bytes]) -> None:
    report = ex.verify_xml(signed, trust_roots, crls)
    assert report.verdict is Verdict.VALID, report.problems
    assert report.kind == "xml"
    assert report.signer_name == "Văn phòng Chính phủ"
    assert report.signer is not None and report.signer.agency_code == "000.00.00.G22"
    assert report.chain.trusted
    assert report.revocation.status is RevocationStatus.GOOD


def test_default_location_is_last_child_of_root(sample_xml: bytes,
                                                ec_official: IssuedCertificate,
                                                trust_roots: list[x509.Certificate]) -> None:
    out = ex.sign_xml(sample_xml, ec_official.key, ec_official.certificate)
    root = etree.fromstring(out)
    assert root[-1].tag == f"{{{ex.DS_NS}}}Signature"
    assert "ecdsa-sha256" in root[-1].xpath(
        "string(ds:SignedInfo/ds:SignatureMethod/@Algorithm)", namespaces=NS)
    assert ex.verify_xml(out, trust_roots).verdict is Verdict.VALID


def test_xpath_location(sample_xml: bytes, ec_official: IssuedCertificate,
                        trust_roots: list[x509.Certificate]) -> None:
    out = ex.sign_xml(sample_xml, ec_official.key, ec_official.certificate,
                      location="/e:edXML/e:edXMLEnvelope/e:edXMLBody", namespaces=NS)
    root = etree.fromstring(out)
    assert root.xpath("/e:edXML/e:edXMLEnvelope/e:edXMLBody/ds:Signature", namespaces=NS)
    assert ex.verify_xml(out, trust_roots).verdict is Verdict.VALID
    with pytest.raises(SigningError, match="exactly one element"):
        ex.sign_xml(sample_xml, ec_official.key, ec_official.certificate,
                    location="//e:Missing", namespaces=NS)


def test_signing_twice_is_refused(signed: bytes, vpcp_seal: IssuedCertificate) -> None:
    with pytest.raises(SigningError, match="already carries"):
        ex.sign_xml(signed, vpcp_seal.key, vpcp_seal.certificate)


# --- tampering and trust ------------------------------------------------------------------------


def test_changed_content_is_tampered(signed: bytes,
                                     trust_roots: list[x509.Certificate]) -> None:
    changed = signed.replace("chữ ký số".encode(), b"chu ky so")
    assert changed != signed
    report = ex.verify_xml(changed, trust_roots)
    assert report.verdict is Verdict.TAMPERED
    assert not report.intact


def test_changed_signature_value_is_tampered(signed: bytes,
                                             trust_roots: list[x509.Certificate]) -> None:
    root = etree.fromstring(signed)
    [value] = root.xpath("//ds:SignatureValue", namespaces=NS)
    text = value.text.strip()
    value.text = ("A" if text[0] != "A" else "B") + text[1:]
    report = ex.verify_xml(etree.tostring(root), trust_roots)
    assert report.verdict is Verdict.TAMPERED
    assert report.intact is True and report.valid is False


def test_unknown_ca_is_untrusted(sample_xml: bytes, stranger: IssuedCertificate,
                                 trust_roots: list[x509.Certificate]) -> None:
    out = ex.sign_xml(sample_xml, stranger.key, stranger.certificate, stranger.chain)
    report = ex.verify_xml(out, trust_roots)
    assert report.verdict is Verdict.UNTRUSTED
    assert "unknown CA" in (report.chain.problem or "")


def test_pinned_certificates_of_the_sender(signed: bytes, vpcp_seal: IssuedCertificate,
                                           seal_cert: IssuedCertificate) -> None:
    ok = ex.verify_xml(signed, trusted_certs=[vpcp_seal.certificate])
    assert ok.verdict is Verdict.VALID
    other = ex.verify_xml(signed, trusted_certs=[seal_cert.certificate])
    assert other.verdict is Verdict.UNTRUSTED
    assert "not one registered for the sender" in other.problems[0]


def test_certificate_of_another_agency(signed: bytes,
                                       trust_roots: list[x509.Certificate]) -> None:
    report = ex.verify_xml(signed, trust_roots, expected_agency_code="000.00.00.G12")
    assert report.verdict is Verdict.UNTRUSTED
    assert "belongs to agency 000.00.00.G22" in report.problems[0]
    assert ex.verify_xml(signed, trust_roots,
                         expected_agency_code="000.00.00.G22").verdict is Verdict.VALID


def test_expired_certificate(sample_xml: bytes, expired: IssuedCertificate,
                             trust_roots: list[x509.Certificate]) -> None:
    with pytest.raises(SigningError, match="expired"):
        ex.sign_xml(sample_xml, expired.key, expired.certificate, expired.chain)
    out = ex.sign_xml(sample_xml, expired.key, expired.certificate, expired.chain,
                      check_validity=False)
    assert ex.verify_xml(out, trust_roots).verdict is Verdict.EXPIRED


def test_revoked_certificate(sample_xml: bytes, fresh_ca: CertificateAuthority) -> None:
    who = fresh_ca.issue_seal("UBND tỉnh Quảng Ninh", "000.00.00.H49", algorithm="ec-p256")
    out = ex.sign_xml(sample_xml, who.key, who.certificate, who.chain)
    fresh_ca.revoke(who.certificate, reason=x509.ReasonFlags.superseded,
                    at=now_utc() - timedelta(minutes=1))
    report = ex.verify_xml(out, [fresh_ca.certificate], [fresh_ca.crl()])
    assert report.verdict is Verdict.REVOKED
    assert report.revocation.reason == "superseded"


def test_a_verdict_remembered_per_process_follows_new_crls_and_time(
        sample_xml: bytes, fresh_ca: CertificateAuthority) -> None:
    """The same signer verified again: a new CRL that revokes it, or its CRL going out of
    date, changes the verdict exactly as for a first verification."""
    who = fresh_ca.issue_seal("UBND tỉnh Hậu Giang", "000.00.00.H30", algorithm="ec-p256")
    out = ex.sign_xml(sample_xml, who.key, who.certificate, who.chain)
    roots, first_crl = [fresh_ca.certificate], fresh_ca.crl(next_update_days=1)
    for _ in range(2):
        report = ex.verify_xml(out, roots, [first_crl])
        assert report.verdict is Verdict.VALID, report.problems
        assert report.revocation.status is RevocationStatus.GOOD
    later = ex.verify_xml(out, roots, [first_crl], at=now_utc() + timedelta(days=2))
    assert later.revocation.status is RevocationStatus.UNKNOWN
    fresh_ca.revoke(who.certificate, reason=x509.ReasonFlags.key_compromise,
                    at=now_utc() - timedelta(minutes=1))
    revoked = ex.verify_xml(out, roots, [fresh_ca.crl()])
    assert revoked.verdict is Verdict.REVOKED
    assert revoked.revocation.reason == "keyCompromise"
    assert ex.verify_xml(out, roots, [first_crl]).verdict is Verdict.VALID


def test_partial_reference_is_refused(sample_xml: bytes, ec_official: IssuedCertificate,
                                      trust_roots: list[x509.Certificate]) -> None:
    """A signature over only part of the document (signature wrapping) is not accepted."""
    from signxml import SignatureMethod, XMLSigner

    root = etree.fromstring(sample_xml)
    root.xpath("//e:MessageHeader", namespaces=NS)[0].set("Id", "hdr")
    signer = XMLSigner(signature_algorithm=SignatureMethod.ECDSA_SHA256)
    signed = signer.sign(root, key=ec_official.key, cert=[ec_official.certificate],
                         reference_uri="#hdr")
    report = ex.verify_xml(etree.tostring(signed), trust_roots)
    assert report.verdict is Verdict.MALFORMED
    assert 'URI=""' in report.problems[0]


def test_two_signatures_are_refused(signed: bytes,
                                    trust_roots: list[x509.Certificate]) -> None:
    root = etree.fromstring(signed)
    [sig] = root.xpath("//ds:Signature", namespaces=NS)
    root.append(etree.fromstring(etree.tostring(sig)))
    report = ex.verify_xml(etree.tostring(root), trust_roots)
    assert report.verdict is Verdict.MALFORMED


# --- safe parsing --------------------------------------------------------------------------------


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML><Subject>&xxe;</Subject></edXML>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<lolz>&lol3;</lolz>"""


@pytest.mark.parametrize("document", [XXE, LAUGHS, b"<edXML><unclosed></edXML>", b""])
def test_unsafe_or_broken_documents_are_refused(document: bytes,
                                                ec_official: IssuedCertificate,
                                                trust_roots: list[x509.Certificate]) -> None:
    with pytest.raises(ex.XmlUnreadableError):
        ex.verify_xml(document, trust_roots)
    with pytest.raises(ex.XmlUnreadableError):
        ex.sign_xml(document, ec_official.key, ec_official.certificate)


# --- xmlsec1 -------------------------------------------------------------------------------------


def xmlsec_verify(path: Path, root_pem: Path) -> tuple[int, str]:
    need_tool("xmlsec1")
    result = run(["xmlsec1", "--verify", "--trusted-pem", str(root_pem), str(path)])
    return result.returncode, result.stdout + result.stderr


def test_xmlsec1_verifies_egov_signatures(signed: bytes, sample_xml: bytes, tmp_path: Path,
                                          ec_official: IssuedCertificate,
                                          root_ca: CertificateAuthority,
                                          write_pem: Callable[..., Path]) -> None:
    root_pem = write_pem("root.pem", root_ca.certificate)
    (tmp_path / "rsa.xml").write_bytes(signed)
    code, out = xmlsec_verify(tmp_path / "rsa.xml", root_pem)
    assert code == 0 and "OK" in out, out
    (tmp_path / "ec.xml").write_bytes(
        ex.sign_xml(sample_xml, ec_official.key, ec_official.certificate))
    code, out = xmlsec_verify(tmp_path / "ec.xml", root_pem)
    assert code == 0 and "OK" in out, out
    (tmp_path / "changed.xml").write_bytes(
        signed.replace("chữ ký số".encode(), b"chu ky so"))
    code, out = xmlsec_verify(tmp_path / "changed.xml", root_pem)
    assert code != 0 and "FAIL" in out


TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"
       xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:edXMLEnvelope>
<edXML:edXMLHeader><edXML:MessageHeader><Subject>Gửi qua trục liên thông</Subject>
</edXML:MessageHeader><edXML:Signature>
<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>
<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
<Reference URI=""><Transforms>
<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms>
<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference>
</SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature>
</edXML:Signature></edXML:edXMLHeader><edXML:edXMLBody/></edXML:edXMLEnvelope></edXML>
"""


def test_egov_verifies_xmlsec1_signatures(tmp_path: Path, vpcp_seal: IssuedCertificate,
                                          write_identity: Callable[..., tuple[Path, Path]],
                                          trust_roots: list[x509.Certificate],
                                          crls: list[bytes]) -> None:
    need_tool("xmlsec1")
    key, cert = write_identity(vpcp_seal, "vpcp")
    (tmp_path / "template.xml").write_text(TEMPLATE, encoding="utf-8")
    out = tmp_path / "signed.xml"
    result = run(["xmlsec1", "--sign", "--privkey-pem", f"{key},{cert}", "--output", str(out),
                  str(tmp_path / "template.xml")])
    assert result.returncode == 0, result.stderr
    report = ex.verify_xml(out.read_bytes(), trust_roots, crls)
    assert report.verdict is Verdict.VALID, report.problems
    assert report.signer_name == "Văn phòng Chính phủ"
    changed = out.read_bytes().replace("trục".encode(), b"truc")
    assert ex.verify_xml(changed, trust_roots).verdict is Verdict.TAMPERED
