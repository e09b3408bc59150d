"""Citizens and businesses open their own accounts."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from egov.core.models import AuditEntry, User
from egov.core.tests import factories

from .helpers import force_login, session_user_id

pytestmark = pytest.mark.django_db
REGISTER = reverse("identity:register")
GOOD_PASSWORD = "Mật-khẩu-của-tôi-2026"


def citizen_form(**changes: str) -> dict[str, str]:
    return {
        "kind": "citizen", "full_name": "Đỗ Thị Hoa", "username": "dothihoa",
        "email": "hoa@example.vn", "phone": "0912345678", "personal_id": "001190012345",
        "tax_code": "", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD,
    } | changes


def test_register_page(client: Client) -> None:
    html = client.get(REGISTER).content.decode()
    for name in ("kind", "full_name", "username", "email", "phone", "personal_id",
                 "tax_code", "password1", "password2"):
        assert f'name="{name}"' in html


def test_citizen_registers_and_is_signed_in(client: Client) -> None:
    response = client.post(REGISTER, citizen_form())
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    user = User.objects.get(username="dothihoa")
    assert user.kind == User.Kind.CITIZEN
    assert user.full_name == "Đỗ Thị Hoa"
    assert user.personal_id == "001190012345" and user.tax_code is None
    assert user.email == "hoa@example.vn" and user.phone == "0912345678"
    assert user.check_password(GOOD_PASSWORD)
    assert session_user_id(client) == str(user.pk)
    assert AuditEntry.objects.filter(action="core.register_account", actor=user).exists()
    assert client.get(reverse("web:home")).status_code == 200


def test_business_registers_with_its_enterprise_code(client: Client) -> None:
    response = client.post(REGISTER, citizen_form(
        kind="business", full_name="Công ty TNHH Sao Mai", username="saomai",
        personal_id="", tax_code="0101234567"))
    assert response.status_code == 302
    user = User.objects.get(username="saomai")
    assert user.kind == User.Kind.BUSINESS
    assert user.tax_code == "0101234567" and user.personal_id is None


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"personal_id": "12345"}, "Personal identification number",
     "A personal identification number has 12 digits"),
    ({"personal_id": "00119001234a"}, "Personal identification number",
     "A personal identification number has 12 digits"),
    ({"personal_id": ""}, "Personal identification number",
     "A citizen gives the 12-digit personal identification number"),
    ({"kind": "business", "personal_id": "", "tax_code": ""}, "Enterprise code",
     "A business gives its enterprise code"),
    ({"kind": "business", "personal_id": "", "tax_code": "12345"}, "Enterprise code",
     "An enterprise code has 10 digits"),
    ({"password2": "something else"}, "Password again",
     "The two passwords are not the same"),
    ({"password1": "short", "password2": "short"}, "Password",
     "This password is too short"),
    ({"password1": "dothihoa2026", "password2": "dothihoa2026"}, "Password",
     "The password is too similar to the username"),
    ({"email": "not-an-address"}, "E-mail", "Enter a valid email address"),
    ({"email": ""}, "E-mail", "This field is required"),
    ({"full_name": "  "}, "Full name", "This field is required"),
    ({"username": "có dấu cách"}, "User name", "Enter a valid username"),
    ({"kind": "official"}, "I register as", "Select a valid choice"),
])
def test_bad_input_names_the_field_and_saves_nothing(
    client: Client, changes: dict[str, str], field: str, message: str
) -> None:
    response = client.post(REGISTER, citizen_form(**changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(rf"{re.escape(field)}</a>: {message}", html), html
    assert not User.objects.exists()
    assert session_user_id(client) is None
    assert GOOD_PASSWORD not in html  # passwords are never sent back


def test_taken_user_name_and_personal_id(client: Client) -> None:
    existing = factories.citizen(username="DoThiHoa")
    response = client.post(REGISTER, citizen_form(personal_id=existing.personal_id or ""))
    html = response.content.decode()
    assert re.search(r"User name</a>: This user name is already taken", html)
    assert User.objects.count() == 1
    response = client.post(REGISTER, citizen_form(username="khac",
                                                  personal_id=existing.personal_id or ""))
    assert re.search(r"Personal identification number</a>: This number is already "
                     r"registered", response.content.decode())
    assert User.objects.count() == 1


def test_signed_in_people_do_not_register(client: Client, clerk: User) -> None:
    force_login(client, clerk)
    assert client.get(REGISTER)["Location"] == reverse("web:home")


def test_every_problem_shows_at_once(client: Client) -> None:
    response = client.post(REGISTER, citizen_form(
        personal_id="12345", email="hoa@example", password1="abc", password2="abd"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Personal identification number</a>: A personal identification number has 12" in html
    assert "E-mail</a>: Enter a valid email address" in html
    assert "Password</a>: This password is too short" in html
    assert "Password again</a>: The two passwords are not the same" in html
    assert not User.objects.exists()
