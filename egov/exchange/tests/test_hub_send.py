"""POST /hub/v1/packages: acceptance with a receipt that verifies, every refusal in the
order the hub checks (each with its code, nothing stored, the refusal recorded), hostile
XML, oversize bodies, duplicates, and the one-transaction durability of an acceptance."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from egov.edxml import build_package, build_status
from egov.exchange import hub_signatures
from egov.exchange.models import HubCertificate, HubDelivery, HubPackage, HubRefusal
from egov.signing.crypto import cms
from egov.signing.crypto.common import CertificateInfo

from .hub_fixtures import *  # noqa: F403
from .hub_fixtures import (
    BNV,
    BTC,
    HGI,
    QNI,
    UNKNOWN,
    Hub,
    HubClient,
    document,
    sha256,
    sign,
    signed_document,
    status,
)

pytestmark = pytest.mark.django_db


def nothing_stored() -> None:
    assert not HubPackage.objects.exists()
    assert not HubDelivery.objects.exists()


def refused(response: Any, status_code: int, code: str, *, system: Any = None) -> dict[str, Any]:
    """The answer is the refusal, nothing was stored, and the refusal was recorded."""
    assert response.status_code == status_code, response.content
    body = response.json()
    assert set(body) == {"code", "message"}
    assert body["code"] == code and body["message"]
    nothing_stored()
    refusal = HubRefusal.objects.get()
    assert (refusal.code, refusal.message) == (code, body["message"])
    assert refusal.system == system
    return body


# --- acceptance --------------------------------------------------------------------------------


def test_a_signed_package_is_accepted_with_a_receipt_that_verifies(hub: Hub) -> None:
    body = signed_document(hub, to=(QNI, HGI))
    response = hub.ministry.api.send(body)
    assert response.status_code == 201, response.content
    answer = response.json()
    assert set(answer) == {"id", "sha256", "accepted_at", "receipt", "receipt_payload",
                           "duplicate"}
    assert answer["sha256"] == sha256(body) and answer["duplicate"] is False
    row = HubPackage.objects.get()
    assert answer["id"] == row.pk
    assert bytes(row.data) == body and row.size == len(body)
    assert (row.kind, row.sender_code, row.sender_system) == ("document", BTC,
                                                              hub.ministry.system)
    assert row.document_id == document().document_id
    assert row.signer_sha256 == CertificateInfo.of(hub.seals[BTC].certificate).sha256
    deliveries = HubDelivery.objects.order_by("recipient_code")
    assert [(d.recipient_code, d.system, d.acked_at) for d in deliveries] == [
        (HGI, hub.province.system, None), (QNI, hub.province.system, None)]

    payload = answer["receipt_payload"].encode("ascii")
    assert json.loads(payload) == {"package": row.pk, "sha256": sha256(body),
                                   "accepted_at": answer["accepted_at"]}
    assert payload == json.dumps(json.loads(payload), sort_keys=True,
                                 separators=(",", ":")).encode()
    receipt = base64.b64decode(answer["receipt"])
    assert bytes(row.receipt) == receipt
    report = cms.verify_detached(payload, receipt, [hub.ca.certificate])
    assert report.ok, report.problems
    assert report.signer is not None
    assert report.signer.sha256 == CertificateInfo.of(hub_signatures.hub_certificate()).sha256
    assert report.signer.agency_code == "000.00.00.G22"
    assert report.signer.common_name == "Trục liên thông văn bản quốc gia"
    assert not cms.verify_detached(payload.replace(b'"package":', b'"package":1'), receipt,
                                   [hub.ca.certificate]).ok
    assert not HubRefusal.objects.exists()


def test_an_acceptance_runs_a_fixed_number_of_queries(hub: Hub) -> None:
    hub.ministry.api.send(signed_document(hub, number="1"))  # the hub's key and trust, once
    with CaptureQueriesContext(connection) as queries:
        response = hub.ministry.api.send(signed_document(hub, number="2", to=(QNI, HGI, BNV)))
    assert response.status_code == 201
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    # The token; the sender agency, its certificates and the recipients in one query; then
    # the package with its receipt and the deliveries. PostgreSQL takes the id from the
    # sequence in the registry's query, so that the receipt goes into the INSERT, and writes
    # the package and its deliveries in one statement (WITH … INSERT), a transaction of its
    # own. SQLite learns the id from the INSERT, adds the receipt with an UPDATE and inserts
    # the deliveries, in one transaction (plus the transaction's own statements).
    if connection.vendor == "postgresql":
        assert statements.count("SELECT") == 2, statements  # token, registry with the id
        assert statements.count("WITH") == 1, statements
        assert statements.count("INSERT") == statements.count("UPDATE") == 0, statements
    else:
        assert statements.count("SELECT") == 2, statements
        assert statements.count("INSERT") == 2, statements
        assert statements.count("UPDATE") == 1, statements


def _data_storage() -> str | None:
    """The package column's storage on PostgreSQL ("e" external, "x" extended); None where
    the database has no such setting (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT attstorage FROM pg_attribute WHERE attrelid = %s::regclass "
                       "AND attname = 'data'", [HubPackage._meta.db_table])
        row = cursor.fetchone()
    return str(row[0]) if row else None


@pytest.mark.django_db(transaction=True)
def test_package_bytes_are_stored_without_a_compression_attempt() -> None:
    """Migration 0005 sets the package column to STORAGE EXTERNAL on PostgreSQL (pglz spent
    4 ms of the server's CPU per 272 KB package failing to compress it) and undoes it; on
    both databases it applies and reverts cleanly."""
    from django.db.migrations.executor import MigrationExecutor

    expected = {"postgresql": ("e", "x", "e")}.get(connection.vendor, (None, None, None))
    seen = [_data_storage()]
    for target in ("0004_remote_tasks", "0005_hub_package_data_uncompressed"):
        executor = MigrationExecutor(connection)
        executor.migrate([("exchange", target)])
        seen.append(_data_storage())
    assert tuple(seen) == expected
    executor = MigrationExecutor(connection)
    assert not executor.migration_plan(executor.loader.graph.leaf_nodes())  # back at the top


def test_a_package_to_its_own_system_and_to_several_is_delivered_once_per_recipient(
        hub: Hub) -> None:
    body = signed_document(hub, sender=QNI, to=(HGI, QNI, BTC, HGI))
    assert hub.province.api.send(body).status_code == 201
    assert sorted(HubDelivery.objects.values_list("recipient_code", "system__name")) == [
        (BTC, "Hệ thống Bộ Tài chính"), (HGI, "Hệ thống liên tỉnh"),
        (QNI, "Hệ thống liên tỉnh")]


def test_a_duplicate_is_answered_with_the_first_package_and_nothing_is_stored(
        hub: Hub) -> None:
    body = signed_document(hub)
    first = hub.ministry.api.send(body).json()
    again = hub.ministry.api.send(body)
    assert again.status_code == 200
    assert again.json() == {**first, "duplicate": True}
    # Same sender and DocumentId, other bytes (signed again, another subject): the first.
    other = signed_document(hub, subject="Bản gửi lại")
    assert other != body
    resent = hub.ministry.api.send(other)
    assert resent.status_code == 200
    assert resent.json() == {**first, "duplicate": True}
    assert resent.json()["sha256"] == sha256(body)
    assert HubPackage.objects.count() == 1 and HubDelivery.objects.count() == 1
    assert not HubRefusal.objects.exists()
    receipt = base64.b64decode(resent.json()["receipt"])
    assert cms.verify_detached(resent.json()["receipt_payload"].encode(), receipt,
                               [hub.ca.certificate]).ok


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_package_commits_and_a_duplicate_stores_nothing(
        hub: Hub) -> None:
    """As under gunicorn: no transaction around the request, so the package is written
    (on PostgreSQL in one statement) and committed before the answer, and a duplicate's
    failed write leaves the connection usable and nothing more stored."""
    assert not connection.in_atomic_block
    body = signed_document(hub, to=(QNI, HGI))
    first = hub.ministry.api.send(body)
    assert first.status_code == 201, first.content
    assert not connection.in_atomic_block
    again = hub.ministry.api.send(signed_document(hub, subject="Bản gửi lại", to=(QNI, HGI)))
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    package = HubPackage.objects.get()
    assert bytes(package.data) == body and package.pk == first.json()["id"]
    assert base64.b64decode(first.json()["receipt"]) == bytes(package.receipt)
    assert sorted(HubDelivery.objects.values_list("package_id", "recipient_code")) == [
        (package.pk, HGI), (package.pk, QNI)]
    assert hub.ministry.api.send(signed_document(hub, number="2")).status_code == 201


def test_another_document_of_the_same_sender_is_not_a_duplicate(hub: Hub) -> None:
    ids = {hub.ministry.api.send(signed_document(hub, number=str(n))).json()["id"]
           for n in (1, 2)}
    assert len(ids) == 2


def test_nothing_is_left_when_the_acceptance_fails_before_its_commit(
        hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    """Crash before the commit: no package, no delivery (the hub answers 500)."""
    hub.ministry.api.client.raise_request_exception = False

    def crash(payload: bytes) -> bytes:
        raise RuntimeError("power cut")

    monkeypatch.setattr(hub_signatures, "sign_receipt", crash)
    response = hub.ministry.api.send(signed_document(hub))
    assert response.status_code == 500
    nothing_stored()
    monkeypatch.undo()
    assert hub.ministry.api.send(signed_document(hub)).status_code == 201


# --- refusals, in the order of the checks ------------------------------------------------------


def test_no_token_a_wrong_token_or_an_inactive_system_is_401(hub: Hub) -> None:
    body = signed_document(hub)
    for client in (HubClient(None), HubClient("hub_not-a-token"), HubClient("egov_x")):
        response = client.send(body)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"
        assert response["WWW-Authenticate"] == 'Bearer realm="hub"'
    hub.ministry.system.is_active = False
    hub.ministry.system.save()
    assert hub.ministry.api.send(body).json()["code"] == "unauthenticated"
    nothing_stored()
    assert list(HubRefusal.objects.values_list("code", "system")) == [
        ("unauthenticated", None)] * 4


def test_the_token_is_checked_before_the_size(hub: Hub, settings: Any) -> None:
    settings.EGOV_HUB_MAX_PACKAGE_BYTES = 100
    refused(HubClient(None).send(b"x" * 1000), 401, "unauthenticated")


def test_an_oversize_package_is_refused_unread(hub: Hub, settings: Any) -> None:
    body = signed_document(hub)
    settings.EGOV_HUB_MAX_PACKAGE_BYTES = len(body) - 1
    body_json = refused(hub.ministry.api.send(body), 413, "too_large",
                        system=hub.ministry.system)
    assert str(len(body) - 1) in body_json["message"]
    assert HubRefusal.objects.get().size == len(body)


def test_a_body_declaring_more_than_the_limit_is_refused_before_it_is_read(
        hub: Hub, settings: Any) -> None:
    settings.EGOV_HUB_MAX_PACKAGE_BYTES = 50
    response = hub.ministry.api.client.generic(
        "POST", "/hub/v1/packages", data=b"<" * 20, content_type="application/xml",
        headers=hub.ministry.api.headers, CONTENT_LENGTH=str(10**9))
    refused(response, 413, "too_large", system=hub.ministry.system)
    assert HubRefusal.objects.get().size == 10**9


def test_the_size_is_checked_before_the_xml(hub: Hub, settings: Any) -> None:
    settings.EGOV_HUB_MAX_PACKAGE_BYTES = 100
    refused(hub.ministry.api.send(b"not xml at all " * 20), 413, "too_large",
            system=hub.ministry.system)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&xxe;</edXML>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol9;</edXML>"""

EXTERNAL_DTD = (b'<?xml version="1.0"?><!DOCTYPE edXML SYSTEM "http://127.0.0.1:9/x.dtd">'
                b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>')


@pytest.mark.parametrize(("body", "code"), [
    (XXE, "xml_forbidden"),
    (BILLION_LAUGHS, "xml_forbidden"),
    (EXTERNAL_DTD, "xml_forbidden"),
    (b"<edXML><unclosed></edXML>", "xml_malformed"),
    (b"", "xml_malformed"),
    (b"<a>" * 100 + b"</a>" * 100, "too_deep"),
    (b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>', "schema_invalid"),
    (b'<other xmlns="urn:x"/>', "schema_invalid"),
], ids=["xxe", "billion-laughs", "external-dtd", "malformed", "empty", "too-deep",
        "empty-edxml", "not-edxml"])
def test_hostile_and_broken_xml_is_refused(hub: Hub, body: bytes, code: str) -> None:
    answer = refused(hub.ministry.api.send(body), 400, code, system=hub.ministry.system)
    assert "passwd" not in answer["message"] and "root:" not in answer["message"]


def test_a_schema_violation_in_a_signed_package_is_refused(hub: Hub) -> None:
    body = signed_document(hub).replace(b"<CodeNumber>12</CodeNumber>", b"")
    refused(hub.ministry.api.send(body), 400, "schema_invalid", system=hub.ministry.system)


def test_a_document_id_longer_than_the_hub_keeps_is_refused(hub: Hub) -> None:
    long_id = document().document_id + "-" + "X" * 500
    body = sign(build_package(replace(document(), document_id=long_id)), hub.seals[BTC])
    answer = refused(hub.ministry.api.send(body), 400, "schema_invalid",
                     system=hub.ministry.system)
    assert "500" in answer["message"]


def test_a_document_type_beyond_the_column_is_kept_without_it(hub: Hub) -> None:
    assert hub.ministry.api.send(signed_document(hub, doc_type=99999)).status_code == 201
    assert HubPackage.objects.get().document_type is None


def test_bad_base64_in_an_attachment_is_refused(hub: Hub) -> None:
    data = build_package(document())
    start = data.index(b"<ContentTransferEncoded>") + len(b"<ContentTransferEncoded>")
    broken = data[:start] + b"!!!" + data[start + 3:]
    refused(hub.ministry.api.send(sign(broken, hub.seals[BTC])), 400, "attachment_invalid",
            system=hub.ministry.system)


def test_a_status_package_sent_as_a_document_is_the_wrong_kind(hub: Hub) -> None:
    body = sign(build_status(status(document())), hub.seals[QNI])
    refused(hub.province.api.send(body), 400, "wrong_kind", system=hub.province.system)


def test_the_schema_is_checked_before_the_sender(hub: Hub) -> None:
    body = build_package(document(sender=BNV)).replace(b"<Subject>", b"<Subjec>", 1)
    refused(hub.ministry.api.send(body), 400, "xml_malformed", system=hub.ministry.system)


def test_a_sender_of_another_system_is_refused_even_validly_signed(hub: Hub) -> None:
    body = signed_document(hub, sender=BTC)
    answer = refused(hub.stranger.api.send(body), 403, "sender_not_yours",
                     system=hub.stranger.system)
    assert BTC in answer["message"]
    refusal = HubRefusal.objects.get()
    assert refusal.sender_code == BTC and refusal.document_id == document().document_id


def test_an_unknown_sender_is_not_yours(hub: Hub) -> None:
    body = signed_document(hub, sender=UNKNOWN, to=(BTC,))
    refused(hub.ministry.api.send(body), 403, "sender_not_yours", system=hub.ministry.system)


def test_the_sender_is_checked_before_the_signature(hub: Hub) -> None:
    refused(hub.stranger.api.send(build_package(document())), 403, "sender_not_yours",
            system=hub.stranger.system)


def test_an_unsigned_package_is_refused(hub: Hub) -> None:
    answer = refused(hub.ministry.api.send(build_package(document())), 422,
                     "signature_missing", system=hub.ministry.system)
    assert BTC in answer["message"]


def test_the_signature_is_checked_before_the_recipients(hub: Hub) -> None:
    refused(hub.ministry.api.send(build_package(document(to=(UNKNOWN,)))), 422,
            "signature_missing", system=hub.ministry.system)


@pytest.mark.parametrize("case", ["changed", "unregistered-seal", "another-agency-key",
                                  "revoked-on-the-hub", "no-certificate"])
def test_a_signature_that_does_not_verify_is_refused(hub: Hub, case: str) -> None:
    data = build_package(document())
    if case == "changed":
        body = sign(data, hub.seals[BTC]).replace("chữ ký số".encode(), "chữ ký giả".encode())
    elif case == "unregistered-seal":
        body = sign(data, hub.seals["rogue"])  # BTC's name, platform CA, not registered
    elif case == "another-agency-key":
        body = sign(data, hub.seals[BNV])
    else:
        body = sign(data, hub.seals[BTC])
        if case == "revoked-on-the-hub":
            HubCertificate.objects.filter(agency__code=BTC).update(revoked_at="2026-01-01T00:00Z")
        else:
            HubCertificate.objects.filter(agency__code=BTC).delete()
    answer = refused(hub.ministry.api.send(body), 422, "signature_invalid",
                     system=hub.ministry.system)
    if case == "changed":
        assert "tampered" in answer["message"]
    if case in ("unregistered-seal", "another-agency-key"):
        assert "untrusted" in answer["message"]
    if case == "another-agency-key":
        assert BNV in answer["message"]
    if case in ("revoked-on-the-hub", "no-certificate"):
        assert "No certificate is registered" in answer["message"]


def test_a_seal_from_an_untrusted_authority_is_refused_even_if_registered(
        hub: Hub) -> None:
    from egov.signing.crypto.ca import CertificateAuthority
    from egov.signing.crypto.common import cert_pem

    foreign = CertificateAuthority.create_root("Foreign CA", algorithm="ec-p256")
    seal = foreign.issue_seal("Bộ Tài chính", BTC, algorithm="ec-p256")
    HubCertificate.objects.create(
        agency=hub.ministry.system.agencies.get(), certificate_pem=cert_pem(
            seal.certificate).decode(), sha256=CertificateInfo.of(seal.certificate).sha256,
        subject="foreign", not_after=seal.certificate.not_valid_after_utc)
    answer = refused(hub.ministry.api.send(sign(build_package(document()), seal)), 422,
                     "signature_invalid", system=hub.ministry.system)
    assert "untrusted" in answer["message"]


def test_every_unknown_recipient_is_named(hub: Hub) -> None:
    body = signed_document(hub, to=(QNI, UNKNOWN, "000.00.00.H99"))
    answer = refused(hub.ministry.api.send(body), 422, "unknown_recipient",
                     system=hub.ministry.system)
    assert UNKNOWN in answer["message"] and "000.00.00.H99" in answer["message"]
    assert QNI not in answer["message"]


def test_the_recipients_are_checked_before_duplicates(hub: Hub) -> None:
    assert hub.ministry.api.send(signed_document(hub)).status_code == 201
    again = signed_document(hub, to=(UNKNOWN,))
    response = hub.ministry.api.send(again)
    assert response.status_code == 422 and response.json()["code"] == "unknown_recipient"
    assert HubPackage.objects.count() == 1


def test_refusals_answer_in_vietnamese_by_default(hub: Hub) -> None:
    client = HubClient(hub.ministry.token)
    del client.client.cookies["django_language"]
    answer = client.send(build_package(document())).json()
    assert answer["code"] == "signature_missing"
    assert "chưa được ký" in answer["message"], answer["message"]


def test_refusals_are_kept_to_the_newest_ones(hub: Hub, settings: Any) -> None:
    """A system that sends garbage all day cannot fill the hub's disk with refusals."""
    settings.EGOV_HUB_DIAGNOSTICS_KEEP = 3
    for n in range(7):
        refused_again = hub.ministry.api.send(f"<not-xml {n}".encode())
        assert refused_again.status_code == 400
    kept = list(HubRefusal.objects.order_by("id"))
    assert len(kept) == 3
    newest = kept[-1].pk
    assert [r.pk for r in kept] == [newest - 2, newest - 1, newest]
    assert {r.code for r in kept} == {"xml_malformed"}
