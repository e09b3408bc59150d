"""Home-page panels of public services: what waits for a one-stop officer or a leader
(dossiers to receive, overdue, near due, to approve), and a citizen's open dossiers. One
aggregate query each."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from egov.core.models import User
from egov.web.panels import Panel, PanelItem, register, url

from . import queries, rules
from .models import Status


def _link(name: str, **params: str) -> str:
    base = url(name)
    return f"{base}?{urlencode(params)}" if base and params else base


def office_panel(request: HttpRequest) -> Panel | None:
    user = request.user
    if not isinstance(user, User) or user.kind != User.Kind.OFFICIAL:
        return None
    if not queries.is_officer(user):
        return None
    today = timezone.localdate()
    open_ = Q(status__in=list(rules.OPEN))
    counts = queries.office_dossiers(user).aggregate(
        new=Count("pk", filter=Q(status=Status.SUBMITTED)),
        overdue=Count("pk", filter=open_ & Q(due_date__lt=today)),
        near=Count("pk", filter=open_ & Q(due_date__gte=today,
                                          due_date__lte=queries.near_limit(today))),
        approve=Count("pk", filter=Q(status=Status.AWAITING_APPROVAL)),
        ready=Count("pk", filter=Q(status=Status.RESULT_READY)),
    )
    items = []
    if counts["overdue"]:
        items.append(PanelItem(_("Overdue dossiers"),
                               _link("services:queue", deadline="overdue"),
                               counts["overdue"], urgent=True))
    if counts["near"]:
        items.append(PanelItem(_("Dossiers due soon"),
                               _link("services:queue", deadline="near_due"),
                               counts["near"], urgent=True))
    if counts["new"]:
        items.append(PanelItem(_("Dossiers to receive"),
                               _link("services:queue", status="submitted"),
                               counts["new"]))
    if counts["approve"] and user.has_perm("services.approve_dossier"):
        items.append(PanelItem(_("Dossiers to approve"),
                               _link("services:queue", status="awaiting_approval"),
                               counts["approve"]))
    if counts["ready"]:
        items.append(PanelItem(_("Results to return"),
                               _link("services:queue", status="result_ready"),
                               counts["ready"]))
    return Panel(_("One-stop shop"), items, key="services-office", order=15,
                 empty_text=_("Dossiers to receive, approve or return will appear here."),
                 link=PanelItem(_("Open the queue"), url("services:queue")))


def citizen_panel(request: HttpRequest) -> Panel | None:
    user = request.user
    if not isinstance(user, User) or user.kind == User.Kind.OFFICIAL:
        return None
    counts = queries.own_dossiers(user).aggregate(
        open=Count("pk", filter=Q(status__in=list(rules.OPEN))),
        more=Count("pk", filter=Q(status=Status.MORE_REQUESTED)),
        ready=Count("pk", filter=Q(status=Status.RESULT_READY)))
    items = []
    if counts["more"]:
        items.append(PanelItem(_("Dossiers waiting for your documents"),
                               url("services:my_dossiers"), counts["more"], urgent=True))
    if counts["ready"]:
        items.append(PanelItem(_("Results ready"), url("services:my_dossiers"), counts["ready"]))
    if counts["open"]:
        items.append(PanelItem(_("Dossiers in progress"), url("services:my_dossiers"),
                               counts["open"]))
    return Panel(_("My dossiers"), items, key="services-citizen", order=5,
                 empty_text=_("Find a service in the catalogue and apply online."),
                 link=PanelItem(_("Find a public service"), url("services:catalogue")))


def register_all() -> None:
    register(office_panel)
    register(citizen_panel)
