"""The edXML package as plain values (QCVN 102:2016/BTTTT), and the errors of the library.

Every class is a frozen dataclass of plain Python values (str, int, date, datetime, bytes,
tuples), so a package built into XML and parsed back compares equal to the original.
Attribute names are English; the XML element each one becomes is given in its comment.

Conventions shared with `build` and `parse`:

* an optional text is `""` and an optional number or block is `None`: either way the element
  is left out of the XML, and a missing element parses back as `""` or `None`;
* a repeatable element is a tuple (lists given to the constructors become tuples);
* dates are `datetime.date` (written `yyyy/MM/dd`); timestamps are naive `datetime` in
  Vietnam local time to the second (written `yyyy/MM/dd HH:mm:ss`). An aware datetime is
  converted to Vietnam time (UTC+7) and sub-second digits are dropped, because the format
  carries neither.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import IntEnum, StrEnum
from typing import ClassVar

EDXML_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
XLINK_NS = "http://www.w3.org/1999/xlink"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"

# Vietnam has kept UTC+7 without daylight saving since 1975, so a fixed offset is exact.
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")


# --- errors --------------------------------------------------------------------------------


class EdxmlError(ValueError):
    """Base class of every error the library raises on purpose.

    `code` is machine-readable and stable; the message is for people.
    """

    code: ClassVar[str] = "edxml_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class XmlForbiddenError(EdxmlError):
    """The document uses an XML feature refused for safety (a DTD, entities)."""

    code = "xml_forbidden"


class XmlMalformedError(EdxmlError):
    """The bytes are not well-formed XML."""

    code = "xml_malformed"


class TooLargeError(EdxmlError):
    """The document, or one text in it, is larger than the parser accepts."""

    code = "too_large"


class TooDeepError(EdxmlError):
    """Elements are nested deeper than the parser accepts."""

    code = "too_deep"


class SchemaInvalidError(EdxmlError):
    """Well-formed XML that is not an edXML package (fails the XML Schema or a value rule)."""

    code = "schema_invalid"


class AttachmentInvalidError(EdxmlError):
    """An attachment cannot be decoded, or the manifest and the attachments disagree."""

    code = "attachment_invalid"


class WrongKindError(EdxmlError):
    """A status package where a document package was expected, or the other way round."""

    code = "wrong_kind"


class InvalidValueError(EdxmlError):
    """A value given to the model or the builder cannot be written as edXML."""

    code = "invalid_value"


# --- helpers -------------------------------------------------------------------------------


def format_date(value: date) -> str:
    """`yyyy/MM/dd`, as the SDK samples write dates."""
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"


def format_timestamp(value: datetime) -> str:
    """`yyyy/MM/dd HH:mm:ss`, as the SDK samples write a TraceHeader or Status Timestamp."""
    return f"{format_date(value)} {value.hour:02d}:{value.minute:02d}:{value.second:02d}"


def document_id(organ_id: str, promulgation_date: date, number: str, notation: str) -> str:
    """The edXML DocumentId: `<sender OrganId>,<yyyy/MM/dd>,<number>/<notation>`,
    e.g. `000.00.00.G22,2018/09/20,7816/VPCP-TTĐT`."""
    return f"{organ_id},{format_date(promulgation_date)},{number}/{notation}"


def _timestamp(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidValueError(f"{what} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is not None:
        value = value.astimezone(VIETNAM_TZ).replace(tzinfo=None)
    return value.replace(microsecond=0)


def _date(value: date, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise InvalidValueError(f"{what} must be a date, not {type(value).__name__}")
    return value


def _optional_date(value: date | None, what: str) -> date | None:
    return None if value is None else _date(value, what)


def _count(value: int | None, what: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValueError(f"{what} must be a whole number ≥ 0, not {value!r}")


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


# --- the message header --------------------------------------------------------------------


@dataclass(frozen=True)
class Organisation:
    """From / To (and Status/From): an agency by its QCVN identifier code."""

    organ_id: str                         # OrganId, e.g. 000.00.00.G12
    organization_in_charge: str = ""      # OrganizationInCharge
    organ_name: str = ""                  # OrganName
    organ_add: str = ""                   # OrganAdd (address)
    email: str = ""                       # Email
    telephone: str = ""                   # Telephone
    fax: str = ""                         # Fax
    website: str = ""                     # Website


@dataclass(frozen=True)
class Code:
    """Code: the document's number and notation (`12`, `QĐ-UBND`)."""

    number: str                           # CodeNumber
    notation: str                         # CodeNotation


@dataclass(frozen=True)
class PromulgationInfo:
    """PromulgationInfo: where and when the document was issued."""

    place: str                            # Place
    date: _dt.date                        # PromulgationDate

    def __post_init__(self) -> None:
        _set(self, "date", _date(self.date, "PromulgationDate"))


@dataclass(frozen=True)
class DocumentType:
    """DocumentType (unverified: the code lists of Type and TypeDetail)."""

    type: int                             # Type
    type_detail: int | None = None        # TypeDetail
    type_name: str = ""                   # TypeName

    def __post_init__(self) -> None:
        _count(self.type, "DocumentType/Type")
        _count(self.type_detail, "DocumentType/TypeDetail")


@dataclass(frozen=True)
class SignerInfo:
    """SignerInfo: who signed, and in what capacity."""

    competence: str = ""                  # Competence (e.g. "TM. Ủy ban nhân dân")
    position: str = ""                    # Position
    full_name: str = ""                   # FullName


@dataclass(frozen=True)
class OtherInfo:
    """OtherInfo (unverified: Priority codes; 0 = normal)."""

    priority: int | None = None           # Priority
    sphere_of_promulgation: str = ""      # SphereOfPromulgation
    typer_notation: str = ""              # TyperNotation
    promulgation_amount: int | None = None  # PromulgationAmount
    page_amount: int | None = None        # PageAmount
    appendixes: tuple[str, ...] = ()      # Appendixes/Appendix …

    def __post_init__(self) -> None:
        _count(self.priority, "OtherInfo/Priority")
        _count(self.promulgation_amount, "OtherInfo/PromulgationAmount")
        _count(self.page_amount, "OtherInfo/PageAmount")
        _set(self, "appendixes", tuple(self.appendixes))


@dataclass(frozen=True)
class ResponseFor:
    """ResponseFor: the document a reply or a status answers, cited by its DocumentId."""

    organ_id: str                         # OrganId (of the document's sender)
    code: str                             # Code, written `<number>/<notation>`
    promulgation_date: date               # PromulgationDate
    document_id: str                      # DocumentId

    def __post_init__(self) -> None:
        _set(self, "promulgation_date",
             _date(self.promulgation_date, "ResponseFor/PromulgationDate"))


# --- the trace header list -----------------------------------------------------------------


@dataclass(frozen=True)
class TraceHeader:
    """TraceHeader: an agency the package went through, and when."""

    organ_id: str                         # OrganId
    timestamp: datetime                   # Timestamp

    def __post_init__(self) -> None:
        _set(self, "timestamp", _timestamp(self.timestamp, "TraceHeader/Timestamp"))


@dataclass(frozen=True)
class StaffInfo:
    """StaffInfo: the official who handled the package."""

    department: str = ""                  # Department
    staff: str = ""                       # Staff
    mobile: str = ""                      # Mobile
    email: str = ""                       # Email


@dataclass(frozen=True)
class Receiver:
    """BussinessDocumentInfo/ReceiverList/Receiver (unverified: the element's children)."""

    organ_id: str                         # OrganId
    receiver_type: int | None = None      # ReceiverType

    def __post_init__(self) -> None:
        _count(self.receiver_type, "Receiver/ReceiverType")


@dataclass(frozen=True)
class BussinessDocumentInfo:
    """BussinessDocumentInfo: what an update (BussinessDocType 2) changes."""

    document_info: int | None = None      # DocumentInfo (1: the document's data changed)
    document_receiver: int | None = None  # DocumentReceiver (1: the receivers changed)
    receivers: tuple[Receiver, ...] = ()  # ReceiverList/Receiver …

    def __post_init__(self) -> None:
        _count(self.document_info, "BussinessDocumentInfo/DocumentInfo")
        _count(self.document_receiver, "BussinessDocumentInfo/DocumentReceiver")
        _set(self, "receivers", tuple(self.receivers))


@dataclass(frozen=True)
class ReplacementInfo:
    """ReplacementInfoList/ReplacementInfo: the document replaced, and who received it."""

    document_id: str                      # DocumentId
    organ_ids: tuple[str, ...] = ()       # OrganIdList/OrganId …

    def __post_init__(self) -> None:
        _set(self, "organ_ids", tuple(self.organ_ids))


class BussinessDocType(IntEnum):
    """BussinessDocType values."""

    NEW = 0
    REVOKE = 1       # thu hồi
    UPDATE = 2
    REPLACE = 3


@dataclass(frozen=True, kw_only=True)
class Bussiness:
    """Bussiness (the standard's spelling): why the package is sent."""

    doc_type: int = BussinessDocType.NEW  # BussinessDocType: 0 new, 1 revoke, 2 update, 3 replace
    reason: str = ""                      # BussinessDocReason
    document_info: BussinessDocumentInfo | None = None  # BussinessDocumentInfo
    document_id: str = ""                 # DocumentId
    staff_info: StaffInfo | None = None   # StaffInfo
    paper: int | None = None              # Paper: 0 no paper copy, 1 a paper copy follows
    replacement_info: tuple[ReplacementInfo, ...] = ()  # ReplacementInfoList/ReplacementInfo

    def __post_init__(self) -> None:
        if self.doc_type not in (0, 1, 2, 3) or isinstance(self.doc_type, bool):
            raise InvalidValueError(
                f"BussinessDocType must be 0 (new), 1 (revoke), 2 (update) or 3 (replace), "
                f"not {self.doc_type!r}")
        _set(self, "doc_type", int(self.doc_type))
        if self.paper is not None and (self.paper not in (0, 1) or isinstance(self.paper, bool)):
            raise InvalidValueError(f"Paper must be 0 or 1, not {self.paper!r}")
        _set(self, "replacement_info", tuple(self.replacement_info))


# --- attachments ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    """A file carried base64-encoded in AttachmentEncoded/Attachment and listed in the
    manifest as a Reference to `cid:<content_id>`. An empty `content_id` gets a fresh UUID."""

    content_id: str                       # ContentId
    name: str                             # AttachmentName
    content_type: str = "application/octet-stream"  # ContentType
    description: str = ""                 # Description
    data: bytes = field(default=b"", repr=False)    # ContentTransferEncoded (base64)

    def __post_init__(self) -> None:
        if not self.content_id:
            _set(self, "content_id", str(uuid.uuid4()))
        if not isinstance(self.data, bytes):
            if isinstance(self.data, bytearray | memoryview):
                _set(self, "data", bytes(self.data))
            else:
                raise InvalidValueError(
                    f"attachment data must be bytes, not {type(self.data).__name__}")


# --- packages ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DocumentPackage:
    """A document package: MessageHeader (QCVN clauses 1.1–1.14), TraceHeaderList (2.1, 2.2)
    and the attachments.

    `document_id` defaults to the one `document_id()` composes from the sender, the
    promulgation date and the code. `raw` and `signature` are filled in by the parser (the
    bytes as received, for `verify_xml`, and the ds:Signature element) and take no part in
    comparisons.
    """

    from_: Organisation                   # From
    to: tuple[Organisation, ...]          # To …
    code: Code                            # Code
    promulgation_info: PromulgationInfo  # PromulgationInfo
    document_type: DocumentType           # DocumentType
    subject: str                          # Subject
    content: str = ""                     # Content
    signer_info: SignerInfo | None = None  # SignerInfo
    due_date: date | None = None          # DueDate
    to_places: tuple[str, ...] = ()       # ToPlaces/Place …
    other_info: OtherInfo | None = None   # OtherInfo
    response_for: tuple[ResponseFor, ...] = ()  # ResponseFor …
    steering_type: int | None = None      # SteeringType (unverified codes; 0 default)
    document_id: str = ""                 # DocumentId
    trace_headers: tuple[TraceHeader, ...] = ()  # TraceHeaderList/TraceHeader …
    bussiness: Bussiness | None = None    # TraceHeaderList/Bussiness
    attachments: tuple[Attachment, ...] = ()  # AttachmentEncoded/Attachment …
    raw: bytes = field(default=b"", compare=False, repr=False)
    signature: bytes | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.to, Organisation):
            _set(self, "to", (self.to,))
        for name in ("to", "to_places", "response_for", "trace_headers", "attachments"):
            _set(self, name, tuple(getattr(self, name)))
        _set(self, "due_date", _optional_date(self.due_date, "DueDate"))
        _count(self.steering_type, "SteeringType")
        if not self.document_id:
            _set(self, "document_id", document_id(
                self.from_.organ_id, self.promulgation_info.date, self.code.number,
                self.code.notation))

    @property
    def signed(self) -> bool:
        """Whether the package as parsed carries an XML signature."""
        return self.signature is not None


class StatusCode(StrEnum):
    """StatusCode of a status package (unverified: 13, 15 and 16 come from hub guidance)."""

    ARRIVED = "01"               # đã đến
    REFUSED = "02"               # từ chối tiếp nhận; also: revocation refused
    RECEIVED = "03"              # đã tiếp nhận (registered); also: revocation accepted
    ASSIGNED = "04"              # phân công (assigned by a leader)
    PROCESSING = "05"            # đang xử lý
    COMPLETED = "06"             # hoàn thành
    TAKE_BACK_REQUESTED = "13"   # yêu cầu lấy lại
    TAKE_BACK_ACCEPTED = "15"    # take-back or update accepted
    TAKE_BACK_REFUSED = "16"     # take-back or update refused

    @property
    def meaning(self) -> str:
        return _STATUS_MEANINGS[self]


_STATUS_MEANINGS = {
    StatusCode.ARRIVED: "arrived",
    StatusCode.REFUSED: "refused",
    StatusCode.RECEIVED: "received, registered",
    StatusCode.ASSIGNED: "assigned by a leader",
    StatusCode.PROCESSING: "being processed",
    StatusCode.COMPLETED: "completed",
    StatusCode.TAKE_BACK_REQUESTED: "request to take back",
    StatusCode.TAKE_BACK_ACCEPTED: "take-back or update accepted",
    StatusCode.TAKE_BACK_REFUSED: "take-back or update refused",
}


@dataclass(frozen=True, kw_only=True)
class StatusPackage:
    """A status package: edXMLHeader/Status, telling the sender what became of a document.

    `status_code` accepts a `StatusCode` or its two-digit string. `raw` and `signature` are
    as for `DocumentPackage`.
    """

    response_for: ResponseFor             # ResponseFor
    from_: Organisation                   # From
    status_code: StatusCode               # StatusCode
    description: str = ""                 # Description
    timestamp: datetime                   # Timestamp
    staff_info: StaffInfo | None = None   # StaffInfo
    raw: bytes = field(default=b"", compare=False, repr=False)
    signature: bytes | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        try:
            _set(self, "status_code", StatusCode(self.status_code))
        except ValueError:
            raise InvalidValueError(
                f"unknown StatusCode {self.status_code!r}: use one of "
                f"{', '.join(c.value for c in StatusCode)}") from None
        _set(self, "timestamp", _timestamp(self.timestamp, "Status/Timestamp"))

    @property
    def signed(self) -> bool:
        return self.signature is not None
