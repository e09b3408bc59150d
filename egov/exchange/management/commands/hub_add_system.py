"""``egov hub_add_system NAME --agency CODE[=Name] ... [--push-url URL]
[--certificate AGENCY_CODE=FILE.pem ...]``: register a connected system on the hub.

Prints the system's token once: the hub keeps only its SHA-256, so copy it into the
system's connector settings now. Everything or nothing: a refused agency or certificate
registers nothing.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from egov.exchange import hub_actions


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(errors)}"
                         for field, errors in exc.message_dict.items())
    return "; ".join(exc.messages)


class Command(BaseCommand):
    help = ("Register a connected system on the exchange hub with the agencies it speaks "
            "for and the certificates allowed to sign for them; prints its token once.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name", help="the system's name (e.g. the ministry's deployment)")
        parser.add_argument("--agency", action="append", default=[], metavar="CODE[=Name]",
                            help="an agency the system speaks for, by its QCVN 102:2016 "
                                 "identifier code (repeatable)")
        parser.add_argument("--push-url", default="",
                            help="the URL the hub POSTs {\"new\": N} to when items wait")
        parser.add_argument("--certificate", action="append", default=[],
                            metavar="AGENCY_CODE=FILE.pem",
                            help="a certificate allowed to sign for the agency (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        agencies = []
        for value in options["agency"]:
            code, _sep, name = value.partition("=")
            agencies.append((code.strip(), name.strip()))
        if not agencies:
            raise CommandError("give at least one --agency CODE[=Name]")
        certificates = []
        for value in options["certificate"]:
            code, sep, path = value.partition("=")
            if not sep or not path:
                raise CommandError(f"--certificate {value}: expected AGENCY_CODE=FILE.pem")
            try:
                certificates.append((code.strip(), Path(path).read_bytes()))
            except OSError as exc:
                raise CommandError(f"{path}: {exc.strerror or exc}") from exc
        try:
            system, token = hub_actions.do_register_system(
                acting_user=None, name=options["name"], agencies=agencies,
                push_url=options["push_url"], certificates=certificates)
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        self.stderr.write(self.style.SUCCESS(
            f"System {system.name} registered (id {system.pk}) for "
            f"{', '.join(code for code, _name in agencies)}; "
            f"{len(certificates)} certificate(s). Its token, shown only now:"))
        self.stdout.write(token)
