"""The hub's HTTP API, /hub/v1/ — the contract every connector is written against.

Every call carries ``Authorization: Bearer <token>``, a connected system's token. Every
refusal is a 4xx with ``{"code": ..., "message": ...}`` and is recorded (``HubRefusal``).
The views stay thin: they read the raw body (never a multipart or a parsed form, and never
beyond the size limit), call the action, and write the answer.
"""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import authentication, exceptions, permissions
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import hub_actions, hub_queries
from . import hub_serializers as s
from .hub_actions import HubRefused
from .hub_signatures import format_time
from .models import HubSystem

TAG = "hub"
XML = "application/xml"


class HubTokenAuthentication(authentication.BaseAuthentication):
    """A connected system's token: ``Authorization: Bearer hub_…``."""

    def authenticate(self, request: Any) -> tuple[Any, HubSystem] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: expected “Bearer <token>”."))
        system = hub_actions.authenticate(header[1].decode("ascii", "replace"))
        if system is None:
            raise exceptions.AuthenticationFailed(
                _("The token is not that of an active system on the hub."))
        return AnonymousUser(), system

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="hub"'


class HubTokenScheme(OpenApiAuthenticationExtension):
    target_class = HubTokenAuthentication
    name = "hubToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer",
                "description": "A connected system's token (hub_…), given once by "
                               "`egov hub_add_system`."}


class IsHubSystem(permissions.BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return isinstance(request.auth, HubSystem)


class XmlBodyParser(BaseParser):
    """Names the body's media type; the views read the raw bytes themselves."""

    media_type = XML

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: Any = None) -> Any:
        return stream.read() if stream is not None else b""


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(s.HubErrorSerializer, description=description)


AUTH_ERRORS = {401: _error("No token, or not that of an active system.")}


class HubView(APIView):
    authentication_classes = [HubTokenAuthentication]
    permission_classes = [IsHubSystem]
    renderer_classes = [JSONRenderer]
    parser_classes = [XmlBodyParser]
    system: HubSystem | None = None
    body_size: int | None = None

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # Answers are JSON (or the package's XML) whatever the Accept header asks for.
        return super().perform_content_negotiation(request, force=True)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        assert isinstance(request.auth, HubSystem)
        self.system = request.auth

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            message = str(exc.detail) if isinstance(exc, exceptions.AuthenticationFailed) \
                else _("Give the system's token: Authorization: Bearer <token>.")
            refusal = HubRefused(401, "unauthenticated", message)
        elif isinstance(exc, HubRefused):
            refusal = exc
        elif isinstance(exc, exceptions.APIException):
            codes = exc.get_codes()
            refusal = HubRefused(exc.status_code, codes if isinstance(codes, str) else "error",
                                 str(exc.detail))
        else:
            return super().handle_exception(exc)
        request = self.request
        hub_actions.record_refusal(refusal, system=self.system, endpoint=request.path,
                                   size=self.body_size, ip=request.META.get("REMOTE_ADDR"))
        response = Response({"code": refusal.code, "message": refusal.message},
                            status=refusal.status)
        if refusal.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="hub"'
        return response

    def caller(self) -> HubSystem:
        assert self.system is not None
        return self.system

    def read_body(self, request: Request) -> bytes:
        """The raw body, refused unread when it declares more than the limit, and never
        read beyond it (Django's own in-memory limit does not apply here)."""
        limit = settings.EGOV_HUB_MAX_PACKAGE_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        self.body_size = declared or None
        hub_actions.check_size(declared)
        body = request._request.read(limit + 1)
        self.body_size = len(body)
        hub_actions.check_size(len(body))
        return body


def _accepted(result: hub_actions.Accepted) -> dict[str, Any]:
    return {"id": result.id, "sha256": result.sha256,
            "accepted_at": format_time(result.accepted_at),
            "receipt": base64.b64encode(result.receipt).decode("ascii"),
            "receipt_payload": result.receipt_payload.decode("ascii"),
            "duplicate": result.duplicate}


class PackagesView(HubView):
    @extend_schema(
        summary="Send a signed edXML document package", tags=[TAG],
        operation_id="hub_send_package",
        request={XML: OpenApiTypes.BINARY},
        description=(
            "The body is the signed edXML document package, byte for byte. Checked in this "
            "order: token (401 unauthenticated), size (413 too_large), well-formed and "
            "schema-valid edXML (400 xml_forbidden, xml_malformed, too_deep, schema_invalid, "
            "attachment_invalid, wrong_kind), the sender From/OrganId is an agency of the "
            "calling system (403 sender_not_yours), the signature verifies with a "
            "certificate registered for that agency (422 signature_missing, "
            "signature_invalid), every To/OrganId is registered (422 unknown_recipient). "
            "The same sender and DocumentId again: 200 with the first package, nothing "
            "stored. 201 only once the package, its deliveries and the receipt are "
            "committed."),
        responses={201: s.HubAcceptedSerializer,
                   200: OpenApiResponse(s.HubAcceptedSerializer,
                                        description="A duplicate: the first package."),
                   400: _error("Not a valid edXML document package."),
                   **AUTH_ERRORS,
                   403: _error("sender_not_yours"),
                   413: _error("too_large"),
                   422: _error("signature_missing, signature_invalid, unknown_recipient")})
    def post(self, request: Request) -> Response:
        body = self.read_body(request)
        result = hub_actions.do_accept_package(system=self.caller(), body=body)
        return Response(_accepted(result), status=200 if result.duplicate else 201)


class InboxView(HubView):
    @extend_schema(
        summary="Items waiting for the caller's agencies, oldest first", tags=[TAG],
        operation_id="hub_inbox",
        parameters=[
            OpenApiParameter("after", int, description="Only items with a larger id (the "
                             "`next` of the previous page)."),
            OpenApiParameter("limit", int, description="At most this many items (1–500, "
                             "default 100)."),
        ],
        responses={200: s.HubInboxSerializer, 400: _error("invalid_parameter"),
                   **AUTH_ERRORS})
    def get(self, request: Request) -> Response:
        try:
            after = int(request.query_params.get("after") or 0)
            limit = int(request.query_params.get("limit") or hub_queries.INBOX_DEFAULT_LIMIT)
        except ValueError:
            raise HubRefused(400, "invalid_parameter",
                             _("after and limit must be whole numbers.")) from None
        limit = max(1, min(limit, hub_queries.INBOX_MAX_LIMIT))
        items, cursor = hub_queries.inbox(self.caller(), after=after, limit=limit)
        for item in items:
            item["sent_at"] = format_time(item["sent_at"])
        return Response({"items": items, "next": cursor})


def _not_found(package_id: int) -> HubRefused:
    return HubRefused(404, "not_found", _("There is no package %(id)s for this system.")
                      % {"id": package_id})


class PackageView(HubView):
    @extend_schema(
        summary="One package, byte for byte as sent", tags=[TAG],
        operation_id="hub_get_package",
        description="For the system that sent it or one that has a delivery of it; any "
                    "other gets 404. The X-Hub-SHA256 header carries the bytes' SHA-256.",
        responses={(200, XML): OpenApiResponse(OpenApiTypes.BINARY),
                   404: _error("not_found"), **AUTH_ERRORS})
    def get(self, request: Request, pk: int) -> HttpResponse:
        found = hub_queries.package_bytes(self.caller(), pk)
        if found is None:
            raise _not_found(pk)
        data, sha256 = found
        response = HttpResponse(data, content_type=XML)
        response["X-Hub-SHA256"] = sha256
        return response


class AckView(HubView):
    @extend_schema(
        summary="Confirm the package is stored: it leaves the caller's inbox", tags=[TAG],
        operation_id="hub_ack_package",
        request=None,
        description="Idempotent: acknowledging again answers the first acknowledgement.",
        responses={200: s.HubAckSerializer, 404: _error("not_found"), **AUTH_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        acked_at = hub_actions.do_ack(system=self.caller(), package_id=pk)
        return Response({"id": pk, "acked_at": format_time(acked_at)})


class StatusView(HubView):
    @extend_schema(
        summary="Send a signed edXML status package about a package received", tags=[TAG],
        operation_id="hub_send_status",
        request={XML: OpenApiTypes.BINARY},
        description=(
            "Same checks as packages for the token, size, schema, sender (Status/From) and "
            "signature. ResponseFor/OrganId and ResponseFor/DocumentId name the document "
            "package, which the sender agency must have received (else 404 "
            "unknown_package). The status is routed to the system that sent the document. "
            "The same bytes again from the same system: 200 with the first id."),
        responses={201: s.HubStatusAcceptedSerializer,
                   200: OpenApiResponse(s.HubStatusAcceptedSerializer,
                                        description="A replay: the first status."),
                   400: _error("Not a valid edXML status package."),
                   **AUTH_ERRORS,
                   403: _error("sender_not_yours"),
                   404: _error("unknown_package"),
                   413: _error("too_large"),
                   422: _error("signature_missing, signature_invalid")})
    def post(self, request: Request) -> Response:
        body = self.read_body(request)
        result = hub_actions.do_accept_status(system=self.caller(), body=body)
        return Response({"id": result.id, "accepted_at": format_time(result.accepted_at),
                         "duplicate": result.duplicate},
                        status=200 if result.duplicate else 201)


class TraceView(HubView):
    @extend_schema(
        summary="Where a document package stands at each recipient", tags=[TAG],
        operation_id="hub_trace_package",
        description="For the sender's system (every recipient) and the recipients' "
                    "(their own agencies only): delivered, acknowledged, and every status "
                    "in time order.",
        responses={200: s.HubTraceSerializer, 404: _error("not_found"), **AUTH_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        found = hub_queries.trace(self.caller(), pk)
        if found is None:
            raise _not_found(pk)
        return Response({
            "package": found.package, "document_id": found.document_id,
            "sender": found.sender, "sent_at": format_time(found.sent_at),
            "recipients": [{
                "recipient": r.recipient, "delivered_at": format_time(r.delivered_at),
                "acked_at": format_time(r.acked_at) if r.acked_at else None,
                "statuses": [{
                    "id": st.id, "code": st.code, "meaning": st.meaning,
                    "description": st.description,
                    "timestamp": format_time(st.timestamp) if st.timestamp else None,
                    "received_at": format_time(st.received_at),
                } for st in r.statuses],
            } for r in found.recipients],
        })
