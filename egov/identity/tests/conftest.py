"""Fixtures of the identity tests."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def english(settings: Settings) -> None:
    """Assert on the English source strings: the Vietnamese catalogue changes; the
    meaning of each message is what the tests check."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def client() -> Client:
    return Client(REMOTE_ADDR="127.0.0.1")
