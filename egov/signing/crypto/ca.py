"""A small certificate authority for the demo and the tests, standing in for the national CA.

In production certificates come from the Government Cipher Committee's CA (Ban Cơ yếu Chính
phủ) as PKCS#12 files; here the platform can issue its own with the same shape:

* personal certificates for officials: CN = full name, O = agency, OU = agency code (QCVN),
  optional title (position) and serialNumber (personal identifier);
* organisation ("seal") certificates for agencies: CN = O = agency name, OU = serialNumber =
  agency code;
* a timestamping certificate (extendedKeyUsage timeStamping) for a local RFC 3161 authority;

and it revokes certificates and publishes a DER CRL signed by itself. Everything is built with
`cryptography`; nothing is written by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .common import PrivateKey, SigningError, ensure_private_key, now_utc

KeyAlgorithm = Literal["rsa2048", "rsa3072", "rsa4096", "ec-p256", "ec-p384"]


class Pkcs12Error(SigningError):
    """A PKCS#12 file could not be read."""


class CorruptPkcs12Error(Pkcs12Error):
    """The bytes are not a PKCS#12 file (damaged, truncated, or another format)."""


class WrongPasswordError(Pkcs12Error):
    """The PKCS#12 file is well formed but the password does not open it."""


def generate_key(algorithm: KeyAlgorithm = "rsa3072") -> PrivateKey:
    if algorithm.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(algorithm[3:]))
    if algorithm == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "ec-p384":
        return ec.generate_private_key(ec.SECP384R1())
    raise ValueError(f"unknown key algorithm {algorithm!r}")


def _hash_for(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384:
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size > 256:
        return hashes.SHA384()
    return hashes.SHA256()


@dataclass(frozen=True)
class IssuedCertificate:
    """A key, its certificate and the chain above it (issuer first, root last)."""

    key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def serial_number(self) -> int:
        return self.certificate.serial_number

    def to_pkcs12(self, password: bytes, friendly_name: str | None = None) -> bytes:
        return dump_pkcs12(self.key, self.certificate, self.chain, password, friendly_name)


@dataclass(frozen=True)
class RevokedEntry:
    serial_number: int
    revoked_at: datetime
    reason: x509.ReasonFlags = x509.ReasonFlags.unspecified


@dataclass
class CertificateAuthority:
    """A CA key and certificate, with the revocations it has recorded.

    The CA keeps no other state: the caller stores the key (sealed, see keys.py), the
    certificate and the revocations, and builds the CA again from them.
    """

    key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()           # above this CA, root last
    revoked: dict[int, RevokedEntry] = field(default_factory=dict)
    crl_url: str | None = None                         # written into issued certificates
    crl_number: int = 1

    # --- creating CAs -----------------------------------------------------------------------

    @classmethod
    def create_root(
        cls,
        common_name: str = "Egov Demo Root CA",
        organisation: str = "Egov demo (not the national CA)",
        *,
        algorithm: KeyAlgorithm = "rsa3072",
        valid_days: int = 3650,
        not_before: datetime | None = None,
        crl_url: str | None = None,
    ) -> CertificateAuthority:
        key = generate_key(algorithm)
        start = not_before or now_utc() - timedelta(minutes=5)
        name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ])
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + timedelta(days=valid_days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, _hash_for(key))
        )
        return cls(key=key, certificate=cert, crl_url=crl_url)

    def create_subordinate(
        self,
        common_name: str,
        organisation: str | None = None,
        *,
        algorithm: KeyAlgorithm = "rsa3072",
        valid_days: int = 1825,
        crl_url: str | None = None,
    ) -> CertificateAuthority:
        """An issuing CA under this one (the national root signs issuing CAs this way)."""
        key = generate_key(algorithm)
        name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                               organisation or self._attr(NameOID.ORGANIZATION_NAME) or ""),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ])
        cert = self._build(name, key.public_key(), valid_days=valid_days, not_before=None,
                           ca=True).sign(self.key, _hash_for(self.key))
        return CertificateAuthority(key=key, certificate=cert,
                                    chain=(self.certificate, *self.chain), crl_url=crl_url)

    # --- issuing ------------------------------------------------------------------------------

    def issue_personal(
        self,
        full_name: str,
        agency_name: str,
        agency_code: str,
        *,
        title: str | None = None,
        personal_id: str | None = None,
        email: str | None = None,
        key: PrivateKey | None = None,
        algorithm: KeyAlgorithm = "rsa3072",
        valid_days: int = 730,
        not_before: datetime | None = None,
    ) -> IssuedCertificate:
        """A personal signing certificate for an official (keyUsage digitalSignature and
        nonRepudiation)."""
        attrs = [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, agency_code),
        ]
        if title:
            attrs.append(x509.NameAttribute(NameOID.TITLE, title))
        if personal_id:
            attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, personal_id))
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, full_name))
        return self._issue_signer(x509.Name(attrs), key, algorithm, valid_days, not_before,
                                  email=email)

    def issue_seal(
        self,
        agency_name: str,
        agency_code: str,
        *,
        key: PrivateKey | None = None,
        algorithm: KeyAlgorithm = "rsa3072",
        valid_days: int = 1095,
        not_before: datetime | None = None,
    ) -> IssuedCertificate:
        """An organisation certificate: the agency's electronic seal."""
        name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, agency_code),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, agency_code),
            x509.NameAttribute(NameOID.COMMON_NAME, agency_name),
        ])
        return self._issue_signer(name, key, algorithm, valid_days, not_before)

    def issue_timestamping(
        self,
        common_name: str = "Egov Demo Timestamping Authority",
        *,
        valid_days: int = 1825,
        not_before: datetime | None = None,
    ) -> IssuedCertificate:
        """A TSA certificate (critical extendedKeyUsage timeStamping). Always RSA 2048:
        pyHanko's local time stamper signs with RSA only, and re-reads its key per token."""
        key = generate_key("rsa2048")
        name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                               self._attr(NameOID.ORGANIZATION_NAME) or "Egov"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ])
        builder = self._build(name, key.public_key(), valid_days=valid_days,
                              not_before=not_before, ca=False)
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=True,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          key_cert_sign=False, crl_sign=False, encipher_only=False,
                          decipher_only=False), critical=True)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        cert = builder.sign(self.key, _hash_for(self.key))
        return IssuedCertificate(key=key, certificate=cert, chain=self.issuer_chain)

    @property
    def issuer_chain(self) -> tuple[x509.Certificate, ...]:
        """The chain an issued certificate carries: this CA, then those above it."""
        return (self.certificate, *self.chain)

    # --- revocation -----------------------------------------------------------------------------

    def revoke(self, certificate: x509.Certificate | int, *,
               reason: x509.ReasonFlags = x509.ReasonFlags.unspecified,
               at: datetime | None = None) -> RevokedEntry:
        serial = certificate if isinstance(certificate, int) else certificate.serial_number
        if not isinstance(certificate, int) and certificate.issuer != self.certificate.subject:
            raise SigningError("this CA did not issue that certificate")
        entry = RevokedEntry(serial, at or now_utc(), reason)
        self.revoked[serial] = entry
        return entry

    def crl(self, *, this_update: datetime | None = None, next_update_days: int = 7) -> bytes:
        """A DER CRL over every revocation recorded, signed by the CA; bumps the CRL number."""
        start = this_update or now_utc() - timedelta(minutes=1)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(start)
            .next_update(start + timedelta(days=next_update_days))
            .add_extension(x509.CRLNumber(self.crl_number), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self.key.public_key()), critical=False)
        )
        for entry in self.revoked.values():
            revoked = (
                x509.RevokedCertificateBuilder()
                .serial_number(entry.serial_number)
                .revocation_date(entry.revoked_at)
            )
            if entry.reason is not x509.ReasonFlags.unspecified:
                revoked = revoked.add_extension(x509.CRLReason(entry.reason), critical=False)
            builder = builder.add_revoked_certificate(revoked.build())
        self.crl_number += 1
        return builder.sign(self.key, _hash_for(self.key)).public_bytes(
            serialization.Encoding.DER)

    def to_pkcs12(self, password: bytes) -> bytes:
        return dump_pkcs12(self.key, self.certificate, self.chain, password,
                           self._attr(NameOID.COMMON_NAME))

    # --- internals ------------------------------------------------------------------------------

    def _attr(self, oid: x509.ObjectIdentifier) -> str | None:
        attrs = self.certificate.subject.get_attributes_for_oid(oid)
        return str(attrs[0].value) if attrs else None

    def _build(self, subject: x509.Name, public_key: object, *, valid_days: int,
               not_before: datetime | None, ca: bool) -> x509.CertificateBuilder:
        start = not_before or now_utc() - timedelta(minutes=5)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(self.certificate.subject)
            .public_key(public_key)  # type: ignore[arg-type]
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + timedelta(days=valid_days))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(
                public_key), critical=False)  # type: ignore[arg-type]
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self.key.public_key()), critical=False)
        )
        if ca:
            builder = builder.add_extension(_ca_key_usage(), critical=True)
        if self.crl_url:
            builder = builder.add_extension(x509.CRLDistributionPoints([
                x509.DistributionPoint(full_name=[x509.UniformResourceIdentifier(self.crl_url)],
                                       relative_name=None, reasons=None, crl_issuer=None)]),
                critical=False)
        return builder

    def _issue_signer(self, subject: x509.Name, key: PrivateKey | None,
                      algorithm: KeyAlgorithm, valid_days: int, not_before: datetime | None,
                      email: str | None = None) -> IssuedCertificate:
        key = ensure_private_key(key) if key is not None else generate_key(algorithm)
        builder = self._build(subject, key.public_key(), valid_days=valid_days,
                              not_before=not_before, ca=False)
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=True,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          key_cert_sign=False, crl_sign=False, encipher_only=False,
                          decipher_only=False), critical=True)
        if email:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
        cert = builder.sign(self.key, _hash_for(self.key))
        return IssuedCertificate(key=key, certificate=cert, chain=self.issuer_chain)


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=False, content_commitment=False,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=True, crl_sign=True, encipher_only=False,
                         decipher_only=False)


# --- PKCS#12 ---------------------------------------------------------------------------------


def dump_pkcs12(key: PrivateKey, cert: x509.Certificate, chain: Iterable[x509.Certificate],
                password: bytes, friendly_name: str | None = None) -> bytes:
    """PKCS#12 with PBES2/AES-256 and a SHA-256 MAC (what OpenSSL 3 and NSS read)."""
    if not password:
        raise ValueError("a PKCS#12 file holding a private key needs a password")
    name = (friendly_name or "egov").encode("utf-8")
    return pkcs12.serialize_key_and_certificates(
        name, key, cert, list(chain) or None,
        serialization.BestAvailableEncryption(password))


def _looks_like_pkcs12(data: bytes) -> bool:
    """Is this a well-formed PFX structure (whatever the password)?"""
    from asn1crypto import pkcs12 as asn1_pkcs12

    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        _ = pfx["version"].native
        auth_safe = pfx["auth_safe"]
        if auth_safe["content_type"].native != "data":
            return False
        _ = auth_safe["content"].native  # the outer SafeContents must parse
        mac = pfx["mac_data"]
        if mac.native is not None:
            _ = mac["mac"]["digest"].native
    except Exception:
        return False
    return True


def load_pkcs12(data: bytes, password: bytes | str | None
                ) -> tuple[PrivateKey, x509.Certificate, tuple[x509.Certificate, ...]]:
    """Key, certificate and chain from a PKCS#12 file.

    Raises CorruptPkcs12Error when the bytes are not a PKCS#12 file at all, and
    WrongPasswordError when the file is well formed but the password does not open it
    (a file altered inside its encrypted part fails its integrity check the same way).
    """
    if isinstance(password, str):
        password = password.encode("utf-8")
    if not data:
        raise CorruptPkcs12Error("the PKCS#12 file is empty")
    if not _looks_like_pkcs12(data):
        raise CorruptPkcs12Error("the file is not a readable PKCS#12 (.p12/.pfx) file: "
                                 "it is damaged, truncated or in another format")
    try:
        key, cert, others = pkcs12.load_key_and_certificates(data, password or None)
    except ValueError as exc:
        raise WrongPasswordError(
            "the password does not open this PKCS#12 file (or the file failed its "
            "integrity check)") from exc
    except Exception as exc:  # unsupported algorithms and the like
        raise CorruptPkcs12Error(f"the PKCS#12 file cannot be read: {exc}") from exc
    if key is None:
        raise CorruptPkcs12Error("the PKCS#12 file holds no private key")
    if cert is None:
        raise CorruptPkcs12Error("the PKCS#12 file holds no certificate for its key")
    key = ensure_private_key(key)
    if cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        raise CorruptPkcs12Error("the certificate in the PKCS#12 file does not match its key")
    return key, cert, order_chain(cert, others)


def order_chain(cert: x509.Certificate, others: Sequence[x509.Certificate]
                ) -> tuple[x509.Certificate, ...]:
    """The other certificates ordered from the issuer of `cert` upwards; strays at the end."""
    remaining = list(others)
    ordered: list[x509.Certificate] = []
    current = cert
    while True:
        nxt = next((c for c in remaining if c.subject == current.issuer), None)
        if nxt is None or nxt == current:
            break
        ordered.append(nxt)
        remaining.remove(nxt)
        current = nxt
        if current.subject == current.issuer:
            break
    return (*ordered, *remaining)
