"""edXML: the document-exchange package of QCVN 102:2016/BTTTT, as a plain library (no Django).

A package is a frozen dataclass (`DocumentPackage`, `StatusPackage`) of plain values;
`build_package` / `build_status` write it as UTF-8 XML in the QCVN namespace, and
`parse_package` / `parse_status` / `parse_any` read it back through a safe parser (no DTD, no
entities, no network, bounded size and depth) and the XML Schema in `schema/edxml.xsd`.
Failures raise `EdxmlError` subclasses with a machine-readable `.code`.

Signing stays in `egov.signing.crypto.xml`: `sign_xml(build_package(pkg), key, cert, chain,
location=edxml_signature_parent)` puts the signature in `edXML:Signature` inside
`edXML:edXMLHeader`; a parsed package keeps the received bytes in `.raw` (for `verify_xml`)
and the ds:Signature element in `.signature`.

    from egov.edxml import build_package, parse_package
    data = build_package(pkg)
    assert parse_package(data) == pkg
"""

from .build import build_package, build_status
from .model import (
    EDXML_NS,
    Attachment,
    AttachmentInvalidError,
    Bussiness,
    BussinessDocType,
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
    document_id,
    format_date,
    format_timestamp,
)
from .parse import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    PackageKind,
    package_kind,
    parse_any,
    parse_package,
    parse_package_tree,
    parse_status,
    parse_status_tree,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "EDXML_NS",
    "Attachment",
    "AttachmentInvalidError",
    "Bussiness",
    "BussinessDocType",
    "BussinessDocumentInfo",
    "Code",
    "DocumentPackage",
    "DocumentType",
    "EdxmlError",
    "InvalidValueError",
    "Organisation",
    "OtherInfo",
    "PackageKind",
    "PromulgationInfo",
    "Receiver",
    "ReplacementInfo",
    "ResponseFor",
    "SchemaInvalidError",
    "SignerInfo",
    "StaffInfo",
    "StatusCode",
    "StatusPackage",
    "TooDeepError",
    "TooLargeError",
    "TraceHeader",
    "WrongKindError",
    "XmlForbiddenError",
    "XmlMalformedError",
    "build_package",
    "build_status",
    "document_id",
    "format_date",
    "format_timestamp",
    "package_kind",
    "parse_any",
    "parse_package",
    "parse_package_tree",
    "parse_status",
    "parse_status_tree",
]
