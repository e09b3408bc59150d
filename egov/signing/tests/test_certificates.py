"""Certificates: issued by the platform CA, imported as PKCS#12 (keys sealed, never shown),
revoked into the CRL; bad files and wrong holders refused with the field and the reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import PermissionDenied, ValidationError

from egov.core.models import AuditEntry
from egov.signing import actions, store
from egov.signing.crypto.ca import CertificateAuthority, IssuedCertificate
from egov.signing.crypto.common import now_utc
from egov.signing.crypto.keys import DamagedKeyBlobError
from egov.signing.crypto.trust import RevocationStatus, load_crls, revocation_report
from egov.signing.models import Certificate

pytestmark = pytest.mark.django_db

PASSWORD = "mật-khẩu-p12"


def key_der(issued: IssuedCertificate) -> bytes:
    return issued.key.private_bytes(serialization.Encoding.DER,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())


def from_platform(full_name: str, agency: Any, **extra: Any) -> IssuedCertificate:
    """A certificate the platform CA signs but the database does not know yet: what the
    national CA hands an official as a .p12 file."""
    ca = store.authority_ca(store.platform_authority())
    return ca.issue_personal(full_name, agency.name, agency.code, algorithm="ec-p256", **extra)


def test_the_platform_ca_issues_personal_and_seal_certificates(btc: Any, admin: Any) -> None:
    personal = actions.do_issue_certificate(acting_user=admin, kind="personal",
                                            user=btc.leader)
    seal = actions.do_issue_certificate(acting_user=admin, kind="seal",
                                        organisation=btc.agency)
    assert personal.status == "valid" and personal.organisation == btc.agency
    assert personal.certificate.subject.rfc4514_string().startswith("CN=Phạm Minh Lãnh")
    assert seal.user is None and "000.00.00.G12" in seal.certificate.subject.rfc4514_string()
    assert actions.personal_certificate(btc.leader) == personal
    assert AuditEntry.objects.filter(action="signing.issued_certificate").count() == 2


def test_only_an_administrator_issues_or_revokes(btc: Any, admin: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_issue_certificate(acting_user=btc.leader, kind="personal", user=btc.leader)
    cert = actions.do_issue_certificate(acting_user=admin, kind="personal", user=btc.leader)
    with pytest.raises(PermissionDenied):
        actions.do_revoke_certificate(cert, acting_user=btc.leader, reason="thử")
    assert Certificate.objects.get(pk=cert.pk).revoked_at is None


def test_import_seals_the_key_and_never_keeps_it_in_plain_text(btc: Any) -> None:
    issued = from_platform("Phạm Minh Lãnh", btc.agency)
    p12 = issued.to_pkcs12(PASSWORD.encode())
    cert = actions.do_import_certificate(acting_user=btc.leader, kind="personal", data=p12,
                                         password=PASSWORD, user=btc.leader)
    assert cert.source == "imported" and cert.status == "valid"
    blob = bytes(Certificate.objects.get(pk=cert.pk).key_blob)
    assert key_der(issued) not in blob and b"PRIVATE KEY" not in blob
    key, _cert, _chain = store.signing_material(cert)
    assert key.public_key().public_numbers() == issued.key.public_key().public_numbers()


def test_a_sealed_key_moved_to_another_row_does_not_open(btc: Any, admin: Any) -> None:
    first = actions.do_issue_certificate(acting_user=admin, kind="personal", user=btc.leader)
    second = actions.do_issue_certificate(acting_user=admin, kind="seal",
                                          organisation=btc.agency)
    Certificate.objects.filter(pk=second.pk).update(key_blob=bytes(first.key_blob))
    with pytest.raises(DamagedKeyBlobError):
        store.signing_material(Certificate.objects.get(pk=second.pk))


@pytest.mark.parametrize(("case", "field", "message"), [
    ("wrong_password", "password", "does not open"),
    ("corrupt", "file", "not a usable PKCS#12"),
    ("empty", "file", "not a usable PKCS#12"),
    ("other_agency", "file", "belongs to the agency with code 000.00.00.G09"),
    ("stranger", "file", "cannot sign"),
    ("expired", "file", "cannot sign"),
])
def test_bad_pkcs12_files_are_refused_and_nothing_is_stored(btc: Any, bnv: Any, case: str,
                                                            field: str, message: str) -> None:
    data = from_platform("Phạm Minh Lãnh", btc.agency).to_pkcs12(PASSWORD.encode())
    password = PASSWORD
    if case == "wrong_password":
        password = "sai-mat-khau"
    elif case == "corrupt":
        data = data[:40] + b"\x00" * 16 + data[56:120]
    elif case == "empty":
        data = b""
    elif case == "other_agency":
        data = from_platform("Người Bộ Khác", bnv.agency).to_pkcs12(PASSWORD.encode())
    elif case == "stranger":
        stranger = CertificateAuthority.create_root("Unknown CA", algorithm="ec-p256")
        data = stranger.issue_personal("Kẻ Lạ", btc.agency.name, btc.agency.code,
                                       algorithm="ec-p256").to_pkcs12(PASSWORD.encode())
    elif case == "expired":
        data = from_platform("Lê Văn Cũ", btc.agency, valid_days=10,
                             not_before=now_utc() - dt.timedelta(days=30)
                             ).to_pkcs12(PASSWORD.encode())
    with pytest.raises(ValidationError) as err:
        actions.do_import_certificate(acting_user=btc.leader, kind="personal", data=data,
                                      password=password, user=btc.leader)
    assert message in " ".join(err.value.message_dict[field])
    assert not Certificate.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="signing.").exists()


def test_a_seal_must_carry_the_agency_code(btc: Any, admin: Any) -> None:
    ca = store.authority_ca(store.platform_authority())
    seal = ca.issue_seal("Bộ Nội vụ", "000.00.00.G09", algorithm="ec-p256")
    with pytest.raises(ValidationError) as err:
        actions.do_import_certificate(acting_user=admin, kind="seal",
                                      data=seal.to_pkcs12(b"pw"), password="pw",
                                      organisation=btc.agency)
    assert "000.00.00.G09" in err.value.message_dict["file"][0]


def test_the_same_certificate_is_not_imported_twice(btc: Any) -> None:
    p12 = from_platform("Phạm Minh Lãnh", btc.agency).to_pkcs12(b"pw")
    actions.do_import_certificate(acting_user=btc.leader, kind="personal", data=p12,
                                  password="pw", user=btc.leader)
    with pytest.raises(ValidationError) as err:
        actions.do_import_certificate(acting_user=btc.leader, kind="personal", data=p12,
                                      password="pw", user=btc.leader)
    assert "already imported" in err.value.message_dict["file"][0]


def test_revocation_reaches_the_crl(btc: Any, admin: Any) -> None:
    cert = actions.do_issue_certificate(acting_user=admin, kind="personal", user=btc.leader)
    roots = store.trust_roots()
    before = revocation_report(cert.certificate, roots, load_crls(store.crls()), now_utc())
    assert before.status == RevocationStatus.GOOD
    with pytest.raises(ValidationError):
        actions.do_revoke_certificate(cert, acting_user=admin, reason="  ")
    actions.do_revoke_certificate(cert, acting_user=admin, reason="Mất thiết bị ký số")
    after = revocation_report(cert.certificate, roots, load_crls(store.crls()), now_utc())
    assert after.status == RevocationStatus.REVOKED
    with pytest.raises(ValidationError):
        actions.do_revoke_certificate(cert, acting_user=admin, reason="lần hai")
