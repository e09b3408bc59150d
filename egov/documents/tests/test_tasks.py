"""Text extraction: a real PDF with Vietnamese text, made here with WeasyPrint, is read
by the background task once the registration commits (run by a real ``db_worker``), and
search then finds the document by words that only its file holds, with or without
diacritics."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from weasyprint import HTML

from egov.core import audit
from egov.documents import actions, queries, search
from egov.documents.models import Document, DocumentFile

from .conftest import Agency, make_agency

pytestmark = pytest.mark.django_db(transaction=True)

TASK = "egov.documents.tasks.extract_file_text"


@pytest.fixture
def btc(transactional_db: None) -> Agency:
    audit.reset_process_state()
    return make_agency("G12", "Bộ Tài chính", "BTC", "btc")


@pytest.fixture
def bnv(transactional_db: None) -> Agency:
    return make_agency("G09", "Bộ Nội vụ", "BNV", "bnv")


def make_pdf(*paragraphs: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (f"<html lang='vi'><body style=\"font-family: 'DejaVu Serif', serif\">"
            f"<h1>BIÊN BẢN NGHIỆM THU</h1>{body}</body></html>")
    return HTML(string=html).write_pdf()


def run_worker() -> None:
    """What the deployment's worker does: take every task that is due, run it, stop."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload",
                 "--queue-name", "*", "--worker-id", "test-worker", verbosity=0)


def found(user: Any, query: str) -> list[Document]:
    return list(search.apply(queries.visible_documents(user), query))


def test_pdf_text_is_extracted_after_commit_and_found_by_search(btc: Agency,
                                                               bnv: Agency) -> None:
    pdf = make_pdf("Công trình thủy lợi hồ chứa nước Đồng Nai đã hoàn thành đúng tiến độ.",
                   "Đề nghị Bộ Tài chính bố trí kinh phí quyết toán.")
    doc = actions.do_register_incoming(
        acting_user=btc.clerk, doc_type="official_letter", subject="Về việc quyết toán vốn",
        symbol="88/SNN-KHTC", issuer_name="Sở Nông nghiệp và Môi trường tỉnh Đồng Nai",
        issue_date=timezone.localdate() - dt.timedelta(days=3),
        uploads=[("bien-ban-nghiem-thu.pdf", pdf)])
    row = doc.files.get()
    assert row.text == ""  # the task runs after the commit, not inside the action
    pending = DBTaskResult.objects.filter(task_path=TASK)
    assert [(t.status, t.args_kwargs["args"]) for t in pending] == [("READY", [row.pk])]
    assert found(btc.clerk, "thuy loi") == []  # only the file says it

    run_worker()

    task = pending.get()
    assert task.status == "SUCCESSFUL", task.traceback
    row.refresh_from_db()
    assert "Công trình thủy lợi hồ chứa nước Đồng Nai" in row.text
    assert "bố trí kinh phí" in row.text
    assert task.return_value == len(row.text)
    for query in ("thuy loi", "THỦY LỢI hồ chứa", "ho chua nuoc dong nai", "kinh phi",
                  "nghiem thu"):
        assert found(btc.clerk, query) == [doc], query
    assert found(btc.clerk, "thuy loi song hong") == []  # every word must match
    assert found(bnv.clerk, "thuy loi") == []  # permission-filtered in the same query
    assert found(btc.specialist, "thuy loi") == []  # not in the specialist's unit


def test_internal_copies_issued_before_extraction_are_refolded(btc: Agency,
                                                               bnv: Agency) -> None:
    pdf = make_pdf("Phương án sắp xếp đơn vị sự nghiệp công lập giai đoạn 2026-2030.")
    draft = actions.do_create_draft(acting_user=btc.specialist, doc_type="official_letter",
                                    subject="Góp ý dự thảo", recipients=[bnv.agency],
                                    uploads=[("gop-y.pdf", pdf)])
    actions.do_submit_for_review(draft, acting_user=btc.specialist)
    actions.do_review(draft, acting_user=btc.head, approve=True)
    actions.do_approve(draft, acting_user=btc.leader)
    actions.do_issue(draft, acting_user=btc.clerk)  # before any worker ran
    copy = Document.objects.get(agency=bnv.agency, origin=draft)
    assert found(bnv.clerk, "su nghiep cong lap") == []

    run_worker()

    assert DocumentFile.objects.get(document=copy).text.startswith("BIÊN BẢN")
    assert found(bnv.clerk, "sắp xếp đơn vị sự nghiệp") == [copy]
    assert found(btc.clerk, "su nghiep cong lap") == [draft]


def test_a_scan_without_text_layer_gives_no_text_and_no_failure(btc: Agency) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    doc = actions.do_register_incoming(
        acting_user=btc.clerk, doc_type="report", subject="Báo cáo bằng bản quét",
        symbol="5/BC-UBND", issuer_name="UBND huyện Mộc Châu",
        issue_date=timezone.localdate() - dt.timedelta(days=3), uploads=[("ban-quet.png", png)])
    run_worker()
    task = DBTaskResult.objects.get(task_path=TASK)
    assert task.status == "SUCCESSFUL" and task.return_value == 0
    assert doc.files.get().text == ""
    assert found(btc.clerk, "ban quet") == [doc]  # the subject is still searchable
