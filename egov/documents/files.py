"""Files of documents: checked, hashed, stored through Django's storage API, text extracted.

A file is written to storage before the row that points at it commits; if the action's
transaction fails, ``stored_files`` removes what it wrote, so nothing is left behind.
Files are never served without a permission check (views go through queries).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from defusedxml import ElementTree
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

# Extension → (content type, magic prefixes the content must start with).
_PK = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _PK),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _PK),
    ".odt": ("application/vnd.oasis.opendocument.text", _PK),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", _PK),
    ".doc": ("application/msword", _OLE),
    ".xls": ("application/vnd.ms-excel", _OLE),
    ".zip": ("application/zip", _PK),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".tif": ("image/tiff", (b"II*\x00", b"MM\x00*")),
    ".tiff": ("image/tiff", (b"II*\x00", b"MM\x00*")),
    ".txt": ("text/plain", (b"",)),
    # Detached CMS signatures (egov.signing), DER or PEM.
    ".p7s": ("application/pkcs7-signature", (b"\x30", b"-----BEGIN")),
}


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content: bytes
    content_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def max_bytes() -> int:
    return int(getattr(settings, "EGOV_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))


def _safe_name(name: str) -> str:
    base = PurePath(name.replace("\\", "/")).name.strip()
    return "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')[:200]


def check_upload(upload: Any, field: str = "files") -> CheckedFile:
    """Read and check one uploaded file: name, size limit, type by extension AND content.

    ``upload`` is a Django UploadedFile/File, or a (name, bytes) pair.
    """
    if isinstance(upload, tuple):
        name, content = upload
    else:
        name = getattr(upload, "name", "") or ""
        size = getattr(upload, "size", None)
        if size is not None and size > max_bytes():
            raise ValidationError({field: [_too_big(name)]})
        upload.seek(0)
        content = upload.read(max_bytes() + 1)
    name = _safe_name(str(name))
    if not name:
        raise ValidationError({field: [_("A file has no name.")]})
    if len(content) > max_bytes():
        raise ValidationError({field: [_too_big(name)]})
    if not content:
        raise ValidationError({field: [_("“%(name)s” is empty.") % {"name": name}]})
    ext = PurePath(name).suffix.lower()
    allowed = ALLOWED.get(ext)
    if allowed is None:
        raise ValidationError({field: [_(
            "“%(name)s”: files of this type are not accepted. Accepted: %(types)s."
        ) % {"name": name, "types": ", ".join(sorted(ALLOWED))}]})
    content_type, magics = allowed
    if not any(content.startswith(m) for m in magics):
        raise ValidationError({field: [_(
            "“%(name)s” does not contain what its name says (%(ext)s): refused."
        ) % {"name": name, "ext": ext}]})
    if ext == ".txt":
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError({field: [_(
                "“%(name)s” is not UTF-8 text.") % {"name": name}]}) from None
    return CheckedFile(name=name, content=content, content_type=content_type,
                       sha256=hashlib.sha256(content).hexdigest())


def _too_big(name: str) -> str:
    return _("“%(name)s” is larger than the limit of %(mb)d MB.") % {
        "name": _safe_name(name), "mb": max_bytes() // (1024 * 1024)}


def check_uploads(uploads: list[Any], field: str = "files") -> list[CheckedFile]:
    checked: list[CheckedFile] = []
    errors: list[str] = []
    for upload in uploads:
        try:
            checked.append(check_upload(upload, field))
        except ValidationError as exc:
            errors.extend(exc.message_dict.get(field, exc.messages))
    if errors:
        raise ValidationError({field: errors})
    return checked


class _Written:
    def __init__(self) -> None:
        self.names: list[str] = []

    def save(self, checked: CheckedFile) -> str:
        now = timezone.now()
        path = f"documents/{now:%Y/%m}/{checked.sha256[:16]}-{checked.name}"
        stored = default_storage.save(path, ContentFile(checked.content))
        self.names.append(stored)
        return stored


@contextmanager
def stored_files() -> Iterator[_Written]:
    """Write files inside an action; remove them again if the action fails."""
    written = _Written()
    try:
        yield written
    except BaseException:
        for name in written.names:
            default_storage.delete(name)
        raise


# --- text extraction -----------------------------------------------------------------

MAX_TEXT = 200_000


def extract_text(name: str, content_type: str, handle: IO[bytes]) -> str:
    """Plain text of a PDF, DOCX/ODT or text file ('' for images and others)."""
    data = handle.read()
    try:
        if content_type == "application/pdf":
            return _pdf_text(data)[:MAX_TEXT]
        if name.lower().endswith(".docx"):
            return _zip_xml_text(data, "word/document.xml")[:MAX_TEXT]
        if name.lower().endswith(".odt"):
            return _zip_xml_text(data, "content.xml")[:MAX_TEXT]
        if content_type == "text/plain":
            return data.decode("utf-8", "replace")[:MAX_TEXT]
    except Exception:  # a file we cannot read has no text; never fail the action
        return ""
    return ""


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts = []
    for page in reader.pages[:500]:
        parts.append(page.extract_text() or "")
    return "\n".join(parts)


MAX_XML = 20 * 1024 * 1024


def _zip_xml_text(data: bytes, member: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
        if info.file_size > MAX_XML:
            return ""
        # Inflate in small steps and stop at the limit: the size in the archive's
        # directory is the sender's word, and ``read()`` would inflate the whole member
        # before looking at it (a few kB can claim 200 bytes and hold gigabytes).
        chunks, total = [], 0
        with archive.open(info) as stream:
            while chunk := stream.read(64 * 1024):
                total += len(chunk)
                if total > MAX_XML:
                    return ""
                chunks.append(chunk)
    root = ElementTree.fromstring(b"".join(chunks), forbid_dtd=True)
    return " ".join(t.strip() for t in root.itertext() if t.strip())
