"""The shell: home page per role and the error pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from egov.core import calendar
from egov.core.models import User
from egov.core.queries import ACTING_POST_SESSION_KEY

from . import panels


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "panels": panels.for_request(request),
        "today": today,
        "today_is_working_day": calendar.is_working_day(today),
    }
    if user.kind != User.Kind.OFFICIAL:
        return render(request, "web/home_public.html", context)
    posts = panels.posts(request)
    chosen = request.session.get(ACTING_POST_SESSION_KEY)
    context["acting_post"] = next((p for p in posts if p.pk == chosen),
                                  posts[0] if posts else None)
    return render(request, "web/home.html", context)


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "web/error.html", {"status": 403}, status=403)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "web/error.html", {"status": 404}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request's context processors: whatever broke (the database,
    the session) must not break the error page too."""
    return HttpResponseServerError(
        render_to_string("web/error.html", {"status": 500, "bare": True}))
