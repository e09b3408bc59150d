"""Folding for search: diacritics, đ, case and spacing never stand between two spellings."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from egov.documents.textfold import fold, tokens

# Every Vietnamese letter: the plain ones, the vowels with each of the five tone marks,
# and đ, in both cases; precomposed (NFC) as keyboards type them.
_TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]  # huyền sắc hỏi ngã nặng
_VOWELS = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"]
_LOWER = sorted(
    {unicodedata.normalize("NFC", vowel + tone) for vowel in _VOWELS for tone in _TONES}
    | set("bcdđghklmnpqrstvx")
)
VIETNAMESE_LETTERS = _LOWER + [letter.upper() for letter in _LOWER]
_BASE = {"ă": "a", "â": "a", "ê": "e", "ô": "o", "ơ": "o", "ư": "u", "đ": "d"}


def test_the_alphabet_is_complete() -> None:
    assert len(_LOWER) == 12 * 6 + 17 == 89
    assert all(len(letter) == 1 for letter in VIETNAMESE_LETTERS)


@pytest.mark.parametrize("letter", VIETNAMESE_LETTERS)
def test_every_vietnamese_letter_folds_to_its_ascii_base(letter: str) -> None:
    base = unicodedata.normalize("NFD", letter.lower())[0]
    base = _BASE.get(unicodedata.normalize("NFC", base), base)
    if letter.lower() == "đ":
        base = "d"
    assert fold(letter) == base
    assert fold(unicodedata.normalize("NFD", letter)) == base
    assert base.isascii() and base.islower()


@pytest.mark.parametrize(("text", "folded"), [
    ("Quyết định giao đất đai", "quyet dinh giao dat dai"),
    ("Quyết định … đất đai", "quyet dinh ... dat dai"),
    ("  ĐỀ ÁN   phát triển\tkinh tế\n số ", "de an phat trien kinh te so"),
    ("Ủy ban nhân dân", "uy ban nhan dan"),
    ("Uỷ ban nhân dân", "uy ban nhan dan"),  # tone on the other vowel (new style)
    ("Bản thỏa thuận", "ban thoa thuan"),
    ("Bản thoả thuận", "ban thoa thuan"),
    ("Hỏa tốc", "hoa toc"),
    ("Số 12/QĐ-UBND", "so 12/qd-ubnd"),
    ("ÐỒNG NAI", "dong nai"),  # Ð U+00D0 (eth) typed or recognised for Đ U+0110
    ("Thượng\u00a0khẩn", "thuong khan"),  # no-break space
    ("Tuyệt\u200bmật", "tuyetmat"),  # zero-width space is invisible, dropped
    ("ＵＢＮＤ", "ubnd"),  # full-width letters
    ("", ""),
    ("   ", ""),
])
def test_fold_examples(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_with_and_without_diacritics_give_the_same_words() -> None:
    """The brief's example: "Quyết định … đất đai" matches "quyet dinh dat dai"."""
    assert tokens("Quyết định … đất đai") == tokens("quyet dinh dat dai") == [
        "quyet", "dinh", "dat", "dai"]
    assert fold("Quyết định về đất đai") == fold("QUYET DINH VE DAT DAI")


@pytest.mark.parametrize(("text", "words"), [
    ("Số 12/QĐ-UBND", ["so", "12", "qd", "ubnd"]),
    ("Hà Nội, ngày 05 tháng 02 năm 2026", ["ha", "noi", "ngay", "05", "thang", "02", "nam",
                                            "2026"]),
    ("v/v: báo cáo (lần 2)!", ["v", "v", "bao", "cao", "lan", "2"]),
    ("snake_case", ["snake", "case"]),
    ("", []),
    ("… — !", []),
])
def test_tokens(text: str, words: list[str]) -> None:
    assert tokens(text) == words


def test_fold_takes_only_text() -> None:
    with pytest.raises(TypeError, match="takes a str"):
        fold(None)  # type: ignore[arg-type]


# Letters, digits, whitespace and ASCII punctuation (… is there: NFKD makes it "...").
# Typographic punctuation (– “ ”) is not Vietnamese and stays as it is.
vietnamese_text = st.text(
    st.sampled_from(VIETNAMESE_LETTERS + list("0123456789 \t\n.,;:/-()…")), max_size=60)


@given(vietnamese_text)
def test_vietnamese_folds_to_ascii(text: str) -> None:
    folded = fold(text)
    assert folded.isascii()
    assert folded == folded.lower()
    assert "  " not in folded and folded == folded.strip()


@given(vietnamese_text)
def test_nfc_and_nfd_fold_alike_vietnamese(text: str) -> None:
    assert fold(unicodedata.normalize("NFC", text)) == fold(unicodedata.normalize("NFD", text))


@given(st.text())
def test_nfc_and_nfd_fold_alike(text: str) -> None:
    nfc, nfd = unicodedata.normalize("NFC", text), unicodedata.normalize("NFD", text)
    assert fold(nfc) == fold(nfd)
    assert tokens(nfc) == tokens(nfd)


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(vietnamese_text)
def test_fold_is_idempotent_on_vietnamese(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text())
def test_tokens_are_the_words_of_the_folded_text(text: str) -> None:
    words = tokens(text)
    assert tokens(fold(text)) == words
    assert all(word and word == fold(word) and " " not in word for word in words)
