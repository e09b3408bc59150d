"""Pure rules of document management (Nghị định 30/2020/NĐ-CP; STANDARDS.md §3).

Document types and their abbreviations, urgency and confidentiality, numbers and symbols
(``12/QĐ-UBND``, ``345/UBND-VP``), the written date (``Hà Nội, ngày 05 tháng 02 năm
2026``), the key of the numbering series a register draws from, and the deadline status
shown in lists. No database, no calendar: callers pass in what they looked up.

The Vietnamese names of types, urgency and confidentiality are the legal terms printed on
documents and stamps; they are plain strings, not translated. Interface words (the
processing status) and the error messages a person can cause by what they type or choose
go through Django's translation machinery; errors that only a programming mistake can cause
(a wrong type, a datetime for a date, a completion date in the future) stay in English.
Every error is a RuleError (a ValueError) naming the parameter at fault.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class RuleError(ValueError):
    """Bad input to a document rule. ``argument`` names the parameter at fault; the
    message (also in ``message``, without the parameter name) says why."""

    def __init__(self, argument: str, message: str) -> None:
        self.argument = argument
        self.message = message
        super().__init__(f"{argument}: {message}")


# --- types, copies, urgency, confidentiality -----------------------------------------


class DocumentType(TextChoices):
    """The 29 kinds of administrative document (NĐ 30/2020 Art. 7).

    The label is the name as Art. 7 lists it; ``abbreviation`` the form used in symbols
    (Phụ lục III). Nghị quyết and Quyết định here are the individual (cá biệt) ones;
    normative documents of the same names share the abbreviation (see numbering_series).
    """

    RESOLUTION = "resolution", "Nghị quyết (cá biệt)"
    DECISION = "decision", "Quyết định (cá biệt)"
    DIRECTIVE = "directive", "Chỉ thị"
    REGULATION = "regulation", "Quy chế"
    PROVISIONS = "provisions", "Quy định"
    COMMUNIQUE = "communique", "Thông cáo"
    NOTICE = "notice", "Thông báo"
    GUIDANCE = "guidance", "Hướng dẫn"
    PROGRAMME = "programme", "Chương trình"
    PLAN = "plan", "Kế hoạch"
    OPTION = "option", "Phương án"
    SCHEME = "scheme", "Đề án"
    PROJECT = "project", "Dự án"
    REPORT = "report", "Báo cáo"
    MINUTES = "minutes", "Biên bản"
    SUBMISSION = "submission", "Tờ trình"
    CONTRACT = "contract", "Hợp đồng"
    OFFICIAL_LETTER = "official_letter", "Công văn"
    OFFICIAL_TELEGRAM = "official_telegram", "Công điện"
    MEMORANDUM = "memorandum", "Bản ghi nhớ"
    AGREEMENT = "agreement", "Bản thỏa thuận"
    POWER_OF_ATTORNEY = "power_of_attorney", "Giấy ủy quyền"
    INVITATION = "invitation", "Giấy mời"
    INTRODUCTION_LETTER = "introduction_letter", "Giấy giới thiệu"
    LEAVE_PERMIT = "leave_permit", "Giấy nghỉ phép"
    DISPATCH_SLIP = "dispatch_slip", "Phiếu gửi"
    TRANSFER_SLIP = "transfer_slip", "Phiếu chuyển"
    NOTIFICATION_SLIP = "notification_slip", "Phiếu báo"
    PUBLIC_LETTER = "public_letter", "Thư công"

    @property
    def abbreviation(self) -> str | None:
        """Phụ lục III abbreviation; None for Công văn and Thư công."""
        return _TYPE_ABBREVIATIONS[self]

    @property
    def printed_name(self) -> str:
        """The name as the heading of the document gives it (without "(cá biệt)")."""
        return str(self.label).removesuffix(" (cá biệt)")


_TYPE_ABBREVIATIONS: dict[DocumentType, str | None] = {
    DocumentType.RESOLUTION: "NQ",
    DocumentType.DECISION: "QĐ",
    DocumentType.DIRECTIVE: "CT",
    DocumentType.REGULATION: "QC",
    DocumentType.PROVISIONS: "QyĐ",
    DocumentType.COMMUNIQUE: "TC",
    DocumentType.NOTICE: "TB",
    DocumentType.GUIDANCE: "HD",
    DocumentType.PROGRAMME: "CTr",
    DocumentType.PLAN: "KH",
    DocumentType.OPTION: "PA",
    DocumentType.SCHEME: "ĐA",
    DocumentType.PROJECT: "DA",
    DocumentType.REPORT: "BC",
    DocumentType.MINUTES: "BB",
    DocumentType.SUBMISSION: "TTr",
    DocumentType.CONTRACT: "HĐ",
    DocumentType.OFFICIAL_LETTER: None,
    DocumentType.OFFICIAL_TELEGRAM: "CĐ",
    DocumentType.MEMORANDUM: "BGN",
    DocumentType.AGREEMENT: "BTT",
    DocumentType.POWER_OF_ATTORNEY: "GUQ",
    DocumentType.INVITATION: "GM",
    DocumentType.INTRODUCTION_LETTER: "GGT",
    DocumentType.LEAVE_PERMIT: "GNP",
    DocumentType.DISPATCH_SLIP: "PG",
    DocumentType.TRANSFER_SLIP: "PC",
    DocumentType.NOTIFICATION_SLIP: "PB",
    DocumentType.PUBLIC_LETTER: None,
}


class CopyForm(TextChoices):
    """Forms of copy (Phụ lục III). A copy's symbol is ``<number>/<abbr>-<agency>``."""

    TRUE_COPY = "true_copy", "Sao y"
    EXTRACT = "extract", "Trích sao"
    RECOPY = "recopy", "Sao lục"

    @property
    def abbreviation(self) -> str:
        return _COPY_ABBREVIATIONS[self]


_COPY_ABBREVIATIONS: dict[CopyForm, str] = {
    CopyForm.TRUE_COPY: "SY",
    CopyForm.EXTRACT: "TrS",
    CopyForm.RECOPY: "SL",
}

# Every abbreviation that can stand first in a typed symbol, and what it names.
_BY_ABBREVIATION: dict[str, DocumentType | CopyForm] = {
    **{abbr: kind for kind, abbr in _TYPE_ABBREVIATIONS.items() if abbr is not None},
    **{abbr: kind for kind, abbr in _COPY_ABBREVIATIONS.items()},
}

# Thư công has no abbreviation and NĐ 30 gives it no symbol rule: it is not numbered here.
UNNUMBERED_TYPES = frozenset({DocumentType.PUBLIC_LETTER})


class Urgency(TextChoices):
    """Độ khẩn, least to most urgent. All three are registered at once on arrival."""

    URGENT = "urgent", "Khẩn"
    TOP_URGENT = "top_urgent", "Thượng khẩn"
    FLASH = "flash", "Hỏa tốc"


class Confidentiality(TextChoices):
    """Độ mật, least to most secret. Any of them puts a document in a secret series."""

    CONFIDENTIAL = "confidential", "Mật"
    SECRET = "secret", "Tối mật"
    TOP_SECRET = "top_secret", "Tuyệt mật"


def type_for_abbreviation(abbreviation: str) -> DocumentType | CopyForm | None:
    """The type or copy form a Phụ lục III abbreviation names (exact, case-sensitive:
    ``QyĐ`` not ``QYĐ``), or None if it names none."""
    return _BY_ABBREVIATION.get(unicodedata.normalize("NFC", abbreviation))


def _unnumbered_message(kind: DocumentType | CopyForm) -> str:
    return _("%(type)s has no abbreviation and no number and symbol under Nghị định "
             "30/2020/NĐ-CP.") % {"type": kind.label}


def _as_kind(doc_type: object, argument: str = "doc_type") -> DocumentType | CopyForm:
    """Accept the enums or their stored values ("decision", "true_copy")."""
    if isinstance(doc_type, DocumentType | CopyForm):
        return doc_type
    if isinstance(doc_type, str):
        for enum in (DocumentType, CopyForm):
            try:
                return enum(doc_type)
            except ValueError:
                pass
    raise RuleError(argument, f"“{doc_type}” is not a document type or copy form; expected "
                              "one of the DocumentType or CopyForm values, e.g. “decision” or "
                              "“official_letter”.")


# --- numbers and symbols --------------------------------------------------------------


def format_number(n: int) -> str:
    """A document or incoming number as written: 01…09, then 10, 11, … as is."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuleError("number", f"A document number must be a whole number, not “{n!r}”.")
    if n < 1:
        raise RuleError("number", _("Document numbers start at 01; “%(value)s” is not a "
                                    "valid number.") % {"value": n})
    return f"{n:02d}"


# Besides letters of any alphabet (Đ, Ư, the g of TTg): ASCII digits (BCĐ389), "&" and "."
# (BNN&PTNT, TP.HCM).
_ABBREVIATION_EXTRA = frozenset("0123456789&.")


def _check_abbreviation(value: object, argument: str, label: str) -> str:
    """The abbreviation in NFC, or a RuleError naming ``argument``."""
    if not isinstance(value, str) or not value:
        raise RuleError(argument, _("%(label)s must not be empty.") % {"label": label})
    value = unicodedata.normalize("NFC", value)
    if any(char.isspace() for char in value):
        raise RuleError(argument, _("%(label)s must not contain spaces: “%(value)s”.")
                        % {"label": label, "value": value})
    if "/" in value or "-" in value:
        raise RuleError(argument, _(
            "%(label)s must not contain “/” or “-”, which separate the parts of a symbol: "
            "“%(value)s”."
        ) % {"label": label, "value": value})
    if not all(char.isalpha() or char in _ABBREVIATION_EXTRA for char in value):
        raise RuleError(argument, _(
            "%(label)s may contain only letters, digits, “&” and “.”: “%(value)s”."
        ) % {"label": label, "value": value})
    return value


def _labels() -> dict[str, str]:
    return {
        "agency_abbr": _("The agency abbreviation"),
        "unit_abbr": _("The drafting unit or field abbreviation"),
        "type_abbr": _("The document type abbreviation"),
    }


@dataclass(frozen=True)
class Symbol:
    """A number and symbol: ``12/QĐ-UBND`` (typed) or ``345/UBND-VP`` (công văn).

    ``type_abbr`` is None for a công văn, ``unit_abbr`` None for a typed document.
    ``str()`` gives the canonical form (number with its leading zero).
    """

    number: int
    type_abbr: str | None
    agency_abbr: str
    unit_abbr: str | None = None

    def __post_init__(self) -> None:
        format_number(self.number)
        labels = _labels()
        agency = _check_abbreviation(self.agency_abbr, "agency_abbr", labels["agency_abbr"])
        object.__setattr__(self, "agency_abbr", agency)
        if self.type_abbr is None:
            if self.unit_abbr is None:
                raise RuleError("unit_abbr", _(
                    "A công văn symbol needs the abbreviation of the drafting unit or field "
                    "(e.g. 345/UBND-VP)."
                ))
            unit = _check_abbreviation(self.unit_abbr, "unit_abbr", labels["unit_abbr"])
            object.__setattr__(self, "unit_abbr", unit)
            return
        type_abbr = unicodedata.normalize("NFC", str(self.type_abbr))
        kind = _BY_ABBREVIATION.get(type_abbr)
        if kind is None:
            raise RuleError("type_abbr", f"“{self.type_abbr}” is not a document type or copy "
                                         "abbreviation of Phụ lục III (e.g. QĐ, TTr, SY).")
        object.__setattr__(self, "type_abbr", type_abbr)
        if self.unit_abbr is not None:
            raise RuleError("unit_abbr", _(
                "Only a công văn carries the drafting unit in its symbol; a %(type)s symbol "
                "is <number>/%(abbr)s-<agency> (e.g. 12/%(abbr)s-UBND)."
            ) % {"type": kind.label, "abbr": type_abbr})

    @property
    def notation(self) -> str:
        """The ký hiệu without the number, as edXML ``CodeNotation`` carries it."""
        if self.type_abbr is None:
            return f"{self.agency_abbr}-{self.unit_abbr}"
        return f"{self.type_abbr}-{self.agency_abbr}"

    @property
    def kind(self) -> DocumentType | CopyForm:
        """The type or copy form the symbol names; a công văn when it names none."""
        if self.type_abbr is None:
            return DocumentType.OFFICIAL_LETTER
        return _BY_ABBREVIATION[self.type_abbr]

    def __str__(self) -> str:
        return f"{format_number(self.number)}/{self.notation}"


def document_symbol(
    number: int,
    doc_type: DocumentType | CopyForm | str,
    agency_abbr: str,
    unit_abbr: str | None = None,
) -> str:
    """The number and symbol of an administrative document (NĐ 30/2020 Art. 15).

    - typed document or copy: ``<number>/<type abbr>-<agency abbr>`` → ``12/QĐ-UBND``;
    - công văn: ``<number>/<agency abbr>-<drafting unit or field abbr>`` → ``345/UBND-VP``.

    ``unit_abbr`` is required for a công văn and refused for anything else. No year: that
    form (``12/2020/QĐ-UBND``) belongs to normative documents and is not built here.
    """
    kind = _as_kind(doc_type)
    if kind in UNNUMBERED_TYPES:
        raise RuleError("doc_type", _unnumbered_message(kind))
    symbol = Symbol(number=number, type_abbr=kind.abbreviation, agency_abbr=agency_abbr,
                    unit_abbr=unit_abbr)
    return str(symbol)


_SYMBOL_RE = re.compile(r"^(?P<number>[0-9]+)/(?P<notation>[^/]+)$")
_YEAR_SYMBOL_RE = re.compile(r"^[0-9]+/[0-9]{4}/")


def parse_symbol(
    text: str, *, doc_type: DocumentType | CopyForm | str | None = None
) -> Symbol:
    """Read a number and symbol back: the inverse of :func:`document_symbol`.

    Spaces around the symbol are ignored; NFD input is accepted (the parts come back in
    NFC). The number may be written without its leading zero ("1/QĐ-UBND").

    Without ``doc_type`` the first abbreviation decides: a Phụ lục III type or copy
    abbreviation (exact case: ``TTr``, not ``TTR``) makes a typed symbol, anything else a
    công văn. An agency whose abbreviation is also a type abbreviation (a Cục Thuế
    writing ``1234/CT-TTHT``) reads as that type unless the caller says
    ``doc_type=DocumentType.OFFICIAL_LETTER``; with a ``doc_type`` the symbol must match it.
    """
    if not isinstance(text, str):
        raise RuleError("text", f"A number and symbol must be text, not “{text!r}”.")
    expected = None if doc_type is None else _as_kind(doc_type)
    if expected is not None and expected in UNNUMBERED_TYPES:
        raise RuleError("doc_type", _unnumbered_message(expected))
    value = unicodedata.normalize("NFC", text).strip()
    if not value:
        raise RuleError("text", _("The number and symbol is empty."))
    if any(char.isspace() for char in value):
        raise RuleError("text", _(
            "“%(value)s”: a number and symbol has no spaces inside (e.g. 12/QĐ-UBND)."
        ) % {"value": value})
    if _YEAR_SYMBOL_RE.match(value):
        raise RuleError("text", _(
            "“%(value)s” carries a year, the form of normative documents "
            "(e.g. 30/2020/NĐ-CP); only administrative symbols such as 12/QĐ-UBND or "
            "345/UBND-VP are read here."
        ) % {"value": value})
    match = _SYMBOL_RE.match(value)
    parts = match.group("notation").split("-") if match else []
    if match is None or len(parts) != 2:
        raise RuleError("text", _(
            "“%(value)s” is not a number and symbol: expected <number>/<type>-<agency> "
            "(e.g. 12/QĐ-UBND) or, for a công văn, <number>/<agency>-<unit> "
            "(e.g. 345/UBND-VP)."
        ) % {"value": value})
    number = int(match.group("number"))
    if number < 1:
        raise RuleError("text", _("“%(value)s”: document numbers start at 01.")
                        % {"value": value})
    first, second = parts
    labels = _labels()
    named = _BY_ABBREVIATION.get(first)
    if expected == DocumentType.OFFICIAL_LETTER or (expected is None and named is None):
        agency = _check_abbreviation(first, "text", labels["agency_abbr"])
        unit = _check_abbreviation(second, "text", labels["unit_abbr"])
        return Symbol(number=number, type_abbr=None, agency_abbr=agency, unit_abbr=unit)
    if expected is not None and named != expected:
        raise RuleError("text", _(
            "“%(value)s” is not the symbol of a %(type)s: it should read "
            "<number>/%(abbr)s-<agency>."
        ) % {"value": value, "type": expected.label, "abbr": expected.abbreviation})
    type_abbr = _check_abbreviation(first, "text", labels["type_abbr"])
    agency = _check_abbreviation(second, "text", labels["agency_abbr"])
    return Symbol(number=number, type_abbr=type_abbr, agency_abbr=agency)


# --- dates ----------------------------------------------------------------------------


def _check_date(value: object, argument: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise RuleError(argument, f"Expected a date (take the date in Vietnam time of a "
                                  f"moment first), not “{value!r}”.")


def vietnamese_date(d: dt.date, place: str | None = None) -> str:
    """The date as documents write it: ``Hà Nội, ngày 05 tháng 02 năm 2026``.

    Days below 10 and the months 1 and 2 take a leading zero; months 3–12 do not
    (``ngày 15 tháng 3 năm 2026``). Without a place (None or blank) the phrase starts
    at "ngày".
    """
    _check_date(d, "d")
    day = f"{d.day:02d}"
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    phrase = f"ngày {day} tháng {month} năm {d.year}"
    if place is not None and not isinstance(place, str):
        raise RuleError("place", f"The place must be text, not “{place!r}”.")
    place = " ".join((place or "").split())
    return f"{place}, {phrase}" if place else phrase


# --- numbering series -----------------------------------------------------------------

NORMATIVE_TYPES = frozenset({DocumentType.RESOLUTION, DocumentType.DECISION})


def numbering_series(
    doc_type: DocumentType | CopyForm | str,
    *,
    normative: bool,
    secret: bool,
) -> str:
    """The series an outgoing document draws its number from, within its agency.

    The key is relative to one agency's outgoing numbering: ``administrative``,
    ``normative:decision``, ``secret:administrative``, ``copies``… The counter itself is
    ``egov.core.actions.next_number(series, year)``, one row per (series, year), so numbers
    restart at 01 every 1 January. Core counters are global: whoever calls next_number
    must put the agency (and direction) in front of this key, as the register that holds
    the series does, or two agencies would share one run of numbers. The series:

    - ``administrative``: administrative documents of every type (công văn, quyết định cá
      biệt, kế hoạch, tờ trình, …) share the agency's one series, so the number alone is
      unique in the year and so is number + symbol;
    - ``normative:<type>``: normative documents (a normative Nghị quyết or Quyết định)
      have one series per type;
    - ``secret:…``: secret documents (any độ mật) draw from a separate series,
      ``secret:administrative`` or ``secret:normative:<type>``;
    - ``copies``: copies (SY, TrS, SL) share one series (``secret:copies`` for secret
      ones). unverified: STANDARDS.md is silent; this is the likeliest reading of NĐ 30
      Phụ lục I (copies are numbered together, the copy form in the symbol).

    Thư công is not numbered (see UNNUMBERED_TYPES).
    """
    kind = _as_kind(doc_type)
    if kind in UNNUMBERED_TYPES:
        raise RuleError("doc_type", _unnumbered_message(kind))
    if isinstance(kind, CopyForm):
        if normative:
            raise RuleError("normative", _("A copy is not a normative document."))
        series = "copies"
    elif normative:
        if kind not in NORMATIVE_TYPES:
            raise RuleError("normative", _(
                "%(type)s is never a normative document; of these types only Nghị quyết "
                "and Quyết định can be."
            ) % {"type": kind.label})
        series = f"normative:{kind.value}"
    else:
        series = "administrative"
    return f"secret:{series}" if secret else series


# --- processing status ----------------------------------------------------------------


class ProcessingStatus(TextChoices):
    """Where a document's handling stands against its deadline, for lists."""

    NEW = "new", gettext_lazy("New")
    IN_PROGRESS = "in_progress", gettext_lazy("In progress")
    NEAR_DEADLINE = "near_deadline", gettext_lazy("Near deadline")
    OVERDUE = "overdue", gettext_lazy("Overdue")
    DONE_ON_TIME = "done_on_time", gettext_lazy("Done on time")
    DONE_LATE = "done_late", gettext_lazy("Done late")


def processing_status(
    *,
    done_on: dt.date | None,
    deadline: dt.date | None,
    today: dt.date,
    started: bool,
    working_days_left: int | None,
    near_days_left: int,
) -> ProcessingStatus:
    """The status of one document (or one assignee's part of it) on ``today``.

    - done: on time if ``done_on`` is on or before the deadline (or there is none),
      late otherwise;
    - not done, ``today`` after the deadline: overdue;
    - not done, ``working_days_left`` ≤ ``near_days_left``: near the deadline;
    - otherwise new until someone has started on it (``started``), then in progress.

    Deadline warnings win over "new": an untouched document past its deadline is
    overdue. ``working_days_left`` is the caller's count from the working-day calendar
    of working days after today up to and including the deadline (deadline today → 0,
    next working day → 1); it is needed only when there is a deadline not yet passed.
    """
    _check_date(today, "today")
    _check_date(done_on, "done_on", optional=True)
    _check_date(deadline, "deadline", optional=True)
    if isinstance(near_days_left, bool) or not isinstance(near_days_left, int) \
            or near_days_left < 0:
        raise RuleError("near_days_left", f"The warning period must be a whole number of "
                                          f"working days, 0 or more, not “{near_days_left!r}”.")
    if done_on is not None:
        if done_on > today:
            raise RuleError("done_on", f"The completion date {done_on.isoformat()} is after "
                                       f"today ({today.isoformat()}).")
        if deadline is not None and done_on > deadline:
            return ProcessingStatus.DONE_LATE
        return ProcessingStatus.DONE_ON_TIME
    if deadline is not None:
        if today > deadline:
            return ProcessingStatus.OVERDUE
        if isinstance(working_days_left, bool) or not isinstance(working_days_left, int) \
                or working_days_left < 0:
            raise RuleError("working_days_left", f"With a deadline not yet passed, the number "
                                                 f"of working days left must be a whole "
                                                 f"number, 0 or more, not "
                                                 f"“{working_days_left!r}”.")
        if working_days_left <= near_days_left:
            return ProcessingStatus.NEAR_DEADLINE
    return ProcessingStatus.IN_PROGRESS if started else ProcessingStatus.NEW
