"""The full-text index over documents.search_text (see egov/documents/search.py):
an FTS5 external-content table kept by triggers on SQLite, a GIN expression index on
PostgreSQL."""

from django.db import migrations

FTS = "documents_document_fts"
DOC = "documents_document"

SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(search_text, content='{DOC}', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON {DOC} BEGIN "
    f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON {DOC} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER {FTS}_au AFTER UPDATE OF search_text ON {DOC} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"INSERT INTO {FTS}({FTS}) VALUES('rebuild')",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {FTS}_{t}" for t in ("ai", "ad", "au")] + [
    f"DROP TABLE IF EXISTS {FTS}"]
PG_CREATE = [
    f"CREATE INDEX IF NOT EXISTS documents_search_gin ON {DOC} "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))",
]
PG_DROP = ["DROP INDEX IF EXISTS documents_search_gin"]


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_CREATE)
    elif vendor == "postgresql":
        _run(schema_editor, PG_CREATE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)
    elif vendor == "postgresql":
        _run(schema_editor, PG_DROP)


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
