"""Pages: the catalogue (diacritic-insensitive), lists with a fixed number of queries, the
statistics with charts and CSV, the one-stop forms as PDFs, the API lists."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from egov.core import calendar
from egov.services import actions, slips
from egov.services.models import Dossier

from .conftest import PDF, World, accepted, english, submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["giấy phép lái xe", "GIAY PHEP LAI XE", "lai xe",
                                   "Đường bộ", "duong bo", "1.002809"])
def test_catalogue_search_ignores_diacritics_and_case(world: World, query: str) -> None:
    page = Client().get(reverse("services:catalogue"), {"q": query}).content.decode()
    assert "Đổi giấy phép lái xe" in page
    assert "Đăng ký khai sinh" not in page


def test_catalogue_filters_by_field_and_says_when_nothing_matches(world: World) -> None:
    client = english(Client())
    page = client.get(reverse("services:catalogue"), {"field": "Hộ tịch"}).content.decode()
    assert "Đăng ký khai sinh" in page and "Đổi giấy phép lái xe" not in page
    page = client.get(reverse("services:catalogue"), {"q": "hộ chiếu"}).content.decode()
    assert "No procedure matches your search." in page


def test_procedure_page_lists_components_steps_and_fee(world: World) -> None:
    page = Client().get(reverse("services:procedure", args=["1.002809"])).content.decode()
    assert "Giấy khám sức khỏe" in page and "Thẩm định hồ sơ" in page
    assert "135.000" in page


def _queue_queries(world: World, client: Client, django_assert_num_queries) -> str:  # type: ignore[no-untyped-def]
    # The session and the account, the official's agencies and permissions (menu and
    # page share them), the count and the page: the same however many dossiers. The
    # session is not written (its expiry moves at most once a minute).
    with django_assert_num_queries(8):
        return client.get(reverse("services:queue")).content.decode()


def test_queue_has_a_fixed_number_of_queries_and_marks_overdue(  # type: ignore[no-untyped-def]
        world: World, django_assert_num_queries) -> None:
    client = english(Client())
    client.force_login(world.officer)
    client.get(reverse("services:queue"))  # the first request after sign-in saves the session
    first = accepted(world, world.free_procedure)
    _queue_queries(world, client, django_assert_num_queries)
    for _ in range(3):
        accepted(world, world.free_procedure)
    Dossier.objects.filter(pk=first.pk).update(
        due_date=calendar.add_working_days(timezone.localdate(), -2))
    page = _queue_queries(world, client, django_assert_num_queries)
    assert page.count('<tr class="overdue">') == 1
    # The overdue dossier comes first.
    assert page.index(first.code) < min(page.index(d.code) for d in
                                        Dossier.objects.exclude(pk=first.pk))
    assert "Overdue" in page


def test_my_dossiers_list_has_a_fixed_number_of_queries(  # type: ignore[no-untyped-def]
        world: World, django_assert_num_queries) -> None:
    client = Client()
    client.force_login(world.citizen)
    submit(world, world.free_procedure)
    client.get(reverse("services:my_dossiers"))  # the first request saves the session
    # The session and the account, and the list: the same however many dossiers (the
    # session is not written within the minute).
    with django_assert_num_queries(3):
        client.get(reverse("services:my_dossiers"))
    submit(world, world.free_procedure)
    submit(world, world.free_procedure)
    with django_assert_num_queries(3):
        page = client.get(reverse("services:my_dossiers")).content.decode()
    assert page.count("/services/ho-so/") == 3


def test_every_one_stop_form_renders_from_the_dossier(world: World) -> None:
    dossier = accepted(world, world.free_procedure)
    actions.do_request_more(dossier, acting_user=world.officer, items="Ảnh chân dung",
                            reason="Ảnh cũ")
    Dossier.objects.filter(pk=dossier.pk).update(status="processing")
    dossier.refresh_from_db()
    assert dossier.due_date is not None
    actions.do_apologise(dossier, acting_user=world.officer, reason="Mất điện",
                         new_due_date=calendar.add_working_days(dossier.due_date, 2))
    actions.do_refuse(dossier, acting_user=world.officer, reason="Giả mạo giấy tờ")
    dossier.refresh_from_db()
    expected = {"receipt": ["GIẤY TIẾP NHẬN HỒ SƠ", dossier.code, "Vũ Thị Lan"],
                "more": ["YÊU CẦU BỔ SUNG", "Ảnh chân dung", "Ảnh cũ"],
                "refusal": ["TỪ CHỐI", "Giả mạo giấy tờ"],
                "apology": ["XIN LỖI", "Mất điện"],
                "control": ["KIỂM SOÁT QUÁ TRÌNH", "Tiếp nhận hồ sơ", "Thẩm định hồ sơ"]}
    assert set(slips.available(dossier)) == set(expected)
    for form, needles in expected.items():
        text = " ".join(PdfReader(io.BytesIO(slips.form_pdf(dossier, form))).pages[0]
                        .extract_text().split())
        for needle in needles:
            assert needle in text, (form, needle)
    client = Client()
    client.force_login(world.officer)
    book = client.get(reverse("services:book"))
    text = "".join(PdfReader(io.BytesIO(book.content)).pages[0].extract_text().split())
    assert "SỔTHEODÕIHỒSƠ" in text and dossier.code in text


def test_statistics_page_has_svg_charts_and_a_csv(world: World) -> None:
    done = accepted(world, world.free_procedure)
    actions.do_complete_step(done, acting_user=world.officer)
    actions.do_approve(done, acting_user=world.leader)
    actions.do_return_result(done, acting_user=world.officer)
    actions.do_rate(Dossier.objects.get(pk=done.pk), acting_user=world.citizen, rating=3)
    late = accepted(world)
    Dossier.objects.filter(pk=late.pk).update(due_date=dt.date(2020, 1, 2))
    client = english(Client())
    client.force_login(world.leader)
    page = client.get(reverse("services:statistics")).content.decode()
    assert page.count("<svg") == 2 and "<script" not in page
    assert "Dossiers per procedure" in page
    csv = b"".join(client.get(reverse("services:statistics"), {"format": "csv"})
                   .streaming_content).decode("utf-8-sig").splitlines()
    assert csv[0].startswith("Cơ quan,Mã thủ tục,Thủ tục,Tiếp nhận")
    rows = {line.split(",")[1]: line.split(",") for line in csv[1:]}
    # received, online %, in progress, on time, late, overdue
    assert rows["1.001193"][3:9] == ["1", "100.0", "0", "1", "0", "0"]
    assert rows["1.002809"][3:9] == ["1", "100.0", "1", "0", "0", "1"]
    assert rows["1.002809"][10] == "135000"
    assert rows["1.001193"][12] == "100.0"


def test_statistics_are_not_for_citizens(world: World) -> None:
    client = Client()
    client.force_login(world.citizen)
    assert client.get(reverse("services:statistics")).status_code == 403


def test_api_lists_the_agency_dossiers_with_a_fixed_number_of_queries(  # type: ignore[no-untyped-def]
        world: World, django_assert_num_queries) -> None:
    accepted(world, world.free_procedure)
    client = Client()
    client.force_login(world.officer)
    client.get("/api/v1/dossiers/")  # the first request saves the session
    with django_assert_num_queries(5):
        first = client.get("/api/v1/dossiers/").json()
    accepted(world, world.free_procedure)
    with django_assert_num_queries(5):
        second = client.get("/api/v1/dossiers/").json()
    assert first["count"] == 1 and second["count"] == 2
    other = Client()
    other.force_login(world.other_officer)
    assert other.get("/api/v1/dossiers/").json()["count"] == 0
    detail = client.get(f"/api/v1/dossiers/{second['results'][0]['id']}/").json()
    assert detail["entries"][0]["name"] == "Tiếp nhận hồ sơ"
    response = client.post(f"/api/v1/dossiers/{detail['id']}/refuse/", {"reason": ""},
                           content_type="application/json")
    assert response.status_code == 400 and "reason" in response.json()
    catalogue = Client().get("/api/v1/procedures/", {"q": "khai sinh"}).json()
    assert [p["code"] for p in catalogue["results"]] == ["1.001193"]


def test_a_leader_of_an_agency_without_procedures_sees_no_shop(world: World) -> None:
    from egov.core.tests import factories

    ministry = factories.ministry("000.00.00.G12", "Bộ Tài chính", "BTC")
    minister = factories.official(ministry, "agency_leader", full_name="Phạm Văn Thành")
    accepted(world, world.free_procedure)
    client = english(Client())
    client.force_login(minister)
    page = client.get(reverse("services:queue"))
    assert page.status_code == 200
    assert "it has no one-stop shop here" in page.content.decode()
    assert client.get("/api/v1/dossiers/").json()["count"] == 0


def test_a_component_template_downloads_from_the_catalogue(world: World) -> None:
    from django.core.files.base import ContentFile

    component = world.procedure.components.get(order=0)
    component.template.save("mau-don.pdf", ContentFile(b"%PDF-1.4 mau"))
    page = Client().get(reverse("services:procedure", args=[world.procedure.code]))
    url = reverse("services:template", args=[world.procedure.code, component.pk])
    assert url in page.content.decode()
    response = Client().get(url)
    assert b"".join(response.streaming_content) == b"%PDF-1.4 mau"
    other = world.procedure.components.get(order=1)
    assert Client().get(reverse("services:template", args=[world.procedure.code, other.pk])
                        ).status_code == 404


def test_submitting_online_has_a_fixed_number_of_queries(  # type: ignore[no-untyped-def]
        world: World, django_assert_num_queries) -> None:
    client = Client()
    client.force_login(world.citizen)
    url = reverse("services:apply", args=[world.free_procedure.code])
    client.get(url)  # the first request after sign-in saves the session
    submit(world, world.free_procedure)  # today's receipt counter exists
    components = list(world.free_procedure.components.filter(required=True))
    # The session and the account; the procedure with its agency and its components;
    # in the transaction (a savepoint and its release here, inside the test's): the
    # receipt number (one UPDATE ... RETURNING), the dossier, its files (one INSERT), the
    # audit entry, the e-mail's task. The files are written before the transaction. The
    # session is not written (its expiry moves at most once a minute). Nothing else: a
    # citizen holds no posts.
    with django_assert_num_queries(11):
        response = client.post(url, {
            "full_name": "Trần Thị Mai", "licence_number": "220123456789",
            "applicant_name": "Trần Thị Mai", "phone": "0912345678",
            "email": "congdan@example.vn", "return_channel": "online",
            **{f"component_{c.pk}": SimpleUploadedFile(f"tep-{c.pk}.pdf", PDF,
                                                       "application/pdf")
               for c in components}})
    dossier = Dossier.objects.latest("pk")
    assert response.status_code == 302 and response["Location"].endswith(f"/{dossier.code}/")
    assert dossier.files.count() == len(components) == 2
