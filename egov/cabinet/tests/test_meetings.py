"""Meetings: schedule, papers checked before members see them, private notes, positions,
the no-objection block, outcomes and conclusions, the notice that turns into tasks, and
members replaced during a term."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from egov.core.models import AuditEntry
from egov.core.tests import factories
from egov.directives.models import Task
from egov.documents import actions as documents

from .. import actions, queries
from ..models import Meeting, Note, Outcome, Paper
from .conftest import PDF, Cabinet, schedule


def test_papers_are_checked_before_members_see_them(cab: Cabinet) -> None:
    meeting = schedule(cab)
    item = actions.do_add_item(meeting, acting_user=cab.office,
                               title="Dự án Luật Đất đai (sửa đổi)", proposing_agency=cab.w.btc)
    with pytest.raises(ValidationError) as exc:
        actions.do_upload_paper(item, acting_user=cab.w.btc_specialist, kind="submission",
                                title="Tờ trình", upload=("to-trinh.docx", b"PK\x03\x04 not pdf"))
    assert "file" in exc.value.message_dict
    assert not Paper.objects.exists()
    with pytest.raises(PermissionDenied):
        actions.do_upload_paper(item, acting_user=cab.w.bxd_specialist, kind="draft",
                                title="Dự thảo", upload=("du-thao.pdf", PDF))
    paper = actions.do_upload_paper(item, acting_user=cab.w.btc_specialist, kind="submission",
                                    title="Tờ trình Chính phủ", upload=("to-trinh.pdf", PDF))
    secret = actions.do_upload_paper(item, acting_user=cab.w.btc_specialist, kind="appraisal",
                                     title="Báo cáo thẩm định", members_only=True,
                                     upload=("tham-dinh.pdf", PDF))
    assert not queries.visible_papers(cab.justice, meeting).exists()
    actions.do_check_paper(paper, acting_user=cab.office, publish=True)
    actions.do_check_paper(secret, acting_user=cab.office, publish=True)
    assert set(queries.visible_papers(cab.justice, meeting)) == {paper, secret}
    assert list(queries.visible_papers(cab.guest, meeting)) == [paper]
    # A new version goes back to the Office's check; both versions are kept.
    actions.do_upload_paper(item, acting_user=cab.w.btc_specialist, paper=paper,
                            upload=("to-trinh-v2.pdf", PDF + b"v2"))
    paper.refresh_from_db()
    assert paper.status == Paper.Status.WAITING and paper.versions.count() == 2
    assert list(queries.visible_papers(cab.justice, meeting)) == [secret]


def test_notes_are_private(cab: Cabinet) -> None:
    meeting = schedule(cab)
    item = actions.do_add_item(meeting, acting_user=cab.office, title="Nghị định",
                               proposing_agency=cab.w.btc)
    paper = actions.do_upload_paper(item, acting_user=cab.office, kind="draft", title="Dự thảo",
                                    upload=("du-thao.pdf", PDF))
    actions.do_check_paper(paper, acting_user=cab.office, publish=True)
    actions.do_save_note(paper, acting_user=cab.justice, text="Điều 5 cần làm rõ")
    actions.do_save_note(paper, acting_user=cab.minister, text="Đồng ý")
    assert Note.objects.get(paper=paper, author=cab.justice).text == "Điều 5 cần làm rõ"
    entry = AuditEntry.objects.filter(action="cabinet.save_note").first()
    assert entry is not None and "Điều 5" not in str(entry.after)


def test_positions_no_objection_block_outcomes_and_tasks(cab: Cabinet,
                                                         settings: object) -> None:
    settings.EGOV_REQUIRE_SIGNATURES = False  # type: ignore[attr-defined]
    meeting = schedule(cab)
    easy = actions.do_add_item(meeting, acting_user=cab.office, title="Nghị định về phí",
                               proposing_agency=cab.w.btc)
    hard = actions.do_add_item(meeting, acting_user=cab.office, title="Đề án quy hoạch",
                               proposing_agency=cab.w.bxd)
    for member in cab.members:
        actions.do_record_position(easy, acting_user=member, stance="agree")
    with pytest.raises(ValidationError) as exc:
        actions.do_record_position(hard, acting_user=cab.justice, stance="disagree")
    assert "text" in exc.value.message_dict
    actions.do_record_position(hard, acting_user=cab.justice, stance="disagree",
                               text="Chưa đánh giá tác động")
    with pytest.raises(PermissionDenied):
        actions.do_record_position(hard, acting_user=cab.guest, stance="agree")
    actions.do_request_to_speak(hard, acting_user=cab.minister)
    assert list(queries.no_objection_items(meeting)) == [easy]
    with pytest.raises(PermissionDenied):
        actions.do_pass_no_objection(meeting, acting_user=cab.minister)
    assert actions.do_pass_no_objection(meeting, acting_user=cab.pm) == [easy]
    actions.do_set_status(meeting, acting_user=cab.office, status=Meeting.Status.IN_SESSION)
    deadline = timezone.localdate() + dt.timedelta(days=40)
    with pytest.raises(ValidationError) as exc:
        actions.do_record_outcome(hard, acting_user=cab.office, outcome="amend",
                                  assignments=[{"text": "Hoàn thiện đề án", "lead_agency": None,
                                                "deadline": deadline}])
    assert "assignments" in exc.value.message_dict
    actions.do_record_outcome(hard, acting_user=cab.office, outcome=Outcome.AMEND,
                              conclusions="Thống nhất về chủ trương, giao hoàn thiện.",
                              assignments=[{"text": "Hoàn thiện đề án quy hoạch",
                                            "lead_agency": cab.w.bxd, "deadline": deadline}])
    notice = actions.do_draft_conclusions_notice(meeting, acting_user=cab.office)
    assert notice.doc_type == "notice" and not Task.objects.exists()
    # The notice goes the documents' way; issuing it turns the conclusion into a task.
    head = factories.official(cab.w.office_unit, "unit_head", "vpcp_vt", "Vụ Trưởng")
    clerk = factories.official(cab.w.office, "clerk", "vpcp_vanthu", "Văn Thư")
    documents.do_submit_for_review(notice, acting_user=cab.office)
    documents.do_review(notice, acting_user=head, approve=True)
    documents.do_approve(notice, acting_user=cab.w.office_leader)
    issued = documents.do_issue(notice, acting_user=clerk)
    task = Task.objects.get()
    assert (task.source_document_id, task.lead_agency_id, task.deadline, task.source_reference,
            task.assigned_by) == (issued.pk, cab.w.bxd.pk, deadline, issued.symbol, clerk)


def test_a_replaced_member_keeps_earlier_meetings_only(cab: Cabinet) -> None:
    before = schedule(cab, days_ahead=-20)
    after = schedule(cab, days_ahead=10)
    term = cab.justice.cabinet_terms.get()
    actions.do_end_term(term, acting_user=cab.office, until=timezone.localdate())
    assert list(queries.visible_meetings(cab.justice)) == [before]
    assert set(queries.visible_meetings(cab.office)) == {before, after}
    assert set(queries.visible_meetings(cab.guest)) == {before, after}
    # The Prime Minister's post is in the Office's tree, but a member is not its staff.
    assert not queries.is_office(cab.pm) and queries.is_office(cab.office)
    with pytest.raises(ValidationError):
        schedule(cab, members=[cab.pm, cab.justice])
