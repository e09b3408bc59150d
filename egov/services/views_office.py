"""The one-stop shop's pages for officials: the queue (overdue and near-due first and
marked), a dossier with its actions, the counter entry for a walk-in applicant, the forms
and the tracking book as PDFs.

Every dossier comes from ``queries.office_dossiers``: a dossier of another agency is 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from egov.core.models import Organisation, User

from . import actions, payments, queries, rules, slips
from .models import Channel, Dossier, DossierFile, Procedure, ReturnChannel, Status
from .views_portal import error_dict, flash_errors

PAGE_SIZE = 50


def _officer(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not queries.is_officer(user):
        raise PermissionDenied(_("The one-stop shop is for its officials."))
    return user


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    if isinstance(user, User) and user.kind == User.Kind.OFFICIAL and \
            not queries.officer_agency_ids(user):
        # A leader of an agency without procedures (the menu shows the entry by rights).
        return render(request, "services/queue.html", {"no_shop": True, "page": None})
    user = _officer(request)
    today = timezone.localdate()
    rows = queries.with_deadline_state(queries.office_dossiers(user), today)
    status = request.GET.get("status", "")
    deadline = request.GET.get("deadline", "")
    q = request.GET.get("q", "").strip()[:60]
    if status in Status.values:
        rows = rows.filter(status=status)
    elif status != "all":
        rows = rows.filter(status__in=[*list(rules.OPEN), Status.RESULT_READY])
    open_ = Q(status__in=list(rules.OPEN))
    if deadline == rules.OVERDUE:
        rows = rows.filter(open_ & Q(due_date__lt=today))
    elif deadline == rules.NEAR_DUE:
        rows = rows.filter(open_ & Q(due_date__gte=today,
                                     due_date__lte=queries.near_limit(today)))
    if q:
        rows = rows.filter(code__icontains=q) | rows.filter(applicant_name__icontains=q)
    rows = rows.annotate(rank=Case(
        When(open_ & Q(due_date__lt=today), then=Value(0)),
        When(open_ & Q(due_date__lte=queries.near_limit(today)), then=Value(1)),
        default=Value(2), output_field=IntegerField())).order_by("rank", "due_date", "pk")
    page = Paginator(rows.select_related("procedure"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "services/queue.html", {
        "page": page, "status": status, "deadline": deadline, "q": q,
        "status_choices": Status.choices,
        "can_receive": user.has_perm("services.receive_dossier")})


def _dossier_context(user: User, dossier: Dossier) -> dict[str, Any]:
    files = list(dossier.files.select_related("component"))
    today = timezone.localdate()
    steps = list(dossier.procedure.steps.all())
    current = steps[dossier.step_index] if dossier.step_index < len(steps) else None
    return {
        "dossier": dossier,
        "deadline": rules.deadline_state(dossier.due_date, today, dossier.status,
                                         queries.near_limit(today)),
        "files": [f for f in files if f.kind != DossierFile.Kind.RESULT],
        "result": next((f for f in files if f.kind == DossierFile.Kind.RESULT), None),
        "entries": list(dossier.entries.select_related("sender", "finished_by")),
        "requests": list(dossier.requests.select_related("asked_by")),
        "apologies": list(dossier.apologies.select_related("created_by")),
        "payments": list(dossier.payments.all()),
        "steps": steps, "current_step": current,
        "forms": slips.available(dossier), "form_names": slips.FORMS,
        "can": {
            "accept": dossier.status == Status.SUBMITTED
            and user.has_perm("services.receive_dossier"),
            "ask": dossier.status in (Status.SUBMITTED, Status.PROCESSING,
                                      Status.AWAITING_APPROVAL),
            "refuse": dossier.status in rules.OPEN,
            "step": dossier.status == Status.PROCESSING
            and user.has_perm("services.process_dossier"),
            "approve": dossier.status == Status.AWAITING_APPROVAL
            and user.has_perm("services.approve_dossier"),
            "apologise": dossier.status in rules.OPEN and dossier.due_date is not None
            and user.has_perm("services.process_dossier"),
            "return": dossier.status == Status.RESULT_READY
            and user.has_perm("services.receive_dossier"),
            "cash": bool(dossier.fee) and dossier.paid_at is None
            and dossier.status in rules.OPEN and user.has_perm("services.receive_dossier"),
        },
    }


@login_required
def dossier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _officer(request)
    dossier = actions.office_dossier(user, pk)
    return render(request, "services/dossier_office.html", _dossier_context(user, dossier))


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _officer(request)
    dossier = actions.office_dossier(user, pk)
    post = request.POST
    runs = {
        "accept": lambda: actions.do_accept(dossier, acting_user=user),
        "ask": lambda: actions.do_request_more(dossier, acting_user=user,
                                               items=post.get("items", ""),
                                               reason=post.get("reason", "")),
        "refuse": lambda: actions.do_refuse(dossier, acting_user=user,
                                            reason=post.get("reason", "")),
        "step": lambda: actions.do_complete_step(dossier, acting_user=user,
                                                 note=post.get("note", "")),
        "approve": lambda: actions.do_approve(dossier, acting_user=user),
        "send_back": lambda: actions.do_send_back(dossier, acting_user=user,
                                                  note=post.get("note", "")),
        "apologise": lambda: actions.do_apologise(
            dossier, acting_user=user, reason=post.get("reason", ""),
            new_due_date=_date(post.get("new_due_date", ""))),
        "return": lambda: actions.do_return_result(dossier, acting_user=user),
        "cash": lambda: payments.do_record_counter_payment(dossier, acting_user=user),
    }
    run = runs.get(action)
    if run is None:
        raise Http404
    try:
        run()
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Done."))
    return redirect("services:office_dossier", pk=dossier.pk)


@login_required
def counter(request: HttpRequest) -> HttpResponse:
    """Enter the dossier of a walk-in applicant: choose the procedure, fill the form and
    the contact, scan the documents; optionally receive it at once."""
    user = _officer(request)
    if not user.has_perm("services.receive_dossier"):
        raise PermissionDenied(_("Your post does not allow receiving dossiers."))
    agencies = queries.officer_agency_ids(user)
    procedures = list(Procedure.objects.filter(is_active=True, agency_id__in=agencies))
    procedure = None
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    contact: dict[str, str] = {k: "" for k in ("applicant_name", "phone", "email",
                                               "id_number", "address")}
    code = request.GET.get("procedure") or request.POST.get("procedure")
    if code:
        procedure = next((p for p in procedures if p.code == code), None)
        if procedure is None:
            raise Http404(_("No such procedure in your agency."))
    if procedure is not None and request.method == "POST":
        values = {s["name"]: request.POST.get(s["name"], "") for s in procedure.form_fields}
        contact = {k: request.POST.get(k, "") for k in contact}
        components = list(procedure.components.all())
        uploads = {c.pk: request.FILES.getlist(f"component_{c.pk}") for c in components}
        try:
            dossier = actions.do_submit(
                procedure, acting_user=user, data=values, uploads=uploads, contact=contact,
                channel=Channel.COUNTER,
                return_channel=request.POST.get("return_channel", ReturnChannel.COUNTER),
                components=components)
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            messages.success(request, _("Dossier %(code)s entered.") % {"code": dossier.code})
            if request.POST.get("accept_now"):
                try:
                    actions.do_accept(dossier, acting_user=user)
                except ValidationError as exc:
                    flash_errors(request, exc)
            return redirect("services:office_dossier", pk=dossier.pk)
    components = list(procedure.components.all()) if procedure else []
    return render(request, "services/counter.html", {
        "procedures": procedures, "procedure": procedure, "errors": errors,
        "contact": contact,
        "fields": [{**s, "value": values.get(s["name"], ""), "errors": errors.get(s["name"], [])}
                   for s in (procedure.form_fields if procedure else [])],
        "components": [{"c": c, "errors": errors.get(f"component_{c.pk}", [])}
                       for c in components],
        "return_channels": ReturnChannel.choices}, status=400 if errors else 200)


@login_required
def office_form(request: HttpRequest, pk: int, form: str) -> HttpResponse:
    user = _officer(request)
    dossier = actions.office_dossier(user, pk)
    if form not in slips.available(dossier):
        raise Http404(_("This form does not exist for this dossier."))
    return HttpResponse(slips.form_pdf(dossier, form), content_type="application/pdf",
                        headers={"Content-Disposition":
                                 f'inline; filename="{form}-{dossier.code}.pdf"'})


@login_required
def office_file(request: HttpRequest, pk: int, file_id: int) -> HttpResponseBase:
    user = _officer(request)
    dossier = actions.office_dossier(user, pk)
    row = get_object_or_404(DossierFile, pk=file_id, dossier=dossier)
    return FileResponse(row.file.open("rb"), as_attachment=True, filename=row.name,
                        content_type=row.content_type)


@login_required
def book(request: HttpRequest) -> HttpResponse:
    """Form 06, the tracking book of the official's agency for a period (this month by
    default)."""
    user = _officer(request)
    today = timezone.localdate()
    start = _date(request.GET.get("start", "")) or today.replace(day=1)
    end = _date(request.GET.get("end", "")) or today
    agencies = queries.officer_agency_ids(user)
    try:
        agency_id = int(request.GET.get("agency") or agencies[0])
    except ValueError:
        raise Http404 from None
    if agency_id not in agencies:
        raise Http404
    agency = Organisation.objects.get(pk=agency_id)
    tz = timezone.get_current_timezone()
    rows = list(Dossier.objects.filter(
        agency=agency,
        submitted_at__gte=dt.datetime.combine(start, dt.time.min, tz),
        submitted_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz))
        .select_related("procedure", "agency").order_by("submitted_at", "pk")[:5000])
    pdf = slips.book_pdf(agency, start, end, rows)
    return HttpResponse(pdf, content_type="application/pdf", headers={
        "Content-Disposition":
            f'inline; filename="so-theo-doi-ho-so-{agency.code}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"'})


urlpatterns = [
    path("mot-cua/", queue, name="queue"),
    path("mot-cua/tiep-nhan/", counter, name="counter"),
    path("mot-cua/so-theo-doi.pdf", book, name="book"),
    path("mot-cua/ho-so/<int:pk>/", dossier_detail, name="office_dossier"),
    path("mot-cua/ho-so/<int:pk>/mau/<str:form>.pdf", office_form, name="office_form"),
    path("mot-cua/ho-so/<int:pk>/tep/<int:file_id>/", office_file, name="office_file"),
    path("mot-cua/ho-so/<int:pk>/<str:action>/", act, name="act"),
]
