"""Background work of the foundation (Django's task API, database backend)."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)

MAIL_MAX_ATTEMPTS = 8  # 1, 2, 4 … 64 minutes apart: about two hours in all


@task()
def seal_audit_log() -> int:
    """Bind the audit entries committed so far into the hash chain (enqueued on commit
    by ``audit.request_seal``); returns how many entries it sealed."""
    from . import audit

    return audit.seal()


@task()
def send_email(subject: str, body: str, to: list[str], attempt: int = 1) -> bool:
    """Send one e-mail. Enqueued in the transaction of the action that owes it, so it
    exists exactly when the action committed, and the request never waits on the mail
    server. A refused or unreachable server is tried again later (1, 2, 4 … minutes); the
    last failure fails the task, where the administrators see it."""
    try:
        send_mail(subject, body, None, to)
    except (OSError, smtplib.SMTPException) as exc:
        if attempt >= MAIL_MAX_ATTEMPTS:
            log.error("e-mail %r to %s not sent after %d attempts: %s", subject, to,
                      attempt, exc)
            raise
        later = timezone.now() + dt.timedelta(minutes=2 ** (attempt - 1))
        send_email.using(run_after=later).enqueue(subject, body, to, attempt + 1)
        log.warning("e-mail %r to %s not sent (attempt %d), trying again at %s: %s",
                    subject, to, attempt, later, exc)
        return False
    return True
