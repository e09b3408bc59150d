"""PAdES signatures on PDF documents, with pyHanko.

`sign_pdf` adds one signature as an incremental update, so the leader's signature and then
the agency's seal signature coexist and both verify. A visible stamp carries the text lines
the caller gives (name, position, signing time; or number/symbol, issue date) in a font with
Vietnamese glyphs, optionally over a PNG image (the blue signature or the red seal, NĐ
30/2020 Phụ lục I). An RFC 3161 timestamp is added when a time stamper is given.

`verify_pdf` reports on every signature: intact/valid, signer and organisation, signing time,
timestamp, the chain to a trust anchor, revocation (from the CRLs passed in; nothing is
fetched), and whether the document was changed after that signature.
"""

from __future__ import annotations

import functools
import os
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .ca import IssuedCertificate
from .common import (
    PrivateKey,
    SigningError,
    cert_from_asn1,
    cert_to_asn1,
    check_validity_period,
    ensure_private_key,
    format_vietnam_time,
    key_to_asn1,
    now_utc,
)
from .trust import (
    SIGNER_KEY_USAGE,
    SignatureReport,
    build_validation_context,
    load_crls,
    report_from_status,
    unreadable_report,
)

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
)
SIGNING_TIME_PLACEHOLDER = "{signing_time}"
TIMESTAMP_RESERVE = 16384  # room for an RFC 3161 token with its TSA's certificates


class PdfUnreadableError(SigningError):
    """The bytes are not a PDF that can be read."""


class FontUnavailableError(SigningError):
    """No font with Vietnamese glyphs, or no OpenType support, for a visible stamp."""


@dataclass(frozen=True)
class StampBox:
    """Where a visible signature goes: page (0 = first, -1 = last) and a rectangle in PDF
    points from the bottom-left corner of the page."""

    page: int
    x1: int
    y1: int
    x2: int
    y2: int

    @classmethod
    def of(cls, value: StampBox | Sequence[int]) -> StampBox:
        if isinstance(value, StampBox):
            return value
        page, x1, y1, x2, y2 = (int(v) for v in value)
        return cls(page, x1, y1, x2, y2)


# --- stamp text ---------------------------------------------------------------------------


def signer_stamp_lines(full_name: str, position: str | None = None) -> list[str]:
    """The leader's stamp: name, position and signing time (filled in when signing)."""
    lines = [f"Người ký: {full_name}"]
    if position:
        lines.append(f"Chức vụ: {position}")
    lines.append(f"Thời gian ký: {SIGNING_TIME_PLACEHOLDER}")
    return lines


def seal_stamp_lines(agency_name: str, number_symbol: str | None = None,
                     issue_date: date | None = None) -> list[str]:
    """The agency's seal stamp: agency, number/symbol, issue date and signing time."""
    lines = [f"Cơ quan: {agency_name}"]
    if number_symbol:
        lines.append(f"Số, ký hiệu: {number_symbol}")
    if issue_date:
        lines.append(f"Ngày ban hành: {issue_date:%d/%m/%Y}")
    lines.append(f"Thời gian ký: {SIGNING_TIME_PLACEHOLDER}")
    return lines


def find_font(font_path: str | os.PathLike[str] | None = None) -> str:
    """A TrueType/OpenType font with Vietnamese glyphs: `font_path`, $EGOV_STAMP_FONT, or
    Noto Sans / DejaVu Sans from Debian."""
    candidates = [str(font_path)] if font_path else []
    if os.environ.get("EGOV_STAMP_FONT"):
        candidates.append(os.environ["EGOV_STAMP_FONT"])
    candidates.extend(FONT_CANDIDATES)
    for path in candidates:
        if Path(path).is_file():
            return path
    raise FontUnavailableError(
        "no font with Vietnamese glyphs was found for the signature stamp: install Debian's "
        "fonts-noto-core or fonts-dejavu-core, or set EGOV_STAMP_FONT to a .ttf file")


# What a stamp may need: Latin with every Vietnamese letter (precomposed in Latin Extended
# Additional, Ơ/Ư in Latin Extended-B), combining marks, punctuation, the đồng sign.
STAMP_UNICODES = (*range(0x20, 0x7F), *range(0xA0, 0x250), *range(0x300, 0x324),
                  *range(0x1EA0, 0x1F00), *range(0x2000, 0x2070), *range(0x20A0, 0x20C1),
                  0x2116)


@dataclass(frozen=True)
class _StampFont:
    program: bytes          # the reduced TrueType font
    compressed: bytes       # the same, Flate-compressed, as embedded in every signed file


@functools.lru_cache(maxsize=4)
def _stamp_font(path: str) -> _StampFont:
    """The font cut down once per process to the stamp's repertoire (about 600 glyphs).

    pyHanko would subset the whole font again for every signature with fontTools, which on
    Noto Sans costs ~300 ms a signature. Instead the cut font is embedded as it is (~40 KB
    compressed), tagged as a subset. Layout tables are dropped: stamp text is normalised to
    NFC, so every Vietnamese letter is one precomposed glyph and needs no mark positioning.
    """
    from fontTools import subset, ttLib

    options = subset.Options()
    options.notdef_outline = True
    options.drop_tables = [*options.drop_tables, "DSIG", "GSUB", "GPOS", "GDEF"]
    options.hinting = False
    font = ttLib.TTFont(path)
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=STAMP_UNICODES)
    subsetter.subset(font)
    out = BytesIO()
    font.save(out)
    program = out.getvalue()
    return _StampFont(program, zlib.compress(program, 6))


@functools.lru_cache(maxsize=8)
def _font_factory(path: str, size: int) -> Any:
    try:
        from pyhanko.pdf_utils.font.api import FontEngineFactory
        from pyhanko.pdf_utils.font.opentype import CIDFontType2, GlyphAccumulator
    except ImportError as exc:  # uharfbuzz / fontTools missing
        raise FontUnavailableError(
            "visible signatures need pyHanko's OpenType support: install 'pyHanko[opentype]' "
            "(uharfbuzz and fontTools)") from exc
    font = _stamp_font(path)

    class PrecutCIDFont(CIDFontType2):
        def set_font_file(self, writer: Any) -> Any:
            stream = generic.StreamObject(
                dict_data={pdf_name("/Filter"): pdf_name("/FlateDecode"),
                           pdf_name("/Length1"): generic.NumberObject(len(font.program))},
                encoded_data=font.compressed)
            ref = writer.add_object(stream)
            self._font_descriptor[pdf_name("/FontFile2")] = ref
            return ref

    class PrecutAccumulator(GlyphAccumulator):
        def __init__(self, writer: Any, obj_stream: Any) -> None:
            super().__init__(writer=writer, font_handle=BytesIO(font.program), font_size=size,
                             obj_stream=obj_stream)
            self.cidfont_obj = PrecutCIDFont(self.tt, self.cidfont_obj.name.split("+", 1)[1],
                                             self.subset_prefix)

        def _extract_subset(self, options: Any = None) -> None:
            """Already cut: embed the font program as it is."""

    class PrecutFontFactory(FontEngineFactory):
        def create_font_engine(self, writer: Any, obj_stream: Any = None) -> Any:
            if obj_stream is None and writer.stream_xrefs:
                obj_stream = writer.prepare_object_stream()
            return PrecutAccumulator(writer, obj_stream)

    return PrecutFontFactory()


@functools.lru_cache(maxsize=8)
def _image_content(png: bytes) -> object:
    from PIL import Image
    from pyhanko.pdf_utils.images import PdfImage

    image = Image.open(BytesIO(png))
    image.load()
    return PdfImage(image)


def _stamp_style(font_path: str, font_size: int, image_png: bytes | None) -> TextStampStyle:
    style = TextBoxStyle(font=_font_factory(font_path, font_size),
                         font_size=font_size, leading=int(font_size * 1.3))
    kwargs: dict[str, object] = {}
    if image_png:
        kwargs.update(background=_image_content(image_png), background_opacity=1.0)
    return TextStampStyle(stamp_text="%(egov_text)s", text_box_style=style, border_width=1,
                          **kwargs)  # type: ignore[arg-type]


# --- signing ------------------------------------------------------------------------------


class _KeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner, keeping the parsed key instead of re-reading it per signature."""

    def __init__(self, key: PrivateKey, cert: x509.Certificate,
                 chain: Sequence[x509.Certificate]) -> None:
        super().__init__(
            signing_cert=cert_to_asn1(cert), signing_key=key_to_asn1(key),
            cert_registry=SimpleCertificateStore.from_certs([cert_to_asn1(c) for c in chain]))
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        name = mechanism["algorithm"].native
        hash_alg = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(),
                    "sha512": hashes.SHA512()}.get(digest_algorithm.lower())
        is_pkcs1 = name == "rsassa_pkcs1v15" or name.endswith("_rsa")
        if hash_alg is not None and is_pkcs1 and isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), hash_alg)
        if hash_alg is not None and "ecdsa" in name and isinstance(
                self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(hash_alg))
        return super().sign_raw(data, digest_algorithm)


def make_signer(key: PrivateKey | signers.Signer, cert: x509.Certificate,
                chain: Sequence[x509.Certificate] = ()) -> signers.Signer:
    """A pyHanko signer over a key held in memory (for PDF and CMS signatures). A pyHanko
    signer given instead of a key (a PKCS#11 token's, see pkcs11.py) is used as it is."""
    if isinstance(key, signers.Signer):
        return key
    return _KeySigner(ensure_private_key(key), cert, chain)


def local_timestamper(tsa: IssuedCertificate, fixed_time: datetime | None = None
                      ) -> TimeStamper:
    """An in-process RFC 3161 authority (pyHanko's DummyTimeStamper) with a TSA certificate
    from the demo CA: real tokens, for tests and the demo.

    It re-reads its RSA key for every token, and cryptography's RSA key check makes that
    ~60 ms (RSA 2048): fine for tests and the demo; production uses `http_timestamper`."""
    return DummyTimeStamper(
        tsa_cert=cert_to_asn1(tsa.certificate), tsa_key=key_to_asn1(tsa.key),
        certs_to_embed=SimpleCertificateStore.from_certs(
            [cert_to_asn1(c) for c in tsa.chain]),
        fixed_dt=fixed_time)


def http_timestamper(url: str, timeout: int = 10) -> TimeStamper:
    """An RFC 3161 authority over HTTP (the production configuration)."""
    from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=timeout)


def _existing_field(writer: IncrementalPdfFileWriter, name: str) -> bool | None:
    """None if there is no such field; otherwise whether it is already signed."""
    for field_name, value, _ref in fields.enumerate_sig_fields(writer):
        if field_name == name:
            return value is not None
    return None


def sign_pdf(
    pdf_bytes: bytes,
    key: PrivateKey | signers.Signer,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    *,
    field_name: str,
    box: StampBox | Sequence[int] | None = None,
    stamp_lines: Sequence[str] = (),
    image_png: bytes | None = None,
    timestamper: TimeStamper | None = None,
    reason: str | None = None,
    location: str | None = None,
    font_path: str | None = None,
    font_size: int = 8,
    check_validity: bool = True,
) -> bytes:
    """Sign `pdf_bytes` (PAdES baseline B, or B-T with a timestamper); returns the new file.

    The signature is appended as an incremental update, so earlier signatures stay valid.
    `box` = (page, x1, y1, x2, y2) makes the signature visible with `stamp_lines`, in which
    "{signing_time}" becomes the signing time as hh:mm:ss dd/mm/yyyy +07:00. Without `box`
    the signature is invisible. With `check_validity` (the default) an expired or not yet
    valid certificate refuses to sign (CertificateNotUsableError).
    """
    if not isinstance(key, signers.Signer):
        key = ensure_private_key(key)
    if check_validity:
        check_validity_period(cert)
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    except (PdfError, ValueError, KeyError, IndexError) as exc:
        raise PdfUnreadableError(f"the file is not a readable PDF: {exc}") from exc
    existing = _existing_field(writer, field_name)
    if existing:
        raise SigningError(f"the signature field {field_name!r} is already signed")

    new_field = None
    stamp_style = None
    signing_time = now_utc()
    text = unicodedata.normalize("NFC", "\n".join(
        line.replace(SIGNING_TIME_PLACEHOLDER, format_vietnam_time(signing_time))
        for line in stamp_lines))
    if box is not None:
        b = StampBox.of(box)
        if existing is None:
            new_field = fields.SigFieldSpec(sig_field_name=field_name, on_page=b.page,
                                            box=(b.x1, b.y1, b.x2, b.y2))
        stamp_style = _stamp_style(find_font(font_path), font_size, image_png)
    elif existing is None:
        new_field = fields.SigFieldSpec(sig_field_name=field_name)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason, location=location,
        signer_key_usage={"digital_signature", "non_repudiation"},
    )
    pdf_signer = signers.PdfSigner(meta, make_signer(key, cert, chain),
                                   timestamper=timestamper, stamp_style=stamp_style,
                                   new_field_spec=new_field)
    # Reserving the space ourselves spares pyHanko a dry-run signature (and a dry-run
    # timestamp request) made only to measure the size of the CMS object.
    # The reservation counts hex digits: two per byte of the CMS object.
    reserved = 2 * (3072 + sum(len(c.public_bytes(Encoding.DER)) for c in (cert, *chain))
                    + (TIMESTAMP_RESERVE if timestamper is not None else 0))
    out = BytesIO()
    try:
        pdf_signer.sign_pdf(writer, output=out, bytes_reserved=reserved,
                            appearance_text_params={"egov_text": text} if box else None)
    except PyHankoSigningError as exc:
        raise SigningError(f"the PDF could not be signed: {exc}") from exc
    return out.getvalue()


# --- verification -----------------------------------------------------------------------------


_MODIFICATION_TEXT = {
    ModificationLevel.LTA_UPDATES: "only validation data was added after this signature",
    ModificationLevel.FORM_FILLING: "only signatures or form fields were added after this "
                                    "signature",
    ModificationLevel.ANNOTATIONS: "annotations were added after this signature",
}


def _validate(emb: EmbeddedPdfSignature, trust_roots: Sequence[x509.Certificate],
              ts_roots: Sequence[x509.Certificate],
              crls: Sequence[x509.CertificateRevocationList], at: datetime | None,
              skip_diff: bool = False) -> PdfSignatureStatus:
    return validate_pdf_signature(
        emb,
        signer_validation_context=build_validation_context(trust_roots, crls, at=at),
        ts_validation_context=build_validation_context(ts_roots, crls, at=at),
        key_usage_settings=SIGNER_KEY_USAGE,
        skip_diff=skip_diff,
    )


def _report(emb: EmbeddedPdfSignature, trust_roots: Sequence[x509.Certificate],
            ts_roots: Sequence[x509.Certificate],
            crls: Sequence[x509.CertificateRevocationList], at: datetime) -> SignatureReport:
    try:
        status = _validate(emb, trust_roots, ts_roots, crls, at)
    except (SignatureValidationError, PdfError, ValueError, KeyError) as exc:
        return unreadable_report("pdf", f"the signature cannot be read: {exc}",
                                 cert_from_asn1(emb.signer_cert), field_name=emb.field_name)
    level = status.modification_level
    coverage = status.coverage
    extended = coverage is not SignatureCoverageLevel.ENTIRE_FILE
    bad_change = (coverage is None or coverage < SignatureCoverageLevel.ENTIRE_REVISION
                  or level is None or level is ModificationLevel.OTHER
                  or status.docmdp_ok is False)
    notes = []
    if extended and not bad_change and level is not None and level in _MODIFICATION_TEXT:
        notes.append(_MODIFICATION_TEXT[level])
    return report_from_status(
        "pdf", status, [cert_from_asn1(c) for c in emb.other_embedded_certs], trust_roots,
        crls, at, lambda t: _validate(emb, trust_roots, ts_roots, crls, t, skip_diff=True),
        modified=bad_change,
        modification_problem=("the document was changed after this signature by a revision "
                              "that is not a signature or form filling"),
        notes=notes, field_name=emb.field_name, modified_after_signing=extended,
        modification_level=level.name if level is not None else None,
        coverage=coverage.name if coverage is not None else None)


def verify_pdf(
    pdf_bytes: bytes,
    trust_roots: Sequence[x509.Certificate],
    crls: Sequence[bytes | x509.CertificateRevocationList] = (),
    *,
    timestamp_roots: Sequence[x509.Certificate] | None = None,
    at: datetime | None = None,
) -> list[SignatureReport]:
    """One report per signature in the file, in signing order (empty if unsigned).

    `trust_roots` are the anchors for signers (and for timestamps unless `timestamp_roots`
    is given); `crls` are DER or PEM CRLs; `at` is the validation time (default now).
    """
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
        embedded = list(reader.embedded_regular_signatures)
    except (PdfError, ValueError, KeyError, IndexError) as exc:
        raise PdfUnreadableError(f"the file is not a readable PDF: {exc}") from exc
    crl_list = load_crls(crls)
    when = at or now_utc()
    ts_roots = list(timestamp_roots) if timestamp_roots is not None else list(trust_roots)
    return [_report(emb, trust_roots, ts_roots, crl_list, when) for emb in embedded]


def signature_field_names(pdf_bytes: bytes) -> list[str]:
    """Names of the signature fields in the file, signed or not."""
    reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
    return [name for name, _value, _ref in fields.enumerate_sig_fields(reader)]


__all__ = [
    "FontUnavailableError",
    "PdfUnreadableError",
    "StampBox",
    "find_font",
    "http_timestamper",
    "local_timestamper",
    "make_signer",
    "seal_stamp_lines",
    "sign_pdf",
    "signature_field_names",
    "signer_stamp_lines",
    "verify_pdf",
]
