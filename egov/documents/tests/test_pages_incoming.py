"""The incoming pages: inbox per role, registering, the document page, the workflow forms,
file download, permissions, duplicates, bad input and pinned query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from egov.core import calendar
from egov.core.models import AuditEntry, User
from egov.documents import actions
from egov.documents.models import Assignment, Document, DocumentFile, Role, Status

from .conftest import PDF, Agency, register

pytestmark = pytest.mark.django_db

BACKEND = "egov.core.auth.PositionBackend"


def client_for(user: User, language: str = "en") -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def pdf(name: str = "cong-van-345.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def form_data(**changes: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data: dict[str, Any] = {
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "source": "paper",
        "issuer_name": "UBND tỉnh Quảng Ninh",
        "symbol": "345/UBND-VP",
        "issue_date": (today - dt.timedelta(days=3)).isoformat(),
        "doc_type": "official_letter",
        "subject": "Về việc đề nghị hướng dẫn thủ tục giao đất, cho thuê đất",
        "signer_name": "Nguyễn Văn Thắng",
        "signer_title": "Phó Chủ tịch",
        "urgency": "urgent",
        "confidentiality": "",
        "pages": "3",
        "reply_by": (today + dt.timedelta(days=10)).isoformat(),
        "uploads": [pdf()],
    }
    data.update(changes)
    return data


def html(response: Any) -> str:
    return str(response.content.decode())


def rows(response: Any) -> list[Document]:
    return list(response.context["listing"].rows)


def tab_counts(response: Any) -> dict[str, int]:
    return {t.key: t.count for t in response.context["listing"].tabs}


# --- the whole flow ---------------------------------------------------------------------

def test_clerk_to_leader_to_unit_head_to_specialist(btc: Agency) -> None:
    clerk = client_for(btc.clerk)
    assert clerk.get(reverse("documents:register_incoming")).status_code == 200
    response = clerk.post(reverse("documents:register_incoming"), form_data())
    doc = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:detail", args=[doc.pk])
    assert (doc.number, doc.status, doc.urgency) == (1, Status.REGISTERED, "urgent")
    assert doc.issuer_name == "UBND tỉnh Quảng Ninh" and doc.pages == 3
    assert "Registered as incoming number 1 of" in html(clerk.get(response["Location"]))

    # The file is served through the permission-checked view, under its stored name.
    stored = doc.files.get()
    page = html(clerk.get(reverse("documents:detail", args=[doc.pk])))
    file_url = reverse("documents:file", args=[doc.pk, stored.pk])
    assert file_url in page and stored.file.name not in page  # no direct media URL
    download = clerk.get(file_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert download["Content-Disposition"] == 'attachment; filename="cong-van-345.pdf"'
    assert download["Content-Type"] == "application/pdf"

    # The clerk passes it to the leaders.
    assert tab_counts(clerk.get(reverse("documents:inbox"))) == {"new": 1, "waiting": 0,
                                                                  "all": 1}
    response = clerk.post(reverse("documents:submit", args=[doc.pk]),
                          {"note": "Kính trình Thứ trưởng cho ý kiến chỉ đạo."})
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.status == Status.WAITING_ASSIGNMENT

    # The leader finds it waiting and assigns it.
    leader = client_for(btc.leader)
    inbox = leader.get(reverse("documents:inbox"))
    assert inbox.context["listing"].current.key == "waiting"
    assert rows(inbox) == [doc]
    assert "Waiting for assignment" in html(inbox)
    page = leader.get(reverse("documents:detail", args=[doc.pk]))
    assert page.context["assign_form"] is not None
    response = leader.post(reverse("documents:assign", args=[doc.pk]), {
        "lead": f"u:{btc.legal.pk}", "coordinators": [f"u:{btc.office.pk}"],
        "informed": [f"p:{btc.clerk.pk}"], "deadline_days": "5",
        "instruction": "Giao Vụ Pháp chế chủ trì, Văn phòng phối hợp, trả lời trước hạn.",
    })
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.status == Status.IN_PROGRESS
    assert doc.deadline == calendar.add_working_days(timezone.now(), 5)
    assert sorted(doc.assignments.values_list("role", flat=True)) == [
        "coordinate", "inform", "lead"]

    # The head of the legal department passes it on to a specialist of the unit.
    lead = doc.assignments.get(role=Role.LEAD)
    head = client_for(btc.head)
    assert rows(head.get(reverse("documents:inbox") + "?tab=mine")) == [doc]
    page = head.get(reverse("documents:detail", args=[doc.pk]))
    assert reverse("documents:pass_on", args=[doc.pk, lead.pk]) in html(page)
    response = head.post(reverse("documents:pass_on", args=[doc.pk, lead.pk]), {
        f"p{lead.pk}-to_user": str(btc.specialist.pk),
        f"p{lead.pk}-instruction": "Đồng chí Chuyên dự thảo văn bản trả lời.",
    })
    assert response.status_code == 302
    child = Assignment.objects.get(parent=lead)
    assert child.user == btc.specialist

    # The specialist sees it among their assignments, adds an opinion, attaches work and
    # marks it done; the lead's part done closes the document.
    specialist = client_for(btc.specialist)
    inbox = specialist.get(reverse("documents:inbox"))
    assert inbox.context["listing"].current.key == "mine" and rows(inbox) == [doc]
    page = specialist.get(reverse("documents:detail", args=[doc.pk]))
    offered = [r.assignment for r in page.context["assignment_rows"] if r.complete_form]
    assert offered == [child]  # the unit's part, passed on to them, is not offered twice
    assert not any(r.pass_on_form for r in page.context["assignment_rows"])
    response = specialist.post(reverse("documents:opinion", args=[doc.pk]),
                               {"text": "Đề nghị Vụ Ngân sách cho ý kiến về nguồn kinh phí."})
    assert response.status_code == 302
    response = specialist.post(reverse("documents:attach", args=[doc.pk]),
                               {"uploads": [pdf("bao-cao-ra-soat.pdf", PDF + b"ra soat")]})
    assert response.status_code == 302
    assert doc.files.filter(kind=DocumentFile.Kind.ATTACHMENT).count() == 1
    response = specialist.post(reverse("documents:complete", args=[doc.pk, child.pk]),
                               {f"c{child.pk}-result": "Đã có văn bản trả lời UBND tỉnh."})
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.status == Status.DONE and doc.done_at is not None
    assert tab_counts(specialist.get(reverse("documents:inbox")))["done"] == 1

    # The timeline tells the story from the audit log: who, acting as what, did what.
    page = specialist.get(reverse("documents:detail", args=[doc.pk]))
    text = html(page)
    whats = [item.what for item in page.context["timeline"]]
    assert whats == [
        "Registered in the incoming register", "Passed to the leaders for assignment",
        "Assigned", "Passed on within the unit", "Added an opinion", "Attached files",
        "Marked their part done"]
    assert "Records clerk — Văn phòng Bộ Tài chính" in text
    assert "Kính trình Thứ trưởng cho ý kiến chỉ đạo." in text  # the status change's note
    assert "Lead: Vụ Pháp chế" in text and "To: Hoàng Thị Chuyên" in text
    assert "Done on time" in text
    assert page.context.get("attach_form") is None  # a closed document takes no files


def test_the_coordinator_and_the_informed_finish_their_parts(btc: Agency) -> None:
    doc = register(btc)
    actions.do_assign(doc, acting_user=btc.leader, lead=btc.specialist,
                      coordinators=[btc.office], informed=[btc.head], deadline_days=3)
    clerk = client_for(btc.clerk)  # the clerk works in the coordinating office
    coordinate = doc.assignments.get(role=Role.COORDINATE)
    response = clerk.post(reverse("documents:complete", args=[doc.pk, coordinate.pk]),
                          {f"c{coordinate.pk}-result": "Văn phòng thống nhất."})
    assert response.status_code == 302
    head = client_for(btc.head)
    assert rows(head.get(reverse("documents:inbox") + "?tab=informed")) == [doc]
    inform = doc.assignments.get(role=Role.INFORM)
    assert "Mark as read" in html(head.get(reverse("documents:detail", args=[doc.pk])))
    assert head.post(reverse("documents:complete", args=[doc.pk, inform.pk])).status_code == 302
    assert rows(head.get(reverse("documents:inbox") + "?tab=informed")) == []
    doc.refresh_from_db()
    assert doc.status == Status.IN_PROGRESS  # only the lead's part closes it


# --- inbox -----------------------------------------------------------------------------------

def test_inbox_tabs_and_counts_per_role(btc: Agency) -> None:
    a = register(btc, symbol="01/UBND-VP", subject="Về việc tuyển dụng công chức năm 2026")
    b = register(btc, symbol="02/UBND-VP", subject="Về việc quyết toán ngân sách")
    c = register(btc, symbol="03/UBND-VP", subject="Về kế hoạch cải cách hành chính")
    actions.do_submit_for_assignment(b, acting_user=btc.clerk)
    actions.do_submit_for_assignment(c, acting_user=btc.clerk)
    actions.do_assign(c, acting_user=btc.leader, lead=btc.legal,
                      deadline=timezone.localdate())
    clerk = client_for(btc.clerk)
    response = clerk.get(reverse("documents:inbox"))
    assert [t.key for t in response.context["listing"].tabs] == ["new", "waiting", "all"]
    assert tab_counts(response) == {"new": 1, "waiting": 1, "all": 3}
    assert rows(response) == [a]
    assert rows(clerk.get(reverse("documents:inbox") + "?tab=all")) == [c, b, a]

    leader = client_for(btc.leader)
    response = leader.get(reverse("documents:inbox") + "?tab=near")
    assert tab_counts(response) == {"waiting": 1, "in_progress": 1, "overdue": 0, "near": 1}
    assert rows(response) == [c]
    text = html(response)
    assert 'class="st st-near_deadline">Near deadline<' in text  # colour AND text
    assert "03/UBND-VP" in text and "UBND tỉnh Quảng Ninh" in text
    assert [t.key for t in response.context["listing"].tabs] == [
        "waiting", "in_progress", "overdue", "near"]

    specialist = client_for(btc.specialist)
    response = specialist.get(reverse("documents:inbox"))
    assert tab_counts(response) == {"mine": 1, "coordinating": 0, "informed": 0, "done": 0}
    # The status filter narrows the tab (the home panel links here).
    assert rows(specialist.get(reverse("documents:inbox") + "?tab=mine&status=overdue")) == []
    assert rows(specialist.get(
        reverse("documents:inbox") + "?tab=mine&status=near_deadline")) == [c]


def test_overdue_shows_as_overdue(btc: Agency, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = register(btc)
    actions.do_assign(doc, acting_user=btc.leader, lead=btc.legal, deadline_days=1)
    later = calendar.add_working_days(timezone.localdate(), 3)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    response = client_for(btc.leader).get(reverse("documents:inbox") + "?tab=overdue")
    assert rows(response) == [doc]
    assert 'class="st st-overdue">Overdue<' in html(response)


def test_inbox_is_paged_by_fifty(btc: Agency) -> None:
    for n in range(51):
        register(btc, symbol=f"{n + 1:02d}/UBND-VP")
    clerk = client_for(btc.clerk)
    first = clerk.get(reverse("documents:inbox") + "?tab=all")
    assert len(rows(first)) == 50 and first.context["listing"].page.has_next()
    second = clerk.get(reverse("documents:inbox") + "?tab=all&page=2")
    assert [d.symbol for d in rows(second)] == ["01/UBND-VP"]


# The inbox costs: session, user, posts with their units (tabs, the units of "mine", and
# the permission rule's units, paths and agencies), the calendar changes (one query, cold cache),
# the counts of every tab (one query, which also gives the page's count), the page's rows,
# the main menu's has_perm (three: the account's positions, Django's user and group
# permissions, cached on the user for the request). The session is not written: its expiry
# moves at most once a minute.
@pytest.mark.parametrize("documents", [3, 30])
@pytest.mark.parametrize(("who", "tab", "queries"), [
    ("clerk", "all", 9), ("leader", "waiting", 9), ("specialist", "mine", 9),
])
def test_inbox_query_count_is_fixed(btc: Agency, django_assert_num_queries: DjangoAssertNumQueries,
                                    documents: int, who: str, tab: str, queries: int) -> None:
    for n in range(documents):
        doc = register(btc, symbol=f"{n + 1:02d}/UBND-VP", urgency="urgent" if n % 3 else "")
        if n % 2:
            actions.do_submit_for_assignment(doc, acting_user=btc.clerk)
        if n % 3 == 0:
            actions.do_assign(doc, acting_user=btc.leader, lead=btc.specialist,
                              deadline_days=2)
    client = client_for(getattr(btc, who))
    url = reverse("documents:inbox") + f"?tab={tab}"
    assert client.get(url).status_code == 200  # first visit: the session's policy checks
    calendar.clear_cache()
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert len(rows(response)) > 0


# --- registering: duplicates and bad input ------------------------------------------------------

def test_a_possible_duplicate_is_shown_and_needs_confirmation(btc: Agency) -> None:
    first = register(btc, symbol="345/UBND-VP",
                     issue_date=timezone.localdate() - dt.timedelta(days=3))
    clerk = client_for(btc.clerk)
    response = clerk.post(reverse("documents:register_incoming"), form_data())
    assert response.status_code == 200
    assert Document.objects.count() == 1
    text = html(response)
    assert reverse("documents:detail", args=[first.pk]) in text
    assert "This document may already be registered" in text
    assert response.context["form"].errors["allow_duplicate"]
    assert 'name="allow_duplicate"' in text

    response = clerk.post(reverse("documents:register_incoming"),
                          form_data(allow_duplicate="on"))
    assert response.status_code == 302
    assert Document.objects.count() == 2
    assert Document.objects.latest("id").number == 2


def test_bad_input_shows_field_errors_and_saves_nothing(btc: Agency) -> None:
    clerk = client_for(btc.clerk)
    before = (Document.objects.count(), AuditEntry.objects.count())
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = clerk.post(reverse("documents:register_incoming"), form_data(
        subject=" ", issue_date=tomorrow.isoformat(), doc_type="no_such_type", pages="0",
        issuer_name=""))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"subject", "issue_date", "doc_type", "pages", "issuer_name"} <= set(errors)
    assert "The issue date cannot be in the future." in errors["issue_date"]
    text = html(response)
    assert "Nothing was saved. Please correct:" in text
    assert 'href="#id_issue_date"' in text  # the summary links to the field
    assert (Document.objects.count(), AuditEntry.objects.count()) == before


def test_a_refused_file_is_named_on_the_field_and_nothing_is_stored(btc: Agency) -> None:
    clerk = client_for(btc.clerk)
    listed = default_storage.listdir("documents") if default_storage.exists(
        "documents") else ([], [])
    response = clerk.post(reverse("documents:register_incoming"), form_data(uploads=[
        pdf(), SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="text/plain"),
        SimpleUploadedFile("gia.pdf", b"not a pdf at all", content_type="application/pdf"),
    ]))
    assert response.status_code == 200
    errors = response.context["form"].errors["uploads"]
    assert any("virus.exe" in e for e in errors) and any("gia.pdf" in e for e in errors)
    assert not Document.objects.exists() and not DocumentFile.objects.exists()
    after = default_storage.listdir("documents") if default_storage.exists(
        "documents") else ([], [])
    assert after == listed


def test_the_issue_date_cannot_be_after_the_date_received(btc: Agency) -> None:
    received = timezone.localtime() - dt.timedelta(days=5)
    response = client_for(btc.clerk).post(reverse("documents:register_incoming"), form_data(
        received_at=received.strftime("%Y-%m-%dT%H:%M"),
        issue_date=(received.date() + dt.timedelta(days=1)).isoformat()))
    assert response.status_code == 200
    assert "issue_date" in response.context["form"].errors
    assert not Document.objects.exists()


def test_assignment_without_a_lead_is_refused_on_the_form(btc: Agency) -> None:
    doc = register(btc)
    leader = client_for(btc.leader)
    response = leader.post(reverse("documents:assign", args=[doc.pk]),
                           {"lead": "", "deadline_days": "3", "deadline": ""})
    assert response.status_code == 200
    assert "lead" in response.context["assign_form"].errors
    assert 'id="id_lead_error"' in html(response)
    assert not Assignment.objects.exists()
    doc.refresh_from_db()
    assert doc.status == Status.REGISTERED


def test_a_unit_of_another_agency_cannot_be_assigned(btc: Agency, bnv: Agency) -> None:
    doc = register(btc)
    response = client_for(btc.leader).post(reverse("documents:assign", args=[doc.pk]),
                                           {"lead": f"u:{bnv.legal.pk}", "deadline_days": "3"})
    assert response.status_code == 200
    assert "lead" in response.context["assign_form"].errors  # not among the choices
    assert not Assignment.objects.exists()


def test_completing_the_lead_part_needs_a_result(btc: Agency) -> None:
    doc = register(btc)
    actions.do_assign(doc, acting_user=btc.leader, lead=btc.specialist, deadline_days=3)
    lead = doc.assignments.get()
    response = client_for(btc.specialist).post(
        reverse("documents:complete", args=[doc.pk, lead.pk]), {f"c{lead.pk}-result": ""})
    assert response.status_code == 200
    assert "Say what was done, or link the reply." in html(response)
    lead.refresh_from_db()
    assert lead.done_at is None


# --- permissions ----------------------------------------------------------------------------

def test_only_clerks_register(btc: Agency) -> None:
    for person in (btc.specialist, btc.leader, btc.head):
        client = client_for(person)
        assert client.get(reverse("documents:register_incoming")).status_code == 403
        response = client.post(reverse("documents:register_incoming"), form_data())
        assert response.status_code == 403
    assert not Document.objects.exists()


def test_wrong_roles_get_403(btc: Agency) -> None:
    doc = register(btc)
    leader = client_for(btc.leader)
    # A leader who is no clerk cannot pass the document on for assignment.
    assert leader.post(reverse("documents:submit", args=[doc.pk])).status_code == 403
    actions.do_submit_for_assignment(doc, acting_user=btc.clerk)
    clerk = client_for(btc.clerk)
    response = clerk.post(reverse("documents:assign", args=[doc.pk]),
                          {"lead": f"u:{btc.legal.pk}", "deadline_days": "3"})
    assert response.status_code == 403
    assert "You may not open this page" in html(response)
    actions.do_assign(doc, acting_user=btc.leader, lead=btc.legal, deadline_days=3)
    lead = doc.assignments.get()
    # The clerk of the office is not the head of the legal department.
    response = clerk.post(reverse("documents:pass_on", args=[doc.pk, lead.pk]),
                          {f"p{lead.pk}-to_user": str(btc.specialist.pk)})
    assert response.status_code == 403
    # Nor is the legal department's part the office clerk's to complete.
    response = clerk.post(reverse("documents:complete", args=[doc.pk, lead.pk]),
                          {f"c{lead.pk}-result": "Xong."})
    assert response.status_code == 403
    assert not Assignment.objects.filter(done_at__isnull=False).exists()
    assert not Assignment.objects.filter(parent=lead).exists()


def test_another_agency_gets_404_everywhere(btc: Agency, bnv: Agency) -> None:
    doc = register(btc)
    stored = doc.files.get()
    for person in (bnv.clerk, bnv.leader, bnv.specialist):
        client = client_for(person)
        assert client.get(reverse("documents:detail", args=[doc.pk])).status_code == 404
        assert client.get(reverse("documents:file", args=[doc.pk, stored.pk])).status_code == 404
        assert client.post(reverse("documents:submit", args=[doc.pk])).status_code == 404
        assert client.post(reverse("documents:opinion", args=[doc.pk]),
                           {"text": "Xem được không?"}).status_code == 404
        assert doc not in rows(client.get(reverse("documents:inbox")))
    doc.refresh_from_db()
    assert doc.status == Status.REGISTERED and not doc.opinions.exists()
    # A file id of another document cannot be reached through a document one may see.
    mine = register(bnv, symbol="99/UBND-VP")
    client = client_for(bnv.clerk)
    assert client.get(reverse("documents:file", args=[mine.pk, stored.pk])).status_code == 404


def test_a_specialist_of_the_agency_does_not_see_unassigned_documents(btc: Agency) -> None:
    doc = register(btc)
    specialist = client_for(btc.specialist)
    assert specialist.get(reverse("documents:detail", args=[doc.pk])).status_code == 404
    assert tab_counts(specialist.get(reverse("documents:inbox")))["mine"] == 0


def test_pages_need_a_signed_in_official(btc: Agency) -> None:
    doc = register(btc)
    response = Client().get(reverse("documents:detail", args=[doc.pk]))
    assert response.status_code == 302 and "/account/" in response["Location"]
    assert Client().get(reverse("documents:inbox")).status_code == 302


def test_the_page_is_in_vietnamese_by_default(btc: Agency) -> None:
    doc = register(btc, subject="Về việc giao đất đai cho dự án khu công nghiệp")
    response = client_for(btc.clerk, "vi").get(reverse("documents:detail", args=[doc.pk]))
    text = html(response)
    assert '<html lang="vi">' in text
    assert "Về việc giao đất đai cho dự án khu công nghiệp" in text
