"""``/api/v1/audit/``: the audit log, read-only, for administrators and leaders.

The same rows as the page (``views_audit.browsable_entries``: permissions as a query) and
the same filters, as query parameters.
"""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from egov.core.models import AuditEntry, User
from egov.core.views_audit import AuditFilterForm, browsable_entries, can_browse_audit


class AuditEntrySerializer(serializers.ModelSerializer[AuditEntry]):
    seq = serializers.IntegerField(
        read_only=True, allow_null=True,
        help_text="Position in the hash chain; null while the entry waits to be sealed.")

    class Meta:
        model = AuditEntry
        fields = ["id", "created_at", "actor", "actor_label", "position", "position_label",
                  "action", "object_type", "object_id", "object_repr", "before", "after",
                  "ip", "digest", "seq"]
        read_only_fields = fields


class CanBrowseAudit(permissions.BasePermission):
    message = "Only administrators and leaders can read the audit log."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return can_browse_audit(request.user)


_FILTERS = [
    OpenApiParameter("actor", OpenApiTypes.STR,
                     description="Part of the actor's name, or the exact user name."),
    OpenApiParameter("action", OpenApiTypes.STR,
                     description="Action, or its beginning (core. for the foundation)."),
    OpenApiParameter("object_type", OpenApiTypes.STR, description="E.g. core.organisation."),
    OpenApiParameter("object_id", OpenApiTypes.STR,
                     description="Object id (with object_type)."),
    OpenApiParameter("date_from", OpenApiTypes.DATE,
                     description="From this day (deployment's time zone)."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Up to this day, included."),
]


@extend_schema_view(
    list=extend_schema(summary="List audit entries", parameters=_FILTERS),
    retrieve=extend_schema(summary="Read an audit entry"),
)
class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet[AuditEntry]):
    """Audit entries, newest first."""

    serializer_class = AuditEntrySerializer
    permission_classes = [permissions.IsAuthenticated, CanBrowseAudit]
    queryset = AuditEntry.objects.none()  # for the schema; get_queryset gives the rows

    def get_queryset(self) -> QuerySet[AuditEntry]:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return AuditEntry.objects.none()
        entries = browsable_entries(cast(User, self.request.user))
        if self.action != "list":
            return entries
        form = AuditFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError({field: [str(e) for e in errors]
                                   for field, errors in form.errors.items()})
        return form.filter(entries)
