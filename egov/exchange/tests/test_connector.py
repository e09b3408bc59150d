"""The connector against the real hub code, in one database: a deployment that runs the
hub and sends between its own agencies through it (the demo's set-up). The transport is
Django's test client instead of a socket; tests/test_end_to_end.py does the same across
three processes over HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from egov.core.models import User
from egov.core.tests import factories
from egov.documents import actions as documents
from egov.documents.models import Document, Recipient, Source
from egov.exchange import connector_actions, connector_tasks, hub_actions
from egov.exchange.connector_client import HubClient, HubError, Response
from egov.exchange.models import (
    Delivery,
    HubDelivery,
    HubPackage,
    InboundPackage,
    InboundStatus,
    OutboundPackage,
    OutboundStatus,
)
from egov.signing import actions as signing
from egov.signing.models import Certificate

from .hub_fixtures import _hub_process_state, hub_ca, platform_ca  # noqa: F401

PDF = b"%PDF-1.4\n% a decision\n"
BTC_CODE, QNI_CODE = "000.00.00.G12", "000.00.00.H49"


class InProcessHub(HubClient):
    """The hub client with Django's test client as its transport: same requests, same
    answers, no socket."""

    def _transport(self, method: str, url: str, body: bytes | None,
                   headers: dict[str, str]) -> Response:
        if getattr(InProcessHub, "down", False):
            raise HubError(None, "unreachable", "connection refused")
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        path = url.removeprefix("http://hub.test")
        auth = {"Authorization": headers["Authorization"]}
        if method == "GET":
            answer = client.get(path, headers=auth)
        else:
            answer = client.post(path, data=body or b"", headers=auth,
                                 content_type=headers.get("Content-Type", "application/xml"))
        return Response(answer.status_code, answer.content, dict(answer.headers.items()))


class Deployment:
    def __init__(self, admin: User) -> None:
        self.btc = factories.ministry(BTC_CODE, "Bộ Tài chính", "BTC")
        office = factories.unit(self.btc, "000.00.01.G12", "Văn phòng Bộ", "VP")
        self.btc_clerk = factories.official(office, "clerk", username="btc_vanthu")
        self.btc_leader = factories.official(self.btc, "agency_leader", username="btc_lanhdao",
                                             full_name="Phạm Minh Lãnh", title="Bộ trưởng")
        legal = factories.unit(self.btc, "000.00.02.G12", "Vụ Ngân sách nhà nước", "NSNN")
        self.btc_head = factories.official(legal, "unit_head", username="btc_vutruong")
        self.btc_specialist = factories.official(legal, "specialist", username="btc_chuyenvien")
        self.qni = factories.ministry(QNI_CODE, "UBND tỉnh Quảng Ninh", "UBND")
        qni_office = factories.unit(self.qni, "000.00.01.H49", "Văn phòng UBND tỉnh", "VP")
        self.qni_clerk = factories.official(qni_office, "clerk", username="qni_vanthu",
                                            full_name="Trần Thị Thư")
        self.qni_leader = factories.official(self.qni, "agency_leader",
                                             username="qni_lanhdao")
        self.qni_unit = factories.unit(self.qni, "000.00.03.H49", "Sở Tài chính", "STC")
        seals = {}
        for agency in (self.btc, self.qni):
            cert = signing.do_issue_certificate(acting_user=admin, kind=Certificate.Kind.SEAL,
                                                organisation=agency)
            seals[agency.code] = cert.certificate_pem.encode()
        _system, self.token = hub_actions.do_register_system(
            acting_user=None, name="Hệ thống dùng chung",
            agencies=[(BTC_CODE, "Bộ Tài chính"), (QNI_CODE, "UBND tỉnh Quảng Ninh")],
            certificates=list(seals.items()))
        connector_actions.do_connect(acting_user=None, hub_url="http://hub.test/hub/v1",
                                     token=self.token, route_between_agencies=True)
        connector_actions.clear_route_cache()

    def issue(self, subject: str = "Quyết định phân bổ kinh phí năm 2027", **extra: Any
              ) -> Document:
        draft = documents.do_create_draft(
            acting_user=self.btc_specialist, doc_type="decision", subject=subject,
            uploads=[("quyet-dinh.pdf", PDF)], recipients=[self.qni], **extra)
        documents.do_submit_for_review(draft, acting_user=self.btc_specialist)
        documents.do_review(draft, acting_user=self.btc_head, approve=True)
        documents.do_approve(draft, acting_user=self.btc_leader)
        return documents.do_issue(draft, acting_user=self.btc_clerk)


@pytest.fixture
def deployment(db: None, hub_ca: Any, admin_user: User, settings: Any,  # noqa: F811
               monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    settings.EGOV_REQUIRE_SIGNATURES = False
    monkeypatch.setattr(connector_actions, "client",
                        lambda conn: InProcessHub(conn.hub_url, conn.token))
    monkeypatch.setattr(InProcessHub, "down", False, raising=False)
    yield Deployment(admin_user)
    connector_actions.clear_route_cache()


def _deliver(d: Deployment) -> tuple[Document, InboundPackage]:
    document = d.issue()
    package = OutboundPackage.objects.get(document=document)
    assert connector_actions.do_send_package(package.pk).sent
    pulled = connector_actions.do_pull()
    assert (pulled.stored, pulled.acked) == (1, 1)
    return document, InboundPackage.objects.get(agency=d.qni)


def _send_statuses() -> None:
    for row in OutboundStatus.objects.filter(state=Delivery.PENDING):
        assert connector_actions.do_send_status(row.pk).sent


def test_another_agency_goes_through_the_hub_only_when_asked(deployment: Deployment) -> None:
    document = deployment.issue()
    recipient = Recipient.objects.get(document=document)
    assert not recipient.is_internal
    assert recipient.dispatch == Recipient.Dispatch.WAITING
    assert not Document.objects.filter(origin=document).exists()  # not delivered inside
    row = OutboundPackage.objects.get(document=document)
    assert (row.state, row.recipients) == (Delivery.PENDING, [QNI_CODE])
    assert row.edxml_id == f"{BTC_CODE},{document.issue_date:%Y/%m/%d},{document.symbol}"


def test_the_whole_round_trip(deployment: Deployment,
                              django_capture_on_commit_callbacks: Any) -> None:
    d = deployment
    document, inbound = _deliver(d)
    sent = OutboundPackage.objects.get(document=document)
    assert sent.state == Delivery.SENT and sent.hub_id and sent.receipt
    assert Recipient.objects.get(document=document).dispatch == Recipient.Dispatch.SENT
    hub_row = HubPackage.objects.get(pk=sent.hub_id)
    assert bytes(inbound.data) == bytes(hub_row.data)  # byte for byte
    assert HubDelivery.objects.get(package=hub_row).acked_at is not None
    assert inbound.state == InboundPackage.State.RECEIVED
    assert (inbound.symbol, inbound.subject) == (document.symbol, document.subject)

    registered = connector_actions.do_register_package(inbound, acting_user=d.qni_clerk)
    assert (registered.source, registered.external_id) == (Source.HUB, sent.edxml_id)
    assert (registered.symbol, registered.doc_type) == (document.symbol, "decision")
    assert registered.agency == d.qni and registered.number == 1
    assert [f.name for f in registered.files.all()] == ["quyet-dinh.pdf"]

    with django_capture_on_commit_callbacks(execute=True):
        documents.do_assign(registered, acting_user=d.qni_leader, lead=d.qni_unit,
                            deadline_days=5)
    assert list(OutboundStatus.objects.values_list("code", flat=True)) == ["01", "03", "04"]
    _send_statuses()
    pulled = connector_actions.do_pull()
    assert pulled.statuses == 3
    codes = list(InboundStatus.objects.filter(outbound=sent).values_list("code", flat=True))
    assert codes == ["01", "03", "04"]
    trace = connector_actions.client(connector_actions.connection()).trace(sent.hub_id)
    [recipient] = trace["recipients"]
    assert [s["code"] for s in recipient["statuses"]] == ["01", "03", "04"]
    assert recipient["acked_at"]


def test_a_package_is_stored_once_even_when_the_ack_is_lost(deployment: Deployment,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    document = deployment.issue()
    connector_actions.do_send_package(OutboundPackage.objects.get(document=document).pk)

    def no_ack(self: HubClient, package_id: int) -> dict[str, Any]:
        raise HubError(None, "unreachable", "the connection dropped")

    monkeypatch.setattr(InProcessHub, "ack", no_ack)
    with pytest.raises(HubError):
        connector_actions.do_pull()
    assert InboundPackage.objects.count() == 1  # stored before the ack
    monkeypatch.undo()
    monkeypatch.setattr(connector_actions, "client",
                        lambda conn: InProcessHub(conn.hub_url, conn.token))
    pulled = connector_actions.do_pull()
    assert (pulled.stored, pulled.acked) == (0, 1)
    assert InboundPackage.objects.count() == 1
    assert OutboundStatus.objects.filter(code="01").count() == 1
    assert not HubDelivery.objects.filter(acked_at__isnull=True).exists()


def test_no_answer_is_tried_again_later(deployment: Deployment,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    document = deployment.issue()
    row = OutboundPackage.objects.get(document=document)
    monkeypatch.setattr(InProcessHub, "down", True, raising=False)
    before = timezone.now()
    first = connector_actions.do_send_package(row.pk)
    second = connector_actions.do_send_package(row.pk)
    row.refresh_from_db()
    assert not first.sent and first.retry_at is not None
    assert second.retry_at is not None and second.retry_at - before >= dt.timedelta(seconds=2)
    assert (row.state, row.attempts, row.error_code) == (Delivery.PENDING, 2, "unreachable")
    assert not HubPackage.objects.exists()
    monkeypatch.setattr(InProcessHub, "down", False, raising=False)
    assert connector_actions.do_send_package(row.pk).sent
    assert HubPackage.objects.count() == 1


def test_a_real_socket_that_does_not_answer_is_transient(deployment: Deployment) -> None:
    client = HubClient("http://127.0.0.1:9/hub/v1", "hub_x", timeout=2)
    with pytest.raises(HubError) as caught:
        client.inbox()
    assert caught.value.transient and caught.value.code == "unreachable"


def test_a_resend_after_a_lost_answer_is_not_stored_twice(deployment: Deployment) -> None:
    document = deployment.issue()
    row = OutboundPackage.objects.get(document=document)
    assert connector_actions.do_send_package(row.pk).sent
    OutboundPackage.objects.filter(pk=row.pk).update(state=Delivery.PENDING, hub_id=None)
    assert connector_actions.do_send_package(row.pk).sent  # signed afresh, same DocumentId
    assert HubPackage.objects.count() == 1
    row.refresh_from_db()
    assert row.hub_id == HubPackage.objects.get().pk


def test_a_refusal_stops_with_the_hubs_reason_and_can_be_sent_again(
        deployment: Deployment, admin_user: User) -> None:
    d = deployment
    # The ministry renews its seal but nobody registers the new one on the hub yet.
    renewed = signing.do_issue_certificate(acting_user=admin_user, kind=Certificate.Kind.SEAL,
                                           organisation=d.btc)
    document = d.issue()
    row = OutboundPackage.objects.get(document=document)
    attempt = connector_actions.do_send_package(row.pk)
    row.refresh_from_db()
    assert not attempt.sent and attempt.retry_at is None
    assert (row.state, row.error_code) == (Delivery.FAILED, "signature_invalid")
    assert "does not verify" in row.last_error
    assert Recipient.objects.get(document=document).dispatch == Recipient.Dispatch.FAILED
    assert not HubPackage.objects.exists()

    with pytest.raises(PermissionDenied):  # only the sending agency's clerk
        connector_actions.do_resend(row, acting_user=d.qni_clerk)
    hub_actions.do_add_certificate(acting_user=None, agency_code=BTC_CODE,
                                   pem=renewed.certificate_pem.encode())
    connector_actions.do_resend(row, acting_user=d.btc_clerk)
    assert connector_actions.do_send_package(row.pk).sent
    assert Recipient.objects.get(document=document).dispatch == Recipient.Dispatch.SENT


def test_register_and_refuse_rules(deployment: Deployment) -> None:
    d = deployment
    _document, inbound = _deliver(d)
    with pytest.raises(PermissionDenied, match="another agency"):
        connector_actions.do_register_package(inbound, acting_user=d.btc_clerk)
    with pytest.raises(ValidationError) as caught:
        connector_actions.do_refuse_package(inbound, acting_user=d.qni_clerk, reason=" ")
    assert "reason" in caught.value.message_dict
    connector_actions.do_register_package(inbound, acting_user=d.qni_clerk)
    with pytest.raises(ValidationError, match="already registered"):
        connector_actions.do_register_package(inbound, acting_user=d.qni_clerk)
    assert Document.objects.filter(agency=d.qni, source=Source.HUB).count() == 1


def test_a_refused_package_tells_the_sender_why(deployment: Deployment) -> None:
    d = deployment
    _document, inbound = _deliver(d)
    connector_actions.do_refuse_package(inbound, acting_user=d.qni_clerk,
                                        reason="Gửi nhầm cơ quan")
    _send_statuses()
    connector_actions.do_pull()
    refused = InboundStatus.objects.get(code="02")
    assert refused.description == "Gửi nhầm cơ quan"
    assert not Document.objects.filter(agency=d.qni).exists()


def test_a_secret_document_never_goes_to_the_hub(deployment: Deployment) -> None:
    document = deployment.issue(confidentiality="confidential")
    row = OutboundPackage.objects.get(document=document)
    assert (row.state, row.error_code) == (Delivery.FAILED, "confidential")
    assert not connector_actions.do_send_package(row.pk).sent
    assert not HubPackage.objects.exists()


def test_pages(deployment: Deployment, client: Client,
               django_assert_max_num_queries: Any) -> None:
    d = deployment
    document, inbound = _deliver(d)
    client.force_login(d.qni_clerk)
    page = client.get("/exchange/received/")
    assert page.status_code == 200 and document.subject in page.content.decode()
    detail = client.get(f"/exchange/received/{inbound.pk}/")
    assert "quyet-dinh.pdf" in detail.content.decode()
    answer = client.post(f"/exchange/received/{inbound.pk}/", {"action": "register"})
    registered = Document.objects.get(agency=d.qni)
    assert answer.status_code == 302 and answer["Location"] == f"/documents/{registered.pk}/"
    # Another agency's clerk: 404, never the package.
    client.force_login(d.btc_clerk)
    assert client.get(f"/exchange/received/{inbound.pk}/").status_code == 404
    trace = client.get(f"/exchange/documents/{document.pk}/trace/")
    assert trace.status_code == 200 and QNI_CODE in trace.content.decode()
    client.force_login(d.qni_clerk)
    assert client.get(f"/exchange/documents/{document.pk}/trace/").status_code == 404


def test_push_enqueues_one_pull(deployment: Deployment, client: Client) -> None:
    from django_tasks_db.models import DBTaskResult

    assert client.post("/exchange/push", b'{"new": 3}', content_type="application/json"
                       ).json() == {"queued": True}
    assert client.post("/exchange/push", b'{"new": 4}', content_type="application/json"
                       ).json() == {"queued": False}
    assert DBTaskResult.objects.filter(task_path=connector_tasks.pull_inbox.module_path
                                       ).count() == 1
    assert client.get("/exchange/push").status_code == 405


def test_the_connection_is_checked(db: None) -> None:
    with pytest.raises(ValidationError) as caught:
        connector_actions.do_connect(acting_user=None, hub_url="ftp://x", token="",
                                     pull_interval_seconds=1)
    assert set(caught.value.message_dict) == {"hub_url", "token", "pull_interval_seconds"}


def test_without_routing_other_agencies_are_served_inside(deployment: Deployment) -> None:
    from egov.exchange.models import HubConnection

    HubConnection.objects.update(route_between_agencies=False)
    connector_actions.clear_route_cache()
    document = deployment.issue()
    assert Recipient.objects.get(document=document).is_internal
    assert not OutboundPackage.objects.exists()
    assert Document.objects.filter(origin=document, agency=deployment.qni).exists()


def test_the_owed_status_commits_or_rolls_back_with_the_assignment(
        deployment: Deployment) -> None:
    """04 is written inside the assignment's transaction (no on-commit gap a crash could
    fall into): an assignment that rolls back owes nothing, one that commits owes 04 even
    before any on-commit callback has run."""
    from django.db import transaction

    d = deployment
    _document, inbound = _deliver(d)
    registered = connector_actions.do_register_package(inbound, acting_user=d.qni_clerk)

    class Crash(Exception):
        pass

    with pytest.raises(Crash), transaction.atomic():
        documents.do_assign(registered, acting_user=d.qni_leader, lead=d.qni_unit,
                            deadline_days=5)
        assert OutboundStatus.objects.filter(code="04").count() == 1  # written in it
        raise Crash
    assert not OutboundStatus.objects.filter(code="04").exists()

    registered.refresh_from_db()
    documents.do_assign(registered, acting_user=d.qni_leader, lead=d.qni_unit, deadline_days=5)
    # The test's transaction never commits, so no on-commit callback ran: the row is there.
    assert OutboundStatus.objects.filter(code="04", state=Delivery.PENDING).count() == 1


# --- tasks across deployments ------------------------------------------------------------

VPCP_CODE = "000.00.00.G22"


def _office_on_the_hub(d: Deployment, admin: User) -> tuple[Any, User]:
    """The Government Office as another agency of the shared system, with its seal."""
    from egov.core import actions as core
    from egov.core.models import Organisation

    office = core.do_create_organisation(
        acting_user=None, name="Văn phòng Chính phủ", short_name="VPCP", code=VPCP_CODE,
        kind=Organisation.Kind.GOVERNMENT_OFFICE, is_agency=True)
    unit = factories.unit(office, "000.00.02.G22", "Vụ Tổng hợp", "TH")
    specialist = factories.official(unit, "specialist", username="vpcp_cv",
                                    full_name="Trần Thu Trang")
    cert = signing.do_issue_certificate(acting_user=admin, kind=Certificate.Kind.SEAL,
                                        organisation=office)
    from egov.exchange.models import HubSystem

    hub_actions.do_add_agency(acting_user=None, system=HubSystem.objects.get(), code=VPCP_CODE,
                              name="Văn phòng Chính phủ")
    hub_actions.do_add_certificate(acting_user=None, agency_code=VPCP_CODE,
                                   pem=cert.certificate_pem.encode())
    return office, specialist


def test_a_task_goes_to_another_deployment_and_its_reports_come_back(
        deployment: Deployment, admin_user: User) -> None:
    from egov.directives import actions as directives

    d = deployment
    office, specialist = _office_on_the_hub(d, admin_user)
    d.qni.is_external = True  # from the Office's side, the province is another deployment
    d.qni.save(update_fields=["is_external"])
    [task] = directives.do_create_task(
        acting_user=specialist, content="Báo cáo tình hình giải ngân vốn đầu tư công",
        lead_agency=d.qni, source_kind="conclusions_notice", source_reference="125/TB-VPCP",
        source_date=timezone.localdate(), product="report", deadline_kind="date",
        deadline=timezone.localdate() + dt.timedelta(days=20))
    row = OutboundPackage.objects.get(task=task)  # written in the task's own transaction
    assert (row.agency, row.recipients, row.document) == (office, [QNI_CODE], None)
    assert row.edxml_id.endswith(f",{task.pk}/NV")
    assert connector_actions.do_send_package(row.pk).sent

    d.qni.is_external = False  # now the province's own deployment receives it
    d.qni.save(update_fields=["is_external"])
    assert connector_actions.do_pull().stored == 1
    inbound = InboundPackage.objects.get(agency=d.qni)
    assert inbound.sender_code == VPCP_CODE and inbound.state == InboundPackage.State.RECEIVED
    document = connector_actions.do_register_package(inbound, acting_user=d.qni_clerk)
    assert [f.name for f in document.files.all()] == ["giao-nhiem-vu.pdf"]  # not the JSON
    inbound.refresh_from_db()
    theirs = inbound.task
    assert theirs is not None and theirs.pk != task.pk
    assert (theirs.lead_agency, theirs.assigning_agency, theirs.deadline, theirs.content) == (
        d.qni, office, task.deadline, task.content)
    assert theirs.source_document == document and theirs.source_reference == "125/TB-VPCP"

    # The province reports 40 % with a file, then marks the task done.
    report = directives.do_report_progress(
        theirs, acting_user=d.qni_leader, text="Đã giải ngân 40% kế hoạch vốn", percent=40,
        uploads=[("bang-so-lieu.pdf", PDF)])
    # It asks for a new deadline; the Office approves; the province's task moves too.
    later = task.deadline + dt.timedelta(days=15)
    asked = directives.do_request_deadline(theirs, acting_user=d.qni_leader,
                                           new_deadline=later, reason="Chờ số liệu quý IV")
    for r in OutboundPackage.objects.filter(task=theirs, state=Delivery.PENDING):
        assert connector_actions.do_send_package(r.pk).sent
    assert connector_actions.do_pull().stored == 2  # the progress report and the request
    request = task.deadline_requests.get()
    assert (request.new_deadline, request.requested_by, request.requested_by_name) == (
        later, None, d.qni_leader.get_full_name())
    directives.do_decide_deadline(request, acting_user=specialist, approve=True,
                                  note="Đồng ý gia hạn")
    decision = OutboundPackage.objects.get(task=task, payload__kind="deadline_decision")
    assert connector_actions.do_send_package(decision.pk).sent
    assert connector_actions.do_pull().stored == 1
    asked.refresh_from_db()
    theirs.refresh_from_db()
    assert (asked.decision, asked.decided_by_name, asked.decision_note) == (
        "approved", specialist.get_full_name(), "Đồng ý gia hạn")
    assert theirs.deadline == later and theirs.original_deadline == task.original_deadline

    directives.do_mark_done(theirs, acting_user=d.qni_leader, note="Đã gửi báo cáo tổng hợp")
    back = list(OutboundPackage.objects.filter(task=theirs).order_by("id"))
    assert [r.payload["kind"] for r in back] == ["progress", "deadline_request", "done"]
    assert back[0].payload["report"] == report.pk
    assert connector_actions.do_send_package(back[-1].pk).sent

    pulled = connector_actions.do_pull()
    assert pulled.stored == 1
    task.refresh_from_db()
    assert task.progress == 100 and task.done_on == timezone.localdate()
    assert "Đã gửi báo cáo tổng hợp" in task.done_note
    [recorded] = task.reports.all()
    assert (recorded.agency, recorded.percent, recorded.by, recorded.by_name) == (
        d.qni, 40, None, d.qni_leader.get_full_name())
    assert [f.name for f in recorded.files.all()] == ["bang-so-lieu.pdf"]
    assert task.deadline == later  # the approved request, both dates kept
    handled = InboundPackage.objects.filter(agency=office)
    assert handled.count() == 3
    assert {p.state for p in handled} == {InboundPackage.State.REGISTERED}
    assert {p.task_id for p in handled} == {task.pk}
    # The province's trace of its reports shows them recorded (01 arrived, 03 recorded).
    assert set(OutboundStatus.objects.filter(inbound__agency=office)
               .values_list("code", flat=True)) == {"01", "03"}


def test_a_report_from_an_agency_not_on_the_task_is_not_recorded(
        deployment: Deployment, admin_user: User) -> None:
    from egov.directives import actions as directives

    d = deployment
    office, specialist = _office_on_the_hub(d, admin_user)
    d.qni.is_external = True
    d.qni.save(update_fields=["is_external"])
    [task] = directives.do_create_task(
        acting_user=specialist, content="Rà soát thủ tục hành chính", lead_agency=d.qni,
        source_kind="directive", source_date=timezone.localdate(), product="report",
        deadline_kind="date", deadline=timezone.localdate() + dt.timedelta(days=10))
    assert connector_actions.do_send_package(OutboundPackage.objects.get(task=task).pk).sent
    d.qni.is_external = False
    d.qni.save(update_fields=["is_external"])
    connector_actions.do_pull()
    inbound = InboundPackage.objects.get(agency=d.qni)
    connector_actions.do_register_package(inbound, acting_user=d.qni_clerk)
    inbound.refresh_from_db()
    assert inbound.task is not None
    # Bộ Tài chính (not on the task) forges a report answering the task's package: it is
    # signed by Bộ Tài chính's own seal, so the hub takes it, but the Office records nothing.
    row = OutboundPackage.objects.create(
        task=inbound.task, agency=d.btc, recipients=[VPCP_CODE],
        payload={"kind": "done", "answers": inbound.pk, "by": "Kẻ giả mạo",
                 "at": timezone.now().isoformat()},
        edxml_id=f"{BTC_CODE},{timezone.localdate():%Y/%m/%d},999/BCNV",
        next_attempt_at=timezone.now())
    assert connector_actions.do_send_package(row.pk).sent
    connector_actions.do_pull()
    task.refresh_from_db()
    assert task.progress == 0 and not task.reports.exists()
    [kept] = InboundPackage.objects.filter(agency=office)
    assert kept.state == InboundPackage.State.RECEIVED and kept.task is None  # for the clerk


def _external(flag: bool, *agencies: Any) -> None:
    """From the Office's side these agencies are of another deployment (True); then their
    own deployment receives (False)."""
    for agency in agencies:
        agency.is_external = flag
        agency.save(update_fields=["is_external"])


def _send_pending(**filters: Any) -> None:
    for r in OutboundPackage.objects.filter(state=Delivery.PENDING, **filters).order_by("id"):
        assert connector_actions.do_send_package(r.pk).sent


def test_a_coordinating_agency_of_another_deployment_gets_the_task_and_its_changes(
        deployment: Deployment, admin_user: User) -> None:
    """The lead is the Office's neighbour in its own deployment; Bộ Tài chính, which
    coordinates, is of another one: it gets the task, its reports come back as its own,
    and the lead's new deadline and "done" reach its copy."""
    from egov.directives import actions as directives
    from egov.directives import queries

    d = deployment
    _office, specialist = _office_on_the_hub(d, admin_user)
    bnv = factories.ministry("000.00.00.G09", "Bộ Nội vụ", "BNV")
    bnv_leader = factories.official(bnv, "agency_leader", username="bnv_lanhdao")
    _external(True, d.btc)
    [task] = directives.do_create_task(
        acting_user=specialist, content="Xây dựng đề án sắp xếp đơn vị sự nghiệp công lập",
        lead_agency=bnv, coordinating_agencies=[d.btc], source_kind="directive",
        source_reference="07/CT-TTg", source_date=timezone.localdate(), product="draft_decree",
        deadline_kind="date", deadline=timezone.localdate() + dt.timedelta(days=30))
    row = OutboundPackage.objects.get(task=task)
    assert row.recipients == [BTC_CODE]  # only the agency of another deployment
    _send_pending()
    page = Client()
    page.force_login(specialist)
    page.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = page.get(f"/tasks/{task.pk}/").content.decode()
    section = html[html.index("Over the national exchange hub"):]
    assert "The task" in section and row.edxml_id in section and "Bộ Tài chính" in section
    assert "Accepted by the hub" in section

    _external(False, d.btc)  # now Bộ Tài chính's own deployment receives it
    assert connector_actions.do_pull().stored == 1
    inbound = InboundPackage.objects.get(agency=d.btc)
    connector_actions.do_register_package(inbound, acting_user=d.btc_clerk)
    inbound.refresh_from_db()
    theirs = inbound.task
    assert theirs is not None and theirs.pk != task.pk
    assert (theirs.lead_agency, list(theirs.coordinating_agencies.all()), theirs.deadline) == (
        bnv, [d.btc], task.deadline)
    assert theirs in queries.visible_tasks(d.btc_leader)  # Bộ Tài chính's officials see it
    with pytest.raises(PermissionDenied):  # a coordinator neither finishes it …
        directives.do_mark_done(theirs, acting_user=d.btc_leader, note="Xong")
    with pytest.raises(PermissionDenied):  # … nor asks for more time
        directives.do_request_deadline(theirs, acting_user=d.btc_leader,
                                       new_deadline=task.deadline + dt.timedelta(days=9),
                                       reason="Chờ số liệu")

    # Bộ Tài chính reports its part; it is recorded on the Office's task as its own.
    directives.do_report_progress(theirs, acting_user=d.btc_leader,
                                  text="Đã gửi ý kiến về phương án tài chính", percent=100)
    _send_pending(task=theirs)
    assert connector_actions.do_pull().stored == 1
    [recorded] = task.reports.all()
    assert (recorded.agency, recorded.percent, recorded.by_name) == (
        d.btc, 100, d.btc_leader.get_full_name())
    task.refresh_from_db()
    assert task.progress == 0  # a coordinator's percentage is not the task's

    # The lead asks for more time; the Office approves; Bộ Tài chính's copy moves too.
    later = task.deadline + dt.timedelta(days=10)
    request = directives.do_request_deadline(task, acting_user=bnv_leader, new_deadline=later,
                                             reason="Chờ ý kiến các bộ")
    directives.do_decide_deadline(request, acting_user=specialist, approve=True, note="Đồng ý")
    [update] = OutboundPackage.objects.filter(task=task, payload__kind="update")
    assert update.recipients == [BTC_CODE] and update.edxml_id.endswith("/TBNV")
    _send_pending(task=task)
    assert connector_actions.do_pull().stored == 1
    theirs.refresh_from_db()
    assert (theirs.deadline, theirs.original_deadline, theirs.done_on) == (
        later, task.original_deadline, None)

    # The lead finishes; Bộ Tài chính's copy is done on the same day, not left overdue.
    directives.do_mark_done(task, acting_user=bnv_leader, note="Đã trình dự thảo nghị định")
    _send_pending(task=task)
    assert connector_actions.do_pull().stored == 1
    theirs.refresh_from_db()
    assert (theirs.done_on, theirs.progress) == (timezone.localdate(), 100)
    assert "Đã trình dự thảo nghị định" in theirs.done_note
    updates = InboundPackage.objects.filter(agency=d.btc, task=theirs).exclude(pk=inbound.pk)
    assert [p.state for p in updates] == [InboundPackage.State.REGISTERED] * 2
    assert not OutboundPackage.objects.filter(task=theirs, payload__kind="done").exists()


def test_two_agencies_of_one_deployment_share_one_copy_of_the_task(
        deployment: Deployment, admin_user: User) -> None:
    """The Office sends one package to the lead and to a coordinator that share a system;
    each clerk registers it, and the second joins the task the first made. The lead's
    "done" reaches the Office, which tells the coordinator: nothing changes twice."""
    from egov.directives import actions as directives

    d = deployment
    _office, specialist = _office_on_the_hub(d, admin_user)
    _external(True, d.qni, d.btc)
    [task] = directives.do_create_task(
        acting_user=specialist, content="Rà soát vốn đầu tư công chậm giải ngân",
        lead_agency=d.qni, coordinating_agencies=[d.btc], source_kind="directive",
        source_date=timezone.localdate(), product="report", deadline_kind="date",
        deadline=timezone.localdate() + dt.timedelta(days=15))
    [row] = OutboundPackage.objects.filter(task=task)
    assert row.recipients == [QNI_CODE, BTC_CODE]
    _send_pending()
    _external(False, d.qni, d.btc)
    assert connector_actions.do_pull().stored == 2
    # The coordinator's clerk is first: the task here is led by the province all the same.
    first = InboundPackage.objects.get(agency=d.btc)
    connector_actions.do_register_package(first, acting_user=d.btc_clerk)
    second = InboundPackage.objects.get(agency=d.qni)
    connector_actions.do_register_package(second, acting_user=d.qni_clerk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.task == second.task and first.task is not None
    theirs = first.task
    assert (theirs.lead_agency, list(theirs.coordinating_agencies.all())) == (d.qni, [d.btc])

    directives.do_report_progress(theirs, acting_user=d.btc_leader, text="Ý kiến của Bộ",
                                  percent=50)
    directives.do_mark_done(theirs, acting_user=d.qni_leader, note="Đã báo cáo")
    sent = list(OutboundPackage.objects.filter(task=theirs).order_by("id"))
    assert [(r.agency, r.payload["kind"]) for r in sent] == [(d.btc, "progress"),
                                                             (d.qni, "done")]
    _send_pending(task=theirs)
    assert connector_actions.do_pull().stored == 2
    task.refresh_from_db()
    assert task.done_on == timezone.localdate()
    assert [(r.agency, r.percent) for r in task.reports.all()] == [(d.btc, 50)]
    [update] = OutboundPackage.objects.filter(task=task, payload__kind="update")
    assert update.recipients == [BTC_CODE]  # the province said it; the Office tells the rest
    _send_pending(task=task)
    assert connector_actions.do_pull().stored == 1
    told = InboundPackage.objects.get(agency=d.btc, edxml_id=update.edxml_id)
    assert told.state == InboundPackage.State.REGISTERED and told.task == theirs
    theirs.refresh_from_db()
    assert theirs.done_note == "Đã báo cáo"  # recorded once, by the lead


def test_a_task_package_that_does_not_name_the_recipient_is_not_a_task(
        deployment: Deployment, admin_user: User) -> None:
    from egov.directives import actions as directives

    d = deployment
    _office, specialist = _office_on_the_hub(d, admin_user)
    _external(True, d.qni, d.btc)
    [task] = directives.do_create_task(
        acting_user=specialist, content="Báo cáo kết quả cải cách hành chính",
        lead_agency=d.qni, coordinating_agencies=[d.btc], source_kind="directive",
        source_date=timezone.localdate(), product="report", deadline_kind="date",
        deadline=timezone.localdate() + dt.timedelta(days=15))
    row = OutboundPackage.objects.get(task=task)
    task.coordinating_agencies.clear()  # the fields will not name Bộ Tài chính any more
    _send_pending()
    _external(False, d.btc)
    assert connector_actions.do_pull().stored == 1
    inbound = InboundPackage.objects.get(agency=d.btc, edxml_id=row.edxml_id)
    with pytest.raises(ValidationError) as refused:
        connector_actions.do_register_package(inbound, acting_user=d.btc_clerk)
    assert "neither as its lead nor as a coordinating agency" in str(refused.value)
    inbound.refresh_from_db()
    assert inbound.state == InboundPackage.State.RECEIVED and inbound.document is None
    assert not Document.objects.filter(agency=d.btc, direction="incoming").exists()
