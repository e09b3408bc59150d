"""Sign-in and sign-out, wrong passwords, inactive accounts, lockout and unlocking."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from egov.core.models import User
from egov.core.tests import factories
from egov.core.tests.factories import PASSWORD

from .helpers import force_login, session_user_id, sign_in

pytestmark = pytest.mark.django_db
HOME = reverse("web:home")
LOGIN = reverse("identity:login")


def test_sign_in_page_offers_the_form_reset_and_registration(client: Client) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert reverse("identity:password_reset") in html
    assert reverse("identity:register") in html
    assert "<script" not in html  # works without JavaScript


def test_sign_in_page_is_vietnamese_by_default(client: Client, settings: Settings) -> None:
    settings.LANGUAGE_CODE = "vi"
    response = client.get(LOGIN)
    assert '<html lang="vi">' in response.content.decode()


def test_official_signs_in_and_the_home_page_opens(client: Client, clerk: User) -> None:
    response = sign_in(client, "vanthu")
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert session_user_id(client) == str(clerk.pk)
    assert client.get(HOME).status_code == 200
    clerk.refresh_from_db()
    assert clerk.last_login is not None


def test_citizen_signs_in_on_the_same_page(client: Client) -> None:
    citizen = factories.citizen(username="nguoidan")
    response = sign_in(client, "nguoidan")
    assert response.status_code == 302
    assert session_user_id(client) == str(citizen.pk)


def test_wrong_password_gives_a_clear_message_and_changes_nothing(
    client: Client, clerk: User
) -> None:
    response = sign_in(client, "vanthu", "not-the-password")
    assert response.status_code == 200
    assert "The user name or the password is wrong" in response.content.decode()
    assert session_user_id(client) is None
    clerk.refresh_from_db()
    assert clerk.last_login is None
    assert client.get(HOME).status_code == 302


def test_unknown_user_gets_the_same_message(client: Client, clerk: User) -> None:
    response = sign_in(client, "nobody-here", PASSWORD)
    assert "The user name or the password is wrong" in response.content.decode()
    assert session_user_id(client) is None


def test_empty_fields_are_named(client: Client) -> None:
    response = client.post(LOGIN, {"username": "", "password": ""})
    html = response.content.decode()
    assert re.search(r"User name</a>: This field is required", html)
    assert re.search(r"Password</a>: This field is required", html)


def test_inactive_account_cannot_sign_in(client: Client, clerk: User) -> None:
    User.objects.filter(pk=clerk.pk).update(is_active=False)
    response = sign_in(client, "vanthu")
    assert response.status_code == 200
    assert session_user_id(client) is None


def test_sign_in_follows_a_local_next_but_not_another_site(client: Client, clerk: User) -> None:
    account = reverse("identity:account")
    response = sign_in(client, "vanthu", next=account)
    assert response["Location"] == account
    client.post(reverse("identity:logout"))
    response = sign_in(client, "vanthu", next="https://evil.example/")
    assert response["Location"] == HOME


def _fail(client: Client, username: str, times: int) -> object:
    response = None
    for _ in range(times):
        response = sign_in(client, username, "wrong-password-123")
    return response


def test_lockout_after_the_failure_limit_tells_when_to_retry(
    client: Client, clerk: User
) -> None:
    limit = django_settings.AXES_FAILURE_LIMIT
    before = _fail(client, "vanthu", limit - 1)
    assert before.status_code == 200  # type: ignore[attr-defined]
    response = _fail(client, "vanthu", 1)
    assert response.status_code == 429  # type: ignore[attr-defined]
    assert "identity/locked_out.html" in [t.name for t in response.templates]  # type: ignore[attr-defined]
    html = response.content.decode()  # type: ignore[attr-defined]
    minutes = int(django_settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    retry = timezone.localtime(timezone.now() + django_settings.AXES_COOLOFF_TIME)
    assert f"You can try again in {minutes} minutes" in html
    # The time shown is the end of the cool-off (allow the minute to tick over).
    shown = re.search(r"after (\d\d:\d\d) on (\d\d/\d\d/\d{4})", html)
    assert shown is not None
    candidates = {(retry + dt.timedelta(minutes=d)).strftime("%H:%M") for d in (-1, 0)}
    assert shown.group(1) in candidates
    assert reverse("identity:password_reset") in html

    # Even the right password is refused while locked out, and nothing is signed in.
    response = sign_in(client, "vanthu")
    assert response.status_code == 429
    assert session_user_id(client) is None


def test_lockout_is_per_user_name_and_address(client: Client, clerk: User,
                                              specialist: User) -> None:
    _fail(client, "vanthu", django_settings.AXES_FAILURE_LIMIT)
    assert sign_in(client, "chuyenvien").status_code == 302
    other_address = Client(REMOTE_ADDR="10.1.2.3")
    assert sign_in(other_address, "vanthu").status_code == 302


def test_administrator_unlocks_with_the_command(client: Client, clerk: User) -> None:
    _fail(client, "vanthu", django_settings.AXES_FAILURE_LIMIT)
    assert sign_in(client, "vanthu").status_code == 429
    call_command("axes_reset_username", "vanthu")
    response = sign_in(client, "vanthu")
    assert response.status_code == 302
    assert session_user_id(client) == str(clerk.pk)


def test_administrator_unlocks_in_the_admin(client: Client, clerk: User,
                                            admin_user: User) -> None:
    _fail(client, "vanthu", django_settings.AXES_FAILURE_LIMIT)
    attempt = AccessAttempt.objects.get(username="vanthu")
    admin = Client()
    force_login(admin, admin_user)
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert "vanthu" in listing.content.decode()
    response = admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]),
                          {"post": "yes"})
    assert response.status_code == 302
    assert sign_in(client, "vanthu").status_code == 302


def test_a_successful_sign_in_clears_earlier_failures(client: Client, clerk: User) -> None:
    _fail(client, "vanthu", django_settings.AXES_FAILURE_LIMIT - 1)
    assert sign_in(client, "vanthu").status_code == 302
    client.post(reverse("identity:logout"))
    # The counter started again: as many failures as before do not lock.
    assert _fail(client, "vanthu", django_settings.AXES_FAILURE_LIMIT - 1).status_code == 200  # type: ignore[attr-defined]
    assert sign_in(client, "vanthu").status_code == 302


def test_sign_out_ends_the_session(client: Client, clerk: User) -> None:
    sign_in(client, "vanthu")
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    response = client.post(reverse("identity:logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(HOME).status_code == 302

    # Replaying the old session cookie does not bring the session back.
    replay = Client()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = key
    response = replay.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_sign_out_needs_post(client: Client, clerk: User) -> None:
    force_login(client, clerk)
    assert client.get(reverse("identity:logout")).status_code == 405
    assert session_user_id(client) == str(clerk.pk)


def test_signed_in_person_visiting_the_sign_in_page_goes_home(client: Client,
                                                                clerk: User) -> None:
    force_login(client, clerk)
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == HOME
