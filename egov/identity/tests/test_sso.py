"""National single sign-on: egov's relying party against the sandbox identity provider,
over real HTTP (a live server), as a browser would go: the VNeID button, the sandbox's
sign-in page, the way back with a code. Also the provider's side on its own (discovery,
PKCE, the code used once)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.discovery import OpenIDProviderMetadata
from django.contrib.sessions.models import Session
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from joserfc.jwk import RSAKey
from pytest_django.fixtures import Settings

from egov.core.models import AuditEntry, User
from egov.core.tests import factories
from egov.identity import middleware, sso_sandbox
from egov.identity.models import SandboxAuthorizationCode

pytestmark = pytest.mark.django_db(transaction=True)

SANDBOX_PASSWORD = "mat-khau-vneid-2026"
NEW_ID = "022095005678"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def base(live_server: Any, settings: Settings) -> str:
    """egov on a live server, its national SSO pointed at its own sandbox."""
    settings.EGOV_SSO_ISSUER = f"{live_server.url}/sso-sandbox"
    settings.EGOV_SSO_SANDBOX = True
    return str(live_server.url)


class Browser:
    """A requests session that follows nothing by itself, so each hop is checked."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base}{path}"

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.url(path), allow_redirects=False, timeout=30)

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        return self.session.post(self.url(path), data=data, allow_redirects=False, timeout=30)

    def csrf(self, html: str) -> str:
        match = CSRF.search(html)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def signed_in_user_id(self) -> int | None:
        key = self.session.cookies.get("sessionid")
        session = Session.objects.filter(session_key=key).first() if key else None
        if session is None:
            return None
        value = session.get_decoded().get("_auth_user_id")
        return int(value) if value else None

    def session_data(self) -> dict[str, Any]:
        key = self.session.cookies.get("sessionid")
        return dict(Session.objects.get(session_key=key).get_decoded())

    # The steps of a sign-in.

    def click_vneid(self, next_url: str = "") -> str:
        """The sign-in page's VNeID button; returns where it sends the browser."""
        page = self.get("/account/login/")
        assert page.status_code == 200
        assert "Sign in with the national electronic identity (VNeID)" in page.text
        response = self.post("/account/sso/", {"csrfmiddlewaretoken": self.csrf(page.text),
                                                "next": next_url})
        assert response.status_code == 302, response.text
        return str(response.headers["Location"])

    def sandbox_sign_in(self, authorize_url: str, personal_id: str,
                        password: str = SANDBOX_PASSWORD, **extra: str) -> requests.Response:
        page = self.get(authorize_url)
        assert page.status_code == 200, page.text
        return self.post(authorize_url, {"csrfmiddlewaretoken": self.csrf(page.text),
                                         "personal_id": personal_id, "password": password,
                                         **extra})

    def round_trip(self, personal_id: str, next_url: str = "") -> requests.Response:
        """Button, sandbox, back: the response of egov's callback."""
        authorize_url = self.click_vneid(next_url)
        back = self.sandbox_sign_in(authorize_url, personal_id)
        assert back.status_code == 302, back.text
        return self.get(back.headers["Location"])

    def login_page_messages(self) -> str:
        page = self.get("/account/login/")
        assert page.status_code == 200
        return page.text


def identity(personal_id: str = NEW_ID, **extra: Any) -> Any:
    data = {"full_name": "Lê Văn Nam", "phone": "0912345678",
            "email": "levannam@example.vn", **extra}
    return sso_sandbox.add_identity(personal_id=personal_id, password=SANDBOX_PASSWORD,
                                    **data)


def actions_logged(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- the flow ------------------------------------------------------------------------------

def test_round_trip_creates_a_citizen_account_from_the_claims(base: str) -> None:
    identity()
    browser = Browser(base)
    authorize_url = browser.click_vneid(next_url="/account/")
    # Authorization code flow with PKCE S256, state and nonce, to the configured issuer.
    assert authorize_url.startswith(f"{base}/sso-sandbox/authorize?")
    query = dict(parse_qsl(urlsplit(authorize_url).query))
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert query["state"] and query["nonce"] and query["code_challenge"]
    assert "openid" in query["scope"].split()

    back = browser.sandbox_sign_in(authorize_url, NEW_ID)
    assert back.status_code == 302
    assert back.headers["Location"].startswith(f"{base}/account/sso/callback/?code=")
    landed = browser.get(back.headers["Location"])
    assert landed.status_code == 302
    assert landed.headers["Location"] == "/account/"

    user = User.objects.get(personal_id=NEW_ID)
    assert user.kind == User.Kind.CITIZEN
    assert (user.full_name, user.phone, user.email) == (
        "Lê Văn Nam", "0912345678", "levannam@example.vn")
    assert not user.has_usable_password()
    assert browser.signed_in_user_id() == user.pk
    page = browser.get("/account/")
    assert page.status_code == 200
    assert "Welcome, Lê Văn Nam: your account is ready." in page.text

    created = actions_logged("identity.sso_create_account")
    signed_in = actions_logged("identity.sso_sign_in")
    assert [(e.object_id, e.actor_id) for e in created] == [(str(user.pk), user.pk)]
    assert [(e.object_id, e.after["created"], e.after["sub"], e.after["issuer"])
            for e in signed_in] == [(str(user.pk), True, NEW_ID, f"{base}/sso-sandbox")]
    assert actions_logged("identity.sso_failed") == []


def test_links_the_existing_citizen_by_personal_id_and_counts_as_second_factor(
    base: str,
) -> None:
    citizen = factories.citizen(full_name="Trần Thị Bình")
    # She turned on two-step verification herself: the national SSO stands for it.
    TOTPDevice.objects.create(user=citizen, name="TOTP", confirmed=True)
    identity(citizen.personal_id, full_name="TRẦN THỊ BÌNH", email="khac@example.vn")
    browser = Browser(base)

    landed = browser.round_trip(str(citizen.personal_id))

    assert landed.status_code == 302 and landed.headers["Location"] == "/"
    assert browser.signed_in_user_id() == citizen.pk
    assert User.objects.count() == 1
    citizen.refresh_from_db()
    assert citizen.full_name == "Trần Thị Bình"  # the account is found, not rewritten
    assert browser.session_data()[middleware.SESSION_KEY] == middleware.NOT_REQUIRED
    account = browser.get("/account/")
    assert account.status_code == 200  # not sent to the code page
    assert [e.after["created"] for e in actions_logged("identity.sso_sign_in")] == [False]
    assert actions_logged("identity.sso_create_account") == []


def test_an_official_is_never_signed_in_through_sso(base: str) -> None:
    ministry = factories.ministry()
    official = factories.official(ministry)
    User.objects.filter(pk=official.pk).update(personal_id="001080000001")
    identity("001080000001", full_name=official.full_name)
    browser = Browser(base)

    landed = browser.round_trip("001080000001")

    assert landed.status_code == 302 and landed.headers["Location"] == "/account/login/"
    assert browser.signed_in_user_id() is None
    assert "Only citizens can sign in with the national electronic identity." in \
        browser.login_page_messages()
    failures = actions_logged("identity.sso_failed")
    assert [(e.after["reason"], e.object_id) for e in failures] == [
        ("not_citizen", str(official.pk))]
    assert actions_logged("identity.sso_sign_in") == []


def test_a_tampered_state_is_refused(base: str) -> None:
    identity()
    browser = Browser(base)
    back = browser.sandbox_sign_in(browser.click_vneid(), NEW_ID)
    forged = with_query(back.headers["Location"], state="forged-state-value")

    landed = browser.get(forged)

    assert landed.headers["Location"] == "/account/login/"
    assert browser.signed_in_user_id() is None
    assert not User.objects.filter(personal_id=NEW_ID).exists()
    assert "This sign-in with VNeID has expired or did not start from this site." in \
        browser.login_page_messages()
    assert [e.after["reason"] for e in actions_logged("identity.sso_failed")] == ["bad_state"]


def test_an_id_token_signed_by_another_key_is_refused(
    base: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The provider's JWKS names its real key; the token comes signed by a foreign one
    under the same key id."""
    identity()
    foreign = RSAKey.generate_key(2048, private=True)
    monkeypatch.setattr(sso_sandbox.SandboxOpenIDCode, "resolve_client_private_key",
                        lambda self, client: foreign)
    browser = Browser(base)

    landed = browser.round_trip(NEW_ID)

    assert landed.headers["Location"] == "/account/login/"
    assert browser.signed_in_user_id() is None
    assert not User.objects.filter(personal_id=NEW_ID).exists()
    assert "could not be verified, so nobody was signed in" in browser.login_page_messages()
    failures = actions_logged("identity.sso_failed")
    assert [e.after["reason"] for e in failures] == ["bad_token"]
    assert "Signature" in failures[0].after["detail"]


def test_the_provider_refusing_is_shown_and_audited(base: str) -> None:
    identity()
    browser = Browser(base)
    authorize_url = browser.click_vneid()
    page = browser.get(authorize_url)
    cancelled = browser.post(authorize_url, {"csrfmiddlewaretoken": browser.csrf(page.text),
                                             "cancel": "1"})
    assert "error=access_denied" in cancelled.headers["Location"]

    landed = browser.get(cancelled.headers["Location"])

    assert landed.headers["Location"] == "/account/login/"
    assert browser.signed_in_user_id() is None
    assert "did not sign you in (access_denied)" in browser.login_page_messages()
    assert [(e.after["reason"], e.after["detail"])
            for e in actions_logged("identity.sso_failed")] == [
        ("provider_error", "access_denied")]


def test_an_unreachable_provider_is_shown_and_audited(
    base: str, settings: Settings,
) -> None:
    settings.EGOV_SSO_ISSUER = "http://127.0.0.1:9/nowhere"  # the discard port: refused
    browser = Browser(base)
    page = browser.get("/account/login/")

    response = browser.post("/account/sso/", {"csrfmiddlewaretoken": browser.csrf(page.text)})

    assert response.headers["Location"] == "/account/login/"
    assert "cannot be reached right now" in browser.login_page_messages()
    assert [e.after["reason"] for e in actions_logged("identity.sso_failed")] == [
        "unreachable"]


def test_the_callback_cannot_be_replayed(base: str) -> None:
    identity()
    first = Browser(base)
    back = first.sandbox_sign_in(first.click_vneid(), NEW_ID)
    callback = back.headers["Location"]
    assert first.get(callback).headers["Location"] == "/"

    second = Browser(base)  # someone else presenting the same code and state
    assert second.get(callback).headers["Location"] == "/account/login/"
    assert second.signed_in_user_id() is None
    assert [e.after["reason"] for e in actions_logged("identity.sso_failed")] == ["bad_state"]


# --- the sandbox provider on its own -------------------------------------------------------

def test_the_sandbox_refuses_a_wrong_password_with_a_message(base: str) -> None:
    identity()
    browser = Browser(base)

    refused = browser.sandbox_sign_in(browser.click_vneid(), NEW_ID, password="sai-mat-khau")

    assert refused.status_code == 400
    assert "The personal identification number or the password is wrong." in refused.text
    assert not SandboxAuthorizationCode.objects.exists()
    assert browser.signed_in_user_id() is None


def test_discovery_and_jwks_publish_only_the_public_key(base: str) -> None:
    metadata = requests.get(f"{base}/sso-sandbox/.well-known/openid-configuration",
                            timeout=30).json()
    OpenIDProviderMetadata(metadata).validate()
    assert metadata["issuer"] == f"{base}/sso-sandbox"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    keys = requests.get(metadata["jwks_uri"], timeout=30).json()["keys"]
    assert [(k["kty"], k["alg"], "d" in k) for k in keys] == [("RSA", "RS256", False)]


class SandboxClient:
    """A client of the sandbox written with Authlib's requests client, to drive the token
    endpoint directly."""

    def __init__(self, base: str) -> None:
        from egov.identity import sso

        self.base = base
        self.redirect_uri = f"{base}/account/sso/callback/"
        self.oauth = OAuth2Session("egov", sso.client_secret(), scope="openid profile",
                                   redirect_uri=self.redirect_uri)
        self.verifier = "v" * 64

    def authorize_url(self, **extra: str) -> str:
        url, _state = self.oauth.create_authorization_url(
            f"{self.base}/sso-sandbox/authorize", nonce="n-0S6_WzA2Mj", **extra)
        return str(url)

    def code(self, browser: Browser) -> str:
        url = self.authorize_url(code_challenge=create_s256_code_challenge(self.verifier),
                                 code_challenge_method="S256")
        back = browser.sandbox_sign_in(url, NEW_ID)
        return dict(parse_qsl(urlsplit(back.headers["Location"]).query))["code"]

    def exchange(self, code: str) -> dict[str, Any]:
        return dict(self.oauth.fetch_token(f"{self.base}/sso-sandbox/token", code=code,
                                           code_verifier=self.verifier))


def test_a_code_is_exchanged_once(base: str) -> None:
    identity()
    client = SandboxClient(base)
    code = client.code(Browser(base))

    token = client.exchange(code)
    assert token["id_token"] and token["access_token"]
    userinfo = requests.get(f"{base}/sso-sandbox/userinfo", timeout=30, headers={
        "Authorization": f"Bearer {token['access_token']}"}).json()
    assert userinfo == {"sub": NEW_ID, "name": "Lê Văn Nam"}

    with pytest.raises(Exception, match="invalid_grant"):
        client.exchange(code)


def test_the_sandbox_requires_pkce_s256(base: str) -> None:
    identity()
    client = SandboxClient(base)

    refused = Browser(base).get(client.authorize_url())

    assert refused.status_code == 302
    assert "error=invalid_request" in refused.headers["Location"]


def test_no_button_and_no_sandbox_when_sso_is_off(settings: Settings) -> None:
    settings.EGOV_SSO_ISSUER = ""
    settings.EGOV_SSO_SANDBOX = False
    client = Client()
    assert "VNeID" not in client.get("/account/login/").content.decode()
    assert client.get("/sso-sandbox/.well-known/openid-configuration").status_code == 404
    assert client.post("/account/sso/").status_code == 404


def test_no_button_while_the_sandbox_knows_nobody(settings: Settings) -> None:
    """A deployment that has not set its issuer yet (the sandbox on by default) offers no
    button leading to a sandbox nobody can sign in to; the demo's identities bring it."""
    settings.EGOV_SSO_ISSUER = ""
    settings.EGOV_SSO_SANDBOX = True
    client = Client()
    assert "VNeID" not in client.get("/account/login/").content.decode()
    assert client.post("/account/sso/").status_code == 404
    identity("001090000009", full_name="Nguyễn Văn Demo")
    assert "VNeID" in client.get("/account/login/").content.decode()


# --- the action on its own ----------------------------------------------------------------

def _request() -> Any:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    request = RequestFactory().get("/account/sso/callback/", REMOTE_ADDR="127.0.0.1")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    request.user = AnonymousUser()
    return request


@pytest.mark.django_db  # in a test transaction: the same statements on both databases
def test_signing_in_a_known_citizen_takes_a_fixed_number_of_queries(
    django_assert_num_queries: Any,
) -> None:
    from egov.identity import actions

    citizen = factories.citizen()
    request = _request()
    # The action's savepoint and release; the account (locked); the audit entry; the new
    # session (exists?, savepoint, insert, release); django-axes' two look-ups and its log
    # of the sign-in; last_login.
    with django_assert_num_queries(12):
        user, created = actions.do_sso_sign_in(
            request, issuer="https://sso.example.vn", claims={"sub": citizen.personal_id})
    assert (user.pk, created) == (citizen.pk, False)
    assert request.session["_auth_user_id"] == str(citizen.pk)


@pytest.mark.django_db
def test_a_claim_that_is_not_a_personal_id_is_refused(settings: Settings) -> None:
    from egov.identity import actions

    settings.EGOV_SSO_PERSONAL_ID_CLAIM = "email"
    request = _request()
    with pytest.raises(actions.SsoRefused) as refused:
        actions.do_sso_sign_in(request, issuer="https://sso.example.vn",
                               claims={"sub": NEW_ID, "email": "a@example.vn"})
    assert refused.value.reason == "bad_personal_id"
    assert not User.objects.exists()
    assert "_auth_user_id" not in request.session


def test_the_sandbox_answers_an_unknown_client_on_its_own_page(base: str) -> None:
    page = Browser(base).get("/sso-sandbox/authorize?response_type=code&client_id=other"
                             "&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&scope=openid")
    assert page.status_code == 400
    assert "evil.example" not in page.headers.get("Location", "")
    assert "The sign-in request is not valid" in page.text


@pytest.mark.django_db
def test_a_new_account_takes_no_e_mail_the_provider_does_not_vouch_for() -> None:
    from egov.identity import actions

    user, created = actions.do_sso_sign_in(
        _request(), issuer="https://sso.example.vn",
        claims={"sub": NEW_ID, "name": "Lê Văn Nam", "email": "nam@example.vn",
                "email_verified": False, "phone_number": "0912345678"})
    assert created
    assert (user.full_name, user.email, user.phone) == ("Lê Văn Nam", "", "0912345678")
