"""Private keys sealed at rest under a master key."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from egov.signing.crypto.ca import generate_key
from egov.signing.crypto.common import PrivateKey
from egov.signing.crypto.keys import (
    DamagedKeyBlobError,
    KeyDecryptionError,
    WrongMasterKeyError,
    master_key_id,
    open_private_key,
    seal_private_key,
)

MASTER = os.urandom(32)


def _der(key: PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.fixture(scope="module", params=["rsa2048", "ec-p256"])
def key(request: pytest.FixtureRequest) -> PrivateKey:
    return generate_key(request.param)


def test_round_trip(key: PrivateKey) -> None:
    blob = seal_private_key(key, MASTER)
    opened = open_private_key(blob, MASTER)
    assert type(opened) is type(key) or isinstance(opened, (rsa.RSAPrivateKey,
                                                            ec.EllipticCurvePrivateKey))
    assert _der(opened) == _der(key)


def test_blob_holds_no_plain_key_material(key: PrivateKey) -> None:
    blob = seal_private_key(key, MASTER)
    der = _der(key)
    assert der not in blob
    assert der[-32:] not in blob
    assert seal_private_key(key, MASTER) != blob  # fresh nonce every time


def test_wrong_master_key_is_told_apart(key: PrivateKey) -> None:
    blob = seal_private_key(key, MASTER)
    other = os.urandom(32)
    with pytest.raises(WrongMasterKeyError, match="another master key"):
        open_private_key(blob, other)
    assert master_key_id(MASTER) != master_key_id(other)


@pytest.mark.parametrize("position", [20, 30, -1])
def test_altered_blob_is_refused(key: PrivateKey, position: int) -> None:
    blob = bytearray(seal_private_key(key, MASTER))
    blob[position] ^= 0x01
    with pytest.raises(DamagedKeyBlobError, match="integrity"):
        open_private_key(bytes(blob), MASTER)


def test_context_binds_the_key_to_its_record(key: PrivateKey) -> None:
    blob = seal_private_key(key, MASTER, context=b"cert:abc")
    assert _der(open_private_key(blob, MASTER, context=b"cert:abc")) == _der(key)
    with pytest.raises(DamagedKeyBlobError):
        open_private_key(blob, MASTER, context=b"cert:other")


@pytest.mark.parametrize("blob", [b"", b"EGK1", b"PK\x03\x04" + b"\x00" * 64])
def test_garbage_is_not_a_sealed_key(blob: bytes) -> None:
    with pytest.raises(KeyDecryptionError, match="not a sealed private key"):
        open_private_key(blob, MASTER)


def test_short_master_key_is_refused(key: PrivateKey) -> None:
    with pytest.raises(ValueError, match="at least 32"):
        seal_private_key(key, b"too short")
