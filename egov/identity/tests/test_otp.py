"""Second factor: the policy sends people to /account/otp/, which enrols a device or asks
for its code; real TOTP codes from the device key."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings

from egov.core.models import AuditEntry, User
from egov.identity import actions
from egov.identity.models import SecurityPolicy

from .helpers import code, force_login, sign_in, wrong_code

pytestmark = pytest.mark.django_db
HOME = reverse("web:home")
OTP = reverse("identity:otp")


@pytest.fixture
def leaders_need_otp(db: None) -> SecurityPolicy:
    return actions.do_update_security_policy(
        acting_user=None, otp_required_positions=["agency_leader", "deputy_leader"],
        otp_required_for_staff=False)


@pytest.fixture
def no_throttle(settings: Settings) -> None:
    """Several codes in a row within a second (the throttling has its own test)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def enrolled(user: User) -> TOTPDevice:
    """A confirmed device, set up through the actions as the page does."""
    device = actions.do_start_totp_enrolment(acting_user=user)
    return actions.do_confirm_totp(device, acting_user=user, code=code(device))


def test_leader_must_enrol_then_home_opens(client: Client, leader: User,
                                           leaders_need_otp: SecurityPolicy,
                                           no_throttle: None) -> None:
    response = sign_in(client, "lanhdao")
    assert response.status_code == 302
    # The home page sends the leader to set up the second factor first.
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == f"{OTP}?next={quote(HOME, safe='')}"

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "identity/otp_enrol.html" in [t.name for t in page.templates]
    assert "<svg" in html and 'class="qr"' in html
    assert "http" not in html[html.index("<svg"):html.index("</svg>")].replace(
        "http://www.w3.org/2000/svg", "")  # no external request
    device = TOTPDevice.objects.get(user=leader)
    assert not device.confirmed
    from base64 import b32encode

    assert " ".join(re.findall(".{1,4}", b32encode(device.bin_key).decode())) in html
    assert "Your administrator requires a second step" in html

    # Reloading keeps the same key (the app may already have scanned it).
    client.get(OTP)
    assert TOTPDevice.objects.filter(user=leader).count() == 1

    # A wrong code is refused; nothing is turned on.
    response = client.post(OTP, {"code": wrong_code(device), "next": HOME})
    assert response.status_code == 200
    assert "The code is wrong or has expired" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(HOME).status_code == 302

    # The right code turns it on and opens the page asked for.
    response = client.post(OTP, {"code": code(device), "next": HOME})
    assert response.status_code == 302
    assert response["Location"] == HOME
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(HOME).status_code == 200
    entry = AuditEntry.objects.get(action="identity.enable_totp")
    assert entry.actor_id == leader.pk


def test_leader_with_a_device_enters_a_code_after_the_password(
    client: Client, leader: User, leaders_need_otp: SecurityPolicy, no_throttle: None
) -> None:
    device = enrolled(leader)
    sign_in(client, "lanhdao")
    response = client.get(HOME)
    assert response["Location"].startswith(OTP)
    page = client.get(OTP)
    assert "identity/otp_verify.html" in [t.name for t in page.templates]
    assert "<svg" not in page.content.decode()  # the key is never shown again

    response = client.post(OTP, {"code": wrong_code(device)})
    assert response.status_code == 200
    assert "The code is wrong or has expired" in response.content.decode()
    assert client.get(HOME).status_code == 302

    response = client.post(OTP, {"code": code(device, steps_ahead=1)})
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    assert client.get(reverse("identity:account")).status_code == 200


def test_a_code_is_accepted_only_once(client: Client, leader: User,
                                      leaders_need_otp: SecurityPolicy,
                                      no_throttle: None) -> None:
    device = enrolled(leader)
    used = code(device)  # accepted by the enrolment just now
    sign_in(client, "lanhdao")
    response = client.post(OTP, {"code": used})
    assert response.status_code == 200
    assert client.get(HOME).status_code == 302


def test_malformed_code_is_named(client: Client, leader: User,
                                 leaders_need_otp: SecurityPolicy) -> None:
    enrolled(leader)
    sign_in(client, "lanhdao")
    response = client.post(OTP, {"code": "12ab"})
    html = response.content.decode()
    assert re.search(r"Code from your authenticator app</a>: Enter the 6-digit code", html)
    response = client.post(OTP, {"code": ""})
    assert re.search(r"Code from your authenticator app</a>: This field is required",
                     response.content.decode())


def test_wrong_codes_are_throttled(client: Client, leader: User,
                                   leaders_need_otp: SecurityPolicy,
                                   settings: Settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = enrolled(leader)
    sign_in(client, "lanhdao")
    client.post(OTP, {"code": wrong_code(device)})
    # Even the right code waits until the delay is over.
    response = client.post(OTP, {"code": code(device, steps_ahead=1)})
    assert response.status_code == 200
    assert re.search(r"Too many wrong codes. Wait \d+ seconds", response.content.decode())
    assert client.get(HOME).status_code == 302


def test_people_the_policy_does_not_name_go_straight_home(
    client: Client, specialist: User, leaders_need_otp: SecurityPolicy
) -> None:
    sign_in(client, "chuyenvien")
    assert client.get(HOME).status_code == 200


def test_no_policy_no_second_factor(client: Client, leader: User) -> None:
    sign_in(client, "lanhdao")
    assert client.get(HOME).status_code == 200


def test_policy_for_administrators(client: Client, admin_user: User) -> None:
    actions.do_update_security_policy(acting_user=None, otp_required_positions=[],
                                      otp_required_for_staff=True)
    sign_in(client, "quantri")
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(OTP)


def test_unverified_session_does_not_open_the_api(client: Client, leader: User,
                                                  leaders_need_otp: SecurityPolicy,
                                                  no_throttle: None) -> None:
    device = enrolled(leader)
    sign_in(client, "lanhdao")
    assert client.get("/api/v1/me/").status_code == 401
    client.post(OTP, {"code": code(device, steps_ahead=1)})
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "lanhdao"


def test_otp_page_does_not_redirect_elsewhere(client: Client, leader: User,
                                              leaders_need_otp: SecurityPolicy,
                                              no_throttle: None) -> None:
    device = enrolled(leader)
    sign_in(client, "lanhdao")
    response = client.post(OTP, {"code": code(device, steps_ahead=1),
                                 "next": "https://evil.example/"})
    assert response["Location"] == HOME


def test_sign_out_is_possible_before_the_second_factor(client: Client, leader: User,
                                                       leaders_need_otp: SecurityPolicy
                                                       ) -> None:
    sign_in(client, "lanhdao")
    response = client.post(reverse("identity:logout"))
    assert response.status_code == 302
    assert client.get(HOME)["Location"].startswith(reverse("identity:login"))


def test_otp_page_needs_sign_in(client: Client) -> None:
    response = client.get(OTP)
    assert response["Location"].startswith(reverse("identity:login"))


def test_voluntary_second_factor_from_the_account_page(client: Client, specialist: User,
                                                       no_throttle: None) -> None:
    force_login(client, specialist)
    account = client.get(reverse("identity:account")).content.decode()
    assert "Turn on two-step verification" in account
    page = client.get(OTP, {"next": reverse("identity:account")})
    assert page.status_code == 200
    assert "Your administrator requires" not in page.content.decode()
    device = TOTPDevice.objects.get(user=specialist)
    response = client.post(OTP, {"code": code(device), "next": reverse("identity:account")})
    assert response["Location"] == reverse("identity:account")

    # From now on, signing in asks for the code too.
    again = Client()
    sign_in(again, "chuyenvien")
    assert again.get(HOME)["Location"].startswith(OTP)
    again.post(OTP, {"code": code(device, steps_ahead=1)})
    assert again.get(HOME).status_code == 200


def test_turning_off_needs_a_current_code(client: Client, specialist: User,
                                          no_throttle: None) -> None:
    device = enrolled(specialist)
    sign_in(client, "chuyenvien")
    client.post(OTP, {"code": code(device, steps_ahead=1)})
    response = client.post(reverse("identity:otp_disable"), {"code": wrong_code(device)})
    assert response.status_code == 200
    assert "The code is wrong or has expired" in response.content.decode()
    assert TOTPDevice.objects.filter(user=specialist, confirmed=True).exists()

    # The code of the next period (the one used for signing in is spent).
    response = client.post(reverse("identity:otp_disable"), {"code": code(device, 2)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=specialist).exists()
    assert AuditEntry.objects.filter(action="identity.disable_totp",
                                     actor=specialist).exists()


def test_cannot_turn_off_what_the_policy_requires(client: Client, leader: User,
                                                  leaders_need_otp: SecurityPolicy,
                                                  no_throttle: None) -> None:
    device = enrolled(leader)
    sign_in(client, "lanhdao")
    client.post(OTP, {"code": code(device, steps_ahead=1)})
    response = client.post(reverse("identity:otp_disable"), {"code": code(device, 2)})
    assert "cannot be turned off" in response.content.decode()
    assert TOTPDevice.objects.filter(user=leader, confirmed=True).exists()


def test_policy_only_counts_active_posts(leader: User, leaders_need_otp: SecurityPolicy
                                         ) -> None:
    from egov.identity.policy import otp_required

    assert otp_required(leader)
    leader.posts.update(is_active=False)
    assert not otp_required(leader)
