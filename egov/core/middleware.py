"""Puts the caller's address and acting post into the audit context for each request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from . import audit
from .queries import acting_post


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ip = request.META.get("REMOTE_ADDR") or None

        def resolve() -> Any:
            # Resolved on first use, after DRF has authenticated token callers too.
            user = getattr(request, "user", None)
            return acting_post(request) if user is not None and user.is_authenticated else None

        post: Any = SimpleLazyObject(resolve)
        with audit.acting_context(ip=ip, post=post):
            return self.get_response(request)
