"""Files of dossiers: checked by the documents part's rules (type by name AND content,
size limit), written through Django's storage, removed again if the action fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.documents import files as document_files

CheckedFile = document_files.CheckedFile

# What a citizen may attach: scans and office documents, nothing that runs.
ALLOWED = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".docx", ".doc", ".odt")


def max_bytes() -> int:
    return int(getattr(settings, "EGOV_SERVICES_MAX_FILE_BYTES", 10 * 1024 * 1024))


def check(upload: Any, field: str) -> CheckedFile:
    """One attachment: a clear message naming the field and the file if it is refused."""
    name = upload[0] if isinstance(upload, tuple) else getattr(upload, "name", "")
    size = len(upload[1]) if isinstance(upload, tuple) else getattr(upload, "size", 0)
    if size and size > max_bytes():
        raise ValidationError({field: [_(
            "“%(name)s” is larger than the limit of %(mb)d MB.") % {
            "name": document_files._safe_name(str(name)), "mb": max_bytes() // (1024 * 1024)}]})
    if not str(name).lower().endswith(ALLOWED):
        raise ValidationError({field: [_(
            "“%(name)s”: files of this type are not accepted. Accepted: %(types)s.") % {
            "name": document_files._safe_name(str(name)), "types": ", ".join(ALLOWED)}]})
    return document_files.check_upload(upload, field)


class Written:
    def __init__(self) -> None:
        self.names: list[str] = []

    def save(self, checked: CheckedFile) -> str:
        now = timezone.now()
        path = f"services/{now:%Y/%m}/{checked.sha256[:16]}-{checked.name}"
        stored = default_storage.save(path, ContentFile(checked.content))
        self.names.append(stored)
        return stored


@contextmanager
def stored_files() -> Iterator[Written]:
    written = Written()
    try:
        yield written
    except BaseException:
        for name in written.names:
            default_storage.delete(name)
        raise
