"""An attacker with database access changes the sealed log; ``verify()`` and ``egov audit
verify`` name the first bad entry and fail. With the triggers in place the database
refuses every UPDATE and DELETE on the audit tables.

The attacker works with raw SQL after turning the triggers off, inside the test's
transaction (rolled back afterwards, triggers included).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from egov.core import actions, audit
from egov.core.models import AuditEntry, AuditLink, AuditSeal, Organisation
from egov.core.tests import factories


@pytest.fixture
def log(db: None) -> list[AuditEntry]:
    """Eight entries from real actions, sealed in three batches: 1–3, 4–6, 7–8."""
    ministry = factories.ministry()
    office = factories.unit(ministry, "000.00.01.G12", "Văn phòng Bộ", "VP")
    factories.official(office, "clerk", full_name="Lê Thị Văn Thư")
    audit.seal()
    actions.do_update_organisation(ministry, acting_user=None, phone="024 3825 0000")
    for day in (2, 3):
        actions.do_set_calendar_day(acting_user=None, date=dt.date(2030, 5, day),
                                    is_working_day=False, note="Nghỉ bù")
    audit.seal()
    org = Organisation.objects.get(pk=ministry.pk)
    actions.do_update_organisation(org, acting_user=None, email="vanphong@mof.gov.vn")
    actions.do_clear_calendar_day(acting_user=None, date=dt.date(2030, 5, 3))
    audit.seal()
    entries = list(AuditEntry.objects.order_by("id"))
    assert len(entries) == 8
    assert list(AuditSeal.objects.values_list("first_seq", "last_seq")) == \
        [(1, 3), (4, 6), (7, 8)]
    return entries


def attacker_sql(sql: str, params: list[Any] | None = None) -> None:
    """Raw SQL with the append-only triggers switched off, as a database administrator
    could; the test's transaction puts them back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in audit.APPEND_ONLY_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for statement in audit.drop_append_only_trigger_sql("sqlite"):
                cursor.execute(statement)
        cursor.execute(sql, params or [])


def link_chain(seq: int) -> str:
    return AuditLink.objects.get(seq=seq).chain


def assert_named(entry_id: int | None, position: int) -> audit.VerifyResult:
    """verify() and the command both fail and name the entry (and position)."""
    result = audit.verify()
    assert not result.ok
    assert (result.bad_entry_id, result.bad_position) == (entry_id, position), \
        result.problems
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify")
    assert failure.value.returncode == 1
    message = str(failure.value)
    assert f"#{entry_id}" in message if entry_id else f"{position}" in message
    return result


def test_an_untouched_log_verifies(log: list[AuditEntry], capsys: Any) -> None:
    result = audit.verify()
    assert result.ok, result.problems
    assert (result.entries, result.seals, result.head_seq) == (8, 3, 8)
    assert result.head == AuditSeal.objects.latest("last_seq").head
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert " 8 " in out and result.head in out


def test_altered_content_is_named(log: list[AuditEntry]) -> None:
    attacker_sql("UPDATE core_auditentry SET object_repr = %s WHERE id = %s",
                 ["Bộ Tài chính (đã sửa)", log[2].pk])
    result = assert_named(log[2].pk, 3)
    assert f"#{log[2].pk}" in result.problems[0]


def test_altered_json_is_named(log: list[AuditEntry]) -> None:
    after = dict(log[3].after or {}, phone="0000")
    attacker_sql("UPDATE core_auditentry SET after = %s WHERE id = %s",
                 [json.dumps(after), log[3].pk])
    assert_named(log[3].pk, 4)


def test_altered_content_with_a_recomputed_digest_breaks_the_chain(
    log: list[AuditEntry],
) -> None:
    forged = AuditEntry.objects.get(pk=log[4].pk)
    forged.object_repr = "Ngày nghỉ giả"
    attacker_sql("UPDATE core_auditentry SET object_repr = %s, digest = %s WHERE id = %s",
                 [forged.object_repr, audit.entry_digest(forged), forged.pk])
    assert_named(log[4].pk, 5)


def test_a_removed_entry_is_named(log: list[AuditEntry]) -> None:
    attacker_sql("DELETE FROM core_auditentry WHERE id = %s", [log[3].pk])
    assert_named(log[3].pk, 4)


def test_a_removed_link_names_its_entry(log: list[AuditEntry]) -> None:
    attacker_sql("DELETE FROM core_auditlink WHERE seq = 5")
    assert_named(log[4].pk, 5)


def test_a_removed_entry_with_its_link_names_the_position(log: list[AuditEntry]) -> None:
    attacker_sql("DELETE FROM core_auditlink WHERE seq = 2")
    attacker_sql("DELETE FROM core_auditentry WHERE id = %s", [log[1].pk])
    result = assert_named(None, 2)
    assert f"#{log[0].pk}" in result.problems[0] and f"#{log[2].pk}" in result.problems[0]


def forge_entry() -> AuditEntry:
    """A well-formed entry (valid digest) that no action wrote."""
    forged = AuditEntry(created_at=log_time(), actor_label="system", action="core.grant",
                        object_type="core.user", object_id="1", object_repr="quantri",
                        after={"is_superuser": True})
    forged.digest = audit.entry_digest(forged)
    forged.save(force_insert=True)  # inserting is allowed: the log is append-only
    return forged


def log_time() -> dt.datetime:
    return AuditEntry.objects.order_by("-id").values_list("created_at", flat=True)[0]


def test_a_forged_entry_with_a_forged_link_at_the_end_is_named(
    log: list[AuditEntry],
) -> None:
    forged = forge_entry()
    AuditLink.objects.create(seq=9, entry=forged,
                             chain=audit.chain_hash(link_chain(8), forged.pk, forged.digest))
    assert_named(forged.pk, 9)


def test_a_forged_entry_put_in_the_place_of_another_is_named(log: list[AuditEntry]) -> None:
    forged = forge_entry()
    attacker_sql("DELETE FROM core_auditlink WHERE seq = 4")
    AuditLink.objects.create(seq=4, entry=forged,
                             chain=audit.chain_hash(link_chain(3), forged.pk, forged.digest))
    result = assert_named(forged.pk, 4)
    assert f"#{log[3].pk}" in result.problems[0]  # the entry it displaced


def test_reordered_entries_are_named(log: list[AuditEntry]) -> None:
    attacker_sql("UPDATE core_auditlink SET entry_id = %s WHERE seq = 6", [-1])
    attacker_sql("UPDATE core_auditlink SET entry_id = %s WHERE seq = 7", [log[5].pk])
    attacker_sql("UPDATE core_auditlink SET entry_id = %s WHERE seq = 6", [log[6].pk])
    assert_named(log[6].pk, 6)


def test_a_truncated_tail_is_named(log: list[AuditEntry]) -> None:
    attacker_sql("DELETE FROM core_auditlink WHERE seq = 8")
    attacker_sql("DELETE FROM core_auditentry WHERE id = %s", [log[7].pk])
    result = assert_named(None, 8)
    assert f"#{log[6].pk}" in result.problems[0]  # the last entry left


def test_a_removed_seal_is_named(log: list[AuditEntry]) -> None:
    attacker_sql("DELETE FROM core_auditseal WHERE last_seq = 6")
    assert_named(log[3].pk, 4)


def test_an_altered_seal_is_named(log: list[AuditEntry]) -> None:
    attacker_sql("UPDATE core_auditseal SET head = %s WHERE last_seq = 6", ["0" * 64])
    assert_named(log[5].pk, 6)


def test_a_rewritten_chain_passes_alone_but_not_against_an_anchored_head(
    log: list[AuditEntry], capsys: Any,
) -> None:
    """What verify cannot see by itself: an attacker alters entry 2, recomputes its digest,
    every later link and every seal. Only a head kept outside the database shows it."""
    call_command("audit", "head")
    anchor = capsys.readouterr().out.split()[0]
    assert anchor == f"8:{link_chain(8)}"

    forged = AuditEntry.objects.get(pk=log[1].pk)
    forged.object_repr = "Văn phòng Bộ (rewritten)"
    attacker_sql("UPDATE core_auditentry SET object_repr = %s, digest = %s WHERE id = %s",
                 [forged.object_repr, audit.entry_digest(forged), forged.pk])
    head = audit.GENESIS
    for link in AuditLink.objects.order_by("seq").select_related("entry"):
        head = audit.chain_hash(head, link.entry_id, link.entry.digest)
        attacker_sql("UPDATE core_auditlink SET chain = %s WHERE seq = %s", [head, link.seq])
        attacker_sql("UPDATE core_auditseal SET head = %s WHERE last_seq = %s",
                     [head, link.seq])

    assert audit.verify().ok  # undetectable from inside the database
    position, anchored_head = audit_anchor(anchor)
    result = audit.verify(anchors=[(position, anchored_head)])
    assert not result.ok and result.bad_position == 8
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", "--anchor", anchor)
    assert failure.value.returncode == 1


def audit_anchor(text: str) -> tuple[int, str]:
    position, head = text.split(":")
    return int(position), head


def test_an_anchor_shows_a_truncation_at_a_seal_boundary(
    log: list[AuditEntry], capsys: Any,
) -> None:
    call_command("audit", "head")
    anchor = capsys.readouterr().out.split()[0]
    attacker_sql("DELETE FROM core_auditseal WHERE last_seq = 8")
    attacker_sql("DELETE FROM core_auditlink WHERE seq >= 7")
    attacker_sql("DELETE FROM core_auditentry WHERE id >= %s", [log[6].pk])
    assert audit.verify().ok  # the cut falls on a seal boundary
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", "--anchor", anchor)
    assert failure.value.returncode == 1
    assert "8" in str(failure.value)


def test_anchors_of_an_intact_log_pass(log: list[AuditEntry], capsys: Any) -> None:
    middle = f"6:{link_chain(6)}"
    call_command("audit", "head")
    latest = capsys.readouterr().out.split()[0]
    call_command("audit", "verify", "--anchor", middle, "--anchor", latest)
    assert "2 anchor" in capsys.readouterr().out


# --- the database refuses ----------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "UPDATE core_auditentry SET object_repr = 'x'",
    "DELETE FROM core_auditentry",
    "UPDATE core_auditlink SET chain = 'x'",
    "DELETE FROM core_auditlink",
    "UPDATE core_auditseal SET head = 'x'",
    "DELETE FROM core_auditseal",
])
def test_the_database_refuses_updates_and_deletes(log: list[AuditEntry], sql: str) -> None:
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(sql)
    assert audit.verify().ok


def test_the_orm_is_refused_too(log: list[AuditEntry]) -> None:
    entry = AuditEntry.objects.get(pk=log[0].pk)
    entry.object_repr = "changed"
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditLink.objects.filter(seq=1).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditSeal.objects.update(head="0" * 64)
    assert audit.verify().ok


def test_truncate_is_refused_on_postgresql_and_absent_on_sqlite(log: list[AuditEntry]) -> None:
    if connection.vendor == "postgresql":
        for table in audit.APPEND_ONLY_TABLES:
            with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), \
                    connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {table}")
    else:
        with pytest.raises(Exception, match="syntax"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute("TRUNCATE core_auditentry")
    assert AuditEntry.objects.count() == 8


def test_flush_outside_tests_is_refused_and_changes_nothing(
    log: list[AuditEntry], monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.core import mail

    monkeypatch.delattr(mail, "outbox")  # as outside a test run
    with pytest.raises(CommandError):
        call_command("flush", interactive=False, verbosity=0)
    assert AuditEntry.objects.count() == 8
    assert audit.verify().ok
