"""Main-menu entries of documents (registered in DocumentsConfig.ready())."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from egov.web import menu


def _official(request: HttpRequest) -> bool:
    return getattr(request.user, "kind", None) == "official"


def _keeps_registers(request: HttpRequest) -> bool:
    user = request.user
    return _official(request) and (user.has_perm("documents.view_registers")
                                   or user.has_perm("documents.assign"))


def register_all() -> None:
    menu.register(_("Incoming documents"), "documents:inbox", visible=_official, order=20)
    menu.register(_("Outgoing documents"), "documents:outgoing", visible=_official, order=21)
    menu.register(_("Work files"), "documents:workfiles", visible=_official, order=22)
    menu.register(_("Registers"), "documents:registers", visible=_keeps_registers, order=23)
    menu.register(_("Search"), "documents:search", visible=_official, order=24)
