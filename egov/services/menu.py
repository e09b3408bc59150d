"""Main-menu entries of public services (registered in ServicesConfig.ready())."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from egov.web import menu


def _public(request: HttpRequest) -> bool:
    return getattr(request.user, "kind", None) in ("citizen", "business")


def _officer(request: HttpRequest) -> bool:
    """One-stop officers and leaders, by their permissions (which the menu has already
    loaded for the other parts: no query of its own). Specialists and unit heads reach
    the dossiers of their steps from their home panel."""
    user = request.user
    return getattr(user, "kind", None) == "official" and (
        user.has_perm("services.receive_dossier") or user.has_perm("services.approve_dossier"))


def _statistics(request: HttpRequest) -> bool:
    return _officer(request) and request.user.has_perm("services.view_statistics")


def register_all() -> None:
    menu.register(_("Public services"), "services:catalogue", visible=_public, order=10)
    menu.register(_("My dossiers"), "services:my_dossiers", visible=_public, order=11)
    menu.register(_("One-stop shop"), "services:queue", visible=_officer, order=30)
    menu.register(_("Service statistics"), "services:statistics", visible=_statistics,
                  order=31)
