"""Personal API tokens: made, listed, revoked through actions; checked by hash.

A token reads ``egov_<prefix>_<secret>``. Only the SHA-256 of the whole token is stored;
the prefix (8 hex digits) is kept in clear so that its owner can tell tokens apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import audit
from egov.core.models import User

from .models import ApiToken

PREFIX = "egov_"
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length or 100
# last_used_at is written at most this often per token (a busy script must not turn
# every API call into a write).
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def own_tokens(user: User) -> QuerySet[ApiToken]:
    """The tokens a person may see and revoke: their own, newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def check_create_token(
    *, name: str, expires_at: dt.datetime | None, not_after: dt.datetime | None = None
) -> str:
    """Validate a new token's fields; returns the cleaned name."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the token a name, e.g. the script that uses it.")]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [_("The name is too long: at most %(max)d characters.")
                          % {"max": NAME_MAX_LENGTH}]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = [_("The expiry must be in the future.")]
    elif not_after is not None and (expires_at is None or expires_at > not_after):
        errors["expires_at"] = [_(
            "A token made with another token must expire no later than that token "
            "(%(date)s).") % {"date": timezone.localtime(not_after).strftime("%Y-%m-%d %H:%M")}]
    if errors:
        raise ValidationError(errors)
    return name


def do_create_token(
    *, acting_user: User, name: str, expires_at: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Make a token for ``acting_user``; returns it with the secret, shown only now.

    ``not_after``: when the caller is itself authenticated by a token that expires, the
    new token may not outlive it (a leaked short-lived token cannot mint a lasting one).
    """
    name = check_create_token(name=name, expires_at=expires_at, not_after=not_after)
    secret = secrets.token_urlsafe(32)
    prefix = secrets.token_hex(4)
    key = f"{PREFIX}{prefix}_{secret}"
    with transaction.atomic():
        token = ApiToken.objects.create(user=acting_user, name=name, prefix=prefix,
                                        key_hash=_hash(key), expires_at=expires_at)
        audit.record(acting_user=acting_user, action="identity.create_token", obj=token,
                     after={"name": token.name, "prefix": prefix,
                            "expires_at": audit.to_jsonable(expires_at)})
    return token, key


def do_revoke_token(token: ApiToken, *, acting_user: User) -> ApiToken:
    """Revoke a token: its owner, or an administrator (from the admin site)."""
    if token.user_id != acting_user.pk and not acting_user.has_perm("identity.change_apitoken"):
        raise PermissionDenied(_("This token is not yours."))
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise ValidationError({"token": [_("This token is already revoked.")]})
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(acting_user=acting_user, action="identity.revoke_token", obj=token,
                     after={"revoked_at": audit.to_jsonable(token.revoked_at)})
    return token


def authenticate(key: str) -> ApiToken | None:
    """The usable token with this key (its owner active), or None."""
    if not key.startswith(PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if not token.is_usable(now):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
