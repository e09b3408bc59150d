"""Main-menu entry of the hub's administration pages (registered in ExchangeConfig.ready()),
shown only to superusers and holders of the permission exchange.view_hub."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from egov.web import menu

VIEW_PERMISSION = "exchange.view_hub"


def can_view_hub(user: object) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    # Citizens and businesses never run the hub: no permission lookup for them (their
    # home page keeps its pinned query count).
    if getattr(user, "kind", None) != "official":
        return False
    return bool(getattr(user, "is_superuser", False)
                or user.has_perm(VIEW_PERMISSION))  # type: ignore[attr-defined]


def _visible(request: HttpRequest) -> bool:
    return can_view_hub(request.user)


def register_all() -> None:
    menu.register(_("Exchange hub"), "hub:overview", visible=_visible, order=40)
