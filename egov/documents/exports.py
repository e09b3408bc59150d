"""Registers for a period (Nghị định 30/2020/NĐ-CP, Phụ lục IV) as rows, CSV and PDF.

Three registers, each with all the minimum columns of Phụ lục IV (STANDARDS.md §3):

- ``incoming``: sổ đăng ký văn bản đến (ngày đến; số đến; tác giả; số ký hiệu; ngày
  tháng văn bản; tên loại và trích yếu; đơn vị hoặc người nhận; ngày chuyển; ký nhận;
  ghi chú);
- ``follow_up``: sổ theo dõi giải quyết văn bản đến, kept on the same incoming register;
- ``outgoing``: sổ đăng ký văn bản đi (số ký hiệu; ngày tháng; tên loại và trích yếu;
  người ký; nơi nhận; đơn vị/người nhận bản lưu; số lượng bản; ngày chuyển; ký nhận;
  ghi chú).

Columns the system has no data for (ký nhận, số lượng bản) stay empty: they are signed or
written by hand on the printed register. The rows come from
``queries.visible_documents(user)`` — the same rule as every list — restricted to one
register of the person's agency and the period; a page of rows costs a fixed number of
queries (the rows, then one prefetch per related table).

The printed register is a Vietnamese legal form: its title, column headings and cell
texts are the legal terms (plain strings, like the type names in ``rules``), whatever the
interface language; the page shows the same columns under translated labels.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet, TextChoices
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from egov.core.models import User

from . import queries, rules, textfold
from .models import Assignment, Direction, Document, Recipient, Register, Role, Status


class Book(TextChoices):
    """What is printed from a register."""

    INCOMING = "incoming", gettext_lazy("Incoming documents register")
    FOLLOW_UP = "follow_up", gettext_lazy("Incoming documents follow-up register")
    OUTGOING = "outgoing", gettext_lazy("Outgoing documents register")


TITLES: dict[str, str] = {
    Book.INCOMING: "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
    Book.FOLLOW_UP: "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN",
    Book.OUTGOING: "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
}


# The column that names a row (a row header on the page, with the link to the document).
KEY_COLUMN = {Book.INCOMING: 1, Book.FOLLOW_UP: 0, Book.OUTGOING: 0}


def books_for(register: Register) -> list[Book]:
    """The books printed from ``register``: an incoming register gives two."""
    if register.direction == Direction.INCOMING:
        return [Book.INCOMING, Book.FOLLOW_UP]
    return [Book.OUTGOING]


@dataclass(frozen=True)
class Column:
    heading: str  # the Phụ lục IV heading, printed in the PDF and the CSV
    label: Promise  # the interface label on the page
    width: int  # share of the printed width, in percent


COLUMNS: dict[str, list[Column]] = {
    Book.INCOMING: [
        Column("Ngày đến", gettext_lazy("Date received"), 7),
        Column("Số đến", gettext_lazy("Incoming number"), 5),
        Column("Tác giả", gettext_lazy("Author (issuing agency)"), 12),
        Column("Số, ký hiệu", gettext_lazy("Number and symbol"), 9),
        Column("Ngày tháng văn bản", gettext_lazy("Document date"), 7),
        Column("Tên loại và trích yếu nội dung", gettext_lazy("Type and subject"), 26),
        Column("Đơn vị hoặc người nhận", gettext_lazy("Receiving unit or person"), 13),
        Column("Ngày chuyển", gettext_lazy("Date passed on"), 7),
        Column("Ký nhận", gettext_lazy("Signature of receipt"), 7),
        Column("Ghi chú", gettext_lazy("Notes"), 7),
    ],
    Book.FOLLOW_UP: [
        Column("Số đến", gettext_lazy("Incoming number"), 6),
        Column("Tên loại, số, ký hiệu, ngày tháng văn bản và cơ quan ban hành",
               gettext_lazy("Type, number and symbol, date, issuing agency"), 33),
        Column("Người nhận", gettext_lazy("Received by"), 16),
        Column("Thời hạn giải quyết", gettext_lazy("Deadline"), 9),
        Column("Tiến độ giải quyết", gettext_lazy("Progress"), 13),
        Column("Số, ký hiệu văn bản trả lời", gettext_lazy("Number and symbol of the reply"),
               11),
        Column("Ghi chú", gettext_lazy("Notes"), 12),
    ],
    Book.OUTGOING: [
        Column("Số, ký hiệu văn bản", gettext_lazy("Number and symbol"), 9),
        Column("Ngày tháng văn bản", gettext_lazy("Document date"), 7),
        Column("Tên loại và trích yếu nội dung", gettext_lazy("Type and subject"), 25),
        Column("Người ký", gettext_lazy("Signer"), 10),
        Column("Nơi nhận văn bản", gettext_lazy("Recipients"), 15),
        Column("Đơn vị, người nhận bản lưu", gettext_lazy("Unit or person keeping the copy"),
               10),
        Column("Số lượng bản", gettext_lazy("Number of copies"), 5),
        Column("Ngày chuyển", gettext_lazy("Date sent"), 7),
        Column("Ký nhận", gettext_lazy("Signature of receipt"), 6),
        Column("Ghi chú", gettext_lazy("Notes"), 6),
    ],
}

ROLE_WORDS = {Role.LEAD: "chủ trì", Role.COORDINATE: "phối hợp", Role.INFORM: "để biết"}
PROGRESS_WORDS = {
    rules.ProcessingStatus.NEW: "Chưa giao xử lý",
    rules.ProcessingStatus.IN_PROGRESS: "Đang giải quyết",
    rules.ProcessingStatus.NEAR_DEADLINE: "Sắp đến hạn",
    rules.ProcessingStatus.OVERDUE: "Quá hạn",
    rules.ProcessingStatus.DONE_ON_TIME: "Đã giải quyết đúng hạn",
    rules.ProcessingStatus.DONE_LATE: "Đã giải quyết quá hạn",
}


# --- rows ----------------------------------------------------------------------------

def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def register_rows(user: User, register: Register, book: str, start: dt.date,
                  end: dt.date) -> QuerySet[Document]:
    """The documents of ``register`` that ``user`` may see, for the period ``start`` to
    ``end`` (both included), in register order, with what the cells need prefetched.

    Incoming registers go by the date received, the outgoing one by the date issued.
    The caller checks that the register is one of the person's agency's.
    """
    qs = queries.visible_documents(user).filter(register=register)
    if book == Book.OUTGOING:
        qs = (qs.filter(direction=Direction.OUTGOING, status=Status.ISSUED,
                        issue_date__gte=start, issue_date__lte=end)
              .select_related("unit")
              .prefetch_related(Prefetch(
                  "recipients",
                  Recipient.objects.select_related("organisation").order_by("id"))))
        return qs.order_by("year", "number", "id")
    qs = qs.filter(direction=Direction.INCOMING, received_at__gte=_midnight(start),
                   received_at__lt=_midnight(end + dt.timedelta(days=1)))
    qs = qs.prefetch_related(Prefetch(
        "assignments",
        Assignment.objects.select_related("unit", "user").order_by("assigned_at", "id")))
    if book == Book.FOLLOW_UP:
        replies = (queries.visible_documents(user)
                   .filter(direction=Direction.OUTGOING, status=Status.ISSUED)
                   .order_by("issue_date", "id"))
        qs = queries.with_processing_status(qs).prefetch_related(
            Prefetch("answered_by", replies, to_attr="visible_replies"))
    return qs.order_by("year", "number", "id")


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return value.strftime("%d/%m/%Y")


def _number(value: int | None) -> str:
    return rules.format_number(value) if value else ""


def _type_name(document: Document) -> str:
    try:
        return rules.DocumentType(document.doc_type).printed_name
    except ValueError:
        return document.doc_type


def _type_and_subject(document: Document) -> str:
    """"Công văn: Về việc …"; the subject alone when it starts with the type's name."""
    name = _type_name(document)
    if textfold.fold(document.subject).startswith(textfold.fold(name)):
        return document.subject
    return f"{name}: {document.subject}"


def _notes(document: Document) -> str:
    parts = [document.get_urgency_display() if document.urgency else "",
             document.get_confidentiality_display() if document.confidentiality else ""]
    return "; ".join(p for p in parts if p)


def _who(assignment: Assignment) -> str:
    if assignment.user is not None:
        return assignment.user.get_full_name()
    return assignment.unit.name if assignment.unit else ""


def _top_level(document: Document) -> list[Assignment]:
    rows = [a for a in document.assignments.all() if a.parent_id is None]
    order = {Role.LEAD: 0, Role.COORDINATE: 1, Role.INFORM: 2}
    return sorted(rows, key=lambda a: (order.get(Role(a.role), 3), a.assigned_at, a.pk))


def _incoming_cells(document: Document) -> list[str]:
    top = _top_level(document)
    receivers = "; ".join(f"{_who(a)} ({ROLE_WORDS.get(Role(a.role), a.role)})" for a in top)
    passed = min((a.assigned_at for a in top), default=None)
    return [
        _date(document.received_at),
        _number(document.number),
        document.issuer_name,
        document.symbol,
        _date(document.issue_date),
        _type_and_subject(document),
        receivers,
        _date(passed),
        "",
        _notes(document),
    ]


def _follow_up_cells(document: Document) -> list[str]:
    identity = _type_name(document)
    if document.symbol:
        identity += f" số {document.symbol}"
    if document.issue_date:
        identity += f" ngày {_date(document.issue_date)}"
    if document.issuer_name:
        identity += f" của {document.issuer_name}"
    identity += f"\n{document.subject}"
    assignments = list(document.assignments.all())
    leads = [a for a in assignments if a.role == Role.LEAD and a.parent_id is None]
    people = []
    for lead in leads:
        below = [_who(a) for a in assignments if a.parent_id == lead.pk]
        people.append(_who(lead) + (f" ({', '.join(below)})" if below else ""))
    processing = getattr(document, "processing", "")
    progress = PROGRESS_WORDS.get(rules.ProcessingStatus(processing), "") if processing else ""
    if document.done_at is not None and progress:
        progress += f" ({_date(document.done_at)})"
    replies = getattr(document, "visible_replies", [])
    return [
        _number(document.number),
        identity,
        "; ".join(people),
        _date(document.deadline),
        progress,
        "; ".join(r.symbol for r in replies if r.symbol),
        _notes(document),
    ]


def _outgoing_cells(document: Document) -> list[str]:
    recipients = list(document.recipients.all())
    sent = [r.updated_at for r in recipients
            if r.dispatch in (Recipient.Dispatch.DELIVERED, Recipient.Dispatch.SENT)]
    return [
        document.symbol,
        _date(document.issue_date),
        _type_and_subject(document),
        document.signer_name,
        "; ".join(r.organisation.name for r in recipients),
        document.unit.name,
        "",
        _date(min(sent, default=None)),
        "",
        _notes(document),
    ]


def cells(document: Document, book: str) -> list[str]:
    """The cells of one register row, in the order of ``COLUMNS[book]``."""
    if book == Book.OUTGOING:
        return _outgoing_cells(document)
    if book == Book.FOLLOW_UP:
        return _follow_up_cells(document)
    return _incoming_cells(document)


# --- CSV -----------------------------------------------------------------------------

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")
BOM = "\ufeff"


def safe_cell(value: Any) -> str:
    """A cell as text that a spreadsheet shows as it is and never runs as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(book: str, documents: Iterable[Document]) -> Iterator[str]:
    """The register as CSV text, line by line: a byte order mark (so that Excel reads the
    UTF-8 diacritics), the Phụ lục IV headings, one line per document."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield BOM + writer.writerow([c.heading for c in COLUMNS[book]])
    for document in documents:
        yield writer.writerow([safe_cell(c) for c in cells(document, book)])


# --- PDF -----------------------------------------------------------------------------

def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The PDF is built offline: no stylesheet, image or font is fetched from anywhere
    (fonts come from the system by family name)."""
    raise ValueError(f"The register PDF fetches nothing ({url}).")


def period_text(start: dt.date, end: dt.date) -> str:
    return f"Từ ngày {_date(start)} đến ngày {_date(end)}"


def render_pdf(*, register: Register, book: str, start: dt.date, end: dt.date,
               rows: Sequence[Sequence[str]], printed_by: str = "") -> bytes:
    """The register as a PDF: A4 landscape, the agency and the Vietnamese title, the
    period, the table with its header repeated on every page, page numbers."""
    from weasyprint import HTML

    columns = COLUMNS[book]
    html = render_to_string("documents/pdf/register.html", {
        "agency_name": register.agency.name,
        # Outgoing registers are several (secret, copies, normative): name the one printed.
        "register_name": register.name if (
            book == Book.OUTGOING and register.name.upper() != TITLES[book]) else "",
        "title": TITLES[book],
        "period": period_text(start, end),
        "columns": columns,
        "numbers": [f"({i})" for i in range(1, len(columns) + 1)],
        "rows": rows,
        "printed_at": timezone.localtime().strftime("%H:%M ngày %d/%m/%Y"),
        "printed_by": printed_by,
    })
    pdf = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def filename(register: Register, book: str, start: dt.date, end: dt.date, ext: str) -> str:
    """An ASCII file name: ``so-den-000.00.00.G12-20260301-20260331.pdf``."""
    stem = {Book.INCOMING: "so-den", Book.FOLLOW_UP: "so-theo-doi-giai-quyet",
            Book.OUTGOING: "so-di"}[Book(book)]
    return f"{stem}-{register.agency.code}-{start:%Y%m%d}-{end:%Y%m%d}.{ext}"
