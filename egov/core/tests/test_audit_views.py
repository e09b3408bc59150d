"""The audit log page and ``/api/v1/audit/``: who may read it, what each reader sees,
the filters, pages of a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from egov.core import audit
from egov.core.models import AuditEntry, Organisation, User
from egov.core.tests import factories

AUTH_BACKEND = "egov.core.auth.PositionBackend"
LIST = "/core/audit/"
API = "/api/v1/audit/"


def record_by(user: User | None, n: int = 1, action: str = "core.test_action",
              object_id: int | str = 1) -> list[AuditEntry]:
    """Entries written in ``user``'s name (as their actions would)."""
    out = []
    for _ in range(n):
        with transaction.atomic():
            out.append(audit.record(acting_user=user, action=action,
                                    object_type="core.organisation", object_id=object_id,
                                    object_repr="Văn phòng", before={"phone": ""},
                                    after={"phone": "024"}))
    return out


@pytest.fixture
def outsider(db: None) -> User:
    other = factories.ministry("000.00.00.G09", "Bộ Kế hoạch và Đầu tư", "BKHĐT")
    return factories.official(other, "specialist", username="nguoingoai",
                              full_name="Đỗ Văn Ngoài")


@pytest.fixture
def people(admin_user: User, leader: User, specialist: User, outsider: User,
           ministry: Organisation) -> dict[str, list[AuditEntry]]:
    """Entries by each person, besides those the set-up actions wrote (actor: system)."""
    return {
        "specialist": record_by(specialist, 2, "core.update_organisation", ministry.pk),
        "leader": record_by(leader, 1, "core.set_calendar_day", "7"),
        "outsider": record_by(outsider, 1, "core.update_organisation", 99),
        "admin": record_by(admin_user, 1, "core.create_official", "5"),
    }


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user, backend=AUTH_BACKEND)
    return client


def listed_ids(response: Any) -> list[int]:
    return [entry.pk for entry in response.context["page"].object_list]


# --- the page ------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_sign_in(client: Client, db: None) -> None:
    response = client.get(LIST)
    assert response.status_code == 302
    assert reverse("identity:login") in response["Location"]


def test_a_specialist_may_not_read_the_log(client: Client, people: Any,
                                           specialist: User) -> None:
    assert signed_in(client, specialist).get(LIST).status_code == 403
    entry = people["specialist"][0]
    assert client.get(reverse("core:audit_detail", args=[entry.pk])).status_code == 403


def test_an_administrator_sees_every_entry_newest_first(client: Client, people: Any,
                                                        admin_user: User) -> None:
    response = signed_in(client, admin_user).get(LIST)
    assert response.status_code == 200
    everything = list(AuditEntry.objects.order_by("-created_at", "-id")
                      .values_list("id", flat=True))
    assert listed_ids(response) == everything
    html = response.content.decode()
    assert "Đỗ Văn Ngoài" in html and "core.create_official" in html


def test_a_leader_sees_the_people_they_lead_and_themselves(
    client: Client, people: Any, leader: User,
) -> None:
    response = signed_in(client, leader).get(LIST)
    assert response.status_code == 200
    expected = {e.pk for e in people["specialist"] + people["leader"]}
    assert set(listed_ids(response)) == expected
    outsider_entry = people["outsider"][0]
    detail = client.get(reverse("core:audit_detail", args=[outsider_entry.pk]))
    assert detail.status_code == 404


def test_filters(client: Client, people: Any, admin_user: User, ministry: Organisation,
                 specialist: User) -> None:
    signed_in(client, admin_user)

    def ids(**params: Any) -> set[int]:
        response = client.get(LIST, params)
        assert response.status_code == 200
        assert not response.context["form"].errors, response.context["form"].errors
        return set(listed_ids(response))

    assert ids(actor="Hoàng Văn") == {e.pk for e in people["specialist"]}
    assert ids(actor=specialist.username) == {e.pk for e in people["specialist"]}
    assert ids(action="core.set_calendar") == {e.pk for e in people["leader"]}
    updates = set(AuditEntry.objects.filter(action="core.update_organisation")
                  .values_list("id", flat=True))
    assert ids(action="core.update_organisation") == updates
    assert ids(object_type="core.organisation", object_id=str(ministry.pk)) == set(
        AuditEntry.objects.filter(object_type="core.organisation",
                                  object_id=str(ministry.pk)).values_list("id", flat=True))
    today = timezone.localdate()
    every = set(AuditEntry.objects.values_list("id", flat=True))
    assert ids(date_from=today.isoformat(), date_to=today.isoformat()) == every
    assert ids(date_from=(today + dt.timedelta(days=1)).isoformat()) == set()
    assert ids(date_to=(today - dt.timedelta(days=1)).isoformat()) == set()


def test_bad_filters_are_named_and_show_nothing(client: Client, people: Any,
                                                admin_user: User) -> None:
    signed_in(client, admin_user)
    response = client.get(LIST, {"date_from": "2026-03-10", "date_to": "2026-03-01"})
    assert set(response.context["form"].errors) == {"date_to"}
    assert listed_ids(response) == []
    response = client.get(LIST, {"object_id": "5", "date_from": "hôm qua"})
    assert set(response.context["form"].errors) == {"object_type", "date_from"}
    assert 'id="id_date_from_error"' in response.content.decode()


def test_pages_keep_the_filters(client: Client, admin_user: User) -> None:
    record_by(admin_user, 55, "core.bulk")
    signed_in(client, admin_user)
    first = client.get(LIST, {"action": "core.bulk"})
    assert len(listed_ids(first)) == 50
    html = first.content.decode()
    assert "?action=core.bulk&amp;page=2" in html
    second = client.get(LIST, {"action": "core.bulk", "page": 2})
    assert len(listed_ids(second)) == 5
    assert not set(listed_ids(first)) & set(listed_ids(second))


def test_the_page_costs_the_same_queries_for_few_or_many_entries(
    client: Client, admin_user: User, leader: User, specialist: User,
    django_assert_num_queries: Any,
) -> None:
    record_by(specialist, 3)
    audit.seal()
    for user in (admin_user, leader):
        signed_in(client, user).get(LIST)  # the session settles on the first request
        with django_assert_num_queries(QUERIES_PER_PAGE[user.username]):
            assert client.get(LIST, {"action": "core."}).status_code == 200
    record_by(specialist, 70)
    for user in (admin_user, leader):
        signed_in(client, user).get(LIST)
        with django_assert_num_queries(QUERIES_PER_PAGE[user.username]):
            response = client.get(LIST, {"action": "core."})
        assert len(listed_ids(response)) == 50


# Session, user, count, rows, last seal; the session is not written (its expiry moves at
# most once a minute). A leader adds the permission look-ups (posts, own and group
# permissions) and the paths of the units they lead (the visibility query).
QUERIES_PER_PAGE = {"quantri": 5, "lanhdao": 9}


def test_the_detail_shows_what_changed_and_the_chain_position(
    client: Client, people: Any, admin_user: User,
) -> None:
    entry = people["specialist"][0]
    signed_in(client, admin_user)
    html = client.get(reverse("core:audit_detail", args=[entry.pk])).content.decode()
    assert entry.digest in html and 'class="changed"' in html
    assert "024" in html
    audit.seal()
    response = client.get(reverse("core:audit_detail", args=[entry.pk]))
    assert response.context["entry"].seq == entry.link.seq


# --- the API -------------------------------------------------------------------------

def test_the_api_lists_what_the_page_lists(client: Client, people: Any, leader: User,
                                           admin_user: User) -> None:
    audit.seal()
    body = signed_in(client, leader).get(API).json()
    expected = {e.pk for e in people["specialist"] + people["leader"]}
    assert body["count"] == len(expected)
    assert {row["id"] for row in body["results"]} == expected
    row = body["results"][0]
    assert set(row) >= {"id", "created_at", "actor", "actor_label", "action", "object_type",
                        "object_id", "before", "after", "digest", "seq"}
    assert row["seq"] is not None

    body = signed_in(client, admin_user).get(API, {"actor": "Đỗ Văn"}).json()
    assert [row["id"] for row in body["results"]] == [people["outsider"][0].pk]
    one = client.get(f"{API}{people['outsider'][0].pk}/").json()
    assert one["actor_label"] == "Đỗ Văn Ngoài" and one["after"] == {"phone": "024"}


def test_the_api_refuses_bad_filters_with_the_field(client: Client, admin_user: User) -> None:
    response = signed_in(client, admin_user).get(API, {"date_from": "không phải ngày"})
    assert response.status_code == 400
    assert set(response.json()) == {"date_from"}


def test_the_api_is_read_only_and_closed_to_others(client: Client, people: Any,
                                                   specialist: User, admin_user: User) -> None:
    assert client.get(API).status_code in (401, 403)
    assert signed_in(client, specialist).get(API).status_code == 403
    signed_in(client, admin_user)
    entry = people["admin"][0]
    assert client.post(API, {}).status_code == 405
    assert client.delete(f"{API}{entry.pk}/").status_code == 405
    assert client.patch(f"{API}{entry.pk}/", {}, content_type="application/json"
                        ).status_code == 405
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_api_page_costs_the_same_queries_for_few_or_many(
    client: Client, admin_user: User, specialist: User, django_assert_num_queries: Any,
) -> None:
    record_by(specialist, 3)
    signed_in(client, admin_user).get(API)
    # session, user, count, rows (the session is not written again within the minute)
    with django_assert_num_queries(4):
        client.get(API)
    record_by(specialist, 80)
    with django_assert_num_queries(4):
        assert len(client.get(API).json()["results"]) == 50
