from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def vnd(value: object) -> str:
    """1500000 → "1.500.000" (the Vietnamese thousands separator)."""
    try:
        return f"{int(value):,}".replace(",", ".")  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""
