"""PostgreSQL: a hub package's bytes are stored out of line, without compression.

A package is signed XML around base64 attachments (PDFs, office files: compressed
already), which pglz cannot shrink by the quarter it asks for: PostgreSQL stored a 272 KB
package as it was, after trying, for 4 ms of its CPU on every package — more than all the
rest of the hub's database work for it (bench/bench_hub.py). STORAGE EXTERNAL keeps the
bytes in the TOAST table as before, without the attempt (0.9 ms). It applies to the rows
written from now on. SQLite has nothing of the kind.
"""

from django.db import migrations

SQL = 'ALTER TABLE "exchange_hubpackage" ALTER COLUMN "data" SET STORAGE {}'


def _storage(kind):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(SQL.format(kind))

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("exchange", "0004_remote_tasks"),
    ]

    operations = [
        migrations.RunPython(_storage("EXTERNAL"), _storage("EXTENDED")),
    ]
