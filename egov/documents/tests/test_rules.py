"""The pure document rules against STANDARDS.md §3 (Nghị định 30/2020/NĐ-CP)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator

import pytest
from django.utils import translation
from hypothesis import assume, given
from hypothesis import strategies as st

from egov.documents.rules import (
    NORMATIVE_TYPES,
    UNNUMBERED_TYPES,
    Confidentiality,
    CopyForm,
    DocumentType,
    ProcessingStatus,
    RuleError,
    Symbol,
    Urgency,
    document_symbol,
    format_number,
    numbering_series,
    parse_symbol,
    processing_status,
    type_for_abbreviation,
    vietnamese_date,
)


@pytest.fixture(autouse=True, scope="module")
def _english_messages() -> Iterator[None]:
    """Messages are asserted in their English source form, whatever the catalogue says."""
    with translation.override("en"):
        yield


# --- the table of STANDARDS.md §3, row by row -----------------------------------------

Row = tuple[DocumentType | CopyForm, str, str | None]

TYPE_TABLE: list[Row] = [
    (DocumentType.RESOLUTION, "Nghị quyết (cá biệt)", "NQ"),
    (DocumentType.DECISION, "Quyết định (cá biệt)", "QĐ"),
    (DocumentType.DIRECTIVE, "Chỉ thị", "CT"),
    (DocumentType.REGULATION, "Quy chế", "QC"),
    (DocumentType.PROVISIONS, "Quy định", "QyĐ"),
    (DocumentType.COMMUNIQUE, "Thông cáo", "TC"),
    (DocumentType.NOTICE, "Thông báo", "TB"),
    (DocumentType.GUIDANCE, "Hướng dẫn", "HD"),
    (DocumentType.PROGRAMME, "Chương trình", "CTr"),
    (DocumentType.PLAN, "Kế hoạch", "KH"),
    (DocumentType.OPTION, "Phương án", "PA"),
    (DocumentType.SCHEME, "Đề án", "ĐA"),
    (DocumentType.PROJECT, "Dự án", "DA"),
    (DocumentType.REPORT, "Báo cáo", "BC"),
    (DocumentType.MINUTES, "Biên bản", "BB"),
    (DocumentType.SUBMISSION, "Tờ trình", "TTr"),
    (DocumentType.CONTRACT, "Hợp đồng", "HĐ"),
    (DocumentType.OFFICIAL_LETTER, "Công văn", None),
    (DocumentType.OFFICIAL_TELEGRAM, "Công điện", "CĐ"),
    (DocumentType.MEMORANDUM, "Bản ghi nhớ", "BGN"),
    (DocumentType.AGREEMENT, "Bản thỏa thuận", "BTT"),
    (DocumentType.POWER_OF_ATTORNEY, "Giấy ủy quyền", "GUQ"),
    (DocumentType.INVITATION, "Giấy mời", "GM"),
    (DocumentType.INTRODUCTION_LETTER, "Giấy giới thiệu", "GGT"),
    (DocumentType.LEAVE_PERMIT, "Giấy nghỉ phép", "GNP"),
    (DocumentType.DISPATCH_SLIP, "Phiếu gửi", "PG"),
    (DocumentType.TRANSFER_SLIP, "Phiếu chuyển", "PC"),
    (DocumentType.NOTIFICATION_SLIP, "Phiếu báo", "PB"),
    (DocumentType.PUBLIC_LETTER, "Thư công", None),
]
COPY_TABLE: list[Row] = [
    (CopyForm.TRUE_COPY, "Sao y", "SY"),
    (CopyForm.EXTRACT, "Trích sao", "TrS"),
    (CopyForm.RECOPY, "Sao lục", "SL"),
]
TYPED = [(kind, abbr) for kind, _name, abbr in TYPE_TABLE + COPY_TABLE if abbr is not None]
NUMBERED_KINDS = [kind for kind, _name, _abbr in TYPE_TABLE + COPY_TABLE
                  if kind not in UNNUMBERED_TYPES]


def test_there_are_29_types_in_the_order_of_the_table() -> None:
    assert len(DocumentType) == 29
    assert list(DocumentType) == [kind for kind, _name, _abbr in TYPE_TABLE]


@pytest.mark.parametrize(("kind", "name", "abbreviation"), TYPE_TABLE + COPY_TABLE)
def test_name_and_abbreviation(kind: DocumentType | CopyForm, name: str,
                               abbreviation: str | None) -> None:
    assert kind.label == name
    assert unicodedata.is_normalized("NFC", str(kind.label))
    assert kind.abbreviation == abbreviation
    if abbreviation is not None:
        assert unicodedata.is_normalized("NFC", abbreviation)
        assert type_for_abbreviation(abbreviation) is kind


def test_only_cong_van_and_thu_cong_have_no_abbreviation() -> None:
    assert {kind for kind in DocumentType if kind.abbreviation is None} == {
        DocumentType.OFFICIAL_LETTER, DocumentType.PUBLIC_LETTER}


def test_abbreviations_are_distinct_even_ignoring_case() -> None:
    abbreviations = [abbr for _kind, abbr in TYPED]
    assert len({abbr.casefold() for abbr in abbreviations}) == len(abbreviations) == 30


@pytest.mark.parametrize("text", ["QYĐ", "Qđ", "CTR", "TTR", "TRS", "QD", "XX", ""])
def test_abbreviation_lookup_is_exact(text: str) -> None:
    assert type_for_abbreviation(text) is None


def test_abbreviation_lookup_accepts_nfd() -> None:
    assert type_for_abbreviation(unicodedata.normalize("NFD", "QĐ")) is DocumentType.DECISION


@pytest.mark.parametrize(("kind", "printed"), [
    (DocumentType.RESOLUTION, "Nghị quyết"),
    (DocumentType.DECISION, "Quyết định"),
    (DocumentType.OFFICIAL_LETTER, "Công văn"),
])
def test_printed_name_drops_ca_biet(kind: DocumentType, printed: str) -> None:
    assert kind.printed_name == printed


@pytest.mark.parametrize(("level", "label"), [
    (Urgency.URGENT, "Khẩn"), (Urgency.TOP_URGENT, "Thượng khẩn"), (Urgency.FLASH, "Hỏa tốc"),
])
def test_urgency_labels(level: Urgency, label: str) -> None:
    assert level.label == label


@pytest.mark.parametrize(("level", "label"), [
    (Confidentiality.CONFIDENTIAL, "Mật"),
    (Confidentiality.SECRET, "Tối mật"),
    (Confidentiality.TOP_SECRET, "Tuyệt mật"),
])
def test_confidentiality_labels(level: Confidentiality, label: str) -> None:
    assert level.label == label


def test_enums_are_ordered_least_first() -> None:
    assert list(Urgency) == [Urgency.URGENT, Urgency.TOP_URGENT, Urgency.FLASH]
    assert list(Confidentiality) == [Confidentiality.CONFIDENTIAL, Confidentiality.SECRET,
                                     Confidentiality.TOP_SECRET]


# --- numbers ---------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "text"), [
    (1, "01"), (5, "05"), (9, "09"), (10, "10"), (12, "12"), (99, "99"), (100, "100"),
    (345, "345"), (7816, "7816"), (12345, "12345"),
])
def test_format_number(n: int, text: str) -> None:
    assert format_number(n) == text


@pytest.mark.parametrize(("n", "fragment"), [
    (0, "start at 01"), (-1, "start at 01"), (-10, "start at 01"),
    (True, "whole number"), (1.0, "whole number"), ("5", "whole number"),
    (None, "whole number"),
])
def test_format_number_refuses(n: object, fragment: str) -> None:
    with pytest.raises(RuleError, match=fragment) as caught:
        format_number(n)  # type: ignore[arg-type]
    assert caught.value.argument == "number"
    assert isinstance(caught.value, ValueError)


# --- building symbols ------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "abbr"), TYPED)
def test_every_typed_symbol(kind: DocumentType | CopyForm, abbr: str) -> None:
    assert document_symbol(12, kind, "UBND") == f"12/{abbr}-UBND"
    assert document_symbol(3, kind.value, "UBND") == f"03/{abbr}-UBND"


@pytest.mark.parametrize(("args", "symbol"), [
    ((12, DocumentType.DECISION, "UBND"), "12/QĐ-UBND"),             # STANDARDS §3
    ((345, DocumentType.OFFICIAL_LETTER, "UBND", "VP"), "345/UBND-VP"),  # STANDARDS §3
    ((7816, DocumentType.OFFICIAL_LETTER, "VPCP", "TTĐT"), "7816/VPCP-TTĐT"),  # §2
    ((1, DocumentType.DECISION, "TTg"), "01/QĐ-TTg"),
    ((9, DocumentType.PROVISIONS, "UBND"), "09/QyĐ-UBND"),
    ((10, DocumentType.PROGRAMME, "UBND"), "10/CTr-UBND"),
    ((11, DocumentType.SUBMISSION, "SNV"), "11/TTr-SNV"),
    ((2, CopyForm.EXTRACT, "UBND"), "02/TrS-UBND"),
    ((15, CopyForm.TRUE_COPY, "UBND"), "15/SY-UBND"),
    ((4, DocumentType.OFFICIAL_LETTER, "BNN&PTNT", "TCCB"), "04/BNN&PTNT-TCCB"),
    ((6, DocumentType.DIRECTIVE, "BCĐ389"), "06/CT-BCĐ389"),
    ((8, DocumentType.OFFICIAL_LETTER, "UBND", "TP.HCM"), "08/UBND-TP.HCM"),
])
def test_document_symbol_examples(args: tuple[object, ...], symbol: str) -> None:
    assert document_symbol(*args) == symbol  # type: ignore[arg-type]


def test_document_symbol_gives_nfc() -> None:
    """Đ has no decomposition, but Ư (U + horn) has: NFD input comes out NFC."""
    assert unicodedata.normalize("NFD", "Ư") != "Ư"
    symbol = document_symbol(5, DocumentType.OFFICIAL_LETTER, unicodedata.normalize(
        "NFD", "SGDĐT"), unicodedata.normalize("NFD", "TCCBƯ"))
    assert symbol == "05/SGDĐT-TCCBƯ"
    assert unicodedata.is_normalized("NFC", symbol)


@pytest.mark.parametrize(("kwargs", "argument", "fragment"), [
    ({"agency_abbr": ""}, "agency_abbr", "The agency abbreviation must not be empty"),
    ({"agency_abbr": None}, "agency_abbr", "must not be empty"),
    ({"agency_abbr": "UB ND"}, "agency_abbr", "must not contain spaces: “UB ND”"),
    ({"agency_abbr": " UBND"}, "agency_abbr", "must not contain spaces"),
    ({"agency_abbr": "UBND\u00a0"}, "agency_abbr", "must not contain spaces"),
    ({"agency_abbr": "UB/ND"}, "agency_abbr", "must not contain “/” or “-”"),
    ({"agency_abbr": "UB-ND"}, "agency_abbr", "must not contain “/” or “-”"),
    ({"agency_abbr": "UBND,"}, "agency_abbr", "only letters, digits, “&” and “.”"),
    ({"number": 0}, "number", "start at 01"),
    ({"doc_type": "quyet_dinh"}, "doc_type", "“quyet_dinh” is not a document type"),
    ({"doc_type": 7}, "doc_type", "is not a document type"),
    ({"doc_type": DocumentType.PUBLIC_LETTER}, "doc_type", "Thư công has no abbreviation"),
    ({"unit_abbr": "VP"}, "unit_abbr", "Only a công văn carries the drafting unit"),
])
def test_document_symbol_refuses(kwargs: dict[str, object], argument: str,
                                 fragment: str) -> None:
    call: dict[str, object] = {"number": 12, "doc_type": DocumentType.DECISION,
                               "agency_abbr": "UBND"} | kwargs
    with pytest.raises(RuleError, match=fragment) as caught:
        document_symbol(**call)  # type: ignore[arg-type]
    assert caught.value.argument == argument
    assert str(caught.value).startswith(f"{argument}: ")


@pytest.mark.parametrize(("unit", "fragment"), [
    (None, "needs the abbreviation of the drafting unit"),
    ("", "drafting unit or field abbreviation must not be empty"),
    ("V P", "must not contain spaces"),
    ("VP-TH", "must not contain “/” or “-”"),
])
def test_cong_van_needs_a_good_unit(unit: str | None, fragment: str) -> None:
    with pytest.raises(RuleError, match=fragment) as caught:
        document_symbol(345, DocumentType.OFFICIAL_LETTER, "UBND", unit)
    assert caught.value.argument == "unit_abbr"


# --- reading symbols -------------------------------------------------------------------

@pytest.mark.parametrize(("text", "number", "type_abbr", "agency", "unit", "kind"), [
    ("12/QĐ-UBND", 12, "QĐ", "UBND", None, DocumentType.DECISION),
    ("345/UBND-VP", 345, None, "UBND", "VP", DocumentType.OFFICIAL_LETTER),
    ("7816/VPCP-TTĐT", 7816, None, "VPCP", "TTĐT", DocumentType.OFFICIAL_LETTER),
    ("  01/QyĐ-UBND \t\n", 1, "QyĐ", "UBND", None, DocumentType.PROVISIONS),
    ("\u00a005/TrS-UBND\u00a0", 5, "TrS", "UBND", None, CopyForm.EXTRACT),
    ("1/QĐ-UBND", 1, "QĐ", "UBND", None, DocumentType.DECISION),
    ("007/TTr-SNV", 7, "TTr", "SNV", None, DocumentType.SUBMISSION),
    (unicodedata.normalize("NFD", "12/HĐ-SGDĐT"), 12, "HĐ", "SGDĐT", None,
     DocumentType.CONTRACT),
    ("1234/CT-TTHT", 1234, "CT", "TTHT", None, DocumentType.DIRECTIVE),  # see next test
])
def test_parse_symbol(text: str, number: int, type_abbr: str | None, agency: str,
                      unit: str | None, kind: DocumentType | CopyForm) -> None:
    symbol = parse_symbol(text)
    assert symbol == Symbol(number, type_abbr, agency, unit)
    assert symbol.kind is kind


def test_doc_type_resolves_an_agency_named_like_a_type() -> None:
    """Cục Thuế writes công văn as …/CT-TTHT: CT is also Chỉ thị."""
    symbol = parse_symbol("1234/CT-TTHT", doc_type=DocumentType.OFFICIAL_LETTER)
    assert (symbol.type_abbr, symbol.agency_abbr, symbol.unit_abbr) == (None, "CT", "TTHT")
    assert parse_symbol("12/QĐ-UBND", doc_type="decision").type_abbr == "QĐ"


def test_canonical_form_and_edxml_parts() -> None:
    symbol = parse_symbol("1/QĐ-UBND")
    assert str(symbol) == "01/QĐ-UBND"
    assert str(parse_symbol("12/QĐ-UBND")) == "12/QĐ-UBND"
    # STANDARDS §2: CodeNumber 12, CodeNotation QĐ-UBND.
    assert (parse_symbol("12/QĐ-UBND").number, parse_symbol("12/QĐ-UBND").notation) == (
        12, "QĐ-UBND")
    assert parse_symbol("7816/VPCP-TTĐT").notation == "VPCP-TTĐT"


@pytest.mark.parametrize(("text", "fragment"), [
    ("", "is empty"),
    ("   ", "is empty"),
    ("12 /QĐ-UBND", "has no spaces inside"),
    ("12/QĐ - UBND", "has no spaces inside"),
    ("30/2020/NĐ-CP", "carries a year, the form of normative documents"),
    ("12/2025/QĐ-UBND", "carries a year"),
    ("QĐ-UBND", "is not a number and symbol"),
    ("/QĐ-UBND", "is not a number and symbol"),
    ("12/QĐ", "is not a number and symbol"),
    ("12/QĐ-", "must not be empty"),
    ("12/-UBND", "must not be empty"),
    ("12/QĐ-UBND-VP", "is not a number and symbol"),
    ("05/TTLT-BTC-BNV", "is not a number and symbol"),
    ("12\\QĐ-UBND", "is not a number and symbol"),
    ("12/QĐ-UBND/", "is not a number and symbol"),
    ("-1/QĐ-UBND", "is not a number and symbol"),
    ("a12/QĐ-UBND", "is not a number and symbol"),
    ("١٢/QĐ-UBND", "is not a number and symbol"),
    ("0/QĐ-UBND", "document numbers start at 01"),
    ("00/UBND-VP", "document numbers start at 01"),
    ("12/QĐ-UBND,", "only letters, digits"),
])
def test_parse_symbol_refuses(text: str, fragment: str) -> None:
    with pytest.raises(RuleError, match=fragment) as caught:
        parse_symbol(text)
    assert caught.value.argument == "text"


def test_parse_symbol_refuses_non_text() -> None:
    with pytest.raises(RuleError, match="must be text"):
        parse_symbol(12)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "doc_type", "argument", "fragment"), [
    ("12/TB-UBND", DocumentType.DECISION, "text",
     "is not the symbol of a Quyết định \\(cá biệt\\): it should read <number>/QĐ-<agency>"),
    ("345/UBND-VP", "decision", "text", "is not the symbol of a Quyết định"),
    ("12/QĐ-UBND", DocumentType.PUBLIC_LETTER, "doc_type", "Thư công has no abbreviation"),
    ("12/QĐ-UBND", "letter", "doc_type", "is not a document type"),
])
def test_parse_symbol_checks_the_expected_type(text: str, doc_type: str, argument: str,
                                               fragment: str) -> None:
    with pytest.raises(RuleError, match=fragment) as caught:
        parse_symbol(text, doc_type=doc_type)
    assert caught.value.argument == argument


@pytest.mark.parametrize(("kwargs", "argument", "fragment"), [
    ({"number": 0, "type_abbr": "QĐ", "agency_abbr": "UBND"}, "number", "start at 01"),
    ({"number": 1, "type_abbr": "QD", "agency_abbr": "UBND"}, "type_abbr",
     "“QD” is not a document type or copy abbreviation"),
    ({"number": 1, "type_abbr": "QĐ", "agency_abbr": "UBND", "unit_abbr": "VP"},
     "unit_abbr", "Only a công văn"),
    ({"number": 1, "type_abbr": None, "agency_abbr": "UBND"}, "unit_abbr", "needs the"),
    ({"number": 1, "type_abbr": None, "agency_abbr": "U B", "unit_abbr": "VP"},
     "agency_abbr", "spaces"),
])
def test_symbol_checks_its_parts(kwargs: dict[str, object], argument: str,
                                 fragment: str) -> None:
    with pytest.raises(RuleError, match=fragment) as caught:
        Symbol(**kwargs)  # type: ignore[arg-type]
    assert caught.value.argument == argument


# Abbreviations as agencies write them: capital letters (Vietnamese ones too), a few
# lower-case letters (TTg), digits, & and .
_ABBR_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZĐƯƠÂĂÊÔgrđy0123456789&."
abbreviations = st.text(st.sampled_from(_ABBR_CHARS), min_size=1, max_size=12)
numbers = st.integers(min_value=1, max_value=10**7)


@given(number=numbers, kind=st.sampled_from([k for k, _a in TYPED]), agency=abbreviations)
def test_typed_symbol_round_trip(number: int, kind: DocumentType | CopyForm,
                                 agency: str) -> None:
    text = document_symbol(number, kind, agency)
    for hint in (None, kind):
        symbol = parse_symbol(text, doc_type=hint)
        assert (symbol.number, symbol.kind, symbol.agency_abbr, symbol.unit_abbr) == (
            number, kind, agency, None)
        assert str(symbol) == text
    assert parse_symbol(f"  {text} ") == parse_symbol(text)
    assert parse_symbol(unicodedata.normalize("NFD", text)) == parse_symbol(text)


@given(number=numbers, agency=abbreviations, unit=abbreviations)
def test_cong_van_symbol_round_trip(number: int, agency: str, unit: str) -> None:
    text = document_symbol(number, DocumentType.OFFICIAL_LETTER, agency, unit)
    symbol = parse_symbol(text, doc_type=DocumentType.OFFICIAL_LETTER)
    assert (symbol.number, symbol.type_abbr, symbol.agency_abbr, symbol.unit_abbr) == (
        number, None, agency, unit)
    assert str(symbol) == text
    # Without the hint only an agency that is not also a type abbreviation reads back.
    assume(type_for_abbreviation(agency) is None)
    assert parse_symbol(text) == symbol


@given(number=numbers, kind=st.sampled_from(NUMBERED_KINDS),
       agency=st.text(min_size=1, max_size=8), unit=st.text(min_size=1, max_size=8))
def test_any_abbreviation_either_round_trips_or_is_refused(
        number: int, kind: DocumentType | CopyForm, agency: str, unit: str) -> None:
    unit_abbr = unit if kind == DocumentType.OFFICIAL_LETTER else None
    try:
        text = document_symbol(number, kind, agency, unit_abbr)
    except RuleError as error:
        assert error.argument in {"agency_abbr", "unit_abbr"}
        return
    symbol = parse_symbol(text, doc_type=kind)
    assert str(symbol) == text
    assert symbol.agency_abbr == unicodedata.normalize("NFC", agency)


@given(st.text(max_size=30))
def test_parse_symbol_either_parses_or_says_why(text: str) -> None:
    try:
        symbol = parse_symbol(text)
    except RuleError as error:
        assert error.argument == "text" and error.message
        return
    assert parse_symbol(str(symbol)) == symbol


# --- dates -----------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "place", "text"), [
    (dt.date(2026, 2, 5), "Hà Nội", "Hà Nội, ngày 05 tháng 02 năm 2026"),  # STANDARDS §3
    (dt.date(2026, 1, 1), "Hà Nội", "Hà Nội, ngày 01 tháng 01 năm 2026"),
    (dt.date(2026, 1, 31), None, "ngày 31 tháng 01 năm 2026"),
    (dt.date(2026, 3, 9), None, "ngày 09 tháng 3 năm 2026"),
    (dt.date(2026, 3, 15), None, "ngày 15 tháng 3 năm 2026"),
    (dt.date(2026, 9, 10), None, "ngày 10 tháng 9 năm 2026"),
    (dt.date(2026, 10, 20), None, "ngày 20 tháng 10 năm 2026"),
    (dt.date(2026, 12, 1), None, "ngày 01 tháng 12 năm 2026"),
    (dt.date(2020, 3, 5), "Hà Nội", "Hà Nội, ngày 05 tháng 3 năm 2020"),  # NĐ 30 itself
    (dt.date(2026, 4, 30), "  Thành phố  Hồ Chí Minh ",
     "Thành phố Hồ Chí Minh, ngày 30 tháng 4 năm 2026"),
    (dt.date(2026, 4, 30), "", "ngày 30 tháng 4 năm 2026"),
    (dt.date(2026, 4, 30), "  ", "ngày 30 tháng 4 năm 2026"),
])
def test_vietnamese_date(day: dt.date, place: str | None, text: str) -> None:
    assert vietnamese_date(day, place) == text


@given(st.dates())
def test_vietnamese_date_zero_padding(day: dt.date) -> None:
    words = vietnamese_date(day).split()
    assert words[0::2] == ["ngày", "tháng", "năm"]
    assert int(words[1]) == day.day and len(words[1]) == 2
    assert int(words[3]) == day.month
    assert len(words[3]) == (2 if day.month <= 2 or day.month >= 10 else 1)


@pytest.mark.parametrize(("args", "argument", "fragment"), [
    ((dt.datetime(2026, 2, 5, 8, 0),), "d", "Expected a date"),
    (("2026-02-05",), "d", "Expected a date"),
    ((dt.date(2026, 2, 5), 5), "place", "The place must be text"),
])
def test_vietnamese_date_refuses(args: tuple[object, ...], argument: str,
                                 fragment: str) -> None:
    with pytest.raises(RuleError, match=fragment) as caught:
        vietnamese_date(*args)  # type: ignore[arg-type]
    assert caught.value.argument == argument


# --- numbering series ------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "normative", "secret", "series"), [
    (DocumentType.OFFICIAL_LETTER, False, False, "administrative"),
    (DocumentType.DECISION, False, False, "administrative"),
    (DocumentType.SUBMISSION, False, False, "administrative"),
    (DocumentType.DECISION, True, False, "normative:decision"),
    (DocumentType.RESOLUTION, True, False, "normative:resolution"),
    (DocumentType.PLAN, False, True, "secret:administrative"),
    (DocumentType.DECISION, True, True, "secret:normative:decision"),
    (CopyForm.TRUE_COPY, False, False, "copies"),
    (CopyForm.EXTRACT, False, True, "secret:copies"),
    ("official_letter", False, False, "administrative"),
])
def test_numbering_series(kind: DocumentType | CopyForm | str, normative: bool, secret: bool,
                          series: str) -> None:
    assert numbering_series(kind, normative=normative, secret=secret) == series


def test_administrative_types_share_one_series_and_secrets_are_apart() -> None:
    numbered = [kind for kind in DocumentType if kind not in UNNUMBERED_TYPES]
    admin = {numbering_series(kind, normative=False, secret=False) for kind in numbered}
    secret = {numbering_series(kind, normative=False, secret=True) for kind in numbered}
    normative = {numbering_series(kind, normative=True, secret=False)
                 for kind in NORMATIVE_TYPES}
    secret_normative = {numbering_series(kind, normative=True, secret=True)
                        for kind in NORMATIVE_TYPES}
    copies = {numbering_series(kind, normative=False, secret=secret)
              for kind in CopyForm for secret in (False, True)}
    assert len(admin) == len(secret) == 1
    assert len(normative) == len(secret_normative) == len(NORMATIVE_TYPES) == 2
    assert len(copies) == 2
    everything = admin | secret | normative | secret_normative | copies
    assert len(everything) == 1 + 1 + 2 + 2 + 2
    # Short, plain keys: an agency's register puts its own scope in front of them.
    assert all(key.isascii() and " " not in key and len(key) <= 40 for key in everything)


@pytest.mark.parametrize(("kwargs", "argument", "fragment"), [
    ({"doc_type": DocumentType.PUBLIC_LETTER}, "doc_type", "Thư công has no abbreviation"),
    ({"doc_type": "memo"}, "doc_type", "is not a document type"),
    ({"doc_type": DocumentType.OFFICIAL_LETTER, "normative": True}, "normative",
     "Công văn is never a normative document"),
    ({"doc_type": DocumentType.PLAN, "normative": True, "secret": True}, "normative",
     "Kế hoạch is never a normative document"),
    ({"doc_type": CopyForm.TRUE_COPY, "normative": True}, "normative",
     "A copy is not a normative document"),
])
def test_numbering_series_refuses(kwargs: dict[str, object], argument: str,
                                  fragment: str) -> None:
    call: dict[str, object] = {"doc_type": DocumentType.DECISION, "normative": False,
                               "secret": False} | kwargs
    doc_type = call.pop("doc_type")
    with pytest.raises(RuleError, match=fragment) as caught:
        numbering_series(doc_type, **call)  # type: ignore[arg-type]
    assert caught.value.argument == argument


# --- processing status -----------------------------------------------------------------

TODAY = dt.date(2026, 3, 11)  # a Wednesday
D = dt.timedelta(days=1)
S = ProcessingStatus


@pytest.mark.parametrize(("done_on", "deadline", "started", "left", "status"), [
    # not done, no deadline
    (None, None, False, None, S.NEW),
    (None, None, True, None, S.IN_PROGRESS),
    # not done, deadline far
    (None, TODAY + 10 * D, False, 8, S.NEW),
    (None, TODAY + 10 * D, True, 8, S.IN_PROGRESS),
    (None, TODAY + 4 * D, True, 3, S.IN_PROGRESS),
    # near: working days left ≤ 2 (a weekend between makes 7 calendar days 3 working days)
    (None, TODAY + 6 * D, True, 2, S.NEAR_DEADLINE),
    (None, TODAY + D, False, 1, S.NEAR_DEADLINE),
    (None, TODAY, True, 0, S.NEAR_DEADLINE),
    # overdue from the day after the deadline, whatever the caller counted
    (None, TODAY - D, True, None, S.OVERDUE),
    (None, TODAY - 30 * D, False, -20, S.OVERDUE),
    # done
    (TODAY, TODAY, True, 0, S.DONE_ON_TIME),
    (TODAY - 5 * D, TODAY - D, True, None, S.DONE_ON_TIME),
    (TODAY - 2 * D, None, True, None, S.DONE_ON_TIME),
    (TODAY, TODAY - D, True, None, S.DONE_LATE),
    (TODAY - D, TODAY - 2 * D, False, None, S.DONE_LATE),
])
def test_processing_status(done_on: dt.date | None, deadline: dt.date | None, started: bool,
                           left: int | None, status: ProcessingStatus) -> None:
    assert processing_status(done_on=done_on, deadline=deadline, today=TODAY,
                             started=started, working_days_left=left,
                             near_days_left=2) is status


def test_near_days_left_zero_warns_only_on_the_day() -> None:
    def status(deadline: dt.date, left: int) -> ProcessingStatus:
        return processing_status(done_on=None, deadline=deadline, today=TODAY, started=True,
                                 working_days_left=left, near_days_left=0)

    assert status(TODAY, 0) is S.NEAR_DEADLINE
    assert status(TODAY + D, 1) is S.IN_PROGRESS


def test_processing_status_labels() -> None:
    assert [status.value for status in S] == [
        "new", "in_progress", "near_deadline", "overdue", "done_on_time", "done_late"]
    assert str(S.NEAR_DEADLINE.label) == "Near deadline"


@pytest.mark.parametrize(("kwargs", "argument", "fragment"), [
    ({"working_days_left": None}, "working_days_left", "number of working days left"),
    ({"working_days_left": -1}, "working_days_left", "0 or more"),
    ({"working_days_left": 1.5}, "working_days_left", "whole number"),
    ({"near_days_left": -1}, "near_days_left", "0 or more"),
    ({"near_days_left": True}, "near_days_left", "whole number"),
    ({"done_on": TODAY + D}, "done_on", "is after today"),
    ({"today": dt.datetime(2026, 3, 11, 9, 0)}, "today", "Expected a date"),
    ({"deadline": "2026-03-20"}, "deadline", "Expected a date"),
    ({"done_on": dt.datetime(2026, 3, 10, 9, 0)}, "done_on", "Expected a date"),
])
def test_processing_status_refuses(kwargs: dict[str, object], argument: str,
                                   fragment: str) -> None:
    call: dict[str, object] = {"done_on": None, "deadline": TODAY + 5 * D, "today": TODAY,
                               "started": True, "working_days_left": 3,
                               "near_days_left": 2} | kwargs
    with pytest.raises(RuleError, match=fragment) as caught:
        processing_status(**call)  # type: ignore[arg-type]
    assert caught.value.argument == argument
