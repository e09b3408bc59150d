"""Private keys encrypted at rest under a master key that the deployment takes from its
environment (the Django half reads it; this module only receives bytes).

Blob layout (version 1)::

    b"EGK1" | master key id (8 bytes) | nonce (12 bytes) | AES-256-GCM(PKCS#8 DER) + tag

The AES key is derived from the master key with HKDF-SHA256, so any master key of at least
32 random bytes works. The header (and an optional caller context, e.g. the certificate's
fingerprint, which binds the key to its certificate record) is authenticated as associated
data. The master key id lets a wrong master key be told apart from damaged data, and helps
key rotation (re-seal every blob whose id is the old one).
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .common import PrivateKey, SigningError, ensure_private_key

MAGIC = b"EGK1"
_ID_LEN = 8
_NONCE_LEN = 12
MIN_MASTER_KEY_LEN = 32


class KeyDecryptionError(SigningError):
    """A sealed private key could not be opened."""


class WrongMasterKeyError(KeyDecryptionError):
    """The blob was sealed under another master key."""


class DamagedKeyBlobError(KeyDecryptionError):
    """The blob is not a sealed key, or was altered."""


def _check_master(master_key: bytes) -> None:
    if not isinstance(master_key, (bytes, bytearray)) or len(master_key) < MIN_MASTER_KEY_LEN:
        raise ValueError(f"the master key must be at least {MIN_MASTER_KEY_LEN} random bytes")


def master_key_id(master_key: bytes) -> bytes:
    """A short public identifier of a master key (not enough to recover it)."""
    _check_master(master_key)
    return hmac.new(bytes(master_key), b"egov master key id", hashlib.sha256).digest()[:_ID_LEN]


def _aead(master_key: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"egov private key at rest v1").derive(bytes(master_key))
    return AESGCM(derived)


def seal_private_key(key: PrivateKey, master_key: bytes, *, context: bytes = b"") -> bytes:
    """Encrypt `key` (as PKCS#8 DER) under `master_key`; returns the blob to store."""
    _check_master(master_key)
    key = ensure_private_key(key)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    header = MAGIC + master_key_id(master_key)
    nonce = os.urandom(_NONCE_LEN)
    return header + nonce + _aead(master_key).encrypt(nonce, der, header + context)


def open_private_key(blob: bytes, master_key: bytes, *, context: bytes = b"") -> PrivateKey:
    """The private key sealed in `blob`.

    Raises WrongMasterKeyError when the blob was sealed under another master key, and
    DamagedKeyBlobError when it is not a sealed key or was altered (or `context` differs).
    """
    _check_master(master_key)
    head_len = len(MAGIC) + _ID_LEN
    if len(blob) < head_len + _NONCE_LEN + 16 or not blob.startswith(MAGIC):
        raise DamagedKeyBlobError("this is not a sealed private key (unknown format)")
    header, nonce = blob[:head_len], blob[head_len:head_len + _NONCE_LEN]
    if not hmac.compare_digest(header[len(MAGIC):], master_key_id(master_key)):
        raise WrongMasterKeyError(
            "the private key was sealed under another master key "
            f"(key id {header[len(MAGIC):].hex()}, this master key is "
            f"{master_key_id(master_key).hex()})")
    try:
        der = _aead(master_key).decrypt(nonce, blob[head_len + _NONCE_LEN:], header + context)
    except InvalidTag as exc:
        raise DamagedKeyBlobError(
            "the sealed private key failed its integrity check: it was altered, or it "
            "belongs to another record") from exc
    # The AEAD tag proves these are the bytes sealed from a key object that cryptography had
    # already accepted, so the RSA consistency check (60-180 ms per key) is skipped.
    return ensure_private_key(serialization.load_der_private_key(
        der, password=None, unsafe_skip_rsa_key_validation=True))
