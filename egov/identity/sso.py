"""National single sign-on (VNeID) through OpenID Connect: egov as the relying party.

One adapter, configured by settings, like the payment gateway (``services/payments.py``):

- ``EGOV_SSO_ISSUER``: the provider's issuer URL (discovery at
  ``<issuer>/.well-known/openid-configuration``); empty: the sandbox provider of this
  deployment (``sso_sandbox.py``) when ``EGOV_SSO_SANDBOX`` is on;
- ``EGOV_SSO_CLIENT_ID``, ``EGOV_SSO_CLIENT_SECRET`` (empty: one derived from the secret
  key, which only the sandbox knows too), ``EGOV_SSO_SCOPE``;
- ``EGOV_SSO_PERSONAL_ID_CLAIM``: the claim that carries the 12-digit personal
  identification number (``sub`` by default).

Authlib does the protocol: authorization code flow with PKCE S256, state and nonce kept in
the session, the id_token's RS256 signature checked against the provider's JWKS, and its
``iss``, ``aud``, ``exp`` and ``nonce``. Nothing here handles JOSE. What the callback
learns goes to ``actions.do_sso_sign_in``; every failure is an audit entry and a message
on the sign-in page, and signs nobody in.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from functools import lru_cache
from typing import Any

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from joserfc.errors import JoseError

from . import actions

logger = logging.getLogger(__name__)

NEXT_SESSION_KEY = "egov_sso_next"
TIMEOUT_SECONDS = 10


def sandbox_on() -> bool:
    return bool(getattr(settings, "EGOV_SSO_SANDBOX", False))


def configured() -> bool:
    """The sign-in page offers the button: a provider is configured, or the sandbox is on
    and knows somebody (the demo's identities). A production deployment that has not yet
    set its issuer therefore shows no button leading to a sandbox nobody can use."""
    if getattr(settings, "EGOV_SSO_ISSUER", ""):
        return True
    if not sandbox_on():
        return False
    from .models import SandboxIdentity

    return SandboxIdentity.objects.exists()


def issuer(request: HttpRequest) -> str:
    configured_issuer = getattr(settings, "EGOV_SSO_ISSUER", "")
    if configured_issuer:
        return str(configured_issuer).rstrip("/")
    from .sso_sandbox import issuer as sandbox_issuer

    return sandbox_issuer(request)


def client_secret() -> str:
    """The configured secret, else one derived from the secret key (the sandbox's client
    secret: the sandbox is in this deployment and derives the same)."""
    return getattr(settings, "EGOV_SSO_CLIENT_SECRET", "") or hmac.new(
        settings.SECRET_KEY.encode(), b"egov.identity.sso-sandbox", hashlib.sha256
    ).hexdigest()


@lru_cache(maxsize=16)
def _client(issuer_url: str, client_id: str, secret: str, scope: str) -> DjangoOAuth2App:
    """Authlib's client for one provider; it keeps the provider's metadata and JWKS once
    fetched (and fetches the JWKS again when a token names a key it does not know)."""
    oauth = OAuth()
    return oauth.register(
        "national_sso", client_id=client_id, client_secret=secret,
        server_metadata_url=f"{issuer_url}/.well-known/openid-configuration",
        client_kwargs={"scope": scope, "code_challenge_method": "S256",
                       "token_endpoint_auth_method": "client_secret_basic",
                       "default_timeout": TIMEOUT_SECONDS})


def client(request: HttpRequest) -> tuple[str, DjangoOAuth2App]:
    """The issuer and its client; the provider's metadata must name that issuer."""
    issuer_url = issuer(request)
    app = _client(issuer_url, settings.EGOV_SSO_CLIENT_ID, client_secret(),
                  settings.EGOV_SSO_SCOPE)
    metadata = app.load_server_metadata()
    if metadata.get("issuer") != issuer_url:
        raise _Failure("bad_token", f"discovery names issuer {metadata.get('issuer')!r}")
    return issuer_url, app


class _Failure(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def _message(reason: str, detail: str) -> str:
    if reason == "bad_state":
        return _("This sign-in with VNeID has expired or did not start from this site. "
                 "Please try again.")
    if reason == "provider_error":
        return _("The national electronic identity service did not sign you in "
                 "(%(error)s). Please try again.") % {"error": detail or "error"}
    if reason == "unreachable":
        return _("The national electronic identity service cannot be reached right now. "
                 "Please try again later, or sign in with your user name and password.")
    return _("The answer from the national electronic identity service could not be "
             "verified, so nobody was signed in. Please try again later.")


def _fail(request: HttpRequest, issuer_url: str, reason: str, detail: str = "",
          message: str | None = None, user_id: int | None = None) -> HttpResponse:
    logger.warning("National SSO sign-in failed: %s %s", reason, detail)
    actions.do_record_sso_failure(issuer=issuer_url, reason=reason, detail=detail,
                                  user_id=user_id)
    messages.error(request, message or _message(reason, detail))
    return redirect("identity:login")


def begin(request: HttpRequest, next_url: str) -> HttpResponse:
    """Send the browser to the provider (state, nonce and PKCE verifier in the session)."""
    issuer_url = getattr(settings, "EGOV_SSO_ISSUER", "") or "sandbox"
    try:
        issuer_url, app = client(request)
        request.session[NEXT_SESSION_KEY] = next_url
        callback = request.build_absolute_uri(reverse("identity:sso_callback"))
        return app.authorize_redirect(request, callback)
    except _Failure as failure:
        return _fail(request, issuer_url, failure.reason, failure.detail)
    except (requests.RequestException, ValueError) as exc:
        return _fail(request, issuer_url, "unreachable", type(exc).__name__)


def finish(request: HttpRequest) -> HttpResponse:
    """The provider sent the browser back: exchange the code, check the id_token, sign the
    person in (``actions.do_sso_sign_in``)."""
    issuer_url = getattr(settings, "EGOV_SSO_ISSUER", "") or "sandbox"
    try:
        issuer_url, app = client(request)
        token = app.authorize_access_token(request)
        claims: dict[str, Any] | None = token.get("userinfo")
        if not claims:  # no id_token: nothing signed says who this is
            raise _Failure("bad_token", "no id_token")
    except _Failure as failure:
        return _fail(request, issuer_url, failure.reason, failure.detail)
    except MismatchingStateError:
        return _fail(request, issuer_url, "bad_state")
    except OAuthError as exc:
        return _fail(request, issuer_url, "provider_error", str(exc.error or ""))
    except JoseError as exc:
        return _fail(request, issuer_url, "bad_token", f"{type(exc).__name__}: {exc}")
    except requests.RequestException as exc:
        return _fail(request, issuer_url, "unreachable", type(exc).__name__)
    except ValueError as exc:  # a provider answer that is not JSON, a malformed token
        return _fail(request, issuer_url, "bad_token", f"{type(exc).__name__}: {exc}")
    try:
        user, created = actions.do_sso_sign_in(request, issuer=issuer_url, claims=claims)
    except actions.SsoRefused as refused:
        return _fail(request, issuer_url, refused.reason, refused.detail,
                     message=refused.message, user_id=refused.user_id)
    if created:
        messages.success(request, _("Welcome, %(name)s: your account is ready.")
                         % {"name": user.get_full_name()})
    return redirect(request.session.pop(NEXT_SESSION_KEY, None) or reverse("web:home"))
