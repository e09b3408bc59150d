"""The sandbox identity provider: an OpenID Provider in this deployment that plays the
national single sign-on (VNeID) with the real protocol, for the demo and the tests.

Built with Authlib's server side: the authorization code grant with the OpenID Connect
extension (id_token signed RS256) and PKCE (S256 only, required), through
``authlib.integrations.django_oauth2.AuthorizationServer``. It serves, under
``/sso-sandbox/``: discovery, JWKS, authorize (its own sign-in page, personal
identification number and password, against its own ``SandboxIdentity`` table: it stands
for an external system and never reads egov's accounts), token and userinfo.

It answers only while ``EGOV_SSO_SANDBOX`` is true (by default: while no real provider is
configured, ``EGOV_SSO_ISSUER`` empty); otherwise every URL here is a 404. Its one client
is egov itself (``EGOV_SSO_CLIENT_ID`` and the secret of ``sso.client_secret()``), with
redirect URIs on the sandbox's own origin only. The signing key is made once and kept in
the database (``SandboxSigningKey``), never in the repository.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.django_oauth2 import AuthorizationServer, ResourceProtector
from authlib.integrations.django_oauth2.resource_protector import BearerTokenValidator
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from django import forms
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from joserfc.jwk import KeySet, RSAKey

from . import sso
from .models import SandboxAuthorizationCode, SandboxIdentity, SandboxSigningKey, SandboxToken

PREFIX = "/sso-sandbox"
SCOPES = ["openid", "profile", "email", "phone"]
CODE_LIFETIME = timedelta(minutes=5)
ALGORITHM = "RS256"


def enabled() -> bool:
    return bool(getattr(settings, "EGOV_SSO_SANDBOX", False))


def issuer(request: HttpRequest) -> str:
    """The sandbox's issuer identifier: its URL on the origin it is reached at."""
    return request.build_absolute_uri(PREFIX)


# --- the signing key ---------------------------------------------------------------------

_loaded: dict[str, RSAKey] = {}


def signing_key() -> RSAKey:
    """The RSA key that signs id_tokens: made on first use and stored; if two processes
    make one at once, the oldest row is the one both use."""
    row = SandboxSigningKey.objects.order_by("pk").first()
    if row is None:
        key = RSAKey.generate_key(2048, private=True)
        kid = key.thumbprint()
        with transaction.atomic():
            SandboxSigningKey.objects.create(kid=kid,
                                             private_pem=key.as_pem(private=True).decode())
        row = SandboxSigningKey.objects.order_by("pk").first()
        assert row is not None
    loaded = _loaded.get(row.kid)
    if loaded is None:
        loaded = RSAKey.import_key(row.private_pem, {"kid": row.kid, "use": "sig",
                                                     "alg": ALGORITHM})
        _loaded[row.kid] = loaded
    return loaded


def jwks() -> dict[str, Any]:
    return dict(KeySet([signing_key()]).as_dict(private=False))


# --- the one client: egov itself -----------------------------------------------------------

@dataclass
class SandboxClient(ClientMixin):
    client_id: str
    client_secret: str
    origin: str  # scheme://host[:port] of the sandbox (and so of egov)
    client_metadata: dict[str, Any] = field(default_factory=dict)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None  # the request must name it

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        parts = urlsplit(redirect_uri or "")
        return (f"{parts.scheme}://{parts.netloc}" == self.origin
                and parts.path == reverse("identity:sso_callback")
                and not parts.fragment)

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest((client_secret or "").encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


# --- the grant and its extensions -----------------------------------------------------------

def user_info(identity: SandboxIdentity, scope: str) -> UserInfo:
    claims = UserInfo(
        sub=identity.personal_id, name=identity.full_name,
        birthdate=identity.birthdate.isoformat() if identity.birthdate else None,
        email=identity.email or None, email_verified=bool(identity.email),
        phone_number=identity.phone or None,
        phone_number_verified=bool(identity.phone))
    return UserInfo({k: v for k, v in claims.filter(scope).items() if v is not None})


class S256Challenge(CodeChallenge):
    """PKCE required of every client, S256 only (RFC 9700 recommends no less)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE with code_challenge_method=S256 is required.")
        super().validate_code_challenge(grant, redirect_uri)


class SandboxOpenIDCode(OpenIDCode):
    def __init__(self, issuer: str) -> None:
        super().__init__(require_nonce=True)
        self.issuer = issuer

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return SandboxAuthorizationCode.objects.filter(
            client_id=request.payload.client_id, nonce=nonce).exists()

    def resolve_client_private_key(self, client: Any) -> RSAKey:
        return signing_key()

    def get_client_algorithm(self, client: Any) -> str:
        return ALGORITHM

    def get_encode_header(self, client: Any) -> dict[str, str]:
        return {"alg": ALGORITHM, "kid": str(signing_key().kid)}

    def get_client_claims(self, client: Any) -> dict[str, Any]:
        return {"iss": self.issuer, "aud": [client.get_client_id()]}

    def generate_user_info(self, user: SandboxIdentity, scope: str) -> UserInfo:
        return user_info(user, scope)


class SandboxCodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        SandboxAuthorizationCode.objects.create(
            code=code, client_id=request.client.get_client_id(), identity=request.user,
            redirect_uri=request.payload.redirect_uri, scope=request.scope or "",
            nonce=data.get("nonce") or "", code_challenge=data.get("code_challenge") or "",
            code_challenge_method=data.get("code_challenge_method") or "",
            auth_time=int(time.time()))

    def query_authorization_code(self, code: str, client: Any
                                 ) -> SandboxAuthorizationCode | None:
        # Locked until the exchange commits: the same code presented twice at once is
        # exchanged once (the second finds it deleted).
        return (SandboxAuthorizationCode.objects.select_for_update()
                .select_related("identity")
                .filter(code=code, client_id=client.get_client_id(),
                        created_at__gte=timezone.now() - CODE_LIFETIME).first())

    def delete_authorization_code(self, authorization_code: SandboxAuthorizationCode) -> None:
        authorization_code.delete()

    def authenticate_user(self, authorization_code: SandboxAuthorizationCode
                          ) -> SandboxIdentity:
        return authorization_code.identity


class SandboxServer(AuthorizationServer):
    def __init__(self, request: HttpRequest) -> None:
        super().__init__(client_model=None, token_model=SandboxToken)
        self.scopes_supported = SCOPES
        origin = request.build_absolute_uri("/").rstrip("/")
        self.client = SandboxClient(client_id=settings.EGOV_SSO_CLIENT_ID,
                                    client_secret=sso.client_secret(), origin=origin)
        self.register_grant(SandboxCodeGrant,
                            [S256Challenge(required=True), SandboxOpenIDCode(issuer(request))])

    def query_client(self, client_id: str) -> SandboxClient | None:
        return self.client if client_id == self.client.client_id else None

    def save_token(self, token: dict[str, Any], request: Any) -> SandboxToken:
        return SandboxToken.objects.create(
            client_id=request.client.get_client_id(), identity=request.user,
            token_type=token["token_type"], access_token=token["access_token"],
            scope=token.get("scope", ""), issued_at=int(time.time()),
            expires_in=int(token.get("expires_in", 3600)))


# --- views ---------------------------------------------------------------------------------

def _require_enabled() -> None:
    if not enabled():
        raise Http404


@require_GET
def discovery(request: HttpRequest) -> JsonResponse:
    _require_enabled()
    base = issuer(request)
    return JsonResponse({
        "issuer": base,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/userinfo",
        "jwks_uri": f"{base}/jwks",
        "scopes_supported": SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "token_endpoint_auth_methods_supported": SandboxCodeGrant.TOKEN_ENDPOINT_AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "name", "birthdate", "email", "email_verified",
                             "phone_number", "phone_number_verified"],
    })


@require_GET
def jwks_view(request: HttpRequest) -> JsonResponse:
    _require_enabled()
    return JsonResponse(jwks())


class SandboxSignInForm(forms.Form):
    personal_id = forms.CharField(label=gettext_lazy("Personal identification number"),
                                  max_length=12, min_length=12)
    password = forms.CharField(label=gettext_lazy("Password"), strip=False,
                               widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        identity = SandboxIdentity.objects.filter(personal_id=data["personal_id"]).first()
        if identity is None or not check_password(data["password"], identity.password):
            raise forms.ValidationError(
                _("The personal identification number or the password is wrong."))
        data["identity"] = identity
        return data


@never_cache
def authorize(request: HttpRequest) -> HttpResponse:
    """The provider's own sign-in page. The request is checked first (client, redirect URI,
    scope, PKCE, nonce): a bad one is answered on this page if the redirect URI cannot be
    trusted, else with an error sent back to the client."""
    _require_enabled()
    server = SandboxServer(request)
    try:
        grant = server.get_consent_grant(request)
    except OAuth2Error as error:
        if error.redirect_uri:  # the client and its redirect URI are known: tell it
            return server.handle_error_response(server.create_oauth2_request(request), error)
        return render(request, "identity/sso_sandbox_error.html",
                      {"error": error.error, "description": error.description}, status=400)
    form = SandboxSignInForm(request.POST or None)
    if request.method == "POST":
        if "cancel" in request.POST:
            return server.create_authorization_response(request, grant_user=None, grant=grant)
        if form.is_valid():
            return server.create_authorization_response(
                request, grant_user=form.cleaned_data["identity"], grant=grant)
    return render(request, "identity/sso_sandbox_login.html",
                  {"form": form, "client_id": grant.client.get_client_id()},
                  status=400 if form.errors else 200)


@csrf_exempt  # a server-to-server call, authenticated by the client's secret
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    _require_enabled()
    with transaction.atomic():
        return SandboxServer(request).create_token_response(request)


require_oauth = ResourceProtector()
require_oauth.register_token_validator(BearerTokenValidator(SandboxToken))


@csrf_exempt
@never_cache
def userinfo(request: HttpRequest) -> HttpResponse:
    _require_enabled()
    return _userinfo(request)


@require_oauth("openid")
def _userinfo(request: HttpRequest) -> JsonResponse:
    access = request.oauth_token  # type: ignore[attr-defined]
    return JsonResponse(user_info(access.identity, access.scope))


# --- seeding (the demo, the tests) ---------------------------------------------------------

def add_identity(*, personal_id: str, password: str, full_name: str, phone: str = "",
                 email: str = "", birthdate: Any = None,
                 password_hash: str | None = None) -> SandboxIdentity:
    """A person known to the sandbox (it stands for the national population database, so
    this is not an egov action and writes no egov audit entry)."""
    return SandboxIdentity.objects.create(
        personal_id=personal_id, password=password_hash or make_password(password),
        full_name=full_name, phone=phone, email=email, birthdate=birthdate)
