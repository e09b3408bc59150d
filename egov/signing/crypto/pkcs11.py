"""Keys that never leave a hardware token or HSM, through PKCS#11.

pyHanko's ``PKCS11Signer`` (over python-pkcs11) does the signing; this module only opens the
session and hands the signer to ``pdf.sign_pdf`` or ``cms.sign_detached`` in place of a key.
The certificate and its chain come from the caller (egov keeps them in its database), so a
token only needs the private key, found by its label.

    with token_signer(TokenConfig("/usr/lib/softhsm/libsofthsm2.so", "egov", "1234"),
                      "leader-2026", cert, chain) as signer:
        signed = pdf.sign_pdf(data, signer, cert, chain, field_name="egov-leader")
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from cryptography import x509
from pyhanko.sign import signers

from .common import SigningError, cert_to_asn1


class TokenError(SigningError):
    """The token cannot be opened (library, label or PIN), or holds no such key."""


@dataclass(frozen=True)
class TokenConfig:
    """Where the token is: the PKCS#11 library of its vendor, its label, its user PIN."""

    library: str
    token_label: str
    pin: str


@contextmanager
def token_signer(config: TokenConfig, key_label: str, cert: x509.Certificate,
                 chain: Sequence[x509.Certificate] = ()) -> Iterator[signers.Signer]:
    """A pyHanko signer whose key is the token's key ``key_label``; the session closes on
    exit."""
    from pkcs11 import PKCS11Error
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    try:
        session = open_pkcs11_session(config.library,
                                      token_criteria=TokenCriteria(label=config.token_label),
                                      user_pin=config.pin)
    except (PKCS11Error, OSError, RuntimeError) as exc:
        raise TokenError(f"the PKCS#11 token {config.token_label!r} cannot be opened: "
                         f"{exc.__class__.__name__} {exc}".strip()) from exc
    try:
        yield PKCS11Signer(session, key_label=key_label, signing_cert=cert_to_asn1(cert),
                           ca_chain=[cert_to_asn1(c) for c in chain])
    except PKCS11Error as exc:
        raise TokenError(f"the token could not sign with key {key_label!r}: "
                         f"{exc.__class__.__name__}") from exc
    finally:
        session.close()


def check_key_matches(config: TokenConfig, key_label: str, cert: x509.Certificate) -> None:
    """Sign a probe with the token's key and verify it with the certificate's public key:
    proof that the token holds the key of this certificate."""
    import asyncio

    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from pyhanko.sign.general import SigningError as PyHankoSigningError

    probe = b"egov: does this token hold the key of this certificate?"
    public = cert.public_key()
    with token_signer(config, key_label, cert) as signer:
        try:
            signature = asyncio.run(signer.async_sign_raw(probe, "sha256"))
        except (PyHankoSigningError, KeyError, ValueError) as exc:
            raise TokenError(f"the token has no usable key {key_label!r}: {exc}") from exc
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, probe, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, probe, ec.ECDSA(hashes.SHA256()))
        else:
            raise TokenError("only RSA and ECDSA certificates are supported")
    except InvalidSignature:
        raise TokenError(f"the key {key_label!r} on the token does not match the "
                         "certificate") from None
