"""The audit log: one entry per action, written inside the action's transaction.

Writers only INSERT an ``AuditEntry`` (no lock, no shared row, no read of the chain), so
concurrent writers never wait on each other. Its ``digest`` is the SHA-256 of the entry's
canonical content. When the action commits, ``request_seal`` enqueues the background task
``seal_audit_log`` (at most one per process every few seconds); the sealer takes the
entries not yet chained, in id order, and appends one ``AuditLink`` per entry:

    chain[seq] = SHA-256(chain[seq-1] | entry id | entry digest)      chain[0] = "0" * 64

then one ``AuditSeal`` per batch (its ``head`` is the chain value at its last position),
in the same transaction. Only one sealer runs at a time (``_sealer_transaction``).

``verify`` recomputes every digest from the entry's content, walks the chain and the
seals, and names the first entry that was altered, removed, inserted or moved. Database
triggers (migration 0002, ``create_append_only_triggers``) refuse UPDATE, DELETE and
TRUNCATE on the three tables. What stays out of reach of all this (an attacker who
rewrites the whole chain and every seal) is caught only by comparing with a head kept
outside the database: ``egov audit head`` / ``egov audit verify --anchor``. See
docs/audit.md.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import ipaddress
import json
import logging
import math
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.ipv6 import clean_ipv6_address
from django.utils.translation import gettext as _

from .models import AuditEntry, AuditLink, AuditSeal, Post, User

logger = logging.getLogger(__name__)

GENESIS = "0" * 64

# Key of the PostgreSQL advisory lock that lets one sealer at a time extend the chain
# ("egov-seal" in ASCII, as a signed 64-bit number). An advisory lock always exists, so
# even the very first seal (no AuditSeal row yet) is serialised.
SEAL_LOCK_KEY = 0x65676F762D7365

# The three append-only tables (migration 0002 puts the triggers on them).
APPEND_ONLY_TABLES = ("core_auditentry", "core_auditlink", "core_auditseal")


@dataclass(frozen=True)
class AuditContext:
    """Who is acting and from where; set per request by middleware, per command by hand."""

    ip: str | None = None
    post: Post | None = None


_context: contextvars.ContextVar[AuditContext] = contextvars.ContextVar(
    "egov_audit_context", default=AuditContext()  # noqa: B039 - immutable default
)


@contextmanager
def acting_context(*, ip: str | None = None, post: Post | None = None) -> Iterator[None]:
    token = _context.set(AuditContext(ip=ip, post=post))
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> AuditContext:
    return _context.get()


# --- canonical content ---------------------------------------------------------------

# Floats at or above this size are printed by Python with an exponent ("1e+16"), which
# PostgreSQL's jsonb gives back as an integer: they are stored as integers from the start
# so that the digest is the same before and after a database trip.
_EXPONENT_FLOAT = 1e16


_PLAIN = frozenset({str, int, bool, type(None)})


def to_jsonable(value: Any) -> Any:
    """Turn a field value into plain JSON (the same before and after a database trip)."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        if value.is_integer() and abs(value) >= _EXPONENT_FLOAT:
            return int(value)
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | dt.timedelta | Promise):
        return str(value)
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The audited state of ``obj``: concrete fields (foreign keys as ids)."""
    result: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        if f.name in {"password"}:
            continue
        result[f.attname] = to_jsonable(getattr(obj, f.attname))
    return result


def clean_ip(ip: str | None) -> str | None:
    """The address as the database gives it back (IPv6 in its short form); anything that
    is not an address is dropped rather than failing the action."""
    if not ip:
        return None
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        return None
    return clean_ipv6_address(ip) if ":" in ip else ip


def canonical_bytes(entry: AuditEntry) -> bytes:
    """The content that the digest covers, in one fixed serialisation."""
    created = entry.created_at
    content = {
        "created_at": created.astimezone(dt.UTC).isoformat() if created else None,
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "position": entry.position,
        "position_label": entry.position_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "ip": entry.ip,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode()


def entry_digest(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical_bytes(entry)).hexdigest()


def chain_hash(previous: str, entry_id: int, digest: str) -> str:
    return hashlib.sha256(f"{previous}|{entry_id}|{digest}".encode()).hexdigest()


# --- writing -------------------------------------------------------------------------

def record(
    *,
    acting_user: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    object_repr: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry. Call it inside the action's ``transaction.atomic()``.

    This is every action's hot path: one INSERT, no read, no lock."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record() must run inside the action's transaction")
    ctx = _context.get()
    post = ctx.post
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
        object_repr = str(obj) if object_repr is None else object_repr
    if acting_user is not None:
        actor_label = (acting_user.get_full_name() or acting_user.get_username())[:200]
    else:
        actor_label = "system"
    entry = AuditEntry(
        created_at=timezone.now(),
        actor=acting_user,
        actor_label=actor_label,
        position=post.position if post else "",
        position_label=str(post)[:300] if post else "",
        action=action,
        object_type=object_type or "",
        object_id=str(object_id if object_id is not None else ""),
        object_repr=(object_repr or "")[:255],
        before=to_jsonable(before) if before is not None else None,
        after=to_jsonable(after) if after is not None else None,
        ip=clean_ip(ctx.ip),
    )
    entry.digest = entry_digest(entry)
    _insert(entry, connection)
    transaction.on_commit(request_seal, robust=True)
    return entry


_PLAIN_VALUE, _DATETIME_VALUE, _JSON_VALUE = 0, 1, 2
_insert_plans: dict[str, tuple[str, list[tuple[str, int]], bool]] = {}


def _insert(entry: AuditEntry, connection: BaseDatabaseWrapper) -> None:
    """``entry.save(force_insert=True)``, without the ORM's per-call machinery: the SQL
    is built once per database vendor and the values need little conversion (text,
    numbers, an address, a time, two JSON documents). Audit entries send no signals."""
    plan = _insert_plans.get(connection.vendor)
    if plan is None:
        meta = AuditEntry._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        returning = bool(connection.features.can_return_columns_from_insert)
        # Table and column names from the model, quoted; the values are parameters.
        sql = (f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608
               f"({', '.join(quote(str(f.column)) for f in fields)}) "
               f"VALUES ({', '.join(['%s'] * len(fields))})")
        if returning:
            sql += f" RETURNING {quote(str(meta.pk.column))}"
        kinds = [(f.attname, _JSON_VALUE if isinstance(f, models.JSONField)
                  else _DATETIME_VALUE if isinstance(f, models.DateTimeField)
                  else _PLAIN_VALUE) for f in fields]
        plan = _insert_plans[connection.vendor] = (sql, kinds, returning)
    sql, kinds, returning = plan
    params: list[Any] = []
    for attname, kind in kinds:
        value = getattr(entry, attname)
        if value is None or kind == _PLAIN_VALUE:
            params.append(value)
        elif kind == _DATETIME_VALUE:
            params.append(connection.ops.adapt_datetimefield_value(value))
        else:  # JSON as text: the column (jsonb, or text on SQLite) takes it as it is
            params.append(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        entry.pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    entry._state.adding = False
    entry._state.db = connection.alias


# --- sealing -------------------------------------------------------------------------

class AuditChainBroken(Exception):
    """The chain's tail does not match its last seal: sealing stops until someone looks
    (``egov audit verify``), rather than extend a chain that was tampered with."""


_seal_due = 0.0  # monotonic time at which the last seal task this process enqueued runs
_request_lock = threading.Lock()
_last_full_sweep: float | None = None


def reset_process_state() -> None:
    """Forget this process's throttle and sweep clocks (tests start from a clean slate)."""
    global _seal_due, _last_full_sweep
    with _request_lock:
        _seal_due = 0.0
        _last_full_sweep = None


def request_seal() -> None:
    """Enqueue a seal task to run after ``EGOV_AUDIT_SEAL_DELAY_SECONDS`` (runs on commit).

    A commit that happens while this process's previous task is still waiting to run is
    covered by that task (it starts after this commit and seals every committed entry),
    so no new task is needed; a margin allows for the worker's clock running ahead.
    Tasks enqueued by several processes at once are harmless: sealers take turns, and the
    later ones find nothing left to do."""
    global _seal_due
    delay = max(0.0, float(settings.EGOV_AUDIT_SEAL_DELAY_SECONDS))
    margin = min(1.0, delay / 2)
    now = time.monotonic()
    with _request_lock:
        if now < _seal_due - margin:
            return
        previous, _seal_due = _seal_due, now + delay
    from .tasks import seal_audit_log

    try:
        seal_audit_log.using(
            run_after=timezone.now() + dt.timedelta(seconds=delay)
        ).enqueue()
    except BaseException:
        with _request_lock:
            _seal_due = previous  # the next commit tries again
        raise


@contextmanager
def _sealer_transaction() -> Iterator[None]:
    """A transaction that only one sealer at a time may hold; writers are not blocked
    (on PostgreSQL they never touch this lock; SQLite serialises every writer anyway)."""
    connection = transaction.get_connection()
    vendor = connection.vendor
    if vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])
            yield
    elif vendor == "sqlite":
        with _sqlite_write_lock(connection), transaction.atomic():
            yield
    else:  # pragma: no cover - the platform runs on PostgreSQL and SQLite only
        raise NotImplementedError(f"audit sealing does not support {vendor}")


@contextmanager
def _sqlite_write_lock(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Begin the transaction with the write lock taken (BEGIN IMMEDIATE), as the settings
    do for every transaction, so two sealers cannot both read the same chain tail."""
    if connection.in_atomic_block:
        yield  # the outer transaction decides
        return
    if not hasattr(connection, "transaction_mode"):
        connection.get_connection_params()
    old = getattr(connection, "transaction_mode", None)
    if old in ("IMMEDIATE", "EXCLUSIVE"):
        yield
        return
    setattr(connection, "transaction_mode", "IMMEDIATE")  # noqa: B010 - backend attribute
    try:
        yield
    finally:
        setattr(connection, "transaction_mode", old)  # noqa: B010


def seal(batch_size: int | None = None, *, full: bool | None = None) -> int:
    """Chain every committed entry not yet chained, in id order; returns how many.

    Entries can commit out of id order (a long transaction holds a smaller id), so the
    sealer looks for entries without a link rather than above a high-water mark. To keep
    that look cheap on a large log it covers the entries of the last
    ``EGOV_AUDIT_SEAL_WINDOW_SECONDS``; a full sweep (``full=True``, and automatically
    once every ``EGOV_AUDIT_FULL_SWEEP_SECONDS`` in each process) catches an entry whose
    transaction stayed open longer than that."""
    global _last_full_sweep
    batch_size = batch_size or int(settings.EGOV_AUDIT_SEAL_BATCH)
    now = time.monotonic()
    if full is None:
        every = float(getattr(settings, "EGOV_AUDIT_FULL_SWEEP_SECONDS", 3600))
        full = _last_full_sweep is None or now - _last_full_sweep >= every
    since = None
    if not full:
        window = float(getattr(settings, "EGOV_AUDIT_SEAL_WINDOW_SECONDS", 600))
        since = timezone.now() - dt.timedelta(seconds=window)
    total = 0
    after_id = 0
    while True:
        sealed, after_id = _seal_batch(batch_size, since=since, after_id=after_id)
        total += sealed
        if sealed < batch_size:
            break
    if full:
        _last_full_sweep = now
    return total


def _pending(batch_size: int, *, since: dt.datetime | None,
             after_id: int) -> list[tuple[int, str]]:
    """Entries without a link, in id order. Within one ``seal()`` call later batches
    start after the previous one: an entry that commits meanwhile with a smaller id has
    its own seal task, which starts after its commit."""
    entries = AuditEntry.objects.filter(link__isnull=True)
    low = after_id + 1
    if since is not None:
        first_recent = (AuditEntry.objects.filter(created_at__gte=since)
                        .order_by("created_at").values_list("id", flat=True).first())
        if first_recent is None:
            return []
        low = max(low, first_recent)
    if low > 1:
        entries = entries.filter(id__gte=low)
    return list(entries.order_by("id").values_list("id", "digest")[:batch_size])


def _seal_batch(batch_size: int, *, since: dt.datetime | None,
                after_id: int) -> tuple[int, int]:
    with _sealer_transaction():
        tail = AuditLink.objects.order_by("-seq").values_list("seq", "chain").first()
        last_seal = (AuditSeal.objects.order_by("-last_seq")
                     .values_list("last_seq", "head").first())
        seq, head = tail if tail is not None else (0, GENESIS)
        if (last_seal or (0, GENESIS)) != (seq, head):
            raise AuditChainBroken(
                f"the chain ends at position {seq} but the last seal ends at "
                f"{last_seal[0] if last_seal else 0}, or their heads differ; "
                "run `egov audit verify`")
        pending = _pending(batch_size, since=since, after_id=after_id)
        if not pending:
            return 0, after_id
        first_seq = seq + 1
        links = []
        for entry_id, digest in pending:
            seq += 1
            head = chain_hash(head, entry_id, digest)
            links.append(AuditLink(seq=seq, entry_id=entry_id, chain=head))
        AuditLink.objects.bulk_create(links, batch_size=1000)
        AuditSeal.objects.create(first_seq=first_seq, last_seq=seq, head=head,
                                 sealed_at=timezone.now())
    return len(links), pending[-1][0]


def latest_seal() -> AuditSeal | None:
    return AuditSeal.objects.order_by("-last_seq").first()


# --- verification --------------------------------------------------------------------

@dataclass
class VerifyResult:
    ok: bool
    entries: int = 0
    seals: int = 0
    pending: int = 0
    head: str = GENESIS
    head_seq: int = 0
    problems: list[str] = field(default_factory=list)
    # The first bad entry (None when it was removed with its link), and its position.
    bad_entry_id: int | None = None
    bad_position: int | None = None


@dataclass
class _Walk:
    result: VerifyResult
    seals: list[tuple[int, int, str]]
    seal_index: int = 0
    previous_seal_end: int = 0
    head: str = GENESIS
    before_head: str = GENESIS  # chain[seq - 2], to test whether the previous link lied
    expected: int = 1
    previous_entry: AuditEntry | None = None
    _unlinked: list[tuple[int, str]] | None = None

    def unlinked(self) -> list[tuple[int, str]]:
        """Entries without a link (normally the few not sealed yet): the candidates for
        an entry whose link was removed or replaced. Loaded only when something is wrong."""
        if self._unlinked is None:
            self._unlinked = list(AuditEntry.objects.filter(link__isnull=True)
                                  .order_by("id").values_list("id", "digest"))
        return self._unlinked


def verify(*, anchors: Iterable[tuple[int, str]] = (), chunk: int = 2000) -> VerifyResult:
    """Walk the chain from the start; stop at the first problem and name the entry.

    ``anchors`` are (position, head) pairs kept outside the database (``egov audit
    head``): the chain must still pass through each of them."""
    anchored = dict(anchors)
    seals = list(AuditSeal.objects.order_by("last_seq")
                 .values_list("first_seq", "last_seq", "head"))
    result = VerifyResult(ok=True, seals=len(seals))
    # Walk what was sealed when we started; links sealed meanwhile come with their seal
    # (one transaction) and are checked by the next run.
    end = seals[-1][1] if seals else 0
    walk = _Walk(result=result, seals=seals)
    last = 0
    while last < end:
        links = list(AuditLink.objects.filter(seq__gt=last, seq__lte=end).order_by("seq")
                     .values_list("seq", "entry_id", "chain")[:chunk])
        if not links:
            break
        entries = AuditEntry.objects.in_bulk([entry_id for _s, entry_id, _c in links])
        for seq, entry_id, chain in links:
            if not _check_link(walk, seq, entries.get(entry_id), entry_id, chain):
                return result
            if seq in anchored and chain != anchored[seq]:
                return _fail(result, seq, entry_id, _(
                    "the chain at position %(seq)s (entry #%(id)s) differs from the "
                    "anchored head: the log was rewritten up to there")
                    % {"seq": seq, "id": entry_id})
        last = links[-1][0]
    if last < end:
        previous = walk.previous_entry
        return _fail(result, last + 1, None, _(
            "the chain ends at position %(last)s (entry #%(id)s) but the seals go on to "
            "position %(end)s: the entries after #%(id)s were removed")
            % {"last": last, "id": previous.pk if previous else "-", "end": end})
    # Links beyond the last seal never come from the sealer (it writes both at once).
    sealed_end = (AuditSeal.objects.order_by("-last_seq")
                  .values_list("last_seq", flat=True).first() or 0)
    stray = (AuditLink.objects.filter(seq__gt=max(sealed_end, end)).order_by("seq")
             .values_list("seq", "entry_id").first())
    if stray is not None:
        return _fail(result, stray[0], stray[1], _(
            "entry #%(id)s (position %(seq)s) is in the chain but under no seal: it was "
            "inserted outside the sealer") % {"id": stray[1], "seq": stray[0]})
    if anchored and max(anchored) > last:
        return _fail(result, max(anchored), None, _(
            "the chain ends at position %(last)s but an anchor names position %(seq)s: "
            "entries were removed") % {"last": last, "seq": max(anchored)})
    result.head = walk.head
    result.head_seq = last
    result.pending = AuditEntry.objects.filter(link__isnull=True).count()
    return result


def _check_link(walk: _Walk, seq: int, entry: AuditEntry | None, entry_id: int,
                chain: str) -> bool:
    result = walk.result
    if seq != walk.expected:
        _missing_positions(walk, seq, entry, entry_id, chain)
        return False
    if not _check_seal_start(walk, seq, entry_id):
        return False
    if entry is None:
        _fail(result, seq, entry_id, _("entry #%(id)s (position %(seq)s) was removed")
              % {"id": entry_id, "seq": seq})
        return False
    digest = entry_digest(entry)
    if digest != entry.digest:
        _fail(result, seq, entry.pk, _(
            "entry #%(id)s (position %(seq)s) was altered: its content no longer matches "
            "its digest") % {"id": entry.pk, "seq": seq})
        return False
    head = chain_hash(walk.head, entry.pk, digest)
    if head != chain:
        _chain_break(walk, seq, entry, chain)
        return False
    seal_row = walk.seals[walk.seal_index]
    if seq == seal_row[1]:
        if seal_row[2] != head:
            _fail(result, seq, entry.pk, _(
                "the seal of positions %(first)s–%(last)s does not match the chain "
                "(entry #%(id)s)") % {"first": seal_row[0], "last": seal_row[1],
                                      "id": entry.pk})
            return False
        walk.previous_seal_end = seq
        walk.seal_index += 1
    walk.before_head, walk.head = walk.head, head
    walk.previous_entry = entry
    walk.expected += 1
    result.entries += 1
    return True


def _check_seal_start(walk: _Walk, seq: int, entry_id: int) -> bool:
    """Seals tile the chain: each starts right after the previous one ends."""
    first, last, _head = walk.seals[walk.seal_index]
    if walk.previous_seal_end == seq - 1 and (first != seq or last < first):
        _fail(walk.result, seq, entry_id, _(
            "entry #%(id)s (position %(seq)s) is under no seal: a seal was removed or "
            "altered") % {"id": entry_id, "seq": seq})
        return False
    return True


def _missing_positions(walk: _Walk, seq: int, entry: AuditEntry | None,
                       entry_id: int, chain: str) -> None:
    """Positions ``walk.expected``..``seq - 1`` have no link. If one link is missing and
    its entry is still there, find it: it is the unlinked entry that joins the chain."""
    expected = walk.expected
    if seq == expected + 1 and entry is not None:
        digest = entry_digest(entry)
        for candidate_id, candidate_digest in walk.unlinked():
            guess = chain_hash(walk.head, candidate_id, candidate_digest)
            if chain_hash(guess, entry.pk, digest) == chain:
                _fail(walk.result, expected, candidate_id, _(
                    "the link of entry #%(id)s (position %(seq)s) was removed")
                    % {"id": candidate_id, "seq": expected})
                return
    previous = walk.previous_entry
    _fail(walk.result, expected, None, _(
        "positions %(first)s–%(last)s are missing from the chain, between entry "
        "#%(before)s and entry #%(after)s: their links (and entries) were removed")
        % {"first": expected, "last": seq - 1,
           "before": previous.pk if previous else "-", "after": entry_id})


def _chain_break(walk: _Walk, seq: int, entry: AuditEntry, chain: str) -> None:
    """The chain value stored at ``seq`` is not what this entry gives. Either the entry
    was altered (content and digest together), moved or inserted here, or the link
    before it was replaced by a forged one (whose chain value the forger recomputed):
    then the entry that link displaced, now unlinked, rejoins the chain."""
    previous = walk.previous_entry
    if previous is not None:
        for candidate_id, candidate_digest in walk.unlinked():
            guess = chain_hash(walk.before_head, candidate_id, candidate_digest)
            if chain_hash(guess, entry.pk, entry.digest) == chain:
                _fail(walk.result, seq - 1, previous.pk, _(
                    "entry #%(id)s (position %(seq)s) was inserted in the place of entry "
                    "#%(original)s") % {"id": previous.pk, "seq": seq - 1,
                                        "original": candidate_id})
                return
    _fail(walk.result, seq, entry.pk, _(
        "entry #%(id)s (position %(seq)s) was altered, moved or inserted: the chain "
        "breaks here") % {"id": entry.pk, "seq": seq})


def _fail(result: VerifyResult, position: int | None, entry_id: int | None,
          message: str) -> VerifyResult:
    result.ok = False
    result.bad_position = position
    result.bad_entry_id = entry_id
    result.problems.append(message)
    return result


# --- append-only triggers ------------------------------------------------------------
#
# Used by migration 0002 and by the ``flush`` command (tests empty the database between
# transactional tests). Changing the SQL needs a new migration that re-creates them.

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION egov_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'egov: % on % refused: the audit log is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""


def append_only_trigger_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = [_PG_FUNCTION]
        for table in APPEND_ONLY_TABLES:
            statements += [
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION egov_audit_append_only()",
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION egov_audit_append_only()",
            ]
        return statements
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} BEGIN "
            f"SELECT RAISE(ABORT, 'egov: {op} on {table} refused: the audit log is "
            "append-only'); END"
            for table in APPEND_ONLY_TABLES for op in ("UPDATE", "DELETE")
        ]
    raise NotImplementedError(f"append-only triggers are not written for {vendor}")


def drop_append_only_trigger_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = []
        for table in APPEND_ONLY_TABLES:
            statements += [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                           f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"]
        return [*statements, "DROP FUNCTION IF EXISTS egov_audit_append_only()"]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_{op}"
                for table in APPEND_ONLY_TABLES for op in ("update", "delete")]
    raise NotImplementedError(f"append-only triggers are not written for {vendor}")


def create_append_only_triggers(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in append_only_trigger_sql(connection.vendor):
            cursor.execute(statement)


def drop_append_only_triggers(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in drop_append_only_trigger_sql(connection.vendor):
            cursor.execute(statement)
