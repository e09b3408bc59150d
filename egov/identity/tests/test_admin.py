"""Administrators set the security policy and can revoke tokens in the admin site."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from egov.core.models import AuditEntry, User
from egov.identity import tokens
from egov.identity.models import ApiToken, SecurityPolicy
from egov.identity.policy import otp_required

from .helpers import force_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    client = Client()
    force_login(client, admin_user)
    return client


def test_policy_list_opens_the_single_policy(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:identity_securitypolicy_changelist"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:identity_securitypolicy_change", args=[1])
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    # A multi-select of the positions.
    assert 'type="checkbox" name="otp_required_positions" value="agency_leader"' in html
    assert "Deputy agency leader" in html
    assert SecurityPolicy.objects.count() == 1


def test_administrator_requires_it_for_leaders(admin_client: Client, leader: User,
                                               specialist: User, admin_user: User) -> None:
    assert not otp_required(leader)
    admin_client.get(reverse("admin:identity_securitypolicy_changelist"))
    response = admin_client.post(
        reverse("admin:identity_securitypolicy_change", args=[1]),
        {"otp_required_positions": ["agency_leader", "deputy_leader"]})
    assert response.status_code == 302
    policy = SecurityPolicy.current()
    assert policy.otp_required_positions == ["agency_leader", "deputy_leader"]
    assert not policy.otp_required_for_staff
    assert otp_required(leader)
    assert not otp_required(specialist)
    entry = AuditEntry.objects.filter(action="identity.update_security_policy").latest("id")
    assert entry.actor_id == admin_user.pk
    assert entry.after == {"otp_required_positions": ["agency_leader", "deputy_leader"],
                           "otp_required_for_staff": False}
    assert entry.before == {"otp_required_positions": [], "otp_required_for_staff": False}


def test_unknown_position_is_refused(admin_client: Client) -> None:
    admin_client.get(reverse("admin:identity_securitypolicy_changelist"))
    response = admin_client.post(
        reverse("admin:identity_securitypolicy_change", args=[1]),
        {"otp_required_positions": ["emperor"]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert SecurityPolicy.current().otp_required_positions == []


def test_policy_cannot_be_added_twice_or_deleted(admin_client: Client) -> None:
    admin_client.get(reverse("admin:identity_securitypolicy_changelist"))
    assert admin_client.get(reverse("admin:identity_securitypolicy_add")).status_code == 403
    response = admin_client.get(reverse("admin:identity_securitypolicy_delete", args=[1]))
    assert response.status_code == 403


def test_policy_admin_needs_the_right(client: Client, leader: User) -> None:
    User.objects.filter(pk=leader.pk).update(is_staff=True)
    force_login(client, leader)
    response = client.get(reverse("admin:identity_securitypolicy_changelist"))
    assert response.status_code == 403


def test_administrator_revokes_a_token(admin_client: Client, clerk: User,
                                       admin_user: User) -> None:
    token, key = tokens.do_create_token(acting_user=clerk, name="lost laptop")
    listing = admin_client.get(reverse("admin:identity_apitoken_changelist"))
    assert "lost laptop" in listing.content.decode()
    assert token.key_hash not in listing.content.decode()
    response = admin_client.post(reverse("admin:identity_apitoken_changelist"), {
        "action": "revoke", "_selected_action": [str(token.pk)]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert tokens.authenticate(key) is None
    entry = AuditEntry.objects.get(action="identity.revoke_token")
    assert entry.actor_id == admin_user.pk
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()
