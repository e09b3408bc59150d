"""Background work of documents."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task


@task()
def extract_file_text(file_id: int) -> int:
    """Extract a stored file's text and refold its document's search text."""
    from . import files
    from .actions import refresh_search_text
    from .models import Document, DocumentFile

    row = DocumentFile.objects.filter(pk=file_id).first()
    if row is None:
        return 0
    with row.file.open("rb") as handle:
        text = files.extract_text(row.name, row.content_type, handle)
    with transaction.atomic():
        DocumentFile.objects.filter(sha256=row.sha256, text="").update(text=text)
        document = Document.objects.select_for_update().get(pk=row.document_id)
        refresh_search_text(document)
        document.save(update_fields=["search_text"])
        # Internal copies share the file: refold them too.
        for copy in Document.objects.filter(origin=document):
            refresh_search_text(copy)
            copy.save(update_fields=["search_text"])
    return len(text)
