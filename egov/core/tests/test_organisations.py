"""Organisations: the actions (create, update, move, deactivate) and their pages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from egov.core import actions
from egov.core.models import AuditEntry, Organisation, Post, User
from egov.core.tests import factories

BACKEND = "egov.core.auth.PositionBackend"


@pytest.fixture(autouse=True)
def english(settings: Settings) -> None:
    """Assert on the English source strings (the Vietnamese catalogue changes)."""
    settings.LANGUAGE_CODE = "en"


@contextmanager
def one_entry(action: str) -> Iterator[list[AuditEntry]]:
    """The block writes exactly one audit entry, for ``action``."""
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    found: list[AuditEntry] = []
    yield found
    new = list(AuditEntry.objects.filter(id__gt=last))
    assert [e.action for e in new] == [action]
    found.extend(new)


@contextmanager
def nothing_changes() -> Iterator[None]:
    """The block changes no organisation, post, account or audit entry."""
    def state() -> tuple[Any, ...]:
        return (
            list(Organisation.objects.order_by("pk").values()),
            Post.objects.count(), User.objects.count(), AuditEntry.objects.count(),
        )

    before = state()
    yield
    assert state() == before


def staff_with(*codenames: str) -> User:
    """A staff account with Django permissions on organisations (no post)."""
    user = User.objects.create_user("quantri-donvi", password=factories.PASSWORD,
                                    full_name="Đỗ Thị Quản", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label="core", codename__in=codenames))
    return User.objects.get(pk=user.pk)


# --- create --------------------------------------------------------------------------

def test_create_ministry_is_a_level_one_agency_of_its_own(db: None) -> None:
    with one_entry("core.create_organisation") as entries:
        org = actions.do_create_organisation(
            acting_user=None, name="Bộ Tài chính", short_name="BTC", code="000.00.00.G12",
            qd20_code="G12", kind=Organisation.Kind.MINISTRY)
    org.refresh_from_db()
    assert (org.level, org.path, org.agency_id, org.parent_id) == (1, f"/{org.pk}/", org.pk,
                                                                   None)
    assert org.is_agency is True  # an organisation that is not a unit is an agency
    entry = entries[0]
    assert entry.object_type == "core.organisation" and entry.object_id == str(org.pk)
    assert entry.actor_label == "system" and entry.before is None
    assert entry.after["code"] == "000.00.00.G12"
    assert entry.after["name"] == "Bộ Tài chính"


def test_a_unit_sits_one_level_down_in_its_agency(ministry: Organisation) -> None:
    with one_entry("core.create_organisation"):
        tax = actions.do_create_organisation(
            acting_user=None, parent=ministry, name="Tổng cục Thuế", short_name="TCT",
            code="000.00.18.G12", kind=Organisation.Kind.UNIT)
    assert (tax.level, tax.path, tax.agency_id) == (2, f"{ministry.path}{tax.pk}/",
                                                    ministry.pk)
    assert tax.is_agency is False


def test_units_belong_to_the_nearest_agency_above(ministry: Organisation) -> None:
    tax = factories.unit(ministry, "000.00.18.G12", "Tổng cục Thuế", "TCT", is_agency=True)
    office = factories.unit(tax, "000.01.18.G12", "Văn phòng Tổng cục", "VP")
    assert tax.agency_id == tax.pk
    assert office.agency_id == tax.pk
    assert office.level == 3 and office.path == f"/{ministry.pk}/{tax.pk}/{office.pk}/"


def test_code_and_names_are_stripped(ministry: Organisation) -> None:
    org = actions.do_create_organisation(
        acting_user=None, parent=ministry, name="  Vụ Pháp chế ", short_name=" PC ",
        code=" 000.00.05.G12 ", kind=Organisation.Kind.UNIT, qd20_code="  ")
    org.refresh_from_db()
    assert (org.name, org.short_name, org.code, org.qd20_code) == (
        "Vụ Pháp chế", "PC", "000.00.05.G12", None)


BAD_CREATES: list[tuple[str, dict[str, Any], str, str]] = [
    # (case, data, field, words in the message)
    ("code already used", {"code": "000.00.01.G12"}, "code", "already used"),
    ("code not extending the parent's", {"code": "000.00.18.G22"}, "code", "does not extend"),
    ("code two levels down", {"code": "000.03.18.G12"}, "code", "level-3"),
    ("malformed code", {"code": "000.00.18.G1"}, "code", "QCVN 102:2016"),
    ("no code", {"code": ""}, "code", "required"),
    ("no name", {"name": "  "}, "name", "required"),
    ("no abbreviation", {"short_name": ""}, "short_name", "required"),
    ("unknown kind", {"kind": "bureau"}, "kind", "Choose one of"),
    ("bad e-mail", {"email": "vanphong@"}, "email", "valid e-mail"),
    ("bad QĐ 20 code", {"qd20_code": "g12.18"}, "qd20_code", "QĐ 20/2020"),
    ("QĐ 20 code not extending the parent's", {"qd20_code": "G09.18"}, "qd20_code",
     "does not extend"),
    ("QĐ 20 code already used", {"qd20_code": "G12.01"}, "qd20_code", "already used"),
]


@pytest.mark.parametrize(("data", "field", "words"), [case[1:] for case in BAD_CREATES],
                         ids=[case[0] for case in BAD_CREATES])
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(
    ministry: Organisation, data: dict[str, Any], field: str, words: str
) -> None:
    actions.do_update_organisation(ministry, acting_user=None, qd20_code="G12")
    ministry.refresh_from_db()
    factories.unit(ministry, "000.00.01.G12", "Văn phòng Bộ")
    actions.do_update_organisation(
        Organisation.objects.get(code="000.00.01.G12"), acting_user=None, qd20_code="G12.01")
    values = {"name": "Tổng cục Thuế", "short_name": "TCT", "code": "000.00.18.G12",
              "kind": Organisation.Kind.UNIT, "qd20_code": "G12.18"} | data
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_create_organisation(acting_user=None, parent=ministry, **values)
    assert field in caught.value.message_dict
    assert words in " ".join(caught.value.message_dict[field])


def test_every_bad_field_is_named_at_once(ministry: Organisation) -> None:
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_create_organisation(acting_user=None, parent=ministry, name="",
                                       short_name="", code="18.G12", kind="x", email="@")
    assert set(caught.value.message_dict) == {"name", "short_name", "code", "kind", "email"}


def test_a_unit_must_have_a_parent(db: None) -> None:
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_create_organisation(acting_user=None, name="Văn phòng", short_name="VP",
                                       code="000.00.00.G12", kind=Organisation.Kind.UNIT)
    assert caught.value.message_dict == {"parent": ["A unit must belong to an organisation."]}


def test_nothing_is_added_under_an_inactive_organisation(ministry: Organisation) -> None:
    actions.do_update_organisation(ministry, acting_user=None, is_active=False)
    ministry.refresh_from_db()
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        factories.unit(ministry, "000.00.18.G12")
    assert "no longer active" in caught.value.message_dict["parent"][0]


# --- update --------------------------------------------------------------------------

def test_update_writes_before_and_after(ministry: Organisation) -> None:
    with one_entry("core.update_organisation") as entries:
        org = actions.do_update_organisation(
            ministry, acting_user=None, name="Bộ Tài chính (mới)", address="28 Trần Hưng Đạo",
            email="vanphong@mof.gov.vn")
    org.refresh_from_db()
    assert org.name == "Bộ Tài chính (mới)" and org.address == "28 Trần Hưng Đạo"
    entry = entries[0]
    assert entry.before["name"] == "Bộ Tài chính"
    assert entry.after["name"] == "Bộ Tài chính (mới)"
    assert entry.after["email"] == "vanphong@mof.gov.vn"


def test_a_leaf_can_change_its_code_within_its_parent(office: Organisation) -> None:
    with one_entry("core.update_organisation"):
        org = actions.do_update_organisation(office, acting_user=None, code="000.00.02.G12")
    assert org.code == "000.00.02.G12" and org.level == 2
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_update_organisation(org, acting_user=None, code="000.00.02.G13")
    assert "does not extend" in caught.value.message_dict["code"][0]


def test_code_of_an_organisation_with_units_cannot_change(
    ministry: Organisation, office: Organisation
) -> None:
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_update_organisation(ministry, acting_user=None, code="000.00.00.G13")
    assert "units" in caught.value.message_dict["code"][0]


def test_qd20_code_that_units_extend_cannot_change(ministry: Organisation) -> None:
    ministry = actions.do_update_organisation(ministry, acting_user=None, qd20_code="G12")
    actions.do_create_organisation(acting_user=None, parent=ministry, name="Văn phòng Bộ",
                                   short_name="VP", code="000.00.01.G12", qd20_code="G12.01",
                                   kind=Organisation.Kind.UNIT)
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_update_organisation(ministry, acting_user=None, qd20_code="G13")
    assert "qd20_code" in caught.value.message_dict


def test_update_refuses_fields_that_are_not_the_organisations(ministry: Organisation) -> None:
    other = factories.ministry("000.00.00.G22", "Văn phòng Chính phủ", "VPCP")
    with nothing_changes(), pytest.raises(TypeError):
        actions.do_update_organisation(ministry, acting_user=None, parent=other)


def test_becoming_an_agency_takes_the_units_below_along(ministry: Organisation) -> None:
    tax = factories.unit(ministry, "000.00.18.G12", "Tổng cục Thuế", "TCT")
    office = factories.unit(tax, "000.01.18.G12", "Văn phòng Tổng cục")
    team = factories.unit(office, "001.01.18.G12", "Tổ Hành chính")
    bureau = factories.unit(tax, "000.02.18.G12", "Cục Thuế", is_agency=True)
    local = factories.unit(bureau, "001.02.18.G12", "Chi cục")
    assert {o.agency_id for o in (tax, office, team)} == {ministry.pk}

    with one_entry("core.update_organisation"):
        actions.do_update_organisation(tax, acting_user=None, is_agency=True)
    agency = dict(Organisation.objects.values_list("code", "agency_id"))
    assert agency["000.00.18.G12"] == tax.pk
    assert agency["000.01.18.G12"] == tax.pk
    assert agency["001.01.18.G12"] == tax.pk
    assert agency["000.02.18.G12"] == bureau.pk  # an agency stays its own
    assert agency["001.02.18.G12"] == bureau.pk

    actions.do_update_organisation(Organisation.objects.get(pk=tax.pk), acting_user=None,
                                   is_agency=False)
    agency = dict(Organisation.objects.values_list("code", "agency_id"))
    assert agency["000.00.18.G12"] == ministry.pk
    assert agency["001.01.18.G12"] == ministry.pk
    assert agency["001.02.18.G12"] == bureau.pk
    assert local.agency_id == bureau.pk


def test_deactivation_waits_for_units_and_people(
    ministry: Organisation, office: Organisation
) -> None:
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_update_organisation(ministry, acting_user=None, is_active=False)
    assert "active units" in caught.value.message_dict["is_active"][0]
    official = factories.official(office, "specialist")
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_update_organisation(office, acting_user=None, is_active=False)
    assert "posts" in caught.value.message_dict["is_active"][0]

    other = factories.unit(ministry, "000.00.02.G12", "Vụ Tổ chức cán bộ", "TCCB")
    actions.do_add_post(official, acting_user=None, unit=other, position="unit_head")
    post = Post.objects.get(user=official, organisation=other)
    actions.do_end_post(post, acting_user=None)
    with one_entry("core.update_organisation"):
        actions.do_update_organisation(other, acting_user=None, is_active=False)
    assert Organisation.objects.get(pk=other.pk).is_active is False


# --- move ----------------------------------------------------------------------------

def test_move_puts_a_unit_under_another_parent_with_its_new_code(
    ministry: Organisation, office: Organisation
) -> None:
    tax = factories.unit(ministry, "000.00.18.G12", "Tổng cục Thuế", "TCT", is_agency=True)
    with one_entry("core.move_organisation") as entries:
        moved = actions.do_move_organisation(office, acting_user=None, parent=tax,
                                             code=" 000.01.18.G12 ")
    moved.refresh_from_db()
    assert moved.code == "000.01.18.G12" and moved.parent_id == tax.pk
    assert (moved.level, moved.path, moved.agency_id) == (3, f"{tax.path}{moved.pk}/", tax.pk)
    assert entries[0].before["code"] == "000.00.01.G12"
    assert entries[0].before["parent_id"] == ministry.pk
    assert entries[0].after["parent_id"] == tax.pk


def test_move_refuses_a_code_that_does_not_extend_the_new_parent(
    ministry: Organisation, office: Organisation
) -> None:
    tax = factories.unit(ministry, "000.00.18.G12", "Tổng cục Thuế", "TCT")
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_move_organisation(office, acting_user=None, parent=tax, code=office.code)
    assert "code" in caught.value.message_dict


def test_move_refuses_a_cycle(ministry: Organisation, office: Organisation) -> None:
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_move_organisation(office, acting_user=None, parent=office,
                                     code="000.01.01.G12")
    assert "cycle" in " ".join(caught.value.message_dict["parent"])
    # An organisation under its own unit: refused as a cycle by the shared check too.
    data = {k: getattr(ministry, k) for k in actions.ORG_FIELDS}
    with pytest.raises(ValidationError) as caught:
        actions.check_organisation(data, parent=office, instance=ministry)
    assert "cycle" in " ".join(caught.value.message_dict["parent"])
    with nothing_changes(), pytest.raises(ValidationError):
        actions.do_move_organisation(ministry, acting_user=None, parent=office,
                                     code="000.01.01.G12")


def test_a_unit_with_units_does_not_move(ministry: Organisation, office: Organisation) -> None:
    factories.unit(office, "000.01.01.G12", "Phòng Hành chính")
    other = factories.ministry("000.00.00.G22", "Văn phòng Chính phủ", "VPCP")
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_move_organisation(office, acting_user=None, parent=other,
                                     code="000.00.01.G22")
    assert "without units" in caught.value.message_dict["parent"][0]


# --- rights --------------------------------------------------------------------------

def test_officials_do_not_manage_organisations(
    ministry: Organisation, office: Organisation, leader: User
) -> None:
    with nothing_changes(), pytest.raises(PermissionDenied):
        actions.do_create_organisation(acting_user=leader, parent=ministry, name="Vụ",
                                       short_name="V", code="000.00.05.G12",
                                       kind=Organisation.Kind.UNIT)
    with nothing_changes(), pytest.raises(PermissionDenied):
        actions.do_update_organisation(office, acting_user=leader, name="Văn phòng")
    with nothing_changes(), pytest.raises(PermissionDenied):
        actions.do_move_organisation(office, acting_user=leader, parent=ministry,
                                     code="000.00.05.G12")


def test_staff_with_the_django_permission_may(ministry: Organisation) -> None:
    staff = staff_with("add_organisation")
    with one_entry("core.create_organisation") as entries:
        org = actions.do_create_organisation(acting_user=staff, parent=ministry, name="Vụ",
                                             short_name="V", code="000.00.05.G12",
                                             kind=Organisation.Kind.UNIT)
    assert entries[0].actor_id == staff.pk and entries[0].actor_label == "Đỗ Thị Quản"
    with nothing_changes(), pytest.raises(PermissionDenied):
        actions.do_update_organisation(org, acting_user=staff, name="Vụ Pháp chế")


# --- pages ---------------------------------------------------------------------------

def login(client: Client, user: User) -> Client:
    client.force_login(user, backend=BACKEND)
    return client


@pytest.fixture
def tree(ministry: Organisation, office: Organisation) -> dict[str, Organisation]:
    tax = factories.unit(ministry, "000.00.18.G12", "Tổng cục Thuế", "TCT", is_agency=True)
    bureau = factories.unit(tax, "000.03.18.G12", "Cục Thuế tỉnh Nghệ An", "CT")
    gov = factories.ministry("000.00.00.G22", "Văn phòng Chính phủ", "VPCP")
    return {"ministry": ministry, "office": office, "tax": tax, "bureau": bureau, "gov": gov}


PAGES = ["core:org_list", "core:org_export"]
ORG_PAGES = ["core:org_detail", "core:people_list"]
ADMIN_PAGES = ["core:org_create", "core:org_import"]
ADMIN_ORG_PAGES = ["core:org_edit", "core:org_move"]


def _urls(org: Organisation) -> list[str]:
    return ([reverse(n) for n in PAGES + ADMIN_PAGES]
            + [reverse(n, args=[org.pk]) for n in ORG_PAGES + ADMIN_ORG_PAGES])


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, office: Organisation) -> None:
    for url in _urls(office):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("identity:login")), url


def test_citizens_do_not_see_the_tree(client: Client, office: Organisation) -> None:
    login(client, factories.citizen())
    for url in _urls(office):
        assert client.get(url).status_code == 403, url


def test_officials_see_but_do_not_edit(client: Client, office: Organisation,
                                       specialist: User) -> None:
    login(client, specialist)
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    for name in ORG_PAGES:
        assert client.get(reverse(name, args=[office.pk])).status_code == 200, name
    for name in ADMIN_PAGES:
        assert client.get(reverse(name)).status_code == 403, name
        assert client.post(reverse(name), {}).status_code == 403, name
    for name in ADMIN_ORG_PAGES:
        assert client.get(reverse(name, args=[office.pk])).status_code == 403, name
    page = client.get(reverse("core:org_list")).content.decode()
    assert reverse("core:org_create") not in page
    page = client.get(reverse("core:org_detail", args=[office.pk])).content.decode()
    assert reverse("core:org_edit", args=[office.pk]) not in page


def test_tree_lists_parents_before_units_with_codes_and_levels(
    client: Client, tree: dict[str, Organisation], specialist: User
) -> None:
    login(client, specialist)
    response = client.get(reverse("core:org_list"))
    rows = response.context["rows"]
    assert [(org.code, depth) for org, depth in rows] == [
        ("000.00.00.G12", 0), ("000.00.01.G12", 1), ("000.00.18.G12", 1),
        ("000.03.18.G12", 2), ("000.00.00.G22", 0)]
    page = response.content.decode()
    assert "000.03.18.G12" in page and "Cục Thuế tỉnh Nghệ An" in page
    assert 'style="--depth: 2"' in page
    assert page.index("Bộ Tài chính") < page.index("Văn phòng Bộ") < page.index(
        "Tổng cục Thuế") < page.index("Cục Thuế tỉnh Nghệ An") < page.index(
        "Văn phòng Chính phủ")
    assert "<th scope=\"col\">Level</th>" in page


def test_tree_search_keeps_the_organisations_above_and_ignores_diacritics(
    client: Client, tree: dict[str, Organisation], specialist: User
) -> None:
    login(client, specialist)
    rows = client.get(reverse("core:org_list"), {"q": "nghe an"}).context["rows"]
    assert [org.code for org, _ in rows] == ["000.00.00.G12", "000.00.18.G12",
                                            "000.03.18.G12"]
    rows = client.get(reverse("core:org_list"), {"q": "G22"}).context["rows"]
    assert [org.code for org, _ in rows] == ["000.00.00.G22"]
    response = client.get(reverse("core:org_list"), {"q": "không có"})
    assert response.context["rows"] == []
    assert "No organisation matches" in response.content.decode()


def test_tree_hides_inactive_organisations_unless_asked(
    client: Client, tree: dict[str, Organisation], specialist: User
) -> None:
    actions.do_update_organisation(tree["gov"], acting_user=None, is_active=False)
    login(client, specialist)
    codes = [o.code for o, _ in client.get(reverse("core:org_list")).context["rows"]]
    assert "000.00.00.G22" not in codes
    codes = [o.code for o, _ in client.get(reverse("core:org_list"),
                                           {"inactive": "1"}).context["rows"]]
    assert "000.00.00.G22" in codes


def _many(n: int) -> None:
    for i in range(n):
        parent = factories.ministry(f"000.00.00.H{i:02d}", f"UBND tỉnh {i}", "UBND")
        factories.unit(parent, f"000.00.01.H{i:02d}", "Văn phòng UBND", "VP")


def test_tree_query_count_does_not_grow_with_the_tree(
    client: Client, specialist: User, django_assert_num_queries: Any
) -> None:
    login(client, specialist)
    client.get(reverse("core:org_list"))  # the session settles on the first request
    # Session and account (2), the organisations (1), the account's rights for the
    # add/import links (3: posts, own and group permissions); the session is not written
    # again within the minute.
    with django_assert_num_queries(6):
        small = client.get(reverse("core:org_list"))
    _many(15)
    with django_assert_num_queries(6):
        large = client.get(reverse("core:org_list"))
    assert len(large.context["rows"]) == len(small.context["rows"]) + 30


def test_detail_shows_units_people_and_place(
    client: Client, tree: dict[str, Organisation], specialist: User,
    django_assert_num_queries: Any
) -> None:
    tax = tree["tax"]
    factories.official(tax, "agency_leader", full_name="Phạm Văn Thuế", title="Tổng cục trưởng")
    login(client, specialist)
    client.get(reverse("core:org_detail", args=[tax.pk]))
    # Session and account (2), the organisation with parent and agency (1), the ones
    # above it (1), its units (1), its people (1), rights (3); the session not written.
    with django_assert_num_queries(9):
        response = client.get(reverse("core:org_detail", args=[tax.pk]))
    page = response.content.decode()
    assert "Cục Thuế tỉnh Nghệ An" in page and "000.03.18.G12" in page
    assert "Phạm Văn Thuế" in page and "Tổng cục trưởng" in page and "Agency leader" in page
    assert [o.pk for o in response.context["ancestors"]] == [tree["ministry"].pk]
    for i in range(5):
        factories.unit(tax, f"000.{10 + i}.18.G12", f"Cục {i}")
        factories.official(tax, "specialist", full_name=f"Chuyên viên {i}")
    with django_assert_num_queries(9):
        client.get(reverse("core:org_detail", args=[tax.pk]))
    assert client.get(reverse("core:org_detail", args=[999999])).status_code == 404


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    return login(client, admin_user)


def _form(**data: Any) -> dict[str, Any]:
    values = {"name": "Vụ Pháp chế", "short_name": "PC", "code": "000.00.05.G12",
              "qd20_code": "", "kind": "unit", "address": "", "email": "", "phone": ""}
    return values | data


def test_administrator_creates_a_unit_through_the_page(
    admin_client: Client, ministry: Organisation, admin_user: User
) -> None:
    page = admin_client.get(reverse("core:org_create"), {"parent": ministry.pk})
    assert page.context["form"].initial["parent"] == ministry
    assert page.context["form"].initial["code"] == ministry.code
    assert 'for="id_code"' in page.content.decode()
    with one_entry("core.create_organisation") as entries:
        response = admin_client.post(reverse("core:org_create"),
                                     _form(parent=ministry.pk, is_agency=""))
    org = Organisation.objects.get(code="000.00.05.G12")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:org_detail", args=[org.pk])
    assert org.parent == ministry and not org.is_agency
    assert entries[0].actor_id == admin_user.pk


def test_create_page_shows_the_actions_refusal_on_the_field(
    admin_client: Client, ministry: Organisation
) -> None:
    with nothing_changes():
        response = admin_client.post(reverse("core:org_create"),
                                     _form(parent=ministry.pk, code="000.00.05.G22"))
        assert response.status_code == 200
        form = response.context["form"]
        assert "does not extend" in form.errors["code"][0]
        assert "Nothing was saved" in response.content.decode()
        response = admin_client.post(reverse("core:org_create"), _form())
        assert "must belong" in response.context["form"].errors["parent"][0]


def test_staff_with_add_permission_only_cannot_edit(client: Client, ministry: Organisation) -> None:
    login(client, staff_with("add_organisation"))
    assert client.get(reverse("core:org_create")).status_code == 200
    assert client.get(reverse("core:org_edit", args=[ministry.pk])).status_code == 403
    assert client.get(reverse("core:org_import")).status_code == 403


def test_administrator_edits_and_deactivates_through_the_page(
    admin_client: Client, ministry: Organisation, office: Organisation
) -> None:
    page = admin_client.get(reverse("core:org_edit", args=[office.pk]))
    assert page.context["form"].initial["name"] == "Văn phòng Bộ"
    assert "parent" not in page.context["form"].fields
    with one_entry("core.update_organisation"):
        response = admin_client.post(
            reverse("core:org_edit", args=[office.pk]),
            _form(name="Văn phòng Bộ Tài chính", code=office.code, short_name="VP",
                  phone="+84 24 2220 2828", is_active="on"))
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.name == "Văn phòng Bộ Tài chính" and office.phone == "+84 24 2220 2828"
    with nothing_changes():
        response = admin_client.post(reverse("core:org_edit", args=[ministry.pk]),
                                     _form(code=ministry.code, kind="ministry",
                                           is_agency="on"))
    assert "active units" in response.context["form"].errors["is_active"][0]


def test_administrator_moves_a_unit_through_the_page(
    admin_client: Client, ministry: Organisation, office: Organisation
) -> None:
    other = factories.ministry("000.00.00.G22", "Văn phòng Chính phủ", "VPCP")
    with nothing_changes():
        response = admin_client.post(reverse("core:org_move", args=[office.pk]),
                                     {"parent": other.pk, "code": office.code})
    assert "code" in response.context["form"].errors
    with one_entry("core.move_organisation"):
        response = admin_client.post(reverse("core:org_move", args=[office.pk]),
                                     {"parent": other.pk, "code": "000.00.01.G22"})
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.parent == other and office.agency_id == other.pk
