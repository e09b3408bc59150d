"""Faster full-text search (bench/bench_documents.py, 200,000 documents).

SQLite: the FTS5 table gains prefix indexes of 1, 2 and 3 letters, so a query word
typed as a prefix ("quy*") reads one index entry instead of expanding every term it
starts (search p95 380 -> 95 ms).

PostgreSQL: a stored generated ``search_vector`` column replaces the expression index.
With the expression index the GIN lookup was fast, but ranking re-parsed the whole
``search_text`` of every matching row (search p95 1,716 -> 208 ms). The column is not on
the model: Django never writes it, PostgreSQL computes it on every INSERT and UPDATE.
"""

from django.db import migrations

FTS = "documents_document_fts"
DOC = "documents_document"


def _fts(prefix: bool) -> list[str]:
    option = ", prefix='1 2 3'" if prefix else ""
    return [f"DROP TRIGGER IF EXISTS {FTS}_{t}" for t in ("ai", "ad", "au")] + [
        f"DROP TABLE IF EXISTS {FTS}",
        f"CREATE VIRTUAL TABLE {FTS} USING fts5(search_text, content='{DOC}', "
        f"content_rowid='id', tokenize='unicode61 remove_diacritics 0'{option})",
        f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON {DOC} BEGIN "
        f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON {DOC} BEGIN "
        f"INSERT INTO {FTS}({FTS}, rowid, search_text) "
        f"VALUES('delete', old.id, old.search_text); END",
        f"CREATE TRIGGER {FTS}_au AFTER UPDATE OF search_text ON {DOC} BEGIN "
        f"INSERT INTO {FTS}({FTS}, rowid, search_text) "
        f"VALUES('delete', old.id, old.search_text); "
        f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"INSERT INTO {FTS}({FTS}) VALUES('rebuild')",
    ]


PG_FORWARD = [
    f"ALTER TABLE {DOC} ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, COALESCE(search_text, ''))) STORED",
    f"CREATE INDEX IF NOT EXISTS documents_search_vector ON {DOC} USING gin (search_vector)",
    "DROP INDEX IF EXISTS documents_search_gin",
]
PG_BACKWARD = [
    f"CREATE INDEX IF NOT EXISTS documents_search_gin ON {DOC} "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))",
    "DROP INDEX IF EXISTS documents_search_vector",
    f"ALTER TABLE {DOC} DROP COLUMN IF EXISTS search_vector",
]


def _run(schema_editor, forward: bool) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = _fts(prefix=forward)
    elif vendor == "postgresql":
        statements = PG_FORWARD if forward else PG_BACKWARD
    else:
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def forward(apps, schema_editor):
    _run(schema_editor, forward=True)


def backward(apps, schema_editor):
    _run(schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [("documents", "0003_issued_symbol_per_register")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
