"""Idle sessions expire (sliding expiry); signing out ends the session."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from egov.core.models import User

from .helpers import session_user_id, sign_in

pytestmark = pytest.mark.django_db
HOME = reverse("web:home")


def _session(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_idle_session_expires(client: Client, clerk: User) -> None:
    sign_in(client, "vanthu")
    assert client.get(HOME).status_code == 200
    # Nobody used the session for longer than the idle limit.
    session = _session(client)
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))
    assert session_user_id(client) is None


def test_each_request_pushes_the_expiry_forward(client: Client, clerk: User) -> None:
    sign_in(client, "vanthu")
    session = _session(client)
    # Almost idle for the whole limit: one minute left.
    soon = timezone.now() + dt.timedelta(minutes=1)
    Session.objects.filter(pk=session.pk).update(expire_date=soon)
    assert client.get(HOME).status_code == 200
    renewed = _session(client).expire_date
    expected = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert renewed > soon
    assert abs((renewed - expected).total_seconds()) < 60


def test_idle_limit_comes_from_the_settings() -> None:
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
