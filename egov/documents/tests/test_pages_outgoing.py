"""The outgoing pages: list per role, draft form (new and edit), review, approval and issue
through the pages, permissions, bad input and the pinned query count."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from egov.core import actions as core_actions
from egov.core import calendar
from egov.core.models import AuditEntry, Organisation
from egov.documents import actions
from egov.documents.models import Document, Recipient, Status

from .conftest import PDF, Agency, register
from .test_pages_incoming import client_for, html, rows, tab_counts

pytestmark = pytest.mark.django_db


def pdf(name: str, content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def external_agency() -> Organisation:
    return core_actions.do_create_organisation(
        acting_user=None, name="Ủy ban nhân dân tỉnh Quảng Ninh", short_name="UBND",
        code="000.00.00.H49", kind=Organisation.Kind.PROVINCE, is_agency=True,
        is_external=True)


def draft_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "doc_type": "official_letter",
        "subject": "Trả lời về việc hướng dẫn thủ tục giao đất, cho thuê đất",
        "signer_name": "", "signer_title": "", "urgency": "", "confidentiality": "",
        "recipients": [], "answers": [], "uploads": [pdf("du-thao-tra-loi.pdf")],
    }
    data.update(changes)
    return data


def make_draft(a: Agency, **extra: Any) -> Document:
    data: dict[str, Any] = {"doc_type": "official_letter",
                            "subject": "Báo cáo tình hình thực hiện dự toán ngân sách",
                            "recipients": [a.office], "uploads": [("du-thao.pdf", PDF)]}
    data.update(extra)
    return actions.do_create_draft(acting_user=a.specialist, **data)


def test_draft_review_approve_issue_through_the_pages(btc: Agency, bnv: Agency) -> None:
    incoming = register(btc, subject="Đề nghị hướng dẫn thủ tục giao đất, cho thuê đất")
    actions.do_assign(incoming, acting_user=btc.leader, lead=btc.specialist, deadline_days=5)
    hub = external_agency()

    specialist = client_for(btc.specialist)
    form = specialist.get(reverse("documents:draft_new") + f"?answers={incoming.pk}")
    assert form.status_code == 200
    assert form.context["form"].initial["answers"] == [incoming.pk]
    text = html(form)
    assert "Bộ Nội vụ" in text and "Ủy ban nhân dân tỉnh Quảng Ninh" in text
    response = specialist.post(reverse("documents:draft_new"), draft_data(
        recipients=[str(bnv.agency.pk), str(btc.office.pk), str(hub.pk)],
        answers=[str(incoming.pk)], urgency="urgent"))
    assert response.status_code == 302
    draft = Document.objects.get(direction="outgoing")
    assert response["Location"] == reverse("documents:detail", args=[draft.pk])
    assert draft.status == Status.DRAFT and draft.created_by == btc.specialist
    assert list(draft.answers.all()) == [incoming]
    assert sorted(draft.recipients.values_list("organisation__name", flat=True)) == [
        "Bộ Nội vụ", "Văn phòng Bộ Tài chính", "Ủy ban nhân dân tỉnh Quảng Ninh"]
    assert rows(specialist.get(reverse("documents:outgoing"))) == [draft]

    # A new version of the file; the first one is kept.
    edit = specialist.get(reverse("documents:draft_edit", args=[draft.pk]))
    assert edit.context["form"].initial["subject"] == draft.subject
    response = specialist.post(reverse("documents:draft_edit", args=[draft.pk]), draft_data(
        subject="Trả lời Ủy ban nhân dân tỉnh về thủ tục giao đất, cho thuê đất",
        recipients=[str(bnv.agency.pk), str(btc.office.pk), str(hub.pk)],
        answers=[str(incoming.pk)], uploads=[pdf("du-thao-v2.pdf", PDF + b"v2")]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert sorted(draft.files.values_list("version", flat=True)) == [1, 2]
    assert draft.subject.startswith("Trả lời Ủy ban nhân dân tỉnh")
    response = specialist.post(reverse("documents:submit_review", args=[draft.pk]))
    assert response.status_code == 302

    # The head returns it (a comment is required), then approves the corrected draft.
    head = client_for(btc.head)
    listing = head.get(reverse("documents:outgoing"))
    assert listing.context["listing"].current.key == "to_review"
    assert rows(listing) == [draft]
    response = head.post(reverse("documents:review", args=[draft.pk]),
                         {"decision": "return", "comment": ""})
    assert response.status_code == 200
    assert "comment" in response.context["review_form"].errors
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW
    response = head.post(reverse("documents:review", args=[draft.pk]),
                         {"decision": "return", "comment": "Bổ sung căn cứ pháp lý."})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.RETURNED
    assert specialist.post(reverse("documents:submit_review",
                                   args=[draft.pk])).status_code == 302
    assert head.post(reverse("documents:review", args=[draft.pk]),
                     {"decision": "approve", "comment": ""}).status_code == 302

    # The leader approves; the clerk numbers and issues.
    leader = client_for(btc.leader)
    listing = leader.get(reverse("documents:outgoing"))
    assert listing.context["listing"].current.key == "to_approve" and rows(listing) == [draft]
    assert leader.post(reverse("documents:approve", args=[draft.pk]),
                       {"decision": "approve"}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED and draft.signer_name == "Phạm Minh Lãnh"
    clerk = client_for(btc.clerk)
    listing = clerk.get(reverse("documents:outgoing"))
    assert listing.context["listing"].current.key == "to_issue" and rows(listing) == [draft]
    assert clerk.get(reverse("documents:detail", args=[draft.pk])).context["can_issue"]
    response = clerk.post(reverse("documents:issue", args=[draft.pk]), follow=True)
    assert "Issued as 01/BTC-PC." in html(response)
    draft.refresh_from_db()
    assert draft.status == Status.ISSUED and draft.symbol == "01/BTC-PC"

    # Internal recipients got it at once; the external one waits for the hub.
    page = html(clerk.get(reverse("documents:detail", args=[draft.pk])))
    dispatch = dict(draft.recipients.values_list("organisation_id", "dispatch"))
    assert dispatch[hub.pk] == Recipient.Dispatch.WAITING
    assert dispatch[bnv.agency.pk] == Recipient.Dispatch.DELIVERED
    assert "Waiting for dispatch" in page and "Delivered" in page
    received = Document.objects.get(agency=bnv.agency, direction="incoming")
    assert received.symbol == "01/BTC-PC"
    assert rows(client_for(bnv.clerk).get(reverse("documents:inbox"))) == [received]
    # Issuing the reply closed the incoming document; its page links the reply.
    incoming.refresh_from_db()
    assert incoming.status == Status.DONE
    page = html(specialist.get(reverse("documents:detail", args=[incoming.pk])))
    assert reverse("documents:detail", args=[draft.pk]) in page
    whats = [i.what for i in clerk.get(reverse("documents:detail", args=[draft.pk]))
             .context["timeline"]]
    assert whats == [
        "Wrote the draft", "Changed the draft", "Submitted the draft for review",
        "Returned the draft for changes", "Submitted the draft for review",
        "Reviewed: passed to the leader for approval", "Approved", "Numbered and issued"]


def test_issuing_twice_is_refused_with_a_message(btc: Agency) -> None:
    draft = make_draft(btc)
    actions.do_submit_for_review(draft, acting_user=btc.specialist)
    actions.do_review(draft, acting_user=btc.head, approve=True)
    actions.do_approve(draft, acting_user=btc.leader)
    clerk = client_for(btc.clerk)
    assert clerk.post(reverse("documents:issue", args=[draft.pk])).status_code == 302
    before = AuditEntry.objects.count()
    response = clerk.post(reverse("documents:issue", args=[draft.pk]))
    assert response.status_code == 200
    assert "This document is already issued as 01/BTC-PC." in html(response)
    assert AuditEntry.objects.count() == before


def test_wrong_roles_get_403(btc: Agency) -> None:
    draft = make_draft(btc)
    # Only the drafter edits and submits.
    head = client_for(btc.head)
    assert head.get(reverse("documents:draft_edit", args=[draft.pk])).status_code == 403
    assert head.post(reverse("documents:submit_review", args=[draft.pk])).status_code == 403
    actions.do_submit_for_review(draft, acting_user=btc.specialist)
    # Only the head of the drafting unit reviews (not the drafter, not the agency leader,
    # who both see the draft); only a leader approves.
    drafter = client_for(btc.specialist)
    assert drafter.post(reverse("documents:review", args=[draft.pk]),
                        {"decision": "approve"}).status_code == 403
    leader = client_for(btc.leader)
    assert leader.post(reverse("documents:review", args=[draft.pk]),
                       {"decision": "approve"}).status_code == 403
    # The clerk does not even see another unit's draft before approval.
    clerk = client_for(btc.clerk)
    assert clerk.post(reverse("documents:review", args=[draft.pk]),
                      {"decision": "approve"}).status_code == 404
    actions.do_review(draft, acting_user=btc.head, approve=True)
    assert head.post(reverse("documents:approve", args=[draft.pk]),
                     {"decision": "approve"}).status_code == 403
    actions.do_approve(draft, acting_user=btc.leader)
    # Only a clerk issues.
    assert leader.post(reverse("documents:issue", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED and not draft.symbol
    # A clerk cannot draft.
    assert clerk.get(reverse("documents:draft_new")).status_code == 403


def test_another_agency_gets_404(btc: Agency, bnv: Agency) -> None:
    draft = make_draft(btc)
    for person in (bnv.specialist, bnv.leader, bnv.clerk):
        client = client_for(person)
        assert client.get(reverse("documents:detail", args=[draft.pk])).status_code == 404
        assert client.get(reverse("documents:draft_edit", args=[draft.pk])).status_code == 404
        assert client.post(reverse("documents:issue", args=[draft.pk])).status_code == 404
        assert draft not in rows(client.get(reverse("documents:outgoing") + "?tab=drafts"))


def test_bad_draft_input_shows_field_errors_and_saves_nothing(btc: Agency, bnv: Agency) -> None:
    foreign = register(bnv, subject="Văn bản của Bộ Nội vụ")
    specialist = client_for(btc.specialist)
    before = (Document.objects.count(), AuditEntry.objects.count())
    response = specialist.post(reverse("documents:draft_new"), draft_data(
        subject="", doc_type="public_letter", answers=[str(foreign.pk)],
        uploads=[SimpleUploadedFile("macro.docm", b"PK\x03\x04", content_type="text/plain")]))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"subject", "doc_type", "answers"} <= set(errors)  # another agency's: no choice
    assert (Document.objects.count(), AuditEntry.objects.count()) == before
    response = specialist.post(reverse("documents:draft_new"), draft_data(
        uploads=[SimpleUploadedFile("macro.docm", b"PK\x03\x04", content_type="text/plain")]))
    assert response.status_code == 200
    assert "macro.docm" in " ".join(response.context["form"].errors["uploads"])
    assert (Document.objects.count(), AuditEntry.objects.count()) == before


def test_a_returned_draft_can_be_edited_an_approved_one_cannot(btc: Agency) -> None:
    draft = make_draft(btc)
    actions.do_submit_for_review(draft, acting_user=btc.specialist)
    specialist = client_for(btc.specialist)
    response = specialist.get(reverse("documents:draft_edit", args=[draft.pk]))
    assert response.status_code == 302  # under review: back to the page with a message
    page = specialist.get(reverse("documents:detail", args=[draft.pk]))
    assert "Only a draft or a returned draft can change." in html(page)
    assert not page.context.get("can_edit_draft")
    actions.do_review(draft, acting_user=btc.head, approve=False, comment="Sửa lại.")
    assert specialist.get(reverse("documents:draft_edit",
                                  args=[draft.pk])).status_code == 200


def test_making_a_draft_secret_keeps_it_visible_to_its_drafter(btc: Agency) -> None:
    draft = make_draft(btc)
    specialist = client_for(btc.specialist)
    response = specialist.post(reverse("documents:draft_edit", args=[draft.pk]), draft_data(
        subject=draft.subject, confidentiality="confidential",
        recipients=[str(btc.office.pk)], uploads=[]))
    assert response.status_code == 302
    assert specialist.get(reverse("documents:detail", args=[draft.pk])).status_code == 200
    # ...and hidden from the unit head, who is not named on it.
    assert client_for(btc.head).get(
        reverse("documents:detail", args=[draft.pk])).status_code == 404


def test_outgoing_tabs_per_role(btc: Agency) -> None:
    a = make_draft(btc, subject="Kế hoạch đào tạo, bồi dưỡng công chức năm 2027")
    b = make_draft(btc, subject="Báo cáo kết quả thực hành tiết kiệm, chống lãng phí")
    actions.do_submit_for_review(b, acting_user=btc.specialist)
    specialist = client_for(btc.specialist)
    response = specialist.get(reverse("documents:outgoing"))
    assert [t.key for t in response.context["listing"].tabs] == ["drafts", "issued"]
    assert set(rows(response)) == {a, b}
    head = client_for(btc.head)
    assert tab_counts(head.get(reverse("documents:outgoing"))) == {
        "to_review": 1, "drafts": 0, "issued": 0}
    assert tab_counts(client_for(btc.leader).get(reverse("documents:outgoing"))) == {
        "to_approve": 0, "to_review": 0, "drafts": 0, "issued": 0}
    assert tab_counts(client_for(btc.clerk).get(reverse("documents:outgoing"))) == {
        "to_issue": 0, "drafts": 0, "issued": 0}


# session, user, posts, led units, tab counts (which also give the page's count), the page's
# rows, the main menu's has_perm
# (3: the account's positions, Django's user and group permissions); no session write within
# the minute. No calendar query: drafts have no deadline.
@pytest.mark.parametrize("documents", [3, 30])
def test_outgoing_query_count_is_fixed(btc: Agency,
                                       django_assert_num_queries: DjangoAssertNumQueries,
                                       documents: int) -> None:
    for n in range(documents):
        draft = make_draft(btc, subject=f"Dự thảo báo cáo số {n + 1}")
        if n % 2:
            actions.do_submit_for_review(draft, acting_user=btc.specialist)
    client = client_for(btc.head)
    url = reverse("documents:outgoing")
    assert client.get(url).status_code == 200
    calendar.clear_cache()
    with django_assert_num_queries(9):
        response = client.get(url)
    assert len(rows(response)) == documents // 2
