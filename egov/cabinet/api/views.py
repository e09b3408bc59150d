"""The e-Cabinet API: meetings (agenda, papers, positions, requests to speak, notes) and
ballots (signed answers, tally, re-verification), with the pages' permissions: rows come
from ``queries`` (another person's meeting or ballot is a 404), changes go through
``actions``. Papers and notes are served only to those the queries allow."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from egov.core.models import User

from .. import actions, queries, signatures
from ..models import AgendaItem, Answer, Ballot, Choice, Meeting, Note, Stance
from .office import BallotOfficeMixin, MeetingOfficeMixin
from .permissions import IsOfficial
from .serializers import (
    AnswerSerializer,
    BallotSerializer,
    MeetingDetailSerializer,
    MeetingSerializer,
)

TAG = "cabinet"


class PositionSerializer(serializers.Serializer[Any]):
    item = serializers.IntegerField()
    stance = serializers.ChoiceField(choices=Stance.choices)
    text = serializers.CharField(required=False, allow_blank=True, default="")


class SpeakSerializer(serializers.Serializer[Any]):
    item = serializers.IntegerField()
    withdraw = serializers.BooleanField(required=False, default=False)


class PaperNoteSerializer(serializers.Serializer[Any]):
    paper = serializers.IntegerField()
    text = serializers.CharField(allow_blank=True)


@extend_schema(tags=[TAG])
class MeetingViewSet(MeetingOfficeMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet[Meeting]):
    permission_classes = [IsOfficial]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return Meeting.objects.none()
        assert isinstance(self.request.user, User)
        return queries.visible_meetings(self.request.user).order_by("-starts_at", "id")

    def get_serializer_class(self) -> Any:
        return MeetingDetailSerializer if self.action == "retrieve" else MeetingSerializer

    def _item(self, meeting: Meeting, pk: int) -> AgendaItem:
        item = meeting.items.filter(pk=pk).first()
        if item is None:
            raise serializers.ValidationError({"item": ["No such item in this meeting."]})
        return item

    @extend_schema(request=PositionSerializer, responses={200: PositionSerializer})
    @action(detail=True, methods=["post"])
    def position(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        data = PositionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assert isinstance(request.user, User)
        actions.do_record_position(self._item(meeting, data.validated_data["item"]),
                                   acting_user=request.user,
                                   stance=data.validated_data["stance"],
                                   text=data.validated_data["text"])
        return Response(data.validated_data)

    @extend_schema(request=SpeakSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def speak(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        data = SpeakSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assert isinstance(request.user, User)
        actions.do_request_to_speak(self._item(meeting, data.validated_data["item"]),
                                    acting_user=request.user,
                                    withdraw=data.validated_data["withdraw"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=PaperNoteSerializer, responses={200: PaperNoteSerializer(many=True)})
    @action(detail=True, methods=["get", "post"])
    def notes(self, request: Request, pk: str) -> Response:
        """The caller's own private notes on this meeting's papers (nobody else's)."""
        meeting = self.get_object()
        assert isinstance(request.user, User)
        if request.method == "POST":
            data = PaperNoteSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            paper = queries.visible_papers(request.user, meeting).filter(
                pk=data.validated_data["paper"]).first()
            if paper is None:
                raise serializers.ValidationError({"paper": ["No such paper you can read."]})
            actions.do_save_note(paper, acting_user=request.user,
                                 text=data.validated_data["text"])
        notes = Note.objects.filter(paper__item__meeting=meeting, author=request.user)
        return Response([{"paper": n.paper_id, "text": n.text} for n in notes])


class AnswerInputSerializer(serializers.Serializer[Any]):
    choice = serializers.ChoiceField(choices=Choice.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    change = serializers.BooleanField(required=False, default=False)
    sign_with_my_certificate = serializers.BooleanField(
        required=False, default=False,
        help_text="Let the platform sign with the caller's personal certificate.")
    signature = serializers.CharField(
        required=False, allow_blank=True, default="",
        help_text="Base64 detached CMS signature over the bytes given by the payload "
                  "endpoint for the same choice and comment (the caller's own signing tool).")


@extend_schema(tags=[TAG])
class BallotViewSet(BallotOfficeMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet[Ballot]):
    permission_classes = [IsOfficial]
    serializer_class = BallotSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return Ballot.objects.none()
        assert isinstance(self.request.user, User)
        return queries.visible_ballots(self.request.user).order_by("-created_at", "-id")

    @extend_schema(responses={200: AnswerSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def answers(self, request: Request, pk: str) -> Response:
        """Current answers the caller may read: their own until the ballot closes."""
        ballot = self.get_object()
        assert isinstance(request.user, User)
        return Response(AnswerSerializer(queries.visible_answers(request.user, ballot),
                                         many=True).data)

    @extend_schema(request=AnswerInputSerializer,
                   responses={200: inline_serializer("AnswerPayload", {
                       "payload": serializers.CharField(), "version": serializers.IntegerField()})})
    @action(detail=True, methods=["post"])
    def payload(self, request: Request, pk: str) -> Response:
        """The exact bytes (base64) the caller's signing tool must sign for this answer."""
        ballot = self.get_object()
        data = AnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assert isinstance(request.user, User)
        previous = Answer.objects.filter(ballot=ballot, member=request.user,
                                         is_current=True).first()
        version = 1 + (previous.version if previous else 0)
        raw = signatures.payload(ballot_id=ballot.pk, member=request.user, version=version,
                                 choice=data.validated_data["choice"],
                                 comment=data.validated_data["comment"].strip())
        return Response({"payload": base64.b64encode(raw).decode(), "version": version})

    @extend_schema(request=AnswerInputSerializer, responses={201: AnswerSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str) -> Response:
        ballot = self.get_object()
        data = AnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assert isinstance(request.user, User)
        signature = None
        if data.validated_data["signature"]:
            try:
                signature = base64.b64decode(data.validated_data["signature"], validate=True)
            except (binascii.Error, ValueError):
                raise serializers.ValidationError(
                    {"signature": ["The signature is not base64."]}) from None
        row = actions.do_answer(
            ballot, acting_user=request.user, choice=data.validated_data["choice"],
            comment=data.validated_data["comment"], signature=signature,
            sign_with_my_certificate=data.validated_data["sign_with_my_certificate"],
            change=data.validated_data["change"])
        return Response(AnswerSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: inline_serializer("BallotVerification", {
        "ok": serializers.BooleanField(), "tally": serializers.DictField()})})
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str) -> Response:
        """Re-verify a closed ballot: every signature checks and the counts match."""
        ballot = self.get_object()
        if ballot.status != Ballot.Status.CLOSED:
            raise serializers.ValidationError({"status": ["The ballot is not closed yet."]})
        ok, fresh = actions.verify_ballot(ballot)
        return Response({"ok": ok, "tally": fresh})
