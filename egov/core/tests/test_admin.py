"""The Django admin of the foundation: every save goes through the actions (validated,
audited), nothing is deleted, the audit log and the counters are read-only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from egov.core import actions
from egov.core.models import (
    AuditEntry,
    AuditLink,
    AuditSeal,
    CalendarDay,
    Counter,
    Organisation,
    Post,
    User,
)
from egov.core.tests import factories

BACKEND = "egov.core.auth.PositionBackend"


@pytest.fixture(autouse=True)
def english(settings: Settings) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    client.force_login(admin_user, backend=BACKEND)
    return client


def url(model: str, view: str, *args: Any) -> str:
    return reverse(f"admin:core_{model}_{view}", args=args)


def page_data(response: Any) -> dict[str, Any]:
    """What a browser would send back from an admin page: the form and its inlines as
    they are shown."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is True:
                data[key] = "on"
            elif value is False or value is None:
                continue
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def entries_after(last: int) -> list[str]:
    return list(AuditEntry.objects.filter(id__gt=last).order_by("id")
                .values_list("action", flat=True))


def last_entry() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def state() -> tuple[Any, ...]:
    return (list(Organisation.objects.order_by("pk").values()),
            list(User.objects.order_by("pk").values()),
            list(Post.objects.order_by("pk").values()), AuditEntry.objects.count())


# --- organisations -------------------------------------------------------------------

ORG = {"name": "Vụ Pháp chế", "short_name": "PC", "code": "000.00.05.G12", "qd20_code": "",
       "kind": "unit", "address": "", "email": "", "phone": "", "is_active": "on"}


def test_superuser_adds_an_organisation_through_the_action(
    admin_client: Client, ministry: Organisation, admin_user: User
) -> None:
    assert admin_client.get(url("organisation", "add")).status_code == 200
    last = last_entry()
    response = admin_client.post(url("organisation", "add"), ORG | {"parent": ministry.pk})
    assert response.status_code == 302, response.context["adminform"].form.errors
    org = Organisation.objects.get(code="000.00.05.G12")
    assert (org.parent, org.level, org.agency_id, org.path) == (
        ministry, 2, ministry.pk, f"{ministry.path}{org.pk}/")
    assert entries_after(last) == ["core.create_organisation"]
    assert AuditEntry.objects.get(id__gt=last).actor_id == admin_user.pk
    assert admin_client.get(url("organisation", "changelist")).status_code == 200


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"code": "000.00.05.G22"}, "code", "does not extend"),
        ({"code": "000.00.00.G12"}, "code", "already used"),
        ({"parent": ""}, "parent", "must belong"),
        ({"qd20_code": "g12"}, "qd20_code", "QĐ 20/2020"),
    ],
)
def test_admin_shows_the_actions_refusals_and_saves_nothing(
    admin_client: Client, ministry: Organisation, data: dict[str, Any], field: str,
    words: str
) -> None:
    before = state()
    response = admin_client.post(url("organisation", "add"),
                                 ORG | {"parent": ministry.pk} | data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert words in " ".join(errors[field]), errors
    assert state() == before


def test_admin_change_and_move_go_through_the_actions(
    admin_client: Client, ministry: Organisation, office: Organisation
) -> None:
    page = admin_client.get(url("organisation", "change", office.pk))
    data = page_data(page)
    assert data["code"] == "000.00.01.G12" and data["parent"] == str(ministry.pk)
    last = last_entry()
    response = admin_client.post(url("organisation", "change", office.pk),
                                 data | {"name": "Văn phòng Bộ Tài chính"})
    assert response.status_code == 302
    assert entries_after(last) == ["core.update_organisation"]
    office.refresh_from_db()
    assert office.name == "Văn phòng Bộ Tài chính"

    other = factories.ministry("000.00.00.G22", "Văn phòng Chính phủ", "VPCP")
    before = state()
    response = admin_client.post(url("organisation", "change", office.pk),
                                 data | {"parent": other.pk})
    assert "code" in response.context["adminform"].form.errors
    assert state() == before
    last = last_entry()
    response = admin_client.post(url("organisation", "change", office.pk),
                                 data | {"parent": other.pk, "code": "000.00.01.G22",
                                         "phone": "080 43162"})
    assert response.status_code == 302
    assert entries_after(last) == ["core.move_organisation", "core.update_organisation"]
    office.refresh_from_db()
    assert (office.parent, office.code, office.agency_id, office.phone) == (
        other, "000.00.01.G22", other.pk, "080 43162")


def test_organisations_are_deactivated_never_deleted(
    admin_client: Client, ministry: Organisation, office: Organisation
) -> None:
    assert admin_client.get(url("organisation", "delete", office.pk)).status_code == 403
    changelist = admin_client.get(url("organisation", "changelist"))
    action_names = [name for name, _ in changelist.context["action_form"].fields[
        "action"].choices]
    assert "delete_selected" not in action_names and "deactivate" in action_names

    last = last_entry()
    response = admin_client.post(url("organisation", "changelist"), {
        "action": "deactivate", "_selected_action": [ministry.pk]}, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "active units" in text
    assert entries_after(last) == []
    admin_client.post(url("organisation", "changelist"), {
        "action": "deactivate", "_selected_action": [ministry.pk, office.pk]})
    assert entries_after(last) == ["core.update_organisation"] * 2
    assert not Organisation.objects.filter(is_active=True).exists()
    assert Organisation.objects.count() == 2


# --- accounts and posts --------------------------------------------------------------

OFFICIAL = {"username": "tranvanb", "full_name": "Trần Văn Bình", "email": "binh@mof.gov.vn",
            "phone": "", "password": "", "position": "clerk", "title": "Văn thư"}


def test_admin_adds_an_official_with_a_primary_post(
    admin_client: Client, office: Organisation
) -> None:
    assert admin_client.get(url("user", "add")).status_code == 200
    last = last_entry()
    response = admin_client.post(url("user", "add"), OFFICIAL | {"unit": office.pk})
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="tranvanb")
    assert user.kind == User.Kind.OFFICIAL and not user.has_usable_password()
    assert list(user.posts.values_list("organisation", "position", "title", "is_primary")) == [
        (office.pk, "clerk", "Văn thư", True)]
    assert entries_after(last) == ["core.create_official"]


def test_admin_add_official_refusals(admin_client: Client, office: Organisation,
                                     specialist: User) -> None:
    before = state()
    response = admin_client.post(url("user", "add"), OFFICIAL | {
        "username": specialist.username, "password": "123"})
    errors = response.context["adminform"].form.errors
    assert "already taken" in " ".join(errors["username"])
    assert "password" in errors and "unit" in errors
    assert len(errors["unit"]) == 1  # said once, though the action says it too
    assert state() == before


def test_admin_changes_an_account_and_adds_a_post(
    admin_client: Client, ministry: Organisation, specialist: User
) -> None:
    legal = factories.unit(ministry, "000.00.05.G12", "Vụ Pháp chế", "PC")
    page = admin_client.get(url("user", "change", specialist.pk))
    assert page.status_code == 200
    data = page_data(page)
    last = last_entry()
    response = admin_client.post(url("user", "change", specialist.pk), data | {
        "full_name": "Hoàng Văn Chuyên (mới)", "posts-2-0-organisation": legal.pk,
        "posts-2-0-position": "clerk", "posts-2-0-title": "Văn thư kiêm nhiệm"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert entries_after(last) == ["core.update_account", "core.add_post"]
    user = User.objects.get(pk=specialist.pk)
    assert user.full_name == "Hoàng Văn Chuyên (mới)" and user.has_perm(
        "documents.register_incoming")

    before = state()
    response = admin_client.post(url("user", "change", specialist.pk), data | {
        "posts-2-0-organisation": legal.pk, "posts-2-0-position": "clerk"})
    assert response.status_code == 200
    assert state() == before
    assert "already holds" in str(response.context["inline_admin_formsets"][1].formset.errors)


def test_staff_cannot_raise_rights(client: Client, specialist: User) -> None:
    staff = User.objects.create_user("nhansu", is_staff=True, full_name="Nhân Sự")
    staff.user_permissions.set(Permission.objects.filter(
        codename__in=["view_user", "change_user"]))
    client.force_login(staff, backend=BACKEND)
    data = page_data(client.get(url("user", "change", staff.pk)))
    before = state()
    response = client.post(url("user", "change", staff.pk), data | {"is_superuser": "on"})
    assert response.status_code == 200
    assert "superuser" in " ".join(response.context["adminform"].form.errors["is_superuser"])
    assert state() == before
    data = page_data(client.get(url("user", "change", specialist.pk)))
    response = client.post(url("user", "change", specialist.pk), data | {"phone": "0912"})
    assert response.status_code == 302
    assert User.objects.get(pk=specialist.pk).phone == "0912"


def test_accounts_are_not_deleted(admin_client: Client, specialist: User) -> None:
    assert admin_client.get(url("user", "delete", specialist.pk)).status_code == 403


def test_post_admin_adds_and_ends_posts(
    admin_client: Client, ministry: Organisation, specialist: User
) -> None:
    legal = factories.unit(ministry, "000.00.05.G12", "Vụ Pháp chế", "PC")
    last = last_entry()
    response = admin_client.post(url("post", "add"), {
        "user": specialist.pk, "organisation": legal.pk, "position": "unit_head",
        "title": "Vụ trưởng"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    post = Post.objects.get(organisation=legal)
    assert (post.position, post.is_primary) == ("unit_head", False)
    assert entries_after(last) == ["core.add_post"]

    primary = specialist.posts.get(is_primary=True)
    response = admin_client.post(url("post", "changelist"), {
        "action": "end_posts", "_selected_action": [primary.pk, post.pk]}, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "primary post cannot end" in text and "1 posts ended" in text
    assert entries_after(last) == ["core.add_post", "core.end_post"]
    assert Post.objects.get(pk=post.pk).is_active is False
    assert Post.objects.get(pk=primary.pk).is_active is True
    # A post is not edited nor deleted: view only.
    response = admin_client.post(url("post", "change", post.pk), {"title": "Khác"})
    assert response.status_code == 403
    assert admin_client.get(url("post", "delete", post.pk)).status_code == 403


# --- calendar, counters, audit log ---------------------------------------------------

def test_calendar_days_go_through_the_actions(admin_client: Client) -> None:
    last = last_entry()
    response = admin_client.post(url("calendarday", "add"), {
        "date": "2026-11-24", "is_working_day": "", "note": "Ngày Văn hóa Việt Nam"})
    assert response.status_code == 302
    day = CalendarDay.objects.get()
    assert (day.date, day.is_working_day) == (dt.date(2026, 11, 24), False)
    assert entries_after(last) == ["core.set_calendar_day"]
    response = admin_client.post(url("calendarday", "delete", day.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    assert entries_after(last) == ["core.set_calendar_day", "core.clear_calendar_day"]


@pytest.mark.parametrize("model", ["auditentry", "auditlink", "auditseal", "counter"])
def test_audit_log_and_counters_are_read_only(
    admin_client: Client, office: Organisation, model: str
) -> None:
    from egov.core import audit

    audit.seal()
    with transaction.atomic():
        actions.next_number("test-series", 2026)
    obj = {"auditentry": AuditEntry, "auditlink": AuditLink, "auditseal": AuditSeal,
           "counter": Counter}[model].objects.order_by("pk").first()
    assert obj is not None
    assert admin_client.get(url(model, "changelist")).status_code == 200
    change = admin_client.get(url(model, "change", obj.pk))
    assert change.status_code == 200 and not change.context["has_change_permission"]
    assert admin_client.get(url(model, "add")).status_code == 403
    assert admin_client.post(url(model, "change", obj.pk), {}).status_code == 403
    assert admin_client.get(url(model, "delete", obj.pk)).status_code == 403
    assert admin_client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
