"""The sessions' middleware.

``SecondFactorMiddleware`` sends a signed-in person who must use a second factor, and has
not yet in this session, to the page that asks for it (or sets it up). The API is not
redirected: a personal token (``Authorization: Bearer``) is a credential of its own, but a
session that still waits for its second factor does not open the API either (the request
reaches the API as anonymous, so the session cookie alone is refused).

``SessionRefreshMiddleware`` keeps the idle timeout sliding (``SESSION_COOKIE_AGE`` after
the last request) while writing the session at most once a minute, instead of on every
request as ``SESSION_SAVE_EVERY_REQUEST`` does (a second transaction per request).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .policy import must_verify

SESSION_KEY = "egov_otp_checked"
# When the session's expiry was last moved forward (Unix time, whole seconds).
REFRESHED_KEY = "egov_refreshed"
REFRESH_SECONDS = 60
NOT_REQUIRED = "not_required"
EXEMPT_PREFIXES = ("/static/", "/i18n/", "/account/otp/", "/account/logout/")
API_PREFIX = "/api/"


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()  # type: ignore[attr-defined]
            # Remembered for the session once the answer is "not needed"; signing in
            # again (a new session) asks again.
            and request.session.get(SESSION_KEY) != NOT_REQUIRED
        ):
            if must_verify(user):
                if request.path.startswith(API_PREFIX):
                    request.user = AnonymousUser()
                else:
                    query = urlencode({"next": request.get_full_path()})
                    return redirect(f"{reverse('identity:otp')}?{query}")
            else:
                request.session[SESSION_KEY] = NOT_REQUIRED
        return self.get_response(request)


def mark_refreshed(session: Any) -> None:
    """Record that the session's expiry is being moved forward now (it is saved)."""
    session[REFRESHED_KEY] = int(time.time())


class SessionRefreshMiddleware:
    """Moves a session's expiry forward at most once a minute (sliding idle timeout).

    Django moves the expiry (``SESSION_COOKIE_AGE`` from now) whenever it saves the
    session, and saves it when it was modified. So: a session the request modified gets
    the stamp of its refresh at no cost (it is saved anyway); an unmodified one is marked
    modified, and so saved, only when its last refresh is ``REFRESH_SECONDS`` old or more
    (or has no stamp, or one from the future). A session thus ends between
    ``SESSION_COOKIE_AGE`` minus one minute and ``SESSION_COOKIE_AGE`` after the last
    request. The cookie is set again with each save; with
    ``SESSION_EXPIRE_AT_BROWSER_CLOSE`` it carries no expiry of its own, the session row's
    is the one that counts. An empty session (an anonymous visitor, a cookie whose
    session is gone, one just signed out) is left alone: no row is made for it.

    Sits right after ``SessionMiddleware``, so that it sees the session as every other
    middleware and the view leave it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None:
            return response
        if session.modified:
            if not session.is_empty():
                mark_refreshed(session)
            return response
        refreshed = session.get(REFRESHED_KEY)  # loads it, if nothing did before
        if session.is_empty():
            return response
        age = int(time.time()) - refreshed if isinstance(refreshed, int) else -1
        if not 0 <= age < REFRESH_SECONDS:
            mark_refreshed(session)
        return response


def refresh_on_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """Signing in saves the session with a new expiry: stamp it, so that the next request
    does not write it again (``Client.force_login`` too, which passes no middleware)."""
    session = getattr(request, "session", None)
    if session is not None:
        mark_refreshed(session)
