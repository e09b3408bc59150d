"""An incoming document from registration to done; an outgoing one from draft to issued."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from egov.core import calendar
from egov.core.models import AuditEntry
from egov.documents import actions, queries, search
from egov.documents.models import Assignment, Document, Recipient, Role, Status

from .conftest import PDF, Agency, register

pytestmark = pytest.mark.django_db


def test_incoming_from_registration_to_done(btc: Agency) -> None:
    doc = register(btc)
    assert doc.status == Status.REGISTERED and doc.number == 1
    assert doc.year == timezone.localdate().year
    second = register(btc, symbol="346/UBND-VP")
    assert second.number == 2

    actions.do_submit_for_assignment(doc, acting_user=btc.clerk)
    actions.do_assign(doc, acting_user=btc.leader, lead=btc.legal, coordinators=[btc.office],
                      deadline_days=5, instruction="Vụ Pháp chế chủ trì, trả lời trước hạn.")
    doc.refresh_from_db()
    assert doc.status == Status.IN_PROGRESS
    assert doc.deadline == calendar.add_working_days(timezone.now(), 5)
    lead = doc.assignments.get(role=Role.LEAD)
    child = actions.do_pass_on(lead, acting_user=btc.head, to_user=btc.specialist,
                               instruction="Đồng chí Chuyên xử lý.")
    assert queries.visible_documents(btc.specialist).filter(pk=doc.pk).exists()
    coord = doc.assignments.get(role=Role.COORDINATE)
    actions.do_add_opinion(doc, acting_user=btc.clerk, text="Văn phòng đồng ý.")
    actions.do_complete(coord, acting_user=btc.clerk, result="Đã góp ý.")
    doc.refresh_from_db()
    assert doc.status == Status.IN_PROGRESS  # a coordinator's part does not close it
    actions.do_complete(child, acting_user=btc.specialist, result="Đã trả lời bằng văn bản.")
    doc.refresh_from_db()
    lead.refresh_from_db()
    assert doc.status == Status.DONE and doc.done_at is not None
    assert lead.done_at is not None
    statuses = list(doc.history.values_list("status", flat=True))
    assert statuses == ["registered", "waiting_assignment", "in_progress", "done"]


def test_outgoing_from_draft_to_issued_delivers_internally(btc: Agency, bnv: Agency) -> None:
    incoming = register(btc)
    actions.do_assign(incoming, acting_user=btc.leader, lead=btc.legal, deadline_days=5)
    draft = actions.do_create_draft(
        acting_user=btc.specialist, doc_type="official_letter",
        subject="Trả lời về việc giao đất đai", recipients=[bnv.agency],
        answers=[incoming], uploads=[("du-thao.pdf", PDF)])
    assert draft.status == Status.DRAFT
    actions.do_update_draft(draft, acting_user=btc.specialist,
                            uploads=[("du-thao-v2.pdf", PDF + b"v2")])
    assert sorted(draft.files.values_list("version", flat=True)) == [1, 2]
    actions.do_submit_for_review(draft, acting_user=btc.specialist)
    actions.do_review(draft, acting_user=btc.head, approve=False, comment="Sửa trích yếu.")
    assert draft.status == Status.RETURNED
    actions.do_submit_for_review(draft, acting_user=btc.specialist)
    actions.do_review(draft, acting_user=btc.head, approve=True)
    with pytest.raises(PermissionDenied):
        actions.do_approve(draft, acting_user=btc.head)
    actions.do_approve(draft, acting_user=btc.leader)
    issued = actions.do_issue(draft, acting_user=btc.clerk)
    assert issued.status == Status.ISSUED
    assert issued.symbol == "01/BTC-PC"
    with pytest.raises(ValidationError) as err:
        actions.do_issue(issued, acting_user=btc.clerk)
    assert "status" in err.value.message_dict
    received = Document.objects.get(agency=bnv.agency, direction="incoming")
    assert received.symbol == "01/BTC-PC" and received.origin_id == issued.pk
    assert received.number == 1 and received.status == Status.REGISTERED
    assert Recipient.objects.get(document=issued).dispatch == Recipient.Dispatch.DELIVERED
    incoming.refresh_from_db()
    assert incoming.status == Status.DONE  # the reply closed it


def test_typed_document_symbol_and_separate_series(btc: Agency) -> None:
    def issue(doc_type: str) -> Document:
        d = actions.do_create_draft(acting_user=btc.specialist, doc_type=doc_type,
                                    subject="Quyết định giao nhiệm vụ",
                                    recipients=[btc.office], uploads=[("qd.pdf", PDF)])
        actions.do_submit_for_review(d, acting_user=btc.specialist)
        actions.do_review(d, acting_user=btc.head, approve=True)
        actions.do_approve(d, acting_user=btc.leader)
        return actions.do_issue(d, acting_user=btc.clerk)

    assert issue("decision").symbol == "01/QĐ-BTC"
    assert issue("official_letter").symbol == "02/BTC-PC"
    assert issue("report").symbol == "03/BC-BTC"


def test_secret_series_numbers_apart_from_ordinary_documents(btc: Agency) -> None:
    """A secret decision takes number 1 of its own series even after an ordinary 01/QĐ."""
    def issue(confidentiality: str) -> Document:
        d = actions.do_create_draft(acting_user=btc.specialist, doc_type="decision",
                                    subject="Quyết định giao nhiệm vụ",
                                    confidentiality=confidentiality,
                                    recipients=[btc.office], uploads=[("qd.pdf", PDF)])
        actions.do_submit_for_review(d, acting_user=btc.specialist)
        actions.do_review(d, acting_user=btc.head, approve=True)
        actions.do_approve(d, acting_user=btc.leader)
        return actions.do_issue(d, acting_user=btc.clerk)

    ordinary = issue("")
    secret = issue("confidential")
    assert (ordinary.number, secret.number) == (1, 1)
    assert ordinary.symbol == secret.symbol == "01/QĐ-BTC"
    assert ordinary.register_id != secret.register_id
    assert issue("confidential").symbol == "02/QĐ-BTC"


def test_bad_input_changes_nothing(btc: Agency) -> None:
    before = (Document.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as err:
        register(btc, subject=" ", issue_date=timezone.localdate() + dt.timedelta(days=3),
                 uploads=[("virus.exe", b"MZ")])
    assert {"subject", "issue_date", "files"} <= set(err.value.message_dict)
    with pytest.raises(ValidationError) as err:
        register(btc, uploads=[("fake.pdf", b"not a pdf")])
    assert "files" in err.value.message_dict
    assert (Document.objects.count(), AuditEntry.objects.count()) == before


def test_duplicate_is_shown_before_saving(btc: Agency) -> None:
    register(btc)
    with pytest.raises(ValidationError) as err:
        register(btc)
    assert "symbol" in err.value.message_dict
    again = register(btc, allow_duplicate=True)
    assert again.number == 2


def test_assignment_needs_a_lead_and_a_leader(btc: Agency) -> None:
    doc = register(btc)
    with pytest.raises(ValidationError) as err:
        actions.do_assign(doc, acting_user=btc.leader, lead=None, deadline_days=3)
    assert "lead" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.do_assign(doc, acting_user=btc.specialist, lead=btc.legal, deadline_days=3)
    assert not Assignment.objects.exists()


def test_other_agency_cannot_see(btc: Agency, bnv: Agency) -> None:
    doc = register(btc)
    assert queries.visible_documents(btc.clerk).filter(pk=doc.pk).exists()
    assert queries.visible_documents(btc.leader).filter(pk=doc.pk).exists()
    assert not queries.visible_documents(btc.specialist).filter(pk=doc.pk).exists()
    for person in (bnv.clerk, bnv.leader, bnv.specialist):
        assert not queries.visible_documents(person).filter(pk=doc.pk).exists()


def test_secret_document_only_by_name(btc: Agency) -> None:
    doc = register(btc, confidentiality="confidential")
    assert queries.visible_documents(btc.clerk).filter(pk=doc.pk).exists()  # registered it
    assert not queries.visible_documents(btc.leader).filter(pk=doc.pk).exists()
    with pytest.raises(ValidationError):
        actions.do_assign(doc, acting_user=btc.leader, lead=btc.legal, deadline_days=3)


@pytest.mark.parametrize("query", ["quyet dinh dat dai", "Quyết định đất đai", "QUYET DINH dat",
                                   "đất", "dat dai"])
def test_search_folds_diacritics_both_ways(btc: Agency, query: str) -> None:
    hit = register(btc, subject="Quyết định về việc giao đất đai", symbol="12/QĐ-UBND")
    register(btc, subject="Kế hoạch tuyển dụng công chức", symbol="13/KH-UBND")
    found = list(search.apply(queries.visible_documents(btc.clerk), query))
    assert found == [hit]
