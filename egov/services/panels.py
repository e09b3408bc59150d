"""Home-page panels of public services. They fill the panels the foundation keeps for this
part (web/home_panels.py): the one-stop officer's and the leaders' role panels, and the
citizen's "Public services" and "Your dossiers". One aggregate query each; the officer's
rights come from ``queries`` (one query, shared with the main menu)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from egov.core.models import Position, User
from egov.web.panels import Panel, PanelItem, posts, register, role_key, url

from . import queries, rules
from .models import Status

LEADERS = (Position.AGENCY_LEADER, Position.DEPUTY_LEADER)
PROCESSORS = (Position.SPECIALIST, Position.UNIT_HEAD)


def _link(name: str, **params: str) -> str:
    base = url(name)
    return f"{base}?{urlencode(params)}" if base and params else base


def office_panels(request: HttpRequest) -> list[Panel]:
    user = request.user
    if not queries.may_be_officer(request) or not isinstance(user, User) or \
            not queries.is_officer(user):
        return []
    today = timezone.localdate()
    open_ = Q(status__in=list(rules.OPEN))
    counts = queries.office_dossiers(user).aggregate(
        new=Count("pk", filter=Q(status=Status.SUBMITTED)),
        overdue=Count("pk", filter=open_ & Q(due_date__lt=today)),
        near=Count("pk", filter=open_ & Q(due_date__gte=today,
                                          due_date__lte=queries.near_limit(today))),
        processing=Count("pk", filter=Q(status=Status.PROCESSING)),
        approve=Count("pk", filter=Q(status=Status.AWAITING_APPROVAL)),
        ready=Count("pk", filter=Q(status=Status.RESULT_READY)),
    )
    deadline_items = []
    if counts["overdue"]:
        deadline_items.append(PanelItem(_("Overdue dossiers"),
                                        _link("services:queue", deadline="overdue"),
                                        counts["overdue"], urgent=True))
    if counts["near"]:
        deadline_items.append(PanelItem(_("Dossiers due soon"),
                                        _link("services:queue", deadline="near_due"),
                                        counts["near"], urgent=True))
    held = {p.position for p in posts(request)}
    found = []
    if Position.ONE_STOP_OFFICER in held:
        items = list(deadline_items)
        if counts["new"]:
            items.append(PanelItem(_("Dossiers to receive"),
                                   _link("services:queue", status="submitted"), counts["new"]))
        if counts["ready"]:
            items.append(PanelItem(_("Results to return"),
                                   _link("services:queue", status="result_ready"),
                                   counts["ready"]))
        found.append(Panel(str(Position.ONE_STOP_OFFICER.label), items, order=99,
                           key=role_key(Position.ONE_STOP_OFFICER),
                           link=PanelItem(_("Open the queue"), url("services:queue"))))
    for position in LEADERS:
        if position in held:
            items = list(deadline_items)
            if counts["approve"]:
                items.append(PanelItem(_("Dossiers to approve"),
                                       _link("services:queue", status="awaiting_approval"),
                                       counts["approve"]))
            found.append(Panel(str(Position(position).label), items, order=99,
                               key=role_key(position)))
    for position in PROCESSORS:
        if position in held and counts["processing"]:
            found.append(Panel(str(Position(position).label), [PanelItem(
                _("Dossiers being processed"), _link("services:queue", status="processing"),
                counts["processing"])], order=99, key=role_key(position)))
    return found


def citizen_panels(request: HttpRequest) -> list[Panel]:
    user = request.user
    if not isinstance(user, User) or user.kind == User.Kind.OFFICIAL:
        return []
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
    return [
        Panel(_("Public services"), [
            PanelItem(_("Find a public service"), url("services:catalogue")),
            PanelItem(_("Look up a dossier"), url("services:lookup"))],
            order=99, key="services"),
        Panel(_("My dossiers"), items, order=99, key="dossiers",
              link=PanelItem(_("My dossiers"), url("services:my_dossiers"))),
    ]


def register_all() -> None:
    register(office_panels)
    register(citizen_panels)
