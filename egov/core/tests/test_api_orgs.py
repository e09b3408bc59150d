"""``/api/v1/organisations/``: reading for officials, changes for administrators through
the actions (their refusals come back as 400 with the field)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from egov.core import actions
from egov.core.models import AuditEntry, Organisation, User
from egov.core.tests import factories

URL = "/api/v1/organisations/"


@pytest.fixture(autouse=True)
def english(settings: Settings) -> None:
    settings.LANGUAGE_CODE = "en"


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def tree(ministry: Organisation, office: Organisation) -> dict[str, Organisation]:
    tax = factories.unit(ministry, "000.00.18.G12", "Tổng cục Thuế", "TCT", is_agency=True)
    gov = factories.ministry("000.00.00.G22", "Văn phòng Chính phủ", "VPCP")
    return {"ministry": ministry, "office": office, "tax": tax, "gov": gov}


def codes(response: Any) -> list[str]:
    return [item["code"] for item in response.json()["results"]]


def state() -> tuple[Any, ...]:
    return (list(Organisation.objects.order_by("pk").values()), AuditEntry.objects.count())


# --- reading -------------------------------------------------------------------------

def test_reading_needs_an_official_or_administrator(tree: dict[str, Organisation]) -> None:
    assert api().get(URL).status_code in (401, 403)
    assert api(factories.citizen()).get(URL).status_code == 403
    specialist = factories.official(tree["office"])
    assert api(specialist).get(URL).status_code == 200


def test_list_and_retrieve(tree: dict[str, Organisation], specialist: User) -> None:
    client = api(specialist)
    response = client.get(URL)
    assert response.json()["count"] == 4
    assert codes(response) == ["000.00.00.G12", "000.00.00.G22", "000.00.01.G12",
                               "000.00.18.G12"]
    tax = tree["tax"]
    item = client.get(f"{URL}{tax.pk}/").json()
    assert item == {
        "id": tax.pk, "code": "000.00.18.G12", "qd20_code": None, "name": "Tổng cục Thuế",
        "short_name": "TCT", "kind": "agency", "is_agency": True, "level": 2,
        "parent": tree["ministry"].pk, "parent_code": "000.00.00.G12", "agency": tax.pk,
        "address": "", "email": "", "phone": "", "is_active": True,
        "created_at": item["created_at"], "updated_at": item["updated_at"]}
    assert client.get(f"{URL}{tree['gov'].pk}/").json()["parent_code"] is None
    assert client.get(f"{URL}999999/").status_code == 404


def test_filters(tree: dict[str, Organisation], specialist: User) -> None:
    client = api(specialist)
    assert codes(client.get(URL, {"parent": "000.00.00.G12"})) == ["000.00.01.G12",
                                                                  "000.00.18.G12"]
    assert codes(client.get(URL, {"kind": "ministry"})) == ["000.00.00.G12",
                                                            "000.00.00.G22"]
    assert codes(client.get(URL, {"search": "Thuế"})) == ["000.00.18.G12"]
    assert codes(client.get(URL, {"search": "VPCP"})) == ["000.00.00.G22"]
    assert codes(client.get(URL, {"search": "G22"})) == ["000.00.00.G22"]
    assert codes(client.get(URL, {"parent": "000.00.00.G99"})) == []
    actions.do_update_organisation(tree["gov"], acting_user=None, is_active=False)
    assert "000.00.00.G22" not in codes(client.get(URL))
    assert codes(client.get(URL, {"active": "false"})) == ["000.00.00.G22"]
    assert len(codes(client.get(URL, {"active": "all"}))) == 4


def test_list_query_count_does_not_grow(
    tree: dict[str, Organisation], specialist: User, django_assert_num_queries: Any
) -> None:
    client = api(specialist)
    # The count (1) and the page with each parent's code (1).
    with django_assert_num_queries(2):
        client.get(URL)
    for i in range(10):
        factories.unit(tree["tax"], f"000.{i + 10}.18.G12", f"Cục {i}")
    with django_assert_num_queries(2):
        response = client.get(URL)
    assert response.json()["count"] == 14


# --- changes -------------------------------------------------------------------------

def staff_with(*codenames: str) -> User:
    user = User.objects.create_user("quantri-api", is_staff=True, full_name="Lý Quản Trị")
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label="core", codename__in=codenames))
    return User.objects.get(pk=user.pk)


NEW = {"name": "Vụ Pháp chế", "short_name": "PC", "code": "000.00.05.G12", "kind": "unit",
       "parent_code": "000.00.00.G12"}


def test_administrator_creates_through_the_action(
    tree: dict[str, Organisation], admin_user: User
) -> None:
    response = api(admin_user).post(URL, NEW | {"qd20_code": "", "email": "pc@mof.gov.vn"},
                                    format="json")
    assert response.status_code == 201, response.json()
    org = Organisation.objects.get(code="000.00.05.G12")
    assert response.json()["id"] == org.pk and response.json()["parent_code"] == "000.00.00.G12"
    assert (org.parent, org.level, org.qd20_code, org.is_agency) == (
        tree["ministry"], 2, None, False)
    entry = AuditEntry.objects.get(action="core.create_organisation", object_id=str(org.pk))
    assert entry.actor_id == admin_user.pk


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"code": "000.00.05.G22"}, "code", "does not extend"),
        ({"code": "000.00.01.G12"}, "code", "already used"),
        ({"parent_code": ""}, "parent", "must belong"),
        ({"parent_code": "000.00.00.G99"}, "parent_code", "No organisation"),
        ({"kind": "bureau"}, "kind", "valid choice"),
        ({"email": "pc@"}, "email", "valid e-mail"),
        ({"name": ""}, "name", "blank"),
    ],
)
def test_refusals_come_back_as_400_with_the_field(
    tree: dict[str, Organisation], admin_user: User, data: dict[str, Any], field: str,
    words: str
) -> None:
    before = state()
    response = api(admin_user).post(URL, NEW | data, format="json")
    assert response.status_code == 400
    assert words in " ".join(response.json()[field])
    assert state() == before


def test_officials_and_staff_without_the_right_cannot_change(
    tree: dict[str, Organisation], leader: User
) -> None:
    before = state()
    assert api(leader).post(URL, NEW, format="json").status_code == 403
    assert api(leader).patch(f"{URL}{tree['office'].pk}/", {"name": "X"},
                             format="json").status_code == 403
    staff = staff_with("change_organisation")
    assert api(staff).post(URL, NEW, format="json").status_code == 403
    assert state() == before


def test_update_and_deactivate(tree: dict[str, Organisation]) -> None:
    staff = staff_with("change_organisation")
    office = tree["office"]
    response = api(staff).patch(f"{URL}{office.pk}/", {"name": "Văn phòng Bộ Tài chính",
                                                       "phone": "+84 24 2220 2828"},
                                format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Văn phòng Bộ Tài chính"
    office.refresh_from_db()
    assert office.phone == "+84 24 2220 2828"
    assert AuditEntry.objects.filter(action="core.update_organisation",
                                     actor_id=staff.pk).count() == 1
    before = state()
    response = api(staff).patch(f"{URL}{tree['ministry'].pk}/", {"is_active": False},
                                format="json")
    assert response.status_code == 400 and "is_active" in response.json()
    assert state() == before
    response = api(staff).patch(f"{URL}{office.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False


def test_full_update_needs_every_field(tree: dict[str, Organisation], admin_user: User) -> None:
    office = tree["office"]
    response = api(admin_user).put(f"{URL}{office.pk}/", {"name": "Văn phòng"}, format="json")
    assert response.status_code == 400 and "code" in response.json()
    data = {"name": "Văn phòng", "short_name": "VP", "code": "000.00.02.G12", "kind": "unit"}
    response = api(admin_user).put(f"{URL}{office.pk}/", data, format="json")
    assert response.status_code == 200 and response.json()["code"] == "000.00.02.G12"


def test_move(tree: dict[str, Organisation], admin_user: User) -> None:
    office = tree["office"]
    url = f"{URL}{office.pk}/move/"
    before = state()
    response = api(admin_user).post(url, {"parent_code": "000.00.00.G22",
                                          "code": office.code}, format="json")
    assert response.status_code == 400 and "code" in response.json()
    assert state() == before
    response = api(admin_user).post(url, {"parent_code": "000.00.00.G22",
                                          "code": "000.00.01.G22"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["parent_code"] == "000.00.00.G22"
    assert response.json()["agency"] == tree["gov"].pk


def test_nothing_is_deleted(tree: dict[str, Organisation], admin_user: User) -> None:
    assert api(admin_user).delete(f"{URL}{tree['office'].pk}/").status_code == 405
    assert Organisation.objects.filter(pk=tree["office"].pk).exists()
