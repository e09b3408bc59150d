"""The tasks API: the pages' permissions (another agency's task is a 404), the actions'
refusals as 400 naming the field, the review's figures."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from rest_framework.test import APIClient

from ..models import Task
from .conftest import World, make_task


def _api(user: object) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_tasks_api_permissions_and_refusals(world: World) -> None:
    today = timezone.localdate()
    theirs = make_task(world, lead=world.bxd, deadline=today - dt.timedelta(days=1))
    mine = make_task(world, lead=world.btc, deadline=today + dt.timedelta(days=30))
    btc = _api(world.btc_specialist)
    assert btc.get(f"/api/v1/tasks/{theirs.pk}/").status_code == 404
    assert btc.post(f"/api/v1/tasks/{theirs.pk}/progress/", {"text": "x", "percent": 5},
                    format="json").status_code == 404
    listed = btc.get("/api/v1/tasks/").json()["results"]
    assert [t["id"] for t in listed] == [mine.pk]
    response = _api(world.bxd_specialist).post(f"/api/v1/tasks/{theirs.pk}/progress/",
                                               {"text": "", "percent": 120}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"text", "percent"}
    assert _api(world.office_specialist).get("/api/v1/tasks/?status=overdue").json()[
        "results"][0]["id"] == theirs.pk
    created = _api(world.office_specialist).post("/api/v1/tasks/", {
        "content": "Báo cáo Thủ tướng", "source_kind": "directive",
        "source_date": today.isoformat(), "lead_agency": None, "product": "report",
        "deadline_kind": "date", "deadline": today.isoformat()}, format="json")
    assert created.status_code == 400 and "lead_agency" in created.json()
    assert Task.objects.count() == 2
    review = _api(world.office_specialist).get("/api/v1/tasks/review/").json()
    assert {c["lead_agency__name"]: c["overdue"] for c in review["cards"]} == {
        "Bộ Xây dựng": 1, "Bộ Tài chính": 0}
