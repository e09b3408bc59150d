"""Home-page panel of e-Cabinet for Government members: the meetings ahead and the
ballots waiting for their answer, filling the foundation's empty role panel. Two count
queries, only for people holding a Government member's post."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.models import Position, User
from egov.web.panels import Panel, PanelItem, posts, register, role_key, url

from . import queries
from .models import Answer, Ballot, Meeting


def member_panel(request: HttpRequest) -> Panel | None:
    user = request.user
    if not isinstance(user, User) or user.kind != User.Kind.OFFICIAL or not any(
            p.position == Position.GOVERNMENT_MEMBER for p in posts(request)):
        return None
    now = timezone.now()
    meetings = queries.attending_meetings(user).filter(
        starts_at__gte=now).exclude(status=Meeting.Status.CLOSED).count()
    waiting = Ballot.objects.filter(
        members__user=user, status=Ballot.Status.OPEN, deadline__gt=now).exclude(
        Exists(Answer.objects.filter(ballot=OuterRef("pk"), member=user))).count()
    items = [PanelItem(_("Meetings ahead"), url("cabinet:home"), meetings),
             PanelItem(_("Ballots waiting for your answer"), url("cabinet:home"), waiting,
                       urgent=waiting > 0)]
    return Panel(title=str(Position(Position.GOVERNMENT_MEMBER).label),
                 key=role_key(Position.GOVERNMENT_MEMBER),
                 items=items if meetings or waiting else [], order=90)


def register_all() -> None:
    register(member_panel)
