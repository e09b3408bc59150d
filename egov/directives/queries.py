"""What a person may see, and the status of tasks, as querysets.

The status of a task follows from its dates only; ``status_conditions`` gives one Q per
status for a given day, used both by the ``status`` annotation and by the review's
aggregates, so that lists and scorecards filter and count in SQL with one definition.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from egov.core import calendar
from egov.core.models import Organisation, Position, Post, User

from .models import Task, TaskStatus

COORDINATED_INLINE = 1000  # up to this many coordinated tasks go into the query as ids


def near_days() -> int:
    """How many working days before its deadline a task counts as near deadline."""
    return int(getattr(settings, "EGOV_DIRECTIVES_NEAR_DAYS", 3))


def status_conditions(today: dt.date | None = None) -> dict[str, Q]:
    """One condition per status, mutually exclusive, for ``today``."""
    today = today or timezone.localdate()
    near = calendar.add_working_days(today, near_days())
    open_ = Q(done_on__isnull=True)
    return {
        TaskStatus.DONE_LATE: Q(done_on__isnull=False, done_on__gt=F("deadline")),
        TaskStatus.DONE_ON_TIME: Q(done_on__isnull=False, done_on__lte=F("deadline")),
        TaskStatus.OVERDUE: open_ & Q(deadline__lt=today),
        TaskStatus.NEAR_DEADLINE: open_ & Q(deadline__gte=today, deadline__lte=near),
        TaskStatus.IN_PROGRESS: open_ & Q(deadline__gt=near),
    }


def with_status(qs: QuerySet[Task], today: dt.date | None = None) -> QuerySet[Task]:
    conditions = status_conditions(today)
    return qs.annotate(status=Case(
        *[When(condition, then=Value(str(status))) for status, condition in conditions.items()],
        default=Value(str(TaskStatus.IN_PROGRESS)), output_field=CharField()))


def status_of(task: Task) -> TaskStatus:
    """The status ``with_status`` annotated on a task."""
    return TaskStatus(task.__dict__["status"])


def office_posts(user: User) -> QuerySet[Post]:
    """The user's active posts as staff of the Government Office (an organisation of kind
    government_office), which assigns and follows tasks and runs e-Cabinet. A Government
    member whose post sits in the Office (the Prime Minister) is not its staff."""
    return Post.objects.filter(
        user=user, is_active=True,
        organisation__agency__kind=Organisation.Kind.GOVERNMENT_OFFICE).exclude(
        position=Position.GOVERNMENT_MEMBER)


def is_office(user: User) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser) or office_posts(user).exists()


def user_agency_ids(user: User) -> list[int]:
    return [pk for pk in Post.objects.filter(user=user, is_active=True)
            .values_list("organisation__agency_id", flat=True).distinct() if pk is not None]


def visible_tasks(user: User) -> QuerySet[Task]:
    """The Office sees every task; an agency's officials see the tasks their agency leads
    or coordinates; anybody else nothing."""
    if not user.is_authenticated or not user.is_active or user.kind != User.Kind.OFFICIAL:
        return Task.objects.none()
    if is_office(user):
        return Task.objects.all()
    # The agencies and the (few) coordinated tasks are read first, so that the list's
    # query is a plain filter on the (agency, deadline, done) index, read in deadline
    # order and stopped at the page's end. As one OR over subqueries PostgreSQL scanned
    # every task, and as a UNION it sorted all of the agency's (bench/bench_directives.py,
    # an agency's list at 100,000 tasks).
    agencies = user_agency_ids(user)
    through = Task.coordinating_agencies.through.objects.order_by()
    coordinated = list(through.filter(organisation_id__in=agencies)
                       .values_list("task_id", flat=True)[:COORDINATED_INLINE + 1])
    if not coordinated:
        return Task.objects.filter(lead_agency_id__in=agencies)
    if len(coordinated) > COORDINATED_INLINE:
        led = Task.objects.order_by().filter(lead_agency_id__in=agencies).values("pk")
        return Task.objects.filter(pk__in=led.union(
            through.filter(organisation_id__in=agencies).values("task_id")))
    return Task.objects.filter(Q(lead_agency_id__in=agencies) | Q(pk__in=coordinated))


def scorecards(tasks: QuerySet[Task], today: dt.date | None = None) -> list[dict[str, Any]]:
    """Per lead agency: assigned, done on time, done late, overdue, near deadline, in
    progress and the on-time rate (done on time over everything that fell due or was
    done) — one aggregate query."""
    c = status_conditions(today)
    # Grouped by the agency's id alone (the covering index, no join per task); the names
    # come in a second small query: on SQLite, grouping by the joined name as well made
    # the aggregate three times slower (bench/bench_directives.py).
    rows = list(tasks.order_by().values("lead_agency_id")
                .annotate(assigned=Count("id"),
                          on_time=Count("id", filter=c[TaskStatus.DONE_ON_TIME]),
                          late=Count("id", filter=c[TaskStatus.DONE_LATE]),
                          overdue=Count("id", filter=c[TaskStatus.OVERDUE]),
                          near=Count("id", filter=c[TaskStatus.NEAR_DEADLINE])))
    names = dict(Organisation.objects.filter(pk__in=[r["lead_agency_id"] for r in rows])
                 .values_list("pk", "name")) if rows else {}
    result: list[dict[str, Any]] = []
    for row in rows:
        card: dict[str, Any] = dict(row)
        card["lead_agency__name"] = names.get(card["lead_agency_id"], "")
        due = card["on_time"] + card["late"] + card["overdue"]
        card["in_progress"] = card["assigned"] - due - card["near"]
        card["rate"] = round(100 * card["on_time"] / due, 1) if due else None
        result.append(card)
    result.sort(key=lambda card: (-card["overdue"], card["lead_agency__name"]))
    return result


def attention(tasks: QuerySet[Task], today: dt.date | None = None) -> QuerySet[Task]:
    """Overdue and near-due tasks, by agency then deadline (the review's lists)."""
    c = status_conditions(today)
    return (with_status(tasks.filter(c[TaskStatus.OVERDUE] | c[TaskStatus.NEAR_DEADLINE]),
                        today)
            .select_related("lead_agency")
            .order_by("lead_agency__name", "deadline", "id"))
