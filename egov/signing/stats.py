"""How many documents carry a valid digital signature, per agency and month: the rate the
seeds track, for the reports.

Issued: outgoing documents issued in the month whose current main file is validly signed.
Received: incoming documents received in the month with a validly signed main file.
Two grouped queries, whatever the number of agencies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.functions import TruncMonth

from egov.documents.models import Document, DocumentFile, Status


@dataclass
class Rate:
    agency_id: int
    month: dt.date
    issued: int = 0
    issued_signed: int = 0
    received: int = 0
    received_signed: int = 0

    @staticmethod
    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def issued_share(self) -> float | None:
        return self.share(self.issued_signed, self.issued)

    @property
    def received_share(self) -> float | None:
        return self.share(self.received_signed, self.received)


def _signed() -> Exists:
    return Exists(DocumentFile.objects.filter(
        document=OuterRef("pk"), kind=DocumentFile.Kind.MAIN,
        signature_status=DocumentFile.SignatureStatus.VALID))


def _month(value: dt.date | dt.datetime) -> dt.date:
    return dt.date(value.year, value.month, 1)


def signature_rates(documents: QuerySet[Document], start: dt.date, end: dt.date
                    ) -> list[Rate]:
    """Rates per agency and month for documents dated from ``start`` to ``end`` (inclusive),
    within ``documents`` (already limited to what the caller may see)."""
    rates: dict[tuple[int, dt.date], Rate] = {}
    issued = (documents.filter(direction="outgoing", status=Status.ISSUED,
                               issue_date__gte=start, issue_date__lte=end)
              .annotate(month=TruncMonth("issue_date")).values("agency_id", "month")
              .annotate(n=Count("pk"), signed=Count("pk", filter=_signed())))
    for row in issued:
        rate = rates.setdefault((row["agency_id"], _month(row["month"])),
                                Rate(row["agency_id"], _month(row["month"])))
        rate.issued, rate.issued_signed = row["n"], row["signed"]
    received = (documents.filter(direction="incoming", received_at__date__gte=start,
                                 received_at__date__lte=end)
                .annotate(month=TruncMonth("received_at")).values("agency_id", "month")
                .annotate(n=Count("pk"), signed=Count("pk", filter=_signed())))
    for row in received:
        rate = rates.setdefault((row["agency_id"], _month(row["month"])),
                                Rate(row["agency_id"], _month(row["month"])))
        rate.received, rate.received_signed = row["n"], row["signed"]
    return sorted(rates.values(), key=lambda r: (r.month, r.agency_id))
