"""Home-page panels of documents: what waits for a clerk, a leader, a unit head and a
specialist, each item linking to the inbox (or the outgoing list) filtered to it.

One provider, one aggregate query over the documents the person may see
(``queries.visible_documents``, whose rule costs one more small query), however many
posts and documents there are. A role's items are shown only when something waits, so an
empty role panel keeps its sentence saying what will appear there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from egov.core.models import Position, Post, User
from egov.web.panels import Panel, PanelItem, posts, register, role_key, url

from . import queries
from .models import Assignment, Direction, Role, Status
from .rules import ProcessingStatus

LEADERS = (Position.AGENCY_LEADER, Position.DEPUTY_LEADER)
HEADS = (Position.UNIT_HEAD, Position.AGENCY_LEADER, Position.DEPUTY_LEADER)
ROLES = (Position.CLERK, *LEADERS, Position.UNIT_HEAD, Position.SPECIALIST)


def _link(name: str, **params: str) -> str:
    base = url(name)
    return f"{base}?{urlencode(params)}" if base and params else base


def document_panels(request: HttpRequest) -> list[Panel]:
    user = request.user
    if not isinstance(user, User) or user.kind != User.Kind.OFFICIAL:
        return []
    held = {p.position for p in posts(request)}
    if not held & set(ROLES):
        return []
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    my_posts = Post.objects.filter(user=user, is_active=True)
    clerk_agencies = my_posts.filter(position=Position.CLERK).values("organisation__agency_id")
    led_agencies = my_posts.filter(position__in=LEADERS).values("organisation__agency_id")
    head_units = my_posts.filter(position__in=HEADS).values("organisation_id")
    my_units = my_posts.values("organisation_id")
    incoming = Q(direction=Direction.INCOMING)
    outgoing = Q(direction=Direction.OUTGOING)
    open_lead = Assignment.objects.filter(document=OuterRef("pk"), done_at__isnull=True,
                                          role=Role.LEAD)
    mine = Exists(open_lead.filter(Q(user=user) | Q(unit_id__in=my_units)))
    unit_open = Exists(open_lead.filter(unit_id__in=head_units))
    overdue = Q(processing=ProcessingStatus.OVERDUE)
    near = Q(processing=ProcessingStatus.NEAR_DEADLINE)
    wanted: dict[str, Any] = {}
    if Position.CLERK in held:
        wanted |= {
            "registered_today": incoming & Q(agency_id__in=clerk_agencies,
                                             received_at__gte=start,
                                             received_at__lt=start + dt.timedelta(days=1)),
            "to_send": incoming & Q(status=Status.REGISTERED, agency_id__in=clerk_agencies),
            "to_issue": outgoing & Q(status=Status.APPROVED, agency_id__in=clerk_agencies),
        }
    if held & set(LEADERS):
        wanted |= {
            "to_assign": incoming & Q(status=Status.WAITING_ASSIGNMENT,
                                      agency_id__in=led_agencies),
            "overdue": incoming & overdue,
            "near": incoming & near,
            "to_approve": outgoing & Q(status=Status.AWAITING_APPROVAL,
                                       agency_id__in=led_agencies),
        }
    if Position.UNIT_HEAD in held:
        wanted |= {
            "unit_open": incoming & Q(unit_open),
            "to_review": outgoing & Q(status=Status.IN_REVIEW, unit_id__in=head_units),
        }
    if Position.SPECIALIST in held:
        wanted |= {
            "mine": incoming & Q(mine),
            "mine_overdue": incoming & Q(mine) & overdue,
            "mine_near": incoming & Q(mine) & near,
        }
    base = queries.with_processing_status(queries.visible_documents(user), today)
    n = base.aggregate(**{key: Count("pk", filter=cond) for key, cond in wanted.items()})

    def panel(position: str, items: list[PanelItem]) -> Panel:
        shown = items if any(i.count for i in items) else []
        return Panel(title=str(Position(position).label), key=role_key(position),
                     items=shown, order=90)

    found: list[Panel] = []
    if Position.CLERK in held:
        found.append(panel(Position.CLERK, [
            PanelItem(_("Registered today"),
                      _link("documents:inbox", tab="all", received="today"),
                      n["registered_today"]),
            PanelItem(_("Registered, to pass to the leaders"),
                      _link("documents:inbox", tab="new"), n["to_send"]),
            PanelItem(_("Approved, waiting for a number and issue"),
                      _link("documents:outgoing", tab="to_issue"), n["to_issue"],
                      urgent=n["to_issue"] > 0),
        ]))
    for position in LEADERS:
        if position in held:
            found.append(panel(position, [
                PanelItem(_("Waiting for assignment"),
                          _link("documents:inbox", tab="waiting"), n["to_assign"],
                          urgent=n["to_assign"] > 0),
                PanelItem(_("Overdue"), _link("documents:inbox", tab="overdue"),
                          n["overdue"], urgent=n["overdue"] > 0),
                PanelItem(_("Near deadline (2 working days or less)"),
                          _link("documents:inbox", tab="near"), n["near"]),
                PanelItem(_("Drafts waiting for my approval"),
                          _link("documents:outgoing", tab="to_approve"), n["to_approve"]),
            ]))
    if Position.UNIT_HEAD in held:
        found.append(panel(Position.UNIT_HEAD, [
            PanelItem(_("Open assignments of my unit"),
                      _link("documents:inbox", tab="mine"), n["unit_open"]),
            PanelItem(_("Drafts waiting for my review"),
                      _link("documents:outgoing", tab="to_review"), n["to_review"]),
        ]))
    if Position.SPECIALIST in held:
        found.append(panel(Position.SPECIALIST, [
            PanelItem(_("My open assignments"), _link("documents:inbox", tab="mine"),
                      n["mine"]),
            PanelItem(_("of which overdue"),
                      _link("documents:inbox", tab="mine", status=ProcessingStatus.OVERDUE),
                      n["mine_overdue"], urgent=n["mine_overdue"] > 0),
            PanelItem(_("of which near deadline"),
                      _link("documents:inbox", tab="mine",
                            status=ProcessingStatus.NEAR_DEADLINE),
                      n["mine_near"], urgent=n["mine_near"] > 0),
        ]))
    return found


def register_all() -> None:
    register(document_panels)
