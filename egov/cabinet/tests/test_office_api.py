"""The Office's side of the e-Cabinet API, walked as a client would: terms, a meeting
scheduled with two items, a paper uploaded by the proposing agency and published by the
Office, positions, the chair's block of no-objection items, the secretary's outcome and
conclusions, the conclusions notice; a ballot created, opened, answered, closed early and
summarised. Each refusal names its field (or is a 403/404) and changes nothing."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from egov.core.models import AuditEntry, User
from egov.documents.models import Document

from ..models import AgendaItem, Attendee, Ballot, Meeting, Membership, Paper
from .conftest import PDF, Cabinet


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _pdf(name: str = "to-trinh.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_terms_through_the_api(cab: Cabinet) -> None:
    office = _api(cab.office)
    listed = office.get("/api/v1/cabinet-terms/").json()
    assert {row["user"] for row in listed["results"]} == {m.pk for m in cab.members}
    # Only the Office keeps the terms: others see none and cannot start one.
    assert _api(cab.w.btc_specialist).get("/api/v1/cabinet-terms/").json()["results"] == []
    refused = _api(cab.w.btc_specialist).post(
        "/api/v1/cabinet-terms/", {"user": cab.guest.pk, "title": "Bộ trưởng",
                                   "since": "2026-06-01"}, format="json")
    assert refused.status_code == 403
    twice = office.post("/api/v1/cabinet-terms/", {"user": cab.justice.pk, "title": "Bộ trưởng",
                                                   "since": "2026-06-01"}, format="json")
    assert twice.status_code == 400 and "user" in twice.json()
    assert Membership.objects.count() == 3

    term = Membership.objects.get(user=cab.justice)
    early = office.post(f"/api/v1/cabinet-terms/{term.pk}/end/", {"until": "2025-12-31"},
                        format="json")
    assert early.status_code == 400 and "until" in early.json()
    ended = office.post(f"/api/v1/cabinet-terms/{term.pk}/end/", {"until": "2026-10-31"},
                        format="json")
    assert ended.status_code == 200 and ended.json()["until"] == "2026-10-31"
    started = office.post("/api/v1/cabinet-terms/", {"user": cab.guest.pk,
                                                     "title": "Bộ trưởng Bộ Tư pháp",
                                                     "since": "2026-11-01"}, format="json")
    assert started.status_code == 201 and started.json()["until"] is None
    assert AuditEntry.objects.filter(action__in=["cabinet.end_term", "cabinet.start_term"],
                                     actor=cab.office).count() == 2


def test_a_meeting_from_schedule_to_conclusions_notice(cab: Cabinet) -> None:
    office = _api(cab.office)
    starts = (timezone.now() + dt.timedelta(days=7)).replace(microsecond=0)
    body = {"kind": "regular", "title": "Phiên họp Chính phủ thường kỳ tháng 12",
            "starts_at": starts.isoformat(), "place": "Trụ sở Chính phủ", "chair": cab.pm.pk,
            "guests": [cab.guest.pk]}

    # Refusals first: not the Office (403), no chair and no place (400 naming both).
    assert _api(cab.w.btc_specialist).post("/api/v1/meetings/", body,
                                           format="json").status_code == 403
    bad = office.post("/api/v1/meetings/", body | {"chair": None, "place": ""}, format="json")
    assert bad.status_code == 400 and {"chair", "place"} <= set(bad.json())
    assert not Meeting.objects.exists()

    made = office.post("/api/v1/meetings/", body, format="json")
    assert made.status_code == 201, made.json()
    meeting = Meeting.objects.get(pk=made.json()["id"])
    assert set(meeting.attendees.filter(role=Attendee.Role.MEMBER).values_list(
        "user", flat=True)) == {m.pk for m in cab.members}  # every serving member by default
    url = f"/api/v1/meetings/{meeting.pk}"

    blank = office.post(f"{url}/items/", {"title": " ", "proposing_agency": cab.w.btc.pk},
                        format="json")
    assert blank.status_code == 400 and "title" in blank.json()
    for title, agency in (("Dự thảo Nghị định về quản lý nợ công", cab.w.btc),
                          ("Đề án quy hoạch đô thị", cab.w.bxd)):
        assert office.post(f"{url}/items/", {"title": title, "proposing_agency": agency.pk},
                           format="json").status_code == 201
    debt, planning = AgendaItem.objects.filter(meeting=meeting).order_by("order")

    # The proposing agency uploads its paper; another agency cannot see the meeting at all.
    btc = _api(cab.w.btc_specialist)
    assert _api(cab.w.bxd_specialist).post(
        f"{url}/papers/", {"item": debt.pk, "file": _pdf(), "kind": "submission",
                           "title": "Tờ trình"}, format="multipart").status_code == 403
    not_pdf = btc.post(f"{url}/papers/", {
        "item": debt.pk, "kind": "submission", "title": "Tờ trình",
        "file": _pdf("to-trinh.docx", b"PK\x03\x04 not a pdf")}, format="multipart")
    assert not_pdf.status_code == 400 and "file" in not_pdf.json()
    assert not Paper.objects.exists()
    uploaded = btc.post(f"{url}/papers/", {"item": debt.pk, "file": _pdf(), "kind": "submission",
                                           "title": "Tờ trình Chính phủ"}, format="multipart")
    assert uploaded.status_code == 201, uploaded.json()
    paper = Paper.objects.get()
    member = _api(cab.justice)
    assert member.get(f"{url}/").json()["papers"] == []  # not checked yet
    assert btc.post(f"{url}/check-paper/", {"paper": paper.pk, "publish": True},
                    format="json").status_code == 403
    unsaid = office.post(f"{url}/check-paper/", {"paper": paper.pk, "publish": False},
                         format="json")
    assert unsaid.status_code == 400 and "note" in unsaid.json()
    assert office.post(f"{url}/check-paper/", {"paper": paper.pk, "publish": True},
                       format="json").status_code == 200
    assert [p["id"] for p in member.get(f"{url}/").json()["papers"]] == [paper.pk]

    # Positions: everyone agrees with the debt item; the planning item is contested.
    for person in cab.members:
        _api(person).post(f"{url}/position/", {"item": debt.pk, "stance": "agree"},
                          format="json")
    _api(cab.minister).post(f"{url}/position/", {"item": planning.pk, "stance": "disagree",
                                                 "text": "Chưa đủ đánh giá tác động"},
                            format="json")
    assert office.post(f"{url}/pass-no-objection/").status_code == 403  # only the chair
    passed = _api(cab.pm).post(f"{url}/pass-no-objection/")
    assert passed.status_code == 200
    outcomes = {row["id"]: row["outcome"] for row in passed.json()["items"]}
    assert outcomes == {debt.pk: "no_objection", planning.pk: ""}

    # The secretary (the Office specialist who scheduled it) runs the session.
    assert office.post(f"{url}/status/", {"status": "closed"},
                       format="json").status_code == 400  # not in session yet
    assert office.post(f"{url}/status/", {"status": "in_session"},
                       format="json").status_code == 200
    deadline = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    late = office.post(f"{url}/outcome/", {
        "item": planning.pk, "outcome": "passed", "conclusions": "Thông qua có chỉnh sửa.",
        "assignments": [{"text": "Hoàn thiện đề án", "lead_agency": cab.w.bxd.pk,
                         "deadline": "2020-01-01"}]}, format="json")
    assert late.status_code == 400 and "assignments" in late.json()
    assert _api(cab.pm).post(f"{url}/outcome/", {"item": planning.pk, "outcome": "passed"},
                             format="json").status_code == 403  # only the secretary
    recorded = office.post(f"{url}/outcome/", {
        "item": planning.pk, "outcome": "passed", "conclusions": "Thông qua có chỉnh sửa.",
        "assignments": [{"text": "Hoàn thiện đề án", "lead_agency": cab.w.bxd.pk,
                         "deadline": deadline}]}, format="json")
    assert recorded.status_code == 200, recorded.json()
    planning.refresh_from_db()
    assert planning.outcome == "passed" and planning.conclusion_rows.count() == 1

    notice = office.post(f"{url}/conclusions-notice/")
    assert notice.status_code == 201
    document = Document.objects.get(pk=notice.json()["document"])
    assert document.subject.startswith("Thông báo kết luận")
    assert office.post(f"{url}/conclusions-notice/").status_code == 400  # only once
    assert office.post(f"{url}/status/", {"status": "closed"}, format="json").status_code == 200

    # The proposing agencies see the meeting (to upload their papers), the whole Office too.
    assert _api(cab.w.bxd_leader).get(f"{url}/").status_code == 200
    assert _api(cab.w.office_leader).get(f"{url}/").status_code == 200


def test_others_meetings_are_404_for_every_office_action(cab: Cabinet) -> None:
    office = _api(cab.office)
    starts = (timezone.now() + dt.timedelta(days=3)).isoformat()
    meeting_id = office.post("/api/v1/meetings/", {
        "kind": "working", "title": "Họp Thường trực Chính phủ", "starts_at": starts,
        "online_url": "https://hop.chinhphu.vn/p/1", "chair": cab.pm.pk}, format="json"
    ).json()["id"]
    stranger = _api(cab.w.bxd_specialist)
    for path, body in (("items/", {"title": "X", "proposing_agency": cab.w.bxd.pk}),
                       ("status/", {"status": "in_session"}),
                       ("pass-no-objection/", {}),
                       ("conclusions-notice/", {})):
        answer = stranger.post(f"/api/v1/meetings/{meeting_id}/{path}", body, format="json")
        assert answer.status_code == 404, path
    assert Meeting.objects.get().status == Meeting.Status.SCHEDULED
    assert not AgendaItem.objects.exists()


def test_a_ballot_from_draft_to_summary_report(certified: Cabinet) -> None:
    cab = certified
    office = _api(cab.office)
    missing = office.post("/api/v1/ballots/", {"title": "", "question": "Đồng ý?",
                                               "working_days": 0}, format="json")
    assert missing.status_code == 400 and {"title", "working_days"} <= set(missing.json())
    not_pdf = office.post("/api/v1/ballots/", {
        "title": "Dự thảo Nghị định", "question": "Đồng chí có đồng ý không?",
        "working_days": 5, "files": [_pdf("du-thao.txt", b"plain text, not a pdf")]},
        format="multipart")
    assert not_pdf.status_code == 400 and "file" in not_pdf.json()
    assert _api(cab.justice).post("/api/v1/ballots/", {
        "title": "X", "question": "Y?", "working_days": 5}, format="json").status_code == 403
    assert not Ballot.objects.exists()

    made = office.post("/api/v1/ballots/", {
        "title": "Dự thảo Nghị định về quản lý nợ công",
        "question": "Đồng chí có đồng ý với dự thảo Nghị định không?", "working_days": 5,
        "files": [_pdf("du-thao.pdf")]}, format="multipart")
    assert made.status_code == 201 and made.json()["status"] == "draft", made.json()
    url = f"/api/v1/ballots/{made.json()['id']}"
    assert _api(cab.justice).get(f"{url}/").status_code == 404  # members see it once open
    opened = office.post(f"{url}/open/")
    assert opened.status_code == 200 and opened.json()["deadline"]
    assert office.post(f"{url}/open/").status_code == 400  # already open
    assert _api(cab.justice).post(f"{url}/close/").status_code == 403  # a member, not the Office
    assert office.post(f"{url}/summary-report/").status_code == 400  # not closed yet

    for person, choice in ((cab.pm, "agree"), (cab.minister, "disagree")):
        answered = _api(person).post(f"{url}/answer/", {
            "choice": choice, "sign_with_my_certificate": True}, format="json")
        assert answered.status_code == 201
    closed = office.post(f"{url}/close/")
    assert closed.status_code == 200
    tally = closed.json()["tally"]
    assert (tally["agree"], tally["disagree"], tally["not_answered"], tally["verified"]) == (
        1, 1, 1, 2)
    report = office.post(f"{url}/summary-report/")
    assert report.status_code == 201
    assert Document.objects.get(pk=report.json()["document"]).subject.startswith(
        "Báo cáo tổng hợp ý kiến")
    assert _api(cab.w.bxd_specialist).post(f"{url}/close/").status_code == 404
