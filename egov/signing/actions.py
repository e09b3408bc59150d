"""State changes of digital signatures: certificates (issue, import, revoke), the leader's
signature on approval, the agency seal on issue, and edXML packages signed and checked.

Each action runs in one transaction with its audit entry inside; the cryptography is the
library's (``egov.signing.crypto``), keys are opened only for the moment of signing."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

from cryptography import x509
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from pypdf import PdfReader

from egov.core import audit
from egov.core.models import Organisation, Post, User
from egov.documents import actions as documents
from egov.documents.models import Document, DocumentFile

from . import store, verification
from .crypto import ca as crypto_ca
from .crypto import cms, pdf, pkcs11, xml
from .crypto.common import (
    CertificateInfo,
    CertificateNotUsableError,
    SigningError,
    cert_pem,
    certs_pem,
    load_certificates,
)
from .crypto.trust import SignatureReport, check_signing_certificate
from .models import Authority, Certificate

STAMP_WIDTH = 230
STAMP_HEIGHT = 62
MARGIN = 36


def can_manage(user: User) -> bool:
    return bool(user.is_active and user.has_perm("signing.manage_certificates"))


def _require_manager(user: User) -> None:
    if not can_manage(user):
        raise PermissionDenied(_("Only a certificate administrator may do this."))


def _snap(cert: Certificate) -> dict[str, object]:
    return {"kind": cert.kind, "source": cert.source, "subject": cert.subject_name,
            "serial": cert.serial, "sha256": cert.sha256, "user": cert.user_id,
            "organisation": cert.organisation_id, "not_after": cert.not_after.isoformat(),
            "revoked_at": cert.revoked_at.isoformat() if cert.revoked_at else None}


def _agency_of_user(user: User) -> Organisation:
    post = (Post.objects.filter(user=user, is_active=True)
            .select_related("organisation__agency").order_by("-is_primary", "id").first())
    if post is None:
        raise ValidationError({"user": [_("This person holds no post in any agency.")]})
    org = post.organisation
    return org if org.is_agency or org.agency is None else org.agency


def _title(user: User) -> str:
    post = (Post.objects.filter(user=user, is_active=True).order_by("-is_primary", "id")
            .first())
    return (post.title if post else "") or ""


def _save(*, kind: str, source: str, cert: x509.Certificate,
          chain: tuple[x509.Certificate, ...], key: object, user: User | None,
          organisation: Organisation, by: User, authority: Authority | None = None,
          token_key_label: str = "") -> Certificate:
    """Store a certificate with its key sealed, or with the label of its key on the token
    (``key`` None); the audit entry says which."""
    info = CertificateInfo.of(cert)
    row = Certificate.objects.create(
        kind=kind, source=source, user=user, organisation=organisation,
        authority=authority, subject_name=(info.common_name or info.subject)[:255],
        issuer_name=(info.issuer_common_name or info.issuer)[:255], serial=info.serial,
        sha256=info.sha256, not_before=info.not_before, not_after=info.not_after,
        certificate_pem=cert_pem(cert).decode(), chain_pem=certs_pem(chain).decode(),
        key_blob=(b"" if key is None
                  else store.seal_key(key, kind, info.sha256)),  # type: ignore[arg-type]
        token_key_label=token_key_label, created_by=by)
    action = "signing.token_certificate" if token_key_label else f"signing.{source}_certificate"
    audit.record(acting_user=by, action=action, obj=row,
                 after=_snap(row) | ({"token_key_label": token_key_label}
                                     if token_key_label else {}))
    return row


def do_issue_certificate(*, acting_user: User, kind: str, user: User | None = None,
                         organisation: Organisation | None = None,
                         valid_days: int | None = None) -> Certificate:
    """The platform CA issues a personal certificate to an official, or a seal to an agency."""
    _require_manager(acting_user)
    if kind == Certificate.Kind.PERSONAL:
        if user is None or user.kind != User.Kind.OFFICIAL:
            raise ValidationError({"user": [_("Choose the official who will hold it.")]})
        agency = _agency_of_user(user)
        name = user.get_full_name() or user.get_username()
    elif kind == Certificate.Kind.SEAL:
        if organisation is None or not organisation.is_agency:
            raise ValidationError({"organisation": [_("Choose an agency.")]})
        agency, name, user = organisation, organisation.name, None
    else:
        raise ValidationError({"kind": [_("Choose personal or agency seal.")]})
    with transaction.atomic():
        authority = store.platform_authority()
        issued = store.issue(kind, full_name=name, agency_name=agency.name,
                             agency_code=agency.code, title=_title(user) if user else None,
                             valid_days=valid_days)
        return _save(kind=kind, source=Certificate.Source.ISSUED, cert=issued.certificate,
                     chain=issued.chain, key=issued.key, user=user, organisation=agency,
                     by=acting_user, authority=authority)


def _holder(kind: str, acting_user: User, user: User | None,
            organisation: Organisation | None) -> tuple[User | None, Organisation]:
    """Who will hold a certificate and its agency; officials may add their own only."""
    if kind == Certificate.Kind.PERSONAL:
        if user is None:
            raise ValidationError({"user": [_("Choose the official who will hold it.")]})
        if user != acting_user:
            _require_manager(acting_user)
        return user, _agency_of_user(user)
    if kind == Certificate.Kind.SEAL:
        _require_manager(acting_user)
        if organisation is None or not organisation.is_agency:
            raise ValidationError({"organisation": [_("Choose an agency.")]})
        return None, organisation
    raise ValidationError({"kind": [_("Choose personal or agency seal.")]})


def _check_new(kind: str, cert: x509.Certificate, chain: tuple[x509.Certificate, ...],
               agency: Organisation, field: str) -> None:
    """A certificate joining the platform: the holder's agency, not known yet, can sign."""
    info = CertificateInfo.of(cert)
    code = info.agency_code
    if code is not None and code != agency.code:
        raise ValidationError({field: [_(
            "This certificate belongs to the agency with code %(theirs)s, not to "
            "%(agency)s (%(ours)s).") % {"theirs": code, "agency": agency.name,
                                         "ours": agency.code}]})
    if kind == Certificate.Kind.SEAL and code is None:
        raise ValidationError({field: [_(
            "An agency seal certificate must carry the agency's identifier code.")]})
    if Certificate.objects.filter(sha256=info.sha256).exists():
        raise ValidationError({field: [_("This certificate is already imported.")]})
    try:
        check_signing_certificate(cert, chain, store.trust_roots(), store.crls())
    except CertificateNotUsableError as exc:
        raise ValidationError({field: [_("This certificate cannot sign: %(reason)s.")
                                       % {"reason": exc}]}) from None


def do_import_certificate(*, acting_user: User, kind: str, data: bytes, password: str,
                          user: User | None = None,
                          organisation: Organisation | None = None) -> Certificate:
    """Import a PKCS#12 file (key, certificate and chain). The key is sealed under the
    master key at once and is never shown again; nothing is kept when anything is wrong."""
    user, agency = _holder(kind, acting_user, user, organisation)
    try:
        key, cert, chain = crypto_ca.load_pkcs12(data, password)
    except crypto_ca.WrongPasswordError:
        raise ValidationError({"password": [_(
            "This password does not open the file (or the file failed its integrity "
            "check).")]}) from None
    except crypto_ca.Pkcs12Error as exc:
        raise ValidationError({"file": [_("This is not a usable PKCS#12 (.p12, .pfx) file: "
                                          "%(reason)s.") % {"reason": exc}]}) from None
    _check_new(kind, cert, chain, agency, "file")
    with transaction.atomic():
        return _save(kind=kind, source=Certificate.Source.IMPORTED, cert=cert, chain=chain,
                     key=key, user=user, organisation=agency, by=acting_user)


def do_register_token_certificate(*, acting_user: User, kind: str, certificates_pem: bytes,
                                  key_label: str, user: User | None = None,
                                  organisation: Organisation | None = None) -> Certificate:
    """Register a certificate whose private key stays on the PKCS#11 token (EGOV_PKCS11_*):
    ``certificates_pem`` holds the certificate, then its chain. The token must hold a key
    under ``key_label`` that matches the certificate (checked by signing with it)."""
    user, agency = _holder(kind, acting_user, user, organisation)
    if not key_label.strip():
        raise ValidationError({"key_label": [_("Give the label of the key on the token.")]})
    try:
        cert, *others = load_certificates(certificates_pem)
    except (ValueError, IndexError):
        raise ValidationError({"certificate": [_(
            "This is not a PEM certificate (with its chain).")]}) from None
    chain = crypto_ca.order_chain(cert, others)
    _check_new(kind, cert, chain, agency, "certificate")
    try:
        pkcs11.check_key_matches(store.token_config(), key_label.strip(), cert)
    except pkcs11.TokenError as exc:
        raise ValidationError({"key_label": [_("The token cannot sign for this certificate: "
                                               "%(reason)s.") % {"reason": exc}]}) from None
    with transaction.atomic():
        return _save(kind=kind, source=Certificate.Source.IMPORTED, cert=cert, chain=chain,
                     key=None, user=user, organisation=agency, by=acting_user,
                     token_key_label=key_label.strip())


def do_revoke_certificate(certificate: Certificate, *, acting_user: User,
                          reason: str) -> Certificate:
    """Revoke: it signs nothing more, and the platform CA's CRL lists it from now on."""
    _require_manager(acting_user)
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the certificate is revoked.")]})
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is not None:
            raise ValidationError({"reason": [_("This certificate is already revoked.")]})
        before = _snap(locked)
        locked.revoked_at = timezone.now()
        locked.revocation_reason = reason.strip()[:200]
        locked.save(update_fields=["revoked_at", "revocation_reason"])
        if locked.authority_id is not None:
            Authority.objects.filter(pk=locked.authority_id).update(
                crl_number=F("crl_number") + 1)
        audit.record(acting_user=acting_user, action="signing.revoke_certificate",
                     obj=locked, before=before, after=_snap(locked) | {"reason": reason})
    return locked


# --- choosing a certificate and telling why it cannot sign --------------------------------


def _usable(candidates: list[Certificate], who: str) -> Certificate:
    """The newest valid certificate, or a ValidationError that says why none can sign."""
    now = timezone.now()
    for cert in candidates:
        if cert.status_at(now) == "valid":
            try:
                check_signing_certificate(cert.certificate, cert.chain, store.trust_roots(),
                                          store.crls())
            except CertificateNotUsableError as exc:
                raise ValidationError({"certificate": [_(
                    "The certificate of %(who)s cannot sign: %(reason)s.")
                    % {"who": who, "reason": exc}]}) from None
            return cert
    if not candidates:
        raise ValidationError({"certificate": [_(
            "%(who)s has no signing certificate, so this document cannot be issued "
            "electronically. Ask the IT department to issue or import one.") % {"who": who}]})
    newest = candidates[0]
    if newest.status_at(now) == "revoked":
        reason = _("it was revoked on %(date)s") % {
            "date": date_format(timezone.localtime(newest.revoked_at), "d/m/Y")}
    elif newest.status_at(now) == "expired":
        reason = _("it expired on %(date)s") % {
            "date": date_format(timezone.localtime(newest.not_after), "d/m/Y")}
    else:
        reason = _("it is valid only from %(date)s") % {
            "date": date_format(timezone.localtime(newest.not_before), "d/m/Y")}
    raise ValidationError({"certificate": [_(
        "The certificate of %(who)s cannot sign: %(reason)s. This document cannot be issued "
        "electronically until a valid certificate is issued or imported.")
        % {"who": who, "reason": reason}]})


def personal_certificate(user: User) -> Certificate:
    return _usable(list(Certificate.objects.filter(user=user, kind=Certificate.Kind.PERSONAL)
                        .order_by("-not_after", "-id")),
                   user.get_full_name() or user.get_username())


def seal_certificate(agency: Organisation) -> Certificate:
    return _usable(list(Certificate.objects.filter(organisation=agency,
                                                   kind=Certificate.Kind.SEAL)
                        .order_by("-not_after", "-id")), agency.name)


# --- signing documents ----------------------------------------------------------------------


def _box(content: bytes, *, left: bool) -> pdf.StampBox:
    """A stamp at the foot of the last page: the leader's on the right, the seal's left."""
    try:
        box = PdfReader(BytesIO(content), strict=False).pages[-1].mediabox
        width, height = float(box.width), float(box.height)
    except Exception as exc:  # pypdf raises many kinds of error on a broken file
        raise pdf.PdfUnreadableError(f"the file is not a readable PDF: {exc}") from exc
    del height
    x1 = MARGIN if left else int(width) - MARGIN - STAMP_WIDTH
    return pdf.StampBox(-1, x1, MARGIN, x1 + STAMP_WIDTH, MARGIN + STAMP_HEIGHT)


def _read(row: DocumentFile) -> bytes:
    with row.file.open("rb") as handle:
        return handle.read()


def _signable(document: Document) -> list[DocumentFile]:
    return [f for f in documents.current_files(document)
            if not f.name.lower().endswith(verification.SIGNATURE_SUFFIXES)]


def _file_error(row: DocumentFile, exc: Exception) -> ValidationError:
    return ValidationError({"files": [_("“%(name)s” cannot be signed: %(reason)s.")
                                      % {"name": row.name, "reason": exc}]})


def _sign_files(document: Document, cert: Certificate, by: User, *, seal: bool,
                stamp: list[str], field_name: str) -> list[int]:
    """Sign the document's current files: PDFs with a visible PAdES signature (a new version
    of the file), others with a detached CMS signature stored beside them."""
    try:
        with store.signer_for(cert) as (key, certificate, chain):
            return _sign_each(document, key, certificate, chain, by, seal=seal, stamp=stamp,
                              field_name=field_name)
    except pkcs11.TokenError as exc:
        raise ValidationError({"certificate": [_(
            "The hardware token of %(who)s cannot sign: %(reason)s.")
            % {"who": cert.subject_name, "reason": exc}]}) from None


def _sign_each(document: Document, key: Any, certificate: x509.Certificate,
               chain: tuple[x509.Certificate, ...], by: User, *, seal: bool,
               stamp: list[str], field_name: str) -> list[int]:
    stamper = store.timestamper()
    made: list[int] = []
    for row in _signable(document):
        content = _read(row)
        try:
            if verification.looks_like_pdf(row.name, content):
                signed = pdf.sign_pdf(
                    content, key, certificate, chain, field_name=field_name,
                    box=_box(content, left=seal), stamp_lines=stamp,
                    timestamper=stamper, reason=document.subject[:120],
                    location="Việt Nam")
                new = documents.add_generated_file(
                    document, name=row.name, content=signed, kind=row.kind, by=by,
                    text=row.text)
            elif not seal:
                signature = cms.sign_detached(content, key, certificate, chain,
                                              timestamper=stamper)
                documents.add_generated_file(
                    document, name=row.name + ".p7s", content=signature,
                    kind=DocumentFile.Kind.ATTACHMENT, by=by, text="")
                new = row  # the verdict belongs to the data file
            else:
                continue
        except SigningError as exc:
            raise _file_error(row, exc) from None
        verification.record(new)
        made.append(new.pk)
    return made


def _when_signatures_are_needed(document: Document) -> bool:
    """Secret documents do not travel signed over the hub; every other one is signed when
    the deployment requires signatures, or when it can be (a certificate exists)."""
    return not document.is_confidential


def sign_on_approval(document: Document, acting_user: User) -> None:
    """The approval hook: the leader's personal signature, stamped with name, position and
    time. Without a usable certificate the approval stops and says why (unless the
    deployment does not require signatures yet)."""
    if not _when_signatures_are_needed(document):
        return
    try:
        cert = personal_certificate(acting_user)
    except ValidationError:
        if settings.EGOV_REQUIRE_SIGNATURES:
            raise
        return
    name = acting_user.get_full_name() or acting_user.get_username()
    stamp = pdf.signer_stamp_lines(name, _title(acting_user) or None)
    try:
        made = _sign_files(document, cert, acting_user, seal=False, stamp=stamp,
                           field_name=f"egov-leader-{acting_user.pk}")
    except ValidationError:
        if settings.EGOV_REQUIRE_SIGNATURES:
            raise
        return
    audit.record(acting_user=acting_user, action="signing.sign_approval", obj=document,
                 after={"certificate": cert.serial, "signed_files": made})


def seal_on_issue(document: Document, acting_user: User) -> None:
    """The issue hook: the agency's seal over the leader's signature (an incremental
    update, both verify), its stamp carrying the number, symbol and issue date."""
    if not _when_signatures_are_needed(document):
        return
    agency = Organisation.objects.get(pk=document.agency_id)
    try:
        cert = seal_certificate(agency)
    except ValidationError:
        if settings.EGOV_REQUIRE_SIGNATURES:
            raise
        return
    stamp = pdf.seal_stamp_lines(agency.name, document.symbol, document.issue_date)
    try:
        made = _sign_files(document, cert, acting_user, seal=True, stamp=stamp,
                           field_name="egov-seal")
    except ValidationError:
        if settings.EGOV_REQUIRE_SIGNATURES:
            raise
        return
    audit.record(acting_user=acting_user, action="signing.seal_issue", obj=document,
                 after={"certificate": cert.serial, "signed_files": made})


# --- exchange packages (called by the exchange hub) -------------------------------------------


def sign_package(xml_bytes: bytes, agency: Organisation) -> bytes:
    """An enveloped XML-DSig over an edXML package with the agency's seal key."""
    cert = seal_certificate(agency)
    if cert.token_key_label:
        # signxml signs with a key object in memory; a token's key would need a signer
        # signxml cannot take. Seals for the hub are software keys for now.
        raise SigningError("edXML packages are signed with a software seal key; this "
                           "agency's seal key is on a hardware token")
    key, certificate, chain = store.signing_material(cert)
    return xml.sign_xml(xml_bytes, key, certificate, chain,
                        location=xml.edxml_signature_parent)


def verify_package(xml_bytes: bytes, sender: Organisation,
                   at: dt.datetime | None = None) -> SignatureReport:
    """Check a received package against the sender's registered seal certificates: a
    signature by any other certificate, or for another agency's code, is not valid."""
    registered = [c.certificate for c in Certificate.objects.filter(
        organisation=sender, kind=Certificate.Kind.SEAL, revoked_at__isnull=True)]
    return xml.verify_xml(xml_bytes, store.trust_roots(), store.crls(),
                          trusted_certs=registered, expected_agency_code=sender.code, at=at)
