"""Shared types of the signing library: errors, key types, certificate facts, Vietnam time.

Nothing here imports Django; the library is used alone by tests, the bench and the hub.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Union

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

# Keys this library signs with. RSA is what the national CA issues today; ECDSA P-256 works too.
PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey]  # noqa: UP007

# Vietnam has kept UTC+7 without daylight saving since 1975, so a fixed offset is exact.
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")

QCVN_CODE_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")


class SigningError(Exception):
    """Base class of every error this library raises on purpose."""


class CertificateNotUsableError(SigningError):
    """The certificate cannot sign now (expired, not yet valid, wrong key usage, ...)."""


class UnsupportedKeyError(SigningError):
    """The key type is not one the library signs with (RSA or ECDSA)."""


def now_utc() -> datetime:
    return datetime.now(UTC)


def vietnam_time(when: datetime | None = None) -> datetime:
    """`when` (default: now) in the Vietnam zone; naive datetimes are taken as UTC."""
    when = when or now_utc()
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(VIETNAM_TZ)


def format_vietnam_time(when: datetime | None = None) -> str:
    """'hh:mm:ss dd/mm/yyyy +07:00' — the signing time shown on a stamp (NĐ 30/2020 Phụ lục I)."""
    local = vietnam_time(when)
    return local.strftime("%H:%M:%S %d/%m/%Y") + " +07:00"


def ensure_private_key(key: object) -> PrivateKey:
    if isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        return key
    raise UnsupportedKeyError(
        f"unsupported private key type {type(key).__name__}: use RSA or ECDSA (P-256)")


def key_to_asn1(key: PrivateKey) -> asn1_keys.PrivateKeyInfo:
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return asn1_keys.PrivateKeyInfo.load(der)


def cert_to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def cert_from_asn1(cert: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


def load_certificate(data: bytes) -> x509.Certificate:
    """A certificate from PEM or DER bytes."""
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle, or the one in DER bytes."""
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def certs_pem(certs: Iterable[x509.Certificate]) -> bytes:
    return b"".join(cert_pem(c) for c in certs)


def key_pem(key: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM: for handing to an external tool in a test, never for storage."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    attrs = name.get_attributes_for_oid(oid)
    if not attrs:
        return None
    value = attrs[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


@dataclass(frozen=True)
class CertificateInfo:
    """What a person needs to know about a certificate, as plain values."""

    subject: str
    common_name: str | None
    organisation: str | None
    organisational_unit: str | None
    serial_number_attribute: str | None
    title: str | None
    issuer: str
    issuer_common_name: str | None
    serial: str
    not_before: datetime
    not_after: datetime
    sha256: str

    @property
    def agency_code(self) -> str | None:
        """The agency's QCVN identifier code, from OU or the serialNumber attribute."""
        for value in (self.organisational_unit, self.serial_number_attribute):
            if value and QCVN_CODE_RE.match(value):
                return value
        return None

    @classmethod
    def of(cls, cert: x509.Certificate) -> CertificateInfo:
        return cls(
            subject=cert.subject.rfc4514_string(),
            common_name=_first(cert.subject, NameOID.COMMON_NAME),
            organisation=_first(cert.subject, NameOID.ORGANIZATION_NAME),
            organisational_unit=_first(cert.subject, NameOID.ORGANIZATIONAL_UNIT_NAME),
            serial_number_attribute=_first(cert.subject, NameOID.SERIAL_NUMBER),
            title=_first(cert.subject, NameOID.TITLE),
            issuer=cert.issuer.rfc4514_string(),
            issuer_common_name=_first(cert.issuer, NameOID.COMMON_NAME),
            serial=format(cert.serial_number, "x"),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            sha256=cert.fingerprint(hashes.SHA256()).hex(),
        )


def check_validity_period(cert: x509.Certificate, at: datetime | None = None) -> None:
    """Raise CertificateNotUsableError when `at` (default now) is outside the validity period."""
    at = at or now_utc()
    name = _first(cert.subject, NameOID.COMMON_NAME) or cert.subject.rfc4514_string()
    if at < cert.not_valid_before_utc:
        raise CertificateNotUsableError(
            f"the certificate of {name} is not valid before "
            f"{format_vietnam_time(cert.not_valid_before_utc)}")
    if at > cert.not_valid_after_utc:
        raise CertificateNotUsableError(
            f"the certificate of {name} expired at {format_vietnam_time(cert.not_valid_after_utc)}")
