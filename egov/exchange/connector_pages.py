"""Pages of the connector: packages received from the hub for a clerk to register or
refuse, the trace of a sent document, and the push endpoint the hub calls."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from egov import edxml
from egov.core.models import Organisation
from egov.documents.views_inbox import current_user, official_required, visible_document

from . import connector_actions as actions
from . import connector_queries as queries
from . import connector_tasks
from .connector_client import HubError
from .models import InboundPackage, OutboundPackage

PAGE = 100

STATUS_LABELS = {
    "01": gettext_lazy("Arrived"),
    "02": gettext_lazy("Refused by the recipient"),
    "03": gettext_lazy("Received and registered"),
    "04": gettext_lazy("Assigned by a leader"),
    "05": gettext_lazy("Being processed"),
    "06": gettext_lazy("Completed"),
}


def _when(value: Any) -> Any:
    try:
        return dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _readable(trace: dict[str, Any]) -> dict[str, Any]:
    """The hub's trace with times as datetimes (shown in local time) and the statuses'
    meanings in the reader's language."""
    for recipient in trace.get("recipients", []):
        recipient["delivered_at"] = _when(recipient.get("delivered_at"))
        recipient["acked_at"] = _when(recipient.get("acked_at"))
        for status in recipient.get("statuses", []):
            status["timestamp"] = _when(status.get("timestamp"))
            status["label"] = STATUS_LABELS.get(status.get("code"), status.get("meaning", ""))
    return trace


def _flash(request: HttpRequest, exc: ValidationError) -> None:
    for error in exc.messages:
        messages.error(request, error)


@official_required
def received(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state") or InboundPackage.State.RECEIVED
    if state not in InboundPackage.State.values:
        state = InboundPackage.State.RECEIVED
    rows = list(queries.received_packages(current_user(request)).filter(state=state)
                .select_related("agency", "document").defer("data")[:PAGE])
    return render(request, "exchange/received.html", {
        "rows": rows, "state": state, "states": InboundPackage.State.choices})


@official_required
def received_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    row = get_object_or_404(queries.received_packages(user).select_related("agency",
                                                                           "document"), pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "refuse":
                actions.do_refuse_package(row, acting_user=user,
                                          reason=request.POST.get("reason", ""))
                messages.success(request, _("The package is refused; the sender is told why."))
                return redirect("exchange:received")
            document = actions.do_register_package(
                row, acting_user=user, allow_duplicate=bool(request.POST.get("confirm")))
            messages.success(request, _("Registered as incoming number %(number)s.")
                             % {"number": document.number})
            return redirect("documents:detail", document.pk)
        except ValidationError as exc:
            _flash(request, exc)
    package = edxml.parse_package(bytes(row.data))
    return render(request, "exchange/received_detail.html", {
        "row": row, "package": package,
        "files": [(a.name, a.content_type, len(a.data)) for a in package.attachments],
        "statuses": [(status, STATUS_LABELS.get(status.code, status.code))
                     for status in row.statuses.all()]})


@official_required
def document_trace(request: HttpRequest, pk: int) -> HttpResponse:
    """Where a sent document stands: the hub's receipt and every recipient's statuses,
    read live from the hub (``GET /packages/{id}/trace``), else from what arrived here."""
    user = current_user(request)
    document = visible_document(user, pk)
    row = get_object_or_404(OutboundPackage.objects.filter(document=document))
    trace: dict[str, Any] | None = None
    problem = ""
    conn = actions.connection()
    if row.hub_id is not None and conn is not None:
        try:
            trace = _readable(actions.client(conn).trace(row.hub_id))
            names = dict(Organisation.objects.filter(
                code__in=[r.get("recipient") for r in trace.get("recipients", [])]
            ).values_list("code", "name"))
            for recipient in trace.get("recipients", []):
                recipient["name"] = names.get(recipient.get("recipient"), "")
        except HubError as exc:
            problem = exc.message
    return render(request, "exchange/trace.html", {
        "doc": document, "row": row, "trace": trace, "problem": problem,
        "statuses": list(row.statuses.all()),
        "labels": STATUS_LABELS})


@csrf_exempt
@require_POST
def push(request: HttpRequest) -> HttpResponse:
    """The hub says items wait (``{"new": N}``). Only a hint: the connector pulls with its
    own credentials, so nothing in the call is trusted and it needs none."""
    try:
        json.loads(request.body[:1000] or b"{}")
    except ValueError:
        return JsonResponse({"code": "invalid", "message": "expected JSON"}, status=400)
    queued = connector_tasks.request_pull()
    connector_tasks.ensure_schedule()
    return JsonResponse({"queued": queued}, status=202)
