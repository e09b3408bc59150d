"""Reminders to members: an e-mail and an SMS through the configured adapter."""

from __future__ import annotations

from django.core.mail import send_mail
from django.utils import timezone

from egov.core.models import User

from . import sms
from .models import Ballot


def remind(ballot: Ballot, member: User) -> None:
    assert ballot.deadline is not None
    when = timezone.localtime(ballot.deadline).strftime("%H:%M ngày %d/%m/%Y")
    text = (f"Phiếu lấy ý kiến “{ballot.title}” chờ ý kiến của đồng chí, "
            f"hạn trả lời {when}.")
    if member.email:
        send_mail(f"Nhắc trả lời phiếu lấy ý kiến: {ballot.title}", text, None, [member.email])
    if member.phone:
        sms.adapter().send(member.phone, text)
