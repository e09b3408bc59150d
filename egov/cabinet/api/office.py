"""The Government Office's side of the e-Cabinet API: terms of members, scheduling a
meeting, its agenda and papers (upload by the proposing agency, check by the Office), the
session (open, close, the chair's block of no-objection items, the secretary's outcomes and
conclusions), the conclusions notice; ballots (create, open, close early, summary report).

The rows come from ``queries`` (an object the caller may not see is a 404); every change
goes through ``actions``, which checks the caller's right (a 403 naming what is missing)
and the input (a 400 naming the field) before anything is written — the same rules as the
pages, so the API cannot do what the pages refuse."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from egov.core.models import Organisation, User

from .. import actions, queries
from ..models import AgendaItem, Ballot, Meeting, Membership, Outcome, Paper
from .permissions import IsOfficial
from .serializers import BallotSerializer, MeetingDetailSerializer

TAG = "cabinet"


def _officials() -> Any:
    return User.objects.filter(kind="official", is_active=True)


def _agencies() -> Any:
    return Organisation.objects.filter(is_agency=True)


def _user(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


# --- terms -----------------------------------------------------------------------------------

class TermSerializer(serializers.ModelSerializer[Membership]):
    user = serializers.PrimaryKeyRelatedField(queryset=_officials())

    class Meta:
        model = Membership
        fields = ["id", "user", "title", "since", "until"]
        read_only_fields = ["id", "until"]


class TermEndSerializer(serializers.Serializer[Any]):
    until = serializers.DateField()


@extend_schema(tags=[TAG])
class TermViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Any]):
    """Terms of Government members (the Office's list; a member replaced in the middle of a
    term keeps the meetings before the end of the term and loses the later ones)."""

    permission_classes = [IsOfficial]
    serializer_class = TermSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        if not queries.is_office(_user(self.request)):
            return Membership.objects.none()
        return Membership.objects.order_by("-since", "id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = TermSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        term = actions.do_start_term(acting_user=_user(request), **data.validated_data)
        return Response(TermSerializer(term).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TermEndSerializer, responses={200: TermSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        term = self.get_object()
        data = TermEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actions.do_end_term(term, acting_user=_user(request), until=data.validated_data["until"])
        return Response(TermSerializer(term).data)


# --- meetings --------------------------------------------------------------------------------

class ScheduleSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=Meeting.Kind.choices)
    title = serializers.CharField(allow_blank=True)
    starts_at = serializers.DateTimeField()
    place = serializers.CharField(required=False, allow_blank=True, default="")
    online_url = serializers.URLField(required=False, allow_blank=True, default="")
    chair = serializers.PrimaryKeyRelatedField(queryset=_officials(), allow_null=True)
    secretary = serializers.PrimaryKeyRelatedField(queryset=_officials(), required=False,
                                                   allow_null=True, default=None)
    members = serializers.PrimaryKeyRelatedField(
        queryset=_officials(), many=True, required=False, default=None,
        help_text="Omitted or empty: every member serving on the meeting's day.")
    guests = serializers.PrimaryKeyRelatedField(queryset=_officials(), many=True,
                                                required=False, default=list)
    remote = serializers.PrimaryKeyRelatedField(
        queryset=_officials(), many=True, required=False, default=list,
        help_text="Members or guests who take part remotely.")


class ItemInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(allow_blank=True)
    proposing_agency = serializers.PrimaryKeyRelatedField(queryset=_agencies(), allow_null=True)


class PaperUploadSerializer(serializers.Serializer[Any]):
    item = serializers.IntegerField()
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=Paper.Kind.choices, required=False, allow_blank=True,
                                   default="")
    title = serializers.CharField(required=False, allow_blank=True, default="")
    members_only = serializers.BooleanField(required=False, default=False)
    paper = serializers.IntegerField(required=False, allow_null=True, default=None,
                                     help_text="A new version of this paper of the item.")


class PaperCheckSerializer(serializers.Serializer[Any]):
    paper = serializers.IntegerField()
    publish = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class StatusSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=Meeting.Status.choices)


class AssignmentSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(allow_blank=True)
    lead_agency = serializers.PrimaryKeyRelatedField(queryset=_agencies(), allow_null=True)
    deadline = serializers.DateField(allow_null=True)


class OutcomeSerializer(serializers.Serializer[Any]):
    item = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    conclusions = serializers.CharField(required=False, allow_blank=True, default="")
    assignments = AssignmentSerializer(
        many=True, required=False, default=list,
        help_text="Each conclusion that assigns work becomes a task when the notice is issued.")


class DocumentRefSerializer(serializers.Serializer[Any]):
    document = serializers.IntegerField()


def _item(meeting: Meeting, pk: int) -> AgendaItem:
    item = meeting.items.filter(pk=pk).first()
    if item is None:
        raise serializers.ValidationError({"item": ["No such item in this meeting."]})
    return item


class MeetingOfficeMixin(viewsets.GenericViewSet[Meeting]):
    # Mixed into ``MeetingViewSet``: ``get_object`` is its visibility-checked lookup. (No
    # docstring: drf-spectacular would give it to every operation of the viewset.)

    def _detail(self, meeting: Meeting, code: int = status.HTTP_200_OK) -> Response:
        request = self.request
        meeting = queries.visible_meetings(_user(request)).get(pk=meeting.pk)
        return Response(MeetingDetailSerializer(meeting, context={"request": request}).data,
                        status=code)

    @extend_schema(request=ScheduleSerializer, responses={201: MeetingDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The Office schedules a meeting (answers with the meeting's detail)."""
        data = ScheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["members"] = list(values["members"] or []) or None
        meeting = actions.do_schedule_meeting(acting_user=_user(request), **values)
        return self._detail(meeting, status.HTTP_201_CREATED)

    @extend_schema(request=ItemInputSerializer, responses={201: MeetingDetailSerializer})
    @action(detail=True, methods=["post"])
    def items(self, request: Request, pk: str) -> Response:
        """The Office adds an item to the agenda."""
        meeting = self.get_object()
        data = ItemInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actions.do_add_item(meeting, acting_user=_user(request), **data.validated_data)
        return self._detail(meeting, status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": PaperUploadSerializer},
                   responses={201: MeetingDetailSerializer})
    @action(detail=True, methods=["post"], url_path="papers")
    def upload_paper(self, request: Request, pk: str) -> Response:
        """The proposing agency (or the Office) uploads a PDF paper or a new version of one;
        members see it once the Office has checked it."""
        meeting = self.get_object()
        data = PaperUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        item = _item(meeting, values["item"])
        paper = None
        if values["paper"] is not None:
            paper = Paper.objects.filter(pk=values["paper"], item__meeting=meeting).first()
            if paper is None:
                raise serializers.ValidationError({"paper": ["No such paper in this meeting."]})
        actions.do_upload_paper(item, acting_user=_user(request), upload=values["file"],
                                kind=values["kind"], title=values["title"],
                                members_only=values["members_only"], paper=paper)
        return self._detail(meeting, status.HTTP_201_CREATED)

    @extend_schema(request=PaperCheckSerializer, responses={200: MeetingDetailSerializer})
    @action(detail=True, methods=["post"], url_path="check-paper")
    def check_paper(self, request: Request, pk: str) -> Response:
        """The Office publishes a paper to the members, or returns it with what to change."""
        meeting = self.get_object()
        data = PaperCheckSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        paper = Paper.objects.filter(pk=data.validated_data["paper"],
                                     item__meeting=meeting).first()
        if paper is None:
            raise serializers.ValidationError({"paper": ["No such paper in this meeting."]})
        actions.do_check_paper(paper, acting_user=_user(request),
                               publish=data.validated_data["publish"],
                               note=data.validated_data["note"])
        return self._detail(meeting)

    @extend_schema(request=StatusSerializer, responses={200: MeetingDetailSerializer})
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str) -> Response:
        """Open the session, then close it (the secretary, the chair or the Office)."""
        meeting = self.get_object()
        data = StatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actions.do_set_status(meeting, acting_user=_user(request),
                              status=data.validated_data["status"])
        return self._detail(meeting)

    @extend_schema(request=None, responses={200: MeetingDetailSerializer})
    @action(detail=True, methods=["post"], url_path="pass-no-objection")
    def pass_no_objection(self, request: Request, pk: str) -> Response:
        """The chair passes, as one block, every item no member objected to."""
        meeting = self.get_object()
        actions.do_pass_no_objection(meeting, acting_user=_user(request))
        return self._detail(meeting)

    @extend_schema(request=OutcomeSerializer, responses={200: MeetingDetailSerializer})
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk: str) -> Response:
        """The secretary records an item's outcome, conclusions and assignments."""
        meeting = self.get_object()
        data = OutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        actions.do_record_outcome(_item(meeting, values["item"]), acting_user=_user(request),
                                  outcome=values["outcome"], conclusions=values["conclusions"],
                                  assignments=[dict(row) for row in values["assignments"]])
        return self._detail(meeting)

    @extend_schema(request=None, responses={201: DocumentRefSerializer})
    @action(detail=True, methods=["post"], url_path="conclusions-notice")
    def conclusions_notice(self, request: Request, pk: str) -> Response:
        """The Office drafts the conclusions notice as an outgoing document; it then goes
        the documents' way (``/api/v1/documents/{id}/…``)."""
        meeting = self.get_object()
        document = actions.do_draft_conclusions_notice(meeting, acting_user=_user(request))
        return Response({"document": document.pk}, status=status.HTTP_201_CREATED)


# --- ballots ---------------------------------------------------------------------------------

class BallotCreateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(allow_blank=True)
    question = serializers.CharField(allow_blank=True)
    working_days = serializers.IntegerField(allow_null=True)
    members = serializers.PrimaryKeyRelatedField(
        queryset=_officials(), many=True, required=False, default=None,
        help_text="Omitted or empty: every serving member.")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                  help_text="The papers, PDF.")
    answers_visible_before_close = serializers.BooleanField(required=False, default=False)


class BallotOfficeMixin(viewsets.GenericViewSet[Ballot]):
    # Mixed into ``BallotViewSet`` (no docstring, as above).

    def _ballot(self, ballot: Ballot, code: int = status.HTTP_200_OK) -> Response:
        ballot.refresh_from_db()
        return Response(BallotSerializer(ballot).data, status=code)

    @extend_schema(request={"application/json": BallotCreateSerializer,
                            "multipart/form-data": BallotCreateSerializer},
                   responses={201: BallotSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The Office drafts a ballot (not yet open)."""
        data = BallotCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ballot = actions.do_create_ballot(
            acting_user=_user(request), title=values["title"], question=values["question"],
            working_days=values["working_days"],
            members=list(values["members"] or []) or None,
            uploads=values["files"],
            answers_visible_before_close=values["answers_visible_before_close"])
        return self._ballot(ballot, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: BallotSerializer})
    @action(detail=True, methods=["post"])
    def open(self, request: Request, pk: str) -> Response:
        """Open the ballot: the deadline is fixed, reminders and the close are enqueued."""
        ballot = actions.do_open_ballot(self.get_object(), acting_user=_user(request))
        return self._ballot(ballot)

    @extend_schema(request=None, responses={200: BallotSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        """Close before the deadline (the Office) and tally the signed answers."""
        ballot = actions.do_close_ballot(self.get_object(), acting_user=_user(request))
        return self._ballot(ballot)

    @extend_schema(request=None, responses={201: DocumentRefSerializer})
    @action(detail=True, methods=["post"], url_path="summary-report")
    def summary_report(self, request: Request, pk: str) -> Response:
        """The Office drafts the summary report from the tally, as a document."""
        document = actions.do_draft_summary_report(self.get_object(), acting_user=_user(request))
        return Response({"document": document.pk}, status=status.HTTP_201_CREATED)
