"""The documents REST API through real personal tokens: the same actions and permissions
as the pages; 400 names the field, 403 a wrong role, 404 another agency's document."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from egov.core.models import AuditEntry, User
from egov.core.tests import factories
from egov.documents import actions
from egov.documents.models import Document, DocumentFile, Role, Status, WorkFile
from egov.identity import tokens

from .conftest import PDF, Agency, register

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def english(settings: Settings) -> None:
    """Assert on the English source strings (the Vietnamese catalogue changes)."""
    settings.LANGUAGE_CODE = "en"


def client_for(user: User) -> APIClient:
    """A client that authenticates as ``user`` with a real personal token."""
    _token, key = tokens.do_create_token(acting_user=user, name="kịch bản thử")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def api() -> Callable[[User], APIClient]:
    return client_for


def pdf(name: str = "cong-van.pdf", extra: bytes = b"") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF + extra, content_type="application/pdf")


def incoming_form(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "doc_type": "official_letter", "subject": "Về việc giao đất đai cho dự án",
        "symbol": "345/UBND-VP", "issuer_name": "UBND tỉnh Quảng Ninh",
        "issue_date": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "signer_name": "Nguyễn Văn Ký", "urgency": "urgent", "pages": 3,
        "files": [pdf()],
    }
    data.update(extra)
    return data


def counts() -> tuple[int, int, int]:
    return (Document.objects.count(), DocumentFile.objects.count(),
            AuditEntry.objects.count())


# --- incoming ------------------------------------------------------------------------

def test_incoming_document_from_registration_to_done(btc: Agency, api: Any) -> None:
    clerk, leader, head, specialist = (api(btc.clerk), api(btc.leader), api(btc.head),
                                       api(btc.specialist))
    response = clerk.post(f"{API}/documents/incoming/", incoming_form(), format="multipart")
    assert response.status_code == 201, response.json()
    doc = response.json()
    assert doc["number"] == 1 and doc["status"] == "registered"
    assert doc["subject"] == "Về việc giao đất đai cho dự án"
    assert doc["urgency"] == "urgent" and doc["pages"] == 3
    assert doc["unit"] == btc.office.pk and doc["agency"] == btc.agency.pk
    assert doc["processing"] == "new"
    [file] = doc["files"]
    assert file["name"] == "cong-van.pdf" and file["size"] == len(PDF)
    assert file["sha256"] == hashlib.sha256(PDF).hexdigest()
    url = f"{API}/documents/{doc['id']}"

    response = clerk.post(f"{url}/submit-for-assignment/", {"note": "Kính trình lãnh đạo."},
                          format="json")
    assert response.status_code == 200 and response.json()["status"] == "waiting_assignment"

    response = leader.post(f"{url}/assign/", {
        "lead": {"unit": btc.legal.pk}, "coordinators": [{"unit": btc.office.pk}],
        "informed": [{"user": btc.head.pk}], "deadline_days": 5,
        "instruction": "Vụ Pháp chế chủ trì, trả lời trước hạn.",
    }, format="json")
    assert response.status_code == 200, response.json()
    doc = response.json()
    assert doc["status"] == "in_progress" and doc["deadline"] is not None
    roles = [(a["role"], a["unit"], a["user"]) for a in doc["assignments"]]
    assert roles == [("lead", btc.legal.pk, None), ("coordinate", btc.office.pk, None),
                     ("inform", None, btc.head.pk)]  # the lead first

    mine = head.get(f"{API}/assignments/", {"mine": "true", "open": "true",
                                            "document": doc["id"]}).json()["results"]
    lead = next(a for a in mine if a["role"] == "lead")
    response = head.post(f"{API}/assignments/{lead['id']}/pass-on/",
                         {"to_user": btc.specialist.pk, "instruction": "Đồng chí Chuyên xử lý."},
                         format="json")
    assert response.status_code == 201, response.json()
    child = response.json()
    assert child["parent"] == lead["id"] and child["user"] == btc.specialist.pk

    response = specialist.post(f"{url}/opinions/", {"text": "Đề nghị bổ sung hồ sơ."},
                               format="json")
    assert response.status_code == 201
    assert response.json()["author_name"] == "Hoàng Thị Chuyên"
    response = specialist.post(f"{url}/attach/", {"files": [pdf("bao-cao.pdf", b"report")]},
                               format="multipart")
    assert response.status_code == 201 and response.json()[0]["kind"] == "attachment"

    response = specialist.post(f"{API}/assignments/{child['id']}/complete/",
                               {"result": "Đã trả lời bằng văn bản."}, format="json")
    assert response.status_code == 200 and response.json()["done_at"] is not None
    doc = specialist.get(f"{url}/").json()
    assert doc["status"] == "done" and doc["processing"] == "done_on_time"
    assert [h["status"] for h in doc["history"]] == [
        "registered", "waiting_assignment", "in_progress", "done"]
    assert [o["text"] for o in doc["opinions"]] == ["Đề nghị bổ sung hồ sơ."]
    assert {a["role"]: a["done_at"] is not None for a in doc["assignments"]
            if a["parent"] is None} == {"lead": True, "coordinate": False, "inform": False}
    actions_done = set(AuditEntry.objects.filter(object_id=str(doc["id"]))
                       .values_list("action", flat=True))
    assert {"documents.register_incoming", "documents.assign", "documents.pass_on",
            "documents.complete"} <= actions_done


def test_registering_json_without_files(btc: Agency, api: Any) -> None:
    data = incoming_form()
    del data["files"]
    response = api(btc.clerk).post(f"{API}/documents/incoming/", data, format="json")
    assert response.status_code == 201
    assert response.json()["files"] == []


def test_duplicate_answers_400_with_code_then_registers_when_allowed(
        btc: Agency, api: Any) -> None:
    clerk = api(btc.clerk)
    first = clerk.post(f"{API}/documents/incoming/", incoming_form(), format="multipart")
    assert first.status_code == 201
    before = counts()
    again = clerk.post(f"{API}/documents/incoming/", incoming_form(), format="multipart")
    assert again.status_code == 400
    body = again.json()
    assert body["code"] == "duplicate"
    assert "already registered" in body["symbol"][0]
    assert again.data["symbol"][0].code == "duplicate"
    assert [d["id"] for d in body["duplicates"]] == [first.json()["id"]]
    assert body["duplicates"][0]["number"] == 1
    assert counts() == before
    forced = clerk.post(f"{API}/documents/incoming/", incoming_form(allow_duplicate="true"),
                        format="multipart")
    assert forced.status_code == 201 and forced.json()["number"] == 2


def test_bad_input_names_the_fields_and_changes_nothing(btc: Agency, api: Any) -> None:
    clerk = api(btc.clerk)
    before = counts()
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = clerk.post(f"{API}/documents/incoming/", incoming_form(
        subject=" ", issue_date=future,
        files=[SimpleUploadedFile("virus.exe", b"MZ\x90\x00")]), format="multipart")
    assert response.status_code == 400
    assert {"subject", "issue_date", "files"} <= set(response.json())
    assert "virus.exe" in response.json()["files"][0]

    response = clerk.post(f"{API}/documents/incoming/",
                          incoming_form(issue_date="2026-13-45", doc_type="memo", pages="ba"),
                          format="multipart")
    assert response.status_code == 400
    assert {"issue_date", "doc_type", "pages"} <= set(response.json())

    response = clerk.post(f"{API}/documents/incoming/",
                          incoming_form(files=[SimpleUploadedFile(
                              "fake.pdf", b"<html>not a pdf</html>")]), format="multipart")
    assert response.status_code == 400
    assert "does not contain what its name says" in response.json()["files"][0]
    assert counts() == before


def test_assignment_without_a_lead_or_with_a_stranger(btc: Agency, bnv: Agency,
                                                      api: Any) -> None:
    doc = register(btc)
    leader = api(btc.leader)
    url = f"{API}/documents/{doc.pk}/assign/"
    response = leader.post(url, {"deadline_days": 3}, format="json")
    assert response.status_code == 400 and "lead" in response.json()
    response = leader.post(url, {"lead": {"unit": bnv.legal.pk}, "deadline_days": 3},
                           format="json")
    assert response.status_code == 400 and "is not a unit of" in response.json()["lead"][0]
    response = leader.post(url, {"lead": {"unit": 999_999}}, format="json")
    assert response.status_code == 400 and "999999" in response.json()["lead"][0]
    response = leader.post(url, {"lead": {"unit": btc.legal.pk, "user": btc.head.pk}},
                           format="json")
    assert response.status_code == 400 and "lead" in response.json()
    response = leader.post(url, {"lead": {"unit": btc.legal.pk}, "deadline_days": 0},
                           format="json")
    assert response.status_code == 400 and "deadline_days" in response.json()
    doc.refresh_from_db()
    assert doc.status == Status.REGISTERED and not doc.assignments.exists()


# --- outgoing ------------------------------------------------------------------------

def test_outgoing_document_from_draft_to_issued(btc: Agency, bnv: Agency, api: Any) -> None:
    incoming = register(btc)
    actions.do_assign(incoming, acting_user=btc.leader, lead=btc.legal, deadline_days=5)
    specialist, head, leader, clerk = (api(btc.specialist), api(btc.head), api(btc.leader),
                                       api(btc.clerk))
    response = specialist.post(f"{API}/documents/drafts/", {
        "doc_type": "official_letter", "subject": "Trả lời về việc giao đất đai",
        "recipients": [bnv.agency.pk, btc.office.pk], "answers": [incoming.pk],
        "files": [pdf("du-thao.pdf")],
    }, format="multipart")
    assert response.status_code == 201, response.json()
    draft = response.json()
    assert draft["status"] == "draft" and draft["direction"] == "outgoing"
    assert draft["answers"] == [incoming.pk]
    assert sorted(r["organisation"] for r in draft["recipients"]) == sorted(
        [bnv.agency.pk, btc.office.pk])
    url = f"{API}/documents/{draft['id']}"

    response = specialist.patch(f"{url}/draft/", {
        "subject": "Trả lời Công văn số 345/UBND-VP về việc giao đất đai",
        "files": [pdf("du-thao-v2.pdf", b"v2")]}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["subject"].startswith("Trả lời Công văn số 345")
    assert sorted(f["version"] for f in response.json()["files"]) == [1, 2]
    assert len(response.json()["recipients"]) == 2  # not sent: unchanged

    assert specialist.post(f"{url}/submit-for-review/").json()["status"] == "in_review"
    response = head.post(f"{url}/review/", {"approve": False}, format="json")
    assert response.status_code == 400 and "comment" in response.json()
    response = head.post(f"{url}/review/", {"approve": False, "comment": "Sửa trích yếu."},
                         format="json")
    assert response.json()["status"] == "returned"
    assert specialist.post(f"{url}/submit-for-review/").status_code == 200
    assert head.post(f"{url}/review/", {"approve": True}, format="json").json()["status"] \
        == "awaiting_approval"
    response = head.post(f"{url}/approve/", {}, format="json")
    assert response.status_code == 403
    response = leader.post(f"{url}/approve/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert response.json()["signer_name"] == "Phạm Minh Lãnh"

    response = clerk.post(f"{url}/issue/")
    assert response.status_code == 200, response.json()
    issued = response.json()
    assert issued["status"] == "issued" and issued["symbol"] == "01/BTC-PC"
    assert issued["number"] == 1 and issued["issue_date"] == timezone.localdate().isoformat()
    assert {r["organisation"]: r["dispatch"] for r in issued["recipients"]} == {
        bnv.agency.pk: "delivered", btc.office.pk: "delivered"}
    again = clerk.post(f"{url}/issue/")
    assert again.status_code == 400 and "already issued" in again.json()["status"][0]
    incoming.refresh_from_db()
    assert incoming.status == Status.DONE

    # BNV received it in its own incoming register, with the file.
    received = api(bnv.clerk).get(f"{API}/documents/", {"direction": "incoming"}).json()
    [row] = received["results"]
    assert row["symbol"] == "01/BTC-PC" and row["number"] == 1
    copy = api(bnv.clerk).get(f"{API}/documents/{row['id']}/").json()
    assert copy["issuer_name"] == "Bộ Tài chính"
    # Only the version that was issued travels; the earlier draft stays with the sender.
    assert {f["name"] for f in copy["files"]} == {"du-thao-v2.pdf"}


def test_draft_with_an_answer_one_cannot_see(btc: Agency, bnv: Agency, api: Any) -> None:
    hidden = register(bnv)
    response = api(btc.specialist).post(f"{API}/documents/drafts/", {
        "doc_type": "report", "subject": "Báo cáo", "answers": [hidden.pk, 987_654]},
        format="json")
    assert response.status_code == 400
    messages = response.json()["answers"]
    # The same words for a document that exists elsewhere and one that does not.
    assert messages == [f"No document you may see has the id {hidden.pk}.",
                        "No document you may see has the id 987654."]


# --- permissions ---------------------------------------------------------------------

def test_wrong_role_is_403_and_changes_nothing(btc: Agency, api: Any) -> None:
    doc = register(btc)
    clerk, leader = api(btc.clerk), api(btc.leader)
    before = counts()
    # The clerk sees the document but does not assign it.
    response = clerk.post(f"{API}/documents/{doc.pk}/assign/",
                                   {"lead": {"unit": btc.legal.pk}, "deadline_days": 3},
                                   format="json")
    assert response.status_code == 403
    assert "leader" in response.json()["detail"]
    # The leader sees it but does not keep the register.
    response = leader.post(f"{API}/documents/{doc.pk}/submit-for-assignment/",
                                    {}, format="json")
    assert response.status_code == 403
    assert counts() == before
    doc.refresh_from_db()
    assert doc.status == Status.REGISTERED


def test_citizens_are_refused(btc: Agency, api: Any) -> None:
    register(btc)
    citizen = api(factories.citizen())
    assert citizen.get(f"{API}/documents/").status_code == 403
    assert citizen.get(f"{API}/work-files/").status_code == 403
    assert APIClient().get(f"{API}/documents/").status_code == 401


def test_another_agency_gets_404_exactly_like_nothing(btc: Agency, bnv: Agency,
                                                      api: Any) -> None:
    doc = register(btc)
    file_id = doc.files.get().pk
    other = api(bnv.leader)
    missing = Document.objects.order_by("-pk").first().pk + 1000  # type: ignore[union-attr]
    for pk in (doc.pk, missing):
        assert other.get(f"{API}/documents/{pk}/").status_code == 404
        assert other.get(f"{API}/documents/{pk}/files/{file_id}/").status_code == 404
        assert other.get(f"{API}/documents/{pk}/opinions/").status_code == 404
        response = other.post(f"{API}/documents/{pk}/assign/",
                              {"lead": {"unit": bnv.legal.pk}}, format="json")
        assert response.status_code == 404
    hidden = other.get(f"{API}/documents/{doc.pk}/").json()
    absent = other.get(f"{API}/documents/{missing}/").json()
    assert hidden == absent
    assert other.get(f"{API}/documents/").json()["count"] == 0
    assert other.get(f"{API}/documents/", {"q": "giao dat dai"}).json()["count"] == 0
    # Another agency's assignment cannot be reached either.
    actions.do_assign(doc, acting_user=btc.leader, lead=btc.legal, deadline_days=3)
    assignment = doc.assignments.get(role=Role.LEAD)
    response = api(bnv.head).post(f"{API}/assignments/{assignment.pk}/complete/",
                                  {"result": "x"}, format="json")
    assert response.status_code == 404


def test_download_checks_permission_and_serves_the_bytes(btc: Agency, api: Any) -> None:
    doc = register(btc, uploads=[("Công văn số 345.pdf", PDF + b"noi dung")])
    row = doc.files.get()
    url = f"{API}/documents/{doc.pk}/files/{row.pk}/"
    response = api(btc.clerk).get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == PDF + b"noi dung"
    assert hashlib.sha256(body).hexdigest() == row.sha256
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "C%C3%B4ng%20v%C4%83n" in response["Content-Disposition"]  # RFC 5987 name
    # A client that asks for the file's own type is served too.
    assert api(btc.clerk).get(url, HTTP_ACCEPT="application/pdf").status_code == 200
    # The specialist of another unit does not see the document.
    assert api(btc.specialist).get(url).status_code == 404
    # A file of another document, through this one: 404.
    other = register(btc, symbol="999/UBND-VP")
    assert api(btc.clerk).get(
        f"{API}/documents/{other.pk}/files/{row.pk}/").status_code == 404


def test_session_authentication_works_too(btc: Agency) -> None:
    register(btc)
    client = APIClient()
    client.force_login(btc.clerk, backend="egov.core.auth.PositionBackend")
    response = client.get(f"{API}/documents/")
    assert response.status_code == 200 and response.json()["count"] == 1


def test_secret_document_only_for_those_named(btc: Agency, api: Any) -> None:
    doc = register(btc, confidentiality="confidential", symbol="12/M-UBND")
    url = f"{API}/documents/{doc.pk}/"
    assert api(btc.clerk).get(url).status_code == 200  # registered it
    leader = api(btc.leader)
    assert leader.get(url).status_code == 404
    assert leader.get(f"{API}/documents/").json()["count"] == 0
    response = api(btc.clerk).post(f"{url}grants/", {"user": btc.leader.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert leader.get(url).status_code == 200
    response = leader.post(f"{url}assign/", {"lead": {"user": btc.specialist.pk},
                                             "deadline_days": 2}, format="json")
    assert response.status_code == 200, response.json()
    assert api(btc.specialist).get(url).status_code == 200
    assert api(btc.head).get(url).status_code == 404  # the unit head was not named


# --- lists ---------------------------------------------------------------------------

def test_list_filters(btc: Agency, api: Any) -> None:
    now = timezone.now()
    old = register(btc, subject="Kế hoạch tuyển dụng công chức năm 2026", symbol="1/KH-UBND",
                   doc_type="plan", received_at=now - dt.timedelta(days=20),
                   issue_date=timezone.localdate() - dt.timedelta(days=25))
    land = register(btc, subject="Quyết định về việc giao đất đai", symbol="12/QĐ-UBND",
                    doc_type="decision")
    urgent = register(btc, subject="Công văn về phòng chống bão lũ", symbol="13/UBND-VP")
    actions.do_assign(urgent, acting_user=btc.leader, lead=btc.legal, deadline_days=1)
    # An outgoing report of the legal unit, approved: the clerk sees other units'
    # outgoing documents only from approval on (they number and issue them).
    draft = actions.do_create_draft(acting_user=btc.specialist, doc_type="report",
                                    subject="Báo cáo tình hình giải ngân",
                                    uploads=[("du-thao.pdf", PDF)])
    actions.do_submit_for_review(draft, acting_user=btc.specialist)
    actions.do_review(draft, acting_user=btc.head, approve=True)
    actions.do_approve(draft, acting_user=btc.leader)
    clerk = api(btc.clerk)

    def ids(**params: Any) -> list[int]:
        response = clerk.get(f"{API}/documents/", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert set(ids()) == {old.pk, land.pk, urgent.pk, draft.pk}
    assert set(ids(direction="incoming")) == {old.pk, land.pk, urgent.pk}
    assert ids(direction="outgoing") == [draft.pk]
    assert ids(status="in_progress") == [urgent.pk]
    assert ids(processing="near_deadline") == [urgent.pk]
    assert set(ids(processing="new")) == {old.pk, land.pk}
    assert ids(doc_type="decision") == [land.pk]
    assert ids(q="quyet dinh dat dai") == [land.pk]
    assert ids(q="ĐẤT") == [land.pk]
    assert ids(q="giai ngan") == [draft.pk]
    week_ago = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    assert set(ids(date_from=week_ago)) == {land.pk, urgent.pk, draft.pk}
    assert ids(date_to=week_ago) == [old.pk]
    assert ids(date_to=week_ago, direction="outgoing") == []

    response = clerk.get(f"{API}/documents/", {"processing": "late", "date_from": "hôm qua"})
    assert response.status_code == 400
    assert {"processing", "date_from"} <= set(response.json())
    response = clerk.get(f"{API}/documents/", {"date_from": "2026-05-02",
                                               "date_to": "2026-05-01"})
    assert response.status_code == 400 and "date_to" in response.json()

    page = clerk.get(f"{API}/documents/", {"page_size": 2}).json()
    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"]


def test_the_list_has_a_fixed_number_of_queries(btc: Agency, api: Any) -> None:
    clerk = api(btc.clerk)
    for n in range(3):
        doc = register(btc, symbol=f"{n}/UBND-VP", subject=f"Công văn số {n} về đất đai")
        actions.do_assign(doc, acting_user=btc.leader, lead=btc.legal, deadline_days=3)
    clerk.get(f"{API}/documents/")  # the token's "last used" is written once a minute

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = clerk.get(f"{API}/documents/", {"direction": "incoming",
                                                       "q": "dat dai"})
        assert response.status_code == 200
        return len(captured)

    few = queries_for_list()
    for n in range(3, 25):
        register(btc, symbol=f"{n}/UBND-VP", subject=f"Công văn số {n} về đất đai")
    many = queries_for_list()
    assert clerk.get(f"{API}/documents/", {"q": "dat dai"}).json()["count"] == 25
    # token + led units + count + page: the same however many documents there are.
    assert few == many == 4


def test_the_list_query_count_is_pinned(btc: Agency, api: Any,
                                        django_assert_num_queries: Any) -> None:
    head = api(btc.head)
    for n in range(12):
        doc = register(btc, symbol=f"{n}/UBND-VP")
        actions.do_assign(doc, acting_user=btc.leader, lead=btc.legal, deadline_days=3)
    head.get(f"{API}/documents/")
    with django_assert_num_queries(4):
        response = head.get(f"{API}/documents/", {"processing": "in_progress"})
    assert response.json()["count"] == 12


# --- work files ----------------------------------------------------------------------

def test_work_files(btc: Agency, bnv: Agency, api: Any) -> None:
    doc = register(btc)
    actions.do_assign(doc, acting_user=btc.leader, lead=btc.legal, deadline_days=5)
    secret = register(btc, symbol="7/M-UBND", confidentiality="confidential")
    specialist = api(btc.specialist)
    response = specialist.post(f"{API}/work-files/", {
        "code": "HS-01", "title": "Hồ sơ giao đất dự án khu công nghiệp",
        "retention_years": 10}, format="json")
    assert response.status_code == 201, response.json()
    work_file = response.json()
    assert work_file["status"] == "open" and work_file["unit"] == btc.legal.pk
    assert work_file["year"] == timezone.localdate().year
    url = f"{API}/work-files/{work_file['id']}/"

    response = specialist.post(f"{API}/work-files/", {"code": "HS-01", "title": "Khác"},
                               format="json")
    assert response.status_code == 400 and "code" in response.json()
    response = specialist.post(f"{url}items/", {"document": doc.pk}, format="json")
    assert response.status_code == 201
    response = specialist.post(f"{url}items/", {"note": "Đã họp với Sở Tài nguyên."},
                               format="json")
    items = response.json()["items"]
    assert [(i["document"], i["note"]) for i in items] == [
        (doc.pk, ""), (None, "Đã họp với Sở Tài nguyên.")]
    assert items[0]["document_subject"] == doc.subject
    response = specialist.post(f"{url}items/", {"document": secret.pk}, format="json")
    assert response.status_code == 400 and "document" in response.json()
    response = specialist.post(f"{url}items/", {}, format="json")
    assert response.status_code == 400 and "note" in response.json()

    # The unit head sees it (led subtree) but only its keeper changes it.
    head = api(btc.head)
    assert head.get(url).status_code == 200
    assert head.post(f"{url}close/").status_code == 403
    assert api(bnv.specialist).get(url).status_code == 404
    assert api(bnv.specialist).get(f"{API}/work-files/").json()["count"] == 0

    response = specialist.post(f"{url}close/")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    response = specialist.post(f"{url}items/", {"note": "Muộn."}, format="json")
    assert response.status_code == 400 and "read-only" in response.json()["work_file"][0]
    closed = api(btc.clerk).get(f"{API}/work-files/", {"status": "closed"}).json()
    assert [w["id"] for w in closed["results"]] == [work_file["id"]]
    assert WorkFile.objects.get().items.count() == 2


def test_work_file_hides_documents_the_reader_may_not_see(btc: Agency, api: Any) -> None:
    secret = register(btc, symbol="7/M-UBND", confidentiality="confidential")
    actions.grant_access(secret, acting_user=btc.clerk, user=btc.leader)
    actions.do_assign(secret, acting_user=btc.leader, lead=btc.specialist, deadline_days=3)
    work_file = actions.do_open_work_file(acting_user=btc.specialist, code="M-01",
                                          title="Văn bản mật năm 2026")
    actions.do_add_to_work_file(work_file, acting_user=btc.specialist, document=secret)
    mine = api(btc.specialist).get(f"{API}/work-files/{work_file.pk}/").json()
    assert mine["items"][0]["document"] == secret.pk
    seen = api(btc.head).get(f"{API}/work-files/{work_file.pk}/").json()
    [item] = seen["items"]
    assert item["hidden"] is True
    assert item["document"] is None and item["document_subject"] is None
