"""The connector's API: packages received from the hub (a clerk registers or refuses
them) and the hub trace of a sent document. Same actions and permissions as the pages:
rows come from ``connector_queries``, so another agency's package is a 404."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from egov.core.models import User
from egov.documents.api.views import IsOfficial, Pagination

from .. import connector_actions as actions
from .. import connector_queries as queries
from ..connector_client import HubError
from ..models import InboundPackage, InboundStatus, OutboundPackage

TAG = "exchange"


class ReceivedSerializer(serializers.ModelSerializer[InboundPackage]):
    agency = serializers.CharField(source="agency.code", read_only=True)
    document = serializers.IntegerField(source="document_id", read_only=True, allow_null=True)

    class Meta:
        model = InboundPackage
        fields = ["id", "hub_id", "agency", "sender_code", "sender_name", "edxml_id", "symbol",
                  "subject", "issue_date", "sha256", "size", "received_at", "state",
                  "document", "refusal_reason"]
        read_only_fields = fields


class RegisterSerializer(serializers.Serializer[Any]):
    confirm_duplicate = serializers.BooleanField(default=False)


class RefuseSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True)


class StatusSerializer(serializers.ModelSerializer[InboundStatus]):
    class Meta:
        model = InboundStatus
        fields = ["recipient_code", "code", "description", "timestamp", "staff", "received_at"]
        read_only_fields = fields


class SentSerializer(serializers.ModelSerializer[OutboundPackage]):
    statuses = StatusSerializer(many=True, read_only=True)

    class Meta:
        model = OutboundPackage
        fields = ["id", "document", "recipients", "edxml_id", "state", "attempts",
                  "error_code", "last_error", "hub_id", "sha256", "accepted_at", "statuses"]
        read_only_fields = fields


def _user(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Received package id.")


@extend_schema(tags=[TAG])
class ReceivedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet[InboundPackage]):
    """Packages the hub delivered to the agencies whose registers the caller keeps
    (``?state=received|registered|refused`` filters)."""

    queryset = InboundPackage.objects.none()  # the schema's types; rows: get_queryset
    serializer_class = ReceivedSerializer
    permission_classes = [IsOfficial]
    pagination_class = Pagination

    def get_queryset(self) -> Any:
        qs = queries.received_packages(_user(self.request)).select_related("agency").defer(
            "data").order_by("id")
        state = self.request.query_params.get("state")
        return qs.filter(state=state) if state else qs

    @extend_schema(summary="Register in the incoming register", parameters=[ID],
                   request=RegisterSerializer, responses=ReceivedSerializer)
    @action(detail=True, methods=["post"])
    def register(self, request: Request, pk: str | None = None) -> Response:
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = self.get_object()
        actions.do_register_package(row, acting_user=_user(request),
                                    allow_duplicate=data.validated_data["confirm_duplicate"])
        return Response(ReceivedSerializer(row).data)

    @extend_schema(summary="Refuse, with the reason the sender reads", parameters=[ID],
                   request=RefuseSerializer, responses=ReceivedSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        data = RefuseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = self.get_object()
        actions.do_refuse_package(row, acting_user=_user(request),
                                  reason=data.validated_data["reason"])
        return Response(ReceivedSerializer(row).data)


@extend_schema(tags=[TAG])
class SentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  viewsets.GenericViewSet[OutboundPackage]):
    """Packages of documents the caller may see, with the statuses their recipients sent
    back (``?state=pending|sent|failed`` filters); ``lookup`` is the document's id."""

    queryset = OutboundPackage.objects.none()  # the schema's types; rows: get_queryset
    serializer_class = SentSerializer
    permission_classes = [IsOfficial]
    pagination_class = Pagination
    lookup_field = "document"

    def get_queryset(self) -> Any:
        qs = queries.outbound_packages(_user(self.request)).prefetch_related(
            "statuses").order_by("id")
        state = self.request.query_params.get("state")
        return qs.filter(state=state) if state else qs

    @extend_schema(summary="The hub's trace: every recipient's statuses, with times",
                   parameters=[OpenApiParameter("document", int, OpenApiParameter.PATH)],
                   responses={200: dict, 502: dict})
    @action(detail=True, methods=["get"])
    def trace(self, request: Request, document: str | None = None) -> Response:
        row = self.get_object()
        conn = actions.connection()
        if row.hub_id is None or conn is None:
            return Response({"code": "not_sent", "message": row.last_error or
                             "The package has not reached the hub yet."}, status=409)
        try:
            return Response(actions.client(conn).trace(row.hub_id))
        except HubError as exc:
            return Response({"code": exc.code, "message": exc.message}, status=502)
