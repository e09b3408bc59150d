"""The main menu: each part registers its entries (in its AppConfig.ready()), so the
layout in ``web`` names no part."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class MenuItem:
    label: Any  # a lazy translation
    url_name: str
    visible: Callable[[HttpRequest], bool]
    order: int = 100


_items: list[MenuItem] = []


def register(label: Any, url_name: str, *, visible: Callable[[HttpRequest], bool],
             order: int = 100) -> None:
    if all(item.url_name != url_name for item in _items):
        _items.append(MenuItem(label, url_name, visible, order))
        _items.sort(key=lambda item: item.order)


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: ``main_menu`` = [(label, url, is_current)]."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"main_menu": []}
    entries = []
    for item in _items:
        if not item.visible(request):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        entries.append((item.label, url, request.path.startswith(url)))
    return {"main_menu": entries}
