"""Between documents and edXML: an issued document as a package, a received package as
the fields of an incoming registration, and the status packages the connector sends.

The code lists of DocumentType/Type and Priority are not published with the QCVN
(STANDARDS.md marks them unverified): Type is the document type's place in NĐ 30/2020
Art. 7 (1 = Nghị quyết … as ``documents.rules.DocumentType`` lists them) and TypeName its
name, which is what a receiver reads first; Priority is 0 normal, 1 urgent, 2 top urgent,
3 flash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from egov import edxml
from egov.core.models import Organisation
from egov.documents import rules as doc_rules
from egov.documents.actions import current_files
from egov.documents.models import Document

_TYPES = list(doc_rules.DocumentType)
_URGENCY = ["", *doc_rules.Urgency.values]


def party(org: Organisation) -> edxml.Organisation:
    return edxml.Organisation(organ_id=org.code, organ_name=org.name,
                              organ_add=getattr(org, "address", "") or "",
                              email=org.email or "", telephone=org.phone or "")


def split_symbol(symbol: str) -> tuple[str, str]:
    """``"01/QĐ-BTC"`` → ``("01", "QĐ-BTC")``."""
    number, _sep, notation = symbol.partition("/")
    return number.strip(), notation.strip()


def document_package(document: Document, agency: Organisation,
                     recipients: list[Organisation]) -> edxml.DocumentPackage:
    """The issued ``document`` as an (unsigned) edXML package to ``recipients``, with the
    files of its issued version attached."""
    assert document.issue_date is not None
    number, notation = split_symbol(document.symbol)
    doc_type = doc_rules.DocumentType(document.doc_type)
    attachments = []
    for index, row in enumerate(current_files(document), start=1):
        with row.file.open("rb") as stored:
            data = stored.read()
        attachments.append(edxml.Attachment(
            content_id=f"file{index}", name=row.name, content_type=row.content_type,
            description=row.get_kind_display(), data=data))
    return edxml.DocumentPackage(
        from_=party(agency), to=tuple(party(r) for r in recipients),
        code=edxml.Code(number=number, notation=notation),
        promulgation_info=edxml.PromulgationInfo(place=getattr(agency, "address", "") or "",
                                                 date=document.issue_date),
        document_type=edxml.DocumentType(type=_TYPES.index(doc_type) + 1,
                                         type_name=str(doc_type.label)),
        subject=document.subject,
        signer_info=edxml.SignerInfo(position=document.signer_title,
                                     full_name=document.signer_name),
        due_date=document.reply_by,
        other_info=edxml.OtherInfo(priority=_URGENCY.index(document.urgency or ""),
                                   page_amount=document.pages),
        attachments=tuple(attachments))


def edxml_id(document: Document, agency: Organisation) -> str:
    number, notation = split_symbol(document.symbol)
    assert document.issue_date is not None
    return edxml.document_id(agency.code, document.issue_date, number, notation)


def _doc_type(kind: edxml.DocumentType) -> str:
    """Our document type for a package's DocumentType: by name, else by number, else a
    công văn (the general letter)."""
    for choice in _TYPES:
        if kind.type_name and kind.type_name.strip().casefold() == str(choice.label).casefold():
            return choice.value
    if 1 <= kind.type <= len(_TYPES):
        return _TYPES[kind.type - 1].value
    return doc_rules.DocumentType.OFFICIAL_LETTER.value


@dataclass(frozen=True)
class Registration:
    """What an incoming registration takes from a package."""

    fields: dict[str, Any]
    uploads: list[tuple[str, bytes]]


def registration(package: edxml.DocumentPackage) -> Registration:
    priority = package.other_info.priority if package.other_info else None
    urgency = _URGENCY[priority] if priority is not None and 0 < priority < len(_URGENCY) else ""
    signer = package.signer_info
    fields = {
        "doc_type": _doc_type(package.document_type),
        "subject": package.subject,
        "symbol": f"{package.code.number}/{package.code.notation}",
        "issuer_name": package.from_.organ_name or package.from_.organ_id,
        "issue_date": package.promulgation_info.date,
        "signer_name": signer.full_name if signer else "",
        "signer_title": signer.position if signer else "",
        "urgency": urgency,
        "pages": (package.other_info.page_amount or None) if package.other_info else None,
        "reply_by": package.due_date,
        "external_id": package.document_id,
    }
    return Registration(fields, [(a.name, a.data) for a in package.attachments])


def status_package(*, sender_code: str, edxml_id: str, symbol: str, issue_date: dt.date,
                   agency: Organisation, code: str, description: str, at: dt.datetime,
                   staff: str) -> edxml.StatusPackage:
    number, notation = split_symbol(symbol)
    return edxml.StatusPackage(
        response_for=edxml.ResponseFor(organ_id=sender_code, code=f"{number}/{notation}",
                                       promulgation_date=issue_date, document_id=edxml_id),
        from_=party(agency), status_code=edxml.StatusCode(code), description=description,
        timestamp=timezone.localtime(at),
        staff_info=edxml.StaffInfo(department=agency.name, staff=staff) if staff else None)
