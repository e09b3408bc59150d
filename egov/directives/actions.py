"""Every change of state of tasks.

Each ``do_*`` checks rights and input first (``ValidationError`` naming the field, or
``PermissionDenied``), then writes in one transaction with its audit entry inside.

Tasks for agencies of another deployment (``Organisation.is_external``) are created here
like the others and handed to ``EXTERNAL_SENDERS`` inside the same transaction: the
exchange connector registers a sender that writes the task's outbound package there (so
a task cannot be assigned without its package), and sends it over the hub on commit. On
the other side the recipient's clerk registers the package and ``do_receive_task`` makes
the task of the recipient agency; its progress reports and "done" go to ``TASK_HOOKS``
(in the transaction again), which the connector turns into packages back to the Office,
where ``do_record_remote_report`` records them (docs/architecture.md, "Tasks across
deployments").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import audit, calendar
from egov.core.models import Organisation, Post, User
from egov.core.rules import LEADERS
from egov.documents import files
from egov.documents.models import Direction, Document, Status

from . import queries, rules
from .models import (
    DeadlineKind,
    DeadlineRequest,
    InternalAssignment,
    Product,
    ProgressReport,
    ReportFile,
    SourceKind,
    Task,
)

# Callables taking a Task with an external lead or coordinating agency, run inside the
# creating transaction.
EXTERNAL_SENDERS: list[Callable[[Task], None]] = []
# Callables taking (task, event), inside the action's transaction, after: a progress report
# ({"kind": "progress", "report": ProgressReport}), "done" ({"kind": "done", "by": User}),
# a request for a new deadline ({"kind": "deadline_request", "request": DeadlineRequest})
# and the decision on one ({"kind": "deadline_decision", "request": DeadlineRequest}).
TASK_HOOKS: list[Callable[[Task, dict[str, Any]], None]] = []

TASK_FIELDS = ["source_kind", "source_document", "source_reference", "source_date",
               "content", "lead_agency", "product", "product_note", "deadline_kind",
               "working_days", "period", "deadline", "original_deadline", "progress",
               "done_on", "done_note", "product_document"]


def _snap(task: Task) -> dict[str, Any]:
    return audit.snapshot(task, TASK_FIELDS)


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _office_agency(user: User) -> Organisation:
    post = queries.office_posts(user).select_related("organisation__agency").first()
    if post is None or post.organisation.agency is None:
        raise PermissionDenied(_("Only the Government Office assigns and follows tasks."))
    return post.organisation.agency


def _my_agencies(user: User) -> set[int]:
    return set(queries.user_agency_ids(user))


def check_task(data: dict[str, Any]) -> list[dt.date]:
    """The occurrences' deadlines of a new task, or a ValidationError naming each field."""
    errors: dict[str, list[str]] = {}
    if not (data.get("content") or "").strip():
        errors["content"] = [_("Write what the task is.")]
    if not data.get("lead_agency"):
        errors["lead_agency"] = [_("A task needs a lead agency (chủ trì).")]
    if data.get("source_kind") not in SourceKind.values:
        errors["source_kind"] = [_("Choose the kind of source from the list.")]
    if data.get("product") not in Product.values:
        errors["product"] = [_("Choose the expected product from the list.")]
    source_date = data.get("source_date")
    if not isinstance(source_date, dt.date):
        errors["source_date"] = [_("Give the date of the source.")]
    kind = data.get("deadline_kind")
    if kind not in DeadlineKind.values:
        errors["deadline_kind"] = [_("Choose how the deadline is set.")]
    if errors:
        raise ValidationError(errors)
    assert isinstance(source_date, dt.date)
    lead = data["lead_agency"]
    if lead in (data.get("coordinating_agencies") or ()):
        errors["coordinating_agencies"] = [_("The lead agency cannot also coordinate.")]
    if kind == DeadlineKind.DATE:
        if not data.get("deadline"):
            errors["deadline"] = [_("Give the deadline.")]
        elif data["deadline"] < source_date:
            errors["deadline"] = [_(
                "The deadline %(deadline)s is before the source's date %(source)s.") % {
                "deadline": data["deadline"].strftime("%d/%m/%Y"),
                "source": source_date.strftime("%d/%m/%Y")}]
    elif kind == DeadlineKind.WORKING_DAYS:
        if not data.get("working_days") or data["working_days"] < 1:
            errors["working_days"] = [_("Give a number of working days of at least 1.")]
    elif kind == DeadlineKind.PERIODIC:
        if not data.get("period"):
            errors["period"] = [_("Choose the period (every month or quarter).")]
        if not data.get("until") or data["until"] < source_date:
            errors["until"] = [_("Give the last day of the periodic task, after the "
                                 "source's date.")]
    _raise(errors)
    found = rules.deadlines(kind=str(kind), source_date=source_date, deadline=data.get("deadline"),
                            working_days=data.get("working_days"),
                            period=data.get("period") or "", until=data.get("until"),
                            add_working_days=calendar.add_working_days)
    if not found:
        raise ValidationError({"until": [_("No period ends before this date.")]})
    return found


def do_create_task(*, acting_user: User, content: str, lead_agency: Organisation | None,
                   source_kind: str, source_date: dt.date | None, product: str,
                   deadline_kind: str, deadline: dt.date | None = None,
                   working_days: int | None = None, period: str = "",
                   until: dt.date | None = None,
                   coordinating_agencies: Sequence[Organisation] = (),
                   source_document: Document | None = None, source_reference: str = "",
                   product_note: str = "") -> list[Task]:
    """The Office assigns a task; a periodic task makes one task per period (its own
    occurrence, each with its deadline). Returns the tasks made (first is the series)."""
    office = _office_agency(acting_user)
    data = {"content": content, "lead_agency": lead_agency, "source_kind": source_kind,
            "source_date": source_date, "product": product, "deadline_kind": deadline_kind,
            "deadline": deadline, "working_days": working_days, "period": period,
            "until": until, "coordinating_agencies": list(coordinating_agencies)}
    ends = check_task(data)
    assert lead_agency is not None and source_date is not None
    if source_document is not None and not source_reference:
        source_reference = source_document.symbol
    made: list[Task] = []
    with transaction.atomic():
        for index, end in enumerate(ends, start=1):
            task = Task.objects.create(
                source_kind=source_kind, source_document=source_document,
                source_reference=source_reference, source_date=source_date,
                content=content.strip(), assigning_agency=office, lead_agency=lead_agency,
                product=product, product_note=product_note, deadline_kind=deadline_kind,
                working_days=working_days, period=period, occurrence=index,
                series=made[0] if made else None, deadline=end, original_deadline=end,
                assigned_by=acting_user)
            task.coordinating_agencies.set(coordinating_agencies)
            made.append(task)
            audit.record(acting_user=acting_user, action="directives.create_task", obj=task,
                         after=_snap(task) | {"coordinating_agencies":
                                              [a.pk for a in coordinating_agencies]})
        if lead_agency.is_external or any(a.is_external for a in coordinating_agencies):
            for task in made:
                for sender in EXTERNAL_SENDERS:
                    sender(task)
    return made


def do_receive_task(*, acting_user: User | None, lead_agency: Organisation,
                    assigning_agency: Organisation, content: str, source_kind: str,
                    source_reference: str, source_date: dt.date, product: str,
                    product_note: str, deadline: dt.date, source_document: Document | None,
                    coordinating_agencies: Sequence[Organisation] = ()) -> Task:
    """A task assigned by the Office of another deployment, as its package said, becomes a
    task here (called by the exchange connector when the records clerk registers the
    package; its deadline is the Office's date, never recomputed). The receiving agency is
    its ``lead_agency`` or one of its ``coordinating_agencies``; the other may be an
    agency of yet another deployment."""
    errors: dict[str, list[str]] = {}
    if not (content or "").strip():
        errors["content"] = [_("The task has no content.")]
    if source_kind not in SourceKind.values:
        source_kind = SourceKind.INCOMING_DOCUMENT
    if product not in Product.values:
        product = Product.OTHER
    if deadline < source_date:
        errors["deadline"] = [_("The deadline %(deadline)s is before the source's date "
                                "%(source)s.") % {"deadline": deadline.strftime("%d/%m/%Y"),
                                                  "source": source_date.strftime("%d/%m/%Y")}]
    _raise(errors)
    with transaction.atomic():
        task = Task.objects.create(
            source_kind=source_kind, source_document=source_document,
            source_reference=source_reference[:200], source_date=source_date,
            content=content.strip(), assigning_agency=assigning_agency,
            lead_agency=lead_agency, product=product, product_note=product_note[:300],
            deadline_kind=DeadlineKind.DATE, deadline=deadline, original_deadline=deadline,
            assigned_by=None)
        task.coordinating_agencies.set(coordinating_agencies)
        audit.record(acting_user=acting_user, action="directives.receive_task", obj=task,
                     after=_snap(task) | {"assigning_agency": assigning_agency.pk,
                                          "coordinating_agencies":
                                          [a.pk for a in coordinating_agencies]})
    return task


def do_join_received_task(task: Task, *, acting_user: User | None,
                          agency: Organisation) -> Task:
    """A second agency of this deployment registers the same task package (the Office sent
    it to several agencies that happen to share this system): it joins the task it already
    made, as a coordinating agency, rather than making a second copy."""
    if agency.pk == task.lead_agency_id or task.coordinating_agencies.filter(
            pk=agency.pk).exists():
        return task
    with transaction.atomic():
        task.coordinating_agencies.add(agency)
        audit.record(acting_user=acting_user, action="directives.join_task", obj=task,
                     after={"coordinating_agency": agency.pk})
    return task


def do_record_remote_update(task: Task, *, agency: Organisation, by_name: str,
                            at: dt.datetime, deadline: dt.date, done_on: dt.date | None,
                            note: str = "") -> Task:
    """What the assigning Office tells the other agencies on a task when it changes: a new
    deadline it approved, or the lead agency's "done". Recorded on this deployment's copy
    (a coordinating agency's); already known changes nothing."""
    if agency.pk != task.assigning_agency_id:
        raise PermissionDenied(_("Only the agency that assigned the task updates it."))
    if done_on is not None and done_on < task.source_date:
        raise ValidationError({"done_on": [_("The date done is before the source's date.")]})
    if task.done_on is not None or (task.deadline == deadline and done_on is None):
        return task
    with transaction.atomic():
        before = _snap(task)
        task.deadline = deadline
        if done_on is not None:
            task.done_on, task.done_note, task.progress = done_on, (note or "").strip(), 100
        task.save(update_fields=["deadline", "done_on", "done_note", "progress"])
        audit.record(acting_user=None, action="directives.remote_update", obj=task,
                     before=before, after=_snap(task) | {"by": by_name, "at": at.isoformat()})
    return task


def do_record_remote_report(task: Task, *, agency: Organisation, by_name: str,
                            at: dt.datetime, done: bool, text: str = "",
                            percent: int | None = None, note: str = "",
                            done_on: dt.date | None = None,
                            uploads: Sequence[Any] = ()) -> ProgressReport | None:
    """A progress report (or "done") the lead agency sent from its own deployment over the
    hub: recorded as that agency's, in its staff's name. Only the task's lead or a
    coordinating agency reports; a report on a done task changes nothing."""
    on_task = {task.lead_agency_id, *task.coordinating_agencies.values_list("id", flat=True)}
    if agency.pk not in on_task:
        raise PermissionDenied(_("This agency is not on the task."))
    errors: dict[str, list[str]] = {}
    if task.done_on is not None:
        errors["task"] = [_("This task is done: no more progress reports.")]
    if not done and (percent is None or not 0 <= percent <= 100):
        errors["percent"] = [_("The percentage must be between 0 and 100.")]
    day = done_on or timezone.localdate(at)
    if done and (agency.pk != task.lead_agency_id or day < task.source_date):
        errors["done_on"] = [_("Only the lead agency marks the task done, on or after the "
                               "source's date.")]
    try:
        checked = files.check_uploads(list(uploads))
    except ValidationError as exc:
        errors.update(exc.message_dict)
        checked = []
    _raise(errors)
    with files.stored_files() as written, transaction.atomic():
        before = _snap(task)
        report = None
        if done:
            task.done_on, task.done_note, task.progress = day, (note or "").strip(), 100
            task.save(update_fields=["done_on", "done_note", "progress"])
        else:
            assert percent is not None
            report = _store_report(task, agency.pk, (text or "").strip(), percent, None,
                                   by_name[:150], at, checked, written)
        audit.record(acting_user=None, action="directives.remote_report", obj=task,
                     before=before, after=_snap(task) | {
                         "agency": agency.pk, "by": by_name, "done": done, "percent": percent,
                         "text": text, "files": [[c.name, c.sha256] for c in checked]})
    return report


def _lead_post(user: User, task: Task) -> Post | None:
    return Post.objects.filter(user=user, is_active=True,
                               organisation__agency_id=task.lead_agency_id).first()


def do_assign_inside(task: Task, *, acting_user: User, unit: Organisation | None = None,
                     user: User | None = None, instruction: str = "") -> InternalAssignment:
    """A leader of the lead or a coordinating agency passes the task on inside it."""
    leader_posts = Post.objects.filter(user=acting_user, is_active=True,
                                       position__in=LEADERS)
    agencies = {pk for pk in leader_posts.values_list("organisation__agency_id", flat=True)
                if pk is not None}
    on_task = {task.lead_agency_id, *task.coordinating_agencies.values_list("id", flat=True)}
    mine = agencies & on_task
    if not mine:
        raise PermissionDenied(_("Only a leader of an agency on the task assigns it inside "
                                 "the agency."))
    agency_id = min(mine)
    errors: dict[str, list[str]] = {}
    if unit is None and user is None:
        errors["unit"] = [_("Choose a unit or a person.")]
    if unit is not None and unit.agency_id != agency_id:
        errors["unit"] = [_("This unit is not part of your agency.")]
    if user is not None and not Post.objects.filter(
            user=user, is_active=True, organisation__agency_id=agency_id).exists():
        errors["user"] = [_("This person does not work in your agency.")]
    _raise(errors)
    with transaction.atomic():
        row = InternalAssignment.objects.create(
            task=task, agency_id=agency_id, unit=unit, user=user, instruction=instruction,
            assigned_by=acting_user, assigned_at=timezone.now())
        audit.record(acting_user=acting_user, action="directives.assign_inside", obj=task,
                     after={"unit": unit.pk if unit else None, "user": user.pk if user else None,
                            "instruction": instruction})
    return row


def _store_report(task: Task, agency_id: int, text: str, percent: int, by: User | None,
                  by_name: str, at: dt.datetime, checked: Sequence[files.CheckedFile],
                  written: Any) -> ProgressReport:
    """The report row and its files; the lead agency's percentage becomes the task's."""
    report = ProgressReport.objects.create(task=task, agency_id=agency_id, text=text,
                                           percent=percent, by=by, by_name=by_name, at=at)
    for item in checked:
        ReportFile.objects.create(report=report, file=written.save(item), name=item.name,
                                  content_type=item.content_type, size=item.size,
                                  sha256=item.sha256)
    if agency_id == task.lead_agency_id:
        Task.objects.filter(pk=task.pk).update(progress=percent)
        task.progress = percent
    return report


def do_report_progress(task: Task, *, acting_user: User, text: str, percent: int | None,
                       uploads: Sequence[Any] = ()) -> ProgressReport:
    """An official of the lead or a coordinating agency reports progress; the lead
    agency's percentage becomes the task's."""
    on_task = {task.lead_agency_id, *task.coordinating_agencies.values_list("id", flat=True)}
    mine = _my_agencies(acting_user) & on_task
    if not mine:
        raise ValidationError({"agency": [_(
            "Your agency is neither the lead nor a coordinating agency of this task, so it "
            "cannot report progress on it.")]})
    errors: dict[str, list[str]] = {}
    if task.done_on is not None:
        errors["task"] = [_("This task is done: no more progress reports.")]
    if not (text or "").strip():
        errors["text"] = [_("Write what was done.")]
    if percent is None or not 0 <= percent <= 100:
        errors["percent"] = [_("The percentage must be between 0 and 100.")]
    try:
        checked = files.check_uploads(list(uploads))
    except ValidationError as exc:
        errors.update(exc.message_dict)
        checked = []
    _raise(errors)
    assert percent is not None
    agency_id = task.lead_agency_id if task.lead_agency_id in mine else min(mine)
    with files.stored_files() as written, transaction.atomic():
        report = _store_report(task, agency_id, text.strip(), percent, acting_user, "",
                               timezone.now(), checked, written)
        audit.record(acting_user=acting_user, action="directives.report_progress", obj=task,
                     after={"agency": agency_id, "percent": percent, "text": report.text,
                            "files": [[c.name, c.sha256] for c in checked]})
        for hook in TASK_HOOKS:
            hook(task, {"kind": "progress", "report": report})
    return report


def do_mark_done(task: Task, *, acting_user: User, note: str = "",
                 product_document: Document | None = None,
                 done_on: dt.date | None = None) -> Task:
    """The lead agency marks the task done with its product (often one of its own
    outgoing documents, issued: link it)."""
    if _lead_post(acting_user, task) is None:
        raise PermissionDenied(_("Only the lead agency marks its task done."))
    errors: dict[str, list[str]] = {}
    if task.done_on is not None:
        errors["task"] = [_("This task is already done.")]
    if product_document is not None and (
            product_document.direction != Direction.OUTGOING
            or product_document.status != Status.ISSUED
            or product_document.agency_id != task.lead_agency_id):
        errors["product_document"] = [_(
            "The product must be an issued outgoing document of the lead agency.")]
    if product_document is None and not (note or "").strip():
        errors["note"] = [_("Link the product document or describe the result.")]
    day = done_on or timezone.localdate()
    if day > timezone.localdate() or day < task.source_date:
        errors["done_on"] = [_("The date done must be between the source's date and today.")]
    _raise(errors)
    with transaction.atomic():
        before = _snap(task)
        task.done_on = day
        task.done_note = (note or "").strip()
        task.product_document = product_document
        task.progress = 100
        task.save(update_fields=["done_on", "done_note", "product_document", "progress"])
        audit.record(acting_user=acting_user, action="directives.mark_done", obj=task,
                     before=before, after=_snap(task))
        for hook in TASK_HOOKS:
            hook(task, {"kind": "done", "by": acting_user})
    return task


def do_request_deadline(task: Task, *, acting_user: User, new_deadline: dt.date | None,
                        reason: str) -> DeadlineRequest:
    if _lead_post(acting_user, task) is None:
        raise PermissionDenied(_("Only the lead agency asks for a new deadline."))
    errors: dict[str, list[str]] = {}
    if task.done_on is not None:
        errors["task"] = [_("This task is done: its deadline cannot change.")]
    elif task.deadline_requests.filter(decision=DeadlineRequest.Decision.PENDING).exists():
        errors["task"] = [_("A request for a new deadline is already waiting for a decision.")]
    if new_deadline is None or new_deadline <= task.deadline:
        errors["new_deadline"] = [_("The new deadline must be after the current one "
                                    "(%(date)s).") % {"date": task.deadline.strftime("%d/%m/%Y")}]
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for the new deadline.")]
    _raise(errors)
    assert new_deadline is not None
    with transaction.atomic():
        request = DeadlineRequest.objects.create(
            task=task, old_deadline=task.deadline, new_deadline=new_deadline,
            reason=reason.strip(), requested_by=acting_user, requested_at=timezone.now())
        audit.record(acting_user=acting_user, action="directives.request_deadline", obj=task,
                     after={"old": task.deadline, "new": new_deadline, "reason": reason})
        for hook in TASK_HOOKS:
            hook(task, {"kind": "deadline_request", "request": request})
    return request


def _decide(request: DeadlineRequest, *, approve: bool, note: str, by: User | None,
            by_name: str, at: dt.datetime) -> dict[str, Any]:
    """Writes the decision on ``request`` and, if approved, the task's new deadline (the
    first one stays in ``original_deadline``); returns the task's snapshot before."""
    task = request.task
    request.decision = (DeadlineRequest.Decision.APPROVED if approve
                        else DeadlineRequest.Decision.REFUSED)
    request.decided_by, request.decided_by_name = by, by_name[:150]
    request.decided_at = at
    request.decision_note = (note or "").strip()
    request.save()
    before = _snap(task)
    if approve:
        task.deadline = request.new_deadline
        task.save(update_fields=["deadline"])
    return before


def can_decide(user: User, task: Task) -> bool:
    return bool(user.pk == task.assigned_by_id or (
        queries.office_posts(user).filter(position__in=LEADERS).exists()))


def do_decide_deadline(request: DeadlineRequest, *, acting_user: User, approve: bool,
                       note: str = "") -> DeadlineRequest:
    """The assigner (or a leader of the Office) approves or refuses; both dates stay."""
    task = request.task
    if not can_decide(acting_user, task):
        raise PermissionDenied(_("Only who assigned the task, or a leader of the Office, "
                                 "decides on its deadline."))
    if request.decision != DeadlineRequest.Decision.PENDING:
        raise ValidationError({"decision": [_("This request was already decided.")]})
    if task.done_on is not None:
        raise ValidationError({"task": [_("This task is done: its deadline cannot change.")]})
    if not approve and not (note or "").strip():
        raise ValidationError({"note": [_("Say why the request is refused.")]})
    with transaction.atomic():
        before = _decide(request, approve=approve, note=note, by=acting_user, by_name="",
                         at=timezone.now())
        audit.record(acting_user=acting_user, action="directives.decide_deadline", obj=task,
                     before=before, after=_snap(task) | {"decision": request.decision,
                                                         "note": request.decision_note})
        for hook in TASK_HOOKS:
            hook(task, {"kind": "deadline_decision", "request": request})
    return request


def do_record_remote_deadline_request(task: Task, *, agency: Organisation, by_name: str,
                                      at: dt.datetime, new_deadline: dt.date,
                                      reason: str) -> DeadlineRequest:
    """The lead agency, from its own deployment, asks for a new deadline over the hub: a
    request the Office decides like any other."""
    if agency.pk != task.lead_agency_id:
        raise PermissionDenied(_("Only the lead agency asks for a new deadline."))
    errors: dict[str, list[str]] = {}
    if task.done_on is not None:
        errors["task"] = [_("This task is done: its deadline cannot change.")]
    elif task.deadline_requests.filter(decision=DeadlineRequest.Decision.PENDING).exists():
        errors["task"] = [_("A request for a new deadline is already waiting for a decision.")]
    if new_deadline <= task.deadline:
        errors["new_deadline"] = [_("The new deadline must be after the current one "
                                    "(%(date)s).") % {"date": task.deadline.strftime("%d/%m/%Y")}]
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for the new deadline.")]
    _raise(errors)
    with transaction.atomic():
        request = DeadlineRequest.objects.create(
            task=task, old_deadline=task.deadline, new_deadline=new_deadline,
            reason=reason.strip(), requested_by=None, requested_by_name=by_name[:150],
            requested_at=at)
        audit.record(acting_user=None, action="directives.remote_deadline_request", obj=task,
                     after={"agency": agency.pk, "by": by_name, "old": task.deadline,
                            "new": new_deadline, "reason": reason})
    return request


def do_record_remote_decision(request: DeadlineRequest, *, agency: Organisation, by_name: str,
                              at: dt.datetime, approve: bool, note: str) -> DeadlineRequest:
    """The Office of another deployment decided on our request: recorded as it decided
    (the task's deadline moves if approved; both dates stay)."""
    task = request.task
    if agency.pk != task.assigning_agency_id:
        raise PermissionDenied(_("Only the agency that assigned the task decides on its "
                                 "deadline."))
    if request.decision != DeadlineRequest.Decision.PENDING:
        raise ValidationError({"decision": [_("This request was already decided.")]})
    with transaction.atomic():
        before = _decide(request, approve=approve, note=note, by=None, by_name=by_name, at=at)
        audit.record(acting_user=None, action="directives.remote_deadline_decision", obj=task,
                     before=before, after=_snap(task) | {"decision": request.decision,
                                                         "by": by_name, "note": note})
    return request
