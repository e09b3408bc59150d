"""Idle sessions expire (sliding expiry, moved forward at most once a minute); signing out
ends the session."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from egov.core.models import Post, User
from egov.core.queries import ACTING_POST_SESSION_KEY
from egov.identity.middleware import REFRESH_SECONDS, REFRESHED_KEY

from .helpers import session_user_id, sign_in

pytestmark = pytest.mark.django_db
HOME = reverse("web:home")


def _session(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def _writes_to_sessions(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries
            if "django_session" in q["sql"] and not q["sql"].lstrip().startswith("SELECT")]


def _almost_expired(client: Client) -> dt.datetime:
    """One minute of the idle limit left; the stamp of the last refresh left as it is."""
    soon = timezone.now() + dt.timedelta(minutes=1)
    Session.objects.filter(pk=_session(client).pk).update(expire_date=soon)
    return _session(client).expire_date


def _refreshed_ago(client: Client, seconds: int) -> None:
    """Move the stamp of the session's last refresh ``seconds`` into the past, in the
    session store, without saving through Django (that would move the expiry too)."""
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = SessionStore(key)
    data = dict(store.items())
    data[REFRESHED_KEY] = int(time.time()) - seconds
    Session.objects.filter(pk=key).update(session_data=store.encode(data))


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


def test_idle_session_expires_even_with_an_old_refresh_stamp(client: Client,
                                                           clerk: User) -> None:
    """The stamp only decides when to write; the row's expiry decides who is signed in."""
    sign_in(client, "vanthu")
    key = _session(client).pk
    _refreshed_ago(client, 2 * REFRESH_SECONDS)
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))
    assert session_user_id(client) is None
    # Not brought back to life by the refresh: the old row stays expired.
    assert Session.objects.get(pk=key).expire_date < timezone.now()


def test_signing_in_stamps_the_refresh(client: Client, clerk: User) -> None:
    before = int(time.time())
    sign_in(client, "vanthu")
    assert before <= client.session[REFRESHED_KEY] <= int(time.time())


def test_a_request_within_the_minute_does_not_write_the_session(client: Client,
                                                               clerk: User) -> None:
    sign_in(client, "vanthu")
    assert client.get(HOME).status_code == 200
    stamp = client.session[REFRESHED_KEY]
    expiry = _almost_expired(client)
    _refreshed_ago(client, REFRESH_SECONDS - 5)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    assert _writes_to_sessions(queries) == []
    assert _session(client).expire_date == expiry
    assert client.session[REFRESHED_KEY] <= stamp


def test_after_a_minute_a_request_moves_the_expiry(client: Client, clerk: User) -> None:
    sign_in(client, "vanthu")
    assert client.get(HOME).status_code == 200
    soon = _almost_expired(client)
    _refreshed_ago(client, REFRESH_SECONDS + 1)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    assert len([q for q in _writes_to_sessions(queries) if "UPDATE" in q]) == 1
    renewed = _session(client).expire_date
    expected = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert renewed > soon
    assert abs((renewed - expected).total_seconds()) < 60
    assert int(time.time()) - client.session[REFRESHED_KEY] < REFRESH_SECONDS
    # The next request, within the minute, writes nothing again.
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    assert _writes_to_sessions(queries) == []


def test_a_session_without_a_stamp_is_refreshed(client: Client, clerk: User) -> None:
    """Sessions saved before the stamp existed (or made elsewhere) are refreshed once."""
    sign_in(client, "vanthu")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = SessionStore(key)
    data = {k: v for k, v in store.items() if k != REFRESHED_KEY}
    Session.objects.filter(pk=key).update(session_data=store.encode(data))
    soon = _almost_expired(client)
    assert client.get(HOME).status_code == 200
    assert _session(client).expire_date > soon
    assert REFRESHED_KEY in client.session


def test_a_modified_session_is_stamped_when_saved(client: Client, clerk: User) -> None:
    """The view changed the session within the minute: saved anyway (Django's rule), so
    its expiry moves, and the stamp with it."""
    sign_in(client, "vanthu")
    _refreshed_ago(client, REFRESH_SECONDS - 5)
    old = client.session[REFRESHED_KEY]
    soon = _almost_expired(client)
    post = Post.objects.get(user=clerk)
    response = client.post(reverse("identity:choose_post"), {"post": post.pk})
    assert response.status_code == 302
    assert client.session[ACTING_POST_SESSION_KEY] == post.pk
    assert client.session[REFRESHED_KEY] > old
    assert _session(client).expire_date > soon


def test_anonymous_visits_make_no_session(client: Client) -> None:
    assert client.get(reverse("identity:login")).status_code == 200
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    assert not Session.objects.exists()


def test_idle_limit_comes_from_the_settings() -> None:
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    sessions = settings.MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert settings.MIDDLEWARE[sessions + 1] == \
        "egov.identity.middleware.SessionRefreshMiddleware"
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
