"""Password change (signed in) and reset by e-mail, both through the actions."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from egov.core.models import AuditEntry, User
from egov.core.tests.factories import PASSWORD

from .helpers import force_login, session_user_id, sign_in

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Một-mật-khẩu-mới-2027"


def test_change_password(client: Client, clerk: User) -> None:
    sign_in(client, "vanthu")
    response = client.post(reverse("identity:password_change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("identity:password_change_done")
    clerk.refresh_from_db()
    assert clerk.check_password(NEW_PASSWORD)
    # Still signed in here.
    assert client.get(reverse("web:home")).status_code == 200
    entry = AuditEntry.objects.get(action="identity.change_password")
    assert entry.actor_id == clerk.pk
    assert entry.object_id == str(clerk.pk)
    assert PASSWORD not in str(entry.after) and clerk.password not in str(entry.after)


def test_change_password_signs_out_the_other_sessions(client: Client, clerk: User) -> None:
    other = Client()
    sign_in(other, "vanthu")
    assert other.get(reverse("web:home")).status_code == 200
    sign_in(client, "vanthu")
    client.post(reverse("identity:password_change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD})
    assert other.get(reverse("web:home")).status_code == 302


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
     "Old password", "Your old password was entered incorrectly"),
    ({"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "other"},
     "New password confirmation", "The two password fields didn"),
    ({"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
     "New password confirmation", "This password is too short"),
    ({"old_password": PASSWORD, "new_password1": "12345678901234",
      "new_password2": "12345678901234"},
     "New password confirmation", "This password is entirely numeric"),
])
def test_bad_password_change_names_the_field_and_changes_nothing(
    client: Client, clerk: User, data: dict[str, str], field: str, message: str
) -> None:
    force_login(client, clerk)
    response = client.post(reverse("identity:password_change"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(rf"{field}</a>: {message}", html), html
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="identity.change_password").exists()


def test_password_change_needs_sign_in(client: Client) -> None:
    response = client.get(reverse("identity:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


def _reset_link(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://[^/\s]+(/account/password/reset/[^/\s]+/[^/\s]+/)",
                      message.body)
    assert found, message.body
    return found.group(1)


def test_reset_password_by_e_mail(client: Client, clerk: User) -> None:
    User.objects.filter(pk=clerk.pk).update(email="vanthu@example.gov.vn")
    response = client.post(reverse("identity:password_reset"),
                           {"email": "vanthu@example.gov.vn"})
    assert response.status_code == 302
    assert response["Location"] == reverse("identity:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["vanthu@example.gov.vn"]
    assert message.subject == "egov: choose a new password"
    assert "vanthu" in message.body  # reminds the user name
    assert message.from_email == settings.DEFAULT_FROM_EMAIL

    link = _reset_link(message)
    page = client.get(link, follow=True)
    assert page.status_code == 200
    assert "Choose a new password" in page.content.decode()
    set_url = page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": NEW_PASSWORD,
                                     "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("identity:password_reset_complete")
    clerk.refresh_from_db()
    assert clerk.check_password(NEW_PASSWORD)
    entry = AuditEntry.objects.get(action="identity.reset_password")
    assert entry.actor_id == clerk.pk

    # The link works once.
    again = client.get(link, follow=True)
    assert "This link no longer works" in again.content.decode()
    # And the new password signs in.
    assert sign_in(Client(), "vanthu", NEW_PASSWORD).status_code == 302


def test_reset_e_mail_is_in_vietnamese_by_default(client: Client, clerk: User,
                                                  settings: object) -> None:
    settings.LANGUAGE_CODE = "vi"  # type: ignore[attr-defined]
    User.objects.filter(pk=clerk.pk).update(email="vanthu@example.gov.vn")
    client.post(reverse("identity:password_reset"), {"email": "vanthu@example.gov.vn"})
    assert len(mail.outbox) == 1
    # The language of the request is used for the e-mail (the catalogue supplies the text).
    from django.utils import translation

    with translation.override("vi"):
        expected = translation.gettext("egov: choose a new password")
    assert mail.outbox[0].subject == expected


def test_reset_bad_new_password_changes_nothing(client: Client, clerk: User) -> None:
    User.objects.filter(pk=clerk.pk).update(email="vanthu@example.gov.vn")
    client.post(reverse("identity:password_reset"), {"email": "vanthu@example.gov.vn"})
    page = client.get(_reset_link(mail.outbox[0]), follow=True)
    set_url = page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "vanthu", "new_password2": "vanthu"})
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)


def test_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(
    client: Client, clerk: User
) -> None:
    response = client.post(reverse("identity:password_reset"),
                           {"email": "nobody@example.gov.vn"})
    assert response.status_code == 302
    assert response["Location"] == reverse("identity:password_reset_done")
    assert mail.outbox == []


def test_reset_with_a_malformed_address_names_the_field(client: Client) -> None:
    response = client.post(reverse("identity:password_reset"), {"email": "not an address"})
    assert response.status_code == 200
    assert re.search(r"E-mail</a>: Enter a valid email address", response.content.decode())
    assert mail.outbox == []


def test_reset_lifts_a_lockout(client: Client, clerk: User) -> None:
    User.objects.filter(pk=clerk.pk).update(email="vanthu@example.gov.vn")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "vanthu", "wrong-password-123")
    assert sign_in(client, "vanthu").status_code == 429
    client.post(reverse("identity:password_reset"), {"email": "vanthu@example.gov.vn"})
    page = client.get(_reset_link(mail.outbox[0]), follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD,
                                             "new_password2": NEW_PASSWORD})
    response = sign_in(client, "vanthu", NEW_PASSWORD)
    assert response.status_code == 302
    assert session_user_id(client) == str(clerk.pk)
