"""The registry: systems, agencies and certificates through the actions (each with its
audit entry) and the two management commands; the token is shown once and only its
SHA-256 is kept; the hub's own identity is made once."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from egov.core.models import AuditEntry
from egov.edxml import build_package
from egov.exchange import hub_actions, hub_signatures
from egov.exchange.models import HubAgency, HubCertificate, HubIdentity, HubSystem
from egov.signing.crypto.common import cert_pem

from .hub_fixtures import *  # noqa: F403
from .hub_fixtures import (
    BNV,
    BTC,
    HGI,
    QNI,
    UNKNOWN,
    Hub,
    HubClient,
    document,
    sign,
    signed_document,
)

pytestmark = pytest.mark.django_db


def test_registering_a_system_keeps_only_the_hash_of_its_token(hub: Hub) -> None:
    system = hub.ministry.system
    assert hub.ministry.token.startswith("hub_") and len(hub.ministry.token) > 40
    assert system.token_sha256 == hashlib.sha256(hub.ministry.token.encode()).hexdigest()
    assert hub.ministry.token not in str(HubSystem.objects.values().get(pk=system.pk))
    assert system.token_prefix == hub.ministry.token[:12]
    entry = AuditEntry.objects.get(action="exchange.register_system", object_id=str(system.pk))
    assert entry.after is not None and entry.after["agencies"] == [BTC]
    assert hub.ministry.token not in str(entry.after)
    assert AuditEntry.objects.filter(action="exchange.add_certificate").count() == 4
    assert hub_actions.authenticate(hub.ministry.token) == system
    assert hub_actions.authenticate(hub.ministry.token + "x") is None


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"name": ""}, "name"),
    ({"name": "Hệ thống Bộ Tài chính"}, "name"),
    ({"agencies": [("G12", "")]}, "code"),
    ({"agencies": [(BTC, "")]}, "agencies"),
    ({"agencies": [("000.00.00.H01", ""), ("000.00.00.H01", "")]}, "agencies"),
    ({"certificates": [("000.00.00.H02", b"x")]}, "certificates"),
    ({"push_url": "ftp://example.vn/x"}, "push_url"),
])
def test_a_refused_registration_changes_nothing(hub: Hub, kwargs: dict[str, object],
                                                field: str) -> None:
    before = (HubSystem.objects.count(), HubAgency.objects.count(), AuditEntry.objects.count())
    arguments: dict[str, object] = {"name": "Hệ thống mới",
                                    "agencies": [("000.00.00.H01", "Lai Châu")]}
    arguments.update(kwargs)
    with pytest.raises(ValidationError) as info:
        hub_actions.do_register_system(acting_user=None, **arguments)  # type: ignore[arg-type]
    assert field in info.value.message_dict
    assert (HubSystem.objects.count(), HubAgency.objects.count(),
            AuditEntry.objects.count()) == before


def test_a_certificate_must_name_its_agency(hub: Hub) -> None:
    with pytest.raises(ValidationError) as info:
        hub_actions.do_add_certificate(acting_user=None, agency_code=BTC,
                                       pem=cert_pem(hub.seals[BNV].certificate))
    assert BNV in str(info.value)
    with pytest.raises(ValidationError):  # the same one twice
        hub_actions.do_add_certificate(acting_user=None, agency_code=BTC,
                                       pem=cert_pem(hub.seals[BTC].certificate))
    with pytest.raises(ValidationError):
        hub_actions.do_add_certificate(acting_user=None, agency_code=BTC, pem=b"not a cert")


def test_a_new_seal_and_a_revoked_one(hub: Hub) -> None:
    """Register a second seal for BTC: it signs; revoke the first: it no longer does."""
    new = hub_actions.do_add_certificate(acting_user=None, agency_code=BTC,
                                         pem=cert_pem(hub.seals["rogue"].certificate))
    assert hub.ministry.api.send(sign(build_package(document(number="1")),
                                      hub.seals["rogue"])).status_code == 201
    old = HubCertificate.objects.filter(agency__code=BTC).exclude(pk=new.pk).get()
    hub_actions.do_revoke_certificate(acting_user=None, certificate=old)
    assert AuditEntry.objects.filter(action="exchange.revoke_certificate").count() == 1
    refused = hub.ministry.api.send(signed_document(hub, number="2"))
    assert refused.status_code == 422 and refused.json()["code"] == "signature_invalid"


def test_an_added_agency_receives(hub: Hub) -> None:
    hub_actions.do_add_agency(acting_user=None, system=hub.stranger.system, code=UNKNOWN,
                              name="UBND tỉnh Nghệ An")
    assert hub.ministry.api.send(signed_document(hub, to=(UNKNOWN,))).status_code == 201
    assert [i["recipient"] for i in hub.stranger.api.inbox().json()["items"]] == [UNKNOWN]
    with pytest.raises(ValidationError):
        hub_actions.do_add_agency(acting_user=None, system=hub.ministry.system, code=UNKNOWN)


def test_the_commands_register_a_system_and_a_certificate(hub: Hub, tmp_path: Path) -> None:
    HubCertificate.objects.filter(agency__code=HGI).delete()
    HubAgency.objects.filter(code=HGI).delete()  # (no package points at it yet)
    seal = tmp_path / "hgi.pem"
    seal.write_bytes(cert_pem(hub.seals[HGI].certificate))
    out, err = io.StringIO(), io.StringIO()
    call_command("hub_add_system", "Hệ thống Hậu Giang", "--agency",
                 f"{HGI}=UBND tỉnh Hậu Giang", "--push-url", "http://127.0.0.1:9/push",
                 "--certificate", f"{HGI}={seal}", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert token.startswith("hub_") and "\n" not in token
    assert "shown only now" in err.getvalue()
    system = HubSystem.objects.get(name="Hệ thống Hậu Giang")
    assert (system.push_url, list(system.agencies.values_list("code", "name"))) == (
        "http://127.0.0.1:9/push", [(HGI, "UBND tỉnh Hậu Giang")])
    assert HubCertificate.objects.filter(agency__code=HGI).count() == 1
    assert HubClient(token).inbox().status_code == 200

    again = tmp_path / "rogue.pem"
    again.write_bytes(cert_pem(hub.seals["rogue"].certificate))
    call_command("hub_add_certificate", BTC, str(again), stdout=out)
    assert HubCertificate.objects.filter(agency__code=BTC).count() == 2
    with pytest.raises(CommandError, match="H49"):
        call_command("hub_add_certificate", QNI, str(again), stdout=out)
    with pytest.raises(CommandError, match="code"):
        call_command("hub_add_system", "X", "--agency", "H49", stdout=out, stderr=err)
    with pytest.raises(CommandError, match="--agency"):
        call_command("hub_add_system", "X", stdout=out, stderr=err)
    with pytest.raises(CommandError):
        call_command("hub_add_certificate", BTC, str(tmp_path / "missing.pem"), stdout=out)


def test_the_hub_identity_is_made_once_with_its_key_sealed(hub: Hub) -> None:
    first = hub_signatures.hub_identity()
    hub_signatures.clear_caches()
    assert hub_signatures.hub_identity() == first
    assert HubIdentity.objects.count() == 1
    assert first.code == "000.00.00.G22" and first.name == "Trục liên thông văn bản quốc gia"
    assert b"PRIVATE KEY" not in bytes(first.key_blob)
    assert first.certificate.issuer == hub.ca.certificate.subject
