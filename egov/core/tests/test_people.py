"""People: officials and their posts, the rights that positions grant, account changes,
and the page listing the people of a unit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
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
    settings.LANGUAGE_CODE = "en"


@contextmanager
def one_entry(action: str) -> Iterator[list[AuditEntry]]:
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    found: list[AuditEntry] = []
    yield found
    new = list(AuditEntry.objects.filter(id__gt=last))
    assert [e.action for e in new] == [action]
    found.extend(new)


@contextmanager
def nothing_changes() -> Iterator[None]:
    def state() -> tuple[Any, ...]:
        return (list(User.objects.order_by("pk").values()),
                list(Post.objects.order_by("pk").values()),
                AuditEntry.objects.count(),
                list(User.groups.through.objects.values_list("user_id", "group_id")),
                list(User.user_permissions.through.objects.values_list(
                    "user_id", "permission_id")))

    before = state()
    yield
    assert state() == before


def fresh(user: User) -> User:
    """The account read again: rights are cached on the object for one request."""
    return User.objects.get(pk=user.pk)


# --- officials -----------------------------------------------------------------------

def test_an_official_is_created_with_a_primary_post(office: Organisation) -> None:
    with one_entry("core.create_official") as entries:
        user = actions.do_create_official(
            acting_user=None, username="nguyenvana", full_name=" Nguyễn Văn An ",
            unit=office, position="specialist", title="Chuyên viên chính",
            email="an@mof.gov.vn")
    user = fresh(user)
    assert user.kind == User.Kind.OFFICIAL and user.full_name == "Nguyễn Văn An"
    assert not user.has_usable_password()  # set later through "forgot your password"
    post = user.posts.get()
    assert (post.organisation, post.position, post.title, post.is_primary, post.is_active) \
        == (office, "specialist", "Chuyên viên chính", True, True)
    after = entries[0].after
    assert after["username"] == "nguyenvana" and "password" not in after
    assert after["post"]["organisation_id"] == office.pk


def test_an_official_with_a_password(office: Organisation) -> None:
    user = actions.do_create_official(
        acting_user=None, username="tranthib", full_name="Trần Thị Bích", unit=office,
        position="clerk", password=factories.PASSWORD)
    assert fresh(user).check_password(factories.PASSWORD)


def test_an_official_without_a_unit_is_refused_naming_unit(db: None) -> None:
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_create_official(acting_user=None, username="nguyenvana",
                                   full_name="Nguyễn Văn An", unit=None, position="specialist")
    assert caught.value.message_dict == {"unit": ["An official must belong to a unit."]}


def test_every_bad_field_of_an_official_is_named(office: Organisation,
                                                 specialist: User) -> None:
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_create_official(
            acting_user=None, username=specialist.username, full_name=" ", unit=office,
            position="minister", password="123", email="an@")
    errors = caught.value.message_dict
    assert set(errors) == {"username", "full_name", "position", "password", "email"}
    assert "already taken" in errors["username"][0]


def test_no_official_joins_an_inactive_unit(ministry: Organisation) -> None:
    closed = factories.unit(ministry, "000.00.09.G12", "Vụ đã giải thể")
    closed = actions.do_update_organisation(closed, acting_user=None, is_active=False)
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        factories.official(closed)
    assert "no longer active" in caught.value.message_dict["unit"][0]


def test_creating_officials_needs_the_right(office: Organisation, leader: User) -> None:
    with nothing_changes(), pytest.raises(PermissionDenied):
        actions.do_create_official(acting_user=leader, username="moi", full_name="Người Mới",
                                   unit=office, position="specialist")


# --- posts and the rights they grant -------------------------------------------------

def test_a_clerk_registers_incoming_documents_and_a_specialist_does_not(
    clerk: User, specialist: User
) -> None:
    assert fresh(clerk).has_perm("documents.register_incoming")
    assert not fresh(specialist).has_perm("documents.register_incoming")
    assert fresh(specialist).has_perm("documents.process")
    assert not fresh(clerk).has_perm("documents.process")


def test_a_concurrent_post_adds_its_rights(ministry: Organisation, office: Organisation,
                                           specialist: User) -> None:
    legal = factories.unit(ministry, "000.00.05.G12", "Vụ Pháp chế", "PC")
    with one_entry("core.add_post"):
        post = actions.do_add_post(specialist, acting_user=None, unit=legal, position="clerk",
                                   title="Văn thư kiêm nhiệm")
    assert post.is_primary is False and post.is_active is True
    user = fresh(specialist)
    assert user.has_perm("documents.register_incoming") and user.has_perm("documents.process")
    assert list(user.posts.filter(is_active=True).order_by("-is_primary").values_list(
        "organisation__code", "is_primary")) == [("000.00.01.G12", True),
                                                 ("000.00.05.G12", False)]


def test_ending_a_concurrent_post_takes_its_rights_away(
    ministry: Organisation, specialist: User
) -> None:
    legal = factories.unit(ministry, "000.00.05.G12", "Vụ Pháp chế", "PC")
    post = actions.do_add_post(specialist, acting_user=None, unit=legal, position="clerk")
    with one_entry("core.end_post") as entries:
        actions.do_end_post(post, acting_user=None)
    assert entries[0].before["is_active"] is True and entries[0].after["is_active"] is False
    assert not fresh(specialist).has_perm("documents.register_incoming")
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_end_post(Post.objects.get(pk=post.pk), acting_user=None)
    assert "already ended" in caught.value.message_dict["post"][0]
    # The same post may be held again later.
    actions.do_add_post(specialist, acting_user=None, unit=legal, position="clerk")
    assert fresh(specialist).has_perm("documents.register_incoming")


def test_the_primary_post_cannot_end(specialist: User) -> None:
    primary = specialist.posts.get(is_primary=True)
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_end_post(primary, acting_user=None)
    assert "primary post" in caught.value.message_dict["post"][0]


def test_posts_refused(office: Organisation, specialist: User) -> None:
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_add_post(specialist, acting_user=None, unit=office, position="specialist")
    assert "already holds" in caught.value.message_dict["position"][0]
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_add_post(specialist, acting_user=None, unit=office, position="boss")
    assert "position" in caught.value.message_dict
    citizen = factories.citizen()
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_add_post(citizen, acting_user=None, unit=office, position="clerk")
    assert "Only officials" in caught.value.message_dict["user"][0]


def test_posts_need_the_right(office: Organisation, specialist: User, leader: User) -> None:
    with nothing_changes(), pytest.raises(PermissionDenied):
        actions.do_add_post(specialist, acting_user=leader, unit=office, position="clerk")
    with nothing_changes(), pytest.raises(PermissionDenied):
        actions.do_end_post(specialist.posts.get(), acting_user=specialist)


def test_rights_come_from_active_posts_of_active_accounts(
    clerk: User, admin_user: User, db: None
) -> None:
    assert fresh(admin_user).has_perm("documents.register_incoming")  # superuser
    actions.do_update_account(clerk, acting_user=None, is_active=False)
    assert not fresh(clerk).has_perm("documents.register_incoming")
    staff = User.objects.create_user("nhansu", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="change_user"))
    assert fresh(staff).has_perm("core.change_user")  # Django's permissions still apply
    assert not fresh(staff).has_perm("documents.register_incoming")
    # Rights asked about one object are not the position's (no object permissions).
    assert not fresh(clerk).has_perm("documents.register_incoming", obj=clerk)


# --- account changes -----------------------------------------------------------------

def test_account_details_change_with_one_entry(specialist: User) -> None:
    with one_entry("core.update_account") as entries:
        actions.do_update_account(specialist, acting_user=None, full_name="Hoàng Văn Chuyên",
                                  email="chuyen@mof.gov.vn", phone="0912 345 678")
    user = fresh(specialist)
    assert (user.email, user.phone) == ("chuyen@mof.gov.vn", "0912 345 678")
    assert entries[0].before["email"] == "" and entries[0].after["email"] == "chuyen@mof.gov.vn"
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        actions.do_update_account(specialist, acting_user=None, full_name="", email="x@")
    assert set(caught.value.message_dict) == {"full_name", "email"}
    with nothing_changes(), pytest.raises(TypeError):
        actions.do_update_account(specialist, acting_user=None, username="khac")


def test_only_a_superuser_changes_administrator_rights(
    specialist: User, admin_user: User
) -> None:
    staff = User.objects.create_user("nhansu", is_staff=True, full_name="Nhân Sự")
    staff.user_permissions.add(Permission.objects.get(codename="change_user"))
    staff = fresh(staff)
    group = Group.objects.create(name="Quản trị tổ chức")
    for target, change in ((staff, {"is_superuser": True}), (specialist, {"is_staff": True})):
        with nothing_changes(), pytest.raises(ValidationError) as caught:
            actions.do_update_account(target, acting_user=staff, **change)
        assert "superuser" in caught.value.message_dict["is_superuser"][0]
    with nothing_changes(), pytest.raises(ValidationError):
        actions.do_update_account(specialist, acting_user=staff, groups=[group])
    # What is not a right, staff may change.
    actions.do_update_account(specialist, acting_user=staff, phone="0243 822 0828")

    perm = Permission.objects.get(codename="add_organisation")
    with one_entry("core.update_account") as entries:
        actions.do_update_account(specialist, acting_user=admin_user, is_staff=True,
                                  groups=[group], permissions=[perm])
    user = fresh(specialist)
    assert user.is_staff and user.has_perm("core.add_organisation")
    assert list(user.groups.all()) == [group]
    assert entries[0].before["groups"] == [] and entries[0].after["groups"] == [
        "Quản trị tổ chức"]
    assert entries[0].after["permissions"] == ["core.add_organisation"]


# --- pages ---------------------------------------------------------------------------

def login(client: Client, user: User) -> Client:
    client.force_login(user, backend=BACKEND)
    return client


def test_people_of_a_unit_with_their_positions(
    client: Client, ministry: Organisation, office: Organisation, clerk: User,
    specialist: User, leader: User, django_assert_num_queries: Any
) -> None:
    team = factories.unit(office, "000.01.01.G12", "Phòng Hành chính", "HC")
    factories.official(team, "unit_head", full_name="Vũ Thị Trưởng", title="Trưởng phòng")
    legal = factories.unit(ministry, "000.00.05.G12", "Vụ Pháp chế", "PC")
    actions.do_add_post(specialist, acting_user=None, unit=legal, position="clerk")
    login(client, specialist)
    url = reverse("core:people_list", args=[office.pk])
    client.get(url)
    # Session and account (2), the unit (1), the posts with people (1), the main menu's
    # has_perm (3: the account's positions, then Django's user and group permissions, all
    # cached on the user for the rest of the request); the session is not written again
    # within the minute.
    with django_assert_num_queries(7):
        response = client.get(url)
    page = response.content.decode()
    assert [(p.user.full_name, p.position) for p in response.context["posts"]] == [
        ("Lê Thị Văn Thư", "clerk"), ("Hoàng Văn Chuyên", "specialist")]
    assert "Records clerk" in page and "Specialist" in page
    assert "Vũ Thị Trưởng" not in page  # in a unit below, not asked for

    for i in range(6):
        factories.official(team, "specialist", full_name=f"Chuyên viên {i}")
    with django_assert_num_queries(7):  # the same, whatever the number of people
        response = client.get(url, {"units": "1"})
    names = [p.user.full_name for p in response.context["posts"]]
    assert names[:2] == ["Lê Thị Văn Thư", "Hoàng Văn Chuyên"]
    assert "Vũ Thị Trưởng" in names and len(names) == 9
    assert "Trưởng phòng" in response.content.decode()

    # The concurrent post shows where it is held, marked as such.
    response = client.get(reverse("core:people_list", args=[legal.pk]))
    assert [(p.user.full_name, p.is_primary) for p in response.context["posts"]] == [
        ("Hoàng Văn Chuyên", False)]
    assert "concurrent" in response.content.decode()
    assert leader.username not in response.content.decode()


def test_people_page_is_for_officials(client: Client, office: Organisation) -> None:
    url = reverse("core:people_list", args=[office.pk])
    assert client.get(url).status_code == 302
    login(client, factories.citizen())
    assert client.get(url).status_code == 403
