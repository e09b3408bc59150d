"""Tasks across deployments, over the hub.

The Office's side. A task whose lead or coordinating agencies include agencies of another
deployment (``Organisation.is_external``) gets an ``OutboundPackage`` in the transaction that
creates it (a directives ``EXTERNAL_SENDERS`` hook). The package is an edXML document package
from the Office to those agencies: Code ``<task id>/NV``, Subject "Giao nhiệm vụ: …", Content
the task, DueDate the deadline. It carries a readable PDF of the task and ``egov-task.json``,
the task's fields for the receiving system, which say who leads and who coordinates. It is
signed and sent like a document, with the same retries.

The receiving side. Its records clerk registers the package like any other (the PDF becomes
the incoming document's file), and ``do_receive_task`` makes it a task of the agency, as
lead or as coordinator, with the Office's deadline (a second agency of the same deployment
registering the same package joins that task). What it then does to the task (directives
``TASK_HOOKS``, inside those actions' transactions): a progress report (lead or
coordinator), "done", a request for a new deadline (the lead). Each becomes a package back
to the Office from the agency that did it: Code ``<package id>/BCNV``, ResponseFor the
task's package, ``egov-task-report.json`` with the event's fields, and the report's files.

The Office's side again. A received package that answers one of our task packages, comes
from its recipient and carries an event is not a document for the clerk. It is recorded
at once, in the transaction that stores it: a report or "done" on the task
(``do_record_remote_report``), a deadline request to decide (``do_record_remote_deadline_
request``). The Office's decision on such a request goes back the same way, answering the
request's package, and the lead agency's side records it (``do_record_remote_decision``).
What every agency on the task must know (the lead's "done", an approved new deadline)
the Office passes on to the others it sent the task to (kind ``update``, answering the task's
package; ``do_record_remote_update``). Anything else, such as an event from an agency that
is not the package's recipient, is recorded nowhere and waits for the clerk.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from egov import edxml
from egov.core import audit
from egov.core.models import Organisation
from egov.directives import actions as directives
from egov.directives.models import DeadlineRequest, ProgressReport, Task
from egov.documents import rules as doc_rules
from egov.documents.models import Document

from .connector_packages import party
from .models import InboundPackage, OutboundPackage

log = logging.getLogger(__name__)

TASK_FILE = "egov-task.json"
REPORT_FILE = "egov-task-report.json"
JSON = "application/json"
TASK_NOTATION = "NV"      # nhiệm vụ
REPORT_NOTATION = "BCNV"  # báo cáo nhiệm vụ
UPDATE_NOTATION = "TBNV"  # thông báo (về) nhiệm vụ
MACHINE_FILES = frozenset({TASK_FILE, REPORT_FILE})


def _type(kind: doc_rules.DocumentType, name: str) -> edxml.DocumentType:
    return edxml.DocumentType(type=list(doc_rules.DocumentType).index(kind) + 1, type_name=name)


def _enqueue(row: OutboundPackage) -> None:
    from . import connector_tasks

    transaction.on_commit(lambda: connector_tasks.enqueue_send_package(row.pk))


# --- the Office sends a task ---------------------------------------------------------------

def _on_task(task: Task) -> list[Organisation]:
    """The lead agency, then the coordinating agencies by code."""
    return [task.lead_agency, *task.coordinating_agencies.order_by("code")]


def on_external_task(task: Task) -> None:
    """directives' EXTERNAL_SENDERS hook, inside the task's transaction: one package to
    every agency on the task that is of another deployment."""
    office = task.assigning_agency
    day = timezone.localdate()
    row = OutboundPackage.objects.create(
        task=task, agency=office,
        recipients=[a.code for a in _on_task(task) if a.is_external],
        payload={"kind": "task", "date": day.isoformat()},
        edxml_id=edxml.document_id(office.code, day, str(task.pk), TASK_NOTATION),
        next_attempt_at=timezone.now())
    audit.record(acting_user=None, action="exchange.queue_task", obj=row,
                 after={"task": task.pk, "recipients": row.recipients,
                        "edxml_id": row.edxml_id})
    _enqueue(row)


def _task_fields(task: Task, agencies: list[Organisation]) -> dict[str, Any]:
    return {"format": "egov-task/1", "task": task.pk, "content": task.content,
            "source_kind": task.source_kind, "source_reference": task.source_reference,
            "source_date": task.source_date.isoformat(), "product": task.product,
            "product_note": task.product_note, "deadline": task.deadline.isoformat(),
            "assigning_agency": task.assigning_agency.code,
            "lead_agency": task.lead_agency.code,
            "coordinating_agencies": [a.code for a in agencies[1:]],
            "agency_names": {a.code: a.name for a in agencies}}


def task_package(row: OutboundPackage) -> edxml.DocumentPackage:
    from egov.documents.demo import sample_pdf

    task = row.task
    assert task is not None
    day = dt.date.fromisoformat(row.payload["date"])
    agencies = _on_task(task)
    lead, office = task.lead_agency, task.assigning_agency
    helping = ", ".join(a.name for a in agencies[1:])
    readable = sample_pdf(
        f"Giao nhiệm vụ số {task.pk}/{TASK_NOTATION}",
        f"{office.name} giao {lead.name} chủ trì"
        + (f", {helping} phối hợp" if helping else "") + " thực hiện nhiệm vụ:", task.content,
        f"Nguồn giao: {task.get_source_kind_display()} {task.source_reference} ngày "
        f"{task.source_date:%d/%m/%Y}.",
        f"Sản phẩm: {task.get_product_display()} {task.product_note}".strip(),
        f"Thời hạn hoàn thành: {task.deadline:%d/%m/%Y}.")
    fields = json.dumps(_task_fields(task, agencies), ensure_ascii=False).encode()
    to = {a.code: a for a in Organisation.objects.filter(code__in=row.recipients)}
    return edxml.DocumentPackage(
        from_=party(office), to=tuple(party(to[code]) for code in row.recipients),
        code=edxml.Code(number=str(task.pk), notation=TASK_NOTATION),
        promulgation_info=edxml.PromulgationInfo(place="", date=day),
        document_type=_type(doc_rules.DocumentType.OFFICIAL_LETTER, "Phiếu giao nhiệm vụ"),
        subject=f"Giao nhiệm vụ: {task.content}"[:1000], content=task.content,
        due_date=task.deadline, document_id=row.edxml_id,
        attachments=(
            edxml.Attachment(content_id="task", name="giao-nhiem-vu.pdf",
                             content_type="application/pdf", description="Giao nhiệm vụ",
                             data=readable),
            edxml.Attachment(content_id="fields", name=TASK_FILE, content_type=JSON,
                             description="egov-task/1", data=fields)))


def _json_attachment(package: edxml.DocumentPackage, name: str) -> dict[str, Any] | None:
    for attachment in package.attachments:
        if attachment.name == name:
            try:
                value = json.loads(attachment.data)
            except (UnicodeDecodeError, ValueError):
                return None
            return value if isinstance(value, dict) else None
    return None


# --- an agency on the task registers it -----------------------------------------------------

def _agency(code: str, name: str, kind: str) -> Organisation:
    """The agency with this identifier code; one of another deployment this system has not
    heard of is added (the connector's doing, not the clerk's)."""
    found = Organisation.objects.filter(code=code).first()
    if found is not None:
        return found
    from egov.core import actions as core

    return core.do_create_organisation(
        acting_user=None, name=name or code,
        # edXML carries no short name; the code's last group stands in until the national
        # directory is imported (egov import_orgs).
        short_name=code.rsplit(".", 1)[-1], code=code, kind=kind, is_agency=True,
        is_external=True)


def on_registered(inbound: InboundPackage, package: edxml.DocumentPackage,
                  document: Document, acting_user: Any) -> Task | None:
    """Called in the clerk's registration transaction: a package that brings a task makes
    it a task of the recipient agency."""
    fields = _json_attachment(package, TASK_FILE)
    if fields is None or fields.get("format") != "egov-task/1":
        return None
    agency = Organisation.objects.get(pk=inbound.agency_id)
    lead_code = str(fields.get("lead_agency") or agency.code)
    helping = [str(code) for code in fields.get("coordinating_agencies") or []]
    if agency.code != lead_code and agency.code not in helping:
        raise ValidationError({"package": [_(
            "The task in this package names %(code)s neither as its lead nor as a "
            "coordinating agency.") % {"code": agency.code}]})
    sibling = (InboundPackage.objects.filter(hub_id=inbound.hub_id, task__isnull=False)
               .exclude(pk=inbound.pk).select_related("task").first())
    if sibling is not None and sibling.task is not None:  # this deployment has the task
        task = directives.do_join_received_task(sibling.task, acting_user=acting_user,
                                                agency=agency)
        inbound.task = task
        inbound.save(update_fields=["task"])
        return task
    names = fields.get("agency_names")
    names = names if isinstance(names, dict) else {}
    office = _agency(inbound.sender_code, inbound.sender_name,
                     Organisation.Kind.GOVERNMENT_OFFICE)
    lead = (agency if agency.code == lead_code else
            _agency(lead_code, str(names.get(lead_code) or ""), Organisation.Kind.AGENCY))
    try:
        task = directives.do_receive_task(
            acting_user=acting_user, lead_agency=lead, assigning_agency=office,
            coordinating_agencies=[agency] if agency != lead else [],
            content=str(fields.get("content") or package.content or package.subject),
            source_kind=str(fields.get("source_kind") or ""),
            source_reference=str(fields.get("source_reference") or ""),
            source_date=dt.date.fromisoformat(str(fields["source_date"])),
            product=str(fields.get("product") or ""),
            product_note=str(fields.get("product_note") or ""),
            deadline=dt.date.fromisoformat(str(fields["deadline"])), source_document=document)
    except (KeyError, ValueError) as exc:
        raise ValidationError({"package": [_("The task in this package is unreadable: "
                                             "%(error)s") % {"error": exc}]}) from None
    inbound.task = task
    inbound.save(update_fields=["task"])
    return task


# --- what goes back and forth about a task -------------------------------------------------

def _answered(task: Task, event: dict[str, Any]) -> InboundPackage | None:
    """The received package an event answers: the task's own package, as the agency that
    acts received it, for what an agency on the task does (a report: its agency's; done,
    deadline request: the lead's); the lead agency's request for the Office's decision on
    it."""
    if event["kind"] == "deadline_decision":
        return InboundPackage.objects.filter(deadline_request=event["request"]).first()
    report: ProgressReport | None = event.get("report")
    agency_id = report.agency_id if report is not None else task.lead_agency_id
    return (InboundPackage.objects.filter(task=task, agency_id=agency_id,
                                          state=InboundPackage.State.REGISTERED,
                                          deadline_request__isnull=True)
            .exclude(document__isnull=True).order_by("id").first())


def _queue_event(task: Task, agency: Organisation, recipients: list[str],
                 payload: dict[str, Any], by: Any, notation: str) -> None:
    row = OutboundPackage.objects.create(
        task=task, agency=agency, recipients=recipients,
        payload=payload | {"at": timezone.now().isoformat()},
        edxml_id=f"pending-{uuid.uuid4()}", next_attempt_at=timezone.now())
    row.edxml_id = edxml.document_id(agency.code, timezone.localdate(), str(row.pk), notation)
    row.save(update_fields=["edxml_id"])
    audit.record(acting_user=by, action="exchange.queue_task_event", obj=row,
                 after={"task": task.pk, "kind": payload["kind"], "recipients": recipients,
                        "edxml_id": row.edxml_id})
    _enqueue(row)


def on_task_event(task: Task, event: dict[str, Any]) -> None:
    """directives' TASK_HOOKS hook, inside the action's transaction: what happens to a task
    that travelled over the hub owes the other side a package answering it, and what every
    agency on it must know goes to the others."""
    inbound = _answered(task, event)
    report: ProgressReport | None = event.get("report")
    request: DeadlineRequest | None = event.get("request")
    by = (report.by if report is not None else
          (request.decided_by or request.requested_by) if request is not None else
          event.get("by"))
    name = by.get_full_name() if by is not None else ""
    if inbound is not None:
        _queue_event(task, Organisation.objects.get(pk=inbound.agency_id),
                     [inbound.sender_code],
                     {"kind": event["kind"], "answers": inbound.pk,
                      "report": report.pk if report else None,
                      "request": request.pk if request else None, "by": name},
                     by, REPORT_NOTATION)
    if event["kind"] == "done" or (
            request is not None and event["kind"] == "deadline_decision"
            and request.decision == DeadlineRequest.Decision.APPROVED):
        tell_others(task, by=by, by_name=name,
                    skip=inbound.sender_code if inbound is not None else None)


def tell_others(task: Task, *, by: Any, by_name: str, skip: str | None) -> None:
    """The Office's side: the task's deadline or "done" changed, so the agencies of other
    deployments it was sent to, but the one the change came from, are told (kind
    ``update``, answering the task's package)."""
    sent = (OutboundPackage.objects.filter(task=task, agency=task.assigning_agency,
                                           payload__kind="task").order_by("id").first())
    if sent is None:
        return
    recipients = [code for code in sent.recipients if code != skip]
    if recipients:
        _queue_event(task, task.assigning_agency, recipients,
                     {"kind": "update", "task_package": sent.pk, "by": by_name,
                      "deadline": task.deadline.isoformat(),
                      "done_on": task.done_on.isoformat() if task.done_on else None,
                      "note": task.done_note}, by, UPDATE_NOTATION)


def _event_fields(row: OutboundPackage, task: Task
                  ) -> tuple[str, dict[str, Any], list[edxml.Attachment]]:
    """(subject, fields, files) of a task event's package."""
    payload = row.payload
    kind = payload["kind"]
    files: list[edxml.Attachment] = []
    if kind == "progress":
        report = ProgressReport.objects.prefetch_related("files").get(pk=payload["report"])
        for index, stored in enumerate(report.files.all(), start=1):
            with stored.file.open("rb") as handle:
                files.append(edxml.Attachment(content_id=f"file{index}", name=stored.name,
                                              content_type=stored.content_type,
                                              data=handle.read()))
        return (f"Báo cáo tiến độ nhiệm vụ ({report.percent}%): {task.content}",
                {"percent": report.percent, "text": report.text}, files)
    if kind == "done":
        return (f"Báo cáo hoàn thành nhiệm vụ: {task.content}",
                {"done_on": task.done_on.isoformat() if task.done_on else None,
                 "note": task.done_note,
                 "product": task.product_document.symbol if task.product_document else ""},
                files)
    request = DeadlineRequest.objects.get(pk=payload["request"])
    if kind == "deadline_request":
        return (f"Đề nghị gia hạn nhiệm vụ đến ngày {request.new_deadline:%d/%m/%Y}: "
                f"{task.content}", {"new_deadline": request.new_deadline.isoformat(),
                                    "reason": request.reason}, files)
    approved = request.decision == DeadlineRequest.Decision.APPROVED
    return ((f"{'Đồng ý' if approved else 'Không đồng ý'} gia hạn nhiệm vụ: {task.content}"),
            {"approve": approved, "note": request.decision_note,
             "new_deadline": request.new_deadline.isoformat()}, files)


def report_package(row: OutboundPackage) -> edxml.DocumentPackage:
    task = row.task
    assert task is not None
    inbound = InboundPackage.objects.get(pk=row.payload["answers"])
    subject, fields, files = _event_fields(row, task)
    fields = {"format": "egov-task-report/1", "kind": row.payload["kind"],
              "by": row.payload.get("by", ""), "at": row.payload["at"]} | fields
    at = dt.datetime.fromisoformat(row.payload["at"])
    return edxml.DocumentPackage(
        from_=party(row.agency), to=(edxml.Organisation(organ_id=inbound.sender_code,
                                                         organ_name=inbound.sender_name),),
        code=edxml.Code(number=str(row.pk), notation=REPORT_NOTATION),
        promulgation_info=edxml.PromulgationInfo(place="", date=timezone.localdate(at)),
        document_type=_type(doc_rules.DocumentType.REPORT, "Báo cáo"),
        subject=subject[:1000],
        content=str(fields.get("text") or fields.get("note") or fields.get("reason") or ""),
        document_id=row.edxml_id,
        response_for=(edxml.ResponseFor(organ_id=inbound.sender_code, code=inbound.symbol,
                                        promulgation_date=inbound.issue_date,
                                        document_id=inbound.edxml_id),),
        attachments=(edxml.Attachment(content_id="fields", name=REPORT_FILE, content_type=JSON,
                                      description="egov-task-report/1",
                                      data=json.dumps(fields, ensure_ascii=False).encode()),
                     *files))


def update_package(row: OutboundPackage) -> edxml.DocumentPackage:
    """What the Office tells the other agencies on a task when its deadline or "done"
    changes: it answers the task's package, which they all received."""
    task = row.task
    assert task is not None
    sent = OutboundPackage.objects.get(pk=row.payload["task_package"])
    payload = row.payload
    done = payload.get("done_on") is not None
    deadline = dt.date.fromisoformat(payload["deadline"])
    subject = (f"Cơ quan chủ trì đã hoàn thành nhiệm vụ: {task.content}" if done else
               f"Điều chỉnh thời hạn nhiệm vụ đến ngày {deadline:%d/%m/%Y}: {task.content}")
    fields = {"format": "egov-task-report/1", "kind": "update", "by": payload.get("by", ""),
              "at": payload["at"], "deadline": payload["deadline"],
              "done_on": payload.get("done_on"), "note": payload.get("note") or ""}
    at = dt.datetime.fromisoformat(payload["at"])
    to = {a.code: a for a in Organisation.objects.filter(code__in=row.recipients)}
    return edxml.DocumentPackage(
        from_=party(row.agency), to=tuple(party(to[code]) for code in row.recipients),
        code=edxml.Code(number=str(row.pk), notation=UPDATE_NOTATION),
        promulgation_info=edxml.PromulgationInfo(place="", date=timezone.localdate(at)),
        document_type=_type(doc_rules.DocumentType.NOTICE, "Thông báo"),
        subject=subject[:1000], content=str(fields["note"]), document_id=row.edxml_id,
        due_date=deadline,
        response_for=(edxml.ResponseFor(organ_id=row.agency.code,
                                        code=f"{task.pk}/{TASK_NOTATION}",
                                        promulgation_date=dt.date.fromisoformat(
                                            sent.payload["date"]),
                                        document_id=sent.edxml_id),),
        attachments=(edxml.Attachment(content_id="fields", name=REPORT_FILE, content_type=JSON,
                                      description="egov-task-report/1",
                                      data=json.dumps(fields, ensure_ascii=False).encode()),))


def outbound_package(row: OutboundPackage) -> edxml.DocumentPackage:
    """The package of a task row: the task itself, the Office's update about it, or an
    event about it."""
    kind = row.payload.get("kind")
    if kind == "task":
        return task_package(row)
    return update_package(row) if kind == "update" else report_package(row)


# --- recording what comes back -------------------------------------------------------------

def _record(row: InboundPackage, sent: OutboundPackage, agency: Organisation,
            fields: dict[str, Any], package: edxml.DocumentPackage) -> DeadlineRequest | None:
    task = sent.task
    assert task is not None
    kind, asked = fields.get("kind"), sent.payload.get("kind")
    by, at = str(fields.get("by") or ""), dt.datetime.fromisoformat(str(fields["at"]))
    if kind in ("progress", "done") and asked == "task":
        uploads = [SimpleUploadedFile(a.name, a.data, a.content_type)
                   for a in package.attachments if a.name not in MACHINE_FILES]
        directives.do_record_remote_report(
            task, agency=agency, by_name=by, at=at, done=kind == "done",
            text=str(fields.get("text") or ""), percent=fields.get("percent"),
            note="\n".join(str(fields.get(k) or "") for k in ("note", "product")).strip(),
            done_on=(dt.date.fromisoformat(str(fields["done_on"]))
                     if fields.get("done_on") else None),
            uploads=uploads)
        if kind == "done":  # the others on the task learn it from the Office
            tell_others(task, by=None, by_name=by, skip=row.sender_code)
        return None
    if kind == "deadline_request" and asked == "task":
        return directives.do_record_remote_deadline_request(
            task, agency=agency, by_name=by, at=at, reason=str(fields.get("reason") or ""),
            new_deadline=dt.date.fromisoformat(str(fields["new_deadline"])))
    if kind == "deadline_decision" and asked == "deadline_request":
        request = DeadlineRequest.objects.get(pk=sent.payload["request"], task=task)
        directives.do_record_remote_decision(request, agency=agency, by_name=by, at=at,
                                             approve=fields.get("approve") is True,
                                             note=str(fields.get("note") or ""))
        return None
    raise ValidationError({"kind": [f"{kind!r} does not answer a {asked!r} package"]})


def on_received(row: InboundPackage, package: edxml.DocumentPackage) -> bool:
    """Called in the transaction that stores a received package: an event about a task
    that travelled over the hub (a report, "done", a deadline request or the decision on
    one) is recorded now. True when it was; otherwise it waits for the clerk."""
    fields = _json_attachment(package, REPORT_FILE)
    if fields is None or fields.get("format") != "egov-task-report/1":
        return False
    if fields.get("kind") == "update":
        return _received_update(row, package, fields)
    sent = None
    for cited in package.response_for:
        sent = (OutboundPackage.objects.filter(agency__code=cited.organ_id,
                                               edxml_id=cited.document_id, task__isnull=False)
                .select_related("task").first())
        if sent is not None:
            break
    agency = Organisation.objects.filter(code=row.sender_code).first()
    if sent is None or agency is None or row.sender_code not in sent.recipients:
        return False
    try:
        with transaction.atomic():
            request = _record(row, sent, agency, fields, package)
    except (PermissionDenied, ValidationError, ObjectDoesNotExist, KeyError,
            ValueError) as exc:
        log.warning("task event %s not recorded: %s", row.edxml_id, exc)
        return False
    row.state = InboundPackage.State.REGISTERED
    row.task = sent.task
    row.deadline_request = request
    row.handled_at = timezone.now()
    row.save(update_fields=["state", "task", "deadline_request", "handled_at"])
    return True


def _received_update(row: InboundPackage, package: edxml.DocumentPackage,
                     fields: dict[str, Any]) -> bool:
    """The Office's update on a task it sent this agency: recorded on the task that its
    package made here."""
    task_row = None
    for cited in package.response_for:
        task_row = (InboundPackage.objects.filter(
            agency_id=row.agency_id, sender_code=row.sender_code, edxml_id=cited.document_id,
            task__isnull=False).select_related("task").first())
        if task_row is not None:
            break
    office = Organisation.objects.filter(code=row.sender_code).first()
    if task_row is None or task_row.task is None or office is None:
        return False
    try:
        with transaction.atomic():
            directives.do_record_remote_update(
                task_row.task, agency=office, by_name=str(fields.get("by") or ""),
                at=dt.datetime.fromisoformat(str(fields["at"])),
                deadline=dt.date.fromisoformat(str(fields["deadline"])),
                done_on=(dt.date.fromisoformat(str(fields["done_on"]))
                         if fields.get("done_on") else None),
                note=str(fields.get("note") or ""))
    except (PermissionDenied, ValidationError, KeyError, ValueError) as exc:
        log.warning("task update %s not recorded: %s", row.edxml_id, exc)
        return False
    row.state = InboundPackage.State.REGISTERED
    row.task = task_row.task
    row.handled_at = timezone.now()
    row.save(update_fields=["state", "task", "handled_at"])
    return True


def connect() -> None:
    if on_external_task not in directives.EXTERNAL_SENDERS:
        directives.EXTERNAL_SENDERS.append(on_external_task)
    if on_task_event not in directives.TASK_HOOKS:
        directives.TASK_HOOKS.append(on_task_event)
