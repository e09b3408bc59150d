"""Home-page panels: each part registers what waits for a person in a given position.

A panel provider takes the request and returns a ``Panel``, a list of panels, or None.
Later parts (documents, one-stop shop, e-Cabinet...) register theirs in their
AppConfig.ready(). Panels that share a ``key`` are merged into one: the foundation
registers an empty panel per role (``role_key(position)``, with a sentence saying what
will wait there), and a part that has something for that role returns a panel with the
same key and its items, which then fill it.

Providers run on every home-page view: keep each to a fixed, small number of queries
(the tests pin the total per role). ``posts(request)`` gives the signed-in official's
active posts, read once per request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from egov.core.models import Post, User


@dataclass
class PanelItem:
    label: str
    url: str = ""
    count: int | None = None
    urgent: bool = False
    detail: str = ""


@dataclass
class Panel:
    title: str
    items: list[PanelItem] = field(default_factory=list)
    empty_text: str = ""
    order: int = 100
    key: str = ""
    link: PanelItem | None = None  # "see all" under the panel
    note: str = ""  # a sentence under the items (a warning, a hint)


Provider = Callable[[HttpRequest], "Panel | Iterable[Panel] | None"]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister(provider: Provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def role_key(position: str) -> str:
    """The key of the panel that shows what waits for a person in ``position``."""
    return f"role:{position}"


def _merge(panels: list[Panel]) -> list[Panel]:
    merged: dict[str, Panel] = {}
    result: list[Panel] = []
    for panel in sorted(panels, key=lambda p: p.order):
        if not panel.key:
            result.append(panel)
            continue
        first = merged.get(panel.key)
        if first is None:
            copy = Panel(title=panel.title, items=list(panel.items),
                         empty_text=panel.empty_text, order=panel.order, key=panel.key,
                         link=panel.link, note=panel.note)
            merged[panel.key] = copy
            result.append(copy)
            continue
        first.items.extend(panel.items)
        first.link = first.link or panel.link
        first.note = " ".join(n for n in (first.note, panel.note) if n)
    return sorted(result, key=lambda p: p.order)


def for_request(request: HttpRequest) -> list[Panel]:
    found: list[Panel] = []
    for provider in _providers:
        result = provider(request)
        if result is None:
            continue
        if isinstance(result, Panel):
            found.append(result)
        else:
            found.extend(result)
    return _merge(found)


# --- helpers for providers ------------------------------------------------------------

def posts(request: HttpRequest) -> list[Post]:
    """The signed-in official's active posts (primary first), with unit and agency;
    one query per request however many providers ask."""
    cached: Any = getattr(request, "_egov_panel_posts", None)
    if cached is not None:
        return list(cached)
    user = request.user
    found: list[Post] = []
    if user.is_authenticated and isinstance(user, User):
        found = list(
            Post.objects.filter(user=user, is_active=True)
            .select_related("organisation", "organisation__agency")
            .order_by("-is_primary", "id")
        )
    request._egov_panel_posts = found  # type: ignore[attr-defined]
    return list(found)


def url(name: str, *args: Any) -> str:
    """``reverse(name)``, or "" while the page does not exist yet (a part not installed)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
