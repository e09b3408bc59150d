"""Main-menu entry of signing (registered in SigningConfig.ready())."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from egov.web import menu


def _official(request: HttpRequest) -> bool:
    return getattr(request.user, "kind", None) == "official"


def register_all() -> None:
    menu.register(_("Digital signatures"), "signing:certificates", visible=_official,
                  order=30)
