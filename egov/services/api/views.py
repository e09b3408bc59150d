"""The services API: the catalogue (public), and the dossiers of the caller's agencies
with the one-stop actions. Every dossier comes from ``queries.office_dossiers``: another
agency's dossier is not found (404, never 403); every change goes through ``actions``,
whose ValidationError (400 naming the field) and PermissionDenied (403) reach the caller
through egov/core/api/exceptions.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from egov.core.models import User

from .. import actions, queries
from ..models import Dossier, Procedure, Status
from . import serializers as s

TAG = "services"


@extend_schema_view(
    list=extend_schema(tags=[TAG], summary="The catalogue of administrative procedures",
                       parameters=[OpenApiParameter("q", str, description="Search words "
                                                    "(with or without diacritics)"),
                                   OpenApiParameter("field", str)]),
    retrieve=extend_schema(tags=[TAG], summary="One procedure"),
)
class ProcedureViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Procedure.objects.none()  # for the schema; get_queryset is the rule
    serializer_class = s.ProcedureSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[Procedure]:
        params = self.request.query_params
        return queries.catalogue(params.get("q", ""), params.get("field", "")).prefetch_related(
            "components", "steps")


@extend_schema_view(
    list=extend_schema(tags=[TAG], summary="Dossiers of the caller's agencies",
                       parameters=[OpenApiParameter("status", str)]),
    retrieve=extend_schema(tags=[TAG], summary="One dossier with its steps and requests"),
)
class DossierViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Dossier.objects.none()  # for the schema; get_queryset is the rule
    def get_serializer_class(self) -> Any:
        return s.DossierListSerializer if self.action == "list" else s.DossierSerializer

    def get_queryset(self) -> QuerySet[Dossier]:
        user = self.request.user
        assert isinstance(user, User)
        rows = queries.with_deadline_state(queries.office_dossiers(user),
                                           timezone.localdate()).select_related("procedure")
        status = self.request.query_params.get("status")
        if status in Status.values:
            rows = rows.filter(status=status)
        if self.action != "list":
            rows = rows.prefetch_related("entries", "requests", "apologies")
        return rows.order_by("-submitted_at", "-id")

    def _run(self, request: Request, serializer_class: Any,
             run: Callable[[Dossier, User, dict[str, Any]], Any]) -> Response:
        dossier = self.get_object()
        data: dict[str, Any] = {}
        if serializer_class is not None:
            given = serializer_class(data=request.data)
            given.is_valid(raise_exception=True)
            data = dict(given.validated_data)
        user = request.user
        assert isinstance(user, User)
        run(dossier, user, data)
        return Response(s.DossierSerializer(self.get_queryset().get(pk=dossier.pk)).data)

    @extend_schema(tags=[TAG], request=None, responses=s.DossierSerializer,
                   summary="Receive the dossier (complete): the clock starts")
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._run(request, None, lambda d, u, _: actions.do_accept(d, acting_user=u))

    @extend_schema(tags=[TAG], request=s.DossierMoreSerializer, responses=s.DossierSerializer,
                   summary="Ask for more documents (the clock stops)")
    @action(detail=True, methods=["post"], url_path="request-more")
    def request_more(self, request: Request, pk: str | None = None) -> Response:
        return self._run(request, s.DossierMoreSerializer, lambda d, u, v: actions.do_request_more(
            d, acting_user=u, items=v["items"], reason=v["reason"]))

    @extend_schema(tags=[TAG], request=s.DossierReasonSerializer, responses=s.DossierSerializer,
                   summary="Refuse with a written reason")
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        return self._run(request, s.DossierReasonSerializer, lambda d, u, v: actions.do_refuse(
            d, acting_user=u, reason=v["reason"]))

    @extend_schema(tags=[TAG], request=s.DossierNoteSerializer, responses=s.DossierSerializer,
                   summary="The current step is done: go to the next")
    @action(detail=True, methods=["post"], url_path="complete-step")
    def complete_step(self, request: Request, pk: str | None = None) -> Response:
        return self._run(request, s.DossierNoteSerializer, lambda d, u, v: actions.do_complete_step(
            d, acting_user=u, note=v.get("note", "")))

    @extend_schema(tags=[TAG], request=None, responses=s.DossierSerializer,
                   summary="The leader approves: the result is sealed")
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._run(request, None, lambda d, u, _: actions.do_approve(d, acting_user=u))

    @extend_schema(tags=[TAG], request=s.DossierApologiseSerializer, responses=s.DossierSerializer,
                   summary="The dossier will be late: apology with a new appointment date")
    @action(detail=True, methods=["post"])
    def apologise(self, request: Request, pk: str | None = None) -> Response:
        return self._run(request, s.DossierApologiseSerializer,
                         lambda d, u, v: actions.do_apologise(
                             d, acting_user=u, reason=v["reason"],
                             new_due_date=v["new_due_date"]))

    @extend_schema(tags=[TAG], request=None, responses=s.DossierSerializer,
                   summary="The result is handed over: the dossier closes")
    @action(detail=True, methods=["post"], url_path="return-result")
    def return_result(self, request: Request, pk: str | None = None) -> Response:
        return self._run(request, None,
                         lambda d, u, _: actions.do_return_result(d, acting_user=u))
