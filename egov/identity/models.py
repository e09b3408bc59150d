"""Personal API tokens and the security policy (second factor by position)."""

from __future__ import annotations

import time
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A personal token for scripts and other systems. Only its SHA-256 is stored; the
    token itself is shown once, when it is made."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens", verbose_name=_("owner"))
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: datetime | None = None) -> bool:
        """Neither revoked nor expired."""
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class SecurityPolicy(models.Model):
    """One row: which positions must use a second factor (TOTP) to sign in."""

    otp_required_positions = models.JSONField(
        _("positions that must use a second factor"), default=list, blank=True)
    otp_required_for_staff = models.BooleanField(
        _("administrators must use a second factor"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("security policy")
        verbose_name_plural = _("security policy")

    def __str__(self) -> str:
        return str(_("Security policy"))

    @classmethod
    def current(cls) -> SecurityPolicy:
        """The policy in force (an unsaved default one before an administrator sets it:
        reading it never writes)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


# --- the sandbox identity provider (sso_sandbox.py) --------------------------------------
# It stands for the national identity provider (VNeID), an external system: its people
# are its own table, not egov's accounts, and an egov account is only ever found or made
# from what its signed id_token says.

class SandboxIdentity(models.Model):
    """A person known to the sandbox identity provider (seeded by the demo)."""

    personal_id = models.CharField(_("personal identification number"), max_length=12,
                                   unique=True)
    password = models.CharField(max_length=128)
    full_name = models.CharField(_("full name"), max_length=150)
    birthdate = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)

    def __str__(self) -> str:
        return f"{self.full_name} ({self.personal_id})"

    def get_user_id(self) -> int:
        """Authlib asks a grant's user for its id."""
        return int(self.pk)


class SandboxSigningKey(models.Model):
    """The sandbox's RSA key that signs id_tokens: one row, made on first use (never in
    the repository). Its public half is served at the JWKS endpoint."""

    kid = models.CharField(max_length=64, unique=True)
    private_pem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.kid


class SandboxAuthorizationCode(models.Model):
    """An authorization code, used once (deleted when exchanged), valid five minutes."""

    code = models.CharField(max_length=120, unique=True)
    client_id = models.CharField(max_length=100)
    identity = models.ForeignKey(SandboxIdentity, on_delete=models.CASCADE)
    redirect_uri = models.TextField()
    scope = models.TextField(blank=True)
    nonce = models.CharField(max_length=255, blank=True, db_index=True)
    code_challenge = models.CharField(max_length=128, blank=True)
    code_challenge_method = models.CharField(max_length=10, blank=True)
    auth_time = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.client_id}: {self.code[:6]}…"

    # Authlib's AuthorizationCodeMixin (OpenID flavour).
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str] | None:
        return ["pwd"]


class SandboxToken(models.Model):
    """An access token the sandbox issued (for its userinfo endpoint)."""

    client_id = models.CharField(max_length=100)
    identity = models.ForeignKey(SandboxIdentity, on_delete=models.CASCADE)
    token_type = models.CharField(max_length=40)
    access_token = models.CharField(max_length=255, unique=True)
    scope = models.TextField(blank=True)
    issued_at = models.IntegerField()
    expires_in = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.client_id}: {self.access_token[:6]}…"

    # Authlib's TokenMixin.
    def check_client(self, client: object) -> bool:
        return bool(getattr(client, "client_id", None) == self.client_id)

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return self.issued_at + self.expires_in < time.time()

    def is_revoked(self) -> bool:
        return False

    def get_user(self) -> SandboxIdentity:
        return self.identity
