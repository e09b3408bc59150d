"""Trust decisions shared by the PDF, CMS and XML verifiers: chain, revocation, one verdict.

Every verifier returns `SignatureReport`s built here, so a signature gets the same verdict
whichever container carries it. Chains are validated by pyhanko-certvalidator against the
trust anchors the caller passes (the national root in production, the demo CA in tests),
revocation only from the CRLs the caller passes: nothing is fetched from the network.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.sign.ades.report import AdESIndeterminate, AdESSubIndic
from pyhanko.sign.validation.generic_cms import validate_cert_usage
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import StandardCMSSignatureStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.path import ValidationPath

from .common import (
    CertificateInfo,
    CertificateNotUsableError,
    cert_from_asn1,
    cert_to_asn1,
    format_vietnam_time,
    now_utc,
)

# A signer's certificate must allow digitalSignature or nonRepudiation (either is enough).
SIGNER_KEY_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)


class Verdict(StrEnum):
    """One word for a signature, most serious problem first when there are several."""

    VALID = "valid"
    MALFORMED = "malformed"          # the signature cannot be read at all
    TAMPERED = "tampered"            # signed bytes changed, or the signature value is wrong
    MODIFIED = "modified"            # PDF: a later unsigned revision changed the content
    REVOKED = "revoked"              # the signer's (or a CA's) certificate is on a CRL
    EXPIRED = "expired"              # outside the certificate's validity period
    NOT_YET_VALID = "not_yet_valid"
    UNTRUSTED = "untrusted"          # no chain to a trust anchor (unknown CA), or not pinned
    INDETERMINATE = "indeterminate"  # other chain or key-usage problems, bad timestamp


class RevocationStatus(StrEnum):
    GOOD = "good"          # a current CRL from the issuer does not list it
    REVOKED = "revoked"
    UNKNOWN = "unknown"    # no current, correctly signed CRL from the issuer was given


@dataclass(frozen=True)
class ChainReport:
    trusted: bool
    path: tuple[CertificateInfo, ...] = ()   # signer first, trust anchor last
    problem: str | None = None

    @property
    def anchor(self) -> CertificateInfo | None:
        return self.path[-1] if self.trusted and self.path else None


@dataclass(frozen=True)
class RevocationReport:
    status: RevocationStatus
    revoked_at: datetime | None = None
    reason: str | None = None
    source: str | None = None    # which CRL answered
    detail: str | None = None
    revoked_ca: str | None = None        # a CA above the signer that a CRL lists
    revoked_ca_at: datetime | None = None


@dataclass(frozen=True)
class SignatureReport:
    """The verdict on one signature, with every fact a person needs to judge it."""

    kind: str                                   # "pdf", "cms" or "xml"
    verdict: Verdict
    intact: bool                                # the digest over the signed data matches
    valid: bool                                 # the signature value verifies with the key
    signer: CertificateInfo | None
    chain: ChainReport
    revocation: RevocationReport
    field_name: str | None = None               # PDF signature field
    signing_time: datetime | None = None        # claimed by the signer (not proof)
    timestamp_time: datetime | None = None      # from an RFC 3161 token, if any
    timestamp_trusted: bool | None = None
    timestamp_authority: str | None = None
    modified_after_signing: bool | None = None  # PDF: revisions were added after it
    modification_level: str | None = None       # PDF: NONE, LTA_UPDATES, FORM_FILLING, ...
    coverage: str | None = None                 # PDF: ENTIRE_FILE or ENTIRE_REVISION
    digest_algorithm: str | None = None
    signature_mechanism: str | None = None
    problems: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.VALID

    @property
    def signer_name(self) -> str | None:
        return self.signer.common_name if self.signer else None

    @property
    def organisation(self) -> str | None:
        return self.signer.organisation if self.signer else None


# --- inputs -------------------------------------------------------------------------------


def load_crls(crls: Iterable[bytes | x509.CertificateRevocationList]
              ) -> list[x509.CertificateRevocationList]:
    out = []
    for item in crls:
        if isinstance(item, x509.CertificateRevocationList):
            out.append(item)
        elif item.lstrip().startswith(b"-----BEGIN"):
            out.append(x509.load_pem_x509_crl(item))
        else:
            out.append(x509.load_der_x509_crl(item))
    return out


def build_validation_context(
    trust_roots: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList] = (),
    other_certs: Iterable[x509.Certificate] = (),
    at: datetime | None = None,
) -> ValidationContext:
    """A certvalidator context that never fetches and only trusts `trust_roots`."""
    return ValidationContext(
        trust_roots=[cert_to_asn1(c) for c in trust_roots],
        other_certs=[cert_to_asn1(c) for c in other_certs],
        crls=[c.public_bytes(Encoding.DER) for c in crls],
        moment=at,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


# --- revocation -----------------------------------------------------------------------------


def _signed_by(child_sig: bytes, tbs: bytes, hash_alg: object, issuer: x509.Certificate) -> bool:
    key = issuer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(child_sig, tbs, padding.PKCS1v15(), hash_alg)  # type: ignore[arg-type]
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(child_sig, tbs, ec.ECDSA(hash_alg))  # type: ignore[arg-type]
        else:
            return False
    except Exception:
        return False
    return True


def find_issuer(cert: x509.Certificate, candidates: Iterable[x509.Certificate]
                ) -> x509.Certificate | None:
    for cand in candidates:
        if cand.subject == cert.issuer and _signed_by(
                cert.signature, cert.tbs_certificate_bytes, cert.signature_hash_algorithm, cand):
            return cand
    return None


def check_revocation(
    cert: x509.Certificate,
    issuer: x509.Certificate | None,
    crls: Sequence[x509.CertificateRevocationList],
    at: datetime | None = None,
) -> RevocationReport:
    """Look the certificate up in the CRLs its issuer signed; no fetching."""
    at = at or now_utc()
    if issuer is None:
        return RevocationReport(RevocationStatus.UNKNOWN,
                                detail="the issuer is unknown, so no CRL can be checked")
    stale: x509.CertificateRevocationList | None = None
    for crl in crls:
        if crl.issuer != cert.issuer or not crl.is_signature_valid(
                issuer.public_key()):  # type: ignore[arg-type]
            continue
        source = (f"CRL of {CertificateInfo.of(issuer).common_name or crl.issuer.rfc4514_string()}"
                  f" issued {format_vietnam_time(crl.last_update_utc)}")
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:
            reason = None
            with contextlib.suppress(x509.ExtensionNotFound):
                reason = entry.extensions.get_extension_for_class(
                    x509.CRLReason).value.reason.value
            return RevocationReport(RevocationStatus.REVOKED, revoked_at=entry.revocation_date_utc,
                                    reason=reason, source=source)
        if crl.next_update_utc is not None and crl.next_update_utc < at:
            stale = crl
            continue
        return RevocationReport(RevocationStatus.GOOD, source=source)
    if stale is not None:
        return RevocationReport(
            RevocationStatus.UNKNOWN,
            detail=f"the issuer's newest CRL given expired at "
                   f"{format_vietnam_time(stale.next_update_utc)}")
    return RevocationReport(RevocationStatus.UNKNOWN,
                            detail="no CRL from the certificate's issuer was given")


def revocation_report(
    cert: x509.Certificate,
    candidates: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
    at: datetime | None = None,
) -> RevocationReport:
    """The signer's status in its issuer's CRL, and the first CA above it that its own
    issuer's CRL lists (certificates without a CRL distribution point included, which
    certvalidator's soft-fail mode would not look up)."""
    report = check_revocation(cert, find_issuer(cert, candidates), crls, at)
    current = find_issuer(cert, candidates)
    for _ in range(8):
        if current is None or current.subject == current.issuer:
            break
        parent = find_issuer(current, candidates)
        ca_report = check_revocation(current, parent, crls, at)
        if ca_report.status is RevocationStatus.REVOKED:
            name = CertificateInfo.of(current).common_name or current.subject.rfc4514_string()
            return replace(report, revoked_ca=name, revoked_ca_at=ca_report.revoked_at)
        current = parent
    return report


# --- chain ------------------------------------------------------------------------------------


_INDIC_TEXT: dict[AdESSubIndic, str] = {
    AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND:
        "no chain to a trusted root: the certificate was issued by an unknown CA",
    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE:
        "the signer's certificate is outside its validity period",
    AdESIndeterminate.REVOKED_NO_POE: "the signer's certificate is revoked",
    AdESIndeterminate.REVOKED_CA_NO_POE: "a CA certificate in the chain is revoked",
    AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE:
        "the certificate may not be used for signatures (key usage or chain constraints)",
    AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE: "the certificate chain is not valid",
    AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE:
        "the signature or certificate uses an algorithm that is no longer allowed",
    AdESIndeterminate.TRY_LATER: "revocation information is missing or out of date",
}


def describe_indication(indic: AdESSubIndic | None) -> str | None:
    if indic is None:
        return None
    return _INDIC_TEXT.get(indic, f"certificate validation failed ({indic})")


def chain_report(path: ValidationPath | None, indic: AdESSubIndic | None) -> ChainReport:
    certs: tuple[CertificateInfo, ...] = ()
    if path is not None:
        certs = tuple(CertificateInfo.of(cert_from_asn1(c))
                      for c in reversed(list(path.iter_certs(include_root=True))))
    trusted = path is not None and indic is None
    return ChainReport(trusted=trusted, path=certs, problem=describe_indication(indic))


CHAIN_CACHE_SECONDS = 60
_CHAIN_CACHE_SIZE = 512
_chain_cache: dict[tuple[object, ...], tuple[ChainReport, AdESSubIndic | None]] = {}


def validate_certificate_chain(
    cert: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    trust_roots: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList] = (),
    at: datetime | None = None,
    key_usage: KeyUsageConstraints = SIGNER_KEY_USAGE,
) -> tuple[ChainReport, AdESSubIndic | None]:
    """Path building and validation with pyHanko's certvalidator (the PDF verifier's logic).

    The answer for the same certificates, roots and CRLs is remembered for up to a minute
    of validation time (`CHAIN_CACHE_SECONDS`): a hub verifies many packages from the same
    senders, and building a validation context dominates the cost of an XML verification.
    Validity periods and revocation are still checked afresh by every verifier.
    """
    moment = at or now_utc()
    fp = hashes.SHA256()
    key = (
        cert.fingerprint(fp),
        tuple(c.fingerprint(fp) for c in intermediates),
        tuple(c.fingerprint(fp) for c in trust_roots),
        tuple(c.fingerprint(fp) for c in crls),
        id(key_usage),
        moment.isoformat() if at is not None and abs(
            (at - now_utc()).total_seconds()) > CHAIN_CACHE_SECONDS
        else int(moment.timestamp() // CHAIN_CACHE_SECONDS),
    )
    cached = _chain_cache.get(key)
    if cached is not None:
        return cached
    result = _validate_chain(cert, intermediates, trust_roots, crls, at, key_usage)
    if len(_chain_cache) >= _CHAIN_CACHE_SIZE:
        _chain_cache.pop(next(iter(_chain_cache)))
    _chain_cache[key] = result
    return result


def _validate_chain(
    cert: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    trust_roots: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
    at: datetime | None,
    key_usage: KeyUsageConstraints,
) -> tuple[ChainReport, AdESSubIndic | None]:
    context = build_validation_context(trust_roots, crls, intermediates, at)
    asn1_cert: asn1_x509.Certificate = cert_to_asn1(cert)

    async def run() -> tuple[ValidationPath | None, AdESSubIndic | None]:
        paths = context.path_builder.async_build_paths_lazy(asn1_cert)
        result = await validate_cert_usage(asn1_cert, context, key_usage, paths)
        return result.success_result or result.error_path, result.error_subindic

    path, indic = asyncio.run(run())
    return chain_report(path, indic), indic


# --- one verdict -------------------------------------------------------------------------------


@dataclass
class VerdictInputs:
    intact: bool
    valid: bool
    signer: x509.Certificate | None
    chain: ChainReport
    indication: AdESSubIndic | None
    revocation: RevocationReport
    at: datetime
    modified: bool = False
    modification_problem: str | None = None
    timestamp_time: datetime | None = None
    timestamp_trusted: bool | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def decide(v: VerdictInputs) -> Verdict:
    """The one-word verdict; fills v.problems with the reasons, most serious first."""
    if not (v.intact and v.valid):
        v.problems.append("the signed data was changed after signing" if not v.intact
                          else "the signature value does not verify with the signer's key")
        return Verdict.TAMPERED
    if v.modified:
        v.problems.append(v.modification_problem
                          or "the document was changed after it was signed")
        return Verdict.MODIFIED
    cert = v.signer
    ts_ok = v.timestamp_time is not None and bool(v.timestamp_trusted)
    if v.revocation.revoked_ca:
        when = (f" on {format_vietnam_time(v.revocation.revoked_ca_at)}"
                if v.revocation.revoked_ca_at else "")
        v.problems.append(f"the CA certificate {v.revocation.revoked_ca} in the chain was "
                          f"revoked{when}")
        return Verdict.REVOKED
    if v.revocation.status is RevocationStatus.REVOKED or v.indication in (
            AdESIndeterminate.REVOKED_NO_POE, AdESIndeterminate.REVOKED_CA_NO_POE):
        revoked_at = v.revocation.revoked_at
        if (ts_ok and revoked_at is not None and v.timestamp_time is not None
                and v.timestamp_time < revoked_at and v.revocation.reason != "keyCompromise"
                and v.chain.trusted):
            v.notes.append(f"the certificate was revoked on {format_vietnam_time(revoked_at)}, "
                           "after the trusted timestamp of this signature")
        else:
            when = f" on {format_vietnam_time(revoked_at)}" if revoked_at else ""
            why = f" ({v.revocation.reason})" if v.revocation.reason else ""
            v.problems.append(
                "a CA certificate in the chain is revoked"
                if v.indication is AdESIndeterminate.REVOKED_CA_NO_POE
                else f"the signer's certificate was revoked{when}{why}")
            return Verdict.REVOKED
    if cert is not None:
        if v.at < cert.not_valid_before_utc:
            v.problems.append("the signer's certificate is not valid before "
                              f"{format_vietnam_time(cert.not_valid_before_utc)}")
            return Verdict.NOT_YET_VALID
        if v.at > cert.not_valid_after_utc:
            if not (ts_ok and v.chain.trusted and v.timestamp_time is not None
                    and cert.not_valid_before_utc <= v.timestamp_time
                    <= cert.not_valid_after_utc):
                v.problems.append("the signer's certificate expired at "
                                  f"{format_vietnam_time(cert.not_valid_after_utc)}")
                return Verdict.EXPIRED
            v.notes.append("the certificate has expired since, but it was valid at the "
                           "trusted timestamp of this signature")
    if not v.chain.trusted:
        v.problems.append(v.chain.problem or "no chain to a trusted root")
        if v.indication in (None, AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND):
            return Verdict.UNTRUSTED
        return Verdict.INDETERMINATE
    if v.timestamp_time is not None and not v.timestamp_trusted:
        v.problems.append("the signature timestamp is not valid or its authority is not trusted")
        return Verdict.INDETERMINATE
    return Verdict.VALID


def check_signing_certificate(
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    trust_roots: Sequence[x509.Certificate],
    crls: Sequence[bytes | x509.CertificateRevocationList] = (),
    at: datetime | None = None,
) -> None:
    """Before signing: raise CertificateNotUsableError saying why `cert` cannot sign now.

    This is what tells a leader that a document cannot be issued electronically (expired,
    revoked, unknown CA, wrong key usage).
    """
    at = at or now_utc()
    crl_list = load_crls(crls)
    report, indic = validate_certificate_chain(cert, chain, trust_roots, crl_list, at)
    v = VerdictInputs(intact=True, valid=True, signer=cert, chain=report, indication=indic,
                      revocation=revocation_report(cert, [*chain, *trust_roots], crl_list, at),
                      at=at)
    verdict = decide(v)
    if verdict is not Verdict.VALID:
        name = CertificateInfo.of(cert).common_name or cert.subject.rfc4514_string()
        raise CertificateNotUsableError(f"the certificate of {name} cannot sign: "
                                        + "; ".join(v.problems))


# --- from a pyHanko CMS status (PDF and detached CMS) -------------------------------------------


def report_from_status(
    kind: str,
    status: StandardCMSSignatureStatus,
    embedded_certs: Sequence[x509.Certificate],
    trust_roots: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
    at: datetime,
    revalidate: Callable[[datetime], StandardCMSSignatureStatus],
    *,
    modified: bool = False,
    modification_problem: str | None = None,
    notes: Sequence[str] = (),
    **extra: Any,
) -> SignatureReport:
    """A SignatureReport from what pyHanko found; `revalidate(t)` validates again at time t."""
    signer_cert = cert_from_asn1(status.signing_cert)
    ts = status.timestamp_validity
    ts_time = ts.timestamp if ts is not None else None
    ts_trusted = bool(ts.intact and ts.valid and ts.trusted) if ts is not None else None
    ts_name = CertificateInfo.of(cert_from_asn1(ts.signing_cert)).common_name if ts else None
    indic: AdESSubIndic | None = status.trust_problem_indic
    chain = chain_report(status.validation_path, indic)
    if (indic in (AdESIndeterminate.OUT_OF_BOUNDS_NO_POE, AdESIndeterminate.REVOKED_NO_POE)
            and ts_time is not None and ts_trusted):
        # Validate again at the time that the trusted timestamp proves (AdES B-T).
        again = revalidate(ts_time)
        if again.trust_problem_indic is None and again.validation_path is not None:
            chain = chain_report(again.validation_path, None)
    revocation = revocation_report(signer_cert, [*embedded_certs, *trust_roots], crls, at)
    v = VerdictInputs(
        intact=status.intact, valid=status.valid, signer=signer_cert, chain=chain,
        indication=None if chain.trusted else indic, revocation=revocation, at=at,
        modified=modified, modification_problem=modification_problem,
        timestamp_time=ts_time, timestamp_trusted=ts_trusted, notes=list(notes))
    verdict = decide(v)
    return SignatureReport(
        kind=kind, verdict=verdict, intact=status.intact, valid=status.valid,
        signer=CertificateInfo.of(signer_cert), chain=chain, revocation=revocation,
        signing_time=status.signer_reported_dt, timestamp_time=ts_time,
        timestamp_trusted=ts_trusted, timestamp_authority=ts_name,
        digest_algorithm=status.md_algorithm,
        signature_mechanism=status.pkcs7_signature_mechanism,
        problems=tuple(v.problems), notes=tuple(v.notes), **extra)


def unreadable_report(kind: str, problem: str, signer: x509.Certificate | None = None,
                      **extra: Any) -> SignatureReport:
    return SignatureReport(
        kind=kind, verdict=Verdict.MALFORMED, intact=False, valid=False,
        signer=CertificateInfo.of(signer) if signer is not None else None,
        chain=ChainReport(trusted=False, problem="not checked"),
        revocation=RevocationReport(RevocationStatus.UNKNOWN, detail="not checked"),
        problems=(problem,), **extra)
