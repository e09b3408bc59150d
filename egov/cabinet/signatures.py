"""Signed ballot answers: the bytes that are signed, signing with the member's personal
certificate and checking a signature, all through ``egov.signing`` (CMS detached
signatures from ``signing.crypto.cms``; keys and trust from ``signing.store``).

The payload is canonical JSON (sorted keys, no spaces, UTF-8) naming the ballot, the
member, the version, the choice and the comment: a signature over one answer can never be
replayed as another member's, another ballot's or another version's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from egov.core.models import User
from egov.signing import actions as signing
from egov.signing import store
from egov.signing.crypto import cms
from egov.signing.models import Certificate


def payload(*, ballot_id: int, member: User, version: int, choice: str, comment: str) -> bytes:
    data = {"ballot": ballot_id, "member": member.pk, "username": member.get_username(),
            "version": version, "choice": choice, "comment": comment,
            "kind": "egov.cabinet.ballot-answer/1"}
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(member: User, data: bytes) -> tuple[bytes, str]:
    """Sign with the member's personal certificate (a ValidationError says why it cannot):
    the detached CMS signature and the certificate's fingerprint."""
    certificate = signing.personal_certificate(member)
    with store.signer_for(certificate) as (key, cert, chain):
        signature = cms.sign_detached(data, key, cert, chain)
    return signature, certificate.sha256


@dataclass(frozen=True)
class Check:
    ok: bool
    certificate_sha256: str
    problem: str


def member_certificates(members: list[int]) -> dict[int, set[str]]:
    """The fingerprints of each member's personal certificates (one query)."""
    found: dict[int, set[str]] = {m: set() for m in members}
    for user_id, sha in Certificate.objects.filter(
            user_id__in=members, kind=Certificate.Kind.PERSONAL).values_list("user_id", "sha256"):
        found.setdefault(user_id, set()).add(sha)
    return found


def verifier(roots: list[Any] | None = None, crls: list[Any] | None = None
             ) -> cms.DetachedVerifier:
    """One verifier for many answers (a tally): pyHanko's validation contexts for the
    platform's trust roots and CRLs are built once, at this moment, instead of per answer."""
    return cms.DetachedVerifier(store.trust_roots() if roots is None else roots,
                                store.crls() if crls is None else crls)


def check(member: User, data: bytes, signature: bytes, *,
          certificates: set[str] | None = None,
          using: cms.DetachedVerifier | None = None) -> Check:
    """The signature verifies over ``data`` to the platform's trust roots, and its signer
    is one of the member's own personal certificates. ``using``: a verifier shared by the
    answers of one tally (``verifier()``); without it, one is built for this answer."""
    try:
        report = (using or verifier()).verify(data, signature)
    except cms.CmsUnreadableError as exc:
        return Check(False, "", str(exc))
    sha = report.signer.sha256 if report.signer else ""
    if not report.ok:
        problems = "; ".join(report.problems) or str(report.verdict)
        return Check(False, sha, problems)
    if certificates is None:
        certificates = member_certificates([member.pk])[member.pk]
    if sha not in certificates:
        return Check(False, sha, "signed with a certificate that is not the member's")
    return Check(True, sha, "")
