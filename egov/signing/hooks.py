"""Where signing plugs into documents: the approval and issue hooks, and verification of
what an incoming document brings (on registration, in the background)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from egov.documents import actions as documents
from egov.documents import events


def _verify_registered(sender: Any, document: Any, **kwargs: Any) -> None:
    from .tasks import verify_document_files

    document_id = document.pk
    transaction.on_commit(lambda: verify_document_files.enqueue(document_id))


def connect() -> None:
    from django.utils.translation import gettext_lazy

    from egov.documents.views_inbox import ACTION_LABELS

    from . import actions

    # The document's timeline names the signing steps like its own.
    ACTION_LABELS.setdefault("signing.sign_approval",
                             gettext_lazy("Signed digitally by the approving leader"))
    ACTION_LABELS.setdefault("signing.seal_issue",
                             gettext_lazy("Sealed digitally with the agency's certificate"))

    if actions.sign_on_approval not in documents.approval_hooks:
        documents.approval_hooks.append(actions.sign_on_approval)
    if actions.seal_on_issue not in documents.issue_hooks:
        documents.issue_hooks.append(actions.seal_on_issue)
    events.registered.connect(_verify_registered, dispatch_uid="signing.verify_registered")
