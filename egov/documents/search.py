"""Full-text search over documents, the same on SQLite (FTS5) and PostgreSQL (tsvector).

The code folds text (``textfold``) and stores it as plain lower-case ASCII words separated
by single spaces (``search_text``), and folds the query with the same function, so both
engines see identical words and find identical rows: every word of the query must start a
word of the document ("quyet dinh dat" finds "Quyết định … đất đai"). Ranking uses each
engine's own measure (bm25 on SQLite, ts_rank on PostgreSQL). The permission queryset is
applied in the same query.

The index: an FTS5 external-content table with prefix indexes, kept by triggers, on SQLite;
a stored generated tsvector column ``search_vector`` with a GIN index on PostgreSQL
(migrations 0002 and 0004), kept in the row rather than in the TOAST table (STORAGE MAIN,
migration 0006): PostgreSQL ranks the visible documents one by one, and read each vector
from the TOAST table twice, to match it and to rank it.
"""

from __future__ import annotations

import contextlib

from django.db import connection
from django.db.models import QuerySet

from . import textfold
from .models import Document

FTS_TABLE = "documents_document_fts"
MAX_TERMS = 12


def search_words(query: str) -> list[str]:
    """The folded words of a query, each once, at most MAX_TERMS of them, each at most 40
    letters.

    A word typed twice ("khám bệnh, chữa bệnh") finds the same documents once: twice, it
    made PostgreSQL's planner count its frequency twice, expect a handful of matches and
    start from the GIN index, reading the matches of every agency (85 instead of 28 ms,
    bench_documents)."""
    words = dict.fromkeys(w[:40] for w in textfold.tokens(query or ""))
    return list(words)[:MAX_TERMS]


def index_text(*parts: str) -> str:
    """What ``search_text`` holds: the folded words, space-separated."""
    return " ".join(textfold.tokens(" ".join(p for p in parts if p)))


def apply(qs: QuerySet[Document], query: str) -> QuerySet[Document]:
    """Filter ``qs`` to documents matching every word of ``query``, best first.

    An empty query returns ``qs`` unchanged (and unranked)."""
    words = search_words(query)
    if not words:
        return qs
    # No page shows the folded text (hundreds of words a document). Read, it went through
    # SQLite's sort with every candidate: 109 -> 90 ms for a query with 3,851 visible
    # matches (bench_documents). (A values() queryset reads only what it names already.)
    with contextlib.suppress(TypeError):
        qs = qs.defer("search_text")
    table = connection.ops.quote_name(Document._meta.db_table)
    if connection.vendor == "postgresql":
        # search_vector is a stored generated column (migration 0004), not a model field:
        # PostgreSQL keeps it, so extra() names it. The words travel as a parameter.
        tsquery = " & ".join(f"{w}:*" for w in words)
        return qs.extra(  # noqa: S610
            where=[f"{table}.search_vector @@ to_tsquery('simple', %s)"],
            params=[tsquery],
            select={"rank": f"ts_rank({table}.search_vector, to_tsquery('simple', %s))"},
            select_params=[tsquery],
        ).order_by("-rank", "-id")
    match = " AND ".join(f'"{w}"*' for w in words)
    # bm25() needs the FTS table in the FROM clause of the query that holds the MATCH, so
    # the index is joined and the full-text query runs once. (A correlated subquery per
    # row ran the whole MATCH, prefix expansion included, again for every candidate: 30 s
    # for one common query at 5,000 documents; bench/bench_documents.py.) extra() is the
    # ORM's only way to add that join. The table names are constants; the user's words
    # travel only as a bound parameter.
    # bm25 is lower for better matches; negate so that higher is better on both engines.
    return qs.extra(  # noqa: S610
        tables=[FTS_TABLE],
        where=[f"{FTS_TABLE}.rowid = {table}.id", f"{FTS_TABLE} MATCH %s"],
        params=[match],
        select={"rank": f"-bm25({FTS_TABLE})"},
    ).order_by("-rank", "-id")
