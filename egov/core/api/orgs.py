"""``/api/v1/organisations/``: the organisation tree for other systems.

Reading is open to officials and administrators (as the pages); creating, changing and
moving need ``core.add_organisation`` / ``core.change_organisation`` and go through the
actions, whose ValidationError comes back as 400 with the field it names. Nothing is
deleted: an organisation is deactivated (``is_active: false``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from egov.core import actions
from egov.core.models import Organisation
from egov.core.views_orgs import can_view_organisations


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    parent_code = serializers.CharField(source="parent.code", read_only=True,
                                        allow_null=True, default=None)

    class Meta:
        model = Organisation
        fields = ["id", "code", "qd20_code", "name", "short_name", "kind", "is_agency",
                  "level", "parent", "parent_code", "agency", "address", "email", "phone",
                  "is_active", "created_at", "updated_at"]
        read_only_fields = fields


class OrganisationWriteSerializer(serializers.Serializer[Any]):
    """The shape of a change; the rules (codes, parent, e-mail) are the actions'."""

    name = serializers.CharField(max_length=255)
    short_name = serializers.CharField(max_length=30)
    code = serializers.CharField(max_length=13)
    qd20_code = serializers.CharField(max_length=35, required=False, allow_null=True,
                                      allow_blank=True)
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    is_agency = serializers.BooleanField(required=False)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class OrganisationCreateSerializer(OrganisationWriteSerializer):
    parent_code = serializers.CharField(
        max_length=13, required=False, allow_null=True, allow_blank=True,
        help_text="Identifier code of the organisation it belongs to; empty for a "
                  "top-level agency.")


class OrganisationMoveSerializer(serializers.Serializer[Any]):
    parent_code = serializers.CharField(max_length=13)
    code = serializers.CharField(max_length=13, help_text="The new code under the new parent.")


class OrganisationPermission(permissions.BasePermission):
    """Read: officials and administrators. Write: the model's add/change permission."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not can_view_organisations(user):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        perm = "core.add_organisation" if request.method == "POST" and view.action == "create" \
            else "core.change_organisation"
        return bool(user.has_perm(perm))


def _parent_by_code(code: str | None) -> Organisation | None:
    if not code:
        return None
    parent = Organisation.objects.filter(code=code).first()
    if parent is None:
        raise serializers.ValidationError({"parent_code": [
            _("No organisation has the code %(code)s.") % {"code": code}]})
    return parent


@extend_schema_view(
    list=extend_schema(parameters=[
        OpenApiParameter("parent", OpenApiTypes.STR,
                         description="Only the units directly under the organisation with "
                                     "this identifier code."),
        OpenApiParameter("kind", OpenApiTypes.STR, enum=Organisation.Kind.values,
                         description="Only organisations of this kind."),
        OpenApiParameter("search", OpenApiTypes.STR,
                         description="Part of the name, abbreviation or code."),
        OpenApiParameter("active", OpenApiTypes.STR, enum=["true", "false", "all"],
                         description="true (default): active only; false: inactive only; "
                                     "all: both."),
    ]),
    create=extend_schema(request=OrganisationCreateSerializer,
                         responses={201: OrganisationSerializer}),
    update=extend_schema(request=OrganisationWriteSerializer,
                         responses={200: OrganisationSerializer}),
    partial_update=extend_schema(request=OrganisationWriteSerializer,
                                 responses={200: OrganisationSerializer}),
)
class OrganisationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.CreateModelMixin, mixins.UpdateModelMixin,
                          viewsets.GenericViewSet[Organisation]):
    serializer_class = OrganisationSerializer
    permission_classes = [permissions.IsAuthenticated, OrganisationPermission]
    queryset = Organisation.objects.select_related("parent").order_by("code")

    def get_queryset(self) -> QuerySet[Organisation]:
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        params = self.request.query_params
        active = params.get("active", "true").lower()
        if active in ("true", "1"):
            queryset = queryset.filter(is_active=True)
        elif active in ("false", "0"):
            queryset = queryset.filter(is_active=False)
        if params.get("parent"):
            queryset = queryset.filter(parent__code=params["parent"])
        if params.get("kind"):
            queryset = queryset.filter(kind=params["kind"])
        search = params.get("search", "").strip()
        if search:
            queryset = queryset.filter(Q(name__icontains=search)
                                       | Q(short_name__icontains=search)
                                       | Q(code__icontains=search)
                                       | Q(qd20_code__icontains=search))
        return queryset

    def _read(self, org: Organisation, status_code: int = status.HTTP_200_OK) -> Response:
        org = self.get_queryset().get(pk=org.pk)
        return Response(OrganisationSerializer(org, context=self.get_serializer_context()).data,
                        status=status_code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = OrganisationCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        parent = _parent_by_code(data.pop("parent_code", None))
        data.pop("is_active", None)
        org = actions.do_create_organisation(acting_user=request.user,  # type: ignore[arg-type]
                                             parent=parent, **data)
        return self._read(org, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        org = self.get_object()
        incoming = OrganisationWriteSerializer(data=request.data,
                                               partial=kwargs.get("partial", False))
        incoming.is_valid(raise_exception=True)
        org = actions.do_update_organisation(
            org, acting_user=request.user,  # type: ignore[arg-type]
            **dict(incoming.validated_data))
        return self._read(org)

    @extend_schema(request=OrganisationMoveSerializer, responses={200: OrganisationSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Put the unit under another parent, with the new code that the move requires."""
        org = self.get_object()
        incoming = OrganisationMoveSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        parent = _parent_by_code(incoming.validated_data["parent_code"])
        assert parent is not None
        org = actions.do_move_organisation(
            org, acting_user=request.user,  # type: ignore[arg-type]
            parent=parent, code=incoming.validated_data["code"])
        return self._read(org)
