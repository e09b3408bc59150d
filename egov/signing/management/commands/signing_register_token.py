"""Register a certificate whose private key stays on the PKCS#11 token (EGOV_PKCS11_*).

    egov signing-register-token --by quantri --kind personal --user lanhdao \\
        --certificate lanhdao.pem --key-label lanhdao-2026
    egov signing-register-token --by quantri --kind seal --agency 000.00.00.G12 \\
        --certificate btc-seal.pem --key-label btc-seal
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from egov.core.models import Organisation, User
from egov.signing import actions


class Command(BaseCommand):
    help = "Register a certificate whose private key is on the PKCS#11 token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--by", required=True, help="user name of the administrator")
        parser.add_argument("--kind", choices=["personal", "seal"], required=True)
        parser.add_argument("--user", help="user name of the official (personal)")
        parser.add_argument("--agency", help="identifier code of the agency (seal)")
        parser.add_argument("--certificate", required=True, type=Path,
                            help="PEM file: the certificate, then its chain")
        parser.add_argument("--key-label", required=True,
                            help="label of the private key on the token")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            by = User.objects.get(username=options["by"])
            user = (User.objects.get(username=options["user"])
                    if options.get("user") else None)
            agency = (Organisation.objects.get(code=options["agency"])
                      if options.get("agency") else None)
        except (User.DoesNotExist, Organisation.DoesNotExist) as exc:
            raise CommandError(str(exc)) from None
        try:
            data = options["certificate"].read_bytes()
        except OSError as exc:
            raise CommandError(f"certificate: {exc}") from None
        try:
            cert = actions.do_register_token_certificate(
                acting_user=by, kind=options["kind"], certificates_pem=data,
                key_label=options["key_label"], user=user, organisation=agency)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError("; ".join(f"{field}: {' '.join(errors)}"
                                         for field, errors in exc.message_dict.items())
                               ) from None
        self.stdout.write(f"Registered {cert.subject_name} ({cert.serial}); its key stays "
                          f"on the token under {cert.token_key_label!r}.")
