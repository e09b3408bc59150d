"""The inbox's assignments from the index alone; the search vector kept in the row.

Assignments: (user | unit, done_at, role, document) replace (user | unit, done_at). The
inbox's tab conditions (assignee, open or done, role) and the visibility branches read the
person's and the units' assignments and get their documents without reading the table
(bench/bench_documents.py: the specialist's page 28.8 -> 25.1 ms on SQLite).

PostgreSQL: ``search_vector`` (about 3.4 KB a document, which pglz does not compress) was
moved to the TOAST table, so a search read it from there twice per candidate row, once to
match and once for ``ts_rank``. STORAGE MAIN keeps it in the row unless the row would not
fit in a page (the search text still goes out first). It applies to rows written from now
on; a rewrite of the table (``VACUUM FULL documents_document``) moves the rows written
before.
"""

from django.conf import settings
from django.db import migrations, models

DOC = "documents_document"


def _storage(schema_editor, storage: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {DOC} ALTER COLUMN search_vector SET STORAGE {storage}")


def forward(apps, schema_editor):
    _storage(schema_editor, "MAIN")


def backward(apps, schema_editor):
    _storage(schema_editor, "EXTENDED")


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_post_title_label'),
        ('documents', '0005_file_signatures'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='assignment',
            index=models.Index(fields=['user', 'done_at', 'role', 'document'],
                               name='assign_user_cover'),
        ),
        migrations.AddIndex(
            model_name='assignment',
            index=models.Index(fields=['unit', 'done_at', 'role', 'document'],
                               name='assign_unit_cover'),
        ),
        migrations.RemoveIndex(
            model_name='assignment',
            name='assign_user_open',
        ),
        migrations.RemoveIndex(
            model_name='assignment',
            name='assign_unit_open',
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
