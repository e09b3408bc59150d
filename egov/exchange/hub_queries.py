"""What a connected system may see on the hub, as queries.

A system sees a package if it sent it or has a delivery of it; anything else does not
exist for it (404, never 403). Its inbox is its deliveries not yet acknowledged. Every
function here runs a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from egov.edxml import StatusCode

from .models import HubDelivery, HubPackage, HubSystem

INBOX_DEFAULT_LIMIT = 100
INBOX_MAX_LIMIT = 500


def visible_packages(system: HubSystem) -> QuerySet[HubPackage]:
    """The packages ``system`` sent or has a delivery of."""
    return HubPackage.objects.filter(
        Q(sender_system=system)
        | Exists(HubDelivery.objects.filter(package=OuterRef("pk"), system=system)))


def package_bytes(system: HubSystem, package_id: int) -> tuple[bytes, str] | None:
    """The bytes of a package as sent, and their SHA-256, if ``system`` may see it."""
    row = visible_packages(system).filter(pk=package_id).values_list("data", "sha256").first()
    if row is None:
        return None
    return bytes(row[0]), row[1]


def inbox(system: HubSystem, *, after: int = 0, limit: int = INBOX_DEFAULT_LIMIT
          ) -> tuple[list[dict[str, Any]], int | None]:
    """The items waiting for ``system``'s agencies, oldest first, with ids above ``after``
    (one query), and the cursor of the next page (None when this is the last)."""
    rows = list(
        HubDelivery.objects.filter(system=system, acked_at__isnull=True, id__gt=after)
        .order_by("id")
        .values("id", "package_id", "package__kind", "package__sender_code",
                "recipient_code", "package__document_id", "package__sha256",
                "package__size", "package__received_at")[:limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    items = [{
        "id": row["id"], "package": row["package_id"], "kind": row["package__kind"],
        "sender": row["package__sender_code"], "recipient": row["recipient_code"],
        "document_id": row["package__document_id"], "sha256": row["package__sha256"],
        "size": row["package__size"], "sent_at": row["package__received_at"],
    } for row in rows]
    return items, (rows[-1]["id"] if more and rows else None)


@dataclass
class TraceStatus:
    id: int
    code: str
    meaning: str
    description: str
    timestamp: datetime | None
    received_at: datetime


@dataclass
class TraceRecipient:
    recipient: str
    delivered_at: datetime
    acked_at: datetime | None
    statuses: list[TraceStatus] = field(default_factory=list)


@dataclass
class Trace:
    package: int
    document_id: str
    sender: str
    sent_at: datetime
    recipients: list[TraceRecipient]


def _meaning(code: str) -> str:
    try:
        return StatusCode(code).meaning
    except ValueError:
        return ""


def trace(system: HubSystem, package_id: int) -> Trace | None:
    """Where a document package stands at each recipient: delivered, acknowledged, and
    every status it sent back, in time order. The sender sees every recipient; a recipient
    sees its own agencies' rows only. Three queries."""
    package = (HubPackage.objects.filter(pk=package_id, kind=HubPackage.Kind.DOCUMENT)
               .values("id", "document_id", "sender_code", "sender_system_id",
                       "received_at").first())
    if package is None:
        return None
    deliveries = HubDelivery.objects.filter(package_id=package_id).order_by("recipient_code")
    if package["sender_system_id"] != system.pk:
        deliveries = deliveries.filter(system=system)
    rows = {d.recipient_code: TraceRecipient(d.recipient_code, d.created_at, d.acked_at)
            for d in deliveries}
    if not rows:
        return None
    statuses = (HubPackage.objects.filter(about_id=package_id, kind=HubPackage.Kind.STATUS,
                                          sender_code__in=list(rows))
                .order_by("status_timestamp", "received_at", "id")
                .values_list("id", "sender_code", "status_code", "status_description",
                             "status_timestamp", "received_at"))
    for pk, code, status_code, description, timestamp, received_at in statuses:
        rows[code].statuses.append(TraceStatus(pk, status_code, _meaning(status_code),
                                               description, timestamp, received_at))
    return Trace(package=package["id"], document_id=package["document_id"],
                 sender=package["sender_code"], sent_at=package["received_at"],
                 recipients=list(rows.values()))


def systems_with_depth() -> QuerySet[HubSystem]:
    """Every system with its inbox depth (one query, plus one for the agencies)."""
    waiting = (HubDelivery.objects.filter(system=OuterRef("pk"), acked_at__isnull=True)
               .order_by().values("system").annotate(n=Count("id")).values("n"))
    return (HubSystem.objects.order_by("name")
            .annotate(depth=Coalesce(Subquery(waiting, output_field=IntegerField()), 0))
            .prefetch_related("agencies"))
