"""E-mail goes out from a task (``core.tasks.send_email``): enqueued in the action's
transaction, tried again later when the mail server does not answer."""

from __future__ import annotations

import datetime as dt
import smtplib
import socket
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from egov.core import tasks

pytestmark = pytest.mark.django_db

PATH = "egov.core.tasks.send_email"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_mail_server_that_does_not_answer_is_tried_again_later(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    settings.EMAIL_TIMEOUT = 2
    assert tasks.send_email.call("Hồ sơ đã tiếp nhận", "Nội dung", ["a@example.vn"]) is False
    [again] = DBTaskResult.objects.filter(task_path=PATH, status="READY")
    assert again.args_kwargs["args"] == ["Hồ sơ đã tiếp nhận", "Nội dung", ["a@example.vn"], 2]
    assert timezone.now() < again.run_after <= timezone.now() + dt.timedelta(minutes=1)
    # The last attempt fails the task, where the administrators see it.
    with pytest.raises(OSError):
        tasks.send_email.call("Hồ sơ", "Nội dung", ["a@example.vn"], tasks.MAIL_MAX_ATTEMPTS)
    assert DBTaskResult.objects.filter(task_path=PATH).count() == 1


def test_a_refused_recipient_is_tried_again_too(settings: Any, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    def refuse(*args: Any, **kwargs: Any) -> int:
        raise smtplib.SMTPRecipientsRefused({"a@example.vn": (450, b"mailbox busy")})

    monkeypatch.setattr(tasks, "send_mail", refuse)
    assert tasks.send_email.call("Hồ sơ", "Nội dung", ["a@example.vn"], 3) is False
    [again] = DBTaskResult.objects.filter(task_path=PATH, status="READY")
    assert again.args_kwargs["args"][-1] == 4
    assert again.run_after >= timezone.now() + dt.timedelta(minutes=3)


def test_the_mail_of_an_action_that_rolls_back_is_never_sent() -> None:
    from egov.services.actions import _mail
    from egov.services.models import Dossier

    with pytest.raises(RuntimeError), transaction.atomic():
        _mail(Dossier(email="a@example.vn"), "Hồ sơ", "Nội dung")
        assert DBTaskResult.objects.filter(task_path=PATH).count() == 1
        raise RuntimeError("the action failed")
    assert not DBTaskResult.objects.filter(task_path=PATH).exists()
    assert mail.outbox == []
