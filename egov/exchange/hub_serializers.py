"""The JSON shapes of the hub's API (/hub/v1/), for its OpenAPI description.

The views build these dictionaries themselves (the hot path does not go through a
serializer); these classes say what they hold, field for field.
"""

from __future__ import annotations

from rest_framework import serializers

ERROR_CODES = (
    "unauthenticated (401), too_large (413), xml_forbidden, xml_malformed, too_deep, "
    "schema_invalid, attachment_invalid, wrong_kind, invalid_parameter (400), "
    "sender_not_yours (403), not_found, unknown_package (404), signature_missing, "
    "signature_invalid, unknown_recipient (422)")


class HubErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=f"Machine-readable: {ERROR_CODES}.")
    message = serializers.CharField(help_text="For people (Vietnamese unless the language "
                                              "cookie asks for English).")


class HubAcceptedSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The package id on the hub.")
    sha256 = serializers.CharField(help_text="SHA-256 (hex) of the package bytes the hub "
                                             "holds (of the first package, for a duplicate).")
    accepted_at = serializers.DateTimeField(help_text="UTC, as in the receipt payload.")
    receipt = serializers.CharField(help_text="Base64 of the hub's detached CMS signature "
                                              "(DER) over receipt_payload.")
    receipt_payload = serializers.CharField(help_text=(
        "The signed bytes (ASCII): canonical JSON {\"accepted_at\", \"package\", "
        "\"sha256\"} with sorted keys and no spaces."))
    duplicate = serializers.BooleanField(help_text="True when the same sender had already "
                                                   "sent this DocumentId: nothing was stored "
                                                   "again and this is the first package.")


class HubStatusAcceptedSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The status package id on the hub.")
    accepted_at = serializers.DateTimeField()
    duplicate = serializers.BooleanField(help_text="True for a replay of the same bytes.")


class HubInboxItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The delivery id (the paging cursor).")
    package = serializers.IntegerField(help_text="Fetch it at packages/{package}, then ack.")
    kind = serializers.ChoiceField(choices=["document", "status"])
    sender = serializers.CharField(help_text="The sender agency's identifier code.")
    recipient = serializers.CharField(help_text="The recipient agency's identifier code.")
    document_id = serializers.CharField(help_text="The DocumentId (for a status: the "
                                                  "document it is about).")
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    sent_at = serializers.DateTimeField(help_text="When the hub accepted the package (UTC).")


class HubInboxSerializer(serializers.Serializer):
    items = HubInboxItemSerializer(many=True)
    next = serializers.IntegerField(allow_null=True, help_text=(
        "Pass as `after` for the next page; null when there is no more."))


class HubAckSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    acked_at = serializers.DateTimeField(help_text="The first acknowledgement (UTC).")


class HubTraceStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The status package id.")
    code = serializers.CharField(help_text="StatusCode: 01 arrived, 02 refused, 03 received, "
                                           "04 assigned, 05 in progress, 06 completed, …")
    meaning = serializers.CharField()
    description = serializers.CharField()
    timestamp = serializers.DateTimeField(allow_null=True,
                                          help_text="Status/Timestamp from the package.")
    received_at = serializers.DateTimeField(help_text="When the hub accepted the status.")


class HubTraceRecipientSerializer(serializers.Serializer):
    recipient = serializers.CharField()
    delivered_at = serializers.DateTimeField(help_text="Put in the recipient's inbox.")
    acked_at = serializers.DateTimeField(allow_null=True,
                                         help_text="The recipient confirmed it stored it.")
    statuses = HubTraceStatusSerializer(many=True)


class HubTraceSerializer(serializers.Serializer):
    package = serializers.IntegerField()
    document_id = serializers.CharField()
    sender = serializers.CharField()
    sent_at = serializers.DateTimeField()
    recipients = HubTraceRecipientSerializer(many=True)
