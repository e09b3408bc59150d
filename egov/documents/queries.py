"""What a person may see, as querysets: the same rule for pages, API, search and exports.

- People see what belongs to their unit or was assigned to them (or their unit);
- leaders and unit heads see their unit's subtree (what its units keep, and what was
  assigned to its units or people);
- records clerks see their agency's registers;
- secret documents (any độ mật) only those granted by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import Any

from django.db.models import Case, CharField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from egov.core import calendar
from egov.core.models import Organisation, Position, Post, User
from egov.core.queries import led_organisations

from .models import Assignment, Direction, Document, Grant, Status, WorkFile
from .rules import ProcessingStatus

NEAR_DAYS = 2
# The positions that see the subtree of the organisation they hold it in.
LEADING = (Position.AGENCY_LEADER, Position.DEPUTY_LEADER, Position.UNIT_HEAD)


def visible_documents(user: User, *, direction: str | None = None,
                      statuses: Collection[str] | None = None,
                      posts: Iterable[Post] | None = None) -> QuerySet[Document]:
    """The documents ``user`` may see; with ``direction`` or ``statuses``, only those.

    The two narrow every branch of the rule, not only its result: a leader's list of open
    documents then gathers the open documents of the subtree, not its years of history
    (bench_documents: the branches of an agency leader hold thousands of rows each).

    ``posts``: the user's active posts with their organisations, when the caller has
    already read them (``core.queries.active_posts``; the inbox does, for its tabs), so
    that they are not read a second time."""
    if not user.is_authenticated or not user.is_active or user.kind != User.Kind.OFFICIAL:
        return Document.objects.none()
    # The person's active posts, read once (one small query): their units, the agencies
    # whose registers they keep as a clerk, and the subtrees they lead. Literal ids and
    # path prefixes make every branch below a plain index range, where nested
    # ``IN (SELECT … core_post …)`` cost the planner (PostgreSQL) and Django (building,
    # relabelling and compiling the nested queries) more than the rows did.
    my_units: list[int] = []
    clerk_agencies: list[int] = []
    led_paths: list[str] = []
    rows: Iterable[tuple[int, str, str, int | None]] = (
        Post.objects.filter(user=user, is_active=True).values_list(
            "organisation_id", "position", "organisation__path", "organisation__agency_id")
        if posts is None else
        [(p.organisation_id, p.position, p.organisation.path, p.organisation.agency_id)
         for p in posts])
    for organisation_id, position, path, agency_id in rows:
        my_units.append(organisation_id)
        if position == Position.CLERK and agency_id is not None:
            clerk_agencies.append(agency_id)
        if position in LEADING:
            led_paths.append(path)
    led = Q(pk__in=[])
    for path in led_paths:
        led |= Q(path__startswith=path)
    # The units whose documents and assignments the person sees: their own, and every
    # unit of the subtrees they lead.
    seen_units = Organisation.objects.filter(Q(pk__in=my_units) | led).values("id")
    # Assigned to one of those units or, for leaders, to a person who works in a subtree
    # they lead.
    # (Separate conditions, never one OR: PostgreSQL scanned the whole assignment table
    # for ``unit_id IN (…) OR user_id IN (…)``, where each alone is an index range.)
    to_seen = [Q(unit_id__in=seen_units)]
    if led_paths:
        to_seen.append(Q(user_id__in=Post.objects.filter(
            is_active=True, organisation__in=Organisation.objects.filter(led)).values("user_id")))
    # Each way of seeing a document is one branch of a UNION, so that each uses its own
    # index. Written as one OR (with an EXISTS over assignments) the database tested every
    # document of every agency: 0.3–3 s per query of the inbox at 200,000 documents on
    # SQLite and PostgreSQL alike, against tens of milliseconds this way
    # (bench/bench_documents.py). UNION ALL: the IN around it drops the duplicates anyway.
    narrow: dict[str, Any] = {}
    if direction is not None:
        narrow["direction"] = direction
    if statuses is not None:
        narrow["status__in"] = list(statuses)
    docs = Document.objects.order_by().filter(**narrow)
    # Assignment branches are not narrowed (a join would read each assignment's document);
    # the filter on the result below does it.
    assignments = Assignment.objects.order_by()
    assigned_to_seen: list[QuerySet[Any, Any]]
    if statuses is not None:
        # Few documents of the agencies are in those statuses (open ones): start from
        # them and look for an assignment of each, rather than read every assignment the
        # subtree ever had (thousands of rows for an agency leader, each a table read).
        # An assignee is a unit of, or a person working in, the document's agency when
        # assigned (actions._check_assignee), so the documents are those agencies'. (Not
        # found this way: one assigned to a person who has since moved into the subtree
        # from another agency; the rule without statuses still finds it.)
        agencies = Organisation.objects.filter(Q(pk__in=my_units) | led).values("agency_id")
        # (The units' own documents are OR-ed in, though the first branch has them, so
        # that PostgreSQL keeps the EXISTS a probe per document: alone, it became a
        # semi-join that hashed the whole assignment table.)
        found: Any = Q(unit_id__in=seen_units)
        for to in to_seen:
            found |= Exists(Assignment.objects.filter(to, document=OuterRef("pk")))
        assigned_to_seen = [docs.filter(found, agency_id__in=agencies).values("pk")]
    else:
        assigned_to_seen = [assignments.filter(to).values("document_id") for to in to_seen]
    branches = [
        docs.filter(created_by=user).values("pk"),
        assignments.filter(user=user).values("document_id"),
        *assigned_to_seen,
    ]
    if clerk_agencies:
        # Clerks keep the agency's registers: every incoming document, and outgoing ones
        # from approval on (they number and issue them), not other units' unfinished
        # drafts.
        branches.append(docs.filter(
            Q(agency_id__in=clerk_agencies)
            & (Q(direction=Direction.INCOMING) | Q(status__in=[Status.APPROVED, Status.ISSUED]))
        ).values("pk"))
    ways = docs.filter(unit_id__in=seen_units).values("pk").union(*branches, all=True)
    granted = Grant.objects.filter(document=OuterRef("pk"), user=user)
    return Document.objects.filter(pk__in=ways, **narrow).filter(
        Q(confidentiality="") | Exists(granted))


def with_processing_status(qs: QuerySet[Document], today: dt.date | None = None
                           ) -> QuerySet[Document]:
    """Annotate ``processing`` (rules.ProcessingStatus) in the query itself: the dates
    that separate "near deadline" and "overdue" come from the calendar once."""
    today = today or timezone.localdate()
    near = calendar.add_working_days(today, NEAR_DAYS)
    return qs.annotate(processing=Case(
        When(status=Status.DONE, done_at__isnull=False, deadline__isnull=False,
             done_at__date__gt=F("deadline"), then=Value(ProcessingStatus.DONE_LATE)),
        When(status=Status.DONE, then=Value(ProcessingStatus.DONE_ON_TIME)),
        When(deadline__lt=today, then=Value(ProcessingStatus.OVERDUE)),
        When(deadline__lte=near, then=Value(ProcessingStatus.NEAR_DEADLINE)),
        When(status__in=[Status.REGISTERED, Status.WAITING_ASSIGNMENT],
             then=Value(ProcessingStatus.NEW)),
        default=Value(ProcessingStatus.IN_PROGRESS),
        output_field=CharField(),
    ))


# Every status but done: the documents the leaders' tabs (waiting, in progress, overdue,
# near deadline) are drawn from.
NOT_DONE = tuple(s for s in Status.values if s != Status.DONE)


def overdue(today: dt.date) -> Q:
    """The rows ``with_processing_status`` calls overdue, on the columns alone."""
    return ~Q(status=Status.DONE) & Q(deadline__lt=today)


def near_deadline(today: dt.date) -> Q:
    """The rows ``with_processing_status`` calls near deadline, on the columns alone."""
    return ~Q(status=Status.DONE) & Q(
        deadline__gte=today, deadline__lte=calendar.add_working_days(today, NEAR_DAYS))


def incoming(qs: QuerySet[Document]) -> QuerySet[Document]:
    return qs.filter(direction=Direction.INCOMING)


def outgoing(qs: QuerySet[Document]) -> QuerySet[Document]:
    return qs.filter(direction=Direction.OUTGOING)


def visible_work_files(user: User) -> QuerySet[WorkFile]:
    """The work files a person may see: those they are responsible for, their units'
    and the subtree they lead; records clerks also the closed files of their agency
    (closed files are listed for archiving)."""
    if not user.is_authenticated or not user.is_active or user.kind != User.Kind.OFFICIAL:
        return WorkFile.objects.none()
    posts = Post.objects.filter(user=user, is_active=True)
    clerk_agencies = posts.filter(position="clerk").values("organisation__agency_id")
    return WorkFile.objects.filter(
        Q(responsible=user) | Q(unit_id__in=posts.values("organisation_id"))
        | Q(unit_id__in=led_organisations(user).values("id"))
        | Q(status=WorkFile.Status.CLOSED, agency_id__in=clerk_agencies))
