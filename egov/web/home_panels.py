"""The foundation's home-page panels: your posts, a panel per role (filled by the later
parts through the registry), administration (organisations, audit log), the calendar,
and the public home for citizens and businesses."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from egov.core import calendar
from egov.core.models import AuditEntry, AuditSeal, Organisation, Position, User

from .panels import Panel, PanelItem, posts, register, role_key, url

# An audit entry waits a few seconds for its seal; this long means the worker is down.
SEAL_OVERDUE = dt.timedelta(minutes=10)


def _is_official(request: HttpRequest) -> bool:
    user = request.user
    return user.is_authenticated and getattr(user, "kind", None) == User.Kind.OFFICIAL


def _is_administrator(request: HttpRequest) -> bool:
    user = request.user
    return user.is_authenticated and (user.is_superuser or user.is_staff)


def _role_texts() -> dict[str, str]:
    """What will wait for each position here; the later parts fill these panels."""
    leader = _("Nothing is waiting for you yet. Documents to assign, drafts to approve "
               "and sign, and tasks near their deadline will be listed here.")
    return {
        Position.CLERK: _("No documents are waiting for you yet. Incoming documents to "
                          "register, and outgoing documents to number, issue and send, "
                          "will be listed here."),
        Position.SPECIALIST: _("No documents are assigned to you yet. Documents to "
                               "process and drafts to prepare will be listed here."),
        Position.UNIT_HEAD: _("Nothing is waiting for you yet. Documents to assign within "
                              "your unit and drafts to review will be listed here."),
        Position.AGENCY_LEADER: leader,
        Position.DEPUTY_LEADER: leader,
        Position.ONE_STOP_OFFICER: _("No dossiers are waiting for you yet. Dossiers "
                                     "received at the one-stop shop, and results to "
                                     "return, will be listed here."),
        Position.GOVERNMENT_MEMBER: _("No meetings or ballots are waiting for you yet. "
                                      "Meeting papers to read and ballots to vote on will "
                                      "be listed here."),
    }


def your_posts(request: HttpRequest) -> Panel | None:
    if not _is_official(request):
        return None
    items = []
    for post in posts(request):
        unit = post.organisation
        place = unit.name
        agency = unit.agency
        if agency is not None and agency.pk != unit.pk:
            place = f"{unit.name}, {agency.name}"
        position = post.get_position_display()
        detail = "" if post.title.casefold() == position.casefold() else post.title
        if not post.is_primary:
            detail = ", ".join(filter(None, [detail, _("concurrent post")]))
        items.append(PanelItem(label=f"{position} — {place}",
                               detail=detail))
    account = url("identity:account")
    return Panel(
        title=_("Your posts"), items=items, order=10, key="posts",
        empty_text=_("You hold no post yet. An administrator of your agency can give you "
                     "one."),
        link=PanelItem(_("Your account"), account) if account else None,
    )


def role_panels(request: HttpRequest) -> list[Panel]:
    if not _is_official(request):
        return []
    texts = _role_texts()
    held = {post.position for post in posts(request)}
    return [
        Panel(title=str(Position(position).label), empty_text=texts[position],
              order=20 + index, key=role_key(position))
        for index, position in enumerate(Position.values) if position in held
    ]


def organisations(request: HttpRequest) -> Panel | None:
    if not _is_administrator(request) or not request.user.has_perm("core.view_organisation"):
        return None
    counts = Organisation.objects.filter(is_active=True).aggregate(
        total=Count("id"), agencies=Count("id", filter=Q(is_agency=True)))
    org_list = url("core:org_list")
    return Panel(
        title=_("Organisations"), order=50, key="organisations",
        items=[
            PanelItem(_("Active organisations and units"), org_list, counts["total"]),
            PanelItem(_("of which agencies"), count=counts["agencies"]),
        ],
        link=PanelItem(_("Manage organisations"), org_list) if org_list else None,
    )


def audit_status(request: HttpRequest) -> Panel | None:
    if not _is_administrator(request) or not request.user.has_perm("core.view_auditentry"):
        return None
    pending = AuditEntry.objects.filter(link__isnull=True).aggregate(
        count=Count("id"), oldest=Min("created_at"))
    last_seal = AuditSeal.objects.order_by("-last_seq").only("sealed_at", "last_seq").first()
    overdue = bool(pending["oldest"] and timezone.now() - pending["oldest"] > SEAL_OVERDUE)
    audit_list = url("core:audit_list")
    items = [
        PanelItem(_("Entries not yet sealed"), count=pending["count"], urgent=overdue),
        PanelItem(
            _("Last seal"),
            detail=date_format(timezone.localtime(last_seal.sealed_at), "d/m/Y H:i:s")
            if last_seal else _("none yet")),
    ]
    note = ""
    if overdue:
        note = _("Entries have waited more than 10 minutes for their seal: check that the "
                 "background worker (egov db_worker) is running.")
    return Panel(title=_("Audit log"), items=items, order=55, key="audit", note=note,
                 link=PanelItem(_("Open the audit log"), audit_list) if audit_list else None)


def calendar_panel(request: HttpRequest) -> Panel | None:
    if not (_is_official(request) or _is_administrator(request)):
        return None
    today = timezone.localdate()
    items = [PanelItem(label=date_format(day, "l, d/m/Y"), detail=name)
             for day, name in calendar.upcoming_days_off(today, limit=3)]
    return Panel(
        title=_("Next days off"), items=items, order=60, key="calendar",
        empty_text=_("No day off is known for the coming year."),
        link=PanelItem(_("Working-day calendar"), url("core:calendar")),
    )


def public_services(request: HttpRequest) -> list[Panel]:
    user = request.user
    if not user.is_authenticated or getattr(user, "kind", None) == User.Kind.OFFICIAL:
        return []
    return [
        Panel(title=_("Public services"), order=10, key="services",
              empty_text=_("The catalogue of online public services is not open yet. Here "
                           "you will find a procedure, submit a dossier, pay the fee and "
                           "follow it until the result is returned.")),
        Panel(title=_("Your dossiers"), order=20, key="dossiers",
              empty_text=_("You have not submitted any dossier.")),
    ]


def register_all() -> None:
    for provider in (your_posts, role_panels, organisations, audit_status, calendar_panel,
                     public_services):
        register(provider)
