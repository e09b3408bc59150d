"""What the signing library needs from the database and the settings: the master key, the
platform CA and timestamping authority, trust anchors, CRLs, a certificate's key.

Keys are opened only for the moment of signing and never leave this module's callers."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from pyhanko.sign.signers import Signer
from pyhanko.sign.timestamps import TimeStamper

from .crypto import keys, pkcs11
from .crypto.ca import CertificateAuthority, IssuedCertificate, KeyAlgorithm, RevokedEntry
from .crypto.common import PrivateKey, cert_pem, certs_pem, load_certificates
from .crypto.pdf import http_timestamper, local_timestamper
from .models import Authority, Certificate

PLATFORM_CA_NAME = "Egov Platform CA (demo, not the national CA)"
PLATFORM_TSA_NAME = "Egov Platform Timestamping Authority (demo)"


def master_key() -> bytes:
    try:
        key = base64.b64decode(settings.EGOV_SIGNING_KEY, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("EGOV_SIGNING_KEY must be base64 of 32 random bytes") from exc
    if len(key) < 32:
        raise ImproperlyConfigured("EGOV_SIGNING_KEY must hold at least 32 random bytes")
    return key


def _context(kind: str, sha256: str) -> bytes:
    # Binds a sealed key to its certificate: a blob moved to another row does not open.
    return f"egov:{kind}:{sha256}".encode()


def seal_key(key: PrivateKey, kind: str, sha256: str) -> bytes:
    return keys.seal_private_key(key, master_key(), context=_context(kind, sha256))


def open_key(blob: bytes | memoryview | None, kind: str, sha256: str) -> PrivateKey:
    if blob is None:
        raise ValueError("no key is stored for this certificate")
    return keys.open_private_key(bytes(blob), master_key(), context=_context(kind, sha256))


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _save_authority(name: str, issued: CertificateAuthority | IssuedCertificate, *,
                    anchor: bool, tsa: bool) -> Authority:
    cert = issued.certificate
    sha = fingerprint(cert)
    return Authority.objects.create(
        name=name, certificate_pem=cert_pem(cert).decode(),
        chain_pem=certs_pem(issued.chain).decode(), is_anchor=anchor, is_timestamping=tsa,
        key_blob=seal_key(issued.key, "authority", sha), sha256=sha)


def platform_authority() -> Authority:
    """The platform's own CA (created on first use): stands in for the national CA in the
    demo and in tests, and issues certificates to officials and agencies."""
    found = Authority.objects.filter(name=PLATFORM_CA_NAME, key_blob__isnull=False).first()
    if found is not None:
        return found
    with transaction.atomic():
        ca = CertificateAuthority.create_root(
            "Egov Platform CA", "Egov demo (not the national CA)", algorithm="rsa3072")
        return _save_authority(PLATFORM_CA_NAME, ca, anchor=True, tsa=False)


def authority_ca(authority: Authority) -> CertificateAuthority:
    """The CA object with its key and every revocation recorded against it."""
    if not authority.key_blob:
        raise ValueError("this authority is a trust anchor only; it cannot issue")
    revoked = {
        int(serial, 16): RevokedEntry(int(serial, 16), at)
        for serial, at in Certificate.objects.filter(
            authority=authority, revoked_at__isnull=False).values_list("serial", "revoked_at")
        if at is not None
    }
    return CertificateAuthority(
        key=open_key(authority.key_blob, "authority", authority.sha256),
        certificate=authority.certificate, chain=authority.chain, revoked=revoked,
        crl_number=authority.crl_number)


def issue(kind: str, *, full_name: str, agency_name: str, agency_code: str,
          title: str | None = None, valid_days: int | None = None) -> IssuedCertificate:
    ca = authority_ca(platform_authority())
    algorithm = cast(KeyAlgorithm, settings.EGOV_SIGNING_KEY_ALGORITHM)
    if kind == Certificate.Kind.SEAL:
        return ca.issue_seal(agency_name, agency_code, algorithm=algorithm,
                             valid_days=valid_days or 1095)
    return ca.issue_personal(full_name, agency_name, agency_code, title=title,
                             algorithm=algorithm, valid_days=valid_days or 730)


def trust_roots() -> list[x509.Certificate]:
    """The anchors: every authority marked as one, and the PEM files of EGOV_TRUST_ANCHORS."""
    roots = [a.certificate for a in Authority.objects.filter(is_anchor=True)]
    for path in settings.EGOV_TRUST_ANCHORS:
        roots.extend(load_certificates(Path(path).read_bytes()))
    return roots


def crls() -> list[bytes]:
    """A fresh CRL from every CA whose key the platform holds."""
    return [authority_ca(a).crl() for a in
            Authority.objects.filter(key_blob__isnull=False, is_timestamping=False)]


def timestamper() -> TimeStamper | None:
    """The RFC 3161 authority of EGOV_SIGNING_TSA: a URL, "local" (the platform's own),
    or nothing."""
    setting = (settings.EGOV_SIGNING_TSA or "").strip()
    if not setting:
        return None
    if setting != "local":
        return http_timestamper(setting)
    found = Authority.objects.filter(name=PLATFORM_TSA_NAME, key_blob__isnull=False).first()
    if found is None:
        with transaction.atomic():
            tsa = authority_ca(platform_authority()).issue_timestamping(
                "Egov Platform Timestamping Authority")
            found = _save_authority(PLATFORM_TSA_NAME, tsa, anchor=False, tsa=True)
    return local_timestamper(IssuedCertificate(
        key=open_key(found.key_blob, "authority", found.sha256),
        certificate=found.certificate, chain=found.chain))


def signing_material(certificate: Certificate
                     ) -> tuple[PrivateKey, x509.Certificate, tuple[x509.Certificate, ...]]:
    """The software key of a certificate, opened for the moment of signing."""
    return (open_key(certificate.key_blob, certificate.kind, certificate.sha256),
            certificate.certificate, certificate.chain)


def token_config() -> pkcs11.TokenConfig:
    if not (settings.EGOV_PKCS11_LIBRARY and settings.EGOV_PKCS11_TOKEN):
        raise pkcs11.TokenError("no PKCS#11 token is configured (EGOV_PKCS11_LIBRARY, "
                                "EGOV_PKCS11_TOKEN, EGOV_PKCS11_PIN)")
    return pkcs11.TokenConfig(settings.EGOV_PKCS11_LIBRARY, settings.EGOV_PKCS11_TOKEN,
                              settings.EGOV_PKCS11_PIN)


@contextmanager
def signer_for(certificate: Certificate) -> Iterator[
        tuple[PrivateKey | Signer, x509.Certificate, tuple[x509.Certificate, ...]]]:
    """What signs for a certificate: its sealed key, or its key on the hardware token."""
    if certificate.token_key_label:
        with pkcs11.token_signer(token_config(), certificate.token_key_label,
                                 certificate.certificate, certificate.chain) as signer:
            yield signer, certificate.certificate, certificate.chain
    else:
        yield signing_material(certificate)
