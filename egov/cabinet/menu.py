"""Main-menu entries of e-Cabinet (no query: the pages decide who sees what)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from egov.web import menu


def _official(request: HttpRequest) -> bool:
    return getattr(request.user, "kind", None) == "official"


def register_all() -> None:
    menu.register(_("e-Cabinet"), "cabinet:home", visible=_official, order=35)
