"""GET /hub/v1/inbox (paging, a pinned number of queries), GET /hub/v1/packages/{id}
(byte for byte; a 404 for anyone who neither sent nor received it) and
POST /hub/v1/packages/{id}/ack (idempotent; the item leaves the inbox)."""

from __future__ import annotations

from typing import Any

import pytest

from egov.exchange.models import HubDelivery, HubRefusal

from .hub_fixtures import *  # noqa: F403
from .hub_fixtures import BNV, BTC, HGI, QNI, Hub, HubClient, document, sha256, signed_document

pytestmark = pytest.mark.django_db


def send(hub: Hub, count: int, to: tuple[str, ...] = (QNI, HGI)) -> list[tuple[int, bytes]]:
    out = []
    for n in range(1, count + 1):
        body = signed_document(hub, number=str(n), to=to)
        response = hub.ministry.api.send(body)
        assert response.status_code == 201, response.content
        out.append((response.json()["id"], body))
    return out


def test_the_inbox_lists_what_waits_oldest_first(hub: Hub) -> None:
    [(package_id, body)] = send(hub, 1)
    answer = hub.province.api.inbox().json()
    assert answer["next"] is None
    deliveries = list(HubDelivery.objects.order_by("id"))
    assert answer["items"] == [{
        "id": d.pk, "package": package_id, "kind": "document", "sender": BTC,
        "recipient": d.recipient_code, "document_id": document(number="1").document_id,
        "sha256": sha256(body), "size": len(body),
        "sent_at": answer["items"][0]["sent_at"],
    } for d in deliveries]
    assert [i["recipient"] for i in answer["items"]] == [QNI, HGI]
    assert answer["items"][0]["sent_at"].endswith("Z")
    # Nothing for the sender, nor for a stranger.
    assert hub.ministry.api.inbox().json() == {"items": [], "next": None}
    assert hub.stranger.api.inbox().json() == {"items": [], "next": None}


def test_the_inbox_pages_with_a_cursor(hub: Hub) -> None:
    send(hub, 4)  # eight items: four packages to two agencies of the province
    seen: list[int] = []
    after = 0
    pages = 0
    while True:
        answer = hub.province.api.inbox(after=after, limit=3).json()
        seen += [item["id"] for item in answer["items"]]
        pages += 1
        if answer["next"] is None:
            break
        assert answer["next"] == answer["items"][-1]["id"]
        after = answer["next"]
    assert pages == 3
    assert seen == sorted(seen) == list(HubDelivery.objects.order_by("id")
                                        .values_list("id", flat=True))
    assert len(hub.province.api.inbox().json()["items"]) == 8  # default limit 100
    exact = hub.province.api.inbox(limit=8).json()
    assert len(exact["items"]) == 8 and exact["next"] is None


def test_the_limit_is_kept_between_1_and_500(hub: Hub) -> None:
    send(hub, 2)
    assert len(hub.province.api.inbox(limit=0).json()["items"]) == 1
    assert len(hub.province.api.inbox(limit=100000).json()["items"]) == 4
    bad = hub.province.api.inbox(after="x")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_parameter"
    assert HubRefusal.objects.get().code == "invalid_parameter"


@pytest.mark.parametrize("count", [1, 12])
def test_the_inbox_runs_two_queries_whatever_its_size(
        hub: Hub, count: int, django_assert_num_queries: Any) -> None:
    send(hub, count)
    with django_assert_num_queries(2):  # the token, the page
        answer = hub.province.api.inbox(limit=500).json()
    assert len(answer["items"]) == 2 * count


def test_a_package_is_fetched_byte_for_byte_by_its_recipients_and_its_sender(
        hub: Hub) -> None:
    [(package_id, body)] = send(hub, 1)
    for node in (hub.province, hub.ministry):
        response = node.api.get(f"/hub/v1/packages/{package_id}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/xml"
        assert response.content == body
        assert response["X-Hub-SHA256"] == sha256(body)
    asking_for_xml = hub.province.api.client.get(
        f"/hub/v1/packages/{package_id}",
        headers={**hub.province.api.headers, "Accept": "application/xml"})
    assert asking_for_xml.status_code == 200 and asking_for_xml.content == body
    refused = hub.stranger.api.client.get(
        f"/hub/v1/packages/{package_id}",
        headers={**hub.stranger.api.headers, "Accept": "application/xml"})
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"


def test_a_stranger_gets_404_as_for_a_package_that_does_not_exist(hub: Hub) -> None:
    [(package_id, _body)] = send(hub, 1)
    stranger = hub.stranger.api.get(f"/hub/v1/packages/{package_id}")
    missing = hub.stranger.api.get(f"/hub/v1/packages/{package_id + 1000}")
    assert stranger.status_code == missing.status_code == 404
    assert stranger.json()["code"] == missing.json()["code"] == "not_found"
    assert stranger.json()["message"].replace(str(package_id), "N") \
        == missing.json()["message"].replace(str(package_id + 1000), "N")
    assert HubRefusal.objects.filter(code="not_found", system=hub.stranger.system).count() == 2
    assert hub.stranger.api.get(f"/hub/v1/packages/{package_id}/trace").status_code == 404


def test_fetching_needs_a_token(hub: Hub) -> None:
    [(package_id, _body)] = send(hub, 1)
    assert HubClient(None).get(f"/hub/v1/packages/{package_id}").status_code == 401


def test_an_acknowledged_package_leaves_the_inbox(hub: Hub) -> None:
    [(first, _b1), (second, _b2)] = send(hub, 2)
    response = hub.province.api.ack(first)
    assert response.status_code == 200
    answer = response.json()
    assert answer["id"] == first and answer["acked_at"].endswith("Z")
    assert {i["package"] for i in hub.province.api.inbox().json()["items"]} == {second}
    assert HubDelivery.objects.filter(package_id=first, acked_at__isnull=False).count() == 2
    # Again: nothing changes, the first time is answered.
    again = hub.province.api.ack(first)
    assert again.status_code == 200 and again.json() == answer
    # It can still be fetched after the acknowledgement.
    assert hub.province.api.get(f"/hub/v1/packages/{first}").status_code == 200


def test_only_a_recipient_system_acknowledges(hub: Hub) -> None:
    [(package_id, _body)] = send(hub, 1, to=(QNI, BNV))
    assert hub.ministry.api.ack(package_id).status_code == 404  # the sender has no delivery
    assert hub.province.api.ack(package_id + 1000).status_code == 404
    assert hub.stranger.api.ack(package_id).status_code == 200  # BNV's delivery only
    assert list(HubDelivery.objects.filter(package_id=package_id, acked_at__isnull=False)
                .values_list("recipient_code", flat=True)) == [BNV]
    assert [i["recipient"] for i in hub.province.api.inbox().json()["items"]] == [QNI]
