"""Background work of the foundation (Django's task API, database backend)."""

from __future__ import annotations

from django_tasks import task


@task()
def seal_audit_log() -> int:
    """Bind the audit entries committed so far into the hash chain (enqueued on commit
    by ``audit.request_seal``); returns how many entries it sealed."""
    from . import audit

    return audit.seal()
