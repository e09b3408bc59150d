"""``egov import_orgs FILE.csv [--dry-run]``: import agencies and units from a CSV file.

Everything or nothing: if any row is rejected, nothing is imported, every rejected row is
listed (line, column, reason) and the command exits with status 1.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from egov.core import orgcsv


class Command(BaseCommand):
    help = (
        "Import organisations from a CSV file (UTF-8, header row: "
        + ", ".join(orgcsv.COLUMNS) + "). Existing codes are updated, new ones created; "
        "if any row is rejected nothing is imported. Use - to read standard input."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="the CSV file, or - for standard input")
        parser.add_argument("--dry-run", action="store_true",
                            help="check every row and report, but write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            if path == "-":
                report = orgcsv.import_organisations(
                    sys.stdin.buffer, acting_user=None, dry_run=options["dry_run"])
            else:
                with open(path, "rb") as handle:
                    report = orgcsv.import_organisations(
                        handle, acting_user=None, dry_run=options["dry_run"])
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
        for rejection in report.rejections:
            self.stderr.write(f"{path}: {rejection}")
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))
