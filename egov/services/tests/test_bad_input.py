"""Bad input: a clear message naming the field and the reason, nothing changed; for a
payment callback, an audit entry."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from egov.core.models import AuditEntry
from egov.services import actions, payments
from egov.services.models import Dossier, Payment, Status

from .conftest import PDF, World, accepted, contact, english, pay, submit, uploads

pytestmark = pytest.mark.django_db


def _submit_raises(world: World, **changes) -> ValidationError:  # type: ignore[no-untyped-def]
    kwargs = {"acting_user": world.citizen,
              "data": {"full_name": "Trần Thị Mai", "licence_number": "123"},
              "uploads": uploads(world.procedure), "contact": contact(world.citizen)}
    kwargs.update(changes)
    with pytest.raises(ValidationError) as caught:
        actions.do_submit(world.procedure, **kwargs)
    assert not Dossier.objects.exists()
    return caught.value


def test_missing_component_is_named(world: World) -> None:
    first = world.procedure.components.first()
    assert first is not None
    given = uploads(world.procedure)
    del given[first.pk]
    error = _submit_raises(world, uploads=given)
    assert error.message_dict == {f"component_{first.pk}": [
        "“Đơn đề nghị đổi giấy phép lái xe” is required: attach it."]}


def test_a_file_that_lies_about_its_type_is_refused(world: World) -> None:
    first = world.procedure.components.first()
    assert first is not None
    given = uploads(world.procedure)
    given[first.pk] = [("don.pdf", b"MZ\x90\x00 this is a Windows program")]
    error = _submit_raises(world, uploads=given)
    assert "does not contain what its name says" in error.message_dict[f"component_{first.pk}"][0]
    given[first.pk] = [("virus.exe", b"MZ\x90\x00")]
    error = _submit_raises(world, uploads=given)
    assert "files of this type are not accepted" in error.message_dict[
        f"component_{first.pk}"][0]


def test_a_file_too_large_is_refused(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EGOV_SERVICES_MAX_FILE_BYTES = 1024
    first = world.procedure.components.first()
    assert first is not None
    given = uploads(world.procedure)
    given[first.pk] = [("don.pdf", PDF + b"0" * 2000)]
    error = _submit_raises(world, uploads=given)
    assert "larger than the limit" in error.message_dict[f"component_{first.pk}"][0]


def test_form_field_out_of_range_and_missing(world: World) -> None:
    error = _submit_raises(world, data={"full_name": "", "licence_number": "1", "floors": "200"})
    assert error.message_dict["full_name"] == ["“Họ và tên” is required."]
    assert error.message_dict["floors"] == ["“Số năm lái xe”: must be at most 80."]
    error = _submit_raises(world, contact={**contact(world.citizen), "phone": "12ab"})
    assert "phone" in error.message_dict


def test_the_page_shows_the_errors_and_keeps_the_values(world: World) -> None:
    client = english(Client())
    client.force_login(world.citizen)
    response = client.post(reverse("services:apply", args=[world.procedure.code]), {
        "full_name": "Trần Thị Mai", "licence_number": "", "floors": "-3",
        "applicant_name": "Trần Thị Mai", "phone": "0912345678"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "“Số giấy phép lái xe” is required." in page
    assert "“Số năm lái xe”: must be at least 0." in page
    assert 'value="-3"' in page
    assert not Dossier.objects.exists()


def test_paying_twice_is_refused(world: World) -> None:
    dossier = submit(world)
    assert pay(dossier, world.citizen).code == "00"
    dossier.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        payments.do_start_payment(dossier, acting_user=world.citizen)
    assert caught.value.message_dict["fee"] == ["The fee of this dossier is already paid."]
    assert Payment.objects.count() == 1


def test_two_gateway_payments_started_only_one_confirms(world: World) -> None:
    dossier = submit(world)
    first = payments.do_start_payment(dossier, acting_user=world.citizen)
    second = payments.do_start_payment(dossier, acting_user=world.citizen)
    gw = payments.gateway()

    def notify(p: Payment) -> str:
        params = {"vnp_TmnCode": gw.tmn_code, "vnp_Amount": str(p.amount * 100),
                  "vnp_TxnRef": p.txn_ref}
        return payments.handle_ipn(payments.sandbox_result(params, pay=True)).code

    assert notify(first) == "00"
    assert notify(second) == "02"
    assert Payment.objects.filter(state="paid").count() == 1


def _signed_result(dossier: Dossier) -> dict[str, str]:
    payment = payments.do_start_payment(dossier, acting_user=None)
    gw = payments.gateway()
    return payments.sandbox_result({"vnp_TmnCode": gw.tmn_code,
                                    "vnp_Amount": str(payment.amount * 100),
                                    "vnp_TxnRef": payment.txn_ref}, pay=True)


def test_forged_callback_is_refused_with_an_audit_entry(world: World) -> None:
    dossier = submit(world)
    params = _signed_result(dossier)
    params["vnp_Amount"] = "100"  # tampered after signing
    response = Client().get(reverse("services:payment_ipn"), params)
    assert response.json() == {"RspCode": "97", "Message": "Invalid signature"}
    dossier.refresh_from_db()
    assert dossier.paid_at is None
    assert AuditEntry.objects.filter(action="services.payment_forged").count() == 1
    # A signature made with another secret is refused the same way.
    other = payments.VnpayStyleGateway("x", "/", payments.gateway().tmn_code, b"wrong")
    forged = other.sign({k: v for k, v in _signed_result(dossier).items()
                         if k != "vnp_SecureHash"})
    assert payments.handle_ipn(forged).code == "97"
    # The browser return refuses it too and records nothing.
    assert Client().get(reverse("services:payment_return"), forged).status_code == 400


def test_replayed_callback_is_answered_once_with_an_audit_entry(world: World) -> None:
    dossier = submit(world)
    params = _signed_result(dossier)
    client = Client()
    assert client.get(reverse("services:payment_ipn"), params).json()["RspCode"] == "00"
    paid_at = Dossier.objects.get().paid_at
    assert client.get(reverse("services:payment_ipn"), params).json() == {
        "RspCode": "02", "Message": "Order already confirmed"}
    assert Dossier.objects.get().paid_at == paid_at
    assert AuditEntry.objects.filter(action="services.payment_replayed").count() == 1


def test_wrong_amount_and_unknown_order(world: World) -> None:
    dossier = submit(world)
    gw = payments.gateway()
    payment = payments.do_start_payment(dossier, acting_user=None)
    wrong = gw.sign({"vnp_TmnCode": gw.tmn_code, "vnp_Amount": "100", "vnp_ResponseCode": "00",
                     "vnp_TxnRef": payment.txn_ref})
    assert payments.handle_ipn(wrong).code == "04"
    unknown = gw.sign({"vnp_TmnCode": gw.tmn_code, "vnp_Amount": "100",
                       "vnp_ResponseCode": "00", "vnp_TxnRef": "nope"})
    assert payments.handle_ipn(unknown).code == "01"
    assert Payment.objects.get().state == "pending"


def test_lookup_with_wrong_code_or_phone_says_the_same(world: World) -> None:
    dossier = submit(world)
    client = english(Client())
    wrong_phone = client.post(reverse("services:lookup"), {"code": dossier.code,
                                                            "phone": "0900000000"})
    wrong_code = client.post(reverse("services:lookup"), {"code": "X-000000-0001",
                                                           "phone": "0912345678"})
    assert wrong_phone.status_code == wrong_code.status_code == 404
    message = "No dossier has this receipt code with this telephone number."
    assert message in wrong_phone.content.decode() and message in wrong_code.content.decode()
    assert client.get(reverse("services:dossier", args=[dossier.code])).status_code == 404


def test_officer_of_another_agency_gets_404_everywhere(world: World) -> None:
    dossier = submit(world, world.free_procedure)
    with pytest.raises(Http404):
        actions.do_accept(dossier, acting_user=world.other_officer)
    client = Client()
    client.force_login(world.other_officer)
    assert client.get(reverse("services:office_dossier", args=[dossier.pk])).status_code == 404
    assert client.post(reverse("services:act", args=[dossier.pk, "accept"])).status_code == 404
    assert client.get(reverse("services:office_form",
                              args=[dossier.pk, "receipt"])).status_code == 404
    assert client.get(f"/api/v1/dossiers/{dossier.pk}/").status_code == 404
    assert client.post(f"/api/v1/dossiers/{dossier.pk}/accept/").status_code == 404
    assert Dossier.objects.get().status == Status.SUBMITTED


def test_accepting_unpaid_and_actions_out_of_order(world: World) -> None:
    dossier = submit(world)
    with pytest.raises(ValidationError) as caught:
        actions.do_accept(dossier, acting_user=world.officer)
    assert "has not been paid" in caught.value.message_dict["fee"][0]
    with pytest.raises(ValidationError):
        actions.do_complete_step(dossier, acting_user=world.officer)
    with pytest.raises(ValidationError) as caught:
        actions.do_refuse(dossier, acting_user=world.officer, reason=" ")
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.do_rate(dossier, acting_user=world.citizen, rating=3)
    assert Dossier.objects.get().status == Status.SUBMITTED


def test_apology_date_must_be_later_and_a_working_day(world: World) -> None:
    dossier = accepted(world, world.free_procedure)
    assert dossier.due_date is not None
    with pytest.raises(ValidationError) as caught:
        actions.do_apologise(dossier, acting_user=world.officer, reason="Chậm",
                             new_due_date=dossier.due_date)
    assert "must be after the current one" in caught.value.message_dict["new_due_date"][0]


def test_the_citizen_cannot_act_as_officer(world: World) -> None:
    dossier = submit(world, world.free_procedure)
    client = Client()
    client.force_login(world.citizen)
    assert client.get(reverse("services:queue")).status_code == 403
    assert client.post(reverse("services:act", args=[dossier.pk, "accept"])).status_code == 403
    assert client.get("/api/v1/dossiers/").json()["count"] == 0


def test_the_sandbox_gateway_is_closed_next_to_a_real_one(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    dossier = submit(world)
    payment = payments.do_start_payment(dossier, acting_user=world.citizen)
    url = payments.gateway().payment_url(payment, return_url="http://x/", ip="127.0.0.1")
    query = url.split("?", 1)[1]
    assert Client().get(reverse("services:sandbox_gateway") + "?" + query).status_code == 200
    settings.EGOV_PAYMENT_URL = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
    assert payments.gateway().payment_url(payment, return_url="http://x/", ip="1.2.3.4") \
        .startswith("https://sandbox.vnpayment.vn/")
    response = Client().post(reverse("services:sandbox_gateway") + "?" + query,
                             {"choice": "pay"})
    assert response.status_code == 404
    assert Payment.objects.get().state == "pending"


def test_hostile_file_names_are_made_harmless(world: World) -> None:
    first = world.procedure.components.first()
    assert first is not None
    given = uploads(world.procedure)
    given[first.pk] = [("../../../etc/passwd<script>.pdf", PDF)]
    dossier = actions.do_submit(world.procedure, acting_user=world.citizen,
                                data={"full_name": "Trần Thị Mai", "licence_number": "1"},
                                uploads=given, contact=contact(world.citizen))
    row = dossier.files.get(component=first)
    assert row.name == "passwdscript.pdf"
    assert row.file.name.startswith("services/") and ".." not in row.file.name


def test_the_catalogue_refuses_a_broken_form_definition(world: World) -> None:
    from egov.services.admin import ProcedureForm

    form = ProcedureForm(data={"code": "9.9", "name": "Thử", "field": "Thử",
                               "agency": world.centre.pk, "level": "province",
                               "form_fields": '[{"name": "a", "label": "A", "type": "blob"}]',
                               "fee": 0, "processing_days": 3, "result_name": "X",
                               "online_level": "full", "popularity": 0})
    assert not form.is_valid()
    assert form.errors["form_fields"] == ["Field “a” has an unknown type."]


def test_a_forged_lookup_cookie_opens_nothing(world: World) -> None:
    from egov.services.views_portal import LOOKUP_COOKIE

    dossier = submit(world)
    client = Client()
    client.cookies[LOOKUP_COOKIE] = dossier.code  # unsigned: refused
    assert client.get(reverse("services:dossier", args=[dossier.code])).status_code == 404
    client.post(reverse("services:lookup"), {"code": dossier.code, "phone": "0912345678"})
    assert client.get(reverse("services:dossier", args=[dossier.code])).status_code == 200


def test_a_submission_that_fails_after_its_files_were_written_leaves_none(
        world: World, monkeypatch: pytest.MonkeyPatch, settings) -> None:  # type: ignore[no-untyped-def]
    # The files are written before the transaction (the counter's lock is not held for
    # them): when the transaction fails, they are removed again and no row stays.
    import tempfile

    from django.core.files.storage import default_storage

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="egov-services-test-")
    written: list[str] = []
    save = actions.files.Written.save

    def spy(self: actions.files.Written, checked: actions.files.CheckedFile) -> str:
        written.append(save(self, checked))
        return written[-1]

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(actions.files.Written, "save", spy)
    monkeypatch.setattr(actions.audit, "record", broken)
    with pytest.raises(RuntimeError):
        submit(world)
    assert len(written) == 2
    assert not any(default_storage.exists(name) for name in written)
    assert not Dossier.objects.exists()
