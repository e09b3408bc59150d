"""Statistics of the hub per agency and period: documents sent and received, by document
type, the share of signed ones, and median delivery times (accepted by the hub →
acknowledged by the recipient).

Everything is counted in the database in grouped queries (five, whatever the number of
agencies); the medians too, with window functions (the middle row or two of each agency's
delivery times, ranked), which SQLite and PostgreSQL both have. Status packages are not
documents and are not counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from .models import HubAgency, HubDelivery, HubPackage


@dataclass
class AgencyStats:
    code: str
    name: str = ""
    sent: int = 0
    received: int = 0
    signed: int = 0                                   # sent, with a verified signature
    sent_by_type: dict[int | None, int] = field(default_factory=dict)
    received_by_type: dict[int | None, int] = field(default_factory=dict)
    # Of the documents it sent: accepted → acknowledged by each recipient.
    median_delivery_seconds: float | None = None
    # Of the documents it received: accepted → acknowledged by this agency.
    median_pickup_seconds: float | None = None

    @property
    def signed_share(self) -> float | None:
        return round(self.signed / self.sent, 4) if self.sent else None


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the start of ``start`` to the end of ``end``, in the platform's time zone."""
    zone = timezone.get_default_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=zone),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone))


def _medians(deliveries: QuerySet[HubDelivery], group: str) -> dict[str, float]:
    """The median of (acked_at − accepted) per ``group``: the one or two middle rows of
    each group, ranked by a window function, averaged here."""
    duration = ExpressionWrapper(F("acked_at") - F("package__received_at"),
                                 output_field=DurationField())
    rows = (deliveries.filter(acked_at__isnull=False)
            .annotate(key=F(group), duration=duration,
                      rank=Window(RowNumber(), partition_by=[F(group)],
                                  order_by=[duration.asc(), F("id").asc()]),
                      total=Window(Count("id"), partition_by=[F(group)]))
            .filter(rank__gte=(F("total") + 1) / 2, rank__lte=(F("total") + 2) / 2)
            .values_list("key", "duration"))
    middle: dict[str, list[float]] = {}
    for key, duration_value in rows:
        middle.setdefault(key, []).append(duration_value.total_seconds())
    return {key: sum(values) / len(values) for key, values in middle.items()}


def agency_stats(start: dt.date, end: dt.date, codes: Iterable[str] | None = None
                 ) -> list[AgencyStats]:
    """Statistics of every registered agency (or of ``codes``), and of any former one that
    sent or received in the period, for documents accepted by the hub from ``start`` to
    ``end`` inclusive, sorted by code."""
    since, until = period_bounds(start, end)
    wanted = None if codes is None else sorted(set(codes))
    sent = HubPackage.objects.filter(kind=HubPackage.Kind.DOCUMENT, received_at__gte=since,
                                     received_at__lt=until)
    deliveries = HubDelivery.objects.filter(package__kind=HubPackage.Kind.DOCUMENT,
                                            created_at__gte=since, created_at__lt=until)
    agencies = HubAgency.objects.all()
    if wanted is not None:
        sent = sent.filter(sender_code__in=wanted)
        agencies = agencies.filter(code__in=wanted)
    out: dict[str, AgencyStats] = {}

    def row(code: str) -> AgencyStats:
        return out.setdefault(code, AgencyStats(code))

    for item in (sent.values("sender_code", "document_type").order_by()
                 .annotate(n=Count("id"), signed=Count("id", filter=~Q(signer_sha256="")))):
        stats = row(item["sender_code"])
        stats.sent += item["n"]
        stats.signed += item["signed"]
        stats.sent_by_type[item["document_type"]] = item["n"]
    received: QuerySet[Any] = deliveries if wanted is None else deliveries.filter(
        recipient_code__in=wanted)
    for item in (received.values("recipient_code", "package__document_type").order_by()
                 .annotate(n=Count("id"))):
        stats = row(item["recipient_code"])
        stats.received += item["n"]
        stats.received_by_type[item["package__document_type"]] = item["n"]
    by_sender = deliveries if wanted is None else deliveries.filter(
        package__sender_code__in=wanted)
    for code, seconds in _medians(by_sender, "package__sender_code").items():
        row(code).median_delivery_seconds = seconds
    for code, seconds in _medians(received, "recipient_code").items():
        row(code).median_pickup_seconds = seconds
    for code, name in agencies.values_list("code", "name"):
        row(code).name = name  # registered agencies with nothing in the period show zeros
    return [out[code] for code in sorted(out)]
