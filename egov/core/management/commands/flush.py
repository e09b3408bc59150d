"""``egov flush``: Django's flush, knowing that the audit tables are append-only.

The triggers of migration 0002 refuse to empty the audit log, so a plain flush fails and
changes nothing. Tests empty the database between transactional tests through this
command: during a test run (and with ``--include-audit-log``) the triggers are dropped,
the tables emptied and the triggers put back, in one transaction.
"""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.core.management.base import CommandError, CommandParser
from django.core.management.commands import flush
from django.db import connections, transaction

from egov.core.audit import create_append_only_triggers, drop_append_only_triggers


def in_test_run() -> bool:
    """Django's test set-up (setup_test_environment) gives the mail module an outbox."""
    return hasattr(mail, "outbox")


class Command(flush.Command):
    help = (
        "Removes ALL DATA from the database. The audit log is append-only: it is emptied "
        "too only with --include-audit-log (or in a test run); otherwise the database "
        "refuses and nothing changes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--include-audit-log", action="store_true",
            help="Drop the append-only triggers for the flush and put them back after it.",
        )

    def handle(self, **options: Any) -> None:
        if not (options.get("include_audit_log") or in_test_run()):
            try:
                super().handle(**options)
            except CommandError as exc:
                raise CommandError(
                    f"{exc}\n  * The audit log is append-only: its triggers refuse to empty "
                    "it. Add --include-audit-log to empty it too.") from exc
            return
        database = options["database"]
        connection = connections[database]
        with transaction.atomic(using=database):
            drop_append_only_triggers(connection)
            super().handle(**options)
            create_append_only_triggers(connection)
