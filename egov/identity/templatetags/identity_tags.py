"""Template helpers of the sign-in pages."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def retry_at(cooloff: dt.timedelta | None) -> dt.datetime | None:
    """When a locked-out sign-in may be tried again. Axes restarts the cool-off at each
    attempt made while locked out, so the lockout page shown now ends ``cooloff`` from now."""
    if not cooloff:
        return None
    return timezone.localtime(timezone.now() + cooloff)


@register.filter
def minutes(duration: dt.timedelta | None) -> int:
    """A duration in whole minutes, rounded up."""
    if not duration:
        return 0
    return max(1, math.ceil(duration.total_seconds() / 60))


@register.filter
def field_errors(form: Any) -> list[tuple[Any, str]]:
    """(bound field, message) for every error on a visible field, in the form's order."""
    return [(field, error) for field in form.visible_fields() for error in field.errors]
