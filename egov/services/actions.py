"""Every change of state of the catalogue and of dossiers.

Each ``do_*`` checks rights and input first (``ValidationError`` naming the field, or
``Http404``/``PermissionDenied``), then writes in one transaction with its audit entry
inside; e-mails go out on commit. Views, the API, the bench and tests all call these.

An official acts only on dossiers of the agencies where they work
(``queries.office_dossiers``); a dossier of another agency is "not found", exactly as a
dossier that does not exist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import audit, calendar
from egov.core.actions import next_number
from egov.core.models import Organisation, User
from egov.core.tasks import send_email
from egov.documents.textfold import fold

from . import files, queries, rules
from .models import (
    Apology,
    Channel,
    Component,
    Dossier,
    DossierFile,
    MoreRequest,
    Procedure,
    ProcessingEntry,
    ReturnChannel,
    Status,
    Step,
)

DOSSIER_FIELDS = ["code", "status", "due_date", "step_index", "step_due", "paid_at",
                  "accepted_at", "finished_at", "returned_at", "paused_days", "rating"]
LEADER_ROLES = frozenset({"agency_leader", "deputy_leader"})


def _snap(dossier: Dossier) -> dict[str, Any]:
    return audit.snapshot(dossier, DOSSIER_FIELDS)


def _errors(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _now() -> dt.datetime:
    return timezone.now()


def _today() -> dt.date:
    return timezone.localdate()


def _mail(dossier: Dossier, subject: str, body: str) -> None:
    """Tell the applicant by e-mail: a task enqueued in the action's transaction, so the
    mail exists exactly when the action committed, survives a mail server that is down,
    and never holds up the request (``core.tasks.send_email``)."""
    if dossier.email:
        send_email.enqueue(subject, body, [dossier.email])


# --- the catalogue --------------------------------------------------------------------------

def index_procedure(procedure: Procedure) -> None:
    procedure.search_text = " ".join(
        [fold(procedure.code), fold(procedure.name), fold(procedure.field)])


def do_save_procedure(procedure: Procedure, *, acting_user: User | None,
                      components: Sequence[Mapping[str, Any]] = (),
                      steps: Sequence[Mapping[str, Any]] = ()) -> Procedure:
    """Create or change a procedure of the catalogue (administrators; the demo)."""
    if acting_user is not None and not (acting_user.is_superuser
                                        or acting_user.has_perm("services.manage_catalogue")):
        raise PermissionDenied(_("Only administrators manage the catalogue."))
    rules.check_form_definition(procedure.form_fields)
    if not procedure.name.strip():
        raise ValidationError({"name": [_("The procedure needs a name.")]})
    total = sum(Decimal(str(s["days"])) for s in steps)
    if steps and total > procedure.processing_days:
        raise ValidationError({"steps": [_(
            "The steps take %(steps)s working days, more than the procedure's %(days)d.")
            % {"steps": total, "days": procedure.processing_days}]})
    creating = procedure.pk is None
    with transaction.atomic():
        index_procedure(procedure)
        procedure.save()
        if components:
            procedure.components.all().delete()
            for i, c in enumerate(components):
                Component.objects.create(procedure=procedure, order=i, **c)
        if steps:
            procedure.steps.all().delete()
            for i, s in enumerate(steps):
                Step.objects.create(procedure=procedure, order=i, **s)
        audit.record(acting_user=acting_user,
                     action="services.create_procedure" if creating
                     else "services.update_procedure",
                     obj=procedure, after=audit.snapshot(procedure, [
                         "code", "name", "field", "agency", "fee", "processing_days",
                         "online_level"]))
    return procedure


# --- rights ---------------------------------------------------------------------------------

def office_dossier(user: User, pk: int | str) -> Dossier:
    """The dossier if the official works in its agency; otherwise 404 (as if absent)."""
    dossier = (queries.office_dossiers(user).select_related("procedure", "agency")
               .filter(pk=pk).first())
    if dossier is None:
        raise Http404(_("No such dossier."))
    return dossier


def _require(user: User, perm: str, dossier: Dossier) -> None:
    if dossier.agency_id not in queries.officer_agency_ids(user):
        raise Http404(_("No such dossier."))
    if not user.has_perm(perm):
        raise PermissionDenied(_("Your post does not allow this action."))


def _move(dossier: Dossier, new: str) -> None:
    if not rules.can_move(dossier.status, new):
        raise ValidationError({"status": [_(
            "A dossier that is “%(current)s” cannot become “%(new)s”.") % {
            "current": dossier.get_status_display(), "new": Status(new).label}]})
    dossier.status = new


# --- submission -----------------------------------------------------------------------------

def next_receipt_code(agency: Organisation, moment: dt.datetime) -> str:
    """The national receipt code (STANDARDS.md §4), from the agency's daily counter. Call
    inside the action's transaction."""
    day = timezone.localtime(moment).date()
    code = rules.agency_code_for_receipts(agency.code, agency.qd20_code)
    seq = next_number(f"services.receipt:{code}:{day:%m%d}", day.year)
    fmt = getattr(settings, "EGOV_RECEIPT_CODE_FORMAT", rules.DEFAULT_RECEIPT_FORMAT)
    return rules.receipt_code(fmt, code, day, seq)


def check_submission(procedure: Procedure, *, applicant: User | None, data: Mapping[str, Any],
                     uploads: Mapping[int, Sequence[Any]], contact: Mapping[str, str],
                     components: Sequence[Component] | None = None,
                     ) -> tuple[dict[str, Any], list[tuple[Component, files.CheckedFile]],
                                dict[str, str]]:
    """Everything a submission needs, checked, before anything is written. ``components``
    are the procedure's, when the caller has them already."""
    errors: dict[str, list[str]] = {}
    if not procedure.is_active:
        raise ValidationError({"procedure": [_("This procedure is not offered any more.")]})
    if applicant is not None:
        if applicant.kind == User.Kind.CITIZEN and not procedure.for_citizens:
            errors["procedure"] = [_("This procedure is for businesses only.")]
        if applicant.kind == User.Kind.BUSINESS and not procedure.for_businesses:
            errors["procedure"] = [_("This procedure is for citizens only.")]
    try:
        cleaned = rules.clean_form(procedure.form_fields, data)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        cleaned = {}
    name = (contact.get("applicant_name") or "").strip()
    if not name:
        errors["applicant_name"] = [_("The applicant's name is required.")]
    phone = rules.normalise_phone(contact.get("phone", ""))
    if not rules.PHONE_RE.match(phone):
        errors["phone"] = [_("Telephone: not a Vietnamese telephone number (e.g. 0912345678).")]
    email = (contact.get("email") or "").strip()
    if email:
        try:
            rules.clean_form([{"name": "email", "label": _("E-mail"), "type": "email"}],
                             {"email": email})
        except ValidationError as exc:
            errors.update(exc.message_dict)
    checked: list[tuple[Component, files.CheckedFile]] = []
    if components is None:
        components = list(procedure.components.all())
    for component in components:
        field = f"component_{component.pk}"
        given = [u for u in uploads.get(component.pk, []) if u]
        if not given and component.required:
            errors[field] = [_("“%(name)s” is required: attach it.") % {"name": component.name}]
        for upload in given:
            try:
                checked.append((component, files.check(upload, field)))
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.message_dict[field])
    _errors(errors)
    clean_contact = {"applicant_name": name[:200], "phone": phone, "email": email,
                     "id_number": (contact.get("id_number") or "").strip()[:20],
                     "address": (contact.get("address") or "").strip()[:300]}
    return cleaned, checked, clean_contact


def _file_rows(dossier: Dossier, stored: Sequence[tuple[Component | None, files.CheckedFile,
                                                        str]],
               kind: str, request: MoreRequest | None = None) -> list[DossierFile]:
    """The rows of files already written to storage (one INSERT)."""
    return DossierFile.objects.bulk_create([
        DossierFile(dossier=dossier, component=component, request=request, kind=kind,
                    file=name, name=item.name, content_type=item.content_type,
                    size=item.size, sha256=item.sha256)
        for component, item, name in stored])


def _store_files(dossier: Dossier, checked: Sequence[tuple[Component | None,
                                                          files.CheckedFile]],
                 kind: str, request: MoreRequest | None = None) -> list[DossierFile]:
    with files.stored_files() as written:
        return _file_rows(dossier, [(component, item, written.save(item))
                                    for component, item in checked], kind, request)


def do_submit(procedure: Procedure, *, acting_user: User | None, data: Mapping[str, Any],
              uploads: Mapping[int, Sequence[Any]], contact: Mapping[str, str],
              channel: str = Channel.ONLINE,
              return_channel: str = ReturnChannel.ONLINE,
              components: Sequence[Component] | None = None) -> Dossier:
    """File a dossier: online by the applicant, or at the counter by a one-stop officer
    for a walk-in applicant. The receipt code is given at once. ``components``: the
    procedure's, when the caller has them already (the form's page does)."""
    applicant: User | None = None
    if channel == Channel.COUNTER:
        if acting_user is None or procedure.agency_id not in queries.officer_agency_ids(
                acting_user) or not acting_user.has_perm("services.receive_dossier"):
            raise PermissionDenied(_("Only a one-stop officer of the agency enters dossiers "
                                     "at the counter."))
    else:
        if acting_user is None or not acting_user.is_authenticated or \
                acting_user.kind == User.Kind.OFFICIAL:
            raise PermissionDenied(_("Sign in with a citizen or business account to apply."))
        applicant = acting_user
    if return_channel not in ReturnChannel.values:
        raise ValidationError({"return_channel": [_("Choose how the result is returned.")]})
    cleaned, checked, clean_contact = check_submission(
        procedure, applicant=applicant, data=data, uploads=uploads, contact=contact,
        components=components)
    agency = procedure.agency
    # The files are written before the transaction opens, so that the receipt counter's
    # row lock (and SQLite's write lock) is held for a few rows, not for megabytes of
    # writes that no other submission may overlap; if anything fails, they are removed.
    with files.stored_files() as written:
        stored = [(component, item, written.save(item)) for component, item in checked]
        now = _now()
        with transaction.atomic():
            dossier = Dossier.objects.create(
                procedure=procedure, agency_id=procedure.agency_id,
                code=next_receipt_code(agency, now), applicant=applicant, data=cleaned,
                channel=channel, return_channel=return_channel, fee=procedure.fee,
                submitted_at=now, **clean_contact)
            _file_rows(dossier, stored, DossierFile.Kind.COMPONENT)
            audit.record(acting_user=acting_user, action="services.submit", obj=dossier,
                         after=_snap(dossier))
            _mail(dossier, _("Dossier %(code)s received") % {"code": dossier.code},
                  _("Your dossier for “%(procedure)s” was received with the code %(code)s. Look it "
                    "up on the portal with this code and your telephone number.")
                  % {"procedure": procedure.name, "code": dossier.code})
    return dossier


# --- reception ------------------------------------------------------------------------------

def _start_step(dossier: Dossier, steps: list[Step], index: int, by: User | None,
                now: dt.datetime) -> None:
    dossier.step_index = index
    if index >= len(steps):
        dossier.step_due = None
        return
    step = steps[index]
    due = calendar.add_working_days(now, rules.step_days(step.days))
    if dossier.due_date and due > dossier.due_date:
        due = dossier.due_date
    dossier.step_due = due
    receiver = str(step.unit) if step.unit else str(dossier.agency)
    ProcessingEntry.objects.create(
        dossier=dossier, name=step.name, step=step, sender=by,
        receiver=f"{receiver} — {step.get_role_display()}", started_at=now, due_date=due)
    if step.role in LEADER_ROLES:
        dossier.status = Status.AWAITING_APPROVAL


def _finish_open_entries(dossier: Dossier, by: User | None, now: dt.datetime,
                         note: str = "") -> None:
    day = timezone.localtime(now).date()
    for entry in dossier.entries.filter(finished_at__isnull=True):
        entry.finished_at = now
        entry.finished_by = by
        entry.outcome = rules.outcome(entry.due_date, day)
        if note:
            entry.note = note
        entry.save(update_fields=["finished_at", "finished_by", "outcome", "note"])


def _steps(dossier: Dossier) -> list[Step]:
    return list(dossier.procedure.steps.all())


def do_accept(dossier: Dossier, *, acting_user: User) -> Dossier:
    """The dossier is complete: the clock starts, the appointment date is set by the
    working-day calendar, and the first processing step begins."""
    _require(acting_user, "services.receive_dossier", dossier)
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().select_related(
            "procedure", "agency").get(pk=dossier.pk)
        if dossier.fee and dossier.paid_at is None:
            raise ValidationError({"fee": [_(
                "The fee of %(fee)s VND has not been paid: the dossier cannot be received "
                "yet.") % {"fee": f"{dossier.fee:,}".replace(",", ".")}]})
        before = _snap(dossier)
        _move(dossier, Status.PROCESSING)
        now = _now()
        procedure = dossier.procedure
        dossier.accepted_at = now
        dossier.received_by = acting_user
        dossier.due_date = calendar.add_working_days(now, procedure.processing_days,
                                                     cutoff=procedure.cutoff_time)
        dossier.first_due_date = dossier.due_date
        ProcessingEntry.objects.create(
            dossier=dossier, name="Tiếp nhận hồ sơ", sender=None,
            receiver=str(acting_user), started_at=dossier.submitted_at,
            due_date=timezone.localtime(now).date(), finished_at=now,
            finished_by=acting_user, outcome="on_time")
        _start_step(dossier, _steps(dossier), 0, acting_user, now)
        dossier.save()
        audit.record(acting_user=acting_user, action="services.accept", obj=dossier,
                     before=before, after=_snap(dossier))
        _mail(dossier, _("Dossier %(code)s accepted") % {"code": dossier.code},
              _("Your dossier %(code)s was accepted. Appointment date: %(due)s.")
              % {"code": dossier.code, "due": dossier.due_date.strftime("%d/%m/%Y")
                 if dossier.due_date else ""})
    return dossier


def do_request_more(dossier: Dossier, *, acting_user: User, items: str,
                    reason: str) -> MoreRequest:
    """Ask the applicant for more documents; the clock stops until they answer."""
    _require(acting_user, "services.receive_dossier" if dossier.accepted_at is None
             else "services.process_dossier", dossier)
    errors: dict[str, list[str]] = {}
    if not items.strip():
        errors["items"] = [_("Say which documents to add.")]
    if not reason.strip():
        errors["reason"] = [_("Say why they are needed.")]
    _errors(errors)
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
        before = _snap(dossier)
        running = dossier.status in rules.CLOCK_RUNNING
        _move(dossier, Status.MORE_REQUESTED)
        now = _now()
        if running and dossier.due_date:
            dossier.paused_days = calendar.working_days_between(
                timezone.localtime(now).date(), dossier.due_date)
        dossier.save()
        request = MoreRequest.objects.create(dossier=dossier, items=items.strip(),
                                             reason=reason.strip(), asked_by=acting_user,
                                             asked_at=now)
        audit.record(acting_user=acting_user, action="services.request_more", obj=dossier,
                     before=before, after={**_snap(dossier), "items": request.items})
        _mail(dossier, _("Dossier %(code)s: more documents needed") % {"code": dossier.code},
              _("Please add to your dossier %(code)s: %(items)s. Reason: %(reason)s")
              % {"code": dossier.code, "items": request.items, "reason": request.reason})
    return request


def do_answer_request(dossier: Dossier, *, acting_user: User | None,
                      uploads: Sequence[Any], note: str = "") -> MoreRequest:
    """The applicant adds what was asked; the clock runs again with the days it had left.
    ``acting_user`` is the applicant's account, or None after a lookup by code and
    telephone (the view checked them)."""
    if dossier.status != Status.MORE_REQUESTED:
        raise ValidationError({"status": [_("Nothing was asked for this dossier.")]})
    given = [u for u in uploads if u]
    if not given:
        raise ValidationError({"files": [_("Attach the documents that were asked for.")]})
    checked = [(None, files.check(u, "files")) for u in given]
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().select_related("procedure").get(
            pk=dossier.pk)
        before = _snap(dossier)
        request = dossier.requests.filter(answered_at__isnull=True).last()
        if request is None or dossier.status != Status.MORE_REQUESTED:
            raise ValidationError({"status": [_("Nothing was asked for this dossier.")]})
        now = _now()
        request.answered_at = now
        request.answer_note = note.strip()
        request.save(update_fields=["answered_at", "answer_note"])
        _store_files(dossier, checked, DossierFile.Kind.ADDITION, request)
        if dossier.accepted_at is None:
            dossier.status = Status.SUBMITTED
        else:
            steps = _steps(dossier)
            leader_step = (dossier.step_index < len(steps)
                           and steps[dossier.step_index].role in LEADER_ROLES)
            dossier.status = Status.AWAITING_APPROVAL if leader_step else Status.PROCESSING
            if dossier.paused_days is not None:
                dossier.due_date = calendar.add_working_days(now, dossier.paused_days)
                dossier.paused_days = None
        dossier.save()
        audit.record(acting_user=acting_user, action="services.answer_request",
                     obj=dossier, before=before, after=_snap(dossier))
    return request


def do_refuse(dossier: Dossier, *, acting_user: User, reason: str) -> Dossier:
    """Refuse to receive or to settle the dossier, with a written reason."""
    _require(acting_user, "services.receive_dossier" if dossier.accepted_at is None
             else "services.process_dossier", dossier)
    if not reason.strip():
        raise ValidationError({"reason": [_("Write the reason for the refusal.")]})
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
        before = _snap(dossier)
        _move(dossier, Status.REFUSED)
        now = _now()
        dossier.refusal_reason = reason.strip()
        dossier.finished_at = now
        _finish_open_entries(dossier, acting_user, now, note=_("Refused"))
        dossier.save()
        audit.record(acting_user=acting_user, action="services.refuse", obj=dossier,
                     before=before, after={**_snap(dossier), "reason": dossier.refusal_reason})
        _mail(dossier, _("Dossier %(code)s refused") % {"code": dossier.code},
              _("Your dossier %(code)s was refused: %(reason)s")
              % {"code": dossier.code, "reason": dossier.refusal_reason})
    return dossier


# --- processing -----------------------------------------------------------------------------

def do_complete_step(dossier: Dossier, *, acting_user: User, note: str = "") -> Dossier:
    """The current (non-leader) step is done; the dossier goes to the next step."""
    _require(acting_user, "services.process_dossier", dossier)
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().select_related(
            "procedure", "agency").get(pk=dossier.pk)
        before = _snap(dossier)
        if dossier.status != Status.PROCESSING:
            raise ValidationError({"status": [_(
                "Only a dossier being processed moves to its next step.")]})
        steps = _steps(dossier)
        now = _now()
        _finish_open_entries(dossier, acting_user, now, note=note.strip())
        if dossier.step_index + 1 >= len(steps):
            dossier.status = Status.AWAITING_APPROVAL
            dossier.step_index = len(steps)
            dossier.step_due = dossier.due_date
        else:
            _start_step(dossier, steps, dossier.step_index + 1, acting_user, now)
        dossier.save()
        audit.record(acting_user=acting_user, action="services.complete_step", obj=dossier,
                     before=before, after=_snap(dossier))
    return dossier


def do_approve(dossier: Dossier, *, acting_user: User) -> Dossier:
    """The leader approves: the result is made, signed with the agency's seal, and ready
    to be returned."""
    from . import slips

    _require(acting_user, "services.approve_dossier", dossier)
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().select_related(
            "procedure", "agency").get(pk=dossier.pk)
        before = _snap(dossier)
        _move(dossier, Status.RESULT_READY)
        now = _now()
        year = timezone.localtime(now).year
        number = next_number(f"services.result:{dossier.agency.code}", year)
        dossier.result_number = f"{number:02d}/{year}/{dossier.procedure.code}"
        dossier.finished_at = now
        dossier.step_due = None
        _finish_open_entries(dossier, acting_user, now, note=_("Approved"))
        content = slips.result_pdf(dossier, approver=acting_user)
        signed = seal_result(dossier, content)
        name = f"ket-qua-{dossier.code}.pdf"
        _store_files(dossier, [(None, files.CheckedFile(
            name=name, content=signed, content_type="application/pdf",
            sha256=hashlib.sha256(signed).hexdigest()))],
            DossierFile.Kind.RESULT)
        dossier.save()
        audit.record(acting_user=acting_user, action="services.approve", obj=dossier,
                     before=before, after={**_snap(dossier),
                                           "result_number": dossier.result_number})
        _mail(dossier, _("Dossier %(code)s: result ready") % {"code": dossier.code},
              _("The result of your dossier %(code)s is ready.") % {"code": dossier.code})
    return dossier


def seal_result(dossier: Dossier, content: bytes) -> bytes:
    """The result signed with the agency's seal through the signing part (PAdES, visible
    stamp with number and date). Without a usable seal: a ValidationError that says why,
    unless the deployment does not require signatures yet (EGOV_REQUIRE_SIGNATURES=0)."""
    from egov.signing import actions as signing
    from egov.signing import store
    from egov.signing.crypto import pdf

    try:
        cert = signing.seal_certificate(dossier.agency)
    except ValidationError:
        if settings.EGOV_REQUIRE_SIGNATURES:
            raise
        return content
    stamp = pdf.seal_stamp_lines(dossier.agency.name, dossier.result_number,
                                 timezone.localdate())
    with store.signer_for(cert) as (key, certificate, chain):
        signed = pdf.sign_pdf(content, key, certificate, chain, field_name="egov-seal",
                              box=signing._box(content, left=True), stamp_lines=stamp,
                              timestamper=store.timestamper(),
                              reason=dossier.procedure.result_name[:120],
                              location="Việt Nam")
    return bytes(signed)


def do_send_back(dossier: Dossier, *, acting_user: User, note: str) -> Dossier:
    """The leader does not approve: the dossier goes back to its last processing step."""
    _require(acting_user, "services.approve_dossier", dossier)
    if not note.strip():
        raise ValidationError({"note": [_("Say what must be redone.")]})
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().select_related(
            "procedure", "agency").get(pk=dossier.pk)
        before = _snap(dossier)
        _move(dossier, Status.PROCESSING)
        steps = _steps(dossier)
        now = _now()
        _finish_open_entries(dossier, acting_user, now, note=note.strip())
        back = max(0, min(dossier.step_index, len(steps)) - 1)
        while back > 0 and steps[back].role in LEADER_ROLES:
            back -= 1
        _start_step(dossier, steps, back, acting_user, now)
        dossier.status = Status.PROCESSING
        dossier.save()
        audit.record(acting_user=acting_user, action="services.send_back", obj=dossier,
                     before=before, after=_snap(dossier))
    return dossier


def do_apologise(dossier: Dossier, *, acting_user: User, reason: str,
                 new_due_date: dt.date | None) -> Apology:
    """The dossier will be late: the apology letter with a new appointment date."""
    _require(acting_user, "services.process_dossier", dossier)
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("Write the reason for the delay.")]
    if dossier.status not in rules.OPEN or dossier.due_date is None:
        errors["status"] = [_("Only a dossier being processed can be late.")]
    elif new_due_date is None:
        errors["new_due_date"] = [_("New appointment date: required.")]
    elif new_due_date <= dossier.due_date:
        errors["new_due_date"] = [_(
            "New appointment date: must be after the current one (%(due)s).")
            % {"due": dossier.due_date.strftime("%d/%m/%Y")}]
    elif not calendar.is_working_day(new_due_date):
        errors["new_due_date"] = [_("New appointment date: must be a working day.")]
    _errors(errors)
    assert new_due_date is not None and dossier.due_date is not None
    with transaction.atomic():
        old_due = dossier.due_date
        dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
        before = _snap(dossier)
        apology = Apology.objects.create(
            dossier=dossier, reason=reason.strip(), old_due_date=dossier.due_date or old_due,
            new_due_date=new_due_date, created_by=acting_user, created_at=_now())
        dossier.due_date = new_due_date
        dossier.save(update_fields=["due_date", "updated_at"])
        audit.record(acting_user=acting_user, action="services.apologise", obj=dossier,
                     before=before, after={**_snap(dossier), "reason": apology.reason})
        _mail(dossier, _("Dossier %(code)s: new appointment date") % {"code": dossier.code},
              _("We apologise: your dossier %(code)s will be late (%(reason)s). New appointment "
                "date: %(due)s.") % {"code": dossier.code, "reason": apology.reason,
                                     "due": new_due_date.strftime("%d/%m/%Y")})
    return apology


def do_return_result(dossier: Dossier, *, acting_user: User | None) -> Dossier:
    """The result is handed over (at the counter, by post, or downloaded by the applicant):
    the dossier is closed and the applicant told."""
    if acting_user is not None and acting_user.kind == User.Kind.OFFICIAL:
        _require(acting_user, "services.receive_dossier", dossier)
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
        before = _snap(dossier)
        _move(dossier, Status.RETURNED)
        dossier.returned_at = _now()
        dossier.save()
        audit.record(acting_user=acting_user, action="services.return_result", obj=dossier,
                     before=before, after=_snap(dossier))
        _mail(dossier, _("Dossier %(code)s closed") % {"code": dossier.code},
              _("The result of your dossier %(code)s was returned; the dossier is closed. Please "
                "rate the service on the portal.") % {"code": dossier.code})
    return dossier


def do_rate(dossier: Dossier, *, acting_user: User | None, rating: Any,
            comment: str = "") -> Dossier:
    """The applicant rates the service once, after the result was returned."""
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if value not in (1, 2, 3):
        raise ValidationError({"rating": [_(
            "Satisfaction: choose very satisfied, satisfied or dissatisfied.")]})
    if dossier.status != Status.RETURNED:
        raise ValidationError({"rating": [_("The service is rated after the result is "
                                            "returned.")]})
    if dossier.rating is not None:
        raise ValidationError({"rating": [_("This dossier was already rated.")]})
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if dossier.rating is not None:
            raise ValidationError({"rating": [_("This dossier was already rated.")]})
        dossier.rating = value
        dossier.rating_comment = comment.strip()[:2000]
        dossier.rated_at = _now()
        dossier.save()
        audit.record(acting_user=acting_user, action="services.rate", obj=dossier,
                     after={"rating": value})
    return dossier
