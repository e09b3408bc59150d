"""Signing issued documents: the leader signs on approval, the agency seals on issue, both
signatures verify (here and with pdfsig), and what cannot be signed stops with a reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from egov.core.models import AuditEntry
from egov.documents import actions as documents
from egov.documents.models import Document, DocumentFile, Status
from egov.signing import actions, store, tasks, verification
from egov.signing.crypto.common import cert_pem
from egov.signing.models import Certificate

from .conftest import need_tool, run

pytestmark = pytest.mark.django_db


def approved(a: Any, pdf: bytes, **extra: Any) -> Document:
    draft = documents.do_create_draft(
        acting_user=a.specialist, doc_type="decision", subject="Quyết định giao nhiệm vụ",
        recipients=[a.office], uploads=[("quyet-dinh.pdf", pdf)], **extra)
    documents.do_submit_for_review(draft, acting_user=a.specialist)
    documents.do_review(draft, acting_user=a.head, approve=True)
    return documents.do_approve(draft, acting_user=a.leader)


def latest_main(document: Document) -> DocumentFile:
    return document.files.filter(kind="main").order_by("-version").first()  # type: ignore[return-value]


def content(row: DocumentFile) -> bytes:
    with row.file.open("rb") as handle:
        return handle.read()


def test_leader_signs_on_approval_and_the_seal_joins_on_issue(certified: Any,
                                                              real_pdf: bytes) -> None:
    doc = approved(certified, real_pdf)
    signed = latest_main(doc)
    assert signed.version == 2 and signed.signature_status == "valid"
    [leader_sig] = signed.signature_report
    assert leader_sig["signer"]["common_name"] == "Phạm Minh Lãnh"
    assert leader_sig["timestamp_time"] and leader_sig["timestamp_trusted"]

    issued = documents.do_issue(doc, acting_user=certified.clerk)
    sealed = latest_main(issued)
    assert sealed.version == 3 and sealed.signature_status == "valid"
    names = [r["signer"]["common_name"] for r in sealed.signature_report]
    assert names == ["Phạm Minh Lãnh", "Bộ Tài chính"]
    assert all(r["verdict"] == "valid" for r in sealed.signature_report)
    assert sealed.signature_report[0]["modified_after_signing"] is True  # the seal came after
    # The internal recipient gets the sealed version only, verdict and all.
    copy = Document.objects.get(origin=issued)
    assert [(f.version, f.signature_status) for f in copy.files.all()] == [(3, "valid")]
    assert AuditEntry.objects.filter(action__in=["signing.sign_approval",
                                                 "signing.seal_issue"]).count() == 2


def test_pdfsig_agrees_that_both_signatures_are_valid(certified: Any, real_pdf: bytes,
                                                      nss_db: Any, tmp_path: Any) -> None:
    need_tool("pdfsig")
    issued = documents.do_issue(approved(certified, real_pdf), acting_user=certified.clerk)
    path = tmp_path / "signed.pdf"
    path.write_bytes(content(latest_main(issued)))
    db = nss_db(store.platform_authority().certificate)
    result = run(["pdfsig", "-nssdir", db, str(path)])
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Signature Validation: Signature is Valid.") == 2
    assert result.stdout.count("Certificate Validation: Certificate is Trusted.") == 2
    assert "Số, ký hiệu: 01/QĐ-BTC" not in result.stdout  # the stamp is drawn, not metadata
    text = run(["pdftotext", str(path), "-"]).stdout
    assert "Số, ký hiệu: 01/QĐ-BTC" in text and "Người ký: Phạm Minh Lãnh" in text


def test_a_changed_copy_is_reported_as_changed(certified: Any, real_pdf: bytes) -> None:
    issued = documents.do_issue(approved(certified, real_pdf), acting_user=certified.clerk)
    good = content(latest_main(issued))
    assert verification.verify_content("qd.pdf", good).status == "valid"
    tampered = bytearray(good)
    at = good.index(b"stream") + 40  # the page's content: signed by both signatures
    tampered[at] ^= 0x01
    outcome = verification.verify_content("qd.pdf", bytes(tampered))
    assert outcome.status == "invalid"
    assert {r["verdict"] for r in outcome.reports} <= {"tampered", "modified", "malformed"}


def test_without_a_certificate_the_leader_is_told_why(btc: Any, real_pdf: bytes) -> None:
    draft = documents.do_create_draft(
        acting_user=btc.specialist, doc_type="decision", subject="Quyết định",
        recipients=[btc.office], uploads=[("qd.pdf", real_pdf)])
    documents.do_submit_for_review(draft, acting_user=btc.specialist)
    documents.do_review(draft, acting_user=btc.head, approve=True)
    with pytest.raises(ValidationError) as err:
        documents.do_approve(draft, acting_user=btc.leader)
    assert "has no signing certificate" in err.value.message_dict["certificate"][0]
    with translation.override("vi"), pytest.raises(ValidationError) as err:
        documents.do_approve(draft, acting_user=btc.leader)
    assert err.value.message_dict["certificate"][0].startswith(
        "Phạm Minh Lãnh chưa có chứng thư số nên văn bản này không thể ban hành điện tử.")
    draft.refresh_from_db()
    assert draft.status == Status.AWAITING_APPROVAL
    assert draft.files.count() == 1


@pytest.mark.parametrize("problem", ["revoked", "expired"])
def test_a_revoked_or_expired_certificate_cannot_sign(btc: Any, admin: Any, real_pdf: bytes,
                                                      problem: str) -> None:
    cert = actions.do_issue_certificate(acting_user=admin, kind="personal", user=btc.leader)
    if problem == "revoked":
        actions.do_revoke_certificate(cert, acting_user=admin, reason="Mất thiết bị ký số")
        expected = "it was revoked on"
    else:
        Certificate.objects.filter(pk=cert.pk).update(
            not_after=timezone.now() - dt.timedelta(days=1))
        expected = "it expired on"
    draft = documents.do_create_draft(
        acting_user=btc.specialist, doc_type="decision", subject="Quyết định",
        recipients=[btc.office], uploads=[("qd.pdf", real_pdf)])
    documents.do_submit_for_review(draft, acting_user=btc.specialist)
    documents.do_review(draft, acting_user=btc.head, approve=True)
    with pytest.raises(ValidationError) as err:
        documents.do_approve(draft, acting_user=btc.leader)
    assert expected in err.value.message_dict["certificate"][0]
    assert Document.objects.get(pk=draft.pk).status == Status.AWAITING_APPROVAL


def test_issue_without_a_seal_stops_and_keeps_the_number_free(btc: Any, admin: Any,
                                                                real_pdf: bytes) -> None:
    actions.do_issue_certificate(acting_user=admin, kind="personal", user=btc.leader)
    doc = approved(btc, real_pdf)
    with pytest.raises(ValidationError) as err:
        documents.do_issue(doc, acting_user=btc.clerk)
    assert "Bộ Tài chính has no signing certificate" in err.value.message_dict["certificate"][0]
    doc.refresh_from_db()
    assert doc.status == Status.APPROVED and doc.number is None
    actions.do_issue_certificate(acting_user=admin, kind="seal", organisation=btc.agency)
    assert documents.do_issue(doc, acting_user=btc.clerk).symbol == "01/QĐ-BTC"


def test_attachments_that_are_not_pdf_get_a_detached_cms_signature(
        certified: Any, real_pdf: bytes, tmp_path: Any) -> None:
    need_tool("openssl")
    doc = approved(certified, real_pdf)
    # An attachment added before approval would be signed too; here we sign a docx draft.
    docx = b"PK\x03\x04" + b"noi dung phu luc" * 50
    draft = documents.do_create_draft(
        acting_user=certified.specialist, doc_type="report", subject="Báo cáo kèm phụ lục",
        recipients=[certified.office], uploads=[("bao-cao.pdf", real_pdf),
                                                ("phu-luc.docx", docx)])
    documents.do_submit_for_review(draft, acting_user=certified.specialist)
    documents.do_review(draft, acting_user=certified.head, approve=True)
    documents.do_approve(draft, acting_user=certified.leader)
    del doc
    sig = DocumentFile.objects.get(document=draft, name="phu-luc.docx.p7s")
    data = DocumentFile.objects.get(document=draft, name="phu-luc.docx")
    assert data.signature_status == "valid"
    (tmp_path / "phu-luc.docx").write_bytes(content(data))
    (tmp_path / "sig.p7s").write_bytes(content(sig))
    (tmp_path / "root.pem").write_bytes(cert_pem(store.platform_authority().certificate))
    result = run(["openssl", "cms", "-verify", "-binary", "-inform", "DER",
                  "-in", str(tmp_path / "sig.p7s"), "-content", str(tmp_path / "phu-luc.docx"),
                  "-CAfile", str(tmp_path / "root.pem"), "-purpose", "any",
                  "-out", "/dev/null"])
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr


def test_secret_documents_are_not_signed_for_the_hub(certified: Any, real_pdf: bytes) -> None:
    doc = approved(certified, real_pdf, confidentiality="confidential")
    assert doc.files.count() == 1 and latest_main(doc).signature_status == ""


def test_incoming_files_are_verified_on_registration(certified: Any, bnv: Any,
                                                     real_pdf: bytes) -> None:
    issued = documents.do_issue(approved(certified, real_pdf), acting_user=certified.clerk)
    signed = content(latest_main(issued))
    paper = documents.do_register_incoming(
        acting_user=bnv.clerk, doc_type="decision", symbol=issued.symbol,
        issuer_name="Bộ Tài chính", subject=issued.subject,
        issue_date=issued.issue_date, uploads=[("qd.pdf", signed), ("scan.pdf", real_pdf)])
    verdicts = tasks.verify_document_files.call(paper.pk)
    assert verdicts == {"qd.pdf": "valid", "scan.pdf": "unsigned"}
    assert dict(paper.files.values_list("name", "signature_status")) == verdicts


def test_signing_not_required_lets_a_deployment_without_certificates_work(
        btc: Any, real_pdf: bytes, settings: Any) -> None:
    settings.EGOV_REQUIRE_SIGNATURES = False
    issued = documents.do_issue(approved(btc, real_pdf), acting_user=btc.clerk)
    assert issued.status == Status.ISSUED and issued.files.count() == 1
