"""The search page: full text without diacritics both ways, filters, permissions, the
same results on SQLite and PostgreSQL, text of attached files."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from egov.core.models import User
from egov.documents import actions, search, views_registers
from egov.documents.models import Document, DocumentFile, Role

from .conftest import PDF, Agency, register

pytestmark = pytest.mark.django_db

AUTH_BACKEND = "egov.core.auth.PositionBackend"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user, backend=AUTH_BACKEND)
    return client


def today() -> dt.date:
    return timezone.localdate()


def found(client: Client, **params: Any) -> list[int]:
    response = client.get(reverse("documents:search"), params)
    assert response.status_code == 200
    assert "page" in response.context, response.context["form"].errors
    return [d.pk for d in response.context["page"].object_list]


# The fixed corpus: key → (symbol, type, subject, issuer).
CORPUS = {
    "A": ("12/QĐ-UBND", "decision", "Quyết định về việc giao đất đai cho Công ty Hòa Phát",
          "UBND tỉnh Quảng Ninh"),
    "B": ("13/KH-UBND", "plan", "Kế hoạch tuyển dụng công chức năm 2026",
          "UBND tỉnh Quảng Ninh"),
    "C": ("345/UBND-VP", "official_letter",
          "Công văn đề nghị thẩm định dự án đường Đồng Đăng", "UBND tỉnh Lạng Sơn"),
    "D": ("88/BC-STC", "report", "Báo cáo tình hình thu ngân sách quý III",
          "Sở Tài chính Hà Nội"),
    "E": ("21/TB-VPCP", "notice", "Thông báo kết luận về dự án đê điều",
          "Văn phòng Chính phủ"),
    "F": ("40/QĐ-BNV", "decision", "Quyết định phê duyệt đề án đào tạo cán bộ",
          "Bộ Nội vụ"),
    "G": ("7/UBND-LĐTBXH", "official_letter", "Về việc dạy nghề cho lao động nông thôn",
          "UBND huyện Đông Anh"),
}

# Query → keys expected for the clerk of Bộ Tài chính ("H" is the agency's own outgoing
# submission, approved: the clerk sees other units' outgoing documents from approval on).
EXPECTED = {
    "quyet dinh dat dai": {"A"},
    "Quyết định đất đai": {"A"},
    "QUYẾT ĐỊNH": {"A", "F"},
    "dat dai": {"A", "H"},
    "đất đai": {"A", "H"},
    "đat đai": {"A", "H"},
    "dong dang": {"C"},
    "Đồng Đăng": {"C"},
    "dong": {"C", "G"},
    "dao tao": {"F"},
    "đào tạo": {"F"},
    "de dieu": {"E"},
    "đê điều": {"E"},
    "du an": {"C", "E", "F"},
    "12/QĐ-UBND": {"A"},
    "12/QD-UBND": {"A"},
    "ubnd": {"A", "B", "C", "G"},
    "quảng ninh": {"A", "B"},
    "ngan sach": {"D"},
    "Công ty Hòa Phát": {"A"},
    "tuyển dụng": {"B"},
    "day nghe": {"G"},
    "lđtbxh": {"G"},
    "ldtbxh": {"G"},
    "to trinh quy hoach": {"H"},
    "khong co van ban nay": set(),
}


@pytest.fixture
def corpus(btc: Agency, bnv: Agency) -> dict[str, Document]:
    docs: dict[str, Document] = {}
    for key, (symbol, doc_type, subject, issuer) in CORPUS.items():
        docs[key] = register(btc, symbol=symbol, doc_type=doc_type, subject=subject,
                             issuer_name=issuer)
        # The same documents in another agency: they must never appear.
        docs[key.lower()] = register(bnv, symbol=symbol, doc_type=doc_type,
                                     subject=subject, issuer_name=issuer)
    docs["H"] = actions.do_create_draft(
        acting_user=btc.specialist, doc_type="submission",
        subject="Dự thảo tờ trình về quy hoạch đất đai", recipients=[btc.office],
        uploads=[("du-thao.pdf", PDF)])
    actions.do_submit_for_review(docs["H"], acting_user=btc.specialist)
    actions.do_review(docs["H"], acting_user=btc.head, approve=True)
    actions.do_approve(docs["H"], acting_user=btc.leader)
    return docs


@pytest.mark.parametrize("query", list(EXPECTED))
def test_fixed_queries_give_the_expected_sets(btc: Agency, corpus: dict[str, Document],
                                              query: str) -> None:
    """The same expected ids on SQLite and on PostgreSQL (run the suite on both)."""
    ids = found(client_for(btc.clerk), q=query)
    by_id = {d.pk: k for k, d in corpus.items()}
    assert {by_id[i] for i in ids} == EXPECTED[query]


def test_another_agency_searches_its_own(bnv: Agency, corpus: dict[str, Document]) -> None:
    ids = found(client_for(bnv.clerk), q="quyet dinh dat dai")
    assert ids == [corpus["a"].pk]
    assert found(client_for(bnv.clerk), q="to trinh quy hoach") == []


def test_search_is_permission_filtered(btc: Agency, corpus: dict[str, Document]) -> None:
    # The specialist of Vụ Pháp chế sees only their unit's own outgoing document and what
    # is assigned.
    client = client_for(btc.specialist)
    assert found(client, q="dat dai") == [corpus["H"].pk]
    actions.do_assign(corpus["A"], acting_user=btc.leader, lead=btc.specialist,
                      deadline_days=3)
    assert set(found(client, q="dat dai")) == {corpus["A"].pk, corpus["H"].pk}
    # A secret document: only those granted by name.
    secret = register(btc, symbol="9/M-UBND", subject="Kế hoạch bảo vệ đất đai biên giới",
                      confidentiality="secret")
    assert secret.pk in found(client_for(btc.clerk), q="bien gioi")
    assert found(client_for(btc.leader), q="bien gioi") == []


def test_filters_combine(btc: Agency, corpus: dict[str, Document]) -> None:
    client = client_for(btc.clerk)
    ids = {k: d.pk for k, d in corpus.items()}
    assert found(client, q="dat dai", doc_type="decision") == [ids["A"]]
    assert found(client, q="dat dai", direction="outgoing") == [ids["H"]]
    assert found(client, direction="outgoing") == [ids["H"]]
    assert found(client, symbol="12/qd-ubnd") == [ids["A"]]
    assert found(client, symbol=" 345/UBND ") == [ids["C"]]
    assert found(client, symbol="lđtbxh") == [ids["G"]]
    for wildcard in ("*", "%", "_", "?", "[", "\\"):  # no pattern syntax gets through
        assert found(client, symbol=wildcard) == []
        assert found(client, symbol=f"12{wildcard}UBND") == []
    assert set(found(client, subject="dat dai")) == {ids["A"], ids["H"]}
    assert found(client, subject="Hòa Phát", doc_type="decision") == [ids["A"]]
    assert found(client, subject="Hòa Phát", doc_type="plan") == []
    assert set(found(client, issuer="quang ninh")) == {ids["A"], ids["B"]}
    assert found(client, issuer="QUẢNG NINH", q="tuyen dung") == [ids["B"]]
    assert found(client, issuer="bo tai chinh") == [ids["H"]]  # our own outgoing one
    assert found(client, issuer="dong anh", subject="lao dong") == [ids["G"]]
    assert found(client, issuer="dong anh", subject="dat dai") == []

    actions.do_submit_for_assignment(corpus["B"], acting_user=btc.clerk)
    assert found(client, status="waiting_assignment") == [ids["B"]]
    actions.do_assign(corpus["B"], acting_user=btc.leader, lead=btc.legal, deadline_days=1)
    lead = corpus["B"].assignments.get(role=Role.LEAD)
    actions.do_pass_on(lead, acting_user=btc.head, to_user=btc.specialist)
    assert found(client, assignee=btc.specialist.pk) == [ids["B"]]
    assert found(client, assignee=btc.specialist.pk, q="tuyen dung") == [ids["B"]]
    assert found(client, assignee=btc.specialist.pk, q="dat dai") == []
    assert found(client, status="in_progress", processing="near_deadline") == [ids["B"]]
    assert found(client, processing="overdue") == []


def test_date_filters(btc: Agency) -> None:
    client = client_for(btc.clerk)
    old = register(btc, symbol="1/UBND-VP", subject="Văn bản cũ về đất đai",
                   issue_date=today() - dt.timedelta(days=40),
                   received_at=timezone.now() - dt.timedelta(days=30))
    new = register(btc, symbol="2/UBND-VP", subject="Văn bản mới về đất đai",
                   issue_date=today() - dt.timedelta(days=3))
    month_ago = (today() - dt.timedelta(days=31)).isoformat()
    week_ago = (today() - dt.timedelta(days=7)).isoformat()
    assert found(client, date_field="received", date_from=month_ago, date_to=week_ago) \
        == [old.pk]
    assert found(client, date_field="received", date_from=week_ago) == [new.pk]
    assert found(client, date_field="issued", date_to=month_ago) == [old.pk]
    assert found(client, date_field="issued", date_from=week_ago, q="dat dai") == [new.pk]
    assert set(found(client, q="dat dai")) == {old.pk, new.pk}


def test_bad_input_names_the_field(btc: Agency) -> None:
    register(btc)
    response = client_for(btc.clerk).get(reverse("documents:search"), {
        "q": "dat", "date_from": today().isoformat(),
        "date_to": (today() - dt.timedelta(days=1)).isoformat()})
    assert response.status_code == 200
    assert "date_to" in response.context["form"].errors and "page" not in response.context
    response = client_for(btc.clerk).get(reverse("documents:search"),
                                         {"doc_type": "không-có", "assignee": "999999"})
    assert {"doc_type", "assignee"} <= set(response.context["form"].errors)


def test_assignee_choices_are_people_of_my_agency(btc: Agency, bnv: Agency) -> None:
    response = client_for(btc.clerk).get(reverse("documents:search"))
    people = set(response.context["form"].fields["assignee"].queryset)
    assert {btc.clerk, btc.leader, btc.head, btc.specialist} == people
    response = client_for(btc.clerk).get(reverse("documents:search"),
                                         {"assignee": bnv.specialist.pk})
    assert "assignee" in response.context["form"].errors


def test_ranked_and_paged(btc: Agency) -> None:
    client = client_for(btc.clerk)
    strong = register(btc, symbol="1/UBND-VP",
                      subject="Đất đai: quy hoạch đất đai, bảng giá đất đai")
    for n in range(2, 25):
        register(btc, symbol=f"{n}/UBND-VP",
                 subject=f"Về việc xin ý kiến các sở, ngành số {n} liên quan đất đai")
    response = client.get(reverse("documents:search"), {"q": "đất đai"})
    page = response.context["page"]
    assert page.paginator.count == 24 and len(page.object_list) == \
        views_registers.SEARCH_PAGE_SIZE
    assert page.object_list[0].pk == strong.pk  # best match first
    assert response.context["ranked"]
    second = client.get(reverse("documents:search"), {"q": "đất đai", "page": 2})
    rest = [d.pk for d in second.context["page"].object_list]
    first = [d.pk for d in page.object_list]
    assert len(rest) == 4 and not set(rest) & set(first)
    # Without words: newest first.
    unranked = client.get(reverse("documents:search"), {"doc_type": "official_letter"})
    assert unranked.context["page"].object_list[0].symbol == "24/UBND-VP"


def test_only_officials(db: None, btc: Agency) -> None:
    from egov.core.tests import factories

    citizen = factories.citizen()
    client = Client()
    client.force_login(citizen, backend=AUTH_BACKEND)
    assert client.get(reverse("documents:search"), {"q": "dat"}).status_code == 403
    assert Client().get(reverse("documents:search")).status_code == 302


def test_search_page_query_count_is_fixed(
        btc: Agency, django_assert_num_queries: DjangoAssertNumQueries) -> None:
    client = client_for(btc.clerk)

    def add(start: int, n: int) -> None:
        for i in range(start, start + n):
            doc = register(btc, symbol=f"{i}/UBND-VP", subject=f"Đất đai số {i}")
            if i % 2:
                actions.do_assign(doc, acting_user=btc.leader, lead=btc.legal,
                                  deadline_days=3)

    add(1, 3)
    params = {"q": "dat dai", "doc_type": "official_letter", "issuer": "quang ninh",
              "assignee": ""}
    client.get(reverse("documents:search"), params)  # warm the calendar
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(reverse("documents:search"), params)
                   .context["page"].object_list) == 3
    add(4, 27)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get(reverse("documents:search"), params)
                   .context["page"].object_list) == views_registers.SEARCH_PAGE_SIZE


# --- text of attached files ------------------------------------------------------------

def pdf_with(text: str) -> bytes:
    from weasyprint import HTML

    html = f'<html lang="vi"><body style="font-family: \'Noto Sans\'"><p>{text}</p></body></html>'
    data = HTML(string=html).write_pdf()
    assert data is not None
    return bytes(data)


def docx_with(text: str) -> bytes:
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml",
                         '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"/>')
        archive.writestr("word/document.xml", body)
    return buffer.getvalue()


def test_text_of_attached_files_is_found_after_extraction(
        btc: Agency, settings: Any,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client = client_for(btc.clerk)
    with django_capture_on_commit_callbacks(execute=True):
        from_pdf = register(btc, symbol="1/UBND-VP", subject="Công văn gửi kèm tài liệu",
                            uploads=[("tai-lieu.pdf",
                                      pdf_with("Khai thác khoáng sản tại Thanh Hóa"))])
        from_docx = register(btc, symbol="2/UBND-VP", subject="Công văn gửi kèm biên bản",
                             uploads=[("bien-ban.docx",
                                       docx_with("Biên bản họp về giải phóng mặt bằng"))])
        plain = register(btc, symbol="3/UBND-VP", subject="Công văn không có tệp đặc biệt",
                         uploads=[("rong.pdf", PDF)])
    assert "khoáng sản" in DocumentFile.objects.get(document=from_pdf).text
    assert found(client, q="khoang san thanh hoa") == [from_pdf.pk]
    assert found(client, q="Khoáng Sản") == [from_pdf.pk]
    assert found(client, q="giai phong mat bang") == [from_docx.pk]
    assert found(client, q="giải phóng mặt bằng") == [from_docx.pk]
    assert set(found(client, q="cong van")) == {from_pdf.pk, from_docx.pk, plain.pk}


def test_file_text_is_not_found_before_extraction(btc: Agency) -> None:
    """Without the task (no commit in this test), only the metadata is searchable."""
    doc = register(btc, symbol="1/UBND-VP", subject="Công văn gửi kèm tài liệu",
                   uploads=[("tai-lieu.pdf", pdf_with("Khai thác khoáng sản"))])
    client = client_for(btc.clerk)
    assert found(client, q="khoang san") == []
    assert found(client, q="tai lieu") == [doc.pk]


def test_a_word_typed_twice_counts_once() -> None:
    # The same documents either way; PostgreSQL's planner would count it twice.
    assert search.search_words("khám bệnh, chữa bệnh") == ["kham", "benh", "chua"]
