"""API shapes of signing (output only, except the upload of a file to verify)."""

from __future__ import annotations

from rest_framework import serializers

from egov.documents.models import DocumentFile

from ..crypto.trust import RevocationStatus, Verdict
from ..models import Certificate


class CertificateInfoSerializer(serializers.Serializer):
    subject = serializers.CharField()
    common_name = serializers.CharField(allow_null=True)
    organisation = serializers.CharField(allow_null=True)
    organisational_unit = serializers.CharField(allow_null=True, help_text=(
        "The agency's identifier code for certificates the platform or the national CA "
        "issues."))
    title = serializers.CharField(allow_null=True)
    issuer = serializers.CharField()
    serial = serializers.CharField(help_text="Hexadecimal.")
    not_before = serializers.DateTimeField()
    not_after = serializers.DateTimeField()
    sha256 = serializers.CharField()


class ChainSerializer(serializers.Serializer):
    trusted = serializers.BooleanField()
    path = CertificateInfoSerializer(many=True, help_text="Signer first, trust anchor last.")
    problem = serializers.CharField(allow_null=True)


class RevocationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[s.value for s in RevocationStatus])
    revoked_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    detail = serializers.CharField(allow_null=True)


class SignatureSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["pdf", "cms", "xml"])
    verdict = serializers.ChoiceField(choices=[v.value for v in Verdict])
    ok = serializers.BooleanField()
    intact = serializers.BooleanField(help_text="The digest over the signed data matches.")
    valid = serializers.BooleanField(help_text="The signature value verifies with the key.")
    signer = CertificateInfoSerializer(allow_null=True)
    chain = ChainSerializer()
    revocation = RevocationSerializer()
    signature_field = serializers.CharField(source="field_name", allow_null=True,
                                            help_text="PDF: the signature field.")
    signing_time = serializers.DateTimeField(allow_null=True, help_text="Claimed by the "
                                             "signer; not proof.")
    timestamp_time = serializers.DateTimeField(allow_null=True)
    timestamp_trusted = serializers.BooleanField(allow_null=True)
    timestamp_authority = serializers.CharField(allow_null=True)
    modified_after_signing = serializers.BooleanField(allow_null=True)
    problems = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())


class VerificationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DocumentFile.SignatureStatus.choices)
    problem = serializers.CharField(allow_blank=True)
    signatures = SignatureSerializer(many=True, source="reports")


class VerifyRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    signature = serializers.FileField(required=False, help_text="A detached CMS signature "
                                      "(.p7s) over the file.")


class CertificateSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=["valid", "revoked", "expired", "not_yet_valid"],
                                     read_only=True)
    holder = serializers.CharField(source="user.get_full_name", allow_null=True,
                                   read_only=True, default=None)
    agency_code = serializers.CharField(source="organisation.code", read_only=True)

    class Meta:
        model = Certificate
        fields = ["id", "kind", "source", "holder", "agency_code", "subject_name",
                  "issuer_name", "serial", "sha256", "not_before", "not_after", "status",
                  "revoked_at", "revocation_reason"]
        read_only_fields = fields


class RateSerializer(serializers.Serializer):
    agency_id = serializers.IntegerField()
    month = serializers.DateField(help_text="The first day of the month.")
    issued = serializers.IntegerField()
    issued_signed = serializers.IntegerField()
    issued_share = serializers.FloatField(allow_null=True)
    received = serializers.IntegerField()
    received_signed = serializers.IntegerField()
    received_share = serializers.FloatField(allow_null=True)
