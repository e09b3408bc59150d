"""Reading edXML packages (QCVN 102:2016/BTTTT) safely.

Every input goes through the same gate before any value is read:

1. size: more than `max_bytes` (default 50 MB) is refused unread (`too_large`);
2. no DTD: a document type declaration or an entity declaration is refused (`xml_forbidden`),
   first by a look at the bytes (in UTF-8, UTF-16 and UTF-32), then on the parsed tree;
3. lxml parses with resolve_entities=False, no_network=True, load_dtd=False,
   dtd_validation=False and huge_tree=False, so nothing is fetched or expanded and libxml2's
   limits hold (at most 10,000,000 characters in one text, hence one attachment of about
   7.5 MB; 256 levels) — broken XML is `xml_malformed`;
4. depth: elements nested more than `max_depth` (default 64) levels are refused (`too_deep`);
5. the XML Schema (schema/edxml.xsd, compiled once) and the rules it cannot express (dates
   that exist, the manifest matching the attachments) — `schema_invalid`,
   `attachment_invalid`; attachments are decoded as strict base64 (`attachment_invalid`),
   or checked as strictly without being decoded (`parse_package_tree(attachment_data=False)`).

A signed package parses like any other: the signature is left as it is, the ds:Signature
element is returned in `signature` and the bytes received in `raw`, to be given to
`egov.signing.crypto.xml.verify_xml`.
"""

from __future__ import annotations

import binascii
import re
import threading
from collections.abc import Callable
from datetime import date, datetime
from functools import cache, partial
from importlib import resources
from typing import Any, Literal, TypeVar

from lxml import etree

from .model import (
    DS_NS,
    EDXML_NS,
    XLINK_NS,
    Attachment,
    AttachmentInvalidError,
    Bussiness,
    BussinessDocumentInfo,
    Code,
    DocumentPackage,
    DocumentType,
    EdxmlError,
    InvalidValueError,
    Organisation,
    OtherInfo,
    PromulgationInfo,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SchemaInvalidError,
    SignerInfo,
    StaffInfo,
    StatusCode,
    StatusPackage,
    TooDeepError,
    TooLargeError,
    TraceHeader,
    WrongKindError,
    XmlForbiddenError,
    XmlMalformedError,
)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64
# libxml2's limit on one text node without XML_PARSE_HUGE (XML_MAX_TEXT_LENGTH).
MAX_TEXT_CHARS = 10_000_000

PackageKind = Literal["document", "status"]
T = TypeVar("T")
Element = Any  # lxml.etree._Element (lxml ships no type stubs here)

# "<!DOCTYPE" and "<!ENTITY" as they look in the encodings XML parsers detect by themselves.
_FORBIDDEN_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"))
_DATE_RE = re.compile(r"([0-9]{4})/([0-9]{2})/([0-9]{2})")
_TIMESTAMP_RE = re.compile(r"([0-9]{4})/([0-9]{2})/([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")
_BASE64_WHITESPACE = b" \t\r\n"
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Every forbidden marker, in every encoding above, contains the byte "!". A package rarely
# does (base64 never): one scan for it (memchr, microseconds) spares the ten for the
# markers (milliseconds for an attachment of a few hundred KB).
_MARKER_BYTE = b"!"


# --- the gate ------------------------------------------------------------------------------


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_blank_text=False)


@cache
def _schema() -> etree.XMLSchema:
    source = resources.files(__package__).joinpath("schema/edxml.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(source, parser=_parser()))


_schema_lock = threading.Lock()


def validate_tree(root: Element) -> None:
    """Check a parsed (or built) package against the edXML XML Schema."""
    schema = _schema()
    with _schema_lock:
        if schema.validate(root):
            return
        errors = list(schema.error_log)
    first = errors[0] if errors else None
    where = f" (line {first.line})" if first is not None and first.line else ""
    message = first.message if first is not None else "unknown error"
    more = f"; and {len(errors) - 1} more" if len(errors) > 1 else ""
    raise SchemaInvalidError(f"not a valid edXML package{where}: {message}{more}")


def _check_depth(root: Element, max_depth: int) -> None:
    depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            depth += 1
            if depth > max_depth:
                raise TooDeepError(f"elements are nested more than {max_depth} levels deep")
        else:
            depth -= 1


def _syntax_error(exc: etree.XMLSyntaxError) -> EdxmlError:
    message = str(exc)
    lowered = message.lower()
    if "depth" in lowered:
        return TooDeepError(f"elements are nested too deep for the parser: {message}")
    if "too long" in lowered or "resource limit" in lowered or "huge" in lowered:
        return TooLargeError(f"a text in the document is too large for the parser (at most "
                             f"{MAX_TEXT_CHARS} characters): {message}")
    if "amplification" in lowered or "entity reference loop" in lowered:
        return XmlForbiddenError(f"entity expansion is refused: {message}")
    return XmlMalformedError(f"the document is not well-formed XML: {message}")


def _load(data: bytes, max_bytes: int, max_depth: int) -> Element:
    """The root of `data`, parsed through the size, DTD, well-formedness and depth checks."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"an edXML package is bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise TooLargeError(f"the package is {len(data)} bytes; at most {max_bytes} are "
                            "accepted")
    if _MARKER_BYTE in data and any(marker in data for marker in _FORBIDDEN_MARKERS):
        raise XmlForbiddenError("documents with a DTD or entity declarations (<!DOCTYPE ...>, "
                                "<!ENTITY ...>) are refused")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlForbiddenError("documents with a DTD (<!DOCTYPE ...>) are refused")
    if next(root.iter(etree.Entity), None) is not None:
        raise XmlForbiddenError("documents with entity references are refused")
    _check_depth(root, max_depth)
    return root


def _q(tag: str) -> str:
    return f"{{{EDXML_NS}}}{tag}"


def _header(root: Element) -> Element:
    if root.tag != _q("edXML"):
        raise SchemaInvalidError(f"not an edXML package: the root element is {root.tag}, "
                                 f"not {{{EDXML_NS}}}edXML")
    header = root.find(f"{_q('edXMLEnvelope')}/{_q('edXMLHeader')}")
    if header is None:
        raise SchemaInvalidError("not an edXML package: edXMLEnvelope/edXMLHeader is missing")
    return header


def _kind_of(root: Element) -> PackageKind:
    header = _header(root)
    if header.find(_q("MessageHeader")) is not None:
        return "document"
    if header.find(_q("Status")) is not None:
        return "status"
    raise SchemaInvalidError("not an edXML package: the header has neither MessageHeader "
                             "nor Status")


# --- reading values ------------------------------------------------------------------------


def _child(parent: Element, tag: str) -> Element | None:
    return parent.find(_q(tag))


def _children(parent: Element, tag: str) -> list[Element]:
    return list(parent.iterfind(_q(tag)))


def _string(element: Element) -> str:
    """The XPath string value: all the text inside. An element without children (nor
    comments or processing instructions) holds it all in ``.text``, which lxml gives
    without the copy an XPath string makes (an attachment is megabytes of base64)."""
    if len(element) == 0:
        return element.text or ""
    return str(element.xpath("string()"))


def _text(parent: Element, tag: str) -> str:
    element = _child(parent, tag)
    return "" if element is None else _string(element)


def _int(parent: Element, tag: str) -> int | None:
    element = _child(parent, tag)
    if element is None:
        return None
    try:
        return int(_string(element).strip())
    except ValueError:
        raise SchemaInvalidError(f"{tag}: {_string(element)[:40]!r} is not a number "
                                 "this library accepts") from None


def _required_int(parent: Element, tag: str) -> int:
    value = _int(parent, tag)
    if value is None:
        raise SchemaInvalidError(f"{tag} is missing")
    return value


def _date_of(text: str, what: str) -> date:
    match = _DATE_RE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        year, month, day = (int(group) for group in match.groups())
        return date(year, month, day)
    except ValueError:
        raise SchemaInvalidError(f"{what}: {text!r} is not a date (yyyy/MM/dd)") from None


def _timestamp_of(text: str, what: str) -> datetime:
    match = _TIMESTAMP_RE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        year, month, day, hour, minute, second = (int(group) for group in match.groups())
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise SchemaInvalidError(
            f"{what}: {text!r} is not a timestamp (yyyy/MM/dd HH:mm:ss)") from None


def _organisation(element: Element) -> Organisation:
    return Organisation(
        organ_id=_text(element, "OrganId"),
        organization_in_charge=_text(element, "OrganizationInCharge"),
        organ_name=_text(element, "OrganName"),
        organ_add=_text(element, "OrganAdd"),
        email=_text(element, "Email"),
        telephone=_text(element, "Telephone"),
        fax=_text(element, "Fax"),
        website=_text(element, "Website"),
    )


def _response_for(element: Element) -> ResponseFor:
    return ResponseFor(
        organ_id=_text(element, "OrganId"),
        code=_text(element, "Code"),
        promulgation_date=_date_of(_text(element, "PromulgationDate"),
                                   "ResponseFor/PromulgationDate"),
        document_id=_text(element, "DocumentId"),
    )


def _staff_info(element: Element | None) -> StaffInfo | None:
    if element is None:
        return None
    return StaffInfo(department=_text(element, "Department"), staff=_text(element, "Staff"),
                     mobile=_text(element, "Mobile"), email=_text(element, "Email"))


def _signer_info(element: Element | None) -> SignerInfo | None:
    if element is None:
        return None
    return SignerInfo(competence=_text(element, "Competence"),
                      position=_text(element, "Position"),
                      full_name=_text(element, "FullName"))


def _other_info(element: Element | None) -> OtherInfo | None:
    if element is None:
        return None
    appendixes = _child(element, "Appendixes")
    return OtherInfo(
        priority=_int(element, "Priority"),
        sphere_of_promulgation=_text(element, "SphereOfPromulgation"),
        typer_notation=_text(element, "TyperNotation"),
        promulgation_amount=_int(element, "PromulgationAmount"),
        page_amount=_int(element, "PageAmount"),
        appendixes=() if appendixes is None else tuple(
            _string(a) for a in _children(appendixes, "Appendix")),
    )


def _bussiness(element: Element | None) -> Bussiness | None:
    if element is None:
        return None
    info_element = _child(element, "BussinessDocumentInfo")
    info = None
    if info_element is not None:
        receiver_list = _child(info_element, "ReceiverList")
        info = BussinessDocumentInfo(
            document_info=_int(info_element, "DocumentInfo"),
            document_receiver=_int(info_element, "DocumentReceiver"),
            receivers=() if receiver_list is None else tuple(
                Receiver(organ_id=_text(r, "OrganId"), receiver_type=_int(r, "ReceiverType"))
                for r in _children(receiver_list, "Receiver")),
        )
    replacements = _child(element, "ReplacementInfoList")
    replacement_info: tuple[ReplacementInfo, ...] = ()
    if replacements is not None:
        items = []
        for item in _children(replacements, "ReplacementInfo"):
            organ_list = _child(item, "OrganIdList")
            items.append(ReplacementInfo(
                document_id=_text(item, "DocumentId"),
                organ_ids=() if organ_list is None else tuple(
                    _string(o) for o in _children(organ_list, "OrganId"))))
        replacement_info = tuple(items)
    return Bussiness(
        doc_type=_required_int(element, "BussinessDocType"),
        reason=_text(element, "BussinessDocReason"),
        document_info=info,
        document_id=_text(element, "DocumentId"),
        staff_info=_staff_info(_child(element, "StaffInfo")),
        paper=_int(element, "Paper"),
        replacement_info=replacement_info,
    )


def _base64_bytes(text: str, name: str) -> bytes:
    """The base64 characters of an attachment as bytes, without the line breaks and spaces
    allowed between them. Bytes are searched and cleaned in C, where the text's
    per-character translate of a large attachment was not."""
    try:
        data = text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise AttachmentInvalidError(
            f"the attachment {name!r} is not valid base64: {exc}") from None
    if any(space in data for space in _BASE64_WHITESPACE):
        data = data.translate(None, _BASE64_WHITESPACE)
    return data


def _decode(text: str, name: str) -> bytes:
    """An attachment's bytes: its base64 decoded strictly (anything but the alphabet and
    padding where padding goes is refused)."""
    data = _base64_bytes(text, name)
    try:
        return binascii.a2b_base64(data, strict_mode=True)
    except binascii.Error as exc:
        raise AttachmentInvalidError(
            f"the attachment {name!r} is not valid base64: {exc}") from None


def _check(text: str, name: str) -> None:
    """Refuse exactly what `_decode` refuses, without decoding. Ordinary base64 — a
    multiple of four characters of the alphabet, of which at most the last two are "=" —
    is accepted after one `translate` (0.1 ms for a 200 KB file, decoding took 0.55); any
    other form is left to the strict decoder, which also accepts a few odd ones."""
    data = _base64_bytes(text, name)
    size = len(data)
    padding = 2 if data.endswith(b"==") else 1 if data.endswith(b"=") else 0
    if size % 4 == 0 and not data[:size - padding].translate(None, _BASE64_ALPHABET):
        return
    _decode(text, name)


def _attachments(root: Element, decode: bool = True) -> tuple[Attachment, ...]:
    references = root.findall(f"{_q('edXMLEnvelope')}/{_q('edXMLBody')}/{_q('edXMLManifest')}/"
                              f"{_q('Reference')}")
    encoded = root.findall(f"{_q('AttachmentEncoded')}/{_q('Attachment')}")
    listed: dict[str, Element] = {}
    for reference in references:
        content_id = _text(reference, "ContentId")
        href = reference.get(f"{{{XLINK_NS}}}href")
        if href != f"cid:{content_id}":
            raise AttachmentInvalidError(
                f"the manifest reference to {content_id!r} has xlink:href={href!r}; "
                f"expected 'cid:{content_id}'")
        listed[content_id] = reference
    attachments = []
    for element in encoded:
        name, encoded_data = (_text(element, "AttachmentName"),
                              _text(element, "ContentTransferEncoded"))
        if not decode:
            _check(encoded_data, name)
        attachment = Attachment(
            content_id=_text(element, "ContentId"),
            name=name,
            content_type=_text(element, "ContentType"),
            description=_text(element, "Description"),
            data=_decode(encoded_data, name) if decode else b"",
        )
        reference = listed.pop(attachment.content_id, None)
        if reference is None:
            raise AttachmentInvalidError(f"the attachment {attachment.name!r} "
                                         f"({attachment.content_id}) is not in the manifest")
        for tag, value in (("AttachmentName", attachment.name),
                           ("ContentType", attachment.content_type),
                           ("Description", attachment.description)):
            if _child(reference, tag) is not None and _text(reference, tag) != value:
                raise AttachmentInvalidError(
                    f"the manifest and the attachment {attachment.content_id} disagree on "
                    f"{tag}")
        attachments.append(attachment)
    if listed:
        raise AttachmentInvalidError(
            f"the manifest lists attachments that are not in the package: "
            f"{', '.join(sorted(listed))}")
    return tuple(attachments)


def _signature(header: Element) -> bytes | None:
    for holder_tag in ("Signature", "DigitalSignature"):
        holder = _child(header, holder_tag)
        if holder is not None:
            signature = holder.find(f"{{{DS_NS}}}Signature")
            if signature is not None:
                return bytes(etree.tostring(signature, encoding="UTF-8"))
    return None


def _document(root: Element, raw: bytes, attachment_data: bool = True) -> DocumentPackage:
    header = _header(root)
    message = header.find(_q("MessageHeader"))
    code = _child(message, "Code")
    promulgation = _child(message, "PromulgationInfo")
    doc_type = _child(message, "DocumentType")
    to_places = _child(message, "ToPlaces")
    due_date = _text(message, "DueDate")
    trace_list = _child(header, "TraceHeaderList")
    trace_headers: tuple[TraceHeader, ...] = ()
    bussiness = None
    if trace_list is not None:
        trace_headers = tuple(
            TraceHeader(organ_id=_text(t, "OrganId"),
                        timestamp=_timestamp_of(_text(t, "Timestamp"), "TraceHeader/Timestamp"))
            for t in _children(trace_list, "TraceHeader"))
        bussiness = _bussiness(_child(trace_list, "Bussiness"))
    return DocumentPackage(
        from_=_organisation(_child(message, "From")),
        to=tuple(_organisation(t) for t in _children(message, "To")),
        code=Code(number=_text(code, "CodeNumber"), notation=_text(code, "CodeNotation")),
        promulgation_info=PromulgationInfo(
            place=_text(promulgation, "Place"),
            date=_date_of(_text(promulgation, "PromulgationDate"), "PromulgationDate")),
        document_type=DocumentType(type=_required_int(doc_type, "Type"),
                                   type_detail=_int(doc_type, "TypeDetail"),
                                   type_name=_text(doc_type, "TypeName")),
        subject=_text(message, "Subject"),
        content=_text(message, "Content"),
        signer_info=_signer_info(_child(message, "SignerInfo")),
        due_date=_date_of(due_date, "DueDate") if _child(message, "DueDate") is not None
        else None,
        to_places=() if to_places is None else tuple(
            _string(p) for p in _children(to_places, "Place")),
        other_info=_other_info(_child(message, "OtherInfo")),
        response_for=tuple(_response_for(r) for r in _children(message, "ResponseFor")),
        steering_type=_int(message, "SteeringType"),
        document_id=_text(message, "DocumentId"),
        trace_headers=trace_headers,
        bussiness=bussiness,
        attachments=_attachments(root, attachment_data),
        raw=raw,
        signature=_signature(header),
    )


def _status(root: Element, raw: bytes) -> StatusPackage:
    header = _header(root)
    status = header.find(_q("Status"))
    return StatusPackage(
        response_for=_response_for(_child(status, "ResponseFor")),
        from_=_organisation(_child(status, "From")),
        status_code=StatusCode(_text(status, "StatusCode")),
        description=_text(status, "Description"),
        timestamp=_timestamp_of(_text(status, "Timestamp"), "Status/Timestamp"),
        staff_info=_staff_info(_child(status, "StaffInfo")),
        raw=raw,
        signature=_signature(header),
    )


# --- the public functions ------------------------------------------------------------------


def _checked_root(data: bytes, expected: PackageKind | None, max_bytes: int,
                  max_depth: int) -> tuple[Element, PackageKind]:
    root = _load(data, max_bytes, max_depth)
    validate_tree(root)
    kind = _kind_of(root)
    if expected is not None and kind != expected:
        raise WrongKindError(f"expected a {expected} package, got a {kind} package")
    return root, kind


def _convert(read: Callable[[Element, bytes], T], root: Element, data: bytes) -> T:
    try:
        return read(root, bytes(data))
    except InvalidValueError as exc:
        raise SchemaInvalidError(f"not a valid edXML package: {exc.message}") from None


def parse_package(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_depth: int = DEFAULT_MAX_DEPTH) -> DocumentPackage:
    """A document package from its bytes, checked (see the module docstring).

    Raises an `EdxmlError` subclass, whose `.code` says why: `too_large`, `xml_forbidden`,
    `xml_malformed`, `too_deep`, `schema_invalid`, `attachment_invalid`, `wrong_kind`.
    """
    root, _ = _checked_root(data, "document", max_bytes, max_depth)
    return _convert(_document, root, data)


def parse_package_tree(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
                       max_depth: int = DEFAULT_MAX_DEPTH, attachment_data: bool = True
                       ) -> tuple[DocumentPackage, Element]:
    """`parse_package`, and the root element it read, for a verifier that checks the
    signature on the same tree (`egov.signing.crypto.xml.verify_xml(..., tree=root)`)
    instead of parsing the bytes again. The tree came through every check of the gate.

    ``attachment_data=False``: every attachment's base64 is checked as strictly as it is
    when decoded (the same `attachment_invalid` refusals), but not decoded, and each
    `Attachment.data` is empty — for a reader that keeps the package's bytes and never
    opens its files (the hub)."""
    root, _ = _checked_root(data, "document", max_bytes, max_depth)
    if attachment_data:
        return _convert(_document, root, data), root
    return _convert(partial(_document, attachment_data=False), root, data), root


def parse_status_tree(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
                      max_depth: int = DEFAULT_MAX_DEPTH) -> tuple[StatusPackage, Element]:
    """`parse_status`, and the root element it read (see `parse_package_tree`)."""
    root, _ = _checked_root(data, "status", max_bytes, max_depth)
    return _convert(_status, root, data), root


def parse_status(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 max_depth: int = DEFAULT_MAX_DEPTH) -> StatusPackage:
    """A status package from its bytes, checked like `parse_package`."""
    root, _ = _checked_root(data, "status", max_bytes, max_depth)
    return _convert(_status, root, data)


def parse_any(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
              max_depth: int = DEFAULT_MAX_DEPTH) -> DocumentPackage | StatusPackage:
    """Either kind of package, whichever `data` is, checked like `parse_package`."""
    root, kind = _checked_root(data, None, max_bytes, max_depth)
    if kind == "document":
        return _convert(_document, root, data)
    return _convert(_status, root, data)


def package_kind(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 max_depth: int = DEFAULT_MAX_DEPTH) -> PackageKind:
    """The kind of package, "document" or "status", from its header.

    `data` goes through the safe parse of the gate, but not the schema: use `parse_package`,
    `parse_status` or `parse_any` to read and validate it.
    """
    return _kind_of(_load(data, max_bytes, max_depth))
