"""``egov audit verify | seal | head``: check, extend and anchor the audit log's chain.

``verify`` exits 0 with a summary when the log is intact, 1 naming the first bad entry.
``seal`` chains every entry not yet chained (what the background task does, by hand).
``head`` prints the newest seal's position and head, ``POSITION:HEAD``, to keep outside
the database (a printed register, another system, an e-mail to the inspectorate); a later
``verify --anchor POSITION:HEAD`` proves the chain still passes through it.
"""

from __future__ import annotations

import re
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from egov.core import audit

ANCHOR = re.compile(r"^\s*(\d+):([0-9a-f]{64})\b")


def parse_anchor(value: str) -> tuple[int, str]:
    match = ANCHOR.match(value.lower())
    if match is None:
        raise CommandError(
            "An anchor is POSITION:HEAD as `egov audit head` prints it, e.g. 1200:9f86d0…")
    return int(match.group(1)), match.group(2)


class Command(BaseCommand):
    help = "Verify, seal or anchor the tamper-evident audit log."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True,
                                    parser_class=CommandParser)
        verify = sub.add_parser(
            "verify", help="Recompute the chain; exit 1 naming the first bad entry.")
        verify.add_argument(
            "--anchor", action="append", default=[],
            help="POSITION:HEAD printed earlier by `egov audit head` (repeatable).")
        sub.add_parser("seal", help="Chain every entry not chained yet.")
        sub.add_parser("head", help="Print the newest seal as POSITION:HEAD.")

    def handle(self, *args: Any, **options: Any) -> None:
        subcommand = options["subcommand"]
        if subcommand == "verify":
            self.verify([parse_anchor(a) for a in options["anchor"]])
        elif subcommand == "seal":
            started = time.monotonic()
            count = audit.seal(full=True)
            self.stdout.write(f"Sealed {count} entries in {time.monotonic() - started:.2f} s.")
        else:
            self.head()

    def verify(self, anchors: list[tuple[int, str]]) -> None:
        started = time.monotonic()
        result = audit.verify(anchors=anchors)
        if not result.ok:
            raise CommandError(f"Audit log check FAILED: {result.problems[0]}", returncode=1)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Audit log intact: {result.entries} entries in {result.seals} seals, "
            f"head at position {result.head_seq}: {result.head}; "
            f"{result.pending} entries waiting to be sealed. Checked in {elapsed:.2f} s.")
        if anchors:
            self.stdout.write(f"The chain passes through {len(anchors)} anchor(s).")

    def head(self) -> None:
        seal = audit.latest_seal()
        if seal is None:
            self.stdout.write(f"0:{audit.GENESIS}")
            self.stderr.write("Nothing sealed yet.")
            return
        self.stdout.write(f"{seal.last_seq}:{seal.head} {seal.sealed_at.isoformat()}")
