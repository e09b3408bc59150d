"""Verify files against the platform's trust store and keep the verdict with stored files.

Every verdict is the crypto library's (``crypto.trust.decide``); this module chooses the
verifier by the file's content, turns reports into JSON-able dicts for the database and the
API, and records them on ``DocumentFile``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from egov.documents.models import DocumentFile

from . import store
from .crypto import cms, pdf, xml
from .crypto.common import SigningError
from .crypto.trust import SignatureReport

Status = DocumentFile.SignatureStatus
SIGNATURE_SUFFIXES = (".p7s", ".p7m", ".sig")


@dataclass
class Outcome:
    """The verdict on one file: a status and one report per signature."""

    status: str
    reports: list[dict[str, Any]] = field(default_factory=list)
    problem: str = ""


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def report_dict(report: SignatureReport) -> dict[str, Any]:
    """A report as JSON: every fact of the dataclass, plus ``ok``."""
    data = _plain(dataclasses.asdict(report))
    data["ok"] = report.ok
    return data


def _outcome(reports: list[SignatureReport]) -> Outcome:
    if not reports:
        return Outcome(Status.UNSIGNED)
    status = Status.VALID if all(r.ok for r in reports) else Status.INVALID
    return Outcome(status, [report_dict(r) for r in reports])


def looks_like_pdf(name: str, content: bytes) -> bool:
    return content[:1024].lstrip().startswith(b"%PDF-") or name.lower().endswith(".pdf")


def looks_like_xml(name: str, content: bytes) -> bool:
    head = content[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return name.lower().endswith(".xml") or head.startswith(b"<")


def verify_content(name: str, content: bytes, signature: bytes | None = None) -> Outcome:
    """Verify a file: a PDF's embedded signatures, an XML document's enveloped signature,
    or, given ``signature``, a detached CMS signature over the file."""
    roots = store.trust_roots()
    crls = store.crls()
    try:
        if signature is not None:
            return _outcome([cms.verify_detached(content, signature, roots, crls)])
        if looks_like_pdf(name, content):
            return _outcome(pdf.verify_pdf(content, roots, crls))
        if looks_like_xml(name, content):
            root = xml.parse_xml(content)
            if not root.xpath("//ds:Signature", namespaces={"ds": xml.DS_NS}):
                return Outcome(Status.UNSIGNED)
            return _outcome([xml.verify_xml(content, roots, crls)])
    except SigningError as exc:
        return Outcome(Status.UNREADABLE, problem=str(exc))
    return Outcome(Status.UNSIGNED)


def _detached_signature(row: DocumentFile) -> bytes | None:
    """The detached signature stored beside a file that is not a PDF (``name.p7s``)."""
    names = [row.name + suffix for suffix in SIGNATURE_SUFFIXES]
    sig = (DocumentFile.objects.filter(document_id=row.document_id, name__in=names)
           .order_by("-id").first())
    if sig is None:
        return None
    with sig.file.open("rb") as handle:
        return handle.read()


def verify_stored(row: DocumentFile) -> Outcome:
    if row.name.lower().endswith(SIGNATURE_SUFFIXES):
        return Outcome(Status.UNSIGNED)  # a signature file itself; its data file carries it
    with row.file.open("rb") as handle:
        content = handle.read()
    signature = None if looks_like_pdf(row.name, content) else _detached_signature(row)
    return verify_content(row.name, content, signature)


def record(row: DocumentFile) -> Outcome:
    """Verify a stored file and keep the verdict on it (and on its internal copies, which
    share the bytes)."""
    outcome = verify_stored(row)
    reports = outcome.reports or ([{"problem": outcome.problem}] if outcome.problem else [])
    with transaction.atomic():
        DocumentFile.objects.filter(sha256=row.sha256, file=row.file.name).update(
            signature_status=outcome.status, signature_report=reports,
            signature_checked_at=timezone.now())
    row.signature_status = outcome.status
    row.signature_report = reports
    return outcome
