"""Writing edXML packages (QCVN 102:2016/BTTTT) as UTF-8 XML with lxml.

The root `<edXML>` declares the QCVN namespace as the default; `edXMLEnvelope` declares the
`edXML:` prefix for the same namespace, which the structural elements (edXMLEnvelope,
edXMLHeader, MessageHeader, TraceHeaderList, Status, edXMLBody, edXMLManifest) use, as the
SDK samples do. Field elements are written in the default namespace, and so is
`AttachmentEncoded`, outside the envelope. A signature added afterwards by
`egov.signing.crypto.xml.sign_xml(..., location=edxml_signature_parent)` lands in
`edXML:Signature`, the last child of `edXML:edXMLHeader`.

Optional elements are left out when empty (`""`, `None`, `()`); a block given as an object
(`SignerInfo()`, `OtherInfo()`, ...) is written even when all its fields are empty, so that
it parses back equal. Every package built is checked against the XML Schema before it is
returned: what `build` writes, `parse` accepts.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from lxml import etree

from .model import (
    EDXML_NS,
    XLINK_NS,
    Attachment,
    Bussiness,
    Code,
    DocumentPackage,
    DocumentType,
    EdxmlError,
    InvalidValueError,
    Organisation,
    OtherInfo,
    PromulgationInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusPackage,
    TooLargeError,
    TraceHeader,
    format_date,
    format_timestamp,
)
from .parse import MAX_TEXT_CHARS, validate_tree

_PREFIXED = {"edXML": EDXML_NS}
_DEFAULT = {None: EDXML_NS}

Element = Any  # lxml.etree._Element (lxml ships no type stubs here)


def _q(tag: str) -> str:
    return f"{{{EDXML_NS}}}{tag}"


def _block(parent: Element, tag: str) -> Element:
    """A structural element, spelt `edXML:<tag>`."""
    return etree.SubElement(parent, _q(tag), nsmap=_PREFIXED)


def _field(parent: Element, tag: str, text: str | None = None) -> Element:
    """A field element in the default namespace, with `text` if given."""
    element = etree.SubElement(parent, _q(tag), nsmap=_DEFAULT)
    if text is not None:
        try:
            element.text = text
        except ValueError as exc:  # lxml refuses NUL, control characters, surrogates
            raise InvalidValueError(f"{tag}: {exc} ({text[:40]!r})") from None
    return element


def _optional(parent: Element, tag: str, text: str) -> None:
    if text:
        _field(parent, tag, text)


def _optional_int(parent: Element, tag: str, value: int | None) -> None:
    if value is not None:
        _field(parent, tag, str(int(value)))


def _organisation(parent: Element, tag: str, org: Organisation) -> None:
    element = _field(parent, tag)
    _field(element, "OrganId", org.organ_id)
    _optional(element, "OrganizationInCharge", org.organization_in_charge)
    _optional(element, "OrganName", org.organ_name)
    _optional(element, "OrganAdd", org.organ_add)
    _optional(element, "Email", org.email)
    _optional(element, "Telephone", org.telephone)
    _optional(element, "Fax", org.fax)
    _optional(element, "Website", org.website)


def _code(parent: Element, code: Code) -> None:
    element = _field(parent, "Code")
    _field(element, "CodeNumber", code.number)
    _field(element, "CodeNotation", code.notation)


def _promulgation_info(parent: Element, info: PromulgationInfo) -> None:
    element = _field(parent, "PromulgationInfo")
    _optional(element, "Place", info.place)
    _field(element, "PromulgationDate", format_date(info.date))


def _document_type(parent: Element, doc_type: DocumentType) -> None:
    element = _field(parent, "DocumentType")
    _field(element, "Type", str(int(doc_type.type)))
    _optional_int(element, "TypeDetail", doc_type.type_detail)
    _optional(element, "TypeName", doc_type.type_name)


def _signer_info(parent: Element, info: SignerInfo) -> None:
    element = _field(parent, "SignerInfo")
    _optional(element, "Competence", info.competence)
    _optional(element, "Position", info.position)
    _optional(element, "FullName", info.full_name)


def _list(parent: Element, tag: str, item_tag: str, items: Iterable[str]) -> None:
    element = _field(parent, tag)
    for item in items:
        _field(element, item_tag, item)


def _other_info(parent: Element, info: OtherInfo) -> None:
    element = _field(parent, "OtherInfo")
    _optional_int(element, "Priority", info.priority)
    _optional(element, "SphereOfPromulgation", info.sphere_of_promulgation)
    _optional(element, "TyperNotation", info.typer_notation)
    _optional_int(element, "PromulgationAmount", info.promulgation_amount)
    _optional_int(element, "PageAmount", info.page_amount)
    if info.appendixes:
        _list(element, "Appendixes", "Appendix", info.appendixes)


def _response_for(parent: Element, response: ResponseFor) -> None:
    element = _field(parent, "ResponseFor")
    _field(element, "OrganId", response.organ_id)
    _field(element, "Code", response.code)
    _field(element, "PromulgationDate", format_date(response.promulgation_date))
    _field(element, "DocumentId", response.document_id)


def _staff_info(parent: Element, info: StaffInfo) -> None:
    element = _field(parent, "StaffInfo")
    _optional(element, "Department", info.department)
    _optional(element, "Staff", info.staff)
    _optional(element, "Mobile", info.mobile)
    _optional(element, "Email", info.email)


def _trace_header(parent: Element, trace: TraceHeader) -> None:
    element = _field(parent, "TraceHeader")
    _field(element, "OrganId", trace.organ_id)
    _field(element, "Timestamp", format_timestamp(trace.timestamp))


def _bussiness(parent: Element, bussiness: Bussiness) -> None:
    element = _field(parent, "Bussiness")
    _field(element, "BussinessDocType", str(int(bussiness.doc_type)))
    _optional(element, "BussinessDocReason", bussiness.reason)
    if bussiness.document_info is not None:
        info = bussiness.document_info
        info_element = _field(element, "BussinessDocumentInfo")
        _optional_int(info_element, "DocumentInfo", info.document_info)
        _optional_int(info_element, "DocumentReceiver", info.document_receiver)
        if info.receivers:
            receivers = _field(info_element, "ReceiverList")
            for receiver in info.receivers:
                receiver_element = _field(receivers, "Receiver")
                _optional_int(receiver_element, "ReceiverType", receiver.receiver_type)
                _field(receiver_element, "OrganId", receiver.organ_id)
    _optional(element, "DocumentId", bussiness.document_id)
    if bussiness.staff_info is not None:
        _staff_info(element, bussiness.staff_info)
    _optional_int(element, "Paper", bussiness.paper)
    if bussiness.replacement_info:
        replacements = _field(element, "ReplacementInfoList")
        for replacement in bussiness.replacement_info:
            replacement_element = _field(replacements, "ReplacementInfo")
            _field(replacement_element, "DocumentId", replacement.document_id)
            if replacement.organ_ids:
                _list(replacement_element, "OrganIdList", "OrganId", replacement.organ_ids)


def _message_header(parent: Element, pkg: DocumentPackage) -> None:
    header = _block(parent, "MessageHeader")
    _organisation(header, "From", pkg.from_)                       # 1.1
    for receiver in pkg.to:                                         # 1.2
        _organisation(header, "To", receiver)
    _code(header, pkg.code)                                         # 1.3
    _promulgation_info(header, pkg.promulgation_info)               # 1.4
    _document_type(header, pkg.document_type)                       # 1.5
    _field(header, "Subject", pkg.subject)                          # 1.6
    _optional(header, "Content", pkg.content)                       # 1.7
    if pkg.signer_info is not None:                                 # 1.8
        _signer_info(header, pkg.signer_info)
    if pkg.due_date is not None:                                    # 1.9
        _field(header, "DueDate", format_date(pkg.due_date))
    if pkg.to_places:                                               # 1.10
        _list(header, "ToPlaces", "Place", pkg.to_places)
    if pkg.other_info is not None:                                  # 1.11
        _other_info(header, pkg.other_info)
    for response in pkg.response_for:                               # 1.12
        _response_for(header, response)
    _optional_int(header, "SteeringType", pkg.steering_type)        # 1.13
    _field(header, "DocumentId", pkg.document_id)                   # 1.14


def _encode(attachment: Attachment) -> str:
    encoded = base64.b64encode(attachment.data).decode("ascii")
    if len(encoded) > MAX_TEXT_CHARS:
        raise TooLargeError(
            f"the attachment {attachment.name!r} is too large: {len(attachment.data)} bytes "
            f"encode to {len(encoded)} base64 characters, and the parser accepts at most "
            f"{MAX_TEXT_CHARS} in one element")
    return encoded


def _manifest(parent: Element, attachments: tuple[Attachment, ...]) -> None:
    manifest = _block(parent, "edXMLManifest")
    manifest.set("version", "1.0")
    for attachment in attachments:
        reference = _field(manifest, "Reference")
        reference.set(f"{{{XLINK_NS}}}href", f"cid:{attachment.content_id}")
        _optional(reference, "Description", attachment.description)
        _field(reference, "AttachmentName", attachment.name)
        _field(reference, "ContentType", attachment.content_type)
        _field(reference, "ContentId", attachment.content_id)


def _attachments(root: Element, attachments: tuple[Attachment, ...]) -> None:
    encoded = _field(root, "AttachmentEncoded")
    for attachment in attachments:
        element = _field(encoded, "Attachment")
        _field(element, "ContentType", attachment.content_type)
        _field(element, "ContentId", attachment.content_id)
        _optional(element, "Description", attachment.description)
        _field(element, "ContentTransferEncoded", _encode(attachment))
        _field(element, "AttachmentName", attachment.name)


def _root(with_xlink: bool) -> Element:
    nsmap = {None: EDXML_NS, "xlink": XLINK_NS} if with_xlink else {None: EDXML_NS}
    return etree.Element(_q("edXML"), nsmap=nsmap)


def _finish(root: Element, what: str, pretty: bool) -> bytes:
    try:
        validate_tree(root)
    except EdxmlError as exc:
        raise type(exc)(f"the {what} built is not valid edXML: {exc.message}") from None
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                pretty_print=pretty))


def build_package(pkg: DocumentPackage, *, pretty: bool = True) -> bytes:
    """A document package as UTF-8 XML: edXMLEnvelope (header, manifest) then
    AttachmentEncoded with each attachment in base64.

    Raises `InvalidValueError` for text XML cannot carry (control characters),
    `SchemaInvalidError` for values the schema refuses (an OrganId not in the QCVN form, an
    empty Subject, ...), `TooLargeError` for an attachment too large for the parser.
    """
    root = _root(with_xlink=bool(pkg.attachments))
    envelope = _block(root, "edXMLEnvelope")
    header = _block(envelope, "edXMLHeader")
    _message_header(header, pkg)
    if pkg.trace_headers or pkg.bussiness is not None:
        trace_list = _block(header, "TraceHeaderList")
        for trace in pkg.trace_headers:                             # 2.1
            _trace_header(trace_list, trace)
        if pkg.bussiness is not None:                               # 2.2
            _bussiness(trace_list, pkg.bussiness)
    body = _block(envelope, "edXMLBody")
    _manifest(body, pkg.attachments)
    if pkg.attachments:
        _attachments(root, pkg.attachments)
    return _finish(root, "document package", pretty)


def build_status(st: StatusPackage, *, pretty: bool = True) -> bytes:
    """A status package as UTF-8 XML: edXMLEnvelope/edXMLHeader/Status."""
    root = _root(with_xlink=False)
    envelope = _block(root, "edXMLEnvelope")
    header = _block(envelope, "edXMLHeader")
    status = _block(header, "Status")
    _response_for(status, st.response_for)
    _organisation(status, "From", st.from_)
    _field(status, "StatusCode", st.status_code.value)
    _optional(status, "Description", st.description)
    _field(status, "Timestamp", format_timestamp(st.timestamp))
    if st.staff_info is not None:
        _staff_info(status, st.staff_info)
    return _finish(root, "status package", pretty)
