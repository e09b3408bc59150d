"""The signing pages and API: certificates (own, or all for an administrator), import,
verification of an upload and of a stored file (another agency's is a 404), rates; and the
exchange-package helpers checked by xmlsec1."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import etree

from egov.documents import actions as documents
from egov.documents.models import Document, DocumentFile
from egov.documents.tests.test_api import client_for as api_client
from egov.documents.tests.test_pages_incoming import client_for
from egov.signing import actions, store
from egov.signing.crypto.common import cert_pem
from egov.signing.models import Certificate

from .conftest import EDXML_SAMPLE, need_tool, run
from .test_signing_flow import approved, content, latest_main

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(certified: Any, real_pdf: bytes) -> Document:
    return documents.do_issue(approved(certified, real_pdf), acting_user=certified.clerk)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_an_official_sees_own_certificates_and_an_administrator_all(certified: Any,
                                                                    admin: Any) -> None:
    mine = client_for(certified.leader).get(reverse("signing:certificates"))
    assert mine.status_code == 200
    assert [c.kind for c in mine.context["rows"]] == ["personal"]
    assert mine.context["issue_form"] is None
    everything = client_for(admin).get(reverse("signing:certificates"))
    assert {c.kind for c in everything.context["rows"]} == {"personal", "seal"}
    assert b"Issue from the platform CA" in everything.content


def test_certificates_expiring_within_30_days_are_flagged(certified: Any, admin: Any) -> None:
    from django.utils import timezone

    soon = timezone.now() + timezone.timedelta(days=10)
    Certificate.objects.filter(kind="seal").update(not_after=soon)
    page = client_for(admin).get(reverse("signing:certificates"))
    assert [c.kind for c in page.context["expiring"]] == ["seal"]
    assert b"expires within 30 days" in page.content


def test_the_vietnamese_page_has_its_diacritics(certified: Any) -> None:
    page = client_for(certified.leader, "vi").get(reverse("signing:certificates"))
    assert "Chữ ký số".encode() in page.content


def test_import_page_names_the_field_and_keeps_nothing(btc: Any) -> None:
    client = client_for(btc.leader)
    response = client.post(reverse("signing:import"), {
        "file": upload("chu-ky.p12", b"not a pkcs12 file at all"), "password": "x"})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not Certificate.objects.exists()
    ca = store.authority_ca(store.platform_authority())
    good = ca.issue_personal(btc.leader.get_full_name(), btc.agency.name, btc.agency.code,
                             algorithm="ec-p256").to_pkcs12(b"pw")
    response = client.post(reverse("signing:import"), {"file": upload("k.p12", good),
                                                       "password": "pw"})
    assert response.status_code == 302
    assert Certificate.objects.get().user == btc.leader


def test_administrator_issues_and_revokes_from_the_page(btc: Any, admin: Any) -> None:
    client = client_for(admin)
    client.post(reverse("signing:issue"), {"kind": "seal", "organisation": btc.agency.pk})
    cert = Certificate.objects.get(kind="seal")
    client.post(reverse("signing:revoke", args=[cert.pk]), {"reason": "Thay khóa"})
    assert Certificate.objects.get(pk=cert.pk).revoked_at is not None
    forbidden = client_for(btc.leader).post(reverse("signing:issue"),
                                            {"kind": "personal", "user": btc.leader.pk})
    assert forbidden.status_code == 403


def test_verify_page_shows_both_signatures_and_a_changed_copy(issued: Document,
                                                              certified: Any) -> None:
    client = client_for(certified.specialist)
    good = content(latest_main(issued))
    page = client.post(reverse("signing:verify"), {"file": upload("qd.pdf", good)})
    assert page.status_code == 200
    assert page.context["outcome"].status == "valid"
    assert [r["verdict"] for r in page.context["outcome"].reports] == ["valid", "valid"]
    assert b"Ph\xe1\xba\xa1m Minh L\xc3\xa3nh" in page.content  # Phạm Minh Lãnh
    changed = bytearray(good)
    changed[good.index(b"stream") + 40] ^= 1
    page = client.post(reverse("signing:verify"), {"file": upload("qd.pdf", bytes(changed))})
    assert page.context["outcome"].status == "invalid"
    assert b"Changed after signing" in page.content
    empty = client.post(reverse("signing:verify"), {})
    assert empty.status_code == 400 and empty.context["form"].errors["file"]


def test_a_stored_file_of_another_agency_is_a_404(issued: Document, certified: Any,
                                                  bnv: Any) -> None:
    row = latest_main(issued)
    url = reverse("signing:verify_file", args=[issued.pk, row.pk])
    assert client_for(certified.clerk).get(url).status_code == 200
    assert client_for(bnv.clerk).get(url).status_code == 404
    detail = client_for(certified.clerk).get(reverse("documents:detail", args=[issued.pk]))
    assert b"Sealed digitally with the agency" in detail.content
    assert b"Signed digitally by the approving leader" in detail.content
    assert b"Signed, valid (2)" in detail.content
    api = reverse("signing-stored-file", args=[issued.pk, row.pk])
    assert api_client(bnv.clerk).get(api).status_code == 404
    body = api_client(certified.clerk).get(api).json()
    assert body["status"] == "valid" and len(body["signatures"]) == 2
    assert body["signatures"][1]["signer"]["organisational_unit"] == "000.00.00.G12"


def test_api_verifies_an_upload(issued: Document, certified: Any) -> None:
    client = api_client(certified.specialist)
    good = content(latest_main(issued))
    response = client.post(reverse("signing-verify"), {"file": upload("qd.pdf", good)},
                           format="multipart")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "valid"
    assert [s["signer"]["common_name"] for s in body["signatures"]] == [
        "Phạm Minh Lãnh", "Bộ Tài chính"]
    assert all(s["chain"]["trusted"] for s in body["signatures"])
    bad = client.post(reverse("signing-verify"), {}, format="multipart")
    assert bad.status_code == 400 and "file" in bad.json()


def test_rates_count_signed_documents(issued: Document, certified: Any) -> None:
    year = issued.issue_date.year  # type: ignore[union-attr]
    body = api_client(certified.leader).get(reverse("signing-rates"), {"year": year}).json()
    [row] = [r for r in body if r["agency_id"] == certified.agency.pk]
    assert (row["issued"], row["issued_signed"], row["issued_share"]) == (1, 1, 1.0)
    assert (row["received"], row["received_signed"]) == (1, 1)  # the internal copy
    unsigned = documents.do_register_incoming(
        acting_user=certified.clerk, doc_type="official_letter", symbol="9/UBND-VP",
        issuer_name="UBND tỉnh Quảng Ninh", subject="Công văn giấy",
        issue_date=issued.issue_date, uploads=[("scan.pdf", b"%PDF-1.4\n% scan\n")])
    DocumentFile.objects.filter(document=unsigned).update(signature_status="unsigned")
    body = api_client(certified.leader).get(reverse("signing-rates"), {"year": year}).json()
    [row] = [r for r in body if r["agency_id"] == certified.agency.pk]
    assert (row["received"], row["received_signed"], row["received_share"]) == (2, 1, 0.5)
    page = client_for(certified.leader).get(reverse("signing:rates"), {"year": year})
    assert page.status_code == 200 and b"50%" in page.content
    assert api_client(certified.leader).get(reverse("signing-rates"),
                                            {"year": "abc"}).status_code == 400


def test_certificates_api_lists_only_ones_own(certified: Any, admin: Any) -> None:
    mine = api_client(certified.leader).get(reverse("signing-certificates")).json()
    assert [c["kind"] for c in mine["results"]] == ["personal"]
    assert "key_blob" not in mine["results"][0]


def test_exchange_packages_signed_by_the_seal_verify_here_and_with_xmlsec1(
        certified: Any, bnv: Any, admin: Any, tmp_path: Any) -> None:
    need_tool("xmlsec1")
    signed = actions.sign_package(EDXML_SAMPLE.encode(), certified.agency)
    report = actions.verify_package(signed, certified.agency)
    assert report.ok, report.problems
    root = tmp_path / "root.pem"
    root.write_bytes(cert_pem(store.platform_authority().certificate))
    (tmp_path / "p.xml").write_bytes(signed)
    result = run(["xmlsec1", "--verify", "--trusted-pem", str(root), str(tmp_path / "p.xml")])
    assert result.returncode == 0, result.stderr
    # Claimed as coming from another agency: refused, even though the chain is trusted.
    actions.do_issue_certificate(acting_user=admin, kind="seal", organisation=bnv.agency)
    assert not actions.verify_package(signed, bnv.agency).ok
    # Changed after signing: refused.
    tree = etree.fromstring(signed)
    subject = tree.find(".//{*}Subject")
    assert subject is not None
    subject.text = "Nội dung đã bị sửa"
    assert not actions.verify_package(etree.tostring(tree), certified.agency).ok


def test_the_platform_ca_publishes_its_crl(certified: Any, admin: Any, client: Any) -> None:
    from cryptography import x509

    authority = store.platform_authority()
    cert = Certificate.objects.get(kind="personal")
    actions.do_revoke_certificate(cert, acting_user=admin, reason="Mất thiết bị")
    response = client.get(reverse("signing:crl", args=[authority.pk]))  # no sign-in needed
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(response.content)
    assert crl.is_signature_valid(authority.certificate.public_key())  # type: ignore[arg-type]
    assert crl.get_revoked_certificate_by_serial_number(int(cert.serial, 16)) is not None
