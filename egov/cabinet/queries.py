"""What a person may see in e-Cabinet, as querysets.

- The Government Office (``directives.queries.is_office``) sees every meeting and ballot;
- a member sees the meetings they attend that were held while their term ran (a member
  replaced in the middle of a term keeps the meetings before the change, loses the later
  ones); a guest sees the meetings they are invited to;
- officials of a proposing agency see the meetings where their agency has an item (to
  upload its papers), and only their items' papers;
- papers: members see the published ones, guests the published ones not marked for
  members only; notes only their author.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from egov.core.models import Post, User
from egov.directives.queries import is_office

from .models import (
    AgendaItem,
    Answer,
    Attendee,
    Ballot,
    BallotMember,
    Meeting,
    Membership,
    Paper,
    SpeakRequest,
)

__all__ = [
    "agency_ids",
    "is_office",
    "member_of_meeting",
    "visible_answers",
    "visible_ballots",
    "visible_meetings",
    "visible_papers",
]


def agency_ids(user: User) -> QuerySet[Post, Any]:
    return Post.objects.filter(user=user, is_active=True).values("organisation__agency_id")


def _attending(user: User) -> Q:
    """Attends as a guest, or as a member whose term covers the meeting's day."""
    day = OuterRef("day")  # annotated by visible_meetings
    member = Attendee.objects.filter(meeting=OuterRef("pk"), user=user,
                                     role=Attendee.Role.MEMBER)
    serving = Membership.objects.filter(user=user, since__lte=day).filter(
        Q(until__isnull=True) | Q(until__gte=day))
    guest = Attendee.objects.filter(meeting=OuterRef("pk"), user=user,
                                    role=Attendee.Role.GUEST)
    return (Q(Exists(member)) & Q(Exists(serving))) | Q(Exists(guest))


def attending_meetings(user: User) -> QuerySet[Meeting]:
    """The meetings the person attends (as a serving member or a guest)."""
    return Meeting.objects.annotate(day=TruncDate("starts_at")).filter(_attending(user))


def visible_meetings(user: User) -> QuerySet[Meeting]:
    if not user.is_authenticated or not user.is_active or user.kind != User.Kind.OFFICIAL:
        return Meeting.objects.none()
    if is_office(user):
        return Meeting.objects.all()
    proposing = AgendaItem.objects.filter(meeting=OuterRef("pk"),
                                          proposing_agency_id__in=agency_ids(user))
    return (Meeting.objects.annotate(day=TruncDate("starts_at"))
            .filter(_attending(user) | Q(Exists(proposing))))


def member_of_meeting(user: User, meeting: Meeting) -> bool:
    """An attending member whose term covers the meeting's day."""
    day = timezone.localtime(meeting.starts_at).date()
    return Attendee.objects.filter(meeting=meeting, user=user, role=Attendee.Role.MEMBER
                                   ).exists() and Membership.objects.filter(
        user=user, since__lte=day).filter(Q(until__isnull=True) | Q(until__gte=day)).exists()


def visible_papers(user: User, meeting: Meeting) -> QuerySet[Paper]:
    papers = Paper.objects.filter(item__meeting=meeting)
    if is_office(user):
        return papers
    own = Q(item__proposing_agency_id__in=agency_ids(user))
    published = Q(status=Paper.Status.PUBLISHED)
    if member_of_meeting(user, meeting):
        return papers.filter(own | published)
    if Attendee.objects.filter(meeting=meeting, user=user, role=Attendee.Role.GUEST).exists():
        return papers.filter(own | (published & Q(members_only=False)))
    return papers.filter(own)


def visible_ballots(user: User) -> QuerySet[Ballot]:
    if not user.is_authenticated or not user.is_active or user.kind != User.Kind.OFFICIAL:
        return Ballot.objects.none()
    if is_office(user):
        return Ballot.objects.all()
    return Ballot.objects.filter(
        Exists(BallotMember.objects.filter(ballot=OuterRef("pk"), user=user)),
        status__in=[Ballot.Status.OPEN, Ballot.Status.CLOSED])


def visible_answers(user: User, ballot: Ballot) -> QuerySet[Answer]:
    """Current answers a person may read: their own; every one once the ballot is closed
    (or before, if the Office configured the ballot so) for members and the Office."""
    answers = Answer.objects.filter(ballot=ballot, is_current=True)
    sees_all = ballot.status == Ballot.Status.CLOSED or ballot.answers_visible_before_close
    if sees_all and (is_office(user) or ballot.members.filter(user=user).exists()):
        return answers
    return answers.filter(member=user)


def no_objection_items(meeting: Meeting) -> QuerySet[AgendaItem]:
    """Items every attending member agrees with and none asked to discuss."""
    members = Attendee.objects.filter(meeting=meeting, role=Attendee.Role.MEMBER)
    agree = Count("positions", filter=Q(positions__stance="agree",
                                        positions__member__in=members.values("user")),
                  distinct=True)
    return (AgendaItem.objects.filter(meeting=meeting, outcome="")
            .exclude(Exists(SpeakRequest.objects.filter(item=OuterRef("pk"))))
            .annotate(n_agree=agree).filter(n_agree=members.count(), n_agree__gt=0)
            .order_by("order"))


