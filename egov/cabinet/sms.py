"""SMS adapters: the interface and the local implementation.

A deployment sets ``EGOV_SMS_ADAPTER`` to a class with ``send(phone, text)``, e.g. one
that calls its carrier's or the national SMS brandname gateway. The local adapter writes
each message to ``VAR_DIR/sms-outbox.log`` (and keeps the last ones in memory for tests),
so that a demo or a test sees what would be sent.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class SmsAdapter(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LocalSmsAdapter:
    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        LocalSmsAdapter.sent.append((phone, text))
        path = settings.VAR_DIR / "sms-outbox.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(f"{dt.datetime.now(dt.UTC).isoformat()}\t{phone}\t{text}\n")


def adapter() -> SmsAdapter:
    adapter_class: type[SmsAdapter] = import_string(settings.EGOV_SMS_ADAPTER)
    return adapter_class()
