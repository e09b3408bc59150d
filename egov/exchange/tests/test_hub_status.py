"""POST /hub/v1/status: a status about a received package goes to the system that sent it;
GET /hub/v1/packages/{id}/trace shows every recipient's deliveries, acknowledgements and
statuses in time order; a status about a package the agency did not receive, a status
for another system's agency, an unsigned one and a replay."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from egov.edxml import build_status
from egov.exchange.models import HubDelivery, HubPackage, HubRefusal

from .hub_fixtures import *  # noqa: F403
from .hub_fixtures import (
    BNV,
    BTC,
    HGI,
    QNI,
    Hub,
    document,
    sha256,
    sign,
    signed_document,
    signed_status,
    status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(hub: Hub) -> int:
    """BTC sent a document to QNI and HGI (province) and BNV (stranger)."""
    response = hub.ministry.api.send(signed_document(hub, to=(QNI, HGI, BNV)))
    assert response.status_code == 201
    return int(response.json()["id"])


ABOUT = document(to=(QNI, HGI, BNV))


def test_a_status_is_routed_to_the_sender_system(hub: Hub, sent: int) -> None:
    body = signed_status(hub, ABOUT, sender=QNI, code="03")
    response = hub.province.api.status(body)
    assert response.status_code == 201, response.content
    answer = response.json()
    assert set(answer) == {"id", "accepted_at", "duplicate"} and not answer["duplicate"]
    row = HubPackage.objects.get(pk=answer["id"])
    assert (row.kind, row.about_id, row.status_code, row.sender_code) == ("status", sent,
                                                                        "03", QNI)
    assert bytes(row.data) == body
    [item] = hub.ministry.api.inbox().json()["items"]
    assert (item["package"], item["kind"], item["sender"], item["recipient"],
            item["document_id"], item["sha256"]) == (row.pk, "status", QNI, BTC,
                                                     ABOUT.document_id, sha256(body))
    fetched = hub.ministry.api.get(f"/hub/v1/packages/{row.pk}")
    assert fetched.status_code == 200 and fetched.content == body
    assert hub.ministry.api.ack(row.pk).status_code == 200
    assert hub.ministry.api.inbox().json()["items"] == []
    # The status is nobody else's business.
    assert hub.stranger.api.get(f"/hub/v1/packages/{row.pk}").status_code == 404


def test_the_trace_shows_every_recipient_and_every_status_in_time_order(
        hub: Hub, sent: int) -> None:
    morning = dt.datetime(2026, 3, 5, 8, 0, 0)
    # Sent out of order: "assigned" (04) arrives before "received" (03), which happened first.
    assert hub.province.api.status(signed_status(
        hub, ABOUT, sender=QNI, code="04", description="Giao Sở Tài chính chủ trì",
        at=morning + dt.timedelta(hours=2))).status_code == 201
    assert hub.province.api.status(signed_status(
        hub, ABOUT, sender=QNI, code="03", at=morning)).status_code == 201
    assert hub.stranger.api.status(signed_status(
        hub, ABOUT, sender=BNV, code="02", description="Không thuộc thẩm quyền",
        at=morning + dt.timedelta(hours=1))).status_code == 201
    assert hub.province.api.ack(sent).status_code == 200

    answer = hub.ministry.api.get(f"/hub/v1/packages/{sent}/trace").json()
    assert (answer["package"], answer["document_id"], answer["sender"]) == (
        sent, ABOUT.document_id, BTC)
    by_code = {r["recipient"]: r for r in answer["recipients"]}
    assert list(by_code) == sorted(by_code) == [BNV, HGI, QNI]
    assert [(s["code"], s["meaning"]) for s in by_code[QNI]["statuses"]] == [
        ("03", "received, registered"), ("04", "assigned by a leader")]
    assert by_code[QNI]["statuses"][1]["description"] == "Giao Sở Tài chính chủ trì"
    assert by_code[QNI]["statuses"][0]["timestamp"] == "2026-03-05T01:00:00.000000Z"
    assert by_code[QNI]["acked_at"] is not None and by_code[HGI]["acked_at"] is not None
    assert by_code[BNV]["acked_at"] is None
    assert by_code[HGI]["statuses"] == []
    assert [s["code"] for s in by_code[BNV]["statuses"]] == ["02"]
    for row in answer["recipients"]:
        assert row["delivered_at"] == answer["sent_at"]
        for item in row["statuses"]:
            assert item["received_at"] >= answer["sent_at"]

    # A recipient sees its own agencies only; a stranger to the package sees nothing.
    mine = hub.stranger.api.get(f"/hub/v1/packages/{sent}/trace").json()
    assert [r["recipient"] for r in mine["recipients"]] == [BNV]
    other = hub.ministry.api.send(signed_document(hub, number="99", to=(QNI,))).json()["id"]
    assert hub.stranger.api.get(f"/hub/v1/packages/{other}/trace").status_code == 404


def test_the_trace_runs_a_fixed_number_of_queries(hub: Hub, sent: int,
                                                  django_assert_num_queries: Any) -> None:
    for code in ("01", "03", "04", "05"):
        hub.province.api.status(signed_status(hub, ABOUT, sender=QNI, code=code))
    with django_assert_num_queries(4):  # token, package, deliveries, statuses
        response = hub.ministry.api.get(f"/hub/v1/packages/{sent}/trace")
    assert len(response.json()["recipients"][2]["statuses"]) == 4


def test_a_replay_of_the_same_status_is_answered_with_the_first(hub: Hub, sent: int) -> None:
    body = signed_status(hub, ABOUT, sender=QNI)
    first = hub.province.api.status(body).json()
    again = hub.province.api.status(body)
    assert again.status_code == 200
    assert again.json() == {**first, "duplicate": True}
    assert HubPackage.objects.filter(kind="status").count() == 1
    assert HubDelivery.objects.filter(recipient_code=BTC).count() == 1
    assert not HubRefusal.objects.exists()


def refused(response: Any, status_code: int, code: str) -> str:
    assert response.status_code == status_code, response.content
    assert response.json()["code"] == code
    assert not HubPackage.objects.filter(kind="status").exists()
    assert HubRefusal.objects.filter(code=code).count() == 1
    return str(response.json()["message"])


def test_a_status_about_a_package_the_agency_did_not_receive_is_404(hub: Hub) -> None:
    # BTC sent to QNI only; BNV (a real agency, validly signed) did not receive it.
    hub.ministry.api.send(signed_document(hub, to=(QNI,)))
    message = refused(hub.stranger.api.status(signed_status(hub, document(), sender=BNV)),
                      404, "unknown_package")
    assert BNV in message and document().document_id in message


def test_a_status_about_a_package_that_does_not_exist_is_404(hub: Hub) -> None:
    refused(hub.province.api.status(signed_status(hub, document(number="404"), sender=QNI)),
            404, "unknown_package")


def test_a_status_for_another_systems_agency_is_refused(hub: Hub, sent: int) -> None:
    refused(hub.stranger.api.status(signed_status(hub, ABOUT, sender=QNI)), 403,
            "sender_not_yours")


def test_an_unsigned_or_wrongly_signed_status_is_refused(hub: Hub, sent: int) -> None:
    refused(hub.province.api.status(build_status(status(ABOUT, sender=QNI))), 422,
            "signature_missing")
    HubRefusal.objects.all().delete()
    refused(hub.province.api.status(sign(build_status(status(ABOUT, sender=QNI)),
                                         hub.seals[HGI])), 422, "signature_invalid")


def test_a_document_package_sent_as_a_status_is_the_wrong_kind(hub: Hub, sent: int) -> None:
    refused(hub.ministry.api.status(signed_document(hub, number="2")), 400, "wrong_kind")
