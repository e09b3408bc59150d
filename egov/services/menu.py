"""Main-menu entries of public services (registered in ServicesConfig.ready())."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from egov.web import menu

from . import queries


def _public(request: HttpRequest) -> bool:
    return getattr(request.user, "kind", None) in ("citizen", "business")


def _officer(request: HttpRequest) -> bool:
    return queries.may_be_officer(request) and queries.is_officer(request.user)  # type: ignore[arg-type]


def _statistics(request: HttpRequest) -> bool:
    return _officer(request) and request.user.has_perm("services.view_statistics")


def register_all() -> None:
    menu.register(_("Public services"), "services:catalogue", visible=_public, order=10)
    menu.register(_("My dossiers"), "services:my_dossiers", visible=_public, order=11)
    menu.register(_("One-stop shop"), "services:queue", visible=_officer, order=30)
    menu.register(_("Service statistics"), "services:statistics", visible=_statistics,
                  order=31)
