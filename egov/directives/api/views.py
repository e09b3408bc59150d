"""The tasks API: the same actions and permissions as the pages. Rows come from
``queries.visible_tasks``, so another agency's task is a 404; changes go through
``actions`` (ValidationError → 400 naming the field, PermissionDenied → 403)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from egov.core.models import Organisation, User
from egov.documents.models import Document

from .. import actions, queries, review
from ..models import (
    DeadlineKind,
    DeadlineRequest,
    Period,
    Product,
    ProgressReport,
    SourceKind,
    Task,
    TaskStatus,
)

TAG = "tasks"


class IsOfficial(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "kind", None) == "official")


class TaskSerializer(serializers.ModelSerializer[Task]):
    status = serializers.ChoiceField(choices=TaskStatus.choices, read_only=True)
    lead_agency_name = serializers.CharField(source="lead_agency.name", read_only=True)

    class Meta:
        model = Task
        fields = ["id", "source_kind", "source_document", "source_reference", "source_date",
                  "content", "lead_agency", "lead_agency_name", "coordinating_agencies",
                  "product", "product_note", "deadline_kind", "working_days", "period",
                  "series", "occurrence", "deadline", "original_deadline", "progress",
                  "done_on", "done_note", "product_document", "status", "created_at"]
        read_only_fields = fields


class TaskCreateSerializer(serializers.Serializer[Any]):
    content = serializers.CharField(allow_blank=True)
    source_kind = serializers.ChoiceField(choices=SourceKind.choices)
    source_reference = serializers.CharField(required=False, allow_blank=True, default="")
    source_date = serializers.DateField()
    source_document = serializers.PrimaryKeyRelatedField(
        queryset=Document.objects.all(), required=False, allow_null=True, default=None)
    lead_agency = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(is_agency=True), allow_null=True)
    coordinating_agencies = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(is_agency=True), many=True, required=False,
        default=list)
    product = serializers.ChoiceField(choices=Product.choices)
    product_note = serializers.CharField(required=False, allow_blank=True, default="")
    deadline_kind = serializers.ChoiceField(choices=DeadlineKind.choices)
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    working_days = serializers.IntegerField(required=False, allow_null=True, default=None)
    period = serializers.ChoiceField(choices=Period.choices, required=False, allow_blank=True,
                                     default="")
    until = serializers.DateField(required=False, allow_null=True, default=None)


class ProgressSerializer(serializers.Serializer[ProgressReport]):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(allow_blank=True)
    percent = serializers.IntegerField(allow_null=True)
    files = serializers.ListField(child=serializers.FileField(), required=False, write_only=True)
    agency = serializers.IntegerField(source="agency_id", read_only=True)
    at = serializers.DateTimeField(read_only=True)


class DoneSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    product_document = serializers.PrimaryKeyRelatedField(
        queryset=Document.objects.all(), required=False, allow_null=True, default=None)


class DeadlineRequestSerializer(serializers.ModelSerializer[DeadlineRequest]):
    class Meta:
        model = DeadlineRequest
        fields = ["id", "old_deadline", "new_deadline", "reason", "decision", "requested_at",
                  "decided_at", "decision_note"]
        read_only_fields = ["id", "old_deadline", "decision", "requested_at", "decided_at",
                            "decision_note"]
        extra_kwargs = {"new_deadline": {"allow_null": True}, "reason": {"allow_blank": True}}


class DeadlineDecisionSerializer(serializers.Serializer[Any]):
    request = serializers.IntegerField()
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AssignInsideSerializer(serializers.Serializer[Any]):
    unit = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(),
                                              required=False, allow_null=True, default=None)
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False,
                                              allow_null=True, default=None)
    instruction = serializers.CharField(required=False, allow_blank=True, default="")


class ScorecardSerializer(serializers.Serializer[Any]):
    lead_agency_id = serializers.IntegerField()
    lead_agency__name = serializers.CharField()
    assigned = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    overdue = serializers.IntegerField()
    near = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class ReviewSerializer(serializers.Serializer[Any]):
    today = serializers.DateField()
    cards = ScorecardSerializer(many=True)
    attention = TaskSerializer(many=True)
    attention_total = serializers.IntegerField()


@extend_schema(tags=[TAG])
class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Task]):
    """Tasks the caller may see (the Office: all; an agency: those it leads or
    coordinates). ``?status=overdue`` filters by the derived status."""

    permission_classes = [IsOfficial]
    serializer_class = TaskSerializer
    parser_classes = [JSONParser, MultiPartParser]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return Task.objects.none()
        user = self.request.user
        assert isinstance(user, User)
        tasks = queries.visible_tasks(user)
        wanted = self.request.query_params.get("status")
        if wanted in TaskStatus.values:
            tasks = tasks.filter(queries.status_conditions()[wanted])
        return (queries.with_status(tasks).select_related("lead_agency")
                .prefetch_related("coordinating_agencies").order_by("deadline", "id"))

    def _user(self, request: Request) -> User:
        assert isinstance(request.user, User)
        return request.user

    def _refetch(self, pk: int) -> Response:
        return Response(TaskSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=TaskCreateSerializer, responses={201: TaskSerializer(many=True)})
    def create(self, request: Request) -> Response:
        data = TaskCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = actions.do_create_task(acting_user=self._user(request), **data.validated_data)
        rows = self.get_queryset().filter(pk__in=[t.pk for t in made])
        return Response(TaskSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProgressSerializer, responses={201: ProgressSerializer})
    @action(detail=True, methods=["post"])
    def progress(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        data = ProgressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = actions.do_report_progress(
            task, acting_user=self._user(request), text=data.validated_data["text"],
            percent=data.validated_data["percent"],
            uploads=data.validated_data.get("files", []))
        return Response(ProgressSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DoneSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def done(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        data = DoneSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actions.do_mark_done(task, acting_user=self._user(request), **data.validated_data)
        return self._refetch(task.pk)

    @extend_schema(request=DeadlineRequestSerializer, responses={201: DeadlineRequestSerializer})
    @action(detail=True, methods=["post"], url_path="deadline-requests")
    def deadline_requests(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        data = DeadlineRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = actions.do_request_deadline(
            task, acting_user=self._user(request),
            new_deadline=data.validated_data.get("new_deadline"),
            reason=data.validated_data.get("reason", ""))
        return Response(DeadlineRequestSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DeadlineDecisionSerializer, responses={200: DeadlineRequestSerializer})
    @action(detail=True, methods=["post"], url_path="deadline-decision")
    def deadline_decision(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        data = DeadlineDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = task.deadline_requests.filter(pk=data.validated_data["request"]).first()
        if row is None:
            raise serializers.ValidationError({"request": ["No such request on this task."]})
        actions.do_decide_deadline(row, acting_user=self._user(request),
                                   approve=data.validated_data["approve"],
                                   note=data.validated_data["note"])
        return Response(DeadlineRequestSerializer(row).data)

    @extend_schema(request=AssignInsideSerializer, responses={201: None})
    @action(detail=True, methods=["post"], url_path="assign-inside")
    def assign_inside(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        data = AssignInsideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actions.do_assign_inside(task, acting_user=self._user(request), **data.validated_data)
        return Response(status=status.HTTP_201_CREATED)


class ReviewView(APIView):
    """Overdue and near-due tasks by agency and the scorecards (fixed query count)."""

    permission_classes = [IsOfficial]

    @extend_schema(tags=[TAG], responses={200: ReviewSerializer})
    def get(self, request: Request) -> Response:
        assert isinstance(request.user, User)
        data = review.build(queries.visible_tasks(request.user))
        return Response(ReviewSerializer({
            "today": data.today, "cards": data.cards, "attention": data.attention,
            "attention_total": data.attention_total}).data)
