"""Sends a signed-in person who must use a second factor, and has not yet in this
session, to the page that asks for it (or sets it up).

The API is not redirected: a personal token (``Authorization: Bearer``) is a credential of
its own, but a session that still waits for its second factor does not open the API either
(the request reaches the API as anonymous, so the session cookie alone is refused).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .policy import must_verify

SESSION_KEY = "egov_otp_checked"
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
