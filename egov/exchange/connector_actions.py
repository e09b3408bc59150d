"""The connector: what every deployment does with the national hub.

Sending. Issuing a document with external recipients writes an ``OutboundPackage`` in the
issue's own transaction (``on_issue``, a documents issue hook), so an issued document
cannot be forgotten; a task builds the edXML package from the issued version of the
files, signs it with the agency's seal and posts it. The hub's answer (its package id and
signed receipt) is stored and the recipients show "sent through the hub". No answer, a
5xx or a 429 is tried again after 1, 2, 4 … ``EGOV_EXCHANGE_RETRY_MAX_SECONDS`` seconds;
a refusal (any other 4xx) stops with the hub's code and message for the clerk to read.
Each attempt is signed afresh; the hub recognises a package it already holds by sender
and DocumentId, so a retry after a lost answer is not stored twice.

Receiving. ``do_pull`` reads the inbox (on push and on a schedule), fetches each package
(checking the hash the hub announces), stores it byte for byte as an ``InboundPackage``
for the recipient agency and only then acknowledges it: a crash before the commit leaves
the item in the hub's inbox, a crash after it finds the stored row and acknowledges
again. A records clerk registers the package as an incoming document (or refuses it with
a reason).

Statuses. 01 arrived (stored), 03 registered, 02 refused, 04 assigned, 06 done go back to
the sender, once each per package, signed and retried like packages. Statuses about our
own packages arrive through the same inbox and are kept beside the outbound package.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from egov import edxml
from egov.core import audit
from egov.core.models import Organisation, User
from egov.documents import actions as documents
from egov.documents.models import Document, Recipient, Source
from egov.edxml.model import VIETNAM_TZ
from egov.signing.actions import sign_package
from egov.signing.crypto.common import SigningError

from . import connector_directives as remote_tasks
from . import connector_packages as packages
from .connector_client import HubClient, HubError
from .models import (
    Delivery,
    HubConnection,
    InboundPackage,
    InboundStatus,
    OutboundPackage,
    OutboundStatus,
)

log = logging.getLogger(__name__)

S = edxml.StatusCode
ROUTE_CACHE_SECONDS = 30.0
_route_cache: list[Any] = [0.0, None]


# --- the connection ----------------------------------------------------------------------

def connection() -> HubConnection | None:
    return HubConnection.objects.order_by("id").first()


def client(conn: HubConnection) -> HubClient:
    """The hub client for ``conn`` (tests put an in-process transport here)."""
    return HubClient(conn.hub_url, conn.token)


def clear_route_cache() -> None:
    _route_cache[:] = [0.0, None]


def _routes_between_agencies() -> bool:
    now = time.monotonic()
    if now >= _route_cache[0]:
        value = HubConnection.objects.filter(route_between_agencies=True).exists()
        _route_cache[:] = [now + ROUTE_CACHE_SECONDS, value]
    return bool(_route_cache[1])


def route_via_hub(document: Document, org: Organisation) -> bool:
    """documents' ``hub_routes`` hook: with "route between agencies" on, a recipient in
    another agency of this system is sent through the hub."""
    if org.is_external:
        return True
    agency_id = org.pk if org.is_agency else org.agency_id
    return agency_id != document.agency_id and _routes_between_agencies()


def do_connect(*, acting_user: User | None, hub_url: str, token: str,
               route_between_agencies: bool = False, pull_interval_seconds: int = 60
               ) -> HubConnection:
    errors: dict[str, list[str]] = {}
    if not hub_url.startswith(("http://", "https://")):
        errors["hub_url"] = [_("The hub address must start with http:// or https://.")]
    if not token.strip():
        errors["token"] = [_("The token the hub issued for this system is required.")]
    if not 5 <= pull_interval_seconds <= 86400:
        errors["pull_interval_seconds"] = [_("Pull every 5 seconds to once a day.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        conn = connection() or HubConnection()
        before = audit.snapshot(conn, ["hub_url", "route_between_agencies"]) if conn.pk else None
        conn.hub_url = hub_url.rstrip("/")
        conn.token = token.strip()
        conn.route_between_agencies = route_between_agencies
        conn.pull_interval_seconds = pull_interval_seconds
        conn.save()
        audit.record(acting_user=acting_user, action="exchange.connect", obj=conn,
                     before=before,
                     after=audit.snapshot(conn, ["hub_url", "route_between_agencies"]))
        transaction.on_commit(clear_route_cache)
    from . import connector_tasks

    transaction.on_commit(connector_tasks.ensure_schedule)
    return conn


def backoff(attempt: int) -> float:
    cap = float(getattr(settings, "EGOV_EXCHANGE_RETRY_MAX_SECONDS", 300))
    return min(cap, float(2 ** min(attempt - 1, 20)))


# --- sending documents -------------------------------------------------------------------

def on_issue(document: Document, acting_user: User) -> None:
    """documents' issue hook: queue the package for the external recipients, in the
    issue's transaction."""
    external = list(document.recipients.filter(is_internal=False).select_related("organisation"))
    if not external:
        return
    agency = Organisation.objects.get(pk=document.agency_id)
    now = timezone.now()
    row = OutboundPackage(document=document, agency=agency,
                          recipients=[r.organisation.code for r in external],
                          edxml_id=packages.edxml_id(document, agency), next_attempt_at=now)
    if document.is_confidential:
        # Secret documents travel on paper or through the secret network, never the hub.
        row.state, row.error_code = Delivery.FAILED, "confidential"
        row.last_error = _("A secret document is not sent through the national hub.")
        Recipient.objects.filter(pk__in=[r.pk for r in external]).update(
            dispatch=Recipient.Dispatch.FAILED)
    row.save()
    audit.record(acting_user=acting_user, action="exchange.queue_package", obj=row,
                 after=audit.snapshot(row, ["document", "recipients", "edxml_id", "state"]))
    if row.state == Delivery.PENDING:
        from . import connector_tasks

        transaction.on_commit(lambda: connector_tasks.enqueue_send_package(row.pk))


@dataclass
class Attempt:
    """The outcome of one try at sending a package or a status."""

    sent: bool = False
    retry_at: dt.datetime | None = None
    error: str = ""


def _failed(row: OutboundPackage | OutboundStatus, error: HubError) -> Attempt:
    now = timezone.now()
    row.attempts += 1
    row.last_error = error.message[:2000]
    if error.transient:
        row.next_attempt_at = now + dt.timedelta(seconds=backoff(row.attempts))
        return Attempt(retry_at=row.next_attempt_at, error=row.last_error)
    row.state = Delivery.FAILED
    row.next_attempt_at = None
    return Attempt(error=row.last_error)


def do_send_package(package_id: int) -> Attempt:
    """One attempt at sending an outbound package (the task's body)."""
    row = (OutboundPackage.objects.select_related("document", "agency")
           .filter(pk=package_id).first())
    if row is None or row.state != Delivery.PENDING:
        return Attempt(sent=row is not None and row.state == Delivery.SENT)
    conn = connection()
    if conn is None:
        error = HubError(None, "not_connected", _("This system is not connected to a hub."))
        return _save_package_attempt(row, error)
    recipients = list(Organisation.objects.filter(code__in=row.recipients))
    try:
        if row.document is not None:
            package = packages.document_package(row.document, row.agency, recipients)
        else:  # a task, or a report about one (connector_directives)
            package = remote_tasks.outbound_package(row)
        built = edxml.build_package(package)
        signed = sign_package(built, row.agency)
    except (SigningError, ValidationError, edxml.EdxmlError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return _save_package_attempt(row, HubError(400, "cannot_sign", message))
    try:
        answer = client(conn).send_package(signed)
    except HubError as exc:
        return _save_package_attempt(row, exc)
    with transaction.atomic():
        locked = OutboundPackage.objects.select_for_update().get(pk=row.pk)
        if locked.state == Delivery.SENT:
            return Attempt(sent=True)
        locked.state = Delivery.SENT
        locked.attempts += 1
        locked.hub_id = int(answer["id"])
        locked.sha256 = str(answer["sha256"])
        locked.receipt = base64.b64decode(answer.get("receipt") or "")
        locked.accepted_at = dt.datetime.fromisoformat(str(answer["accepted_at"]))
        locked.next_attempt_at = None
        locked.last_error = locked.error_code = ""
        locked.save()
        if locked.document_id:
            Recipient.objects.filter(document_id=locked.document_id, is_internal=False).update(
                dispatch=Recipient.Dispatch.SENT, updated_at=timezone.now())
        audit.record(acting_user=None, action="exchange.package_sent", obj=locked,
                     after={"hub_id": locked.hub_id, "sha256": locked.sha256,
                            "duplicate": bool(answer.get("duplicate"))})
    return Attempt(sent=True)


def _save_package_attempt(row: OutboundPackage, error: HubError) -> Attempt:
    with transaction.atomic():
        locked = OutboundPackage.objects.select_for_update().get(pk=row.pk)
        if locked.state != Delivery.PENDING:
            return Attempt(sent=locked.state == Delivery.SENT)
        attempt = _failed(locked, error)
        locked.error_code = error.code[:40]
        locked.save()
        if locked.state == Delivery.FAILED:
            if locked.document_id:
                Recipient.objects.filter(document_id=locked.document_id, is_internal=False
                                         ).update(dispatch=Recipient.Dispatch.FAILED,
                                                  updated_at=timezone.now())
            audit.record(acting_user=None, action="exchange.package_refused", obj=locked,
                         after={"code": error.code, "message": error.message})
    return attempt


def do_resend(row: OutboundPackage, *, acting_user: User) -> OutboundPackage:
    """A clerk sends a refused package again (after fixing what the hub named)."""
    if documents.clerk_agency(acting_user).pk != row.agency_id:
        raise PermissionDenied(_("This package belongs to another agency."))
    if row.state != Delivery.FAILED or row.error_code == "confidential":
        raise ValidationError({"state": [_("Only a package the hub refused can be sent "
                                           "again.")]})
    with transaction.atomic():
        row.state, row.next_attempt_at, row.attempts = Delivery.PENDING, timezone.now(), 0
        row.save(update_fields=["state", "next_attempt_at", "attempts"])
        if row.document_id is not None:
            Recipient.objects.filter(document_id=row.document_id, is_internal=False).update(
                dispatch=Recipient.Dispatch.WAITING, updated_at=timezone.now())
        audit.record(acting_user=acting_user, action="exchange.resend", obj=row)
        from . import connector_tasks

        transaction.on_commit(lambda: connector_tasks.enqueue_send_package(row.pk))
    return row


# --- receiving ---------------------------------------------------------------------------

@dataclass
class Pulled:
    stored: int = 0
    statuses: int = 0
    acked: int = 0
    skipped: list[str] = field(default_factory=list)


def do_pull(limit: int = 100) -> Pulled:
    """Read the whole inbox: store each new package or status, then acknowledge it."""
    result = Pulled()
    conn = connection()
    if conn is None:
        return result
    hub = client(conn)
    after: int | None = None
    while True:
        page = hub.inbox(after=after, limit=limit)
        for item in page["items"]:
            try:
                if item["kind"] == "status":
                    result.statuses += _receive_status(hub, item)
                else:
                    result.stored += _receive_package(hub, item)
            except _Skip as skip:
                log.warning("hub item %s left in the inbox: %s", item.get("id"), skip)
                result.skipped.append(f"{item.get('package')}: {skip}")
                continue
            hub.ack(int(item["package"]))
            result.acked += 1
        if page.get("next") is None:
            return result
        after = int(page["next"])


class _Skip(Exception):
    """An inbox item this deployment cannot take; it stays in the hub's inbox, where the
    hub's administrators see it."""


def _receive_package(hub: HubClient, item: dict[str, Any]) -> int:
    agency = Organisation.objects.filter(code=item["recipient"], is_external=False).first()
    if agency is None:
        raise _Skip(f"no agency {item['recipient']} in this system")
    hub_id = int(item["package"])
    if InboundPackage.objects.filter(hub_id=hub_id, agency=agency).exists():
        return 0
    data = hub.package(hub_id)
    try:
        package = edxml.parse_package(data)
    except edxml.EdxmlError as exc:
        raise _Skip(f"package {hub_id} does not parse here: {exc.message}") from None
    now = timezone.now()
    try:
        with transaction.atomic():
            row = InboundPackage.objects.create(
                hub_id=hub_id, agency=agency, sender_code=package.from_.organ_id,
                sender_name=package.from_.organ_name[:255], edxml_id=package.document_id,
                symbol=f"{package.code.number}/{package.code.notation}"[:80],
                subject=package.subject, issue_date=package.promulgation_info.date,
                sha256=item.get("sha256") or "", size=len(data), data=data, received_at=now)
            audit.record(acting_user=None, action="exchange.package_received", obj=row,
                         after=audit.snapshot(row, ["hub_id", "agency", "sender_code",
                                                    "edxml_id", "sha256"]))
            _queue_status(row, S.ARRIVED, "", at=now)
            if remote_tasks.on_received(row, package):
                _queue_status(row, S.RECEIVED, _("Recorded on the task."), at=now)
    except IntegrityError:
        return 0  # another pull stored it a moment ago
    return 1


def _receive_status(hub: HubClient, item: dict[str, Any]) -> int:
    hub_id = int(item["package"])
    if InboundStatus.objects.filter(hub_id=hub_id).exists():
        return 0
    try:
        status = edxml.parse_status(hub.package(hub_id))
    except edxml.EdxmlError as exc:
        raise _Skip(f"status {hub_id} does not parse here: {exc.message}") from None
    about = status.response_for
    outbound = OutboundPackage.objects.filter(agency__code=about.organ_id,
                                              edxml_id=about.document_id).first()
    if outbound is None:
        log.warning("status %s about %s, which this system did not send", hub_id,
                    about.document_id)
        return 0
    staff = status.staff_info.staff if status.staff_info else ""
    try:
        with transaction.atomic():
            InboundStatus.objects.create(
                hub_id=hub_id, outbound=outbound, recipient_code=status.from_.organ_id,
                code=status.status_code.value, description=status.description,
                timestamp=timezone.make_aware(status.timestamp, VIETNAM_TZ),
                staff=staff[:150], received_at=timezone.now())
    except IntegrityError:
        return 0
    return 1


def _queue_status(inbound: InboundPackage, code: S, description: str, *,
                  at: dt.datetime | None = None, by: User | None = None) -> OutboundStatus | None:
    """Owe the sender status ``code`` (once per package), inside the caller's transaction."""
    if OutboundStatus.objects.filter(inbound=inbound, code=code.value).exists():
        return None
    at = at or timezone.now()
    row = OutboundStatus.objects.create(
        inbound=inbound, code=code.value, description=description, at=at,
        staff=by.get_full_name() if by else "", next_attempt_at=at)
    audit.record(acting_user=by, action="exchange.queue_status", obj=row,
                 after={"inbound": inbound.pk, "code": row.code, "description": description})
    from . import connector_tasks

    transaction.on_commit(lambda: connector_tasks.enqueue_send_status(row.pk))
    return row


def do_send_status(status_id: int) -> Attempt:
    row = (OutboundStatus.objects.select_related("inbound", "inbound__agency")
           .filter(pk=status_id).first())
    if row is None or row.state != Delivery.PENDING:
        return Attempt(sent=row is not None and row.state == Delivery.SENT)
    conn = connection()
    if conn is None:
        return _save_status_attempt(row, HubError(None, "not_connected",
                                                  _("This system is not connected to a hub.")))
    inbound = row.inbound
    try:
        built = edxml.build_status(packages.status_package(
            sender_code=inbound.sender_code, edxml_id=inbound.edxml_id, symbol=inbound.symbol,
            issue_date=inbound.issue_date, agency=inbound.agency, code=row.code,
            description=row.description, at=row.at, staff=row.staff))
        signed = sign_package(built, inbound.agency)
    except (SigningError, ValidationError, edxml.EdxmlError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return _save_status_attempt(row, HubError(400, "cannot_sign", message))
    try:
        answer = client(conn).send_status(signed)
    except HubError as exc:
        return _save_status_attempt(row, exc)
    OutboundStatus.objects.filter(pk=row.pk, state=Delivery.PENDING).update(
        state=Delivery.SENT, hub_id=int(answer["id"]), attempts=row.attempts + 1,
        next_attempt_at=None, last_error="")
    return Attempt(sent=True)


def _save_status_attempt(row: OutboundStatus, error: HubError) -> Attempt:
    attempt = _failed(row, error)
    OutboundStatus.objects.filter(pk=row.pk, state=Delivery.PENDING).update(
        state=row.state, attempts=row.attempts, next_attempt_at=row.next_attempt_at,
        last_error=row.last_error)
    if row.state == Delivery.FAILED:
        log.warning("status %s refused by the hub: %s", row.pk, error)
    return attempt


# --- the clerk ---------------------------------------------------------------------------

def _locked_received(inbound: InboundPackage, acting_user: User) -> InboundPackage:
    if documents.clerk_agency(acting_user).pk != inbound.agency_id:
        raise PermissionDenied(_("This package was sent to another agency."))
    locked = InboundPackage.objects.select_for_update().get(pk=inbound.pk)
    if locked.state == InboundPackage.State.REGISTERED:
        number = locked.document.number if locked.document else "?"
        raise ValidationError({"state": [_("This package is already registered (incoming "
                                           "number %(number)s).") % {"number": number}]})
    if locked.state == InboundPackage.State.REFUSED:
        raise ValidationError({"state": [_("This package was refused.")]})
    return locked


def do_register_package(inbound: InboundPackage, *, acting_user: User,
                        allow_duplicate: bool = False) -> Document:
    """The clerk registers a received package as an incoming document: the next incoming
    number, the package's files, source "hub"; the sender is told (03)."""
    with transaction.atomic():
        locked = _locked_received(inbound, acting_user)
        package = edxml.parse_package(bytes(locked.data))
        reg = packages.registration(package)
        issuer = Organisation.objects.filter(code=locked.sender_code).first()
        uploads = [u for u in reg.uploads if u[0] not in remote_tasks.MACHINE_FILES]
        document = documents.do_register_incoming(
            acting_user=acting_user, source=Source.HUB, uploads=uploads, issuer=issuer,
            allow_duplicate=allow_duplicate, **reg.fields)
        remote_tasks.on_registered(locked, package, document, acting_user)
        locked.state = InboundPackage.State.REGISTERED
        locked.document = document
        locked.handled_by, locked.handled_at = acting_user, timezone.now()
        locked.save(update_fields=["state", "document", "handled_by", "handled_at"])
        audit.record(acting_user=acting_user, action="exchange.register_package", obj=locked,
                     after={"document": document.pk, "number": document.number})
        _queue_status(locked, S.RECEIVED, _("Registered as incoming number %(number)s.")
                      % {"number": document.number}, by=acting_user)
    inbound.refresh_from_db()
    return document


def do_refuse_package(inbound: InboundPackage, *, acting_user: User, reason: str
                      ) -> InboundPackage:
    """The clerk refuses a package (wrong recipient, unreadable files…); the sender reads
    the reason in status 02."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the package is refused: the sender "
                                             "reads it.")]})
    with transaction.atomic():
        locked = _locked_received(inbound, acting_user)
        locked.state = InboundPackage.State.REFUSED
        locked.refusal_reason = reason
        locked.handled_by, locked.handled_at = acting_user, timezone.now()
        locked.save(update_fields=["state", "refusal_reason", "handled_by", "handled_at"])
        audit.record(acting_user=acting_user, action="exchange.refuse_package", obj=locked,
                     after={"reason": reason})
        _queue_status(locked, S.REFUSED, reason, by=acting_user)
    inbound.refresh_from_db()
    return inbound


def on_document_moved(code: S, document: Document) -> None:
    """A received document is assigned (04) or done (06): owe its sender the status. Called
    inside the assignment's (or completion's) transaction, so the owed row commits with it;
    the send itself is enqueued on commit (and the sweep retries it)."""
    inbound = InboundPackage.objects.filter(document=document).first()
    if inbound is None:
        return
    with transaction.atomic():  # a savepoint: the caller's transaction is the one that counts
        _queue_status(inbound, code, "")
