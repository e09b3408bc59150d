"""Background work of signing."""

from __future__ import annotations

from django_tasks import task


@task()
def verify_document_files(document_id: int) -> dict[str, str]:
    """Verify the signatures of a document's files and keep each verdict on its file."""
    from egov.documents.models import DocumentFile

    from . import verification

    verdicts = {}
    for row in DocumentFile.objects.filter(document_id=document_id, signature_status=""):
        verdicts[row.name] = verification.record(row).status
    return verdicts
