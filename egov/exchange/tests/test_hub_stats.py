"""Statistics per agency and period, counted in the database: sent, received, by document
type, signed share, median delivery and pick-up times (accepted → acknowledged)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from egov.exchange import hub_stats
from egov.exchange.models import HubDelivery, HubPackage

from .hub_fixtures import *  # noqa: F403
from .hub_fixtures import BNV, BTC, HGI, QNI, Hub, document, signed_document, signed_status

pytestmark = pytest.mark.django_db


def send(hub: Hub, number: int, to: tuple[str, ...], doc_type: int = 1,
         sender: str = BTC) -> int:
    node = hub.ministry if sender == BTC else hub.province
    response = node.api.send(signed_document(hub, sender=sender, number=str(number), to=to,
                                             doc_type=doc_type))
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def ack_after(package_id: int, recipient: str, seconds: float) -> None:
    delivery = HubDelivery.objects.select_related("package").get(package_id=package_id,
                                                                 recipient_code=recipient)
    delivery.acked_at = delivery.package.received_at + dt.timedelta(seconds=seconds)
    delivery.save(update_fields=["acked_at"])


def test_statistics_per_agency(hub: Hub, django_assert_num_queries: Any) -> None:
    first = send(hub, 1, (QNI, HGI), doc_type=1)
    second = send(hub, 2, (QNI,), doc_type=1)
    third = send(hub, 3, (QNI, BNV), doc_type=7)
    fourth = send(hub, 4, (BTC,), doc_type=2, sender=QNI)
    # A status is not a document: it counts for nobody.
    hub.province.api.status(signed_status(hub, document(number="1", to=(QNI, HGI)),
                                          sender=QNI))
    ack_after(first, QNI, 2)
    ack_after(first, HGI, 10)
    ack_after(second, QNI, 4)
    ack_after(third, QNI, 30)   # BNV never acknowledges
    ack_after(fourth, BTC, 5)
    today = timezone.localdate()
    with django_assert_num_queries(5):
        rows = {r.code: r for r in hub_stats.agency_stats(today, today)}
    assert set(rows) == {BTC, QNI, HGI, BNV}
    btc, qni, hgi, bnv = rows[BTC], rows[QNI], rows[HGI], rows[BNV]
    assert btc.name == "Bộ Tài chính"
    assert (btc.sent, btc.received, btc.signed) == (3, 1, 3)
    assert btc.signed_share == 1.0
    assert btc.sent_by_type == {1: 2, 7: 1}
    assert btc.received_by_type == {2: 1}
    # Its documents were acknowledged after 2, 10, 4 and 30 s: the median is 7 s.
    assert btc.median_delivery_seconds == pytest.approx(7.0)
    assert btc.median_pickup_seconds == pytest.approx(5.0)
    assert (qni.sent, qni.received) == (1, 3)
    assert qni.received_by_type == {1: 2, 7: 1}
    assert qni.median_pickup_seconds == pytest.approx(4.0)  # 2, 4, 30
    assert qni.median_delivery_seconds == pytest.approx(5.0)
    assert (hgi.sent, hgi.received, hgi.signed_share) == (0, 1, None)
    assert hgi.median_pickup_seconds == pytest.approx(10.0)
    assert (bnv.received, bnv.median_pickup_seconds) == (1, None)
    # An unsigned package (none is accepted today, but the share is computed).
    HubPackage.objects.filter(pk=second).update(signer_sha256="")
    assert hub_stats.agency_stats(today, today, codes=[BTC])[0].signed_share \
        == pytest.approx(0.6667)


def test_the_period_bounds_are_local_days(hub: Hub) -> None:
    package = send(hub, 1, (QNI,))
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    assert hub_stats.agency_stats(yesterday, yesterday, codes=[BTC])[0].sent == 0
    HubPackage.objects.filter(pk=package).update(
        received_at=timezone.make_aware(dt.datetime.combine(yesterday, dt.time(23, 59))))
    HubDelivery.objects.filter(package_id=package).update(
        created_at=timezone.make_aware(dt.datetime.combine(yesterday, dt.time(23, 59))))
    [row] = hub_stats.agency_stats(yesterday, yesterday, codes=[BTC])
    assert row.sent == 1
    assert hub_stats.agency_stats(today, today, codes=[QNI])[0].received == 0


def test_an_empty_period_lists_the_agencies_with_zeros(hub: Hub) -> None:
    rows = hub_stats.agency_stats(dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert [(r.code, r.sent, r.received, r.median_delivery_seconds) for r in rows] == [
        (code, 0, 0, None) for code in sorted((BTC, QNI, HGI, BNV))]
