"""The hub's signatures: its own key (receipts), and the trust it checks senders against.

**The hub's identity.** The hub signs a receipt for every accepted package with its own
key, whose certificate the platform CA issues on first use ("Trục liên thông văn bản quốc
gia", organisation code EGOV_HUB_CODE) and which is kept in ``HubIdentity`` with the key
sealed under EGOV_SIGNING_KEY. Each process opens it once and keeps the signer; a new
identity (a deleted row) is picked up by a restart, or by ``clear_caches()``.

**Receipts.** ``receipt_payload`` is the canonical JSON (sorted keys, no spaces, ASCII) of
``{"accepted_at", "package", "sha256"}``; the receipt is a detached CMS signature over
those bytes (``egov.signing.crypto.cms.sign_detached``), which anyone holding the hub's
certificate verifies with ``cms.verify_detached``.

**Trust.** Senders' signatures are checked against the platform's trust anchors and CRLs
(``egov.signing.store``) and, above all, against the certificates registered for the
sending agency (``HubCertificate``, read on every package, so revoking one on the hub takes
effect at once). Anchors and CRLs cost a query and a fresh CRL signature each, so each
process keeps them for ``TRUST_CACHE_SECONDS``: a revocation recorded against the platform
CA reaches the hub within that time.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from django.conf import settings
from django.db import IntegrityError, transaction

from egov.signing import store
from egov.signing.crypto import cms
from egov.signing.crypto import xml as signing_xml
from egov.signing.crypto.common import SigningError, cert_pem, certs_pem
from egov.signing.crypto.trust import SignatureReport, load_crls

from .models import HubIdentity

HUB_NAME = "Trục liên thông văn bản quốc gia"
TRUST_CACHE_SECONDS = 60.0

_lock = threading.Lock()


@dataclass(frozen=True)
class _HubSigner:
    identity_sha256: str
    key: Any  # the private key, in memory: cms.sign_detached's fast path (0.1 ms, not 10)
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]


_hub_signer: _HubSigner | None = None
_trust: tuple[float, list[x509.Certificate], list[x509.CertificateRevocationList]] | None = None


def clear_caches() -> None:
    """Forget this process's hub signer and trust material (tests; a new identity)."""
    global _hub_signer, _trust
    with _lock:
        _hub_signer = None
        _trust = None


# --- the hub's own identity -----------------------------------------------------------------


def hub_identity() -> HubIdentity:
    """The hub's key and certificate, issued by the platform CA on first use."""
    code = settings.EGOV_HUB_CODE
    found = HubIdentity.objects.filter(code=code).first()
    if found is not None:
        return found
    issued = store.authority_ca(store.platform_authority()).issue_seal(
        HUB_NAME, code, algorithm="ec-p256")
    sha = store.fingerprint(issued.certificate)
    try:
        with transaction.atomic():
            return HubIdentity.objects.create(
                code=code, name=HUB_NAME, certificate_pem=cert_pem(issued.certificate).decode(),
                chain_pem=certs_pem(issued.chain).decode(),
                key_blob=store.seal_key(issued.key, "hub", sha), sha256=sha)
    except IntegrityError:  # another process made it first: use theirs
        return HubIdentity.objects.get(code=code)


def _signer() -> _HubSigner:
    global _hub_signer
    current = _hub_signer
    if current is not None:
        return current
    identity = hub_identity()
    key = store.open_key(identity.key_blob, "hub", identity.sha256)
    current = _HubSigner(identity.sha256, key, identity.certificate, identity.chain)
    with _lock:
        _hub_signer = current
    return current


def hub_certificate() -> x509.Certificate:
    """The certificate that verifies the hub's receipts."""
    return _signer().certificate


def receipt_payload(package_id: int, sha256: str, accepted_at: datetime) -> bytes:
    """The bytes a receipt signs: canonical JSON of the package id, its SHA-256 and the
    acceptance time (UTC, ISO 8601 to the microsecond)."""
    return json.dumps({"accepted_at": format_time(accepted_at), "package": package_id,
                       "sha256": sha256},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def format_time(value: datetime) -> str:
    """A time as the hub writes it in its answers: UTC, ISO 8601, microseconds, "Z"."""
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def sign_receipt(payload: bytes) -> bytes:
    """The hub's detached CMS signature (DER) over a receipt payload."""
    hub = _signer()
    return cms.sign_detached(payload, hub.key, hub.certificate, hub.chain)


# --- trust for senders' signatures ----------------------------------------------------------


def trust_material() -> tuple[list[x509.Certificate], list[x509.CertificateRevocationList]]:
    """The platform's trust anchors and fresh CRLs (parsed), kept per process for a
    minute."""
    global _trust
    now = time.monotonic()
    cached = _trust
    if cached is not None and now - cached[0] < TRUST_CACHE_SECONDS:
        return cached[1], cached[2]
    roots, crls = store.trust_roots(), load_crls(store.crls())
    with _lock:
        _trust = (now, roots, crls)
    return roots, crls


def verify_sender(data: bytes, agency_code: str,
                  certificates: Sequence[x509.Certificate], *, tree: Any = None
                  ) -> SignatureReport | str:
    """The verdict on a package's signature: it must verify, chain to a trusted root, be
    made with one of ``certificates`` (those registered for the agency) and name the
    agency. ``tree`` is the package as ``egov.edxml`` parsed it (not parsed again).
    Returns the report, or a sentence when it could not be checked at all."""
    roots, crls = trust_material()
    try:
        return signing_xml.verify_xml(data, roots, crls, trusted_certs=list(certificates),
                                      expected_agency_code=agency_code, tree=tree)
    except (SigningError, ValueError) as exc:
        return str(exc)
