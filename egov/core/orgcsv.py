"""Organisations in and out of CSV files (one row per agency or unit).

Columns, in a header row (UTF-8, a byte-order mark is tolerated)::

    code, qd20_code, name, short_name, kind, is_agency, parent_code, address, email, phone

Import: a row whose ``code`` exists updates that organisation (``do_update_organisation``,
and ``do_move_organisation`` when its parent changed); a new code is created
(``do_create_organisation``). Every row goes through the actions, so the checks are the
actions' own. Parents may be earlier or later in the file or already in the database. All
rows run in one transaction; if any row is rejected, or on a dry run, the transaction is
rolled back and nothing is imported. The report names every rejected row with its line,
field and reason.

Export writes parents before their units (so an export imports again unchanged), and
neutralises cells that a spreadsheet would read as a formula.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import actions
from .models import Organisation, User

COLUMNS = ["code", "qd20_code", "name", "short_name", "kind", "is_agency", "parent_code",
           "address", "email", "phone"]
# The CSV fields that are the organisation's own (the rest say where it sits).
FIELD_COLUMNS = ["qd20_code", "name", "short_name", "kind", "is_agency", "address",
                 "email", "phone"]
MAX_BYTES = 8 * 1024 * 1024
MAX_ROWS = 20_000
MAX_CELL = 1000
# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TRUE_WORDS = {"1", "true", "yes", "y", "x", "có", "co"}
FALSE_WORDS = {"0", "false", "no", "n", "không", "khong"}
# Field names of the actions' errors that a CSV column names differently.
FIELD_TO_COLUMN = {"parent": "parent_code"}


@dataclass(frozen=True)
class Rejection:
    """One reason why a row (or the whole file, line 0) cannot be imported."""

    line: int
    field: str
    reason: str
    code: str = ""

    def __str__(self) -> str:
        where = _("line %(line)d") % {"line": self.line} if self.line else _("file")
        return f"{where}, {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


@dataclass
class ImportReport:
    dry_run: bool = False
    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejections

    @property
    def committed(self) -> bool:
        """The rows are in the database (no rejection, not a dry run)."""
        return self.ok and not self.dry_run

    @property
    def rejected_lines(self) -> int:
        return len({r.line for r in self.rejections})

    def summary(self) -> str:
        if not self.ok:
            return _(
                "%(rejected)d of %(rows)d rows were rejected: nothing was imported. Correct "
                "the rows listed and import the whole file again."
            ) % {"rejected": self.rejected_lines, "rows": self.rows}
        counts = {"rows": self.rows, "created": len(self.created),
                  "updated": len(self.updated), "moved": len(self.moved),
                  "unchanged": len(self.unchanged)}
        if self.dry_run:
            return _(
                "Dry run: all %(rows)d rows are valid. Importing would create %(created)d, "
                "update %(updated)d and move %(moved)d organisations; %(unchanged)d are "
                "unchanged. Nothing was written."
            ) % counts
        return _(
            "%(rows)d rows imported: %(created)d organisations created, %(updated)d "
            "updated, %(moved)d moved, %(unchanged)d unchanged."
        ) % counts


@dataclass
class Row:
    line: int
    values: dict[str, str]

    @property
    def code(self) -> str:
        return self.values["code"]

    @property
    def parent_code(self) -> str:
        return self.values["parent_code"]


class FileRejected(Exception):
    """The file as a whole cannot be read; the report says why."""

    def __init__(self, rejection: Rejection) -> None:
        super().__init__(str(rejection))
        self.rejection = rejection


# --- reading -------------------------------------------------------------------------

def read_limited(stream: IO[bytes], max_bytes: int = MAX_BYTES) -> bytes:
    """Read at most ``max_bytes`` from ``stream``; a longer file is refused unread."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileRejected(Rejection(0, "", _(
            "The file is larger than %(limit)d MB: split it into smaller files."
        ) % {"limit": max_bytes // (1024 * 1024) or 1}))
    return data


def decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileRejected(Rejection(line, "", _(
            "The file is not UTF-8 text (the first bad byte is on line %(line)d). In a "
            "spreadsheet, save it as “CSV UTF-8”."
        ) % {"line": line})) from exc
    if "\x00" in text:
        raise FileRejected(Rejection(0, "", _(
            "The file contains NUL characters: it is not a CSV text file.")))
    return text


def _strip_formula_guard(value: str) -> str:
    """Undo the quote that the export puts before a cell a spreadsheet would run."""
    if value.startswith("'") and value[1:2] and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


@dataclass
class ParsedFile:
    rows: list[Row]
    rejections: list[Rejection]
    count: int  # data rows in the file, those refused for their shape included


def parse(text: str, *, max_rows: int = MAX_ROWS) -> ParsedFile:
    """Rows of the file, and the rejections that need no database (header, shape).

    A row refused for its shape (cell count, length, a code given twice) is left out of
    ``rows``; a row with a bad ``is_agency`` stays in (the actions check the rest of it).
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rejections: list[Rejection] = []
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise FileRejected(Rejection(1, "", _("The header row cannot be read: %(error)s")
                                     % {"error": exc})) from exc
    if header is None:
        raise FileRejected(Rejection(0, "", _("The file is empty.")))
    names = [unicodedata.normalize("NFC", h).strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    unknown = [h for h in names if h not in COLUMNS]
    doubled = sorted({h for h in names if h and names.count(h) > 1})
    if missing or unknown or doubled:
        parts = []
        if missing:
            parts.append(_("missing columns: %(names)s") % {"names": ", ".join(missing)})
        if unknown:
            parts.append(_("unknown columns: %(names)s") % {"names": ", ".join(
                repr(u) for u in unknown)})
        if doubled:
            parts.append(_("columns given twice: %(names)s") % {"names": ", ".join(doubled)})
        raise FileRejected(Rejection(1, "", _(
            "The header row must name the columns %(columns)s (%(problems)s)."
        ) % {"columns": ", ".join(COLUMNS), "problems": "; ".join(parts)}))

    rows: list[Row] = []
    count = 0
    first_line_of: dict[str, int] = {}
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rejections.append(Rejection(line, "", _("This row cannot be read: %(error)s")
                                        % {"error": exc}))
            break
        start, line = line, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue  # blank line
        count += 1
        if count > max_rows:
            raise FileRejected(Rejection(0, "", _(
                "The file has more than %(limit)d rows: split it into smaller files."
            ) % {"limit": max_rows}))
        if len(cells) != len(names):
            rejections.append(Rejection(start, "", _(
                "This row has %(cells)d cells, the header has %(columns)d."
            ) % {"cells": len(cells), "columns": len(names)}))
            continue
        values = {name: _strip_formula_guard(
                  unicodedata.normalize("NFC", cell).strip()) for name, cell in
                  zip(names, cells, strict=True)}
        row = Row(start, values)
        too_long = [n for n, v in values.items() if len(v) > MAX_CELL]
        for name in too_long:
            rejections.append(Rejection(start, name, _(
                "More than %(limit)d characters.") % {"limit": MAX_CELL}, row.code[:20]))
        if too_long:
            continue
        if values["is_agency"].lower() not in TRUE_WORDS | FALSE_WORDS | {""}:
            rejections.append(Rejection(start, "is_agency", _(
                "Write 1 (an agency) or 0 (a unit), or leave it empty."), row.code))
        if row.code and row.code in first_line_of:
            rejections.append(Rejection(start, "code", _(
                "The code %(code)s is also on line %(line)d: each organisation appears "
                "once in the file."
            ) % {"code": row.code, "line": first_line_of[row.code]}, row.code))
            continue
        if row.code:
            first_line_of[row.code] = start
        rows.append(row)
    return ParsedFile(rows, rejections, count)


def _flag(value: str) -> bool | None:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


# --- ordering ------------------------------------------------------------------------

def _in_file_order(rows: list[Row]) -> tuple[list[Row], dict[int, list[str]]]:
    """Rows with every in-file parent before its units; rows caught in a parent cycle
    are returned apart (line → the codes of the cycle)."""
    by_code = {row.code: row for row in rows if row.code}
    ordered: list[Row] = []
    state: dict[int, int] = {}  # by line: 1 = on the current path, 2 = done
    cycles: dict[int, list[str]] = {}
    for row in rows:
        # Walk up the in-file parents iteratively (files can be deep and long).
        chain: list[Row] = []
        current: Row | None = row
        while current is not None and current.line not in state:
            state[current.line] = 1
            chain.append(current)
            parent = by_code.get(current.parent_code) if current.parent_code else None
            if parent is not None and state.get(parent.line) == 1:
                start = next(i for i, r in enumerate(chain) if r.line == parent.line)
                loop = [r.code for r in chain[start:]] + [parent.code]
                for member in chain[start:]:
                    cycles[member.line] = loop
                break
            current = parent
        for member in reversed(chain):
            state[member.line] = 2
            if member.line not in cycles:
                ordered.append(member)
    return ordered, cycles


# --- import --------------------------------------------------------------------------

def _rejections_from(exc: ValidationError, row: Row) -> list[Rejection]:
    if not hasattr(exc, "error_dict"):
        return [Rejection(row.line, "", message, row.code) for message in exc.messages]
    return [Rejection(row.line, FIELD_TO_COLUMN.get(name, name), message, row.code)
            for name, messages in exc.message_dict.items() for message in messages]


def _changes(org: Organisation, values: dict[str, str]) -> dict[str, Any]:
    wanted: dict[str, Any] = {
        "name": values["name"], "short_name": values["short_name"],
        "qd20_code": values["qd20_code"] or None, "kind": values["kind"],
        "address": values["address"], "email": values["email"], "phone": values["phone"],
    }
    flag = _flag(values["is_agency"])
    if flag is not None:
        wanted["is_agency"] = flag
    return {k: v for k, v in wanted.items() if getattr(org, k) != v}


def _create_data(values: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {k: values[k] for k in FIELD_COLUMNS if k != "is_agency"}
    data["code"] = values["code"]
    data["qd20_code"] = values["qd20_code"] or None
    flag = _flag(values["is_agency"])
    if flag is not None:
        data["is_agency"] = flag
    return data


def _apply(row: Row, parent: Organisation | None, existing: Organisation | None,
           acting_user: User | None, report: ImportReport) -> Organisation:
    """Create, update or move one row's organisation through the actions (raises their
    ValidationError)."""
    if existing is None:
        org = actions.do_create_organisation(acting_user=acting_user, parent=parent,
                                             **_create_data(row.values))
        report.created.append(org.code)
        return org
    org = existing
    if org.parent_id != (parent.pk if parent else None):
        if parent is None:
            raise ValidationError({"parent": [_(
                "%(code)s is under %(parent)s: an import cannot take it out of its parent. "
                "Give its parent's code, or move it on its page."
            ) % {"code": org.code, "parent": org.parent.code if org.parent else ""}]})
        org = actions.do_move_organisation(org, acting_user=acting_user, parent=parent,
                                           code=org.code)
        report.moved.append(org.code)
    changes = _changes(org, row.values)
    if changes:
        org = actions.do_update_organisation(org, acting_user=acting_user, **changes)
        report.updated.append(org.code)
    elif org.code not in report.moved:
        report.unchanged.append(org.code)
    return org


def import_organisations(
    source: bytes | IO[bytes], *, acting_user: User | None, dry_run: bool = False,
    max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS,
) -> ImportReport:
    """Import a CSV file of organisations: everything or nothing (see the module text)."""
    report = ImportReport(dry_run=dry_run)
    try:
        data = source if isinstance(source, bytes) else read_limited(source, max_bytes)
        if len(data) > max_bytes:
            data = read_limited(io.BytesIO(data), max_bytes)
        parsed = parse(decode(data), max_rows=max_rows)
    except FileRejected as exc:
        report.rejections = [exc.rejection]
        return report
    rows, report.rows, report.rejections = parsed.rows, parsed.count, parsed.rejections
    ordered, cycles = _in_file_order(rows)
    for row in rows:
        if row.line in cycles:
            report.rejections.append(Rejection(row.line, "parent_code", _(
                "The parents in the file make a cycle: %(cycle)s."
            ) % {"cycle": " → ".join(cycles[row.line])}, row.code))
    line_of = {row.code: row.line for row in rows}

    with transaction.atomic():
        codes = [row.code for row in rows if row.code]
        existing = {o.code: o for start in range(0, len(codes), 500)
                    for o in Organisation.objects.select_for_update().filter(
                        code__in=codes[start:start + 500])}
        done: dict[str, Organisation] = {}
        # Codes whose row failed: their units are reported as such, not looked up.
        failed = {row.code for row in rows if row.line in cycles}
        for row in ordered:
            parent: Organisation | None = None
            if row.parent_code:
                # A rejected parent row that exists already: its units are checked
                # against it as it is.
                if row.parent_code in failed and row.parent_code not in existing:
                    failed.add(row.code)
                    report.rejections.append(Rejection(row.line, "parent_code", _(
                        "Its parent %(parent)s (line %(line)d) was rejected."
                    ) % {"parent": row.parent_code, "line": line_of[row.parent_code]},
                        row.code))
                    continue
                parent = done.get(row.parent_code) or existing.get(row.parent_code)
                if parent is None:
                    parent = Organisation.objects.filter(code=row.parent_code).first()
                if parent is None:
                    failed.add(row.code)
                    report.rejections.append(Rejection(row.line, "parent_code", _(
                        "No organisation has the code %(parent)s, in the database or in "
                        "this file."
                    ) % {"parent": row.parent_code}, row.code))
                    continue
            try:
                with transaction.atomic():
                    done[row.code] = _apply(row, parent, existing.get(row.code),
                                            acting_user, report)
            except ValidationError as exc:
                failed.add(row.code)
                report.rejections.extend(_rejections_from(exc, row))
        report.rejections.sort(key=lambda r: (r.line, COLUMNS.index(r.field)
                                              if r.field in COLUMNS else -1))
        if report.rejections or dry_run:
            transaction.set_rollback(True)
    return report


# --- export --------------------------------------------------------------------------

def safe_cell(value: Any) -> str:
    """A cell as text that a spreadsheet shows and never runs as a formula."""
    text = "" if value is None else str(value)
    if isinstance(value, bool):
        text = "1" if value else "0"
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def tree_order(orgs: Iterable[Organisation]) -> list[tuple[Organisation, int]]:
    """Organisations depth first, parents before their units, siblings by code; each with
    its depth in the list (0 for an organisation whose parent is not in ``orgs``)."""
    items = list(orgs)
    present = {o.pk for o in items}
    children: dict[int | None, list[Organisation]] = {}
    for org in items:
        key = org.parent_id if org.parent_id in present else None
        children.setdefault(key, []).append(org)
    for siblings in children.values():
        siblings.sort(key=lambda o: (_code_sort_key(o.code), o.name))
    result: list[tuple[Organisation, int]] = []
    stack: list[tuple[Organisation, int]] = [(o, 0) for o in reversed(children.get(None, []))]
    while stack:
        org, depth = stack.pop()
        result.append((org, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(org.pk, [])))
    return result


def _code_sort_key(code: str) -> tuple[str, ...]:
    """Codes sort from the level-1 group down (they are written right to left)."""
    return tuple(reversed(code.split(".")))


def rows_for_export(orgs: Iterable[Organisation]) -> Iterator[list[str]]:
    yield list(COLUMNS)
    for org, _depth in tree_order(orgs):
        yield [safe_cell(v) for v in (
            org.code, org.qd20_code or "", org.name, org.short_name, org.kind,
            org.is_agency, org.parent.code if org.parent else "", org.address, org.email,
            org.phone)]


class TextSink(Protocol):
    def write(self, text: str, /) -> Any: ...


def export_organisations(out: TextSink, orgs: Iterable[Organisation] | None = None) -> int:
    """Write the organisations (all by default) to ``out`` as CSV; returns the rows."""
    if orgs is None:
        orgs = Organisation.objects.select_related("parent").order_by()
    writer = csv.writer(out, lineterminator="\r\n")
    count = -1
    for count, row in enumerate(rows_for_export(orgs)):  # noqa: B007
        writer.writerow(row)
    return count
