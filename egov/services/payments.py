"""Paying fees online: one adapter interface, and a gateway that speaks the protocol of
Vietnam's common gateways (the VNPAY pattern).

The protocol, as the merchant sees it:

1. the merchant sends the browser to the gateway's URL with its parameters (``vnp_*``:
   version, command, merchant code, amount × 100, currency, transaction reference,
   order information, return URL, client address, creation time), sorted by name,
   URL-encoded, and signed: ``vnp_SecureHash`` = HMAC-SHA512 of that query string under
   the secret both share;
2. after payment the gateway calls the merchant's IPN URL server to server with the
   result (``vnp_ResponseCode``, ``vnp_TransactionStatus``, ``vnp_TransactionNo``, …,
   signed the same way); the merchant checks the signature, the order and the amount,
   records the payment once, and answers ``{"RspCode": "00", "Message": …}`` (``97``
   bad signature, ``01`` unknown order, ``04`` wrong amount, ``02`` already confirmed);
3. the browser comes back to the return URL with the same signed parameters; the merchant
   only shows the result there (the IPN is what records it).

Swapping in a real gateway is configuration: ``EGOV_PAYMENT_URL`` (the gateway's payment
page), ``EGOV_PAYMENT_TMN_CODE`` and ``EGOV_PAYMENT_SECRET``. Without them the sandbox
gateway of this deployment (``views_payment``) plays the gateway's side with the same
code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import audit
from egov.core.models import User

from .models import Dossier, Payment, Status

VERSION = "2.1.0"
HASH_FIELDS_EXCLUDED = frozenset({"vnp_SecureHash", "vnp_SecureHashType"})


class Gateway(Protocol):
    name: str

    def payment_url(self, payment: Payment, *, return_url: str, ip: str) -> str: ...

    def verify(self, params: Mapping[str, str]) -> bool: ...

    def sign(self, params: Mapping[str, str]) -> dict[str, str]: ...


def _query(params: Mapping[str, str]) -> str:
    """The parameters sorted by name and URL-encoded, as the gateway hashes them."""
    return urlencode(sorted((k, str(v)) for k, v in params.items()
                            if k not in HASH_FIELDS_EXCLUDED and v != ""))


@dataclass(frozen=True)
class VnpayStyleGateway:
    """A gateway speaking the VNPAY 2.1.0 protocol (HMAC-SHA512 over sorted parameters)."""

    name: str
    url: str
    tmn_code: str
    secret: bytes

    def signature(self, params: Mapping[str, str]) -> str:
        return hmac.new(self.secret, _query(params).encode(), hashlib.sha512).hexdigest()

    def sign(self, params: Mapping[str, str]) -> dict[str, str]:
        return {**params, "vnp_SecureHash": self.signature(params)}

    def verify(self, params: Mapping[str, str]) -> bool:
        given = params.get("vnp_SecureHash", "")
        return bool(given) and hmac.compare_digest(given.lower(), self.signature(params))

    def payment_url(self, payment: Payment, *, return_url: str, ip: str) -> str:
        created = timezone.localtime(payment.created_at)
        params = {
            "vnp_Version": VERSION, "vnp_Command": "pay", "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(payment.amount * 100), "vnp_CurrCode": "VND",
            "vnp_TxnRef": payment.txn_ref,
            "vnp_OrderInfo": f"Thanh toan le phi ho so {payment.dossier.code}",
            "vnp_OrderType": "other", "vnp_Locale": "vn", "vnp_ReturnUrl": return_url,
            "vnp_IpAddr": ip or "127.0.0.1",
            "vnp_CreateDate": created.strftime("%Y%m%d%H%M%S"),
            "vnp_ExpireDate": (created + dt.timedelta(minutes=15)).strftime("%Y%m%d%H%M%S"),
        }
        return f"{self.url}?{urlencode(self.sign(params))}"


def sandbox_enabled() -> bool:
    """The sandbox gateway answers only while no real gateway is configured: it holds the
    same secret, so next to a real gateway it could confirm payments nobody made."""
    return not getattr(settings, "EGOV_PAYMENT_URL", "")


def gateway() -> VnpayStyleGateway:
    secret = getattr(settings, "EGOV_PAYMENT_SECRET", "") or hmac.new(
        settings.SECRET_KEY.encode(), b"egov.services.payment-sandbox",
        hashlib.sha256).hexdigest()
    return VnpayStyleGateway(
        name=getattr(settings, "EGOV_PAYMENT_GATEWAY_NAME", "sandbox"),
        url=getattr(settings, "EGOV_PAYMENT_URL", "") or "/services/sandbox-gateway/",
        tmn_code=getattr(settings, "EGOV_PAYMENT_TMN_CODE", "") or "EGOVSBX1",
        secret=secret.encode())


def do_start_payment(dossier: Dossier, *, acting_user: User | None) -> Payment:
    """A new payment of the dossier's fee, waiting for the gateway. Paying twice is
    refused with a clear message."""
    if acting_user is not None and acting_user.kind == User.Kind.OFFICIAL:
        raise PermissionDenied(_("The applicant pays the fee."))
    if not dossier.fee:
        raise ValidationError({"fee": [_("This procedure has no fee to pay.")]})
    if dossier.paid_at is not None:
        raise ValidationError({"fee": [_("The fee of this dossier is already paid.")]})
    if dossier.status in (Status.REFUSED, Status.RETURNED):
        raise ValidationError({"fee": [_("This dossier is closed.")]})
    with transaction.atomic():
        payment = Payment.objects.create(
            dossier=dossier, gateway=gateway().name, amount=dossier.fee,
            txn_ref=f"{dossier.pk}-{secrets.token_hex(6)}", created_at=timezone.now())
        audit.record(acting_user=acting_user, action="services.start_payment", obj=dossier,
                     after={"txn_ref": payment.txn_ref, "amount": payment.amount})
    return payment


def do_record_counter_payment(dossier: Dossier, *, acting_user: User) -> Payment:
    """A walk-in applicant pays the fee in cash at the counter; the one-stop officer of
    the dossier's agency records it (once)."""
    from . import queries

    if dossier.agency_id not in queries.officer_agency_ids(acting_user):
        from django.http import Http404

        raise Http404(_("No such dossier."))
    if not acting_user.has_perm("services.receive_dossier"):
        raise PermissionDenied(_("Your post does not allow receiving dossiers."))
    if not dossier.fee:
        raise ValidationError({"fee": [_("This procedure has no fee to pay.")]})
    try:
        with transaction.atomic():
            locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
            if locked.paid_at is not None:
                raise ValidationError({"fee": [_("The fee of this dossier is already paid.")]})
            now = timezone.now()
            payment = Payment.objects.create(
                dossier=locked, gateway="counter", amount=locked.fee,
                txn_ref=f"{locked.pk}-q{secrets.token_hex(5)}", state=Payment.State.PAID,
                created_at=now, paid_at=now)
            locked.paid_at = now
            locked.save(update_fields=["paid_at", "updated_at"])
            audit.record(acting_user=acting_user, action="services.payment_counter",
                         obj=locked, after={"txn_ref": payment.txn_ref,
                                            "amount": payment.amount})
    except IntegrityError:
        raise ValidationError({"fee": [_("The fee of this dossier is already paid.")]}) \
            from None
    return payment


@dataclass(frozen=True)
class IpnAnswer:
    code: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"RspCode": self.code, "Message": self.message}


def _refused(action: str, params: Mapping[str, str], answer: IpnAnswer,
             ip: str | None = None) -> IpnAnswer:
    """A refused callback leaves an audit entry (and nothing else)."""
    with transaction.atomic():
        audit.record(acting_user=None, action=action, object_type="services.payment",
                     object_id=str(params.get("vnp_TxnRef", ""))[:64],
                     after={"params": {k: str(v)[:200] for k, v in params.items()},
                            "answer": answer.as_json()})
    return answer


def handle_ipn(params: Mapping[str, str]) -> IpnAnswer:
    """The gateway's server-to-server notification: checked, recorded once, answered."""
    gw = gateway()
    if not gw.verify(params):
        return _refused("services.payment_forged", params,
                        IpnAnswer("97", "Invalid signature"))
    if params.get("vnp_TmnCode") != gw.tmn_code:
        return _refused("services.payment_forged", params,
                        IpnAnswer("97", "Invalid merchant"))
    payment = Payment.objects.select_related("dossier").filter(
        txn_ref=params.get("vnp_TxnRef", "")).first()
    if payment is None:
        return _refused("services.payment_unknown", params,
                        IpnAnswer("01", "Order not found"))
    try:
        amount = int(params.get("vnp_Amount", "")) // 100
    except ValueError:
        amount = -1
    if amount != payment.amount:
        return _refused("services.payment_wrong_amount", params,
                        IpnAnswer("04", "Invalid amount"))
    if payment.state != Payment.State.PENDING:
        return _refused("services.payment_replayed", params,
                        IpnAnswer("02", "Order already confirmed"))
    success = (params.get("vnp_ResponseCode") == "00"
               and params.get("vnp_TransactionStatus", "00") == "00")
    try:
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            if locked.state != Payment.State.PENDING:
                raise _AlreadyDone
            dossier = Dossier.objects.select_for_update().get(pk=locked.dossier_id)
            if success and dossier.paid_at is not None:
                raise _AlreadyDone
            now = timezone.now()
            locked.state = Payment.State.PAID if success else Payment.State.FAILED
            locked.gateway_txn_no = str(params.get("vnp_TransactionNo", ""))[:40]
            locked.response = {k: str(v)[:200] for k, v in params.items()}
            if success:
                locked.paid_at = now
                dossier.paid_at = now
                dossier.save(update_fields=["paid_at", "updated_at"])
            locked.save()
            audit.record(acting_user=None, action="services.payment_confirmed"
                         if success else "services.payment_failed", obj=dossier,
                         after={"txn_ref": locked.txn_ref, "amount": locked.amount,
                                "gateway_txn_no": locked.gateway_txn_no})
    except (_AlreadyDone, IntegrityError):
        return _refused("services.payment_replayed", params,
                        IpnAnswer("02", "Order already confirmed"))
    return IpnAnswer("00", "Confirm Success")


class _AlreadyDone(Exception):
    pass


# --- the sandbox gateway's side ---------------------------------------------------------------

def sandbox_result(params: Mapping[str, str], *, pay: bool) -> dict[str, str]:
    """What the sandbox gateway sends back (to the IPN and the return URL), signed."""
    gw = gateway()
    result = {
        "vnp_TmnCode": params["vnp_TmnCode"], "vnp_Amount": params["vnp_Amount"],
        "vnp_TxnRef": params["vnp_TxnRef"], "vnp_OrderInfo": params.get("vnp_OrderInfo", ""),
        "vnp_BankCode": "NCB", "vnp_CardType": "ATM",
        "vnp_PayDate": timezone.localtime().strftime("%Y%m%d%H%M%S"),
        "vnp_ResponseCode": "00" if pay else "24",
        "vnp_TransactionStatus": "00" if pay else "02",
        "vnp_TransactionNo": str(secrets.randbelow(10**8)).zfill(8) if pay else "0",
    }
    return gw.sign(result)
