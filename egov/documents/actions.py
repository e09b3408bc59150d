"""Every change of state of documents and work files.

Each ``do_*`` checks rights and input first (``ValidationError`` naming the field, or
``PermissionDenied``), then writes in one transaction with its audit entry and status
history inside; notifications (``events``) go out on commit. Views, the API, the exchange
connector and tests all call these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import audit, calendar
from egov.core.actions import next_number
from egov.core.models import Organisation, Post, User
from egov.core.queries import subtree

from . import events, files, queries, rules, search
from .models import (
    Assignment,
    Direction,
    Document,
    DocumentFile,
    Grant,
    Opinion,
    Recipient,
    Register,
    Role,
    Source,
    Status,
    StatusChange,
    WorkFile,
    WorkFileItem,
)

DOC_FIELDS = ["direction", "agency_id", "unit_id", "register_id", "year", "number", "symbol",
              "doc_type", "subject", "issuer_id", "issuer_name", "issue_date", "received_at",
              "signer_name", "signer_title", "urgency", "confidentiality", "pages",
              "reply_by", "deadline", "done_at", "status", "source", "external_id",
              "normative"]


def _snap(document: Document) -> dict[str, Any]:
    return audit.snapshot(document, [f.removesuffix("_id") for f in DOC_FIELDS])


def _set_status(document: Document, status: str, *, by: User | None, note: str = "") -> None:
    document.status = status
    StatusChange.objects.create(document=document, status=status, at=timezone.now(), by=by,
                                note=note)


def agency_of(org: Organisation) -> int:
    """The id of the agency an organisation belongs to (itself for an agency)."""
    return org.agency_id if org.agency_id is not None else org.pk


def _errors(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _posts(user: User, positions: Iterable[str]) -> list[Post]:
    return list(Post.objects.filter(user=user, is_active=True, user__is_active=True,
                                    position__in=list(positions))
                .select_related("organisation"))


def refresh_search_text(document: Document) -> None:
    """Fold the searchable text of a document (metadata and file text) into one column."""
    texts = list(document.files.values_list("text", flat=True)) if document.pk else []
    parts = [document.symbol, document.subject, document.issuer_name, document.signer_name,
             *texts]
    document.search_text = search.index_text(*parts)


def _store(document: Document, checked: Sequence[files.CheckedFile], *, kind: str,
           version: int, by: User | None, written: Any) -> list[DocumentFile]:
    rows = []
    for item in checked:
        stored = written.save(item)
        rows.append(DocumentFile.objects.create(
            document=document, kind=kind, version=version, file=stored, name=item.name,
            content_type=item.content_type, size=item.size, sha256=item.sha256,
            uploaded_by=by))
    return rows


def add_generated_file(document: Document, *, name: str, content: bytes, kind: str,
                       by: User | None, text: str | None = None) -> DocumentFile:
    """Store a file the platform made (a signed PDF, a detached signature) as the next
    version of the document's main file, or as an attachment. Call inside the action's
    transaction; the bytes are checked like an upload (type by name and content)."""
    checked = files.check_upload((name, content))
    version = 1
    if kind == DocumentFile.Kind.MAIN:
        version = 1 + max(document.files.filter(kind=kind).values_list("version", flat=True),
                          default=0)
    with files.stored_files() as written:
        row = _store(document, [checked], kind=kind, version=version, by=by,
                     written=written)[0]
    if text is not None:
        row.text = text
        row.save(update_fields=["text"])
    return row


def current_files(document: Document) -> list[DocumentFile]:
    """The files that make the document now: the latest version of the main file (all
    files of that version) and every attachment."""
    rows = list(document.files.all())
    latest = max((f.version for f in rows if f.kind == DocumentFile.Kind.MAIN), default=0)
    return [f for f in rows if f.kind != DocumentFile.Kind.MAIN or f.version == latest]


def _after_files(rows: list[DocumentFile]) -> None:
    if rows:
        from .tasks import extract_file_text

        ids = [r.pk for r in rows]
        transaction.on_commit(lambda: [extract_file_text.enqueue(i) for i in ids])


# --- registers -----------------------------------------------------------------------

def incoming_register(agency: Organisation) -> Register:
    """The agency's incoming register (one run of numbers per year for paper and
    electronic documents alike), created on first use."""
    series = f"documents.incoming:{agency.code}"
    register, _created = Register.objects.get_or_create(
        series=series, defaults={"agency": agency, "direction": Direction.INCOMING,
                                 "name": "Sổ đăng ký văn bản đến"})
    return register


def outgoing_register(agency: Organisation, document: Document) -> Register:
    """The outgoing register whose series numbers this document (NĐ 30/2020 Art. 15)."""
    tail = rules.numbering_series(document.doc_type, normative=document.normative,
                                  secret=document.is_confidential)
    series = f"documents.outgoing:{agency.code}:{tail}"
    names = {"administrative": "Sổ đăng ký văn bản đi",
             "copies": "Sổ đăng ký bản sao văn bản"}
    name = names.get(tail.removeprefix("secret:"), f"Sổ đăng ký văn bản đi ({tail})")
    if tail.startswith("secret:"):
        name += " — văn bản mật"
    register, _created = Register.objects.get_or_create(
        series=series, defaults={"agency": agency, "direction": Direction.OUTGOING,
                                 "name": name})
    return register


# --- incoming ------------------------------------------------------------------------

def find_duplicates(*, agency: Organisation, issuer_name: str, symbol: str,
                    issue_date: dt.date | None, exclude: int | None = None) -> list[Document]:
    """Registered incoming documents with the same issuer, number and symbol, and date."""
    if not symbol or issue_date is None:
        return []
    qs = Document.objects.filter(
        agency=agency, direction=Direction.INCOMING, symbol__iexact=symbol.strip(),
        issue_date=issue_date, issuer_name__iexact=(issuer_name or "").strip())
    if exclude:
        qs = qs.exclude(pk=exclude)
    return list(qs[:5])


def clerk_agency(user: User) -> Organisation:
    """The agency whose registers a records clerk keeps."""
    posts = _posts(user, ["clerk"])
    if not posts:
        raise PermissionDenied(_("Only a records clerk can do this."))
    org = posts[0].organisation
    return org if org.is_agency else Organisation.objects.get(pk=agency_of(org))


def do_register_incoming(
    *, acting_user: User | None, agency: Organisation | None = None, doc_type: str,
    subject: str, symbol: str = "", issuer_name: str = "", issuer: Organisation | None = None,
    issue_date: dt.date | None = None, received_at: dt.datetime | None = None,
    signer_name: str = "", signer_title: str = "", urgency: str = "",
    confidentiality: str = "", pages: int | None = None, reply_by: dt.date | None = None,
    source: str = Source.PAPER, uploads: Sequence[Any] = (), allow_duplicate: bool = False,
    external_id: str = "", origin: Document | None = None, unit: Organisation | None = None,
) -> Document:
    """Register an incoming document with the next incoming number of its agency.

    A clerk registers for their own agency; the system (``acting_user=None``: internal
    delivery, the exchange connector) names the agency.
    """
    if acting_user is not None:
        agency = clerk_agency(acting_user)
        if unit is None:
            unit = _posts(acting_user, ["clerk"])[0].organisation
    if agency is None:
        raise ValidationError({"agency": [_("The receiving agency is required.")]})
    unit = unit or agency
    now = timezone.now()
    received_at = received_at or now
    errors: dict[str, list[str]] = {}
    subject = (subject or "").strip()
    if not subject:
        errors["subject"] = [_("The subject (trích yếu) is required.")]
    if doc_type not in rules.DocumentType.values:
        errors["doc_type"] = [_("Choose a document type from the list.")]
    issuer_name = (issuer_name or (issuer.name if issuer else "")).strip()
    if not issuer_name:
        errors["issuer_name"] = [_("The issuing agency is required.")]
    symbol = (symbol or "").strip()
    if issue_date is None:
        errors["issue_date"] = [_("The issue date is required.")]
    elif issue_date > timezone.localdate(received_at):
        errors["issue_date"] = [_("The issue date cannot be after the date received.")]
    if received_at > now + dt.timedelta(minutes=5):
        errors["received_at"] = [_("The time received cannot be in the future.")]
    if urgency and urgency not in rules.Urgency.values:
        errors["urgency"] = [_("Choose an urgency from the list.")]
    if confidentiality and confidentiality not in rules.Confidentiality.values:
        errors["confidentiality"] = [_("Choose a confidentiality level from the list.")]
    if pages is not None and pages < 1:
        errors["pages"] = [_("The number of pages must be at least 1.")]
    if reply_by is not None and issue_date is not None and reply_by < issue_date:
        errors["reply_by"] = [_("The reply date cannot be before the issue date.")]
    try:
        checked = files.check_uploads(list(uploads))
    except ValidationError as exc:
        errors.update(exc.message_dict)
        checked = []
    if not errors and not allow_duplicate:
        dupes = find_duplicates(agency=agency, issuer_name=issuer_name, symbol=symbol,
                                issue_date=issue_date)
        if dupes:
            raise ValidationError({"symbol": ValidationError(_(
                "A document from %(issuer)s numbered %(symbol)s of %(date)s is already "
                "registered (incoming number %(number)s). Confirm to register it again."
            ) % {"issuer": issuer_name, "symbol": symbol, "date": issue_date,
                 "number": dupes[0].number}, code="duplicate")})
    _errors(errors)
    with files.stored_files() as written, transaction.atomic():
        register = incoming_register(agency)
        year = timezone.localdate(received_at).year
        document = Document(
            direction=Direction.INCOMING, agency=agency, unit=unit, register=register,
            year=year, number=next_number(register.series, year), symbol=symbol,
            doc_type=doc_type, subject=subject, issuer=issuer, issuer_name=issuer_name,
            issue_date=issue_date, received_at=received_at, signer_name=signer_name,
            signer_title=signer_title, urgency=urgency, confidentiality=confidentiality,
            pages=pages, reply_by=reply_by, source=source, external_id=external_id,
            origin=origin, created_by=acting_user, status=Status.REGISTERED)
        refresh_search_text(document)
        document.save()
        _set_status(document, Status.REGISTERED, by=acting_user)
        rows = _store(document, checked, kind=DocumentFile.Kind.MAIN, version=1,
                      by=acting_user, written=written)
        if document.is_confidential and acting_user is not None:
            Grant.objects.create(document=document, user=acting_user, granted_by=acting_user,
                                 granted_at=now)
        audit.record(acting_user=acting_user, action="documents.register_incoming",
                     obj=document, after=_snap(document) | {
                         "files": [[r.name, r.sha256] for r in rows]})
        _after_files(rows)
        transaction.on_commit(lambda: events.registered.send(Document, document=document))
    return document


def do_submit_for_assignment(document: Document, *, acting_user: User, note: str = "") -> Document:
    """The clerk passes a registered document to the leaders for assignment."""
    if document.direction != Direction.INCOMING or document.status != Status.REGISTERED:
        raise ValidationError({"status": [_("Only a newly registered document can be passed "
                                            "for assignment.")]})
    if clerk_agency(acting_user).pk != document.agency_id:
        raise PermissionDenied(_("This document belongs to another agency's register."))
    with transaction.atomic():
        before = _snap(document)
        _set_status(document, Status.WAITING_ASSIGNMENT, by=acting_user, note=note)
        document.save(update_fields=["status", "updated_at"])
        audit.record(acting_user=acting_user, action="documents.submit_for_assignment",
                     obj=document, before=before, after=_snap(document))
    return document


Assignee = Organisation | User


def _check_assignee(target: Assignee, agency: Organisation, field: str,
                    errors: dict[str, list[str]]) -> None:
    if isinstance(target, Organisation):
        if not target.path.startswith(agency.path):
            errors.setdefault(field, []).append(
                _("%(unit)s is not a unit of %(agency)s.") % {"unit": target, "agency": agency})
    elif not Post.objects.filter(user=target, is_active=True, user__is_active=True,
                                 organisation__path__startswith=agency.path).exists():
        errors.setdefault(field, []).append(
            _("%(person)s does not work in %(agency)s.") % {"person": target, "agency": agency})


def can_assign(user: User, document: Document) -> bool:
    """Agency leaders (and deputies) assign the documents of the agency they lead."""
    return Post.objects.filter(
        user=user, is_active=True, user__is_active=True,
        position__in=["agency_leader", "deputy_leader"],
        organisation__agency_id=document.agency_id).exists()


def do_assign(
    document: Document, *, acting_user: User, lead: Assignee | None,
    coordinators: Sequence[Assignee] = (), informed: Sequence[Assignee] = (),
    deadline_days: int | None = None, deadline: dt.date | None = None, instruction: str = "",
) -> Document:
    """A leader assigns: one lead (chủ trì), coordinators (phối hợp), recipients for
    information (để biết), a deadline in working days (or a date), an instruction."""
    if not can_assign(acting_user, document):
        raise PermissionDenied(_("Only a leader of this agency can assign this document."))
    errors: dict[str, list[str]] = {}
    if document.direction != Direction.INCOMING or document.status not in (
            Status.REGISTERED, Status.WAITING_ASSIGNMENT):
        errors["status"] = [_("This document has already been assigned.")]
    if lead is None:
        errors["lead"] = [_("Choose the unit or person who leads (chủ trì).")]
    now = timezone.now()
    if deadline_days is not None and deadline is not None:
        errors["deadline"] = [_("Give the deadline either in working days or as a date.")]
    elif deadline_days is not None:
        if deadline_days < 1 or deadline_days > 365:
            errors["deadline_days"] = [_("The deadline must be 1 to 365 working days.")]
        else:
            deadline = calendar.add_working_days(now, deadline_days)
    elif deadline is not None and deadline < timezone.localdate(now):
        errors["deadline"] = [_("The deadline cannot be in the past.")]
    agency = Organisation.objects.get(pk=document.agency_id)
    everyone = [(lead, "lead")] if lead is not None else []
    everyone += [(c, "coordinators") for c in coordinators]
    everyone += [(i, "informed") for i in informed]
    seen: set[tuple[str, int]] = set()
    for target, field in everyone:
        _check_assignee(target, agency, field, errors)
        key = (type(target).__name__, target.pk)
        if key in seen:
            errors.setdefault(field, []).append(
                _("%(who)s appears twice in this assignment.") % {"who": target})
        seen.add(key)
        if document.is_confidential and isinstance(target, Organisation):
            errors.setdefault(field, []).append(
                _("A secret document is assigned to named people, not to units."))
    _errors(errors)
    assert lead is not None
    with transaction.atomic():
        before = _snap(document)
        created = []
        for target, field in everyone:
            role = {"lead": Role.LEAD, "coordinators": Role.COORDINATE,
                    "informed": Role.INFORM}[field]
            created.append(Assignment.objects.create(
                document=document, role=role,
                unit=target if isinstance(target, Organisation) else None,
                user=target if isinstance(target, User) else None,
                deadline=deadline if role != Role.INFORM else None,
                instruction=instruction, assigned_by=acting_user, assigned_at=now))
            if document.is_confidential and isinstance(target, User):
                Grant.objects.get_or_create(document=document, user=target, defaults={
                    "granted_by": acting_user, "granted_at": now})
        document.deadline = deadline
        _set_status(document, Status.IN_PROGRESS, by=acting_user, note=instruction)
        document.save(update_fields=["deadline", "status", "updated_at"])
        audit.record(acting_user=acting_user, action="documents.assign", obj=document,
                     before=before, after=_snap(document) | {"assignments": [
                         [a.role, a.unit_id, a.user_id] for a in created],
                         "instruction": instruction})
        events.assigned.send(Document, document=document)  # in the transaction
    return document


def _unit_head_of(user: User, unit_id: int | None) -> bool:
    if unit_id is None:
        return False
    return Post.objects.filter(user=user, is_active=True, user__is_active=True,
                               organisation_id=unit_id,
                               position__in=["unit_head", "agency_leader", "deputy_leader"]
                               ).exists()


def do_pass_on(
    assignment: Assignment, *, acting_user: User, to_user: User, instruction: str = "",
    deadline: dt.date | None = None,
) -> Assignment:
    """A unit head passes the unit's part on to a person of the unit."""
    if not _unit_head_of(acting_user, assignment.unit_id):
        raise PermissionDenied(_("Only the head of the assigned unit can pass it on."))
    errors: dict[str, list[str]] = {}
    if assignment.done_at is not None:
        errors["assignment"] = [_("This part is already done.")]
    if not Post.objects.filter(user=to_user, is_active=True, user__is_active=True,
                               organisation=assignment.unit).exists():
        errors["to_user"] = [_("%(person)s is not in this unit.") % {"person": to_user}]
    if deadline is not None and assignment.deadline and deadline > assignment.deadline:
        errors["deadline"] = [_("The deadline cannot be later than the unit's deadline.")]
    _errors(errors)
    document = assignment.document
    with transaction.atomic():
        child = Assignment.objects.create(
            document=document, parent=assignment, role=assignment.role, user=to_user,
            deadline=deadline or assignment.deadline, instruction=instruction,
            assigned_by=acting_user, assigned_at=timezone.now())
        if document.is_confidential:
            Grant.objects.get_or_create(document=document, user=to_user, defaults={
                "granted_by": acting_user, "granted_at": timezone.now()})
        audit.record(acting_user=acting_user, action="documents.pass_on", obj=document,
                     after={"assignment": child.pk, "parent": assignment.pk,
                            "user": to_user.pk, "instruction": instruction})
    return child


def _my_open_assignments(user: User, document: Document) -> list[Assignment]:
    units = Post.objects.filter(user=user, is_active=True).values("organisation_id")
    return list(Assignment.objects.filter(document=document, done_at__isnull=True)
                .filter(Q(user=user) | Q(unit_id__in=units)).order_by("role", "id"))


def do_add_opinion(document: Document, *, acting_user: User, text: str) -> Opinion:
    """Assignees, coordinators and leaders add opinions to a document they can see."""
    if not queries.visible_documents(acting_user).filter(pk=document.pk).exists():
        raise PermissionDenied(_("You cannot see this document."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write the opinion.")]})
    with transaction.atomic():
        opinion = Opinion.objects.create(document=document, author=acting_user, text=text,
                                         created_at=timezone.now())
        audit.record(acting_user=acting_user, action="documents.add_opinion", obj=document,
                     after={"opinion": opinion.pk, "text": text})
    return opinion


def do_attach(document: Document, *, acting_user: User,
              uploads: Sequence[Any]) -> list[DocumentFile]:
    """An assignee (or the drafter of a draft) attaches work to a document."""
    if not queries.visible_documents(acting_user).filter(pk=document.pk).exists():
        raise PermissionDenied(_("You cannot see this document."))
    if document.direction == Direction.OUTGOING:
        # What was reviewed and approved is what gets numbered and issued.
        if document.created_by_id != acting_user.pk:
            raise PermissionDenied(_("Only the drafter adds files to a draft."))
        if document.status not in (Status.DRAFT, Status.RETURNED):
            raise ValidationError({"files": [_(
                "A draft under review, approved or issued cannot change: it must be "
                "returned for changes first.")]})
    if document.status in (Status.ISSUED,) or (
            document.direction == Direction.INCOMING and document.status == Status.DONE):
        raise ValidationError({"files": [_("This document is closed: nothing can be added.")]})
    checked = files.check_uploads(list(uploads))
    if not checked:
        raise ValidationError({"files": [_("Choose at least one file.")]})
    with files.stored_files() as written, transaction.atomic():
        rows = _store(document, checked, kind=DocumentFile.Kind.ATTACHMENT, version=1,
                      by=acting_user, written=written)
        audit.record(acting_user=acting_user, action="documents.attach", obj=document,
                     after={"files": [[r.name, r.sha256] for r in rows]})
        _after_files(rows)
    return rows


def do_complete(
    assignment: Assignment, *, acting_user: User, result: str = "",
    result_document: Document | None = None,
) -> Assignment:
    """An assignee marks their part done; the lead's part done closes the document."""
    mine = assignment.user_id == acting_user.pk or (
        assignment.unit_id is not None and Post.objects.filter(
            user=acting_user, is_active=True, user__is_active=True,
            organisation_id=assignment.unit_id).exists())
    if not mine:
        raise PermissionDenied(_("This part is assigned to someone else."))
    if assignment.done_at is not None:
        raise ValidationError({"assignment": [_("This part is already done.")]})
    if assignment.role == Role.LEAD and not (result or "").strip() and result_document is None:
        raise ValidationError({"result": [_("Say what was done, or link the reply.")]})
    document = assignment.document
    now = timezone.now()
    with transaction.atomic():
        before = _snap(document)
        chain = [assignment]
        parent = assignment.parent
        while parent is not None and parent.done_at is None:
            chain.append(parent)
            parent = parent.parent
        for item in chain:
            item.done_at = now
            item.result = result
            item.save(update_fields=["done_at", "result"])
        closes = assignment.role == Role.LEAD and chain[-1].parent_id is None
        if result_document is not None:
            document.answered_by.add(result_document)
        if closes and document.status != Status.DONE:
            document.done_at = now
            _set_status(document, Status.DONE, by=acting_user, note=result)
            document.save(update_fields=["done_at", "status", "updated_at"])
        audit.record(acting_user=acting_user, action="documents.complete", obj=document,
                     before=before, after=_snap(document) | {
                         "assignment": assignment.pk, "result": result,
                         "result_document": result_document.pk if result_document else None})
        if closes:
            events.done.send(Document, document=document)  # in the transaction
    return assignment


# --- outgoing ------------------------------------------------------------------------

def _drafting_unit(user: User) -> Organisation:
    posts = _posts(user, ["specialist", "unit_head", "agency_leader", "deputy_leader"])
    if not posts:
        raise PermissionDenied(_("Only officials of a unit can draft documents."))
    return posts[0].organisation


def _check_draft(data: dict[str, Any], errors: dict[str, list[str]]) -> None:
    if not (data.get("subject") or "").strip():
        errors["subject"] = [_("The subject (trích yếu) is required.")]
    if data.get("doc_type") not in rules.DocumentType.values:
        errors["doc_type"] = [_("Choose a document type from the list.")]
    elif data.get("doc_type") in {t.value for t in rules.UNNUMBERED_TYPES}:
        errors["doc_type"] = [_("This type is not numbered in a register.")]
    if data.get("urgency") and data["urgency"] not in rules.Urgency.values:
        errors["urgency"] = [_("Choose an urgency from the list.")]
    if data.get("confidentiality") and data["confidentiality"] not in rules.Confidentiality.values:
        errors["confidentiality"] = [_("Choose a confidentiality level from the list.")]


DRAFT_FIELDS = ("doc_type", "subject", "signer_name", "signer_title", "urgency",
                "confidentiality", "normative")


def do_create_draft(
    *, acting_user: User, doc_type: str, subject: str, recipients: Sequence[Organisation] = (),
    answers: Sequence[Document] = (), uploads: Sequence[Any] = (), signer_name: str = "",
    signer_title: str = "", urgency: str = "", confidentiality: str = "",
    normative: bool = False,
) -> Document:
    """A specialist drafts an outgoing document (dự thảo): metadata, recipients, files."""
    unit = _drafting_unit(acting_user)
    data = {"doc_type": doc_type, "subject": subject, "urgency": urgency,
            "confidentiality": confidentiality}
    errors: dict[str, list[str]] = {}
    _check_draft(data, errors)
    visible = queries.visible_documents(acting_user)
    for doc in answers:
        if doc.direction != Direction.INCOMING or not visible.filter(pk=doc.pk).exists():
            errors.setdefault("answers", []).append(
                _("%(doc)s is not an incoming document you can see.") % {"doc": doc})
    try:
        checked = files.check_uploads(list(uploads))
    except ValidationError as exc:
        errors.update(exc.message_dict)
        checked = []
    _errors(errors)
    with files.stored_files() as written, transaction.atomic():
        document = Document(
            direction=Direction.OUTGOING, agency_id=agency_of(unit), unit=unit,
            doc_type=doc_type, subject=subject.strip(), signer_name=signer_name,
            signer_title=signer_title, urgency=urgency, confidentiality=confidentiality,
            normative=normative, created_by=acting_user, status=Status.DRAFT)
        refresh_search_text(document)
        document.save()
        _set_status(document, Status.DRAFT, by=acting_user)
        _set_recipients(document, recipients)
        if answers:
            document.answers.set(answers)
        rows = _store(document, checked, kind=DocumentFile.Kind.MAIN, version=1,
                      by=acting_user, written=written)
        if document.is_confidential:
            Grant.objects.create(document=document, user=acting_user, granted_by=acting_user,
                                 granted_at=timezone.now())
        audit.record(acting_user=acting_user, action="documents.create_draft", obj=document,
                     after=_snap(document) | {"files": [[r.name, r.sha256] for r in rows],
                                              "recipients": [r.pk for r in recipients]})
        _after_files(rows)
    return document


# Callables (document, recipient organisation) -> bool: True sends the document to that
# recipient through the exchange hub even though this system serves it (the exchange
# connector registers one; its setting "route between agencies" turns it on).
hub_routes: list[Any] = []


def _set_recipients(document: Document, recipients: Sequence[Organisation]) -> None:
    document.recipients.all().delete()
    for org in dict.fromkeys(recipients):
        internal = not org.is_external and not any(route(document, org) for route in hub_routes)
        Recipient.objects.create(document=document, organisation=org, is_internal=internal,
                                 dispatch=Recipient.Dispatch.WAITING)


def do_update_draft(
    document: Document, *, acting_user: User, uploads: Sequence[Any] = (),
    recipients: Sequence[Organisation] | None = None,
    answers: Sequence[Document] | None = None, **changes: Any,
) -> Document:
    """The drafter changes a draft (or one returned for changes); new files make a new
    version, the old ones are kept. ``recipients`` and ``answers``, when given, replace
    the draft's."""
    if document.created_by_id != acting_user.pk or not acting_user.is_active:
        raise PermissionDenied(_("Only the drafter can change this draft."))
    if document.status not in (Status.DRAFT, Status.RETURNED):
        raise ValidationError({"status": [_("Only a draft or a returned draft can change.")]})
    unknown = set(changes) - set(DRAFT_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: [_("This field cannot be changed here.")]})
    data = {k: getattr(document, k) for k in DRAFT_FIELDS} | changes
    errors: dict[str, list[str]] = {}
    _check_draft(data, errors)
    if answers is not None:
        visible = queries.visible_documents(acting_user)
        for doc in answers:
            if doc.direction != Direction.INCOMING or not visible.filter(pk=doc.pk).exists():
                errors.setdefault("answers", []).append(
                    _("%(doc)s is not an incoming document you can see.") % {"doc": doc})
    try:
        checked = files.check_uploads(list(uploads))
    except ValidationError as exc:
        errors.update(exc.message_dict)
        checked = []
    _errors(errors)
    with files.stored_files() as written, transaction.atomic():
        before = _snap(document)
        for key, value in changes.items():
            setattr(document, key, value)
        if answers is not None:
            document.answers.set(answers)
        if document.is_confidential:
            # The drafter keeps seeing a draft they make secret.
            Grant.objects.get_or_create(document=document, user=acting_user, defaults={
                "granted_by": acting_user, "granted_at": timezone.now()})
        version = 1 + max(document.files.filter(kind=DocumentFile.Kind.MAIN)
                          .values_list("version", flat=True), default=0)
        rows = _store(document, checked, kind=DocumentFile.Kind.MAIN, version=version,
                      by=acting_user, written=written)
        if recipients is not None:
            _set_recipients(document, recipients)
        refresh_search_text(document)
        document.save()
        audit.record(acting_user=acting_user, action="documents.update_draft", obj=document,
                     before=before, after=_snap(document) | {
                         "files": [[r.name, r.sha256, r.version] for r in rows]}
                     | ({"answers": [d.pk for d in answers]} if answers is not None else {})
                     | ({"recipients": [o.pk for o in recipients]}
                        if recipients is not None else {}))
        _after_files(rows)
    return document


def do_submit_for_review(document: Document, *, acting_user: User) -> Document:
    if document.created_by_id != acting_user.pk or not acting_user.is_active:
        raise PermissionDenied(_("Only the drafter can submit this draft."))
    if document.status not in (Status.DRAFT, Status.RETURNED):
        raise ValidationError({"status": [_("Only a draft can be submitted for review.")]})
    if not document.files.filter(kind=DocumentFile.Kind.MAIN).exists():
        raise ValidationError({"files": [_("Attach the draft's file before submitting it.")]})
    return _transition(document, acting_user, Status.IN_REVIEW, "documents.submit_for_review")


def do_review(document: Document, *, acting_user: User, approve: bool,
              comment: str = "") -> Document:
    """The unit head approves the draft (it goes to the agency leader) or returns it."""
    if document.status != Status.IN_REVIEW:
        raise ValidationError({"status": [_("This draft is not waiting for review.")]})
    if not _unit_head_of(acting_user, document.unit_id):
        raise PermissionDenied(_("Only the head of the drafting unit reviews this draft."))
    if not approve and not comment.strip():
        raise ValidationError({"comment": [_("Say what must change.")]})
    status = Status.AWAITING_APPROVAL if approve else Status.RETURNED
    return _transition(document, acting_user, status, "documents.review", comment)


issue_hooks: list[Any] = []
"""Called as ``hook(document, acting_user)`` inside the issue's transaction, once the number,
symbol and issue date are set and before internal delivery; the digital-signature part
applies the agency's seal here. A hook that raises ValidationError stops the issue."""

approval_hooks: list[Any] = []
"""Called as ``hook(document, acting_user)`` inside the approval's transaction; the
digital-signature part registers the leader's signature here. A hook that raises
ValidationError stops the approval with its message."""


def do_approve(document: Document, *, acting_user: User, approve: bool = True,
               comment: str = "") -> Document:
    """The agency leader approves (and, once signing exists, signs) or returns it."""
    if document.status != Status.AWAITING_APPROVAL:
        raise ValidationError({"status": [_("This draft is not waiting for approval.")]})
    if not Post.objects.filter(user=acting_user, is_active=True, user__is_active=True,
                               position__in=["agency_leader", "deputy_leader"],
                               organisation__agency_id=document.agency_id).exists():
        raise PermissionDenied(_("Only a leader of this agency approves its documents."))
    if not approve:
        if not comment.strip():
            raise ValidationError({"comment": [_("Say what must change.")]})
        return _transition(document, acting_user, Status.RETURNED, "documents.approve",
                           comment)
    with transaction.atomic():
        for hook in approval_hooks:
            hook(document, acting_user)
        if not document.signer_name:
            document.signer_name = acting_user.get_full_name()
            post = Post.objects.filter(user=acting_user, is_active=True,
                                       organisation__agency_id=document.agency_id).first()
            document.signer_title = document.signer_title or (post.title if post else "")
        return _transition(document, acting_user, Status.APPROVED, "documents.approve",
                           comment)


def _transition(document: Document, acting_user: User, status: str, action: str,
                note: str = "") -> Document:
    with transaction.atomic():
        before = _snap(document)
        _set_status(document, status, by=acting_user, note=note)
        document.save()
        audit.record(acting_user=acting_user, action=action, obj=document, before=before,
                     after=_snap(document) | ({"comment": note} if note else {}))
    return document


def do_issue(document: Document, *, acting_user: User) -> Document:
    """The clerk numbers and issues an approved document: the number comes from its
    register's counter under a row lock, the symbol follows NĐ 30/2020; internal
    recipients receive it at once, external ones wait for the exchange hub."""
    if document.direction != Direction.OUTGOING:
        raise ValidationError({"direction": [_("Only outgoing documents are issued.")]})
    if document.status == Status.ISSUED:
        raise ValidationError({"status": [_("This document is already issued as %(symbol)s.")
                                          % {"symbol": document.symbol}]})
    if document.status != Status.APPROVED:
        raise ValidationError({"status": [_("Only an approved document can be issued.")]})
    agency = clerk_agency(acting_user)
    if agency.pk != document.agency_id:
        raise PermissionDenied(_("This document belongs to another agency."))
    if not document.recipients.exists():
        raise ValidationError({"recipients": [_("Add at least one recipient.")]})
    unit = Organisation.objects.get(pk=document.unit_id)
    now = timezone.now()
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.status != Status.APPROVED:
            raise ValidationError({"status": [_("This document is already issued.")]})
        before = _snap(locked)
        register = outgoing_register(agency, locked)
        year = timezone.localdate(now).year
        number = next_number(register.series, year)
        locked.register = register
        locked.year = year
        locked.number = number
        locked.symbol = rules.document_symbol(
            number, locked.doc_type, agency.short_name,
            unit.short_name if locked.doc_type == rules.DocumentType.OFFICIAL_LETTER else None)
        locked.issue_date = timezone.localdate(now)
        _set_status(locked, Status.ISSUED, by=acting_user)
        refresh_search_text(locked)
        locked.save()
        for hook in issue_hooks:
            hook(locked, acting_user)
        delivered = _deliver_internal(locked)
        for answered in locked.answers.exclude(status=Status.DONE):
            _close_by_reply(answered, locked, acting_user, now)
        audit.record(acting_user=acting_user, action="documents.issue", obj=locked,
                     before=before, after=_snap(locked) | {"delivered": delivered})
        transaction.on_commit(lambda: events.issued.send(Document, document=locked))
    return locked


def _deliver_internal(document: Document) -> list[int]:
    """Internal recipients get the document in their incoming register at once."""
    delivered = []
    main_files = current_files(document)
    for recipient in document.recipients.filter(is_internal=True).select_related(
            "organisation"):
        org = recipient.organisation
        agency = org if org.is_agency else Organisation.objects.get(pk=agency_of(org))
        register = incoming_register(agency)
        year = timezone.localdate().year
        copy = Document.objects.create(
            direction=Direction.INCOMING, agency=agency, unit=org, register=register,
            year=year, number=next_number(register.series, year), symbol=document.symbol,
            doc_type=document.doc_type, subject=document.subject,
            issuer_id=document.agency_id,
            issuer_name=Organisation.objects.get(pk=document.agency_id).name,
            issue_date=document.issue_date, received_at=timezone.now(),
            signer_name=document.signer_name, signer_title=document.signer_title,
            urgency=document.urgency, confidentiality=document.confidentiality,
            source=Source.INTERNAL, origin=document, status=Status.REGISTERED,
            search_text=document.search_text)
        StatusChange.objects.create(document=copy, status=Status.REGISTERED,
                                    at=timezone.now(), by=None,
                                    note=_("Received from %(agency)s") % {
                                        "agency": copy.issuer_name})
        for f in main_files:
            DocumentFile.objects.create(
                document=copy, kind=f.kind, version=f.version, file=f.file.name, name=f.name,
                content_type=f.content_type, size=f.size, sha256=f.sha256, text=f.text,
                uploaded_by=None, signature_status=f.signature_status,
                signature_report=f.signature_report,
                signature_checked_at=f.signature_checked_at)
        recipient.dispatch = Recipient.Dispatch.DELIVERED
        recipient.delivered = copy
        recipient.save(update_fields=["dispatch", "delivered", "updated_at"])
        audit.record(acting_user=None, action="documents.deliver_internal", obj=copy,
                     after=_snap(copy) | {"origin": document.pk})
        delivered.append(copy.pk)
    return delivered


def _close_by_reply(answered: Document, reply: Document, by: User, now: dt.datetime) -> None:
    before = _snap(answered)
    Assignment.objects.filter(document=answered, done_at__isnull=True,
                              role=Role.LEAD).update(done_at=now, result=reply.symbol)
    answered.done_at = now
    _set_status(answered, Status.DONE, by=by,
                note=_("Answered by %(symbol)s") % {"symbol": reply.symbol})
    answered.save(update_fields=["done_at", "status", "updated_at"])
    audit.record(acting_user=by, action="documents.close_by_reply", obj=answered,
                 before=before, after=_snap(answered) | {"reply": reply.pk})
    events.done.send(Document, document=answered)  # in the issue's transaction


# --- work files ----------------------------------------------------------------------

def do_open_work_file(
    *, acting_user: User, code: str, title: str, year: int | None = None,
    retention_years: int | None = None,
) -> WorkFile:
    unit = _drafting_unit(acting_user)
    year = year or timezone.localdate().year
    errors: dict[str, list[str]] = {}
    code = (code or "").strip()
    if not code:
        errors["code"] = [_("The file code is required.")]
    elif WorkFile.objects.filter(agency_id=agency_of(unit), year=year, code=code).exists():
        errors["code"] = [_("The code %(code)s is already used in %(year)s.")
                          % {"code": code, "year": year}]
    if not (title or "").strip():
        errors["title"] = [_("The title is required.")]
    if retention_years is not None and not 1 <= retention_years <= 100:
        errors["retention_years"] = [_("Retention is 1 to 100 years, or empty for permanent.")]
    if not 2000 <= year <= timezone.localdate().year + 1:
        errors["year"] = [_("Enter a year from 2000 to next year.")]
    _errors(errors)
    with transaction.atomic():
        work_file = WorkFile.objects.create(
            agency_id=agency_of(unit), unit=unit, code=code, title=title.strip(), year=year,
            retention_years=retention_years, responsible=acting_user)
        audit.record(acting_user=acting_user, action="documents.open_work_file", obj=work_file,
                     after=audit.snapshot(work_file))
    return work_file


def _check_open_and_mine(work_file: WorkFile, user: User) -> None:
    if work_file.responsible_id != user.pk or not user.is_active:
        raise PermissionDenied(_("Only the person responsible for this file can change it."))
    if work_file.status == WorkFile.Status.CLOSED:
        raise ValidationError({"work_file": [_("This file is closed and read-only.")]})


def do_add_to_work_file(
    work_file: WorkFile, *, acting_user: User, document: Document | None = None,
    note: str = "",
) -> WorkFileItem:
    _check_open_and_mine(work_file, acting_user)
    if document is None and not note.strip():
        raise ValidationError({"note": [_("Add a document or write a note.")]})
    if document is not None:
        if not queries.visible_documents(acting_user).filter(pk=document.pk).exists():
            raise ValidationError({"document": [_("You cannot see this document.")]})
        if work_file.items.filter(document=document).exists():
            raise ValidationError({"document": [_("This document is already in the file.")]})
    with transaction.atomic():
        item = WorkFileItem.objects.create(work_file=work_file, document=document,
                                           note=note.strip(), added_by=acting_user,
                                           added_at=timezone.now())
        audit.record(acting_user=acting_user, action="documents.add_to_work_file",
                     obj=work_file, after={"item": item.pk,
                                           "document": document.pk if document else None,
                                           "note": item.note})
    return item


def do_close_work_file(work_file: WorkFile, *, acting_user: User) -> WorkFile:
    _check_open_and_mine(work_file, acting_user)
    with transaction.atomic():
        before = audit.snapshot(work_file)
        work_file.status = WorkFile.Status.CLOSED
        work_file.closed_at = timezone.now()
        work_file.save(update_fields=["status", "closed_at"])
        audit.record(acting_user=acting_user, action="documents.close_work_file",
                     obj=work_file, before=before, after=audit.snapshot(work_file))
    return work_file


def grant_access(document: Document, *, acting_user: User, user: User) -> Grant:
    """A leader of the agency, or its records clerk, who may see a secret document names
    another official of the agency who may see it (the clerk who registered it passes it
    to the leader this way)."""
    keeps_register = any(p.organisation.agency_id == document.agency_id
                         for p in _posts(acting_user, ["clerk"]))
    if not (can_assign(acting_user, document) or keeps_register) or not (
            queries.visible_documents(acting_user).filter(pk=document.pk).exists()):
        raise PermissionDenied(_("Only a leader or the records clerk of this agency who "
                                 "may see this document grants access to it."))
    if not Post.objects.filter(user=user, is_active=True, user__is_active=True,
                               organisation__agency_id=document.agency_id).exists():
        raise ValidationError({"user": [_("%(person)s does not work in this agency.")
                                        % {"person": user}]})
    with transaction.atomic():
        grant, _created = Grant.objects.get_or_create(
            document=document, user=user,
            defaults={"granted_by": acting_user, "granted_at": timezone.now()})
        audit.record(acting_user=acting_user, action="documents.grant_access", obj=document,
                     after={"user": user.pk})
    return grant


def subtree_ids(org: Organisation) -> list[int]:
    return list(subtree(org).values_list("pk", flat=True))
