"""The identity API: who am I, my tokens; Bearer authentication with personal tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from egov.core import actions as core_actions
from egov.core.models import AuditEntry, Organisation, User
from egov.core.tests import factories
from egov.identity import tokens
from egov.identity.models import ApiToken

from .helpers import force_login

pytestmark = pytest.mark.django_db


def bearer(key: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def clerk_key(clerk: User) -> str:
    _token, key = tokens.do_create_token(acting_user=clerk, name="script")
    return key


def test_me_with_a_token(client: Client, clerk: User, ministry: Organisation,
                         clerk_key: str) -> None:
    other_unit = factories.unit(ministry, "000.00.02.G12", "Vụ Pháp chế", "PC")
    core_actions.do_add_post(clerk, acting_user=None, unit=other_unit, position="specialist")
    response = client.get("/api/v1/me/", **bearer(clerk_key))
    assert response.status_code == 200
    data = response.json()
    assert data["username"] == "vanthu"
    assert data["full_name"] == "Lê Thị Văn Thư"
    assert data["kind"] == "official"
    posts = data["posts"]
    assert [(p["organisation"]["code"], p["organisation"]["name"], p["position"],
             p["is_primary"]) for p in posts] == [
        ("000.00.01.G12", "Văn phòng Bộ", "clerk", True),
        ("000.00.02.G12", "Vụ Pháp chế", "specialist", False),
    ]
    assert posts[0]["position_label"] == "Records clerk"


def test_me_for_a_citizen_has_no_posts(client: Client) -> None:
    citizen = factories.citizen(username="nguoidan")
    _token, key = tokens.do_create_token(acting_user=citizen, name="app")
    data = client.get("/api/v1/me/", **bearer(key)).json()
    assert data["kind"] == "citizen" and data["posts"] == []


def test_me_with_the_session(client: Client, clerk: User) -> None:
    force_login(client, clerk)
    assert client.get("/api/v1/me/").json()["username"] == "vanthu"


@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer egov_nothing_here", "Bearer a b", "Token abc",
])
def test_no_or_bad_credentials_are_refused(client: Client, clerk_key: str,
                                           header: str | None) -> None:
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/me/", **extra)
    assert response.status_code in (401, 403)
    if header is None or header.startswith("Bearer"):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_token_is_refused(client: Client, clerk: User, clerk_key: str) -> None:
    token = ApiToken.objects.get(user=clerk)
    tokens.do_revoke_token(token, acting_user=clerk)
    response = client.get("/api/v1/me/", **bearer(clerk_key))
    assert response.status_code == 401
    assert "Invalid, expired or revoked token" in response.json()["detail"]


def test_expired_token_is_refused(client: Client, clerk: User) -> None:
    token, key = tokens.do_create_token(
        acting_user=clerk, name="short", expires_at=timezone.now() + dt.timedelta(hours=1))
    assert client.get("/api/v1/me/", **bearer(key)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/me/", **bearer(key)).status_code == 401


def test_token_of_a_deactivated_account_is_refused(client: Client, clerk: User,
                                                   clerk_key: str) -> None:
    User.objects.filter(pk=clerk.pk).update(is_active=False)
    assert client.get("/api/v1/me/", **bearer(clerk_key)).status_code == 401


def test_last_used_is_recorded(client: Client, clerk: User, clerk_key: str) -> None:
    token = ApiToken.objects.get(user=clerk)
    assert token.last_used_at is None
    before = timezone.now()
    client.get("/api/v1/me/", **bearer(clerk_key))
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at >= before
    # Written at most once a minute: an older time is moved forward on the next call.
    old = timezone.now() - dt.timedelta(minutes=5)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=old)
    client.get("/api/v1/me/", **bearer(clerk_key))
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at > old + dt.timedelta(minutes=4)


def test_list_shows_only_my_tokens(client: Client, clerk: User, specialist: User,
                                   clerk_key: str) -> None:
    tokens.do_create_token(acting_user=specialist, name="không phải của tôi")
    data = client.get("/api/v1/tokens/", **bearer(clerk_key)).json()
    assert data["count"] == 1
    row = data["results"][0]
    assert row["name"] == "script" and row["is_active"] is True
    assert set(row) == {"id", "name", "prefix", "created_at", "last_used_at", "expires_at",
                        "revoked_at", "is_active"}
    assert "key_hash" not in str(data)


def test_create_a_token_through_the_api_with_audit_by_the_right_actor(
    client: Client, clerk: User, clerk_key: str
) -> None:
    response = client.post("/api/v1/tokens/", {"name": "second"},
                           content_type="application/json", **bearer(clerk_key))
    assert response.status_code == 201
    data = response.json()
    assert data["token"].startswith(f"egov_{data['prefix']}_")
    assert client.get("/api/v1/me/", **bearer(data["token"])).json()["username"] == "vanthu"
    entry = AuditEntry.objects.filter(action="identity.create_token").latest("id")
    assert entry.object_id == str(data["id"])
    assert entry.actor_id == clerk.pk
    assert entry.actor_label == "Lê Thị Văn Thư"
    assert entry.position == "clerk"  # the primary post, resolved after token auth
    assert entry.ip == "127.0.0.1"
    # Shown once: the list never carries it.
    assert data["token"] not in client.get("/api/v1/tokens/", **bearer(clerk_key)).content.decode()


@pytest.mark.parametrize(("payload", "field"), [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"name": "ok", "expires_at": "2000-01-01T00:00:00Z"}, "expires_at"),
    ({"name": "ok", "expires_at": "not a date"}, "expires_at"),
])
def test_bad_token_input_names_the_field(client: Client, clerk: User, clerk_key: str,
                                         payload: dict[str, str], field: str) -> None:
    response = client.post("/api/v1/tokens/", payload, content_type="application/json",
                           **bearer(clerk_key))
    assert response.status_code == 400
    assert field in response.json()
    assert ApiToken.objects.filter(user=clerk).count() == 1


def test_a_token_cannot_mint_a_token_that_outlives_it(client: Client, clerk: User) -> None:
    limit = timezone.now() + dt.timedelta(days=1)
    _token, key = tokens.do_create_token(acting_user=clerk, name="short", expires_at=limit)
    response = client.post("/api/v1/tokens/", {"name": "forever"},
                           content_type="application/json", **bearer(key))
    assert response.status_code == 400
    assert "expires_at" in response.json()
    later = (limit + dt.timedelta(days=1)).isoformat()
    response = client.post("/api/v1/tokens/", {"name": "later", "expires_at": later},
                           content_type="application/json", **bearer(key))
    assert response.status_code == 400
    sooner = (limit - dt.timedelta(hours=1)).isoformat()
    response = client.post("/api/v1/tokens/", {"name": "sooner", "expires_at": sooner},
                           content_type="application/json", **bearer(key))
    assert response.status_code == 201


def test_revoke_through_the_api(client: Client, clerk: User, clerk_key: str) -> None:
    other, other_key = tokens.do_create_token(acting_user=clerk, name="other")
    response = client.post(f"/api/v1/tokens/{other.pk}/revoke/", **bearer(clerk_key))
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert response.json()["is_active"] is False
    assert client.get("/api/v1/me/", **bearer(other_key)).status_code == 401
    entry = AuditEntry.objects.get(action="identity.revoke_token")
    assert entry.actor_id == clerk.pk
    again = client.post(f"/api/v1/tokens/{other.pk}/revoke/", **bearer(clerk_key))
    assert again.status_code == 400
    assert "token" in again.json()


def test_delete_revokes(client: Client, clerk: User, clerk_key: str) -> None:
    other, _other_key = tokens.do_create_token(acting_user=clerk, name="other")
    response = client.delete(f"/api/v1/tokens/{other.pk}/", **bearer(clerk_key))
    assert response.status_code == 204
    other.refresh_from_db()
    assert other.revoked_at is not None  # kept, for the record


def test_another_persons_token_is_not_found(client: Client, clerk: User, specialist: User,
                                            clerk_key: str) -> None:
    theirs, their_key = tokens.do_create_token(acting_user=specialist, name="theirs")
    for method, url in [("get", f"/api/v1/tokens/{theirs.pk}/"),
                        ("post", f"/api/v1/tokens/{theirs.pk}/revoke/"),
                        ("delete", f"/api/v1/tokens/{theirs.pk}/")]:
        response = getattr(client, method)(url, **bearer(clerk_key))
        assert response.status_code == 404, (method, url)
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert client.get("/api/v1/me/", **bearer(their_key)).status_code == 200


def test_session_api_calls_need_the_csrf_token(clerk: User) -> None:
    browser = Client(enforce_csrf_checks=True)
    force_login(browser, clerk)
    response = browser.post("/api/v1/tokens/", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert not ApiToken.objects.exists()
