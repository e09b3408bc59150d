"""The permission matrix: every person × every document state, for what they see
(``queries.visible_documents``, the API and search agree) and for each action's rights.

People: the records clerk, agency leader, unit head (Vụ Pháp chế) and specialist of
agency A (Bộ Tài chính); the same four of agency B (Bộ Nội vụ); the head and a specialist
of a division under A's Vụ Pháp chế (the led subtree goes down, never up); a citizen; an
official of A whose account was deactivated (a former agency leader).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from egov.core import actions as core_actions
from egov.core.models import AuditEntry, User
from egov.core.queries import active_posts
from egov.core.tests import factories
from egov.documents import actions, queries, search
from egov.documents.models import Assignment, Document, Grant, Role, StatusChange, WorkFile
from egov.identity import tokens

from .conftest import PDF, make_agency

pytestmark = pytest.mark.django_db

A_STAFF = ["clerk_a", "leader_a", "head_a", "specialist_a"]
B_STAFF = ["clerk_b", "leader_b", "head_b", "specialist_b"]
PEOPLE = [*A_STAFF, "sub_head_a", "sub_specialist_a", *B_STAFF, "citizen", "inactive_a"]
WORD = "kiểm tra"  # in every subject below: search must find exactly what each one sees


@dataclass
class World:
    people: dict[str, User]
    docs: dict[str, Document]


def _incoming(a: Any, symbol: str, **extra: Any) -> Document:
    return actions.do_register_incoming(
        acting_user=a.clerk, doc_type="official_letter",
        subject=f"Về việc kiểm tra công tác {symbol}", symbol=symbol,
        issuer_name="UBND tỉnh Hà Giang", issue_date=timezone.localdate() - dt.timedelta(days=1),
        uploads=[("cv.pdf", PDF)], **extra)


def _draft(author: User, subject: str, **extra: Any) -> Document:
    return actions.do_create_draft(acting_user=author, doc_type="official_letter",
                                   subject=f"Kiểm tra {subject}", uploads=[("dt.pdf", PDF)],
                                   **extra)


def build_world() -> World:
    a = make_agency("G12", "Bộ Tài chính", "BTC", "btc")
    b = make_agency("G09", "Bộ Nội vụ", "BNV", "bnv")
    division = factories.unit(a.legal, "000.01.02.G12", "Phòng Thẩm định", "TĐ")
    sub_head = factories.official(division, "unit_head", username="btc_truongphong",
                                  full_name="Vũ Thị Phòng")
    sub_specialist = factories.official(division, "specialist", username="btc_chuyenvien2",
                                        full_name="Ngô Văn Định")
    inactive = factories.official(a.agency, "agency_leader", username="btc_nghihuu",
                                  full_name="Trịnh Văn Hưu", title="Nguyên Thứ trưởng")
    core_actions.do_update_account(inactive, acting_user=None, is_active=False)
    inactive.refresh_from_db()
    people = {
        "clerk_a": a.clerk, "leader_a": a.leader, "head_a": a.head,
        "specialist_a": a.specialist, "sub_head_a": sub_head,
        "sub_specialist_a": sub_specialist,
        "clerk_b": b.clerk, "leader_b": b.leader, "head_b": b.head,
        "specialist_b": b.specialist,
        "citizen": factories.citizen(username="congdan", full_name="Trần Thị Dân"),
        "inactive_a": inactive,
    }
    docs: dict[str, Document] = {}
    # incoming
    docs["registered"] = _incoming(a, "1/UBND-VP")
    docs["waiting"] = _incoming(a, "2/UBND-VP")
    actions.do_submit_for_assignment(docs["waiting"], acting_user=a.clerk)
    docs["assigned_unit"] = _incoming(a, "3/UBND-VP")
    actions.do_assign(docs["assigned_unit"], acting_user=a.leader, lead=a.legal,
                      deadline_days=5)
    docs["passed_on"] = _incoming(a, "4/UBND-VP")
    actions.do_assign(docs["passed_on"], acting_user=a.leader, lead=a.legal, deadline_days=5)
    actions.do_pass_on(docs["passed_on"].assignments.get(role=Role.LEAD),
                       acting_user=a.head, to_user=a.specialist)
    docs["done"] = _incoming(a, "5/UBND-VP")
    actions.do_assign(docs["done"], acting_user=a.leader, lead=a.specialist, deadline_days=5)
    actions.do_complete(docs["done"].assignments.get(), acting_user=a.specialist,
                        result="Đã xử lý xong.")
    docs["assigned_division"] = _incoming(a, "8/UBND-VP")
    actions.do_assign(docs["assigned_division"], acting_user=a.leader, lead=division,
                      deadline_days=5)
    docs["secret_registered"] = _incoming(a, "6/M-UBND", confidentiality="confidential")
    docs["secret_assigned"] = _incoming(a, "7/M-UBND", confidentiality="secret")
    actions.grant_access(docs["secret_assigned"], acting_user=a.clerk, user=a.leader)
    actions.do_assign(docs["secret_assigned"], acting_user=a.leader, lead=a.specialist,
                      deadline_days=3)
    # outgoing, drafted in A's Vụ Pháp chế
    docs["draft"] = _draft(a.specialist, "dự thảo", recipients=[a.office])
    docs["in_review"] = _draft(a.specialist, "đang duyệt", recipients=[a.office])
    actions.do_submit_for_review(docs["in_review"], acting_user=a.specialist)
    docs["awaiting_approval"] = _draft(a.specialist, "chờ ký", recipients=[a.office])
    actions.do_submit_for_review(docs["awaiting_approval"], acting_user=a.specialist)
    actions.do_review(docs["awaiting_approval"], acting_user=a.head, approve=True)
    docs["approved"] = _draft(a.specialist, "đã ký", recipients=[b.agency])
    actions.do_submit_for_review(docs["approved"], acting_user=a.specialist)
    actions.do_review(docs["approved"], acting_user=a.head, approve=True)
    actions.do_approve(docs["approved"], acting_user=a.leader)
    docs["issued"] = _draft(a.specialist, "đã ban hành", recipients=[b.agency])
    actions.do_submit_for_review(docs["issued"], acting_user=a.specialist)
    actions.do_review(docs["issued"], acting_user=a.head, approve=True)
    actions.do_approve(docs["issued"], acting_user=a.leader)
    actions.do_issue(docs["issued"], acting_user=a.clerk)
    docs["secret_draft"] = _draft(a.specialist, "mật", confidentiality="confidential",
                                  recipients=[a.office])
    docs["division_draft"] = _draft(sub_specialist, "của phòng", recipients=[a.office])
    # B received the issued one in its incoming register: B's document, not A's.
    docs["received_by_b"] = Document.objects.get(origin=docs["issued"])
    for doc in docs.values():
        doc.refresh_from_db()
    return World(people=people, docs=docs)


@pytest.fixture
def world(db: None, settings: Settings) -> World:
    settings.LANGUAGE_CODE = "en"
    return build_world()


INCOMING_A = {"registered", "waiting", "assigned_unit", "passed_on", "done",
              "assigned_division"}
OUTGOING_LEGAL = {"draft", "in_review", "awaiting_approval", "approved", "issued"}
EVERYTHING_A = INCOMING_A | OUTGOING_LEGAL | {"division_draft"}

SEES: dict[str, set[str]] = {
    # the register's keeper: every incoming document of the agency (with the secret ones
    # it registered), outgoing ones from approval on (to number and issue them), never
    # another unit's unfinished draft
    "clerk_a": INCOMING_A | {"approved", "issued", "secret_registered", "secret_assigned"},
    # the agency leader: the whole subtree; secret ones only when named
    "leader_a": EVERYTHING_A | {"secret_assigned"},
    # the unit head: what the unit and the division below keep, or were given, or what
    # was given to one of their people ("done" went to the specialist by name)
    "head_a": {"assigned_unit", "passed_on", "done", "assigned_division"} | OUTGOING_LEGAL
    | {"division_draft"},
    # the specialist: the unit's documents (not the division's), and the secret ones
    # drafted by or assigned to them by name
    "specialist_a": {"assigned_unit", "passed_on", "done"} | OUTGOING_LEGAL
    | {"secret_draft", "secret_assigned"},
    # the division: its own (the subtree goes down, not up)
    "sub_head_a": {"division_draft", "assigned_division"},
    "sub_specialist_a": {"division_draft", "assigned_division"},
    # agency B: only what it received in its own register
    "clerk_b": {"received_by_b"},
    "leader_b": {"received_by_b"},
    "head_b": set(),
    "specialist_b": set(),
    "citizen": set(),
    "inactive_a": set(),
}


def test_the_matrix_covers_everyone_and_every_state(world: World) -> None:
    assert set(SEES) == set(PEOPLE) == set(world.people)
    states = set().union(*SEES.values())
    assert states <= set(world.docs)
    assert set(world.docs) - states == set()  # every document is seen by someone...
    assert {d.status for d in world.docs.values()} >= {
        "registered", "waiting_assignment", "in_progress", "done", "draft", "in_review",
        "awaiting_approval", "approved", "issued"}


def test_what_everyone_sees(world: World) -> None:
    names = {doc.pk: name for name, doc in world.docs.items()}
    seen, searched = {}, {}
    for person, user in world.people.items():
        visible = queries.visible_documents(user)
        seen[person] = {names[pk] for pk in visible.values_list("pk", flat=True)}
        # Search applies the same rule in the same query.
        searched[person] = {names[d.pk] for d in search.apply(visible, WORD.upper())}
    assert seen == SEES
    assert searched == SEES


@pytest.mark.parametrize(("direction", "statuses"), [
    ("incoming", queries.NOT_DONE), ("incoming", None), (None, queries.NOT_DONE),
    ("outgoing", ["draft", "issued"]),
])
def test_the_narrowed_rule_is_the_rule_then_the_narrowing(
        world: World, direction: str | None, statuses: tuple[str, ...] | None) -> None:
    # The inbox narrows the rule inside its branches (a leader's open documents); it must
    # find what the whole rule finds, then filtered.
    names = {doc.pk: name for name, doc in world.docs.items()}
    for person, user in world.people.items():
        whole = queries.visible_documents(user)
        if direction is not None:
            whole = whole.filter(direction=direction)
        if statuses is not None:
            whole = whole.filter(status__in=statuses)
        narrowed = queries.visible_documents(user, direction=direction, statuses=statuses)
        expected = {names[pk] for pk in whole.values_list("pk", flat=True)}
        assert {names[pk] for pk in narrowed.values_list("pk", flat=True)} == expected, person
        # The same with the posts the caller read already (the inbox passes its own).
        given = queries.visible_documents(user, direction=direction, statuses=statuses,
                                          posts=list(active_posts(user)))
        assert {names[pk] for pk in given.values_list("pk", flat=True)} == expected, person
        assert expected == {n for n in SEES[person]
                            if (direction is None or world.docs[n].direction == direction)
                            and (statuses is None or world.docs[n].status in statuses)}


def test_the_api_agrees_with_the_queries(world: World) -> None:
    names = {doc.pk: name for name, doc in world.docs.items()}
    for person, user in world.people.items():
        _token, key = tokens.do_create_token(acting_user=user, name="ma trận quyền")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        listed = client.get("/api/v1/documents/", {"page_size": 100})
        if person == "inactive_a":
            assert listed.status_code == 401  # the token of a deactivated account is dead
            continue
        if person == "citizen":
            assert listed.status_code == 403
            continue
        assert {names[row["id"]] for row in listed.json()["results"]} == SEES[person], person
        for name, doc in world.docs.items():
            expected = 200 if name in SEES[person] else 404
            got = client.get(f"/api/v1/documents/{doc.pk}/").status_code
            assert got == expected, (person, name)


# --- rights of each action -------------------------------------------------------------

def _lead(doc: Document) -> Assignment:
    return doc.assignments.get(role=Role.LEAD, parent__isnull=True)


Attempt = Callable[[World, User], Any]

ATTEMPTS: dict[str, tuple[str, Attempt]] = {
    "submit_for_assignment": ("registered", lambda w, u: actions.do_submit_for_assignment(
        w.docs["registered"], acting_user=u)),
    "assign": ("waiting", lambda w, u: actions.do_assign(
        w.docs["waiting"], acting_user=u, lead=w.people["head_a"], deadline_days=3)),
    "pass_on": ("assigned_unit", lambda w, u: actions.do_pass_on(
        _lead(w.docs["assigned_unit"]), acting_user=u, to_user=w.people["specialist_a"])),
    "complete_unit_part": ("assigned_unit", lambda w, u: actions.do_complete(
        _lead(w.docs["assigned_unit"]), acting_user=u, result="Xong.")),
    "complete_personal_part": ("passed_on", lambda w, u: actions.do_complete(
        w.docs["passed_on"].assignments.get(parent__isnull=False), acting_user=u,
        result="Xong.")),
    "add_opinion": ("assigned_unit", lambda w, u: actions.do_add_opinion(
        w.docs["assigned_unit"], acting_user=u, text="Ý kiến.")),
    "attach_to_incoming": ("assigned_unit", lambda w, u: actions.do_attach(
        w.docs["assigned_unit"], acting_user=u, uploads=[("them.pdf", PDF)])),
    "attach_to_draft": ("draft", lambda w, u: actions.do_attach(
        w.docs["draft"], acting_user=u, uploads=[("phu-luc.pdf", PDF)])),
    "update_draft": ("draft", lambda w, u: actions.do_update_draft(
        w.docs["draft"], acting_user=u, subject="Kiểm tra lại")),
    "submit_for_review": ("draft", lambda w, u: actions.do_submit_for_review(
        w.docs["draft"], acting_user=u)),
    "review": ("in_review", lambda w, u: actions.do_review(
        w.docs["in_review"], acting_user=u, approve=True)),
    "approve": ("awaiting_approval", lambda w, u: actions.do_approve(
        w.docs["awaiting_approval"], acting_user=u)),
    "issue": ("approved", lambda w, u: actions.do_issue(w.docs["approved"], acting_user=u)),
    "grant_secret": ("secret_registered", lambda w, u: actions.grant_access(
        w.docs["secret_registered"], acting_user=u, user=w.people["leader_a"])),
    "secret_opinion": ("secret_assigned", lambda w, u: actions.do_add_opinion(
        w.docs["secret_assigned"], acting_user=u, text="Ý kiến về văn bản mật.")),
    "open_work_file": ("", lambda w, u: actions.do_open_work_file(
        acting_user=u, code="HS-99", title="Hồ sơ kiểm tra")),
}

SEE_ASSIGNED = {"clerk_a", "leader_a", "head_a", "specialist_a"}
RIGHTS: dict[str, set[str]] = {
    "submit_for_assignment": {"clerk_a"},
    "assign": {"leader_a"},
    "pass_on": {"head_a"},
    "complete_unit_part": {"head_a", "specialist_a"},  # members of the assigned unit
    "complete_personal_part": {"specialist_a"},
    "add_opinion": SEE_ASSIGNED,
    "attach_to_incoming": SEE_ASSIGNED,
    "attach_to_draft": {"specialist_a"},  # the drafter only
    "update_draft": {"specialist_a"},
    "submit_for_review": {"specialist_a"},
    "review": {"head_a"},  # the head of the drafting unit
    "approve": {"leader_a"},
    "issue": {"clerk_a"},
    "grant_secret": {"clerk_a"},  # the leader may grant too, once they may see it
    "secret_opinion": {"clerk_a", "leader_a", "specialist_a"},  # named ones only
    "open_work_file": {"leader_a", "head_a", "specialist_a", "sub_head_a",
                       "sub_specialist_a", "leader_b", "head_b", "specialist_b"},
}


def _footprint() -> tuple[int, ...]:
    return (AuditEntry.objects.count(), StatusChange.objects.count(),
            Assignment.objects.count(), Grant.objects.count(), WorkFile.objects.count(),
            Document.objects.count())


@pytest.mark.parametrize("action", list(ATTEMPTS))
def test_who_may_do_what(world: World, action: str) -> None:
    state, attempt = ATTEMPTS[action]
    outcomes: dict[str, str] = {}
    for person in PEOPLE:
        sid = transaction.savepoint()
        try:
            # Every person tries on the same document, as it stood before anyone acted.
            for doc in world.docs.values():
                doc.refresh_from_db()
            before = _footprint()
            try:
                attempt(world, world.people[person])
                outcomes[person] = "done"
                assert _footprint() != before, (action, person, "nothing was written")
            except PermissionDenied:
                outcomes[person] = "denied"
                assert _footprint() == before, (action, person)
            except ValidationError as exc:
                outcomes[person] = f"invalid: {exc.message_dict}"
        finally:
            transaction.savepoint_rollback(sid)
    expected = {p: "done" if p in RIGHTS[action] else "denied" for p in PEOPLE}
    assert outcomes == expected, state
