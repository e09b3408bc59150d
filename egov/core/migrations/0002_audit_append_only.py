"""The audit tables become append-only in the database itself: triggers refuse UPDATE and
DELETE (and TRUNCATE on PostgreSQL) on core_auditentry, core_auditlink and core_auditseal.
"""

from django.db import migrations


def create_triggers(apps, schema_editor):
    from egov.core.audit import create_append_only_triggers

    create_append_only_triggers(schema_editor.connection)


def drop_triggers(apps, schema_editor):
    from egov.core.audit import drop_append_only_triggers

    drop_append_only_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
