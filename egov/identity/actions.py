"""Changes of state about signing in: the second factor, passwords, the security policy.

Same rules as every part: ``check_*`` validates, ``do_*`` writes in one transaction with
its audit entry inside. (API tokens have their actions in ``tokens.py``.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.core import audit
from egov.core.models import Position, User

from .middleware import NOT_REQUIRED as SECOND_FACTOR_NOT_REQUIRED
from .middleware import SESSION_KEY as SECOND_FACTOR_SESSION_KEY
from .models import SecurityPolicy
from .policy import otp_required

TOTP_DEVICE_NAME = "TOTP"


# --- second factor (TOTP) --------------------------------------------------------------

def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def do_start_totp_enrolment(*, acting_user: User) -> TOTPDevice:
    """The device being set up for ``acting_user``: the pending one if there is one (so
    the QR code does not change when the page reloads), else a new one with a fresh key."""
    if confirmed_device(acting_user) is not None:
        raise ValidationError({"code": [_("Two-step verification is already turned on.")]})
    with transaction.atomic():
        device = (TOTPDevice.objects.select_for_update()
                  .filter(user=acting_user, confirmed=False).order_by("-id").first())
        if device is None:
            device = TOTPDevice.objects.create(user=acting_user, name=TOTP_DEVICE_NAME,
                                               confirmed=False)
            audit.record(acting_user=acting_user, action="identity.start_totp", obj=device,
                         object_repr=str(acting_user), after={"confirmed": False})
    return device


def _throttle_message(device: TOTPDevice) -> str | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (data or {}).get("locked_until")
    seconds = 1
    if locked_until is not None:
        seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    return ngettext(
        "Too many wrong codes. Wait %(seconds)d second, then enter the code shown now.",
        "Too many wrong codes. Wait %(seconds)d seconds, then enter the code shown now.",
        seconds) % {"seconds": seconds}


def _check_code(device: TOTPDevice, code: str) -> str | None:
    """Verify ``code`` on a device locked by the caller. Returns None when it is right,
    else the reason. A wrong code counts towards the device's throttling, so the caller
    must let the transaction commit (never raise inside it)."""
    code = (code or "").strip().replace(" ", "")
    throttled = _throttle_message(device)
    if throttled:
        return throttled
    if not (code.isdigit() and len(code) == device.digits):
        return _("Enter the %(digits)d-digit code that your authenticator app shows.") % {
            "digits": device.digits}
    if device.verify_token(code):
        return None
    return _("The code is wrong or has expired. Enter the code shown now in your "
             "authenticator app.")


def do_confirm_totp(device: TOTPDevice, *, acting_user: User, code: str) -> TOTPDevice:
    """Turn on two-step verification with the first code from the new device."""
    if device.user_id != acting_user.pk:
        raise PermissionDenied(_("This device is not yours."))
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed:
            problem: str | None = _("Two-step verification is already turned on.")
        else:
            problem = _check_code(device, code)
        if problem is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=acting_user, confirmed=False).delete()
            audit.record(acting_user=acting_user, action="identity.enable_totp", obj=device,
                         object_repr=str(acting_user), after={"confirmed": True})
    if problem is not None:
        raise ValidationError({"code": [problem]})
    return device


def check_second_factor(user: User, code: str) -> TOTPDevice:
    """The confirmed device that accepts ``code`` (signing in); ValidationError if none.
    Not an audited change: it is part of signing in, like the password."""
    with transaction.atomic():
        devices = list(TOTPDevice.objects.select_for_update()
                       .filter(user=user, confirmed=True).order_by("id"))
        problem: str | None = _("Two-step verification is not set up for this account.")
        for device in devices:
            problem = _check_code(device, code)
            if problem is None:
                break
    if problem is not None:
        raise ValidationError({"code": [problem]})
    return device


def do_disable_totp(*, acting_user: User, code: str) -> None:
    """Turn off one's own two-step verification, proving it with a current code. Not
    possible while the security policy requires it of the person."""
    if otp_required(acting_user):
        raise ValidationError({"code": [_(
            "Your administrator requires two-step verification for your position: it "
            "cannot be turned off.")]})
    device = check_second_factor(acting_user, code)
    with transaction.atomic():
        removed = list(TOTPDevice.objects.filter(user=acting_user).values_list("id", flat=True))
        TOTPDevice.objects.filter(user=acting_user).delete()
        audit.record(acting_user=acting_user, action="identity.disable_totp", obj=device,
                     object_id=device.pk, object_repr=str(acting_user),
                     before={"devices": removed}, after={"devices": []})


# --- passwords -------------------------------------------------------------------------

def _set_password(user: User, new_password: str, *, acting_user: User, action: str) -> User:
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": list(exc.messages)}) from exc
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        # The hash is never audited; the entry says who changed whose password, and when.
        audit.record(acting_user=acting_user, action=action, obj=user,
                     after={"password": "changed"})
    return user


def do_change_password(user: User, *, acting_user: User, new_password: str) -> User:
    """A signed-in person changes their own password (the form checked the old one)."""
    if acting_user.pk != user.pk:
        raise PermissionDenied(_("You can only change your own password here."))
    return _set_password(user, new_password, acting_user=acting_user,
                         action="identity.change_password")


def do_reset_password(user: User, *, new_password: str) -> User:
    """A person who followed the link in the reset e-mail sets a new password. Having
    proved that the mailbox is theirs, a sign-in lockout on their name is lifted (in the
    same transaction)."""
    from axes.utils import reset

    with transaction.atomic():
        user = _set_password(user, new_password, acting_user=user,
                             action="identity.reset_password")
        reset(username=user.get_username())
    return user


# --- security policy -------------------------------------------------------------------

def check_security_policy(positions: Iterable[str]) -> list[str]:
    cleaned = sorted(set(positions))
    unknown = [p for p in cleaned if p not in Position.values]
    if unknown:
        raise ValidationError({"otp_required_positions": [
            _("Unknown position: %(positions)s.") % {"positions": ", ".join(unknown)}]})
    return cleaned


def do_update_security_policy(
    *, acting_user: User | None, otp_required_positions: Iterable[str],
    otp_required_for_staff: bool,
) -> SecurityPolicy:
    """Which positions (and whether administrators) must use a second factor. People
    already signed in are asked at their next sign-in."""
    if acting_user is not None and not acting_user.has_perm("identity.change_securitypolicy"):
        raise PermissionDenied(_("You do not have the right to do this."))
    positions = check_security_policy(otp_required_positions)
    with transaction.atomic():
        policy = SecurityPolicy.objects.select_for_update().filter(pk=1).first()
        before = audit.snapshot(policy, ["otp_required_positions", "otp_required_for_staff"]
                                ) if policy else None
        policy = policy or SecurityPolicy(pk=1)
        policy.otp_required_positions = positions
        policy.otp_required_for_staff = bool(otp_required_for_staff)
        policy.save()
        audit.record(acting_user=acting_user, action="identity.update_security_policy",
                     obj=policy, before=before,
                     after=audit.snapshot(policy, ["otp_required_positions",
                                                   "otp_required_for_staff"]))
    return policy


# --- national single sign-on (sso.py) ----------------------------------------------------

SSO_AUTH_BACKEND = "egov.core.auth.PositionBackend"
SSO_SESSION_KEY = "egov_sso_issuer"


class SsoRefused(Exception):
    """The provider vouched for someone egov does not sign in this way."""

    def __init__(self, reason: str, message: str, detail: str = "",
                 user_id: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.detail = detail
        self.user_id = user_id


def check_sso_personal_id(claims: Mapping[str, Any]) -> str:
    """The 12-digit personal identification number the provider vouches for."""
    claim = getattr(settings, "EGOV_SSO_PERSONAL_ID_CLAIM", "sub") or "sub"
    value = str(claims.get(claim) or "").strip()
    if not (len(value) == 12 and value.isdigit()):
        raise SsoRefused("bad_personal_id", _(
            "The national electronic identity service did not give a valid personal "
            "identification number."), detail=f"{claim}={value[:20]!r}")
    return value


def _new_citizen(personal_id: str, claims: Mapping[str, Any]) -> User:
    username = personal_id
    if User.objects.filter(username=username).exists():
        username = f"vneid-{personal_id}"
    email = str(claims.get("email") or "")[:254]
    if claims.get("email_verified") is False:
        email = ""  # the provider does not vouch for it
    if email and User.objects.filter(email__iexact=email).exists():
        email = ""  # one address, one account: the person can add theirs later
    user = User(username=username, kind=User.Kind.CITIZEN, personal_id=personal_id,
                full_name=str(claims.get("name") or "")[:150], email=email,
                phone=str(claims.get("phone_number") or "")[:30])
    user.set_unusable_password()  # signs in through the national SSO (or resets one)
    user.save()
    return user


def do_sso_sign_in(request: HttpRequest, *, issuer: str, claims: Mapping[str, Any]
                   ) -> tuple[User, bool]:
    """Sign in the citizen the provider vouched for (claims of a verified id_token): the
    account with that personal identification number, or a new citizen account filled
    from the claims. Officials and businesses are refused. One transaction: the account,
    the audit entries, the session.

    The provider did the strong authentication, so the sign-in counts as the second
    factor: the session is marked so that ``SecondFactorMiddleware`` does not ask."""
    personal_id = check_sso_personal_id(claims)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(personal_id=personal_id).first()
        created = False
        if user is None:
            try:
                with transaction.atomic():
                    user = _new_citizen(personal_id, claims)
            except IntegrityError:  # the same person's first sign-in, twice at once
                user = User.objects.select_for_update().get(personal_id=personal_id)
            else:
                created = True
                audit.record(acting_user=user, action="identity.sso_create_account",
                             obj=user, after=audit.snapshot(user))
        if user.kind != User.Kind.CITIZEN:
            raise SsoRefused("not_citizen", _(
                "Only citizens can sign in with the national electronic identity. "
                "Officials and businesses sign in with their user name and password."),
                detail=user.kind, user_id=user.pk)
        if not user.is_active:
            raise SsoRefused("inactive", _(
                "This account is disabled. Please contact the administrator."),
                user_id=user.pk)
        audit.record(acting_user=user, action="identity.sso_sign_in", obj=user,
                     after={"issuer": issuer, "sub": claims.get("sub"), "created": created})
        auth_login(request, user, backend=SSO_AUTH_BACKEND)
        request.session[SSO_SESSION_KEY] = issuer
        request.session[SECOND_FACTOR_SESSION_KEY] = SECOND_FACTOR_NOT_REQUIRED
    return user, created


def do_record_sso_failure(*, issuer: str, reason: str, detail: str = "",
                          user_id: int | None = None) -> None:
    """An audit entry for a national SSO sign-in that did not happen."""
    with transaction.atomic():
        audit.record(acting_user=None, action="identity.sso_failed",
                     object_type="core.user" if user_id else "identity.sso",
                     object_id=user_id, object_repr=issuer[:255],
                     after={"reason": reason, "detail": detail[:300]})
