"""Who must use a second factor.

Two reasons to ask for a code after the password: the administrator's security policy
requires it for the person's position (or for administrators), or the person turned it on
themselves (they have a confirmed device).
"""

from __future__ import annotations

from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import SecurityPolicy


def otp_required(user: Any) -> bool:
    """The security policy requires a second factor of this person."""
    if not user.is_authenticated:
        return False
    policy = SecurityPolicy.current()
    if policy.otp_required_for_staff and (user.is_staff or user.is_superuser):
        return True
    positions = set(policy.otp_required_positions or [])
    if not positions:
        return False
    return bool(user.posts.filter(is_active=True, position__in=positions).exists())


def has_confirmed_device(user: Any) -> bool:
    if not user.is_authenticated:
        return False
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def must_verify(user: Any) -> bool:
    """A code is asked after the password: the policy requires it, or the person has a
    confirmed device of their own."""
    return has_confirmed_device(user) or otp_required(user)
