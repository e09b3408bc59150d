"""Who may call the e-Cabinet API at all: signed-in officials (the rows and the actions
decide the rest)."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request


class IsOfficial(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "kind", None) == "official")
