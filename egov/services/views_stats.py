"""The statistics page of the one-stop shop (charts and table) and its CSV export."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from egov.core.models import User

from . import queries, stats
from .models import Procedure


def _date(value: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return default


@login_required
def statistics(request: HttpRequest) -> HttpResponseBase:
    user = request.user
    if not isinstance(user, User) or not user.has_perm("services.view_statistics") or \
            not queries.officer_agency_ids(user):
        raise PermissionDenied(_("Statistics are for the agency's one-stop shop and leaders."))
    today = timezone.localdate()
    start = _date(request.GET.get("start", ""), today.replace(month=1, day=1))
    end = _date(request.GET.get("end", ""), today)
    errors = []
    if end < start:
        errors.append(_("The period's end is before its start."))
        end = start
    dossiers = queries.office_dossiers(user)
    procedure = request.GET.get("procedure", "")
    if procedure:
        dossiers = dossiers.filter(procedure__code=procedure)
    rows = stats.period_rows(dossiers, start, end)
    total = stats.totals(rows)
    if request.GET.get("format") == "csv":
        response = StreamingHttpResponse(stats.csv_lines(rows),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="thong-ke-ho-so-{start:%Y%m%d}-{end:%Y%m%d}.csv"')
        return response
    labels = {"received": pgettext("dossier count", "Received"), "on_time": _("Done on time"),
              "late": _("Done late"), "overdue": _("Overdue"), "online": _("Online"),
              "counter": _("At the counter")}
    return render(request, "services/statistics.html", {
        "rows": rows, "total": total, "start": start, "end": end, "errors": errors,
        "procedure": procedure,
        "procedures": Procedure.objects.filter(
            agency_id__in=queries.officer_agency_ids(user)).order_by("code"),
        # pygal's SVG: made on the server from numbers and our labels, with no script.
        "outcome_svg": mark_safe(stats.outcome_chart(  # noqa: S308
            rows, _("Dossiers per procedure"), labels)) if rows else "",
        "channel_svg": mark_safe(stats.channel_chart(  # noqa: S308
            total, _("Online share"), labels)) if total.received else "",
    })


urlpatterns = [
    path("thong-ke/", statistics, name="statistics"),
]
