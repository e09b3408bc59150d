"""How e-Cabinet follows documents: when a meeting's conclusions notice is issued, the
conclusions that assign work become tasks linked to it (in the issue's transaction)."""

from __future__ import annotations

from typing import Any


def _notice_issued(document: Any, acting_user: Any) -> None:
    from . import actions

    actions.tasks_from_notice(document, acting_user)


def connect() -> None:
    from egov.documents import actions as documents

    if _notice_issued not in documents.issue_hooks:
        documents.issue_hooks.append(_notice_issued)
