"""Pages: browse the audit log (administrators and leaders).

The rows come from ``queries.visible_audit_entries`` (an agency leader sees the people of
the subtree they lead, an administrator sees everything); the filters narrow that set.
A page costs a fixed number of queries, whatever it shows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import AuditEntry, AuditSeal, User
from .queries import visible_audit_entries

PAGE_SIZE = 50


def can_browse_audit(user: Any) -> bool:
    """Administrators and leaders (the positions that grant ``core.view_audit``)."""
    return bool(user.is_authenticated and (
        user.is_superuser or user.has_perm("core.view_all_audit")
        or user.has_perm("core.view_audit")))


def browsable_entries(user: User) -> QuerySet[AuditEntry]:
    """What the page and the API list: the visible entries, newest first, each with its
    chain position (``seq``, None while it waits to be sealed)."""
    return (visible_audit_entries(user).annotate(seq=F("link__seq"))
            .order_by("-created_at", "-id"))


class AuditFilterForm(forms.Form):
    """The filters of the page and of ``/api/v1/audit/`` (query parameters)."""

    actor = forms.CharField(
        label=gettext_lazy("Actor"), required=False, max_length=150,
        help_text=gettext_lazy("Part of the name, or the exact user name."))
    action = forms.CharField(
        label=gettext_lazy("Action"), required=False, max_length=100,
        help_text=gettext_lazy("E.g. core.update_organisation, or core. for every "
                               "action of the foundation."))
    object_type = forms.CharField(
        label=gettext_lazy("Object type"), required=False, max_length=100,
        help_text=gettext_lazy("E.g. core.organisation."))
    object_id = forms.CharField(label=gettext_lazy("Object id"), required=False,
                                max_length=64)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date comes before the start date."))
        if data.get("object_id") and not data.get("object_type"):
            self.add_error("object_type", _("Give the object type with its id."))
        return data

    def filter(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        data = self.cleaned_data
        if actor := data.get("actor", "").strip():
            entries = entries.filter(Q(actor_label__icontains=actor)
                                     | Q(actor__username=actor))
        if action := data.get("action", "").strip():
            entries = entries.filter(action__startswith=action)
        if object_type := data.get("object_type", "").strip():
            entries = entries.filter(object_type=object_type)
        if object_id := data.get("object_id", "").strip():
            entries = entries.filter(object_id=object_id)
        if start := data.get("date_from"):
            entries = entries.filter(created_at__gte=_midnight(start))
        if end := data.get("date_to"):
            entries = entries.filter(created_at__lt=_midnight(end + dt.timedelta(days=1)))
        return entries


def _midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in the deployment's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _require_browser(request: HttpRequest) -> User:
    if not can_browse_audit(request.user):
        raise PermissionDenied(_("Only administrators and leaders can read the audit log."))
    return cast(User, request.user)


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    user = _require_browser(request)
    form = AuditFilterForm(request.GET or None)
    entries = browsable_entries(user)
    if form.is_bound:
        entries = form.filter(entries) if form.is_valid() else entries.none()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {
        "form": form,
        "page": page,
        "last_seal": AuditSeal.objects.order_by("-last_seq").first(),
    })


@login_required
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require_browser(request)
    entry = get_object_or_404(browsable_entries(user), pk=pk)
    before, after = entry.before or {}, entry.after or {}
    changes = [
        {"field": key, "before": before.get(key), "after": after.get(key),
         "changed": before.get(key) != after.get(key),
         "only_before": key not in after, "only_after": key not in before}
        for key in sorted(set(before) | set(after))
    ]
    return render(request, "core/audit_detail.html", {
        "entry": entry,
        "changes": changes,
        "has_before": entry.before is not None,
        "has_after": entry.after is not None,
    })


urlpatterns: list[URLPattern | URLResolver] = [
    path("audit/", audit_list, name="audit_list"),
    path("audit/<int:pk>/", audit_detail, name="audit_detail"),
]
