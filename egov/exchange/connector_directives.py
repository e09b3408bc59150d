"""Tasks across deployments, over the hub.

The Office's side. A task whose lead agency is of another deployment
(``Organisation.is_external``) gets an ``OutboundPackage`` in the transaction that creates
it (a directives ``EXTERNAL_SENDERS`` hook). The package is an edXML document package from
the Office to the lead agency: Code ``<task id>/NV``, Subject "Giao nhiệm vụ: …", Content the
task, DueDate the deadline. It carries a readable PDF of the task and ``egov-task.json``, the
task's fields for the receiving system. It is signed and sent like a document, with the same
retries.

The lead agency's side. Its records clerk registers the package like any other (the PDF
becomes the incoming document's file), and ``do_receive_task`` makes it a task of the
agency with the Office's deadline. What it then does to the task (directives
``TASK_HOOKS``, inside those actions' transactions): a progress report, "done", a request
for a new deadline. Each becomes a package back to the Office: Code ``<package id>/BCNV``,
ResponseFor the task's package, ``egov-task-report.json`` with the event's fields, and the
report's files.

The Office's side again. A received package that answers one of our task packages, comes
from its recipient and carries an event is not a document for the clerk. It is recorded
at once, in the transaction that stores it: a report or "done" on the task
(``do_record_remote_report``), a deadline request to decide (``do_record_remote_deadline_
request``). The Office's decision on such a request goes back the same way, answering the
request's package, and the lead agency's side records it (``do_record_remote_decision``).
Anything else, such as an event from an agency that is not the package's recipient,
is recorded nowhere and waits for the clerk.
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
MACHINE_FILES = frozenset({TASK_FILE, REPORT_FILE})


def _type(kind: doc_rules.DocumentType, name: str) -> edxml.DocumentType:
    return edxml.DocumentType(type=list(doc_rules.DocumentType).index(kind) + 1, type_name=name)


def _enqueue(row: OutboundPackage) -> None:
    from . import connector_tasks

    transaction.on_commit(lambda: connector_tasks.enqueue_send_package(row.pk))


# --- the Office sends a task ---------------------------------------------------------------

def on_external_task(task: Task) -> None:
    """directives' EXTERNAL_SENDERS hook, inside the task's transaction."""
    office = task.assigning_agency
    day = timezone.localdate()
    row = OutboundPackage.objects.create(
        task=task, agency=office, recipients=[task.lead_agency.code],
        payload={"kind": "task", "date": day.isoformat()},
        edxml_id=edxml.document_id(office.code, day, str(task.pk), TASK_NOTATION),
        next_attempt_at=timezone.now())
    audit.record(acting_user=None, action="exchange.queue_task", obj=row,
                 after={"task": task.pk, "recipients": row.recipients,
                        "edxml_id": row.edxml_id})
    _enqueue(row)


def _task_fields(task: Task) -> dict[str, Any]:
    return {"format": "egov-task/1", "task": task.pk, "content": task.content,
            "source_kind": task.source_kind, "source_reference": task.source_reference,
            "source_date": task.source_date.isoformat(), "product": task.product,
            "product_note": task.product_note, "deadline": task.deadline.isoformat(),
            "assigning_agency": task.assigning_agency.code,
            "lead_agency": task.lead_agency.code}


def task_package(row: OutboundPackage) -> edxml.DocumentPackage:
    from egov.documents.demo import sample_pdf

    task = row.task
    assert task is not None
    day = dt.date.fromisoformat(row.payload["date"])
    lead, office = task.lead_agency, task.assigning_agency
    readable = sample_pdf(
        f"Giao nhiệm vụ số {task.pk}/{TASK_NOTATION}",
        f"{office.name} giao {lead.name} chủ trì thực hiện nhiệm vụ:", task.content,
        f"Nguồn giao: {task.get_source_kind_display()} {task.source_reference} ngày "
        f"{task.source_date:%d/%m/%Y}.",
        f"Sản phẩm: {task.get_product_display()} {task.product_note}".strip(),
        f"Thời hạn hoàn thành: {task.deadline:%d/%m/%Y}.")
    fields = json.dumps(_task_fields(task), ensure_ascii=False).encode()
    return edxml.DocumentPackage(
        from_=party(office), to=(party(lead),),
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


# --- the lead agency registers it ----------------------------------------------------------

def on_registered(inbound: InboundPackage, package: edxml.DocumentPackage,
                  document: Document, acting_user: Any) -> Task | None:
    """Called in the clerk's registration transaction: a package that brings a task makes
    it a task of the recipient agency."""
    fields = _json_attachment(package, TASK_FILE)
    if fields is None or fields.get("format") != "egov-task/1":
        return None
    office = Organisation.objects.filter(code=inbound.sender_code).first()
    if office is None:
        from egov.core import actions as core

        office = core.do_create_organisation(  # the connector's doing, not the clerk's
            acting_user=None, name=inbound.sender_name or inbound.sender_code,
            # edXML carries no short name; the code's last group stands in until the
            # national directory is imported (egov import_orgs).
            short_name=inbound.sender_code.rsplit(".", 1)[-1], code=inbound.sender_code,
            kind=Organisation.Kind.GOVERNMENT_OFFICE, is_agency=True, is_external=True)
    agency = Organisation.objects.get(pk=inbound.agency_id)
    try:
        task = directives.do_receive_task(
            acting_user=acting_user, lead_agency=agency, assigning_agency=office,
            content=str(fields.get("content") or package.content or package.subject),
            source_kind=str(fields.get("source_kind") or ""),
            source_reference=str(fields.get("source_reference") or ""),
            source_date=dt.date.fromisoformat(str(fields["source_date"])),
            product=str(fields.get("product") or ""),
            product_note=str(fields.get("product_note") or ""),
            deadline=dt.date.fromisoformat(str(fields["deadline"])), source_document=document)
    except (KeyError, ValueError) as exc:
        raise ValidationError({"package": [f"The task in this package is unreadable: {exc}"]}
                              ) from None
    inbound.task = task
    inbound.save(update_fields=["task"])
    return task


# --- what goes back and forth about a task -------------------------------------------------

def _answered(task: Task, event: dict[str, Any]) -> InboundPackage | None:
    """The received package an event answers: the task's own package for what the lead
    agency does (report, done, deadline request), the lead agency's request for the
    Office's decision on it."""
    if event["kind"] == "deadline_decision":
        return InboundPackage.objects.filter(deadline_request=event["request"]).first()
    return (InboundPackage.objects.filter(task=task, state=InboundPackage.State.REGISTERED,
                                          deadline_request__isnull=True)
            .exclude(document__isnull=True).order_by("id").first())


def on_task_event(task: Task, event: dict[str, Any]) -> None:
    """directives' TASK_HOOKS hook, inside the action's transaction: what happens to a task
    that travelled over the hub owes the other side a package answering it."""
    inbound = _answered(task, event)
    if inbound is None:
        return
    report: ProgressReport | None = event.get("report")
    request: DeadlineRequest | None = event.get("request")
    by = (report.by if report is not None else
          (request.decided_by or request.requested_by) if request is not None else
          event.get("by"))
    payload = {"kind": event["kind"], "answers": inbound.pk,
               "report": report.pk if report else None,
               "request": request.pk if request else None,
               "by": by.get_full_name() if by is not None else "",
               "at": timezone.now().isoformat()}
    row = OutboundPackage.objects.create(
        task=task, agency=Organisation.objects.get(pk=inbound.agency_id),
        recipients=[inbound.sender_code], payload=payload, edxml_id=f"pending-{uuid.uuid4()}",
        next_attempt_at=timezone.now())
    row.edxml_id = edxml.document_id(row.agency.code, timezone.localdate(), str(row.pk),
                                     REPORT_NOTATION)
    row.save(update_fields=["edxml_id"])
    audit.record(acting_user=by, action="exchange.queue_task_event", obj=row,
                 after={"task": task.pk, "kind": event["kind"], "edxml_id": row.edxml_id})
    _enqueue(row)


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


def outbound_package(row: OutboundPackage) -> edxml.DocumentPackage:
    """The package of a task row: the task itself, or an event about it."""
    return task_package(row) if row.payload.get("kind") == "task" else report_package(row)


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


def connect() -> None:
    if on_external_task not in directives.EXTERNAL_SENDERS:
        directives.EXTERNAL_SENDERS.append(on_external_task)
    if on_task_event not in directives.TASK_HOOKS:
        directives.TASK_HOOKS.append(on_task_event)
