"""Background work of e-Cabinet, enqueued with run-after times when a ballot opens:
reminders before the deadline and the close at it. Nothing polls."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django_tasks import task


@task()
def remind_ballot_members(ballot_id: int) -> int:
    """Remind the members who have not answered yet (e-mail and SMS); returns how many."""
    from . import notify
    from .models import Answer, Ballot

    ballot = Ballot.objects.filter(pk=ballot_id, status=Ballot.Status.OPEN).first()
    if ballot is None:
        return 0
    answered = Answer.objects.filter(ballot=ballot).values("member_id")
    waiting = list(ballot.members.exclude(user_id__in=answered).select_related("user"))
    for row in waiting:
        notify.remind(ballot, row.user)
    return len(waiting)


@task()
def close_ballot(ballot_id: int) -> dict[str, object]:
    """Close and tally at the deadline; a ballot already closed is left alone."""
    from . import actions
    from .models import Ballot

    ballot = Ballot.objects.filter(pk=ballot_id, status=Ballot.Status.OPEN).first()
    if ballot is None:
        return {}
    try:
        return dict(actions.do_close_ballot(ballot).tally)
    except ValidationError:
        return {}
