"""Folding Vietnamese text for search: the same words match with or without diacritics.

``fold("Quyết định giao đất đai")`` and ``fold("quyet dinh giao dat dai")`` are the same
string. The database never folds anything itself: the code stores ``fold(text)`` beside the
text and folds the query with the same function, so SQLite (FTS5) and PostgreSQL (tsvector)
see identical input and find identical rows.

The steps, in order:

1. Unicode compatibility decomposition (NFKD) and full case folding, applied the way the
   Unicode standard defines compatibility caseless matching (D146), so NFC and NFD input,
   upper and lower case, full-width letters and ligatures all meet;
2. every non-spacing mark (category Mn: the five Vietnamese tone marks and the circumflex,
   breve and horn) is dropped, and so are invisible format characters (category Cf: zero
   width spaces, soft hyphens, byte order marks);
3. ``đ`` becomes ``d``: Unicode gives đ (U+0111) no decomposition, so step 2 cannot do it;
   ``ð`` (U+00F0, whose capital Ð looks exactly like Đ and turns up in typed and recognised
   text) is treated the same way;
4. runs of whitespace become one space, none at either end.

Every Vietnamese letter folds to an ASCII letter; letters of other scripts stay (folded),
and so does punctuation (typographic dashes and quotes too: ``tokens`` drops them).
``fold`` is idempotent.
"""

from __future__ import annotations

import re
import unicodedata

_D_LETTERS = str.maketrans({"đ": "d", "ð": "d"})
_DROPPED_CATEGORIES = frozenset({"Mn", "Cf"})
_WORD_RE = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower-case, diacritic-free, đ→d, whitespace-collapsed form of ``text``."""
    if not isinstance(text, str):
        raise TypeError(f"fold() takes a str, not {type(text).__name__}")
    folded = unicodedata.normalize("NFKD", text)
    # Compatibility caseless form: NFKD(casefold(NFKD(casefold(NFKD(x))))).
    folded = unicodedata.normalize("NFKD", folded.casefold())
    folded = unicodedata.normalize("NFKD", folded.casefold())
    folded = "".join(
        char for char in folded if unicodedata.category(char) not in _DROPPED_CATEGORIES
    )
    folded = folded.translate(_D_LETTERS)
    return " ".join(folded.split())


def tokens(text: str) -> list[str]:
    """The folded words of ``text`` in order, punctuation dropped, for search.

    A word is a run of letters and digits: ``tokens("Số 12/QĐ-UBND")`` is
    ``["so", "12", "qd", "ubnd"]``, the way the FTS5 ``unicode61`` tokenizer and
    PostgreSQL's ``simple`` configuration split the folded text.
    """
    return _WORD_RE.findall(fold(text))
