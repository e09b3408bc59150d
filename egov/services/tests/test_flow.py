"""The issue's "done means", through the pages: a citizen applies online for a driving
licence renewal, pays through the gateway, is asked for one more document, answers, and
downloads the licence sealed by the agency; an officer and a leader handle it; a second
dossier goes late and shows the apology letter."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from egov.core import calendar
from egov.core.models import AuditEntry
from egov.core.tests.factories import run_queued
from egov.services import actions
from egov.services.models import Dossier, Payment, Status

from .conftest import PDF, World, accepted

pytestmark = pytest.mark.django_db


def _pdf(name: str = "giay-to.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _login(client: Client, user) -> Client:  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def test_citizen_officer_and_leader_settle_a_renewal(  # type: ignore[no-untyped-def]
        world: World, settings, django_capture_on_commit_callbacks) -> None:
    from egov.signing import actions as signing
    from egov.signing.models import Certificate

    settings.EGOV_REQUIRE_SIGNATURES = True
    admin = type(world.citizen).objects.create_superuser("quantri", "q@example.vn", "x")
    signing.do_issue_certificate(acting_user=admin, kind=Certificate.Kind.SEAL,
                                 organisation=world.centre)
    citizen = _login(Client(), world.citizen)
    procedure = world.procedure
    components = list(procedure.components.all())

    # The form is prefilled from the profile.
    page = citizen.get(reverse("services:apply", args=[procedure.code]))
    assert 'value="Trần Thị Mai"' in page.content.decode()
    assert 'value="0912345678"' in page.content.decode()

    # Submit: the receipt code at once, and by e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        response = citizen.post(reverse("services:apply", args=[procedure.code]), {
            "full_name": "Trần Thị Mai", "licence_number": "220123456789",
            "applicant_name": "Trần Thị Mai", "phone": "0912345678",
            "email": "congdan@example.vn", "return_channel": "online",
            f"component_{components[0].pk}": _pdf(),
            f"component_{components[1].pk}": _pdf(),
        }, follow=True)
    dossier = Dossier.objects.get()
    today = timezone.localtime(dossier.submitted_at).date()
    assert re.fullmatch(rf"000\.00\.05\.H49-{today:%y%m%d}-0001", dossier.code)
    assert dossier.code in response.content.decode()
    assert mail.outbox == []  # the request does not wait on the mail server: a task does
    assert run_queued("egov.core.tasks.send_email") == [True]
    assert dossier.code in mail.outbox[-1].subject
    assert mail.outbox[-1].to == ["congdan@example.vn"]

    # Pay through the sandbox gateway: browser redirect, signed callback, browser return.
    response = citizen.post(reverse("services:pay", args=[dossier.code]))
    assert response.status_code == 302 and "vnp_SecureHash=" in response["Location"]
    gateway_page = citizen.get(response["Location"])
    assert gateway_page.status_code == 200
    fields = dict(re.findall(r'name="(vnp_\w+)" value="([^"]*)"', gateway_page.content.decode()))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    back = citizen.post(reverse("services:sandbox_gateway"), {**fields, "choice": "pay"})
    assert back.status_code == 302
    shown = citizen.get(back["Location"])
    assert "135.000" in shown.content.decode()
    dossier.refresh_from_db()
    assert dossier.paid_at is not None
    assert Payment.objects.get().state == Payment.State.PAID

    # The officer asks for one more document; the citizen answers from the dossier page.
    officer = _login(Client(), world.officer)
    officer.post(reverse("services:act", args=[dossier.pk, "ask"]), {
        "items": "Bản sao giấy phép lái xe", "reason": "Để đối chiếu số giấy phép"})
    dossier.refresh_from_db()
    assert dossier.status == Status.MORE_REQUESTED
    page = citizen.get(reverse("services:dossier", args=[dossier.code]))
    assert "Bản sao giấy phép lái xe" in page.content.decode()
    citizen.post(reverse("services:answer", args=[dossier.code]),
                 {"files": _pdf(), "note": "Đã bổ sung"})
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert dossier.files.filter(kind="addition").count() == 1

    # Received: the appointment date follows the working-day calendar.
    officer.post(reverse("services:act", args=[dossier.pk, "accept"]))
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert dossier.due_date == calendar.add_working_days(dossier.accepted_at, 5)
    receipt = officer.get(reverse("services:office_form", args=[dossier.pk, "receipt"]))
    text = PdfReader(io.BytesIO(receipt.content)).pages[0].extract_text()
    assert "GIẤY TIẾP NHẬN HỒ SƠ" in text and dossier.code in text

    officer.post(reverse("services:act", args=[dossier.pk, "step"]), {"note": "Hợp lệ"})
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_APPROVAL

    leader = _login(Client(), world.leader)
    leader.post(reverse("services:act", args=[dossier.pk, "approve"]))
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY

    # The citizen downloads the licence, sealed by the centre; the dossier closes.
    response = citizen.get(reverse("services:result", args=[dossier.code]))
    content = b"".join(response.streaming_content)
    reader = PdfReader(io.BytesIO(content))
    signatures = [f for f in reader.get_fields().values() if f.get("/FT") == "/Sig"]
    assert len(signatures) == 1
    assert "GIẤY PHÉP LÁI XE" in reader.pages[0].extract_text().upper()
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    citizen.post(reverse("services:rate", args=[dossier.code]), {"rating": "3"})
    dossier.refresh_from_db()
    assert dossier.rating == 3
    actions_done = set(AuditEntry.objects.filter(object_id=str(dossier.pk))
                       .values_list("action", flat=True))
    assert {"services.submit", "services.request_more", "services.answer_request",
            "services.accept", "services.complete_step", "services.approve",
            "services.return_result", "services.rate",
            "services.payment_confirmed"} <= actions_done


def test_a_late_dossier_shows_the_apology_letter(world: World) -> None:
    dossier = accepted(world)
    yesterday = calendar.add_working_days(timezone.localdate(), -1)
    Dossier.objects.filter(pk=dossier.pk).update(due_date=yesterday)
    dossier.refresh_from_db()
    new_due = calendar.add_working_days(timezone.localdate(), 3)
    actions.do_apologise(dossier, acting_user=world.officer, reason="Chờ kết quả xác minh",
                         new_due_date=new_due)
    client = Client()
    client.post(reverse("services:lookup"), {"code": dossier.code, "phone": "0912 345 678"})
    page = client.get(reverse("services:dossier", args=[dossier.code])).content.decode()
    assert "Chờ kết quả xác minh" in page and new_due.strftime("%d/%m/%Y") in page
    pdf = client.get(reverse("services:form_pdf", args=[dossier.code, "apology"]))
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "XIN LỖI" in text and f"{new_due.day:02d} tháng {new_due.month:02d}" in text


def test_the_clock_stops_while_waiting_for_documents(world: World) -> None:
    dossier = accepted(world)
    assert dossier.due_date is not None
    left = calendar.working_days_between(timezone.localdate(), dossier.due_date)
    actions.do_request_more(dossier, acting_user=world.officer, items="Ảnh 3x4",
                            reason="Ảnh mờ")
    dossier.refresh_from_db()
    assert dossier.paused_days == left
    actions.do_answer_request(dossier, acting_user=world.citizen, uploads=[("anh.pdf", PDF)])
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.paused_days is None
    assert dossier.due_date == calendar.add_working_days(timezone.now(), left)


def test_receipt_codes_run_per_agency_and_day(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    from .conftest import submit

    first = submit(world, world.free_procedure)
    second = submit(world, world.free_procedure)
    assert int(second.code[-4:]) == int(first.code[-4:]) + 1
    settings.EGOV_RECEIPT_CODE_FORMAT = "{agency}.{date:%Y%m%d}.{seq:05d}"
    third = submit(world, world.free_procedure)
    assert third.code.endswith(".00003")
    assert third.code.startswith(f"000.00.05.H49.{timezone.localdate():%Y%m%d}")


def test_counter_entry_received_at_once_and_refusal(world: World) -> None:
    officer = _login(Client(), world.officer)
    procedure = world.free_procedure
    components = list(procedure.components.all())
    response = officer.post(reverse("services:counter") + f"?procedure={procedure.code}", {
        "procedure": procedure.code, "full_name": "Phạm Văn Hùng",
        "licence_number": "220987654321", "applicant_name": "Phạm Văn Hùng",
        "phone": "0987654321", "return_channel": "counter", "accept_now": "1",
        f"component_{components[0].pk}": _pdf(),
        f"component_{components[1].pk}": _pdf()})
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert dossier.channel == "counter" and dossier.status == Status.PROCESSING
    assert dossier.applicant is None
    officer.post(reverse("services:act", args=[dossier.pk, "refuse"]),
                 {"reason": "Người nộp không đủ điều kiện"})
    dossier.refresh_from_db()
    assert dossier.status == Status.REFUSED
    pdf = officer.get(reverse("services:office_form", args=[dossier.pk, "refusal"]))
    assert "Người nộp không đủ điều kiện" in PdfReader(io.BytesIO(pdf.content)).pages[0] \
        .extract_text()
    assert dt.date.today()  # the refusal closed the dossier on the day


def test_a_walk_in_pays_the_fee_in_cash_at_the_counter(world: World) -> None:
    from egov.services import payments

    dossier = actions.do_submit(
        world.procedure, acting_user=world.officer, channel="counter",
        data={"full_name": "Phạm Văn Hùng", "licence_number": "220987654321"},
        uploads={c.pk: [("a.pdf", PDF)] for c in world.procedure.components.all()},
        contact={"applicant_name": "Phạm Văn Hùng", "phone": "0987654321"})
    officer = Client()
    officer.force_login(world.officer)
    officer.post(reverse("services:act", args=[dossier.pk, "cash"]))
    dossier.refresh_from_db()
    assert dossier.paid_at is not None
    assert Payment.objects.get().gateway == "counter"
    with pytest.raises(ValidationError):
        payments.do_record_counter_payment(dossier, acting_user=world.officer)
    assert Payment.objects.count() == 1
    actions.do_accept(dossier, acting_user=world.officer)
    with pytest.raises(Http404):
        payments.do_record_counter_payment(dossier, acting_user=world.other_officer)
