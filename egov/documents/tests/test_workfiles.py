"""Work files (hồ sơ công việc): open, add documents and notes, close, archive list."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from egov.core.models import AuditEntry, User
from egov.core.tests import factories
from egov.documents import actions
from egov.documents.models import WorkFile, WorkFileItem

from .conftest import Agency, register

pytestmark = pytest.mark.django_db

AUTH_BACKEND = "egov.core.auth.PositionBackend"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user, backend=AUTH_BACKEND)
    return client


def year() -> int:
    return timezone.localdate().year


def open_file(a: Agency, code: str = "PC.01", **extra: Any) -> WorkFile:
    data: dict[str, Any] = {"title": "Hồ sơ giải quyết khiếu nại đất đai xã Hòa Bình",
                            "year": year(), "retention_years": 10, **extra}
    return actions.do_open_work_file(acting_user=a.specialist, code=code, **data)


def new_form(**extra: Any) -> dict[str, Any]:
    return {"code": "PC.07", "title": "Hồ sơ thẩm định dự thảo Thông tư về đất đai",
            "year": year(), "retention": "years", "retention_years": 20, **extra}


def test_open_a_work_file_through_the_page(btc: Agency) -> None:
    client = client_for(btc.specialist)
    assert client.get(reverse("documents:workfile_new")).status_code == 200
    response = client.post(reverse("documents:workfile_new"), new_form())
    work_file = WorkFile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:workfile", args=[work_file.pk])
    assert (work_file.code, work_file.year, work_file.retention_years) == ("PC.07", year(), 20)
    assert work_file.responsible == btc.specialist and work_file.unit == btc.legal
    assert work_file.agency == btc.agency and work_file.status == WorkFile.Status.OPEN
    assert AuditEntry.objects.filter(action="documents.open_work_file",
                                     object_id=str(work_file.pk)).count() == 1
    client.post(reverse("documents:workfile_new"),
                new_form(code="PC.08", retention="permanent", retention_years=""))
    assert WorkFile.objects.get(code="PC.08").retention_years is None


@pytest.mark.parametrize(("data", "field"), [
    ({"code": ""}, "code"),
    ({"code": "PC.01"}, "code"),  # already used this year in the agency
    ({"title": "  "}, "title"),
    ({"retention": "years", "retention_years": ""}, "retention_years"),
    ({"retention_years": 500}, "retention_years"),
    ({"year": 1990}, "year"),
    ({"year": "năm nay"}, "year"),
])
def test_bad_input_names_the_field_and_opens_nothing(btc: Agency, data: dict[str, Any],
                                                    field: str) -> None:
    open_file(btc)
    before = (WorkFile.objects.count(), AuditEntry.objects.count())
    response = client_for(btc.specialist).post(reverse("documents:workfile_new"),
                                               new_form(**data))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert (WorkFile.objects.count(), AuditEntry.objects.count()) == before


def test_clerk_cannot_open_a_work_file(btc: Agency) -> None:
    client = client_for(btc.clerk)
    assert client.get(reverse("documents:workfile_new")).status_code == 403
    assert client.post(reverse("documents:workfile_new"), new_form()).status_code == 403
    assert not WorkFile.objects.exists()


def test_add_documents_and_notes(btc: Agency, bnv: Agency) -> None:
    work_file = open_file(btc)
    mine = actions.do_create_draft(acting_user=btc.specialist, doc_type="official_letter",
                                   subject="Dự thảo công văn trả lời về đất đai xã Hòa Bình",
                                   recipients=[btc.office])
    assigned = register(btc, subject="Đơn khiếu nại về đất đai của hộ bà Trần Thị Lan")
    actions.do_assign(assigned, acting_user=btc.leader, lead=btc.specialist, deadline_days=5)
    hidden = register(btc, symbol="77/UBND-VP", subject="Công văn của Văn phòng về lễ tân")
    foreign = register(bnv, symbol="88/UBND-VP", subject="Văn bản về đất đai của Bộ Nội vụ")
    client = client_for(btc.specialist)
    url = reverse("documents:workfile", args=[work_file.pk])

    page = client.get(url)
    assert {d.pk for d in page.context["candidates"]} == {mine.pk, assigned.pk}
    found = client.get(url, {"q": "khieu nai dat dai"})
    assert [d.pk for d in found.context["candidates"]] == [assigned.pk]

    add = reverse("documents:workfile_add", args=[work_file.pk])
    assert client.post(add, {"document": assigned.pk}).status_code == 302
    assert client.post(add, {"document": mine.pk}).status_code == 302
    response = client.post(add, {"note": "Đã làm việc với UBND xã Hòa Bình ngày 12/3."})
    assert response.status_code == 302
    items = list(work_file.items.order_by("id"))
    assert [(i.document_id, i.note) for i in items] == [
        (assigned.pk, ""), (mine.pk, ""), (None, "Đã làm việc với UBND xã Hòa Bình ngày 12/3.")]
    page = client.get(url)
    html = page.content.decode()
    assert "Đơn khiếu nại về đất đai của hộ bà Trần Thị Lan" in html
    assert "Đã làm việc với UBND xã Hòa Bình ngày 12/3." in html
    assert page.context["candidates"] == []  # both visible documents are in the file

    before = (WorkFileItem.objects.count(), AuditEntry.objects.count())
    for document in (hidden, foreign, assigned):  # not visible ×2, already in the file
        response = client.post(add, {"document": document.pk})
        assert response.status_code == 200
        assert len(response.context["add_errors"]) == 1
    response = client.post(add, {"document": "abc"})
    assert response.context["add_errors"]
    response = client.post(add, {"note": "   "})
    assert "note" in response.context["note_form"].errors
    assert (WorkFileItem.objects.count(), AuditEntry.objects.count()) == before


def test_only_the_responsible_person_changes_the_file(btc: Agency) -> None:
    work_file = open_file(btc)
    note = reverse("documents:workfile_add", args=[work_file.pk])
    head = client_for(btc.head)  # same unit: sees the file, read-only
    page = head.get(reverse("documents:workfile", args=[work_file.pk]))
    assert page.status_code == 200 and not page.context["can_change"]
    assert head.post(note, {"note": "Ý kiến của vụ trưởng"}).status_code == 403
    close = reverse("documents:workfile_close", args=[work_file.pk])
    assert head.post(close).status_code == 403
    work_file.refresh_from_db()
    assert work_file.status == WorkFile.Status.OPEN and not work_file.items.exists()


def test_close_makes_it_read_only_and_lists_it_for_archiving(btc: Agency) -> None:
    work_file = open_file(btc)
    actions.do_add_to_work_file(work_file, acting_user=btc.specialist,
                                note="Biên bản làm việc đã lưu.")
    open_file(btc, code="PC.02", title="Hồ sơ còn đang xử lý")
    client = client_for(btc.specialist)
    close = reverse("documents:workfile_close", args=[work_file.pk])
    assert client.get(close).status_code == 405
    assert client.post(close).status_code == 302
    work_file.refresh_from_db()
    assert work_file.status == WorkFile.Status.CLOSED and work_file.closed_at is not None

    page = client.get(reverse("documents:workfile", args=[work_file.pk]))
    assert not page.context["can_change"] and "note_form" not in page.context
    before = (WorkFileItem.objects.count(), AuditEntry.objects.count())
    response = client.post(reverse("documents:workfile_add", args=[work_file.pk]),
                           {"note": "Thêm sau khi đóng"})
    assert response.status_code == 200 and response.context["add_errors"]
    assert client.post(close).status_code == 200  # closing twice: a message, nothing else
    assert (WorkFileItem.objects.count(), AuditEntry.objects.count()) == before

    archive = client_for(btc.clerk).get(reverse("documents:workfiles_archive"))
    assert archive.status_code == 200
    assert [w.code for w in archive.context["page"].object_list] == ["PC.01"]
    # The clerk can open the closed file, not the open one of another unit.
    clerk = client_for(btc.clerk)
    assert clerk.get(reverse("documents:workfile", args=[work_file.pk])).status_code == 200
    still_open = WorkFile.objects.get(code="PC.02")
    assert clerk.get(reverse("documents:workfile", args=[still_open.pk])).status_code == 404


def test_archive_is_for_clerks_of_the_agency(btc: Agency, bnv: Agency) -> None:
    work_file = open_file(btc)
    actions.do_close_work_file(work_file, acting_user=btc.specialist)
    other = open_file(bnv, code="BNV.01", title="Hồ sơ của Bộ Nội vụ")
    actions.do_close_work_file(other, acting_user=bnv.specialist)
    assert client_for(btc.specialist).get(
        reverse("documents:workfiles_archive")).status_code == 403
    page = client_for(bnv.clerk).get(reverse("documents:workfiles_archive"))
    assert [w.pk for w in page.context["page"].object_list] == [other.pk]


def test_who_sees_a_file(btc: Agency, bnv: Agency) -> None:
    work_file = open_file(btc)
    office_specialist = factories.official(btc.office, "specialist", username="btc_cv_vp",
                                           full_name="Ngô Văn Phòng")
    url = reverse("documents:workfile", args=[work_file.pk])
    assert client_for(btc.specialist).get(url).status_code == 200
    assert client_for(btc.head).get(url).status_code == 200  # same unit
    assert client_for(btc.leader).get(url).status_code == 200  # leads the agency
    assert client_for(office_specialist).get(url).status_code == 404  # another unit
    assert client_for(btc.clerk).get(url).status_code == 404  # open: not for archiving yet
    for person in (bnv.clerk, bnv.leader, bnv.head, bnv.specialist):
        client = client_for(person)
        assert client.get(url).status_code == 404
        assert client.post(reverse("documents:workfile_add", args=[work_file.pk]),
                           {"note": "x"}).status_code == 404
        assert client.post(reverse("documents:workfile_close",
                                   args=[work_file.pk])).status_code == 404
    assert not work_file.items.exists()
    listed = client_for(office_specialist).get(reverse("documents:workfiles"))
    assert list(listed.context["page"].object_list) == []


def test_list_filters_by_status_and_year(btc: Agency) -> None:
    first = open_file(btc)
    second = open_file(btc, code="PC.02", year=year() - 1, title="Hồ sơ năm trước")
    third = open_file(btc, code="PC.03", title="Hồ sơ đã xong")
    actions.do_close_work_file(third, acting_user=btc.specialist)
    client = client_for(btc.head)

    def codes(**params: Any) -> list[str]:
        response = client.get(reverse("documents:workfiles"), params)
        assert response.status_code == 200
        return [w.code for w in response.context["page"].object_list]

    assert codes() == [first.code, second.code]  # open ones, newest year first
    assert codes(status="closed") == [third.code]
    assert codes(status="all") == [first.code, third.code, second.code]
    assert codes(status="all", year=year() - 1) == [second.code]
    assert codes(status="nonsense") == []


@pytest.mark.parametrize("page", ["list", "archive", "detail"])
def test_query_counts_are_fixed(btc: Agency, page: str,
                                django_assert_num_queries: DjangoAssertNumQueries) -> None:
    holder = open_file(btc, code="PC.00")

    def add(start: int, n: int) -> None:
        for i in range(start, start + n):
            if page == "detail":
                doc = register(btc, symbol=f"{i}/UBND-VP", subject=f"Văn bản số {i}")
                actions.do_assign(doc, acting_user=btc.leader, lead=btc.specialist,
                                  deadline_days=3)
                actions.do_add_to_work_file(holder, acting_user=btc.specialist, document=doc)
                actions.do_add_to_work_file(holder, acting_user=btc.specialist,
                                            note=f"Ghi chú {i}")
            else:
                work_file = open_file(btc, code=f"PC.{i:02d}")
                actions.do_add_to_work_file(work_file, acting_user=btc.specialist,
                                            note="Ghi chú")
                if page == "archive":
                    actions.do_close_work_file(work_file, acting_user=btc.specialist)

    user = btc.clerk if page == "archive" else btc.specialist
    url = {"list": reverse("documents:workfiles"),
           "archive": reverse("documents:workfiles_archive"),
           "detail": reverse("documents:workfile", args=[holder.pk])}[page]
    client = client_for(user)
    add(1, 3)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(4, 27)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    if page == "detail":
        assert len(response.context["items"]) == 60
    else:
        assert response.context["page"].paginator.count >= 30
