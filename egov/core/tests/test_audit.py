"""The audit log: entries written by the actions, sealed into the chain in order, verified;
sealing under concurrency (entries committing out of id order, two sealers at once)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from egov.core import actions, audit
from egov.core.models import AuditEntry, AuditLink, AuditSeal, Organisation
from egov.core.tests import factories


@pytest.fixture(autouse=True)
def _fresh_process_state() -> Iterator[None]:
    audit.reset_process_state()
    yield
    audit.reset_process_state()


def make_entries(n: int, start: int = 1) -> list[AuditEntry]:
    """``n`` calendar changes through the real action: one audit entry each."""
    for i in range(start, start + n):
        actions.do_set_calendar_day(acting_user=None, date=dt.date(2031, 1, 1) +
                                    dt.timedelta(days=i), is_working_day=False,
                                    note=f"Nghỉ bù {i}")
    return list(AuditEntry.objects.order_by("-id")[:n])[::-1]


def chain_of(entries: list[AuditEntry]) -> list[str]:
    head, out = audit.GENESIS, []
    for entry in entries:
        head = audit.chain_hash(head, entry.pk, entry.digest)
        out.append(head)
    return out


@pytest.mark.django_db(transaction=True)
def test_record_must_run_inside_a_transaction() -> None:
    with pytest.raises(RuntimeError):
        audit.record(acting_user=None, action="core.nothing", object_type="x", object_id=1)


def test_an_action_writes_one_entry_whose_digest_survives_the_database_trip(
    ministry: Organisation, leader: Any
) -> None:
    post = leader.posts.get()
    with audit.acting_context(ip="2001:0db8:0000:0000:0000:0000:0000:0001", post=post):
        actions.do_update_organisation(ministry, acting_user=None, phone="024 3825 0000",
                                       address="28 Trần Hưng Đạo, Hà Nội")
    entry = AuditEntry.objects.latest("id")
    assert entry.action == "core.update_organisation"
    assert entry.object_type == "core.organisation"
    assert entry.object_id == str(ministry.pk)
    assert entry.before is not None and entry.after is not None
    assert entry.before["phone"] == "" and entry.after["phone"] == "024 3825 0000"
    assert entry.after["address"] == "28 Trần Hưng Đạo, Hà Nội"
    assert entry.position == "agency_leader" and entry.position_label
    assert entry.ip == "2001:db8::1"
    assert entry.actor_label == "system"
    assert audit.entry_digest(entry) == entry.digest


@pytest.mark.parametrize("ip", ["10.0.0.7", "::1", "fe80::1:0:0:1", "::ffff:192.0.2.1",
                                "2001:DB8:0:0:8:800:200C:417A", "not an address"])
def test_odd_values_keep_their_digest_after_the_database_trip(db: None, ip: str) -> None:
    before = {"ratio": 0.1, "tiny": 1e-7, "big": 1e16, "huge": 2.5e300, "count": 10**18,
              "when": dt.datetime(2026, 1, 29, 8, 30, tzinfo=dt.UTC),
              "day": dt.date(2026, 2, 17), "tags": {"tết", "nghỉ"}, "nested": [1, [2.5]],
              "text": "Quyết định số 01/QĐ-UBND “về việc…” \u2028 đ"}
    with audit.acting_context(ip=ip), transaction.atomic():
        written = audit.record(acting_user=None, action="core.test", object_type="x",
                               object_id="1", before=before, after={"x": None})
    entry = AuditEntry.objects.get(pk=written.pk)
    assert entry.digest == written.digest
    assert audit.entry_digest(entry) == entry.digest
    assert (entry.ip is None) == (ip == "not an address")


def test_seal_chains_entries_in_id_order_in_batches(db: None) -> None:
    entries = make_entries(5)
    assert audit.seal(batch_size=2) == 5
    links = list(AuditLink.objects.order_by("seq"))
    assert [link.seq for link in links] == [1, 2, 3, 4, 5]
    assert [link.entry_id for link in links] == [e.pk for e in entries]
    assert [link.chain for link in links] == chain_of(entries)
    seals = list(AuditSeal.objects.values_list("first_seq", "last_seq", "head"))
    assert seals == [(1, 2, links[1].chain), (3, 4, links[3].chain), (5, 5, links[4].chain)]
    assert audit.seal() == 0
    assert AuditLink.objects.count() == 5

    result = audit.verify()
    assert result.ok, result.problems
    assert (result.entries, result.seals, result.pending) == (5, 3, 0)
    assert (result.head_seq, result.head) == (5, links[4].chain)


def test_new_entries_continue_the_chain(db: None) -> None:
    first = make_entries(3)
    audit.seal()
    second = make_entries(2, start=10)
    assert audit.seal() == 2
    assert list(AuditLink.objects.order_by("seq").values_list("chain", flat=True)) == \
        chain_of(first + second)
    assert audit.verify().ok


def test_an_empty_log_verifies(db: None) -> None:
    result = audit.verify()
    assert result.ok and result.entries == 0 and result.head == audit.GENESIS


def test_unsealed_entries_are_counted_as_pending(db: None) -> None:
    make_entries(2)
    audit.seal()
    make_entries(3, start=5)
    result = audit.verify()
    assert result.ok and result.entries == 2 and result.pending == 3


def test_windowed_seal_leaves_an_old_straggler_to_the_full_sweep(db: None, settings: Any) -> None:
    """An entry whose transaction stayed open longer than the window is not looked for by
    the quick seal, but the full sweep seals it, exactly once, after the others."""
    settings.EGOV_AUDIT_SEAL_WINDOW_SECONDS = 0.3
    straggler = make_entries(1)[0]
    time.sleep(0.4)
    recent = make_entries(2, start=5)
    assert audit.seal(full=False) == 2
    assert not AuditLink.objects.filter(entry_id=straggler.pk).exists()
    assert audit.seal(full=True) == 1
    assert list(AuditLink.objects.order_by("seq").values_list("entry_id", flat=True)) == \
        [recent[0].pk, recent[1].pk, straggler.pk]
    assert audit.verify().ok


def test_the_first_seal_of_a_process_is_a_full_sweep(db: None, settings: Any) -> None:
    settings.EGOV_AUDIT_SEAL_WINDOW_SECONDS = 0.2
    make_entries(2)
    time.sleep(0.3)
    assert audit.seal() == 2  # automatic: this process has not swept yet
    make_entries(1, start=9)
    time.sleep(0.3)
    assert audit.seal() == 0  # windowed now: the entry is too old for the window
    assert audit.seal(full=True) == 1


def test_seal_refuses_to_extend_a_chain_whose_tail_lost_its_seal(db: None) -> None:
    make_entries(2)
    audit.seal()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditseal DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER core_auditseal_no_delete")
        cursor.execute("DELETE FROM core_auditseal")
    make_entries(1, start=7)
    with pytest.raises(audit.AuditChainBroken):
        audit.seal()


def test_request_seal_enqueues_one_delayed_task_per_burst(db: None, settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.EGOV_AUDIT_SEAL_DELAY_SECONDS = 2
    before = timezone.now()
    audit.request_seal()
    audit.request_seal()  # within the burst: the queued task will cover it
    tasks = list(DBTaskResult.objects.filter(task_path="egov.core.tasks.seal_audit_log"))
    assert len(tasks) == 1
    assert tasks[0].run_after >= before + dt.timedelta(seconds=2)


def test_request_seal_without_delay_enqueues_every_time(db: None, settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.EGOV_AUDIT_SEAL_DELAY_SECONDS = 0
    audit.request_seal()
    audit.request_seal()
    assert DBTaskResult.objects.filter(task_path="egov.core.tasks.seal_audit_log").count() == 2


def test_an_action_asks_for_a_seal_when_it_commits(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        factories.ministry()
    assert DBTaskResult.objects.filter(task_path="egov.core.tasks.seal_audit_log").count() == 1


# --- concurrency ---------------------------------------------------------------------

def in_thread(target: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``target`` on its own database connection; its result or error lands in the
    returned dict."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = target()
        except BaseException as exc:  # reported by the test
            out["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


@pytest.mark.django_db(transaction=True)
def test_entries_committed_out_of_id_order_are_sealed_exactly_once() -> None:
    """A long transaction takes a smaller id; a later one commits first and is sealed;
    the long one commits; the next seal takes it. Every entry is chained exactly once.
    (SQLite cannot commit out of order: the second writer waits for the first, which
    the test checks instead.)"""
    holding = threading.Event()
    release = threading.Event()

    def long_writer() -> int:
        with transaction.atomic():
            entry = make_entries(1)[0]
            holding.set()
            assert release.wait(20)
        return entry.pk

    def quick_writer() -> int:
        return make_entries(1, start=2)[0].pk

    long_thread, long_out = in_thread(long_writer)
    assert holding.wait(20)
    quick_thread, quick_out = in_thread(quick_writer)
    if connection.vendor == "postgresql":
        quick_thread.join(20)
        assert quick_out["result"] > 0, quick_out
        assert audit.seal() == 1  # the long transaction's entry is not visible yet
        assert list(AuditLink.objects.values_list("entry_id", flat=True)) == \
            [quick_out["result"]]
        release.set()
        long_thread.join(20)
        assert long_out["result"] < quick_out["result"]  # smaller id, committed later
        assert audit.seal() == 1
        order = [quick_out["result"], long_out["result"]]
    else:
        quick_thread.join(0.5)
        assert quick_thread.is_alive()  # SQLite: the second writer waits for the first
        release.set()
        long_thread.join(20)
        quick_thread.join(20)
        assert audit.seal() == 2
        order = [long_out["result"], quick_out["result"]]
    assert "error" not in long_out and "error" not in quick_out
    assert audit.seal() == 0
    assert list(AuditLink.objects.order_by("seq").values_list("entry_id", flat=True)) == order
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True)
def test_two_sealers_at_once_take_turns_even_for_the_very_first_seal() -> None:
    """While one sealer holds the seal lock, two more wait (they do not fail, and do not
    both write position 1); when it lets go, one seals everything, the other finds
    nothing left. Writers are not held up by the lock meanwhile."""
    entries = make_entries(6)
    assert not AuditSeal.objects.exists()
    start = threading.Barrier(3)

    def sealer() -> int:
        start.wait(10)
        return audit.seal()

    with audit._sealer_transaction():  # the lock a sealer takes
        threads = [in_thread(sealer) for _ in range(2)]
        start.wait(10)
        time.sleep(0.5)
        assert all(thread.is_alive() for thread, _out in threads)  # both wait
        if connection.vendor == "postgresql":
            # A writer does not wait for the sealers' lock.
            writer, writer_out = in_thread(lambda: make_entries(1, start=20)[0].pk)
            writer.join(10)
            assert not writer.is_alive() and "result" in writer_out, writer_out
            entries += [AuditEntry.objects.get(pk=writer_out["result"])]
    for thread, _out in threads:
        thread.join(30)
    results = [out.get("result", out.get("error")) for _thread, out in threads]
    assert sorted(results) == [0, len(entries)], results  # type: ignore[type-var]
    assert list(AuditLink.objects.order_by("seq").values_list("entry_id", flat=True)) == \
        [e.pk for e in entries]
    assert AuditSeal.objects.count() == 1
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True)
def test_sealers_racing_writers_never_skip_or_repeat_an_entry() -> None:
    """Writers and two sealers run together for a while; at the end every entry is in
    the chain exactly once and the chain verifies."""
    stop = threading.Event()

    def writer(offset: int) -> int:
        n = 0
        while not stop.is_set() and n < 40:
            make_entries(1, start=offset + n)
            n += 1
        return n

    def sealer() -> int:
        total = 0
        while not stop.is_set():
            total += audit.seal(batch_size=7)
            time.sleep(0.005)  # SQLite: let the writers at the write lock too
        return total

    threads = [in_thread(lambda o=o: writer(o)) for o in (100, 200, 300)]  # type: ignore[misc]
    threads += [in_thread(sealer) for _ in range(2)]
    for thread, _out in threads[:3]:
        thread.join(60)
    stop.set()
    for thread, _out in threads[3:]:
        thread.join(60)
    errors = [out["error"] for _t, out in threads if "error" in out]
    assert not errors, errors
    written = sum(out["result"] for _t, out in threads[:3])
    sealed_by_racers = sum(out["result"] for _t, out in threads[3:])
    assert sealed_by_racers > 0  # the sealers did run alongside the writers
    sealed = sealed_by_racers + audit.seal(full=True)
    assert written == sealed == AuditEntry.objects.count() == AuditLink.objects.count()
    entry_ids = list(AuditLink.objects.values_list("entry_id", flat=True))
    assert len(set(entry_ids)) == len(entry_ids)
    result = audit.verify()
    assert result.ok and result.entries == written and result.pending == 0
