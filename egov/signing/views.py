"""Pages of digital signatures: certificates (one's own; all of them for administrators,
with expiry warnings), PKCS#12 import, issue and revocation by the platform CA, the
verification page, and the signature rate per agency and month."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from egov.core.models import Organisation, User
from egov.documents import queries
from egov.documents.models import DocumentFile
from egov.documents.views_inbox import current_user, official_required

from . import actions, stats, store, verification
from .forms import HolderForm, ImportForm, RevokeForm, VerifyForm
from .models import STATUS_LABELS, Authority, Certificate

VERDICT_LABELS = {
    "valid": gettext_lazy("Valid"),
    "malformed": gettext_lazy("Cannot be read"),
    "tampered": gettext_lazy("Changed after signing"),
    "modified": gettext_lazy("Changed after signing"),
    "revoked": gettext_lazy("Certificate revoked"),
    "expired": gettext_lazy("Certificate expired"),
    "not_yet_valid": gettext_lazy("Certificate not yet valid"),
    "untrusted": gettext_lazy("Not from a trusted authority"),
    "indeterminate": gettext_lazy("Cannot be confirmed"),
}
FILE_STATUS_LABELS = dict(DocumentFile.SignatureStatus.choices)


def _apply(form: Any, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        target = field if field in form.fields else None
        for error in errors:
            form.add_error(target, error)


def _flash(request: HttpRequest, exc: ValidationError) -> None:
    """A refused action on a page that redirects: every reason as an error message."""
    for error in exc.messages:
        messages.error(request, error)


def _visible_certificates(user: User) -> QuerySet[Certificate]:
    qs = Certificate.objects.select_related("user", "organisation")
    if actions.can_manage(user):
        return qs
    return qs.filter(user=user)


@official_required
def certificates(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    manager = actions.can_manage(user)
    rows = list(_visible_certificates(user))
    now = timezone.now()
    warn_until = now + dt.timedelta(days=settings.EGOV_CERTIFICATE_WARNING_DAYS)
    for row in rows:
        row.shown_status = row.status_at(now)  # type: ignore[attr-defined]
        row.shown_status_label = STATUS_LABELS[row.shown_status]  # type: ignore[attr-defined]
        row.expiring = (row.shown_status == "valid"  # type: ignore[attr-defined]
                        and row.not_after <= warn_until)
    return render(request, "signing/certificates.html", {
        "rows": rows, "manager": manager,
        "expiring": [r for r in rows if r.expiring],  # type: ignore[attr-defined]
        "issue_form": HolderForm(manager=True) if manager else None,
        "warning_days": settings.EGOV_CERTIFICATE_WARNING_DAYS,
    })


@official_required
@require_POST
def issue(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not actions.can_manage(user):
        raise PermissionDenied
    form = HolderForm(request.POST, manager=True)
    if form.is_valid():
        try:
            cert = actions.do_issue_certificate(
                acting_user=user, kind=form.cleaned_data["kind"],
                user=form.cleaned_data["user"],
                organisation=form.cleaned_data["organisation"])
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("Certificate issued to %(name)s.")
                             % {"name": cert.subject_name})
    else:
        messages.error(request, _("Choose the kind and the holder."))
    return HttpResponseRedirect(reverse("signing:certificates"))


@official_required
def import_certificate(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    manager = actions.can_manage(user)
    posted = request.method == "POST"
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None,
                      manager=manager)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kind = data.get("kind") or Certificate.Kind.PERSONAL
        holder = data.get("user") if manager else user
        try:
            cert = actions.do_import_certificate(
                acting_user=user, kind=kind, data=data["file"].read(),
                password=data["password"], user=holder if kind == "personal" else None,
                organisation=data.get("organisation"))
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("Certificate of %(name)s imported; its key is stored "
                                        "encrypted.") % {"name": cert.subject_name})
            return HttpResponseRedirect(reverse("signing:certificates"))
    return render(request, "signing/import.html", {"form": form, "manager": manager},
                  status=400 if form.errors else 200)


@official_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    if not actions.can_manage(user):
        raise PermissionDenied
    cert = get_object_or_404(Certificate, pk=pk)
    form = RevokeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"reason": [_("Say why the certificate is revoked.")]})
        actions.do_revoke_certificate(cert, acting_user=user,
                                      reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Certificate of %(name)s revoked.")
                         % {"name": cert.subject_name})
    return HttpResponseRedirect(reverse("signing:certificates"))


def _shown(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for report in reports:
        report["verdict_label"] = VERDICT_LABELS.get(report.get("verdict", ""), "")
        for key in ("signing_time", "timestamp_time"):
            if report.get(key):
                report[key + "_local"] = timezone.localtime(
                    dt.datetime.fromisoformat(report[key]))
    return reports


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Verify an uploaded file. Nothing is stored."""
    posted = request.method == "POST"
    form = VerifyForm(request.POST if posted else None, request.FILES if posted else None)
    outcome = None
    name = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        signature = form.cleaned_data["signature"]
        name = upload.name
        outcome = verification.verify_content(upload.name, upload.read(),
                                              signature.read() if signature else None)
        _shown(outcome.reports)
    return render(request, "signing/verify.html", {
        "form": form, "outcome": outcome, "name": name,
        "status_label": FILE_STATUS_LABELS.get(outcome.status) if outcome else "",
    }, status=400 if form.errors else 200)


@official_required
def verify_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    """Verify a stored file of a document the person may see (404 otherwise), keep the
    verdict on it, and show it."""
    user = current_user(request)
    row = get_object_or_404(DocumentFile.objects.select_related("document").filter(
        document__in=queries.visible_documents(user).filter(pk=pk)), pk=file_pk)
    outcome = verification.record(row)
    _shown(outcome.reports)
    return render(request, "signing/verify.html", {
        "form": None, "outcome": outcome, "name": row.name, "document": row.document,
        "status_label": FILE_STATUS_LABELS.get(outcome.status),
    })


def crl(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificate revocation list of a CA the platform runs, public as CRLs are
    (RFC 5280): DER, freshly signed, listing every certificate revoked here."""
    authority = get_object_or_404(Authority, pk=pk, key_blob__isnull=False,
                                  is_timestamping=False)
    response = HttpResponse(store.authority_ca(authority).crl(),
                            content_type="application/pkix-crl")
    response["Content-Disposition"] = f'inline; filename="egov-ca-{authority.pk}.crl"'
    response["Cache-Control"] = "max-age=300"
    return response


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


@official_required
def rates(request: HttpRequest) -> HttpResponse:
    """The share of issued and received documents with a valid signature, per agency and
    month of a year, over the documents the person may see."""
    user = current_user(request)
    year = _year(request)
    found = stats.signature_rates(queries.visible_documents(user), dt.date(year, 1, 1),
                                  dt.date(year, 12, 31))
    names = dict(Organisation.objects.filter(
        Q(pk__in={r.agency_id for r in found})).values_list("pk", "name"))
    return render(request, "signing/rates.html", {
        "year": year, "rows": [(names.get(r.agency_id, ""), r) for r in found]})
