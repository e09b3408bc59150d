"""Keys on a hardware token (PKCS#11), here a SoftHSM2 token: a leader's key that never
enters egov signs on approval, pdfsig agrees, and a wrong label or a key that does not
match the certificate is refused."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from egov.signing import actions, store
from egov.signing.crypto.ca import IssuedCertificate
from egov.signing.crypto.common import cert_pem, certs_pem, key_pem
from egov.signing.models import Certificate

from .conftest import need_tool, run
from .test_signing_flow import approved, content, latest_main

pytestmark = pytest.mark.django_db

LIBRARY = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN = "egov-test"
PIN = "123456"


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SoftHSM2 token for the session (the PKCS#11 library is loaded once per process,
    so its configuration must not move)."""
    need_tool("softhsm2-util")
    if not Path(LIBRARY).exists():
        pytest.fail(f"{LIBRARY} is missing: install softhsm2 (make test does, as root)")
    home = tmp_path_factory.mktemp("softhsm")
    (home / "tokens").mkdir()
    conf = home / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {home / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    result = run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN,
                  "--pin", PIN, "--so-pin", "12345678"])
    assert result.returncode == 0, result.stderr
    return home


@pytest.fixture
def token(softhsm: Path, settings: Any) -> Path:
    settings.EGOV_PKCS11_LIBRARY = LIBRARY
    settings.EGOV_PKCS11_TOKEN = TOKEN
    settings.EGOV_PKCS11_PIN = PIN
    return softhsm


_labels = iter(range(1, 10_000))


def on_token(home: Path, who: IssuedCertificate) -> str:
    """Put the key on the token (as the CA's enrolment would) and forget it here."""
    n = next(_labels)
    label = f"key-{n}"
    path = home / f"{label}.pem"
    path.write_bytes(key_pem(who.key))
    result = run(["softhsm2-util", "--import", str(path), "--token", TOKEN, "--label", label,
                  "--id", f"{n:04x}", "--pin", PIN])
    path.unlink()
    assert result.returncode == 0, result.stdout + result.stderr
    return label


def platform_cert(full_name: str, agency: Any) -> IssuedCertificate:
    ca = store.authority_ca(store.platform_authority())
    return ca.issue_personal(full_name, agency.name, agency.code, algorithm="rsa2048")


def test_a_leader_signs_with_a_key_that_stays_on_the_token(btc: Any, admin: Any, token: Path,
                                                           real_pdf: bytes, nss_db: Any,
                                                           tmp_path: Path) -> None:
    issued = platform_cert("Phạm Minh Lãnh", btc.agency)
    label = on_token(token, issued)
    cert = actions.do_register_token_certificate(
        acting_user=admin, kind="personal", user=btc.leader, key_label=label,
        certificates_pem=certs_pem([issued.certificate, *issued.chain]))
    assert cert.token_key_label == label and bytes(cert.key_blob) == b""
    doc = approved(btc, real_pdf)
    signed = latest_main(doc)
    assert signed.signature_status == "valid"
    assert signed.signature_report[0]["signer"]["common_name"] == "Phạm Minh Lãnh"
    need_tool("pdfsig")
    path = tmp_path / "signed.pdf"
    path.write_bytes(content(signed))
    result = run(["pdfsig", "-nssdir", nss_db(store.platform_authority().certificate),
                  str(path)])
    assert "Signature Validation: Signature is Valid." in result.stdout, result.stdout


def test_a_key_that_does_not_match_or_is_missing_is_refused(btc: Any, admin: Any,
                                                            token: Path) -> None:
    other = on_token(token, platform_cert("Người Khác", btc.agency))
    issued = platform_cert("Phạm Minh Lãnh", btc.agency)
    pem = cert_pem(issued.certificate)
    with pytest.raises(ValidationError) as err:
        actions.do_register_token_certificate(acting_user=admin, kind="personal",
                                              user=btc.leader, key_label=other,
                                              certificates_pem=pem)
    assert "does not match the certificate" in err.value.message_dict["key_label"][0]
    with pytest.raises(ValidationError) as err:
        actions.do_register_token_certificate(acting_user=admin, kind="personal",
                                              user=btc.leader, key_label="no-such-key",
                                              certificates_pem=pem)
    assert "key_label" in err.value.message_dict
    assert not Certificate.objects.exists()


def test_a_wrong_pin_stops_the_approval_with_a_reason(btc: Any, admin: Any, token: Path,
                                                      real_pdf: bytes, settings: Any) -> None:
    issued = platform_cert("Phạm Minh Lãnh", btc.agency)
    actions.do_register_token_certificate(
        acting_user=admin, kind="personal", user=btc.leader,
        key_label=on_token(token, issued), certificates_pem=cert_pem(issued.certificate))
    settings.EGOV_PKCS11_PIN = "000000"
    with pytest.raises(ValidationError) as err:
        approved(btc, real_pdf)
    assert "hardware token" in err.value.message_dict["certificate"][0]


def test_the_command_registers_a_seal_on_the_token(btc: Any, admin: Any, token: Path,
                                                   tmp_path: Path) -> None:
    ca = store.authority_ca(store.platform_authority())
    seal = ca.issue_seal(btc.agency.name, btc.agency.code, algorithm="rsa2048")
    pem = tmp_path / "seal.pem"
    pem.write_bytes(certs_pem([seal.certificate, *seal.chain]))
    call_command("signing_register_token", "--by", admin.username, "--kind", "seal",
                 "--agency", btc.agency.code, "--certificate", str(pem),
                 "--key-label", on_token(token, seal))
    assert Certificate.objects.get().organisation == btc.agency
    with pytest.raises(CommandError, match="already imported"):
        call_command("signing_register_token", "--by", admin.username, "--kind", "seal",
                     "--agency", btc.agency.code, "--certificate", str(pem),
                     "--key-label", "x")
