"""What a person may see, and the status of tasks, as querysets.

The status of a task follows from its dates only; ``status_conditions`` gives one Q per
status for a given day, used both by the ``status`` annotation and by the review's
aggregates, so that lists and scorecards filter and count in SQL with one definition.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Case, CharField, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from egov.core import calendar
from egov.core.models import Organisation, Position, Post, User

from .models import Task, TaskStatus

COORDINATED_INLINE = 1000  # up to this many coordinated tasks go into the query as ids


def near_days() -> int:
    """How many working days before its deadline a task counts as near deadline."""
    return int(getattr(settings, "EGOV_DIRECTIVES_NEAR_DAYS", 3))


def near_cutoff(today: dt.date) -> dt.date:
    """The last deadline that counts as near on ``today``: ``near_days`` working days on."""
    return calendar.add_working_days(today, near_days())


def open_by_deadline(today: dt.date) -> dict[str, Q]:
    """Among open tasks (not done), the deadline alone decides: overdue before ``today``,
    near deadline up to the cut-off (computed once, in Python), in progress after it."""
    near = near_cutoff(today)
    return {
        TaskStatus.OVERDUE: Q(deadline__lt=today),
        TaskStatus.NEAR_DEADLINE: Q(deadline__gte=today, deadline__lte=near),
        TaskStatus.IN_PROGRESS: Q(deadline__gt=near),
    }


def status_conditions(today: dt.date | None = None) -> dict[str, Q]:
    """One condition per status, mutually exclusive, for ``today``."""
    today = today or timezone.localdate()
    open_ = Q(done_on__isnull=True)
    return {
        TaskStatus.DONE_LATE: Q(done_on__isnull=False, done_on__gt=F("deadline")),
        TaskStatus.DONE_ON_TIME: Q(done_on__isnull=False, done_on__lte=F("deadline")),
        **{status: open_ & q for status, q in open_by_deadline(today).items()},
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
    done) — one query for the counts, one for the agencies' names.

    The counts query is a UNION ALL of three grouped parts, each read from its own index
    instead of evaluating every status on every task: all tasks (``COUNT(*)`` over the
    lead agency's index), the late ones (the partial index ``task_late``: done_on >
    deadline) and the open ones (the partial index ``task_open``: done_on IS NULL, with
    the overdue and near-deadline counts against today and the near cut-off computed once
    here). The rest follows exactly, since a done task is either late or on time:
    on time = assigned − late − open; in progress = open − overdue − near — the same
    figures as ``status_conditions`` gives task by task (tests check both ways)."""
    today = today or timezone.localdate()
    by_deadline = open_by_deadline(today)
    base = tasks.order_by().values("lead_agency_id")
    zero = Value(0, output_field=IntegerField())

    def part(n: int, qs: QuerySet[Task, Any], **counts: Any) -> QuerySet[Task, Any]:
        counts = {"total": Count("*"), "overdue": zero, "near": zero, **counts}
        return qs.annotate(part=Value(n, output_field=IntegerField()), **counts)

    open_ = base.filter(done_on__isnull=True)
    rows = part(0, base).union(
        part(1, base.filter(done_on__gt=F("deadline"))),
        # Counting the (never null) deadline, a column of the partial index: COUNT(*)
        # takes no filter in Django, and the id is not in the index on PostgreSQL.
        part(2, open_, overdue=Count("deadline", filter=by_deadline[TaskStatus.OVERDUE]),
             near=Count("deadline", filter=by_deadline[TaskStatus.NEAR_DEADLINE])), all=True)
    found: dict[int, dict[str, int]] = {}
    for row in rows:
        card = found.setdefault(row["lead_agency_id"], {
            "assigned": 0, "late": 0, "open": 0, "overdue": 0, "near": 0})
        card[("assigned", "late", "open")[row["part"]]] = row["total"]
        card["overdue"] += row["overdue"]
        card["near"] += row["near"]
    names = dict(Organisation.objects.filter(pk__in=list(found))
                 .values_list("pk", "name")) if found else {}
    result: list[dict[str, Any]] = []
    for agency, n in found.items():
        on_time = n["assigned"] - n["late"] - n["open"]
        due = on_time + n["late"] + n["overdue"]
        result.append({
            "lead_agency_id": agency, "lead_agency__name": names.get(agency, ""),
            "assigned": n["assigned"], "on_time": on_time, "late": n["late"],
            "overdue": n["overdue"], "near": n["near"],
            "in_progress": n["open"] - n["overdue"] - n["near"],
            "rate": round(100 * on_time / due, 1) if due else None})
    result.sort(key=lambda card: (-card["overdue"], card["lead_agency__name"]))
    return result


def attention(tasks: QuerySet[Task], today: dt.date | None = None) -> QuerySet[Task]:
    """Overdue and near-due tasks, by agency then deadline (the review's lists): the open
    tasks whose deadline is at most the near cut-off — overdue or near deadline, as one
    range on the partial index of open tasks."""
    today = today or timezone.localdate()
    return (with_status(tasks.filter(done_on__isnull=True, deadline__lte=near_cutoff(today)),
                        today)
            .select_related("lead_agency")
            .order_by("lead_agency__name", "deadline", "id"))
