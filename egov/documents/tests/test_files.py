"""Files of documents: size limit, refused types, content that lies about its type, empty
files, hostile names and hostile archives, nothing left behind when an action fails,
and a content hash that matches what is stored."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.signals import post_save
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from egov.core.models import AuditEntry, Counter
from egov.documents import actions, files
from egov.documents.models import Document, DocumentFile
from egov.identity import tokens

from .conftest import PDF, Agency, register

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def storage(settings: Settings, tmp_path: Path) -> Path:
    """Each test writes its files in a folder of its own, so it can count them."""
    settings.MEDIA_ROOT = str(tmp_path / "files")
    settings.LANGUAGE_CODE = "en"
    return tmp_path / "files"


def stored(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def state() -> tuple[int, int, int, list[tuple[str, int]]]:
    return (Document.objects.count(), DocumentFile.objects.count(),
            AuditEntry.objects.count(),
            sorted(Counter.objects.values_list("series", "value")))


def docx(document_xml: bytes, *, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", document_xml)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


WORD = (b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:body></w:document>")


def zip_without_document() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
    return buffer.getvalue()


def refused(a: Agency, *uploads: Any) -> list[str]:
    with pytest.raises(ValidationError) as err:
        register(a, uploads=list(uploads))
    return err.value.message_dict["files"]


# --- checks before anything is written -----------------------------------------------

def test_size_limit(btc: Agency, settings: Settings, storage: Path) -> None:
    settings.EGOV_MAX_UPLOAD_BYTES = 1024
    before = state()
    [message] = refused(btc, ("to-qua.pdf", PDF + b"x" * 1024))
    assert "to-qua.pdf" in message and "larger than the limit" in message
    # An uploaded file (the form or API path) is refused by its size, unread.
    [message] = refused(btc, SimpleUploadedFile("lon.pdf", PDF + b"x" * 2000))
    assert "lon.pdf" in message
    assert state() == before and stored(storage) == []
    exact = PDF + b"x" * (1024 - len(PDF))
    doc = register(btc, uploads=[("vua-du.pdf", exact)])
    assert doc.files.get().size == 1024


def test_size_limit_through_the_api(btc: Agency, settings: Settings, storage: Path) -> None:
    settings.EGOV_MAX_UPLOAD_BYTES = 2048
    _token, key = tokens.do_create_token(acting_user=btc.clerk, name="máy quét")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    before = state()
    response = client.post("/api/v1/documents/incoming/", {
        "doc_type": "report", "subject": "Báo cáo", "symbol": "1/BC-UBND",
        "issuer_name": "UBND tỉnh Lào Cai", "issue_date": "2026-01-05",
        "files": [SimpleUploadedFile("bao-cao.pdf", PDF + b"0" * 4096)]}, format="multipart")
    assert response.status_code == 400
    assert "larger than the limit" in response.json()["files"][0]
    assert state() == before and stored(storage) == []


@pytest.mark.parametrize("name", ["virus.exe", "trang.html", "anh.svg", "script.js",
                                  "khong-duoi", "bao-cao.pdf.exe", "shell.PHP", ".pdf"])
def test_refused_types(btc: Agency, name: str) -> None:
    [message] = refused(btc, (name, PDF))
    assert "not accepted" in message or "no name" in message


@pytest.mark.parametrize(("name", "content"), [
    ("fake.pdf", b"MZ\x90\x00\x03 this is a Windows program"),
    ("fake.pdf", b"<html><script>alert(1)</script></html>"),
    ("scan.png", PDF),
    ("bao-cao.docx", PDF),
    ("so-lieu.xlsx", b"%PDF-1.7 not a workbook"),
    ("anh.jpg", b"\x89PNG\r\n\x1a\n"),
    ("ghi-chu.txt", "Ghi chú".encode("utf-16")),
])
def test_content_must_match_the_extension(btc: Agency, name: str, content: bytes) -> None:
    [message] = refused(btc, (name, content))
    assert name in message
    assert "does not contain what its name says" in message or "not UTF-8" in message


def test_empty_file_is_refused(btc: Agency) -> None:
    [message] = refused(btc, ("trong.pdf", b""))
    assert "“trong.pdf” is empty" in message
    [message] = refused(btc, SimpleUploadedFile("rong.pdf", b""))
    assert "rong.pdf" in message


def test_every_bad_file_is_named_at_once(btc: Agency, storage: Path) -> None:
    messages = refused(btc, ("tot.pdf", PDF), ("a.exe", b"MZ"), ("b.pdf", b""))
    assert len(messages) == 2
    assert "a.exe" in messages[0] and "b.pdf" in messages[1]
    assert stored(storage) == []


@pytest.mark.parametrize(("name", "safe"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\Windows\\System32\\drivers.pdf", "drivers.pdf"),
    ("/var/lib/egov/secret_key.pdf", "secret_key.pdf"),
    ("bad\x00na\x1bme\n.pdf", "badname.pdf"),
    ('a<b>c:"d"|e?f*.pdf', "abcdef.pdf"),
    ("Công văn số 345.pdf", "Công văn số 345.pdf"),
])
def test_hostile_names_are_stored_under_a_safe_name(btc: Agency, storage: Path, name: str,
                                                    safe: str) -> None:
    doc = register(btc, uploads=[(name, PDF)])
    row = doc.files.get()
    assert row.name == safe
    path = Path(row.file.path).resolve()
    assert path.is_relative_to(storage.resolve() / "documents")
    assert path.name.endswith(safe)
    assert stored(storage) == [path]
    assert not Path("/etc/passwd.pdf").exists()


# --- hostile archives: text extraction gives up safely -------------------------------

def extract(name: str, content: bytes) -> tuple[str, int]:
    """The extracted text and the peak memory used to get it."""
    tracemalloc.start()
    try:
        text = files.extract_text(name, DOCX, io.BytesIO(content))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return text, peak


def test_a_plain_docx_gives_its_text() -> None:
    text, _peak = extract("qd.docx", docx(WORD % "Quyết định giao đất".encode()))
    assert text == "Quyết định giao đất"


def test_a_zip_bomb_member_is_not_expanded() -> None:
    bomb = docx(WORD % (b" " * (40 * 1024 * 1024)))  # 40 MB of blanks: ~40 kB zipped
    assert len(bomb) < 200_000
    text, peak = extract("bom.docx", bomb)
    assert text == ""
    assert peak < 5 * 1024 * 1024  # never inflated


def test_a_member_that_lies_about_its_size_is_not_expanded() -> None:
    data = bytearray(docx(WORD % (b"a" * (30 * 1024 * 1024))))
    # Rewrite the central directory: the 30 MB member now claims 200 bytes.
    start = data.find(b"PK\x01\x02")
    while start != -1:
        name_len = struct.unpack_from("<H", data, start + 28)[0]
        if bytes(data[start + 46:start + 46 + name_len]) == b"word/document.xml":
            struct.pack_into("<I", data, start + 24, 200)
        start = data.find(b"PK\x01\x02", start + 4)
    text, peak = extract("noi-doi.docx", bytes(data))
    assert text == ""
    assert peak < 5 * 1024 * 1024


def test_entities_are_refused_not_expanded() -> None:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "hahahahahaha">'
              + b"".join(b'<!ENTITY %s "&%s;&%s;&%s;&%s;&%s;&%s;&%s;&%s;&%s;&%s;">'
                         % ((bytes([98 + i]),) + (bytes([97 + i]),) * 10) for i in range(9))
              + b"]><w>&j;</w>")
    text, peak = extract("cuoi.docx", docx(laughs))
    assert text == "" and peak < 5 * 1024 * 1024
    external = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b"<w>&x;</w>")
    text, _peak = extract("xxe.docx", docx(external))
    assert text == ""


@pytest.mark.parametrize("content", [
    b"PK\x03\x04 but not really a zip",
    docx(b"<w:document><unclosed>"),
    b"PK\x03\x04" + docx(WORD % b"x")[4:-22],  # the central directory cut off
    zip_without_document(),
])
def test_broken_archives_give_no_text(content: bytes) -> None:
    assert extract("hong.docx", content)[0] == ""


def test_hostile_docx_goes_through_registration_and_extraction(
        btc: Agency, django_capture_on_commit_callbacks: Any) -> None:
    from egov.documents.tasks import extract_file_text

    laughs = docx(b'<!DOCTYPE w [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">]><w>&b;</w>')
    with django_capture_on_commit_callbacks(execute=False):
        doc = register(btc, uploads=[("cuoi.docx", laughs)])
    row = doc.files.get()
    assert row.content_type == DOCX
    assert extract_file_text.call(row.pk) == 0
    row.refresh_from_db()
    assert row.text == ""


# --- nothing left behind ---------------------------------------------------------------

@pytest.fixture
def second_file_fails() -> Iterator[None]:
    """A failure inside the action's transaction, after its files were written: the
    second file row cannot be saved (as when the database refuses it)."""
    seen: list[int] = []

    def boom(sender: Any, instance: DocumentFile, created: bool, **kwargs: Any) -> None:
        seen.append(instance.pk)
        if len(seen) == 2:
            raise RuntimeError("the database refused the row")

    post_save.connect(boom, sender=DocumentFile, dispatch_uid="test-second-file-fails")
    try:
        yield
    finally:
        post_save.disconnect(sender=DocumentFile, dispatch_uid="test-second-file-fails")


def test_files_are_removed_when_registration_fails(btc: Agency, storage: Path,
                                                   second_file_fails: None) -> None:
    before = state()
    with pytest.raises(RuntimeError):
        register(btc, uploads=[("mot.pdf", PDF + b"1"), ("hai.pdf", PDF + b"2")])
    assert stored(storage) == []
    assert state() == before  # no row, no audit entry, no number used


def test_files_are_removed_when_a_new_version_fails(btc: Agency, storage: Path) -> None:
    draft = actions.do_create_draft(acting_user=btc.specialist, doc_type="report",
                                    subject="Báo cáo quý", uploads=[("v1.pdf", PDF)])
    kept = stored(storage)
    assert len(kept) == 1
    before = state()
    seen: list[int] = []

    def boom(sender: Any, instance: DocumentFile, **kwargs: Any) -> None:
        seen.append(1)
        if len(seen) == 2:
            raise RuntimeError("refused")

    post_save.connect(boom, sender=DocumentFile, dispatch_uid="test-version-fails")
    try:
        with pytest.raises(RuntimeError):
            actions.do_update_draft(draft, acting_user=btc.specialist,
                                    uploads=[("v2.pdf", PDF + b"2"), ("phu-luc.pdf", PDF + b"3")],
                                    subject="Báo cáo quý IV")
    finally:
        post_save.disconnect(sender=DocumentFile, dispatch_uid="test-version-fails")
    assert stored(storage) == kept  # the first version stays, the new ones are gone
    assert state() == before
    draft.refresh_from_db()
    assert draft.subject == "Báo cáo quý"


def test_files_are_removed_when_attaching_fails(btc: Agency, storage: Path) -> None:
    doc = register(btc)
    kept = stored(storage)
    before = state()

    def boom(sender: Any, instance: DocumentFile, **kwargs: Any) -> None:
        raise RuntimeError("refused")

    post_save.connect(boom, sender=DocumentFile, dispatch_uid="test-attach-fails")
    try:
        with pytest.raises(RuntimeError):
            actions.do_attach(doc, acting_user=btc.clerk, uploads=[("them.pdf", PDF + b"+")])
    finally:
        post_save.disconnect(sender=DocumentFile, dispatch_uid="test-attach-fails")
    assert stored(storage) == kept and state() == before


# --- what is stored is what was sent -------------------------------------------------

def test_stored_hash_matches_the_content(btc: Agency, storage: Path) -> None:
    content = PDF + os.urandom(4096)
    doc = register(btc, uploads=[("quet.pdf", content)])
    row = doc.files.get()
    assert row.sha256 == hashlib.sha256(content).hexdigest()
    assert row.size == len(content)
    with row.file.open("rb") as handle:
        on_disk = handle.read()
    assert on_disk == content
    assert hashlib.sha256(on_disk).hexdigest() == row.sha256
    # The same content twice is stored twice, under two names, with one hash.
    again = register(btc, uploads=[("quet.pdf", content)], symbol="346/UBND-VP")
    other = again.files.get()
    assert other.sha256 == row.sha256 and other.file.name != row.file.name
    assert len(stored(storage)) == 2
