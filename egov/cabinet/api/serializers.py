"""Serializers of e-Cabinet objects, shared by the members' views and the Office's."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import queries
from ..models import AgendaItem, Answer, Ballot, Meeting, Paper


class PaperSerializer(serializers.ModelSerializer[Paper]):
    latest_version = serializers.SerializerMethodField()

    class Meta:
        model = Paper
        fields = ["id", "kind", "title", "members_only", "status", "latest_version"]

    @extend_schema_field(OpenApiTypes.INT)
    def get_latest_version(self, paper: Paper) -> int | None:
        versions = [v.version for v in paper.versions.all()]
        return max(versions) if versions else None


class ItemSerializer(serializers.ModelSerializer[AgendaItem]):
    proposing_agency_name = serializers.CharField(source="proposing_agency.name")

    class Meta:
        model = AgendaItem
        fields = ["id", "order", "title", "proposing_agency", "proposing_agency_name",
                  "outcome", "conclusions"]


class MeetingSerializer(serializers.ModelSerializer[Meeting]):
    class Meta:
        model = Meeting
        fields = ["id", "kind", "title", "starts_at", "place", "online_url", "chair", "status",
                  "conclusions_notice"]


class MeetingDetailSerializer(MeetingSerializer):
    items = serializers.SerializerMethodField()
    papers = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "items", "papers"]

    @extend_schema_field(ItemSerializer(many=True))
    def get_items(self, meeting: Meeting) -> list[dict[str, Any]]:
        return list(ItemSerializer(meeting.items.select_related("proposing_agency"),
                                   many=True).data)

    @extend_schema_field(PaperSerializer(many=True))
    def get_papers(self, meeting: Meeting) -> list[dict[str, Any]]:
        user = self.context["request"].user
        papers = queries.visible_papers(user, meeting).prefetch_related("versions")
        return [dict(PaperSerializer(p).data) | {"item": p.item_id} for p in papers]


class BallotSerializer(serializers.ModelSerializer[Ballot]):
    class Meta:
        model = Ballot
        fields = ["id", "title", "question", "working_days", "status", "opened_at", "deadline",
                  "closed_at", "answers_visible_before_close", "tally", "summary_report"]


class AnswerSerializer(serializers.ModelSerializer[Answer]):
    class Meta:
        model = Answer
        fields = ["id", "member", "version", "choice", "comment", "signed_at", "is_current",
                  "certificate_sha256"]


