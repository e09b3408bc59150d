"""The portal (Cổng dịch vụ công): the catalogue, a procedure's page, applying online,
a citizen's dossiers, the lookup by receipt code and telephone, answering a request,
downloading the signed result, rating.

Who may open a dossier's page: its applicant (signed in), or anybody who looked it up
with its code and the telephone number given on it (remembered in a signed cookie). Anybody
else gets 404, as for a code that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from egov.core.models import User

from . import actions, payments, queries, rules, slips
from .models import Component, Dossier, DossierFile, Procedure, ReturnChannel, Status

# A successful lookup is remembered in a signed cookie (Django's signing, salted), not in
# the session: looking a dossier up writes nothing to the database.
LOOKUP_COOKIE = "egov_lookup"
LOOKUP_SALT = "egov.services.lookup"
LOOKUP_SECONDS = 2 * 3600
MAX_LOOKUPS = 20


def looked_up(request: HttpRequest) -> list[str]:
    value = request.get_signed_cookie(LOOKUP_COOKIE, default="", salt=LOOKUP_SALT,
                                      max_age=LOOKUP_SECONDS)
    return [c for c in (value or "").split("|") if c]


def error_dict(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


def flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    for messages_ in error_dict(exc).values():
        for message in messages_:
            messages.error(request, message)


def catalogue(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    field = request.GET.get("field", "")[:150]
    rows = list(queries.catalogue(query, field)[:100])
    fields = list(Procedure.objects.filter(is_active=True).values("field")
                  .annotate(n=Count("pk")).order_by("field"))
    return render(request, "services/catalogue.html", {
        "procedures": rows, "q": query, "field": field, "fields": fields})


def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    procedure = get_object_or_404(Procedure.objects.select_related("agency"), code=code,
                                  is_active=True)
    return render(request, "services/procedure.html", {
        "procedure": procedure, "components": list(procedure.components.all()),
        "steps": list(procedure.steps.select_related("unit"))})


def _prefill(user: User, procedure: Procedure) -> dict[str, Any]:
    """Never ask again for what the platform already holds: the profile fills the form."""
    values: dict[str, Any] = {}
    for spec in procedure.form_fields:
        source = spec.get("profile")
        if source and getattr(user, source, None):
            values[spec["name"]] = getattr(user, source)
    return values


def template(request: HttpRequest, code: str, pk: int) -> HttpResponseBase:
    """A component's template (mẫu đơn, tờ khai), public like the catalogue; served by the
    application, since uploaded files are not served by the web server."""
    component = get_object_or_404(Component, pk=pk, procedure__code=code,
                                  procedure__is_active=True)
    if not component.template:
        raise Http404(_("This document has no template."))
    name = (component.template.name or "").rsplit("/", 1)[-1]
    return FileResponse(component.template.open("rb"), as_attachment=True, filename=name)


@login_required
def apply(request: HttpRequest, code: str) -> HttpResponse:
    procedure = get_object_or_404(Procedure.objects.select_related("agency"), code=code,
                                  is_active=True)
    user = request.user
    assert isinstance(user, User)
    if user.kind == User.Kind.OFFICIAL:
        raise PermissionDenied(_("Officials enter dossiers at the counter."))
    components = list(procedure.components.all())
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = _prefill(user, procedure)
    contact = {"applicant_name": user.get_full_name(), "phone": user.phone,
               "email": user.email, "id_number": user.personal_id or user.tax_code or "",
               "address": ""}
    return_channel: str = ReturnChannel.ONLINE
    if request.method == "POST":
        values = {spec["name"]: request.POST.get(spec["name"], "")
                  for spec in procedure.form_fields}
        contact = {k: request.POST.get(k, "") for k in contact}
        return_channel = request.POST.get("return_channel", ReturnChannel.ONLINE)
        uploads = {c.pk: request.FILES.getlist(f"component_{c.pk}") for c in components}
        try:
            dossier = actions.do_submit(procedure, acting_user=user, data=values,
                                        uploads=uploads, contact=contact,
                                        return_channel=return_channel,
                                        components=components)
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            messages.success(request, _(
                "Your dossier was received. Its code is %(code)s; it was also sent to you "
                "by e-mail.") % {"code": dossier.code})
            return redirect("services:dossier", code=dossier.code)
    fields = [{**spec, "value": values.get(spec["name"], ""),
               "errors": errors.get(spec["name"], [])} for spec in procedure.form_fields]
    return render(request, "services/apply.html", {
        "procedure": procedure, "fields": fields, "contact": contact, "errors": errors,
        "components": [{"c": c, "errors": errors.get(f"component_{c.pk}", [])}
                       for c in components],
        "return_channel": return_channel, "return_channels": ReturnChannel.choices,
        "accept": ",".join(sorted({".pdf", ".png", ".jpg", ".jpeg", ".docx", ".doc", ".odt",
                                   ".tif", ".tiff"}))}, status=400 if errors else 200)


@login_required
def my_dossiers(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    rows = list(queries.own_dossiers(user).select_related("procedure")[:200])
    return render(request, "services/my_dossiers.html", {"dossiers": rows})


def lookup(request: HttpRequest) -> HttpResponse:
    """Find a dossier by its receipt code and the telephone number given on it."""
    error = ""
    code = ""
    if request.method == "POST":
        code = request.POST.get("code", "").strip().upper()[:60]
        phone = rules.normalise_phone(request.POST.get("phone", ""))
        dossier = Dossier.objects.filter(code=code).only("pk", "code", "phone").first()
        if dossier is None or not phone or dossier.phone != phone:
            # One message for both: the lookup must not tell which codes exist.
            error = _("No dossier has this receipt code with this telephone number. Check "
                      "both and try again.")
        else:
            seen = [c for c in looked_up(request) if c != code]
            response = redirect("services:dossier", code=code)
            response.set_signed_cookie(
                LOOKUP_COOKIE, "|".join([code, *seen][:MAX_LOOKUPS]), salt=LOOKUP_SALT,
                max_age=LOOKUP_SECONDS, httponly=True, samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE)
            return response
    return render(request, "services/lookup.html", {"error": error, "code": code},
                  status=404 if error else 200)


def public_dossier(request: HttpRequest, code: str) -> Dossier:
    """The dossier, for its applicant or after a lookup in this session; else 404."""
    dossier = (Dossier.objects.select_related("procedure", "agency", "applicant")
               .filter(code=code).first())
    if dossier is None:
        raise Http404(_("No such dossier."))
    user = request.user
    if user.is_authenticated and dossier.applicant_id == user.pk:
        return dossier
    if code in looked_up(request):
        return dossier
    raise Http404(_("No such dossier."))


def _acting(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def dossier_page(request: HttpRequest, code: str) -> HttpResponse:
    dossier = public_dossier(request, code)
    files = list(dossier.files.all())
    return render(request, "services/dossier_public.html", {
        "dossier": dossier,
        "files": [f for f in files if f.kind != DossierFile.Kind.RESULT],
        "result": next((f for f in files if f.kind == DossierFile.Kind.RESULT), None),
        "entries": list(dossier.entries.all()),
        "requests": list(dossier.requests.all()),
        "open_request": dossier.requests.filter(answered_at__isnull=True).last()
        if dossier.status == Status.MORE_REQUESTED else None,
        "apologies": list(dossier.apologies.all()),
        "payments": list(dossier.payments.all()),
        "forms": slips.available(dossier),
        "form_names": slips.FORMS,
        "can_pay": bool(dossier.fee) and dossier.paid_at is None
        and dossier.status not in (Status.REFUSED, Status.RETURNED),
        "can_rate": dossier.status == Status.RETURNED and dossier.rating is None,
        "ratings": [(3, _("Very satisfied")), (2, _("Satisfied")), (1, _("Dissatisfied"))],
    })


@require_POST
def answer(request: HttpRequest, code: str) -> HttpResponse:
    dossier = public_dossier(request, code)
    try:
        actions.do_answer_request(dossier, acting_user=_acting(request),
                                  uploads=request.FILES.getlist("files"),
                                  note=request.POST.get("note", ""))
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Thank you: the documents were added to your dossier."))
    return redirect("services:dossier", code=code)


@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    dossier = public_dossier(request, code)
    try:
        actions.do_rate(dossier, acting_user=_acting(request),
                        rating=request.POST.get("rating"),
                        comment=request.POST.get("comment", ""))
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Thank you for rating the service."))
    return redirect("services:dossier", code=code)


def result(request: HttpRequest, code: str) -> HttpResponseBase:
    """The signed result. The applicant's first download of a result returned online
    closes the dossier."""
    dossier = public_dossier(request, code)
    row = dossier.files.filter(kind=DossierFile.Kind.RESULT).last()
    if row is None or dossier.status not in (Status.RESULT_READY, Status.RETURNED):
        raise Http404(_("The result is not ready."))
    if dossier.status == Status.RESULT_READY and dossier.return_channel == ReturnChannel.ONLINE:
        actions.do_return_result(dossier, acting_user=_acting(request))
    return FileResponse(row.file.open("rb"), as_attachment=True, filename=row.name,
                        content_type="application/pdf")


def form_pdf(request: HttpRequest, code: str, form: str) -> HttpResponse:
    dossier = public_dossier(request, code)
    if form not in slips.available(dossier):
        raise Http404(_("This form does not exist for this dossier."))
    pdf = slips.form_pdf(dossier, form)
    return HttpResponse(pdf, content_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{form}-{dossier.code}.pdf"'})


@require_POST
def pay(request: HttpRequest, code: str) -> HttpResponse:
    dossier = public_dossier(request, code)
    try:
        payment = payments.do_start_payment(dossier, acting_user=_acting(request))
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("services:dossier", code=code)
    return_url = request.build_absolute_uri(reverse("services:payment_return"))
    ip = request.META.get("REMOTE_ADDR", "")
    return redirect(payments.gateway().payment_url(payment, return_url=return_url, ip=ip))


urlpatterns = [
    path("", catalogue, name="catalogue"),
    path("thu-tuc/<str:code>/", procedure_detail, name="procedure"),
    path("thu-tuc/<str:code>/nop/", apply, name="apply"),
    path("thu-tuc/<str:code>/mau/<int:pk>/", template, name="template"),
    path("ho-so-cua-toi/", my_dossiers, name="my_dossiers"),
    path("tra-cuu/", lookup, name="lookup"),
    path("ho-so/<str:code>/", dossier_page, name="dossier"),
    path("ho-so/<str:code>/bo-sung/", answer, name="answer"),
    path("ho-so/<str:code>/danh-gia/", rate, name="rate"),
    path("ho-so/<str:code>/ket-qua/", result, name="result"),
    path("ho-so/<str:code>/thanh-toan/", pay, name="pay"),
    path("ho-so/<str:code>/mau/<str:form>.pdf", form_pdf, name="form_pdf"),
]
