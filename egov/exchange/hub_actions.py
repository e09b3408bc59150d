"""Every change of state of the hub.

Registry changes (a system, an agency, a certificate) are ``do_*`` functions that write
one transaction with their audit entry. Packages are different: the hub accepts thousands
an hour, and the package row itself — the bytes as sent, their SHA-256, the sending
system, the signer's certificate, the acceptance time and the hub's signed receipt — is
the record of what happened, kept for good; an audit entry per package would say the same
thing twice. Refusals are recorded in ``HubRefusal``; acknowledgements in the delivery
rows.

Sending (``do_accept_package``) checks, in this order, and refuses with a precise code
(``HubRefused``): size, well-formed and schema-valid edXML, the sender agency belongs to
the calling system, the signature verifies against the agency's registered certificates,
every recipient is registered, and finally duplicates (same sender code and DocumentId),
which are answered with the first package. Authentication is the API's (``authenticate``).
The package, its deliveries (one per recipient) and its receipt commit in one transaction
before the caller is answered; push notifications are enqueued on commit.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import audit
from egov.core.models import User
from egov.core.rules import CodeError, QcvnCode
from egov.edxml import (
    DocumentPackage,
    EdxmlError,
    StatusPackage,
    parse_package_tree,
    parse_status_tree,
)
from egov.edxml.model import VIETNAM_TZ
from egov.signing.crypto.common import (
    CertificateInfo,
    cert_pem,
    load_certificate,
    load_certificates,
)

from . import hub_signatures
from .models import (
    HubAgency,
    HubCertificate,
    HubDelivery,
    HubPackage,
    HubPushFailure,
    HubRefusal,
    HubSystem,
)

MAX_DOCUMENT_ID = HubPackage._meta.get_field("document_id").max_length or 500
TOKEN_PREFIX = "hub_"  # noqa: S105 - the start of every token, not a secret


class HubRefused(Exception):
    """A request the hub refuses: an HTTP status, a machine-readable code, a message."""

    def __init__(self, status: int, code: str, message: str, *, sender_code: str = "",
                 document_id: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.sender_code = sender_code
        self.document_id = document_id


@dataclass(frozen=True)
class Accepted:
    """A document package the hub holds: the new one, or the first of a duplicate."""

    id: int
    sha256: str
    accepted_at: datetime
    receipt: bytes
    receipt_payload: bytes
    duplicate: bool = False


@dataclass(frozen=True)
class AcceptedStatus:
    id: int
    accepted_at: datetime
    duplicate: bool = False


# --- credentials ----------------------------------------------------------------------------


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# The queries every request or package runs are plain SQL (table and column names from
# the models' _meta), built once per process: the ORM spent ten times as long building
# each of them as the database took to answer (0.7 ms of CPU against 0.07 for the token).


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


@functools.cache
def _system_query() -> tuple[str, tuple[str, ...]]:
    fields = HubSystem._meta.concrete_fields
    sql = "SELECT {} FROM {} WHERE {} = %s AND {}".format(  # noqa: S608 - names only
        ", ".join(_q(str(f.column)) for f in fields), _q(HubSystem._meta.db_table),
        _q("token_sha256"), _q("is_active"))
    return sql, tuple(f.attname for f in fields)


def authenticate(token: str) -> HubSystem | None:
    """The active system whose token this is (one indexed query), or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    sql, names = _system_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_sha256(token)])
        row = cursor.fetchone()
    return None if row is None else HubSystem.from_db(connection.alias, list(names), row)


def keep_newest(model: type[HubRefusal] | type[HubPushFailure], newest_id: int) -> int:
    """Diagnostics are kept to the newest ``EGOV_HUB_DIAGNOSTICS_KEEP`` rows: every tenth of
    that many new rows (at most every 1,000), the older ones go, by primary key. Returns how
    many were deleted."""
    keep = settings.EGOV_HUB_DIAGNOSTICS_KEEP
    every = max(1, min(1000, keep // 10))
    if newest_id <= keep or newest_id % every:
        return 0
    deleted, _by_model = model.objects.filter(pk__lte=newest_id - keep).delete()
    return deleted


def record_refusal(refusal: HubRefused, *, system: HubSystem | None, endpoint: str,
                   size: int | None = None, ip: str | None = None) -> HubRefusal:
    """Keep a refusal for the administrators (its own small transaction)."""
    row = HubRefusal.objects.create(
        system=system, endpoint=endpoint[:100], code=refusal.code[:40],
        message=refusal.message, sender_code=refusal.sender_code[:13],
        document_id=refusal.document_id[:500], size=size, ip=audit.clean_ip(ip))
    keep_newest(HubRefusal, row.pk)
    return row


# --- the registry -----------------------------------------------------------------------------


def check_agency_code(code: str) -> str:
    code = (code or "").strip()
    try:
        QcvnCode.parse(code)
    except CodeError as exc:
        raise ValidationError({"code": [str(exc)]}) from None
    return code


def _certificate_fields(pem: bytes, agency_code: str) -> tuple[x509.Certificate, dict[str, Any]]:
    try:
        cert = load_certificates(pem)[0]
    except (ValueError, IndexError):
        raise ValidationError({"certificate": [_(
            "The file is not an X.509 certificate (PEM or DER).")]}) from None
    info = CertificateInfo.of(cert)
    if info.agency_code != agency_code:
        raise ValidationError({"certificate": [_(
            "This certificate names the agency %(theirs)s, not %(code)s: it cannot sign for "
            "%(code)s.") % {"theirs": info.agency_code or info.organisation or "?",
                            "code": agency_code}]})
    return cert, {"sha256": info.sha256, "subject": info.subject[:500],
                  "not_after": info.not_after}


def _add_certificate(agency: HubAgency, pem: bytes, acting_user: User | None
                     ) -> HubCertificate:
    cert, fields = _certificate_fields(pem, agency.code)
    if HubCertificate.objects.filter(sha256=fields["sha256"]).exists():
        raise ValidationError({"certificate": [_(
            "This certificate is already registered on the hub.")]})
    row = HubCertificate.objects.create(
        agency=agency, certificate_pem=cert_pem(cert).decode(), **fields)
    audit.record(acting_user=acting_user, action="exchange.add_certificate", obj=row,
                 after={"agency": agency.code, "sha256": row.sha256,
                        "subject": row.subject, "not_after": row.not_after})
    return row


def do_register_system(*, acting_user: User | None, name: str,
                       agencies: Sequence[tuple[str, str]], push_url: str = "",
                       certificates: Sequence[tuple[str, bytes]] = ()
                       ) -> tuple[HubSystem, str]:
    """Register a system, the agencies it speaks for (code, name) and the certificates
    allowed to sign for them (agency code, PEM or DER). Returns the system and its token,
    which is shown once: only its SHA-256 is kept."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the system a name.")]})
    if HubSystem.objects.filter(name=name).exists():
        raise ValidationError({"name": [_("A system with this name is already registered.")]})
    codes = [check_agency_code(code) for code, _name in agencies]
    if len(set(codes)) != len(codes):
        raise ValidationError({"agencies": [_("An agency is listed twice.")]})
    taken = sorted(HubAgency.objects.filter(code__in=codes).values_list("code", flat=True))
    if taken:
        raise ValidationError({"agencies": [_(
            "Already registered for another system: %(codes)s.") % {"codes": ", ".join(taken)}]})
    unknown = sorted({code for code, _pem in certificates} - set(codes))
    if unknown:
        raise ValidationError({"certificates": [_(
            "A certificate is given for an agency the system does not speak for: %(codes)s."
        ) % {"codes": ", ".join(unknown)}]})
    if push_url:
        _check_push_url(push_url)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        system = HubSystem.objects.create(name=name, token_sha256=token_sha256(token),
                                          token_prefix=token[:12], push_url=push_url)
        rows = {code: HubAgency.objects.create(code=code, name=(agency_name or "").strip(),
                                               system=system)
                for code, agency_name in zip(codes, (n for _c, n in agencies), strict=True)}
        audit.record(acting_user=acting_user, action="exchange.register_system", obj=system,
                     after={"name": name, "push_url": push_url,
                            "agencies": sorted(rows), "token_prefix": system.token_prefix})
        for code, pem in certificates:
            _add_certificate(rows[code], pem, acting_user)
    return system, token


def _check_push_url(url: str) -> None:
    from django.core.validators import URLValidator

    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError({"push_url": [_("The push URL must be an http(s) URL.")]}
                              ) from None


def do_add_agency(*, acting_user: User | None, system: HubSystem, code: str,
                  name: str = "") -> HubAgency:
    code = check_agency_code(code)
    if HubAgency.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("This agency is already registered on the hub.")]})
    with transaction.atomic():
        row = HubAgency.objects.create(code=code, name=name.strip(), system=system)
        audit.record(acting_user=acting_user, action="exchange.add_agency", obj=row,
                     after={"code": code, "name": row.name, "system": system.name})
    return row


def do_add_certificate(*, acting_user: User | None, agency_code: str, pem: bytes
                       ) -> HubCertificate:
    """Allow a certificate (PEM or DER) to sign for a registered agency. It must name the
    agency (its identifier code in OU or serialNumber)."""
    agency = HubAgency.objects.filter(code=(agency_code or "").strip()).first()
    if agency is None:
        raise ValidationError({"agency": [_("No agency with code %(code)s is registered on "
                                            "the hub.") % {"code": agency_code}]})
    with transaction.atomic():
        return _add_certificate(agency, pem, acting_user)


def do_revoke_certificate(*, acting_user: User | None, certificate: HubCertificate) -> None:
    """Stop accepting signatures made with a certificate (at once: every package reads
    the agency's certificates)."""
    with transaction.atomic():
        if certificate.revoked_at is not None:
            return
        certificate.revoked_at = timezone.now()
        certificate.save(update_fields=["revoked_at"])
        audit.record(acting_user=acting_user, action="exchange.revoke_certificate",
                     obj=certificate, after={"revoked_at": certificate.revoked_at})


# --- packages ---------------------------------------------------------------------------------


def check_size(size: int) -> None:
    limit = settings.EGOV_HUB_MAX_PACKAGE_BYTES
    if size > limit:
        raise HubRefused(413, "too_large", _(
            "The package is %(size)d bytes; the hub accepts at most %(limit)d.")
            % {"size": size, "limit": limit})


def _parse(reader: Any, body: bytes) -> Any:
    try:
        return reader(body, max_bytes=settings.EGOV_HUB_MAX_PACKAGE_BYTES)
    except EdxmlError as exc:
        status = 413 if exc.code == "too_large" else 400
        raise HubRefused(status, exc.code, _("The package is not a valid edXML package: "
                                             "%(reason)s") % {"reason": exc.message}) from None


@functools.lru_cache(maxsize=1024)
def _certificate(pem: str) -> x509.Certificate:
    """A registered certificate, parsed once per process (certificates are immutable; which
    ones count is read from the database on every package)."""
    return load_certificate(pem.encode())


@functools.lru_cache(maxsize=64)
def _registry_query(count: int, next_id: bool = False) -> str:
    """Every agency among ``count`` codes, its system's id and push URL, and each of its
    unrevoked certificates (a row per certificate; one with NULL when it has none).

    ``next_id`` (PostgreSQL): and on every row the same new package id, drawn once from
    the package table's sequence (an uncorrelated subquery runs once per query; its one
    parameter, the table's name, comes first) — the id the receipt names, without a
    round trip of its own. A package refused after this leaves a gap in the ids, as a
    duplicate or a rolled back INSERT does."""
    agency, system, certificate = HubAgency._meta, HubSystem._meta, HubCertificate._meta
    return (  # noqa: S608 - names only
        "SELECT a.{code}, a.{system_id}, s.{push_url}, c.{pem}{next_id} FROM {agency} a "
        "INNER JOIN {system} s ON s.{id} = a.{system_id} "
        "LEFT OUTER JOIN {certificate} c ON c.{agency_id} = a.{id} AND c.{revoked} IS NULL "
        "WHERE a.{code} IN ({params})").format(
        code=_q("code"), system_id=_q(agency.get_field("system").get_attname_column()[1]),
        push_url=_q("push_url"), pem=_q("certificate_pem"), agency=_q(agency.db_table),
        system=_q(system.db_table), certificate=_q(certificate.db_table), id=_q("id"),
        agency_id=_q(certificate.get_field("agency").get_attname_column()[1]),
        revoked=_q("revoked_at"), params=", ".join(["%s"] * count),
        next_id=", (SELECT nextval(pg_get_serial_sequence(%s, 'id')))" if next_id else "")


@dataclass(frozen=True)
class _Registry:
    """What one query tells about the sender agency and the recipients of a package."""

    sender_certificates: list[x509.Certificate]
    recipients: dict[str, tuple[int, str]]  # code → (system id, push URL)
    package_id: int | None = None  # a new package id, when asked for (``next_id``)


def _registry(system: HubSystem, code: str, document_id: str,
              recipients: Sequence[str] = (), *, next_id: bool = False) -> _Registry:
    """The certificates registered for the sender agency, which must be the caller's
    (else ``sender_not_yours``), and the registered recipients among ``recipients`` with
    their systems, in one query: every agency named, its system, and its unrevoked
    certificates (and, with ``next_id``, on PostgreSQL, a new package id). Which
    recipients are unknown is the caller's check, after the signature's."""
    codes = [code, *recipients]
    table = [connection.ops.quote_name(HubPackage._meta.db_table)] if next_id else []
    with connection.cursor() as cursor:
        cursor.execute(_registry_query(len(codes), next_id), [*table, *codes])
        rows = cursor.fetchall()
    sender_system: int | None = None
    pems: list[str] = []
    found: dict[str, tuple[int, str]] = {}
    package_id: int | None = None
    for agency_code, system_id, push_url, pem, *drawn in rows:
        found[agency_code] = (system_id, push_url)
        if drawn:
            package_id = int(drawn[0])
        if agency_code == code:
            sender_system = system_id
            if pem is not None:
                pems.append(pem)
    if sender_system is None or sender_system != system.pk:
        raise HubRefused(403, "sender_not_yours", _(
            "The sender %(code)s (From/OrganId) is not an agency of this system.")
            % {"code": code or "?"}, sender_code=code, document_id=document_id)
    return _Registry([_certificate(pem) for pem in pems],
                     {c: found[c] for c in recipients if c in found}, package_id)


def _check_signature(package: DocumentPackage | StatusPackage, tree: Any, code: str,
                     certificates: list[x509.Certificate], document_id: str) -> str:
    """The SHA-256 of the signer's certificate, if the signature is good."""
    if not package.signed:
        raise HubRefused(422, "signature_missing", _(
            "The package is not signed: sign it with the seal of %(code)s.")
            % {"code": code}, sender_code=code, document_id=document_id)
    if not certificates:
        raise HubRefused(422, "signature_invalid", _(
            "No certificate is registered on the hub for %(code)s: ask the hub's "
            "administrators to register the agency's seal.") % {"code": code},
            sender_code=code, document_id=document_id)
    report = hub_signatures.verify_sender(package.raw, code, certificates, tree=tree)
    if isinstance(report, str):
        raise HubRefused(422, "signature_invalid", _(
            "The signature cannot be checked: %(reason)s") % {"reason": report},
            sender_code=code, document_id=document_id)
    if not report.ok or report.signer is None:
        reasons = [*report.problems]
        if report.chain.problem:
            reasons.append(report.chain.problem)
        raise HubRefused(422, "signature_invalid", _(
            "The signature does not verify (%(verdict)s): %(reasons)s.") % {
                "verdict": report.verdict.value,
                "reasons": "; ".join(reasons) or report.verdict.value},
            sender_code=code, document_id=document_id)
    return report.signer.sha256


def _enqueue_pushes(systems: Iterable[tuple[int, str]]) -> None:
    from . import hub_tasks

    wanted = sorted({system_id for system_id, url in systems if url})
    if wanted:
        transaction.on_commit(lambda: hub_tasks.request_push(wanted), robust=True)


def _insert_document(row: HubPackage, deliveries: Sequence[tuple[str, int]],
                     created_at: datetime) -> None:
    """PostgreSQL: insert a document package (``row``, its id and receipt already set) and
    its deliveries (recipient code, system id) in one statement. A single statement is a
    transaction of its own: in autocommit it commits before it returns, with no BEGIN and
    COMMIT round trips around it; inside a caller's transaction it gets a savepoint, so
    that a duplicate (a unique violation) leaves that transaction usable.

    It goes through a plain psycopg cursor with server-side binding: Django's psycopg
    cursor binds on the client, which sends a package's bytes as a hex literal twice their
    size for the server to parse back (6.8 ms against 1.1 ms for 272 KB, bench/bench_hub.py
    profile). The cursor is wrapped as Django wraps its own: the query is logged (pinned
    query counts) and a unique violation arrives as django.db.IntegrityError."""
    fields = list(HubPackage._meta.concrete_fields)
    values = [f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields]
    quote = connection.ops.quote_name
    delivery = HubDelivery._meta
    columns = {f.name: str(f.column) for f in delivery.concrete_fields}
    sql = (  # noqa: S608 - table and column names only
        "WITH package AS (INSERT INTO {} ({}) VALUES ({}) RETURNING id) "
        "INSERT INTO {} ({}, {}, {}, {}) "
        "SELECT package.id, d.code, d.system, %s FROM package, "
        "unnest(%s::text[], %s::bigint[]) AS d(code, system)").format(
        quote(HubPackage._meta.db_table),
        ", ".join(quote(str(f.column)) for f in fields),
        ", ".join(["%s"] * len(fields)),
        quote(delivery.db_table),
        *(quote(columns[name])
          for name in ("package", "recipient_code", "system", "created_at")))
    params = [*values, created_at, [code for code, _system in deliveries],
              [system for _code, system in deliveries]]
    import psycopg

    scope = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    with scope:
        connection.ensure_connection()
        raw = connection.connection
        assert raw is not None
        with connection._prepare_cursor(psycopg.Cursor(raw)) as cursor:  # type: ignore[attr-defined]
            cursor.execute(sql, params)
    row._state.adding = False


def _receipt(package_id: int, sha256: str, accepted_at: datetime,
             receipt: bytes | memoryview | None, duplicate: bool) -> Accepted:
    return Accepted(id=package_id, sha256=sha256, accepted_at=accepted_at,
                    receipt=bytes(receipt or b""),
                    receipt_payload=hub_signatures.receipt_payload(package_id, sha256,
                                                                   accepted_at),
                    duplicate=duplicate)


def _document_type(package: DocumentPackage) -> int | None:
    """DocumentType/Type for the statistics (None beyond what the column holds)."""
    value = package.document_type.type
    return value if 0 <= value <= 32767 else None


def do_accept_package(*, system: HubSystem, body: bytes) -> Accepted:
    """Accept a signed edXML document package from ``system`` (checks in the module
    docstring). Raises ``HubRefused``; a duplicate returns the first package."""
    check_size(len(body))
    package: DocumentPackage
    # The package's files are checked (strict base64) but not decoded: the hub keeps the
    # bytes as sent and never opens the files.
    package, tree = _parse(functools.partial(parse_package_tree, attachment_data=False), body)
    code, document_id = package.from_.organ_id, package.document_id
    if len(document_id) > MAX_DOCUMENT_ID:
        raise HubRefused(400, "schema_invalid", _(
            "The DocumentId is %(length)d characters long; the hub accepts at most %(max)d.")
            % {"length": len(document_id), "max": MAX_DOCUMENT_ID})
    recipients = list(dict.fromkeys(to.organ_id for to in package.to))
    postgresql = connection.vendor == "postgresql"
    registry = _registry(system, code, document_id, recipients, next_id=postgresql)
    signer_sha256 = _check_signature(package, tree, code, registry.sender_certificates,
                                     document_id)
    del tree  # the document's tree is not needed past the signature
    found = registry.recipients
    unknown = [c for c in recipients if c not in found]
    if unknown:
        raise HubRefused(422, "unknown_recipient", _(
            "These recipients (To/OrganId) are not registered on the hub: %(codes)s.")
            % {"codes": ", ".join(unknown)}, sender_code=code, document_id=document_id)
    hub_signatures.hub_certificate()  # the hub's key exists before the transaction opens
    sha256 = hashlib.sha256(body).hexdigest()
    now = timezone.now()
    fields = {"kind": HubPackage.Kind.DOCUMENT, "sender_system": system, "sender_code": code,
              "document_id": document_id, "document_type": _document_type(package),
              "sha256": sha256, "size": len(body), "data": body,
              "signer_sha256": signer_sha256, "received_at": now}
    try:
        if postgresql:
            # The id came with the registry (the receipt names it); the package, its
            # receipt and its deliveries go in one statement, committed when it returns.
            assert registry.package_id is not None
            package_id = registry.package_id
            payload = hub_signatures.receipt_payload(package_id, sha256, now)
            receipt = hub_signatures.sign_receipt(payload)
            row = HubPackage(id=package_id, receipt=receipt, **fields)
            _insert_document(row, [(c, found[c][0]) for c in recipients], now)
            _enqueue_pushes(found[c] for c in recipients)
        else:
            with transaction.atomic():
                row = HubPackage.objects.create(**fields)
                payload = hub_signatures.receipt_payload(row.pk, sha256, now)
                receipt = hub_signatures.sign_receipt(payload)
                HubPackage.objects.filter(pk=row.pk).update(receipt=receipt)
                HubDelivery.objects.bulk_create([
                    HubDelivery(package=row, recipient_code=c, system_id=found[c][0],
                                created_at=now) for c in recipients])
                _enqueue_pushes(found[c] for c in recipients)
    except IntegrityError:
        first = HubPackage.objects.filter(
            kind=HubPackage.Kind.DOCUMENT, sender_code=code, document_id=document_id
        ).values_list("id", "sha256", "received_at", "receipt").first()
        if first is None:
            raise
        return _receipt(first[0], first[1], first[2], first[3], duplicate=True)
    return Accepted(id=row.pk, sha256=sha256, accepted_at=now, receipt=receipt,
                    receipt_payload=payload)


def do_accept_status(*, system: HubSystem, body: bytes) -> AcceptedStatus:
    """Accept a signed status package about a document package the sender agency received,
    and route it to the system that sent the document. A replay of the same bytes from the
    same system returns the first one."""
    check_size(len(body))
    status: StatusPackage
    status, tree = _parse(parse_status_tree, body)
    code = status.from_.organ_id
    about = status.response_for
    certificates = _registry(system, code, about.document_id).sender_certificates
    signer_sha256 = _check_signature(status, tree, code, certificates, about.document_id)
    del tree
    original = HubPackage.objects.filter(
        kind=HubPackage.Kind.DOCUMENT, sender_code=about.organ_id,
        document_id=about.document_id, deliveries__recipient_code=code,
    ).values_list("id", "sender_code", "sender_system_id", "sender_system__push_url").first()
    if original is None:
        raise HubRefused(404, "unknown_package", _(
            "%(code)s did not receive a document %(document)s from %(sender)s through the "
            "hub: a status can only be sent about a package the agency received.") % {
                "code": code, "document": about.document_id, "sender": about.organ_id},
            sender_code=code, document_id=about.document_id)
    package_id, original_sender, original_system, push_url = original
    sha256 = hashlib.sha256(body).hexdigest()
    now = timezone.now()
    stamp = timezone.make_aware(status.timestamp, VIETNAM_TZ)
    try:
        with transaction.atomic():
            row = HubPackage.objects.create(
                kind=HubPackage.Kind.STATUS, sender_system=system, sender_code=code,
                document_id=about.document_id, sha256=sha256, size=len(body), data=body,
                signer_sha256=signer_sha256, received_at=now, about_id=package_id,
                status_code=status.status_code.value, status_description=status.description,
                status_timestamp=stamp)
            HubDelivery.objects.create(package=row, recipient_code=original_sender,
                                       system_id=original_system, created_at=now)
            _enqueue_pushes([(original_system, push_url)])
    except IntegrityError:
        first = HubPackage.objects.filter(kind=HubPackage.Kind.STATUS, sender_system=system,
                                          sha256=sha256).values_list("id", "received_at").first()
        if first is None:
            raise
        return AcceptedStatus(id=first[0], accepted_at=first[1], duplicate=True)
    return AcceptedStatus(id=row.pk, accepted_at=now)


def do_ack(*, system: HubSystem, package_id: int) -> datetime:
    """The recipient system stored the package: its deliveries leave the inbox. Returns the
    time of the (first) acknowledgement; acknowledging again changes nothing."""
    now = timezone.now()
    if HubDelivery.objects.filter(package_id=package_id, system=system,
                                  acked_at__isnull=True).update(acked_at=now):
        return now
    first = (HubDelivery.objects.filter(package_id=package_id, system=system)
             .order_by("acked_at").values_list("acked_at", flat=True).first())
    if first is None:
        raise HubRefused(404, "not_found", _("No package %(id)s is waiting for this system.")
                         % {"id": package_id})
    return first
