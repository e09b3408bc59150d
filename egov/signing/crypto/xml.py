"""Enveloped XML-DSig signatures (edXML packages), with signxml.

The signature covers the whole document (one Reference, URI="", with the enveloped-signature
transform and exclusive C14N), carries the signer's certificate chain in X509Data, and sits
where the caller says: by default the last child of the root; for edXML, inside
edXML:edXMLHeader (QCVN 102:2016) — see `edxml_signature_parent`.

Parsing is strict: no DTD (a document type declaration is refused), no entity expansion,
no network access.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    SignatureConfiguration,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
)
from signxml.exceptions import InvalidDigest, InvalidInput, InvalidSignature, SignXMLException

from .common import (
    CertificateInfo,
    PrivateKey,
    SigningError,
    check_validity_period,
    ensure_private_key,
    load_certificate,
    now_utc,
)
from .trust import (
    ChainReport,
    RevocationReport,
    RevocationStatus,
    SignatureReport,
    Verdict,
    VerdictInputs,
    decide,
    load_crls,
    revocation_report,
    validate_certificate_chain,
)

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
EDXML_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0

Location = str | Callable[[etree._Element], etree._Element] | None


class XmlUnreadableError(SigningError):
    """The document is not well-formed XML, or uses a feature refused for safety (DTD)."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_blank_text=False)


def parse_xml(xml_bytes: bytes) -> etree._Element:
    """The root of a document parsed safely: DTDs refused, entities never expanded."""
    try:
        root = etree.fromstring(xml_bytes, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlUnreadableError(f"the document is not well-formed XML: {exc}") from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise XmlUnreadableError("documents with a DTD (<!DOCTYPE ...>) are refused")
    return root


class _ParsedTreeVerifier(XMLVerifier):
    """signxml's verifier given a root element that the caller's safe parser already read
    from the bytes: signxml would serialize it and parse it again only to have its own
    copy, and it copies the document once more before it applies the transforms, so the
    caller's tree is never changed."""

    def get_root(self, data: object) -> etree._Element:
        if isinstance(data, etree._Element):
            return data
        return super().get_root(data)


def edxml_signature_parent(root: etree._Element) -> etree._Element:
    """edXML: the signature goes in edXML:Signature inside edXML:edXMLHeader (created if
    missing). Pass as `location` to sign_xml."""
    ns = {"e": EDXML_NS}
    headers = root.xpath("/e:edXML/e:edXMLEnvelope/e:edXMLHeader", namespaces=ns)
    if len(headers) != 1:
        raise SigningError("not an edXML package: edXML/edXMLEnvelope/edXMLHeader is missing")
    header = headers[0]
    holders = header.xpath("e:Signature", namespaces=ns)
    if holders:
        return holders[0]
    return etree.SubElement(header, f"{{{EDXML_NS}}}Signature")


def _resolve_location(root: etree._Element, location: Location,
                      namespaces: Mapping[str, str] | None) -> etree._Element:
    if location is None:
        return root
    if callable(location):
        return location(root)
    found = root.xpath(location, namespaces=dict(namespaces or {}))
    elements = [e for e in found if isinstance(e, etree._Element)] if isinstance(
        found, list) else []
    if len(elements) != 1:
        raise SigningError(f"the location {location!r} must select exactly one element "
                           f"(it selected {len(elements)})")
    return elements[0]


def _algorithm_for(key: PrivateKey) -> SignatureMethod:
    if isinstance(key, rsa.RSAPrivateKey):
        return SignatureMethod.RSA_SHA256
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return SignatureMethod.ECDSA_SHA256 if key.curve.key_size <= 256 \
            else SignatureMethod.ECDSA_SHA384
    raise SigningError("unsupported key type")


def sign_xml(
    xml_bytes: bytes,
    key: PrivateKey,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    *,
    location: Location = None,
    namespaces: Mapping[str, str] | None = None,
    check_validity: bool = True,
) -> bytes:
    """An enveloped XML-DSig over the whole document (URI=""), returned as UTF-8 bytes.

    `location` chooses the parent element of ds:Signature (appended as its last child): an
    XPath evaluated on the root with `namespaces`, or a callable given the root (such as
    `edxml_signature_parent`). Default: the root itself.
    """
    key = ensure_private_key(key)
    if check_validity:
        check_validity_period(cert)
    root = parse_xml(xml_bytes)
    if root.xpath("//ds:Signature", namespaces={"ds": DS_NS}):
        raise SigningError("the document already carries an XML signature")
    for attr in ("Id", "ID"):
        if root.get(attr) is not None:
            raise SigningError(f"the root element has an {attr} attribute: the signature "
                               "must reference the whole document with URI=\"\"")
    parent = _resolve_location(root, location, namespaces)
    placeholder = etree.SubElement(parent, f"{{{DS_NS}}}Signature", nsmap={"ds": DS_NS})
    placeholder.set("Id", "placeholder")
    signer = XMLSigner(signature_algorithm=_algorithm_for(key), digest_algorithm="sha256",
                       c14n_algorithm=EXC_C14N)
    signer.namespaces = {"ds": DS_NS}
    try:
        signed = signer.sign(root, key=key, cert=[cert, *chain])
    except SignXMLException as exc:
        raise SigningError(f"the XML could not be signed: {exc}") from exc
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))


def _embedded_certs(signature: etree._Element) -> list[x509.Certificate]:
    return list(_certificates_of(tuple(
        "".join((node.text or "").split())
        for node in signature.xpath("ds:KeyInfo/ds:X509Data/ds:X509Certificate",
                                    namespaces={"ds": DS_NS}))))


# A hub verifies thousands of packages signed with the same few certificates. What depends
# on the certificates alone is kept per process, keyed by their bytes: the parsed
# certificates of an X509Data, and the signer's revocation status for the same CRLs and the
# same CRL freshness (the only way the time enters it). The verdict is exactly the one
# computed afresh; only the work is saved.
_CACHE_SIZE = 512


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _certificates_of(texts: tuple[str, ...]) -> tuple[x509.Certificate, ...]:
    return tuple(load_certificate(b"-----BEGIN CERTIFICATE-----\n" + text.encode()
                                  + b"\n-----END CERTIFICATE-----\n") for text in texts)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _signer_of(certs: tuple[x509.Certificate, ...]) -> tuple[x509.Certificate, CertificateInfo]:
    signer = _leaf(certs)
    return signer, CertificateInfo.of(signer)


_revocations: dict[tuple[object, ...], RevocationReport] = {}


def _revocation(signer: x509.Certificate, candidates: Sequence[x509.Certificate],
                crls: Sequence[x509.CertificateRevocationList], at: datetime
                ) -> RevocationReport:
    """`revocation_report`, remembered for the same certificates and CRLs as long as no CRL
    changes from current to expired (`check_revocation` compares only that with `at`)."""
    sha256 = hashes.SHA256()
    key = (_der(signer), tuple(_der(c) for c in candidates),
           tuple(crl.fingerprint(sha256) for crl in crls),
           tuple(crl.next_update_utc is not None and crl.next_update_utc < at for crl in crls))
    found = _revocations.get(key)
    if found is None:
        found = revocation_report(signer, candidates, crls, at)
        if len(_revocations) >= _CACHE_SIZE:
            _revocations.pop(next(iter(_revocations)))
        _revocations[key] = found
    return found


def _leaf(certs: Sequence[x509.Certificate]) -> x509.Certificate:
    issuers = {c.issuer for c in certs}
    leaves = [c for c in certs if c.subject not in issuers or c.subject == c.issuer]
    return leaves[0] if leaves else certs[0]


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def verify_xml(
    xml_bytes: bytes,
    trust_roots: Sequence[x509.Certificate] | None = None,
    crls: Sequence[bytes | x509.CertificateRevocationList] = (),
    *,
    trusted_certs: Sequence[x509.Certificate] | None = None,
    expected_agency_code: str | None = None,
    at: datetime | None = None,
    tree: etree._Element | None = None,
) -> SignatureReport:
    """The verdict on the one enveloped signature of a document.

    Trust comes from `trust_roots` (a chain to a root, with CRLs), from `trusted_certs` (the
    signer's certificate must be one of them: the sender's registered certificates), or
    both. `expected_agency_code` rejects a certificate that belongs to another agency.

    `tree` is the root element already parsed from `xml_bytes` by a parser as strict as
    `parse_xml` (no DTD, no entities, no network — `egov.edxml.parse_package_tree`): the
    bytes are then not parsed again, and the tree is left as it was.
    """
    if not trust_roots and not trusted_certs:
        raise ValueError("give trust_roots, trusted_certs or both")
    root = parse_xml(xml_bytes) if tree is None else tree
    when = at or now_utc()
    signatures = root.xpath("//ds:Signature", namespaces={"ds": DS_NS})
    if len(signatures) != 1:
        return _unreadable(f"expected one XML signature, found {len(signatures)}")
    signature = signatures[0]
    try:
        certs = _embedded_certs(signature)
    except ValueError as exc:
        return _unreadable(f"the certificate in the signature cannot be read: {exc}")
    if not certs:
        return _unreadable("the signature carries no X.509 certificate")
    refs = signature.xpath("ds:SignedInfo/ds:Reference", namespaces={"ds": DS_NS})
    if len(refs) != 1 or refs[0].get("URI") != "":
        return _unreadable("the signature must have exactly one reference to the whole "
                           "document (URI=\"\")", certs[0])
    signer, info = _signer_of(tuple(certs))

    intact = valid = True
    problem: str | None = None
    try:
        _ParsedTreeVerifier().verify(
            root, x509_cert=signer, parser=_parser(),
            expect_config=SignatureConfiguration(
                require_x509=True, expect_references=1,
                signature_methods=frozenset({SignatureMethod.RSA_SHA256,
                                             SignatureMethod.RSA_SHA384,
                                             SignatureMethod.RSA_SHA512,
                                             SignatureMethod.ECDSA_SHA256,
                                             SignatureMethod.ECDSA_SHA384,
                                             SignatureMethod.ECDSA_SHA512}),
                ignore_ambiguous_key_info=True,
                # Validity periods, chain and revocation are judged below by the same logic
                # as PDF signatures; signxml checks the cryptography only.
                verification_time=signer.not_valid_before_utc))
    except InvalidDigest as exc:
        intact, problem = False, str(exc)
    except InvalidSignature as exc:
        if "digest" in str(exc).lower():
            intact, problem = False, str(exc)
        else:
            valid, problem = False, str(exc)
    except InvalidInput as exc:
        return _unreadable(f"the signature cannot be checked: {exc}", signer)
    except SignXMLException as exc:
        valid, problem = False, str(exc)

    crl_list = load_crls(crls)
    problems: list[str] = []
    if trust_roots:
        chain, indic = validate_certificate_chain(signer, certs, trust_roots, crl_list, when)
    else:
        chain, indic = ChainReport(trusted=True, path=(CertificateInfo.of(signer),)), None
    if trusted_certs is not None and _der(signer) not in {_der(c) for c in trusted_certs}:
        chain = ChainReport(trusted=False, path=chain.path,
                            problem="the signer's certificate is not one registered for the "
                                    "sender")
        indic = None
    if expected_agency_code is not None and info.agency_code != expected_agency_code:
        chain = ChainReport(trusted=False, path=chain.path,
                            problem=f"the certificate belongs to agency "
                                    f"{info.agency_code or info.organisation}, not "
                                    f"{expected_agency_code}")
        indic = None
    revocation = _revocation(signer, [*certs, *(trust_roots or ())], crl_list, when)
    v = VerdictInputs(intact=intact, valid=valid, signer=signer, chain=chain,
                      indication=indic, revocation=revocation, at=when, problems=problems)
    verdict = decide(v)
    if problem and verdict is Verdict.TAMPERED:
        v.problems.append(problem)
    return SignatureReport(
        kind="xml", verdict=verdict, intact=intact, valid=valid, signer=info, chain=chain,
        revocation=revocation, digest_algorithm="sha256",
        signature_mechanism=str(signature.xpath(
            "string(ds:SignedInfo/ds:SignatureMethod/@Algorithm)", namespaces={"ds": DS_NS})),
        problems=tuple(v.problems), notes=tuple(v.notes))


def _unreadable(problem: str, signer: x509.Certificate | None = None) -> SignatureReport:
    return SignatureReport(
        kind="xml", verdict=Verdict.MALFORMED, intact=False, valid=False,
        signer=CertificateInfo.of(signer) if signer is not None else None,
        chain=ChainReport(trusted=False, problem="not checked"),
        revocation=RevocationReport(RevocationStatus.UNKNOWN, detail="not checked"),
        problems=(problem,))
