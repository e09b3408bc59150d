"""The payment callbacks (browser return and server-to-server IPN) and the sandbox
gateway that stands in for a real one (``payments`` explains the protocol)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from . import payments
from .models import Payment


@csrf_exempt  # called by the gateway's server, authenticated by the HMAC signature
@require_GET
def ipn(request: HttpRequest) -> HttpResponse:
    answer = payments.handle_ipn(request.GET.dict())
    return JsonResponse(answer.as_json())


@require_GET
def payment_return(request: HttpRequest) -> HttpResponse:
    """Where the gateway sends the browser back: show what happened (the IPN records it)."""
    params = request.GET.dict()
    if not payments.gateway().verify(params):
        return render(request, "services/payment_return.html",
                      {"ok": False, "forged": True}, status=400)
    payment = (Payment.objects.select_related("dossier")
               .filter(txn_ref=params.get("vnp_TxnRef", "")).first())
    if payment is None:
        raise Http404(_("No such payment."))
    return render(request, "services/payment_return.html", {
        "ok": payment.state == Payment.State.PAID, "payment": payment,
        "dossier": payment.dossier})


def sandbox_gateway(request: HttpRequest) -> HttpResponse:
    """The sandbox gateway's payment page. It checks the merchant's signature like a real
    gateway, and on "Pay" notifies the merchant's IPN (in-process, through the same
    handler the IPN URL runs) before sending the browser back to the return URL."""
    if not payments.sandbox_enabled():
        raise Http404(_("No sandbox gateway here."))
    params = (request.POST if request.method == "POST" else request.GET).dict()
    choice = params.pop("choice", "")
    params.pop("csrfmiddlewaretoken", None)
    gw = payments.gateway()
    if not gw.verify(params) or params.get("vnp_TmnCode") != gw.tmn_code:
        return render(request, "services/sandbox_gateway.html", {"invalid": True}, status=400)
    if request.method == "POST" and choice in ("pay", "cancel"):
        result = payments.sandbox_result(params, pay=choice == "pay")
        payments.handle_ipn(result)  # the server-to-server notification, in-process
        return redirect(f"{params['vnp_ReturnUrl']}?{urlencode(result)}")
    return render(request, "services/sandbox_gateway.html", {
        "params": params, "amount": int(params.get("vnp_Amount", "0")) // 100,
        "fields": sorted(params.items())})


urlpatterns = [
    path("thanh-toan/ipn/", ipn, name="payment_ipn"),
    path("thanh-toan/ket-qua/", payment_return, name="payment_return"),
    path("sandbox-gateway/", sandbox_gateway, name="sandbox_gateway"),
]
