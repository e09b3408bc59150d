"""Helpers of the identity tests: sign in through the real pages, real TOTP codes."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.core.models import User
from egov.core.tests.factories import PASSWORD

AUTH_BACKEND = "egov.core.auth.PositionBackend"


def force_login(client: Client, user: User) -> None:
    """A session for ``user`` without the sign-in page (password already checked)."""
    client.force_login(user, backend=AUTH_BACKEND)


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    """Post the sign-in form, as a browser does."""
    return client.post(reverse("identity:login"),
                       {"username": username, "password": password, **extra})


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now, or ``steps_ahead`` periods of 30 seconds
    later. A device never accepts the same period twice, so a test that signs in again
    soon after uses a later period (the device accepts one period of clock drift)."""
    value = totp(device.bin_key, device.step, device.t0, device.digits, steps_ahead)
    return f"{value:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """A well-formed code that the device does not accept now."""
    accepted = {code(device, n) for n in range(-2, 4)}
    for candidate in ("000000", "123456", "999999", "111111"):
        if candidate not in accepted:
            return candidate
    raise AssertionError("unreachable")


def session_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")
