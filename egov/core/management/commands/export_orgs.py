"""``egov export_orgs [FILE|-]``: write every organisation to a CSV file (standard output
by default), parents before their units, in the columns that ``import_orgs`` reads."""

from __future__ import annotations

import os
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from egov.core import orgcsv


class Command(BaseCommand):
    help = ("Export every organisation as CSV (UTF-8), parents before their units, in the "
            "columns that import_orgs reads. Writes to FILE, or standard output for -.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", nargs="?", default="-",
                            help="where to write (default: - for standard output)")
        parser.add_argument("--bom", action="store_true",
                            help="start with a UTF-8 byte-order mark (for spreadsheets)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        bom = "\ufeff" if options["bom"] else ""
        if path == "-":
            stdout = self.stdout

            class Raw:
                """Standard output as it is (Django's wrapper would add line ends)."""

                def write(self, text: str) -> int:
                    stdout.write(text, ending="")
                    return len(text)

            out = Raw()
            try:
                if bom:
                    out.write(bom)
                orgcsv.export_organisations(out)
                self.stdout.flush()
            except BrokenPipeError:
                # The reader stopped early (`egov export_orgs | head`): not an error.
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
        else:
            try:
                with open(path, "w", encoding="utf-8", newline="") as handle:
                    handle.write(bom)
                    count = orgcsv.export_organisations(handle)
            except OSError as exc:
                raise CommandError(f"{path}: {exc.strerror or exc}") from exc
            self.stderr.write(f"{count} organisations written to {path}")
