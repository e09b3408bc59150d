"""The hub's administration pages (/hub/v1/admin/): connected systems with their inbox
depth and agencies, recent refusals with their reasons, failed push notifications, and
the statistics per agency. Read-only; for superusers and holders of exchange.view_hub.
Each page runs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import hub_queries, hub_stats
from .hub_menu import can_view_hub
from .models import HubAgency, HubPushFailure, HubRefusal, HubSystem

RECENT = 100
TABS = (("overview", gettext_lazy("Systems and agencies")),
        ("refusals", gettext_lazy("Refusals")),
        ("pushes", gettext_lazy("Failed pushes")),
        ("statistics", gettext_lazy("Statistics")))

View = Callable[..., HttpResponse]


def hub_viewer_required(view: View) -> View:
    """Signed in (else to the sign-in page), and a superuser or exchange.view_hub (else 403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_view_hub(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _page(request: HttpRequest, template: str, current: str, *, status: int = 200,
          **context: Any) -> HttpResponse:
    tabs = [{"key": key, "label": label, "url": reverse(f"hub:{key}"),
             "current": key == current} for key, label in TABS]
    return render(request, f"exchange/{template}", {"tabs": tabs, **context}, status=status)


@hub_viewer_required
def overview(request: HttpRequest) -> HttpResponse:
    systems = list(hub_queries.systems_with_depth().annotate(
        failed_pushes=Count("push_failures", distinct=True)))
    agencies = list(HubAgency.objects.select_related("system").annotate(
        valid_certificates=Count("certificates",
                                 filter=Q(certificates__revoked_at__isnull=True)))
        .order_by("code"))
    return _page(request, "hub_overview.html", "overview", systems=systems,
                 agencies=agencies, waiting=sum(s.depth for s in systems))  # type: ignore[attr-defined]


@hub_viewer_required
def refusals(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip()
    rows = HubRefusal.objects.select_related("system").order_by("-id")
    if code:
        rows = rows.filter(code=code)
    codes = (HubRefusal.objects.values("code").order_by("code")
             .annotate(n=Count("id")))
    return _page(request, "hub_refusals.html", "refusals", rows=list(rows[:RECENT]),
                 codes=list(codes), code=code)


@hub_viewer_required
def pushes(request: HttpRequest) -> HttpResponse:
    rows = HubPushFailure.objects.select_related("system").order_by("-id")[:RECENT]
    systems = HubSystem.objects.exclude(push_url="").order_by("name")
    return _page(request, "hub_pushes.html", "pushes", rows=list(rows),
                 systems=list(systems))


def _date(value: str | None, default: dt.date) -> tuple[dt.date, bool]:
    if not value:
        return default, True
    try:
        return dt.date.fromisoformat(value), True
    except ValueError:
        return default, False


@hub_viewer_required
def statistics(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    start, ok_start = _date(request.GET.get("start"), today.replace(day=1))
    end, ok_end = _date(request.GET.get("end"), today)
    error = None
    if not (ok_start and ok_end):
        error = _("Dates are written YYYY-MM-DD.")
    elif end < start:
        error = _("The end of the period is before its start.")
        start, end = end, start
    rows = hub_stats.agency_stats(start, end)
    return _page(request, "hub_statistics.html", "statistics", rows=rows, start=start,
                 end=end, error=error, status=400 if error else 200)
