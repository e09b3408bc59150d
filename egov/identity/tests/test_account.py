"""The account page: who I am, my posts and the one I act in, second factor status,
personal API tokens (made, shown once, listed, revoked)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from egov.core import actions as core_actions
from egov.core.models import AuditEntry, Organisation, Post, User
from egov.core.queries import ACTING_POST_SESSION_KEY
from egov.core.tests import factories
from egov.identity import tokens
from egov.identity.models import ApiToken

from .helpers import force_login

pytestmark = pytest.mark.django_db
ACCOUNT = reverse("identity:account")


@pytest.fixture
def concurrent_post(clerk: User, ministry: Organisation) -> Post:
    """The clerk also holds a post in another unit (kiêm nhiệm)."""
    other_unit = factories.unit(ministry, "000.00.02.G12", "Vụ Pháp chế", "PC")
    return core_actions.do_add_post(clerk, acting_user=None, unit=other_unit,
                                    position="specialist")


def test_account_page_shows_the_person_and_their_posts(client: Client, clerk: User,
                                                       concurrent_post: Post) -> None:
    force_login(client, clerk)
    response = client.get(ACCOUNT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lê Thị Văn Thư" in html
    assert "vanthu" in html
    assert "Official" in html
    assert "Records clerk" in html and "Văn phòng Bộ" in html and "000.00.01.G12" in html
    assert "Vụ Pháp chế" in html
    assert "Two-step verification" in html and "Off" in html
    assert "You have no tokens." in html


def test_citizen_account_page(client: Client) -> None:
    citizen = factories.citizen(username="nguoidan", full_name="Trần Thị Bình")
    force_login(client, citizen)
    html = client.get(ACCOUNT).content.decode()
    assert "Trần Thị Bình" in html and "Citizen" in html
    assert citizen.personal_id is not None and citizen.personal_id in html
    assert "My posts" not in html


def test_account_needs_sign_in(client: Client) -> None:
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


def test_choose_the_post_to_act_in(client: Client, clerk: User,
                                   concurrent_post: Post) -> None:
    force_login(client, clerk)
    response = client.post(reverse("identity:choose_post"), {"post": concurrent_post.pk})
    assert response.status_code == 302
    assert client.session[ACTING_POST_SESSION_KEY] == concurrent_post.pk
    html = client.get(ACCOUNT).content.decode()
    assert re.search(r"Acting now as:\s*<strong>Specialist — Vụ Pháp chế</strong>", html)


def test_the_acting_post_is_recorded_in_the_audit(client: Client, clerk: User,
                                                  concurrent_post: Post) -> None:
    force_login(client, clerk)
    client.post(reverse("identity:choose_post"), {"post": concurrent_post.pk})
    client.post(reverse("identity:token_create"), {"name": "script"})
    entry = AuditEntry.objects.get(action="identity.create_token")
    assert entry.actor_id == clerk.pk
    assert entry.position == "specialist"
    assert "Vụ Pháp chế" in entry.position_label


def test_another_persons_post_is_refused(client: Client, clerk: User, specialist: User,
                                         concurrent_post: Post) -> None:
    force_login(client, clerk)
    others = Post.objects.get(user=specialist)
    response = client.post(reverse("identity:choose_post"), {"post": others.pk})
    assert response.status_code == 400
    assert "Choose one of your own current posts." in response.content.decode()
    assert ACTING_POST_SESSION_KEY not in client.session


def test_an_ended_post_is_refused(client: Client, clerk: User,
                                  concurrent_post: Post) -> None:
    core_actions.do_end_post(concurrent_post, acting_user=None)
    force_login(client, clerk)
    response = client.post(reverse("identity:choose_post"), {"post": concurrent_post.pk})
    assert response.status_code == 400
    assert ACTING_POST_SESSION_KEY not in client.session


def test_create_a_token_shown_once(client: Client, clerk: User) -> None:
    force_login(client, clerk)
    response = client.post(reverse("identity:token_create"),
                           {"name": "Báo cáo hằng đêm", "expires_on": ""})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    key = re.search(r'value="(egov_[0-9a-f]{8}_[A-Za-z0-9_-]+)"', html)
    assert key is not None
    token = ApiToken.objects.get(user=clerk)
    assert token.name == "Báo cáo hằng đêm" and token.expires_at is None
    # Only the hash is stored; the list shows name and prefix, never the token again.
    assert key.group(1) not in token.key_hash
    listing = client.get(ACCOUNT).content.decode()
    assert "Báo cáo hằng đêm" in listing
    assert f"egov_{token.prefix}…" in listing
    assert key.group(1) not in listing
    assert "never" in listing and "no expiry" in listing and "active" in listing
    # The token works, and the list then shows when it was last used.
    assert tokens.authenticate(key.group(1)) == token
    assert "never" not in client.get(ACCOUNT).content.decode()


def test_token_with_an_expiry_date(client: Client, clerk: User) -> None:
    force_login(client, clerk)
    day = timezone.localdate() + dt.timedelta(days=30)
    client.post(reverse("identity:token_create"), {"name": "tạm", "expires_on": day.isoformat()})
    token = ApiToken.objects.get(user=clerk)
    assert token.expires_at is not None
    assert timezone.localtime(token.expires_at).date() == day + dt.timedelta(days=1)
    assert timezone.localtime(token.expires_at).time() == dt.time(0, 0)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": ""}, "Name", "This field is required"),
    ({"name": "   "}, "Name", "This field is required"),
    ({"name": "x" * 101}, "Name", "Ensure this value has at most 100 characters"),
    ({"name": "old", "expires_on": "2000-01-01"}, "Expires on (optional)",
     "The expiry must be in the future"),
    ({"name": "bad date", "expires_on": "31/02/2030"}, "Expires on (optional)",
     "Enter a valid date"),
])
def test_bad_token_input_names_the_field_and_saves_nothing(
    client: Client, clerk: User, data: dict[str, str], field: str, message: str
) -> None:
    force_login(client, clerk)
    response = client.post(reverse("identity:token_create"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(rf"{re.escape(field)}</a>: {message}", html), html
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(action="identity.create_token").exists()


def test_revoke_own_token(client: Client, clerk: User) -> None:
    token, key = tokens.do_create_token(acting_user=clerk, name="cũ")
    force_login(client, clerk)
    response = client.post(reverse("identity:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert tokens.authenticate(key) is None
    assert "revoked" in client.get(ACCOUNT).content.decode()
    entry = AuditEntry.objects.get(action="identity.revoke_token")
    assert entry.actor_id == clerk.pk and entry.object_id == str(token.pk)


def test_revoking_twice_says_so(client: Client, clerk: User) -> None:
    token, _key = tokens.do_create_token(acting_user=clerk, name="cũ")
    force_login(client, clerk)
    client.post(reverse("identity:token_revoke", args=[token.pk]))
    response = client.post(reverse("identity:token_revoke", args=[token.pk]), follow=True)
    assert "This token is already revoked." in response.content.decode()
    assert AuditEntry.objects.filter(action="identity.revoke_token").count() == 1


def test_nobody_sees_or_revokes_another_persons_token(client: Client, clerk: User,
                                                      specialist: User) -> None:
    theirs, key = tokens.do_create_token(acting_user=specialist, name="của người khác")
    force_login(client, clerk)
    assert "của người khác" not in client.get(ACCOUNT).content.decode()
    response = client.post(reverse("identity:token_revoke", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert tokens.authenticate(key) == theirs


def test_token_pages_need_post(client: Client, clerk: User) -> None:
    force_login(client, clerk)
    assert client.get(reverse("identity:token_create")).status_code == 405
    assert client.get(reverse("identity:token_revoke", args=[1])).status_code == 405


def test_account_page_queries_do_not_grow_with_tokens(client: Client, clerk: User,
                                                      concurrent_post: Post) -> None:
    force_login(client, clerk)
    tokens.do_create_token(acting_user=clerk, name="one")
    client.get(ACCOUNT)
    with CaptureQueriesContext(connection) as few:
        assert client.get(ACCOUNT).status_code == 200
    for n in range(5):
        tokens.do_create_token(acting_user=clerk, name=f"more {n}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(ACCOUNT).status_code == 200
    assert len(many) == len(few)


def test_a_refused_form_is_announced_at_the_top(client: Client, clerk: User) -> None:
    force_login(client, clerk)
    response = client.post(reverse("identity:token_create"), {"name": ""})
    html = response.content.decode()
    top = html.index("<h1>My account</h1>")
    assert html.index('href="#tokens">Nothing was saved', top) < html.index('id="tokens"')
