"""Every change of state of e-Cabinet: terms, meetings, agenda, papers, notes, positions,
outcomes and conclusions, the conclusions notice; ballots and signed answers.

Each ``do_*`` checks rights and input first (``ValidationError`` naming the field, or
``PermissionDenied``), then writes in one transaction with its audit entry inside;
reminders and the automatic close are enqueued on commit with run-after times.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import audit, calendar
from egov.core.models import Organisation, Post, User
from egov.directives import actions as directives
from egov.directives.models import SourceKind
from egov.documents import actions as documents
from egov.documents import files
from egov.documents.models import Document

from . import queries, signatures
from .models import (
    AgendaItem,
    Answer,
    Attendee,
    Ballot,
    BallotMember,
    BallotPaper,
    Choice,
    Conclusion,
    ItemPosition,
    Meeting,
    Membership,
    Note,
    Outcome,
    Paper,
    PaperVersion,
    SpeakRequest,
    Stance,
)

PDF = "application/pdf"
DEADLINE_TIME = dt.time(17, 0)  # a ballot closes at the end of its last working day


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _require_office(user: User) -> None:
    if not queries.is_office(user):
        raise PermissionDenied(_("Only the Government Office does this."))


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def serving_members(day: dt.date) -> list[int]:
    return list(Membership.objects.filter(since__lte=day).filter(
        Q(until__isnull=True) | Q(until__gte=day)).values_list("user_id", flat=True))


# --- terms ---------------------------------------------------------------------------------

def do_start_term(*, acting_user: User | None, user: User, title: str,
                  since: dt.date) -> Membership:
    if acting_user is not None:
        _require_office(acting_user)
    if Membership.objects.filter(user=user, until__isnull=True).exists():
        raise ValidationError({"user": [_("This person is already a serving member.")]})
    with transaction.atomic():
        term = Membership.objects.create(user=user, title=title, since=since)
        audit.record(acting_user=acting_user, action="cabinet.start_term", obj=term,
                     after={"user": user.pk, "title": title, "since": since})
    return term


def do_end_term(term: Membership, *, acting_user: User | None, until: dt.date) -> Membership:
    """A member replaced during a term: meetings after ``until`` are no longer theirs."""
    if acting_user is not None:
        _require_office(acting_user)
    if until < term.since:
        raise ValidationError({"until": [_("The term cannot end before it began.")]})
    with transaction.atomic():
        term.until = until
        term.save(update_fields=["until"])
        audit.record(acting_user=acting_user, action="cabinet.end_term", obj=term,
                     after={"until": until})
    return term


# --- meetings ------------------------------------------------------------------------------

def do_schedule_meeting(*, acting_user: User, kind: str, title: str, starts_at: dt.datetime,
                        chair: User | None, secretary: User | None = None, place: str = "",
                        online_url: str = "", members: Sequence[User] | None = None,
                        guests: Sequence[User] = (), remote: Sequence[User] = ()) -> Meeting:
    """The Office schedules a meeting; members default to those serving on its day."""
    _require_office(acting_user)
    errors: dict[str, list[str]] = {}
    if kind not in Meeting.Kind.values:
        errors["kind"] = [_("Choose the kind of meeting.")]
    if not (title or "").strip():
        errors["title"] = [_("Give the meeting a title.")]
    if chair is None:
        errors["chair"] = [_("Choose who chairs the meeting.")]
    if not place and not online_url:
        errors["place"] = [_("Give a place, an online link, or both.")]
    day = _local_day(starts_at)
    serving = set(serving_members(day))
    member_ids = [m.pk for m in members] if members is not None else sorted(serving)
    not_serving = [m for m in (members or []) if m.pk not in serving]
    if not_serving:
        errors["members"] = [_("%(names)s did not serve as Government members on %(day)s.") % {
            "names": ", ".join(str(m) for m in not_serving), "day": day.strftime("%d/%m/%Y")}]
    if not member_ids:
        errors["members"] = [_("A meeting needs members.")]
    _raise(errors)
    assert chair is not None
    with transaction.atomic():
        meeting = Meeting.objects.create(
            kind=kind, title=title.strip(), starts_at=starts_at, place=place,
            online_url=online_url, chair=chair, secretary=secretary or acting_user,
            created_by=acting_user)
        remote_ids = {u.pk for u in remote}
        Attendee.objects.bulk_create(
            [Attendee(meeting=meeting, user_id=pk, role=Attendee.Role.MEMBER,
                      remote=pk in remote_ids) for pk in member_ids]
            + [Attendee(meeting=meeting, user=g, role=Attendee.Role.GUEST,
                        remote=g.pk in remote_ids) for g in guests if g.pk not in member_ids])
        audit.record(acting_user=acting_user, action="cabinet.schedule_meeting", obj=meeting,
                     after={"kind": kind, "title": meeting.title, "starts_at": starts_at,
                            "place": place, "online_url": online_url, "chair": chair.pk,
                            "members": member_ids, "guests": [g.pk for g in guests]})
    return meeting


def do_add_item(meeting: Meeting, *, acting_user: User, title: str,
                proposing_agency: Organisation | None) -> AgendaItem:
    _require_office(acting_user)
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = [_("Give the item a title.")]
    if proposing_agency is None or not proposing_agency.is_agency:
        errors["proposing_agency"] = [_("Choose the proposing agency.")]
    if meeting.status == Meeting.Status.CLOSED:
        errors["meeting"] = [_("This meeting is closed.")]
    _raise(errors)
    assert proposing_agency is not None
    with transaction.atomic():
        order = 1 + (meeting.items.aggregate(m=Max("order"))["m"] or 0)
        item = AgendaItem.objects.create(meeting=meeting, order=order, title=title.strip(),
                                         proposing_agency=proposing_agency)
        audit.record(acting_user=acting_user, action="cabinet.add_item", obj=item,
                     after={"meeting": meeting.pk, "title": item.title,
                            "proposing_agency": proposing_agency.pk if proposing_agency else None})
    return item


def _check_pdf(upload: Any) -> files.CheckedFile:
    checked = files.check_upload(upload, field="file")
    if checked.content_type != PDF:
        raise ValidationError({"file": [_(
            "“%(name)s” is not a PDF: meeting papers are read in the browser, so only PDF "
            "papers are accepted.") % {"name": checked.name}]})
    return checked


def do_upload_paper(item: AgendaItem, *, acting_user: User, upload: Any,
                    kind: str = "", title: str = "", members_only: bool = False,
                    paper: Paper | None = None) -> Paper:
    """The proposing agency (or the Office) uploads a paper, or a new version of one; the
    Office checks it again before members see it."""
    mine = Post.objects.filter(user=acting_user, is_active=True,
                               organisation__agency_id=item.proposing_agency_id).exists()
    if not (mine or queries.is_office(acting_user)):
        raise PermissionDenied(_("Only the proposing agency or the Office uploads papers."))
    errors: dict[str, list[str]] = {}
    if paper is None:
        if kind not in Paper.Kind.values:
            errors["kind"] = [_("Choose the kind of paper (submission, draft, appraisal "
                                "report, explanation).")]
        if not (title or "").strip():
            errors["title"] = [_("Give the paper a title.")]
    elif paper.item_id != item.pk:
        errors["paper"] = [_("This paper belongs to another item.")]
    if item.meeting.status == Meeting.Status.CLOSED:
        errors["meeting"] = [_("This meeting is closed.")]
    try:
        checked = _check_pdf(upload)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    _raise(errors)
    with files.stored_files() as written, transaction.atomic():
        if paper is None:
            paper = Paper.objects.create(item=item, kind=kind, title=title.strip(),
                                         members_only=members_only)
            version = 1
        else:
            version = 1 + (paper.versions.aggregate(m=Max("version"))["m"] or 0)
            paper.status = Paper.Status.WAITING
            paper.save(update_fields=["status"])
        PaperVersion.objects.create(paper=paper, version=version, file=written.save(checked),
                                    name=checked.name, content_type=checked.content_type,
                                    size=checked.size, sha256=checked.sha256,
                                    uploaded_by=acting_user, uploaded_at=timezone.now())
        audit.record(acting_user=acting_user, action="cabinet.upload_paper", obj=paper,
                     after={"item": item.pk, "kind": paper.kind, "version": version,
                            "file": [checked.name, checked.sha256],
                            "members_only": paper.members_only})
    return paper


def do_check_paper(paper: Paper, *, acting_user: User, publish: bool, note: str = "") -> Paper:
    _require_office(acting_user)
    if not publish and not (note or "").strip():
        raise ValidationError({"note": [_("Say what the proposing agency must change.")]})
    with transaction.atomic():
        paper.status = Paper.Status.PUBLISHED if publish else Paper.Status.RETURNED
        paper.check_note = (note or "").strip()
        paper.save(update_fields=["status", "check_note"])
        audit.record(acting_user=acting_user, action="cabinet.check_paper", obj=paper,
                     after={"status": paper.status, "note": paper.check_note})
    return paper


def _require_member(user: User, meeting: Meeting) -> None:
    if not queries.member_of_meeting(user, meeting):
        raise PermissionDenied(_("Only the meeting's members do this."))


def do_save_note(paper: Paper, *, acting_user: User, text: str) -> Note | None:
    """A private note on a paper the person can read; an empty text deletes it. Notes are
    not in the audit's content: the entry says a note changed, never what it says."""
    meeting = paper.item.meeting
    if not queries.visible_papers(acting_user, meeting).filter(pk=paper.pk).exists():
        raise PermissionDenied(_("You cannot read this paper."))
    with transaction.atomic():
        if not (text or "").strip():
            Note.objects.filter(paper=paper, author=acting_user).delete()
            note = None
        else:
            note, _created = Note.objects.update_or_create(
                paper=paper, author=acting_user,
                defaults={"text": text.strip(), "updated_at": timezone.now()})
        audit.record(acting_user=acting_user, action="cabinet.save_note", obj=paper,
                     after={"note": "deleted" if note is None else "saved"})
    return note


def _before_session(item: AgendaItem) -> None:
    if item.meeting.status != Meeting.Status.SCHEDULED:
        raise ValidationError({"meeting": [_(
            "Positions and requests to speak are recorded before the session opens.")]})
    if item.outcome:
        raise ValidationError({"item": [_("This item is already decided.")]})


def do_request_to_speak(item: AgendaItem, *, acting_user: User,
                        withdraw: bool = False) -> None:
    _require_member(acting_user, item.meeting)
    _before_session(item)
    with transaction.atomic():
        if withdraw:
            SpeakRequest.objects.filter(item=item, member=acting_user).delete()
        else:
            SpeakRequest.objects.get_or_create(item=item, member=acting_user,
                                               defaults={"at": timezone.now()})
        audit.record(acting_user=acting_user, action="cabinet.request_to_speak", obj=item,
                     after={"withdraw": withdraw})


def do_record_position(item: AgendaItem, *, acting_user: User, stance: str,
                       text: str = "") -> ItemPosition:
    _require_member(acting_user, item.meeting)
    _before_session(item)
    errors: dict[str, list[str]] = {}
    if stance not in Stance.values:
        errors["stance"] = [_("Choose agree, agree with comments or disagree.")]
    elif stance != Stance.AGREE and not (text or "").strip():
        errors["text"] = [_("Write your comments or why you disagree.")]
    _raise(errors)
    with transaction.atomic():
        position, _created = ItemPosition.objects.update_or_create(
            item=item, member=acting_user,
            defaults={"stance": stance, "text": (text or "").strip(), "at": timezone.now()})
        audit.record(acting_user=acting_user, action="cabinet.record_position", obj=item,
                     after={"stance": stance, "text": position.text})
    return position


def do_set_status(meeting: Meeting, *, acting_user: User, status: str) -> Meeting:
    """The secretary (or the Office) opens and closes the session."""
    if acting_user.pk not in (meeting.secretary_id, meeting.chair_id):
        _require_office(acting_user)
    order = [str(s) for s in (Meeting.Status.SCHEDULED, Meeting.Status.IN_SESSION,
                              Meeting.Status.CLOSED)]
    if status not in order or order.index(status) != order.index(meeting.status) + 1:
        raise ValidationError({"status": [_("A meeting goes from scheduled to in session "
                                            "to closed.")]})
    with transaction.atomic():
        meeting.status = status
        meeting.save(update_fields=["status"])
        audit.record(acting_user=acting_user, action="cabinet.set_status", obj=meeting,
                     after={"status": status})
    return meeting


def do_pass_no_objection(meeting: Meeting, *, acting_user: User) -> list[AgendaItem]:
    """The chair passes, as one block, every item all members agreed with and none asked
    to discuss."""
    if acting_user.pk != meeting.chair_id:
        raise PermissionDenied(_("Only the chair passes items as a block."))
    if meeting.status == Meeting.Status.CLOSED:
        raise ValidationError({"meeting": [_("This meeting is closed.")]})
    items = list(queries.no_objection_items(meeting))
    if not items:
        raise ValidationError({"items": [_("No item is without objection.")]})
    now = timezone.now()
    with transaction.atomic():
        for item in items:
            item.outcome = Outcome.PASSED_NO_OBJECTION
            item.recorded_by = acting_user
            item.recorded_at = now
            item.save(update_fields=["outcome", "recorded_by", "recorded_at"])
        audit.record(acting_user=acting_user, action="cabinet.pass_no_objection", obj=meeting,
                     after={"items": [i.pk for i in items]})
    return items


def do_record_outcome(item: AgendaItem, *, acting_user: User, outcome: str,
                      conclusions: str = "",
                      assignments: Sequence[dict[str, Any]] = ()) -> AgendaItem:
    """The secretary records an item's outcome and conclusions; each assignment
    (text, lead_agency, deadline) becomes a task when the conclusions notice is issued."""
    meeting = item.meeting
    if acting_user.pk != meeting.secretary_id:
        raise PermissionDenied(_("Only the meeting's secretary records outcomes."))
    errors: dict[str, list[str]] = {}
    if meeting.status == Meeting.Status.CLOSED or meeting.conclusions_notice_id:
        errors["meeting"] = [_("The conclusions of this meeting are closed.")]
    if outcome not in Outcome.values or not outcome:
        errors["outcome"] = [_("Choose the outcome.")]
    day = _local_day(meeting.starts_at)
    for n, row in enumerate(assignments, start=1):
        if not (row.get("text") or "").strip():
            errors.setdefault("assignments", []).append(
                _("Conclusion %(n)d: write what is assigned.") % {"n": n})
        if row.get("lead_agency") is None:
            errors.setdefault("assignments", []).append(
                _("Conclusion %(n)d: a task needs a lead agency.") % {"n": n})
        deadline = row.get("deadline")
        if deadline is None or deadline < day:
            errors.setdefault("assignments", []).append(
                _("Conclusion %(n)d: give a deadline on or after the meeting's day.")
                % {"n": n})
    _raise(errors)
    with transaction.atomic():
        item.outcome = outcome
        item.conclusions = (conclusions or "").strip()
        item.recorded_by = acting_user
        item.recorded_at = timezone.now()
        item.save(update_fields=["outcome", "conclusions", "recorded_by", "recorded_at"])
        item.conclusion_rows.filter(task__isnull=True).delete()
        for row in assignments:
            Conclusion.objects.create(item=item, text=row["text"].strip(),
                                      lead_agency=row["lead_agency"], deadline=row["deadline"])
        audit.record(acting_user=acting_user, action="cabinet.record_outcome", obj=item,
                     after={"outcome": outcome, "conclusions": item.conclusions,
                            "assignments": [[r["text"], r["lead_agency"].pk, r["deadline"]]
                                            for r in assignments]})
    return item


def notice_pdf(meeting: Meeting) -> bytes:
    from egov.documents.demo import sample_pdf

    paragraphs = [f"Ngày {timezone.localtime(meeting.starts_at):%d/%m/%Y}, "
                  f"{meeting.chair.get_full_name()} chủ trì {meeting.title}."]
    for item in meeting.items.prefetch_related("conclusion_rows__lead_agency"):
        paragraphs.append(f"{item.order}. {item.title}: {item.get_outcome_display()}.")
        if item.conclusions:
            paragraphs.append(item.conclusions)
        for row in item.conclusion_rows.all():
            assert row.lead_agency is not None and row.deadline is not None
            paragraphs.append(f"– {row.lead_agency.name} chủ trì: {row.text} "
                              f"(hoàn thành trước ngày {row.deadline:%d/%m/%Y}).")
    return sample_pdf(f"Thông báo kết luận {meeting.title}", *paragraphs)


def do_draft_conclusions_notice(meeting: Meeting, *, acting_user: User) -> Document:
    """The Office drafts the conclusions notice as an outgoing document; from there it goes
    the documents' way (review, approval, signature, number, dispatch)."""
    _require_office(acting_user)
    errors: dict[str, list[str]] = {}
    if meeting.conclusions_notice_id:
        errors["meeting"] = [_("The conclusions notice is already drafted.")]
    if meeting.items.filter(outcome="").exists():
        errors["items"] = [_("Record the outcome of every item first.")]
    _raise(errors)
    recipients = list(Organisation.objects.filter(
        Q(pk__in=meeting.items.values("proposing_agency"))
        | Q(pk__in=Conclusion.objects.filter(item__meeting=meeting).values("lead_agency")))
        .order_by("name"))
    with transaction.atomic():
        document = documents.do_create_draft(
            acting_user=acting_user, doc_type="notice",
            subject=f"Thông báo kết luận {meeting.title}", recipients=recipients,
            uploads=[("thong-bao-ket-luan.pdf", notice_pdf(meeting))])
        meeting.conclusions_notice = document
        meeting.save(update_fields=["conclusions_notice"])
        audit.record(acting_user=acting_user, action="cabinet.draft_conclusions_notice",
                     obj=meeting, after={"document": document.pk})
    return document


def tasks_from_notice(document: Document, issued_by: User) -> list[int]:
    """When a meeting's conclusions notice is issued (documents' issue hook, inside its
    transaction), each conclusion that assigns work becomes a task linked to it, assigned
    in the name of the Office's clerk who issued the notice."""
    meeting = Meeting.objects.filter(conclusions_notice=document).first()
    if meeting is None:
        return []
    made = []
    for row in Conclusion.objects.filter(item__meeting=meeting, task__isnull=True
                                         ).select_related("lead_agency"):
        [task] = directives.do_create_task(
            acting_user=issued_by, content=row.text, lead_agency=row.lead_agency,
            source_kind=SourceKind.CONCLUSIONS_NOTICE, source_document=document,
            source_reference=document.symbol, source_date=_local_day(meeting.starts_at),
            product="other", deadline_kind="date", deadline=row.deadline)
        row.task = task
        row.save(update_fields=["task"])
        made.append(task.pk)
    return made


# --- ballots -------------------------------------------------------------------------------

def do_create_ballot(*, acting_user: User, title: str, question: str, working_days: int | None,
                     members: Sequence[User] | None = None, uploads: Sequence[Any] = (),
                     answers_visible_before_close: bool = False) -> Ballot:
    _require_office(acting_user)
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = [_("Give the ballot a title.")]
    if not (question or "").strip():
        errors["question"] = [_("Write the question put to the members.")]
    if not working_days or not 1 <= working_days <= 60:
        errors["working_days"] = [_("The deadline is between 1 and 60 working days.")]
    serving = set(serving_members(timezone.localdate()))
    member_ids = [m.pk for m in members] if members is not None else sorted(serving)
    outsiders = [m for m in (members or []) if m.pk not in serving]
    if outsiders:
        errors["members"] = [_("%(names)s are not serving Government members.") % {
            "names": ", ".join(str(m) for m in outsiders)}]
    if not member_ids:
        errors["members"] = [_("A ballot needs members.")]
    checked = []
    for upload in uploads:
        try:
            checked.append(_check_pdf(upload))
        except ValidationError as exc:
            errors.setdefault("file", []).extend(exc.message_dict["file"])
    _raise(errors)
    with files.stored_files() as written, transaction.atomic():
        ballot = Ballot.objects.create(
            title=title.strip(), question=question.strip(), working_days=working_days or 0,
            answers_visible_before_close=answers_visible_before_close, created_by=acting_user)
        BallotMember.objects.bulk_create([BallotMember(ballot=ballot, user_id=pk)
                                          for pk in member_ids])
        for item in checked:
            BallotPaper.objects.create(ballot=ballot, file=written.save(item), name=item.name,
                                       content_type=item.content_type, size=item.size,
                                       sha256=item.sha256)
        audit.record(acting_user=acting_user, action="cabinet.create_ballot", obj=ballot,
                     after={"title": ballot.title, "question": ballot.question,
                            "working_days": working_days, "members": member_ids,
                            "papers": [[c.name, c.sha256] for c in checked]})
    return ballot


def reminder_times(opened: dt.datetime, deadline: dt.datetime) -> list[dt.datetime]:
    """08:00 on each configured working day before the deadline's day, in the future."""
    day = _local_day(deadline)
    times = []
    for before in sorted(set(settings.EGOV_BALLOT_REMINDER_DAYS), reverse=True):
        when = timezone.make_aware(dt.datetime.combine(
            calendar.add_working_days(day, -before) if before else day, dt.time(8, 0)))
        if opened < when < deadline:
            times.append(when)
    return times


def do_open_ballot(ballot: Ballot, *, acting_user: User) -> Ballot:
    """Open the ballot: the deadline is the end of its last working day; the reminders and
    the close are enqueued now with their run-after times (nothing polls)."""
    _require_office(acting_user)
    if ballot.status != Ballot.Status.DRAFT:
        raise ValidationError({"status": [_("This ballot is already open or closed.")]})
    now = timezone.now()
    last_day = calendar.add_working_days(now, ballot.working_days)
    deadline = timezone.make_aware(dt.datetime.combine(last_day, DEADLINE_TIME))
    with transaction.atomic():
        ballot.status = Ballot.Status.OPEN
        ballot.opened_at = now
        ballot.deadline = deadline
        ballot.save(update_fields=["status", "opened_at", "deadline"])
        audit.record(acting_user=acting_user, action="cabinet.open_ballot", obj=ballot,
                     after={"deadline": deadline})
        transaction.on_commit(lambda: _enqueue_ballot(ballot.pk, now, deadline))
    return ballot


def _enqueue_ballot(ballot_id: int, opened: dt.datetime, deadline: dt.datetime) -> None:
    from . import tasks

    for when in reminder_times(opened, deadline):
        tasks.remind_ballot_members.using(run_after=when).enqueue(ballot_id)
    tasks.close_ballot.using(run_after=deadline).enqueue(ballot_id)


def do_answer(ballot: Ballot, *, acting_user: User, choice: str, comment: str = "",
              signature: bytes | None = None, sign_with_my_certificate: bool = False,
              change: bool = False) -> Answer:
    """A member answers (or changes their answer, saying so) before the deadline. The
    answer is signed with the member's personal certificate: by the platform with the
    member's key when they ask it to, or by their own signing tool (``signature``, a
    detached CMS over ``signatures.payload``), which is checked here."""
    errors: dict[str, list[str]] = {}
    if not ballot.members.filter(user=acting_user).exists():
        raise ValidationError({"member": [_(
            "You are not a member asked in this ballot: only its members answer, each for "
            "themselves.")]})
    now = timezone.now()
    if ballot.status != Ballot.Status.OPEN or (ballot.deadline and now >= ballot.deadline):
        when = timezone.localtime(ballot.deadline).strftime("%H:%M %d/%m/%Y") \
            if ballot.deadline else "—"
        raise ValidationError({"deadline": [_(
            "This ballot is not open for answers (deadline %(when)s): nothing was "
            "recorded.") % {"when": when}]})
    if choice not in Choice.values:
        errors["choice"] = [_("Choose agree, disagree or other opinion.")]
    elif choice == Choice.OTHER and not (comment or "").strip():
        errors["comment"] = [_("Write your other opinion.")]
    previous = Answer.objects.filter(ballot=ballot, member=acting_user, is_current=True).first()
    if previous is not None and not change:
        errors["choice"] = [_(
            "You already answered (version %(n)d). To change your answer before the "
            "deadline, choose “change my answer”; every version is kept.") % {
            "n": previous.version}]
    if signature is None and not sign_with_my_certificate:
        errors["signature"] = [_("An answer must be signed with your personal certificate.")]
    _raise(errors)
    version = 1 + (previous.version if previous else 0)
    data = signatures.payload(ballot_id=ballot.pk, member=acting_user, version=version,
                              choice=choice, comment=(comment or "").strip())
    if signature is None:
        signature, cert_sha = signatures.sign(acting_user, data)
    else:
        result = signatures.check(acting_user, data, signature)
        if not result.ok:
            raise ValidationError({"signature": [_(
                "The signature does not check: %(problem)s. Nothing was recorded.")
                % {"problem": result.problem}]})
        cert_sha = result.certificate_sha256
    with transaction.atomic():
        locked = Ballot.objects.select_for_update().get(pk=ballot.pk)
        if locked.status != Ballot.Status.OPEN:
            raise ValidationError({"deadline": [_("This ballot has just closed.")]})
        Answer.objects.filter(ballot=ballot, member=acting_user, is_current=True
                              ).update(is_current=False)
        answer = Answer.objects.create(
            ballot=ballot, member=acting_user, version=version, choice=choice,
            comment=(comment or "").strip(), payload=data, signature=signature,
            certificate_sha256=cert_sha, signed_at=now)
        audit.record(acting_user=acting_user, action="cabinet.answer", obj=ballot,
                     after={"version": version, "choice": choice, "certificate": cert_sha})
    return answer


def compute_tally(ballot: Ballot) -> dict[str, Any]:
    """Counts from the current signed answers, every signature checked again (one
    verifier for all of them: the trust roots' and CRLs' validation context is built once
    per tally); an answer whose signature fails is not counted, and the tally names it."""
    members = list(ballot.members.values_list("user_id", flat=True))
    answers = list(Answer.objects.filter(ballot=ballot, is_current=True)
                   .select_related("member"))
    certs = signatures.member_certificates(members)
    verifier = signatures.verifier()
    counts = {c.value: 0 for c in Choice}
    failed = []
    for answer in answers:
        result = signatures.check(answer.member, bytes(answer.payload), bytes(answer.signature),
                                  certificates=certs.get(answer.member_id, set()),
                                  using=verifier)
        signed = json.loads(bytes(answer.payload))
        if not result.ok or (signed.get("choice"), signed.get("member"), signed.get("ballot"),
                             signed.get("version"), signed.get("comment")) != (
                answer.choice, answer.member_id, ballot.pk, answer.version, answer.comment):
            failed.append({"member": answer.member_id, "problem": result.problem or
                           "the stored answer differs from what was signed"})
            continue
        counts[answer.choice] += 1
    answered = {a.member_id for a in answers}
    return {"members": len(members), **counts,
            "not_answered": len([m for m in members if m not in answered]),
            "failed": failed, "verified": len(answers) - len(failed)}


def do_close_ballot(ballot: Ballot, *, acting_user: User | None = None,
                    now: dt.datetime | None = None) -> Ballot:
    """Close at the deadline (the run-after task) — or earlier by the Office — and tally."""
    now = now or timezone.now()
    if acting_user is not None:
        _require_office(acting_user)
    elif ballot.deadline is None or now < ballot.deadline:
        raise ValidationError({"deadline": [_("The deadline has not passed yet.")]})
    with transaction.atomic():
        locked = Ballot.objects.select_for_update().get(pk=ballot.pk)
        if locked.status != Ballot.Status.OPEN:
            raise ValidationError({"status": [_("Only an open ballot closes.")]})
        locked.tally = compute_tally(locked)
        locked.status = Ballot.Status.CLOSED
        locked.closed_at = now
        locked.save(update_fields=["tally", "status", "closed_at"])
        audit.record(acting_user=acting_user, action="cabinet.close_ballot", obj=locked,
                     after={"tally": locked.tally})
    return locked


def verify_ballot(ballot: Ballot) -> tuple[bool, dict[str, Any]]:
    """Anyone entitled re-verifies: each signature checks and the counts match."""
    fresh = compute_tally(ballot)
    return (fresh == ballot.tally and not fresh["failed"], fresh)


def do_draft_summary_report(ballot: Ballot, *, acting_user: User) -> Document:
    """The Office drafts the summary report (báo cáo tổng hợp ý kiến) from the tally."""
    _require_office(acting_user)
    if ballot.status != Ballot.Status.CLOSED:
        raise ValidationError({"status": [_("The summary report follows the close.")]})
    if ballot.summary_report_id:
        raise ValidationError({"ballot": [_("The summary report is already drafted.")]})
    from egov.documents.demo import sample_pdf

    t = ballot.tally
    lines = [ballot.question,
             f"Số thành viên được lấy ý kiến: {t['members']}.",
             f"Đồng ý: {t['agree']}; không đồng ý: {t['disagree']}; ý kiến khác: {t['other']}; "
             f"chưa trả lời: {t['not_answered']}.",
             f"Chữ ký số của {t['verified']} phiếu trả lời đã được kiểm tra hợp lệ."]
    for answer in Answer.objects.filter(ballot=ballot, is_current=True).exclude(comment=""
                                                                                ).select_related("member"):
        lines.append(f"– {answer.member.get_full_name()}: {answer.comment}")
    with transaction.atomic():
        document = documents.do_create_draft(
            acting_user=acting_user, doc_type="report",
            subject=f"Báo cáo tổng hợp ý kiến thành viên Chính phủ: {ballot.title}",
            uploads=[("bao-cao-tong-hop-y-kien.pdf",
                      sample_pdf("Báo cáo tổng hợp ý kiến thành viên Chính phủ", *lines))])
        ballot.summary_report = document
        ballot.save(update_fields=["summary_report"])
        audit.record(acting_user=acting_user, action="cabinet.draft_summary_report",
                     obj=ballot, after={"document": document.pk})
    return document
