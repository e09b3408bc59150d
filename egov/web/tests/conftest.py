"""Fixtures of the web shell's tests: the demo data and signed-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.test import Client

from egov.core import calendar, demo
from egov.core.models import User

BACKEND = "egov.core.auth.PositionBackend"


@pytest.fixture(autouse=True)
def fresh_calendar_cache() -> Iterator[None]:
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture
def demo_data(db: None) -> None:
    demo.load()


@pytest.fixture
def signed_in(demo_data: None) -> Callable[..., Client]:
    """A client signed in as a demo person, optionally in English."""

    def make(username: str, language: str | None = None) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username), backend=BACKEND)
        if language:
            client.post("/i18n/setlang/", {"language": language, "next": "/"})
        return client

    return make
