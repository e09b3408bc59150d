"""Ballots: signed answers (every version kept), refusals that change nothing, reminders
and the close enqueued with run-after times, the tally from re-verified signatures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from egov.core.models import User
from egov.signing import actions as signing
from egov.signing.crypto import cms
from egov.signing.models import Certificate

from .. import actions, queries, signatures, sms, tasks
from ..models import Answer, Ballot
from .conftest import PDF, Cabinet


def open_ballot(c: Cabinet, **extra: object) -> Ballot:
    ballot = actions.do_create_ballot(
        acting_user=c.office, title="Dự thảo Nghị định về quản lý nợ công",
        question="Đồng chí có đồng ý với dự thảo Nghị định không?", working_days=5,
        uploads=[("du-thao.pdf", PDF)], **extra)  # type: ignore[arg-type]
    return actions.do_open_ballot(ballot, acting_user=c.office)


def test_opening_enqueues_reminders_and_the_close(certified: Cabinet,
                                                  django_capture_on_commit_callbacks: object
                                                  ) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        ballot = open_ballot(certified)
    queued = {r.task_path: r for r in DBTaskResult.objects.all()}
    close = queued["egov.cabinet.tasks.close_ballot"]
    assert close.run_after == ballot.deadline
    assert ballot.deadline is not None
    assert timezone.localtime(ballot.deadline).time() == dt.time(17, 0)
    reminders = DBTaskResult.objects.filter(task_path="egov.cabinet.tasks.remind_ballot_members")
    assert reminders.count() >= 1
    assert all(r.run_after < ballot.deadline for r in reminders)


def test_answers_are_signed_versioned_and_private_until_close(certified: Cabinet) -> None:
    c = certified
    ballot = open_ballot(c)
    first = actions.do_answer(ballot, acting_user=c.justice, choice="agree",
                              sign_with_my_certificate=True)
    with pytest.raises(ValidationError) as exc:
        actions.do_answer(ballot, acting_user=c.justice, choice="disagree",
                          sign_with_my_certificate=True)
    assert "choice" in exc.value.message_dict  # a second answer without "change"
    second = actions.do_answer(ballot, acting_user=c.justice, choice="other",
                               comment="Đề nghị bổ sung Điều 7", sign_with_my_certificate=True,
                               change=True)
    assert [a.version for a in Answer.objects.filter(member=c.justice)] == [2, 1]
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    actions.do_answer(ballot, acting_user=c.minister, choice="agree",
                      sign_with_my_certificate=True)
    assert list(queries.visible_answers(c.minister, ballot).values_list("member", flat=True)) \
        == [c.minister.pk]
    result = signatures.check(c.justice, bytes(second.payload), bytes(second.signature))
    assert result.ok


def test_bad_answers_change_nothing(certified: Cabinet) -> None:
    c = certified
    ballot = open_ballot(c)
    with pytest.raises(ValidationError) as exc:
        actions.do_answer(ballot, acting_user=c.guest, choice="agree",
                          sign_with_my_certificate=True)
    assert "member" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        actions.do_answer(ballot, acting_user=c.justice, choice="agree")
    assert "signature" in exc.value.message_dict  # unsigned
    # Signed by another member's certificate: forged for this member.
    data = signatures.payload(ballot_id=ballot.pk, member=c.justice, version=1,
                              choice="agree", comment="")
    forged, _sha = signatures.sign(c.minister, data)
    with pytest.raises(ValidationError) as exc:
        actions.do_answer(ballot, acting_user=c.justice, choice="agree", signature=forged)
    assert "not the member" in exc.value.message_dict["signature"][0]
    # The member's own signature over other bytes (the answer "disagree").
    other = signatures.payload(ballot_id=ballot.pk, member=c.justice, version=1,
                               choice="disagree", comment="")
    wrong, _sha = signatures.sign(c.justice, other)
    with pytest.raises(ValidationError):
        actions.do_answer(ballot, acting_user=c.justice, choice="agree", signature=wrong)
    with pytest.raises(ValidationError):
        actions.do_answer(ballot, acting_user=c.justice, choice="agree", signature=b"junk")
    # Signed by the member's own tool over the right bytes: accepted.
    good, _sha = signatures.sign(c.justice, data)
    actions.do_answer(ballot, acting_user=c.justice, choice="agree", signature=good)
    assert Answer.objects.count() == 1
    Ballot.objects.filter(pk=ballot.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    ballot.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        actions.do_answer(ballot, acting_user=c.minister, choice="agree",
                          sign_with_my_certificate=True)
    assert "deadline" in exc.value.message_dict
    assert Answer.objects.count() == 1


def test_close_at_deadline_tallies_verified_answers(certified: Cabinet,
                                                    settings: object) -> None:
    c = certified
    c.justice.phone = "0912345678"
    c.justice.save()
    ballot = open_ballot(c)
    actions.do_answer(ballot, acting_user=c.pm, choice="agree", sign_with_my_certificate=True)
    actions.do_answer(ballot, acting_user=c.minister, choice="disagree",
                      comment="Chưa phù hợp", sign_with_my_certificate=True)
    sms.LocalSmsAdapter.sent.clear()
    assert tasks.remind_ballot_members.call(ballot.pk) == 1
    assert sms.LocalSmsAdapter.sent[0][0] == "0912345678"
    assert tasks.close_ballot.call(ballot.pk) == {}  # not yet: the deadline has not passed
    Ballot.objects.filter(pk=ballot.pk).update(deadline=timezone.now() - dt.timedelta(seconds=1))
    tally = tasks.close_ballot.call(ballot.pk)
    assert {k: tally[k] for k in ("agree", "disagree", "other", "not_answered", "verified")} \
        == {"agree": 1, "disagree": 1, "other": 0, "not_answered": 1, "verified": 2}
    ballot.refresh_from_db()
    assert ballot.status == Ballot.Status.CLOSED
    assert queries.visible_answers(c.justice, ballot).count() == 2
    ok, _fresh = actions.verify_ballot(ballot)
    assert ok
    # Tampering with a stored answer shows on re-verification.
    Answer.objects.filter(member=c.minister).update(choice="agree")
    ok, fresh = actions.verify_ballot(ballot)
    assert not ok and fresh["failed"][0]["member"] == c.minister.pk
    report = actions.do_draft_summary_report(ballot, acting_user=c.office)
    assert report.doc_type == "report"


def test_cms_refuses_garbage() -> None:
    with pytest.raises(cms.CmsUnreadableError):
        cms.verify_detached(b"x", b"not a signature", [])


def test_one_verifier_per_tally_still_judges_each_answer(certified: Cabinet,
                                                         admin_user: User) -> None:
    """The tally checks every answer with one verifier (validation context built once):
    a good answer before and after does not let a revoked signer's or a swapped
    signature's answer through, and the good ones still count."""
    c = certified
    ballot = open_ballot(c)
    for member, choice in ((c.pm, "agree"), (c.minister, "disagree"), (c.justice, "agree")):
        actions.do_answer(ballot, acting_user=member, choice=choice,
                          sign_with_my_certificate=True)
    signing.do_revoke_certificate(Certificate.objects.get(user=c.minister),
                                  acting_user=admin_user, reason="Lộ khóa")
    pm_answer = Answer.objects.get(member=c.pm)
    # The Prime Minister's valid signature stored on the justice minister's answer: a
    # good chain, but not over these bytes.
    Answer.objects.filter(member=c.justice).update(signature=pm_answer.signature)
    tally = actions.compute_tally(ballot)
    assert {k: tally[k] for k in ("agree", "disagree", "verified")} \
        == {"agree": 1, "disagree": 0, "verified": 1}
    problems = {f["member"]: f["problem"] for f in tally["failed"]}
    assert set(problems) == {c.minister.pk, c.justice.pk}
    assert "revoked" in problems[c.minister.pk]
    assert "changed after signing" in problems[c.justice.pk]
