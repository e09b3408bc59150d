"""How the connector follows documents without documents knowing it: an issue hook (the
outbound package is written in the issue's transaction), a recipient-routing hook, and
the on-commit signals of assignment and completion (statuses 04 and 06). Called from
ExchangeConfig.ready(), after signing's hooks (signing comes first in INSTALLED_APPS), so
the package carries the sealed files."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from egov.documents import actions as documents
from egov.documents import events
from egov.edxml import StatusCode
from egov.web import menu

from . import connector_actions as actions
from . import connector_directives


def _assigned(sender: Any, document: Any, **kwargs: Any) -> None:
    actions.on_document_moved(StatusCode.ASSIGNED, document)


def _done(sender: Any, document: Any, **kwargs: Any) -> None:
    actions.on_document_moved(StatusCode.COMPLETED, document)


def _receives(request: Any) -> bool:
    user = request.user
    return getattr(user, "kind", None) == "official" and user.has_perm("exchange.receive")


def connect() -> None:
    if actions.on_issue not in documents.issue_hooks:
        documents.issue_hooks.append(actions.on_issue)
    if actions.route_via_hub not in documents.hub_routes:
        documents.hub_routes.append(actions.route_via_hub)
    connector_directives.connect()
    events.assigned.connect(_assigned, dispatch_uid="exchange.assigned")
    events.done.connect(_done, dispatch_uid="exchange.done")
    menu.register(_("From the hub"), "exchange:received", visible=_receives, order=25)
