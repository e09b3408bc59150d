"""Serializers of the services API."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Apology, Component, Dossier, MoreRequest, Procedure, ProcessingEntry, Step


class ComponentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Component
        fields = ["id", "name", "form", "copies", "required"]


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = Step
        fields = ["id", "order", "name", "unit", "role", "days"]


class ProcedureSerializer(serializers.ModelSerializer):
    components = ComponentSerializer(many=True, read_only=True)
    steps = StepSerializer(many=True, read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = Procedure
        fields = ["id", "code", "name", "field", "agency", "agency_name", "level",
                  "for_citizens", "for_businesses", "fee", "processing_days", "result_name",
                  "online_level", "form_fields", "components", "steps"]


class DossierListSerializer(serializers.ModelSerializer):
    procedure_code = serializers.CharField(source="procedure.code", read_only=True)
    deadline = serializers.CharField(read_only=True)

    class Meta:
        model = Dossier
        fields = ["id", "code", "procedure", "procedure_code", "agency", "applicant_name",
                  "channel", "status", "submitted_at", "accepted_at", "due_date",
                  "deadline", "paid_at", "finished_at", "returned_at"]


class EntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessingEntry
        fields = ["name", "receiver", "started_at", "due_date", "finished_at", "outcome",
                  "note"]


class RequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = MoreRequest
        fields = ["items", "reason", "asked_at", "answered_at", "answer_note"]


class ApologySerializer(serializers.ModelSerializer):
    class Meta:
        model = Apology
        fields = ["reason", "old_due_date", "new_due_date", "created_at"]


class DossierSerializer(DossierListSerializer):
    entries = EntrySerializer(many=True, read_only=True)
    requests = RequestSerializer(many=True, read_only=True)
    apologies = ApologySerializer(many=True, read_only=True)

    class Meta(DossierListSerializer.Meta):
        fields = [*DossierListSerializer.Meta.fields, "phone", "email", "data", "fee",
                  "first_due_date", "step_index", "step_due", "refusal_reason",
                  "result_number", "rating", "entries", "requests", "apologies"]


class DossierNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DossierReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class DossierMoreSerializer(serializers.Serializer):
    items = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)


class DossierApologiseSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
    new_due_date = serializers.DateField()
