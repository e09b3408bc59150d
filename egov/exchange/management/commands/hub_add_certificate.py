"""``egov hub_add_certificate AGENCY_CODE FILE.pem``: allow a certificate to sign packages
for an agency registered on the hub (its new seal, say)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from egov.exchange import hub_actions

from .hub_add_system import _messages


class Command(BaseCommand):
    help = "Allow a certificate (PEM or DER) to sign packages for an agency on the hub."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("agency_code", help="the agency's QCVN 102:2016 identifier code")
        parser.add_argument("file", help="the certificate, PEM or DER")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            pem = Path(options["file"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"{options['file']}: {exc.strerror or exc}") from exc
        try:
            row = hub_actions.do_add_certificate(acting_user=None,
                                                 agency_code=options["agency_code"], pem=pem)
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Certificate {row.sha256} ({row.subject}) may now sign for {row.agency.code}."))
