"""Shapes of the documents API: explicit, typed fields (the OpenAPI description has no
guesses in it). Reading shapes come from rows the permission queryset already let
through; writing shapes only parse and type the input: the rules are the actions'.

Enumerations are named components of their own (``DocumentStatusEnum``, ...): a plain
``ChoiceField`` would be named after the field ("StatusEnum", "KindEnum") and clash with
other parts' fields of the same name.
"""

from __future__ import annotations

from typing import Any

from django.db.models import TextChoices
from django.urls import reverse
from django.utils import translation
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    Assignment,
    Direction,
    Document,
    DocumentFile,
    Recipient,
    Role,
    Source,
    Status,
    StatusChange,
    WorkFile,
    WorkFileItem,
)
from ..rules import Confidentiality, DocumentType, ProcessingStatus, Urgency

# --- enumerations --------------------------------------------------------------------


def enum_schema(choices: type[TextChoices], blank: bool = False) -> dict[str, Any]:
    """An OpenAPI enum of ``choices`` (with "" when the field may be empty), described
    with the English labels so that the committed description does not change with the
    interface language."""
    with translation.override("en"):
        lines = [f"* `{value}` - {label}" for value, label in choices.choices]
    values: list[str] = list(choices.values)
    if blank:
        values.append("")
        lines.append("* `` - (none)")
    return {"type": "string", "enum": values, "description": "\n".join(lines)}


@extend_schema_field(enum_schema(Direction), component_name="DocumentDirectionEnum")
class DirectionField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Direction.choices, **kwargs)


@extend_schema_field(enum_schema(Status), component_name="DocumentStatusEnum")
class StatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Status.choices, **kwargs)


@extend_schema_field(enum_schema(ProcessingStatus), component_name="ProcessingStatusEnum")
class ProcessingField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ProcessingStatus.choices, **kwargs)


@extend_schema_field(enum_schema(DocumentType), component_name="DocumentTypeEnum")
class DocumentTypeField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=DocumentType.choices, **kwargs)


@extend_schema_field(enum_schema(Urgency, blank=True), component_name="UrgencyEnum")
class UrgencyField(serializers.ChoiceField):
    """Empty: normal."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Urgency.choices, allow_blank=True, **kwargs)


@extend_schema_field(enum_schema(Confidentiality, blank=True),
                     component_name="ConfidentialityEnum")
class ConfidentialityField(serializers.ChoiceField):
    """Empty: not secret."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Confidentiality.choices, allow_blank=True, **kwargs)


@extend_schema_field(enum_schema(Source, blank=True), component_name="DocumentSourceEnum")
class SourceField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Source.choices, allow_blank=True, **kwargs)


@extend_schema_field(enum_schema(DocumentFile.Kind), component_name="FileKindEnum")
class FileKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=DocumentFile.Kind.choices, **kwargs)


@extend_schema_field(enum_schema(Role), component_name="AssignmentRoleEnum")
class RoleField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Role.choices, **kwargs)


@extend_schema_field(enum_schema(Recipient.Dispatch), component_name="DispatchEnum")
class DispatchField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Recipient.Dispatch.choices, **kwargs)


@extend_schema_field(enum_schema(WorkFile.Status), component_name="WorkFileStatusEnum")
class WorkFileStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=WorkFile.Status.choices, **kwargs)


# --- reading -------------------------------------------------------------------------

class DocumentSerializer(serializers.Serializer[Document]):
    """A document in a list: what the person needs to pick it out and to see its state."""

    id = serializers.IntegerField(read_only=True)
    direction = DirectionField(read_only=True)
    agency = serializers.IntegerField(source="agency_id", read_only=True)
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    year = serializers.IntegerField(read_only=True, allow_null=True)
    number = serializers.IntegerField(
        read_only=True, allow_null=True,
        help_text="Incoming number (số đến), or the outgoing number once issued.")
    symbol = serializers.CharField(read_only=True, help_text="Number and symbol (số, ký hiệu).")
    doc_type = DocumentTypeField(read_only=True)
    subject = serializers.CharField(read_only=True, help_text="Subject (trích yếu).")
    issuer_name = serializers.CharField(read_only=True)
    issue_date = serializers.DateField(read_only=True, allow_null=True)
    received_at = serializers.DateTimeField(read_only=True, allow_null=True)
    urgency = UrgencyField(read_only=True)
    confidentiality = ConfidentialityField(read_only=True)
    deadline = serializers.DateField(read_only=True, allow_null=True)
    done_at = serializers.DateTimeField(read_only=True, allow_null=True)
    status = StatusField(read_only=True)
    processing = ProcessingField(
        read_only=True,
        help_text="Where its handling stands against the deadline (today, working days).")
    created_at = serializers.DateTimeField(read_only=True)


class DocumentFileSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    kind = FileKindField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True, help_text="Bytes.")
    sha256 = serializers.CharField(read_only=True, help_text="SHA-256 of the content, hex.")
    uploaded_at = serializers.DateTimeField(read_only=True)
    download = serializers.SerializerMethodField(help_text="Where to fetch the content.")

    def get_download(self, row: DocumentFile) -> str:
        return reverse("document-file", kwargs={"pk": row.document_id, "file_id": row.pk})


class AssignmentSerializer(serializers.Serializer[Assignment]):
    id = serializers.IntegerField(read_only=True)
    document = serializers.IntegerField(source="document_id", read_only=True)
    parent = serializers.IntegerField(  # type: ignore[assignment]
        source="parent_id", read_only=True, allow_null=True,
        help_text="The unit's assignment this one was passed on from.")
    role = RoleField(read_only=True)
    unit = serializers.IntegerField(source="unit_id", read_only=True, allow_null=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, allow_null=True,
                                      default=None)
    user = serializers.IntegerField(source="user_id", read_only=True, allow_null=True)
    user_name = serializers.CharField(source="user.get_full_name", read_only=True,
                                      allow_null=True, default=None)
    deadline = serializers.DateField(read_only=True, allow_null=True)
    instruction = serializers.CharField(read_only=True,
                                        help_text="Instruction (ý kiến chỉ đạo).")
    assigned_by = serializers.IntegerField(source="assigned_by_id", read_only=True)
    assigned_at = serializers.DateTimeField(read_only=True)
    done_at = serializers.DateTimeField(read_only=True, allow_null=True)
    result = serializers.CharField(read_only=True)


class OpinionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    author = serializers.IntegerField(source="author_id", read_only=True)
    author_name = serializers.CharField(source="author.get_full_name", read_only=True)
    text = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class RecipientSerializer(serializers.Serializer[Recipient]):
    organisation = serializers.IntegerField(source="organisation_id", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    is_internal = serializers.BooleanField(
        read_only=True, help_text="A unit of this system (false: through the exchange hub).")
    dispatch = DispatchField(read_only=True)


class StatusChangeSerializer(serializers.Serializer[StatusChange]):
    status = StatusField(read_only=True)
    at = serializers.DateTimeField(read_only=True)
    by = serializers.IntegerField(source="by_id", read_only=True, allow_null=True)
    by_name = serializers.CharField(source="by.get_full_name", read_only=True,
                                    allow_null=True, default=None)
    note = serializers.CharField(read_only=True)


class DocumentDetailSerializer(DocumentSerializer):
    """A document with everything about it that its reader may see."""

    agency_name = serializers.CharField(source="agency.name", read_only=True)
    register = serializers.IntegerField(source="register_id", read_only=True, allow_null=True)
    register_name = serializers.CharField(source="register.name", read_only=True,
                                          allow_null=True, default=None)
    issuer = serializers.IntegerField(source="issuer_id", read_only=True, allow_null=True)
    signer_name = serializers.CharField(read_only=True)
    signer_title = serializers.CharField(read_only=True)
    pages = serializers.IntegerField(read_only=True, allow_null=True)
    reply_by = serializers.DateField(read_only=True, allow_null=True)
    source = SourceField(read_only=True)  # type: ignore[assignment]
    external_id = serializers.CharField(read_only=True)
    normative = serializers.BooleanField(read_only=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True,
                                          allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True)
    files = DocumentFileSerializer(many=True, read_only=True)
    assignments = AssignmentSerializer(many=True, read_only=True)
    opinions = OpinionSerializer(many=True, read_only=True)
    recipients = RecipientSerializer(many=True, read_only=True)
    history = StatusChangeSerializer(many=True, read_only=True)
    answers = serializers.SerializerMethodField(
        help_text="The incoming documents (that you may see) this one answers.")

    def get_answers(self, document: Document) -> list[int]:
        # Worked out by the view in one query: the answered documents the reader may see.
        return list(self.context.get("answers", []))


class WorkFileSerializer(serializers.Serializer[WorkFile]):
    id = serializers.IntegerField(read_only=True)
    agency = serializers.IntegerField(source="agency_id", read_only=True)
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    code = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    year = serializers.IntegerField(read_only=True)
    retention_years = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Empty: permanent retention.")
    responsible = serializers.IntegerField(source="responsible_id", read_only=True)
    responsible_name = serializers.CharField(source="responsible.get_full_name",
                                             read_only=True)
    status = WorkFileStatusField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class WorkFileItemSerializer(serializers.Serializer[WorkFileItem]):
    id = serializers.IntegerField(read_only=True)
    document = serializers.SerializerMethodField(
        help_text="The document's id; null for a note, or for a document you may not see.")
    document_symbol = serializers.SerializerMethodField()
    document_subject = serializers.SerializerMethodField()
    hidden = serializers.SerializerMethodField(
        help_text="A document of the file that you may not see (its details are withheld).")
    note = serializers.CharField(read_only=True)
    added_by = serializers.IntegerField(source="added_by_id", read_only=True)
    added_by_name = serializers.CharField(source="added_by.get_full_name", read_only=True)
    added_at = serializers.DateTimeField(read_only=True)

    def _shown(self, item: WorkFileItem) -> Document | None:
        visible: set[int] = self.context.get("visible_documents", set())
        return item.document if item.document_id in visible else None

    def get_document(self, item: WorkFileItem) -> int | None:
        shown = self._shown(item)
        return shown.pk if shown else None

    def get_document_symbol(self, item: WorkFileItem) -> str | None:
        shown = self._shown(item)
        return shown.symbol if shown else None

    def get_document_subject(self, item: WorkFileItem) -> str | None:
        shown = self._shown(item)
        return shown.subject if shown else None

    def get_hidden(self, item: WorkFileItem) -> bool:
        return item.document_id is not None and self._shown(item) is None


class WorkFileDetailSerializer(WorkFileSerializer):
    items = WorkFileItemSerializer(many=True, read_only=True)


# --- writing -------------------------------------------------------------------------

class DocumentFilterSerializer(serializers.Serializer[Any]):
    """Query parameters of the document list."""

    direction = DirectionField(required=False)
    status = StatusField(required=False)
    processing = ProcessingField(required=False)
    doc_type = DocumentTypeField(required=False)
    q = serializers.CharField(required=False, allow_blank=True, max_length=500)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"date_to": [translation.gettext("The end date is before the start date.")]})
        return attrs


FILES_HELP = ("Files (repeat the field for several). Accepted: PDF, DOCX, XLSX, ODT, ODS, "
              "DOC, XLS, ZIP, PNG, JPEG, TIFF, UTF-8 text; the type is checked against the "
              "content.")


def files_field() -> serializers.ListField:
    # Empty files and names are refused by the action, with its own message.
    return serializers.ListField(
        child=serializers.FileField(allow_empty_file=True, use_url=False),
        required=False, default=list, help_text=FILES_HELP)


class RegisterIncomingSerializer(serializers.Serializer[Any]):
    doc_type = DocumentTypeField()
    subject = serializers.CharField(allow_blank=True, help_text="Subject (trích yếu).")
    symbol = serializers.CharField(required=False, allow_blank=True, default="",
                                   max_length=80,
                                   help_text="Number and symbol on the document, e.g. "
                                             "345/UBND-VP.")
    issuer_name = serializers.CharField(required=False, allow_blank=True, default="",
                                        max_length=255, help_text="The issuing agency.")
    issuer = serializers.IntegerField(
        required=False, allow_null=True, default=None,
        help_text="Id of the issuing organisation, when this system knows it (its name "
                  "is used when issuer_name is empty).")
    issue_date = serializers.DateField(required=False, allow_null=True, default=None)
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                            help_text="Default: now.")
    signer_name = serializers.CharField(required=False, allow_blank=True, default="",
                                        max_length=150)
    signer_title = serializers.CharField(required=False, allow_blank=True, default="",
                                         max_length=150)
    urgency = UrgencyField(required=False, default="")
    confidentiality = ConfidentialityField(required=False, default="")
    pages = serializers.IntegerField(required=False, allow_null=True, default=None)
    reply_by = serializers.DateField(required=False, allow_null=True, default=None,
                                     help_text="Reply requested by.")
    source = SourceField(required=False, default=Source.PAPER)  # type: ignore[assignment]
    files = files_field()
    allow_duplicate = serializers.BooleanField(
        required=False, default=False,
        help_text="Register even though a document with the same issuer, number and symbol "
                  "and issue date is already registered (the first answer was 400 with "
                  "code \"duplicate\").")


class DuplicateSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(read_only=True, allow_null=True)
    symbol = serializers.CharField(read_only=True)
    issuer_name = serializers.CharField(read_only=True)
    issue_date = serializers.DateField(read_only=True, allow_null=True)
    received_at = serializers.DateTimeField(read_only=True, allow_null=True)


class DuplicateErrorSerializer(serializers.Serializer[Any]):
    """400 when the document seems already registered: send it again with
    ``allow_duplicate`` to register it anyway."""

    symbol = serializers.ListField(child=serializers.CharField(), read_only=True)
    code = serializers.CharField(read_only=True, help_text="\"duplicate\".")
    duplicates = DuplicateSerializer(
        many=True, read_only=True,
        help_text="The registered documents it repeats (those you may see).")


class NoteSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AssigneeSerializer(serializers.Serializer[Any]):
    """A unit or a person (exactly one of the two)."""

    unit = serializers.IntegerField(required=False, allow_null=True, default=None,
                                    help_text="Id of a unit of the document's agency.")
    user = serializers.IntegerField(required=False, allow_null=True, default=None,
                                    help_text="Id of an official of the document's agency.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("unit") is None) == (attrs.get("user") is None):
            raise serializers.ValidationError(
                translation.gettext("Give either a unit or a person."))
        return attrs


class AssignSerializer(serializers.Serializer[Any]):
    lead = AssigneeSerializer(required=False, allow_null=True, default=None,
                              help_text="Who leads (chủ trì).")
    coordinators = AssigneeSerializer(many=True, required=False, default=list,
                                      help_text="Who coordinates (phối hợp).")
    informed = AssigneeSerializer(many=True, required=False, default=list,
                                  help_text="Who receives it for information (để biết).")
    deadline_days = serializers.IntegerField(
        required=False, allow_null=True, default=None,
        help_text="Deadline in working days from today (or give deadline).")
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    instruction = serializers.CharField(required=False, allow_blank=True, default="",
                                        help_text="Instruction (ý kiến chỉ đạo).")


class PassOnSerializer(serializers.Serializer[Any]):
    to_user = serializers.IntegerField(help_text="Id of a person of the assigned unit.")
    instruction = serializers.CharField(required=False, allow_blank=True, default="")
    deadline = serializers.DateField(required=False, allow_null=True, default=None,
                                     help_text="Default: the unit's deadline.")


class CompleteSerializer(serializers.Serializer[Any]):
    result = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text="What was done.")
    result_document = serializers.IntegerField(
        required=False, allow_null=True, default=None,
        help_text="Id of the reply (an outgoing document you may see).")


class OpinionCreateSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(allow_blank=True)


class AttachSerializer(serializers.Serializer[Any]):
    files = files_field()


class DraftCreateSerializer(serializers.Serializer[Any]):
    doc_type = DocumentTypeField()
    subject = serializers.CharField(allow_blank=True, help_text="Subject (trích yếu).")
    recipients = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list,
        help_text="Ids of the receiving organisations (units of this system or external "
                  "agencies).")
    answers = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list,
        help_text="Ids of the incoming documents this one answers.")
    signer_name = serializers.CharField(required=False, allow_blank=True, default="",
                                        max_length=150)
    signer_title = serializers.CharField(required=False, allow_blank=True, default="",
                                         max_length=150)
    urgency = UrgencyField(required=False, default="")
    confidentiality = ConfidentialityField(required=False, default="")
    normative = serializers.BooleanField(required=False, default=False)
    files = files_field()


class DraftUpdateSerializer(serializers.Serializer[Any]):
    """Only the fields sent change; new files become the next version."""

    doc_type = DocumentTypeField(required=False)
    subject = serializers.CharField(required=False, allow_blank=True)
    recipients = serializers.ListField(child=serializers.IntegerField(), required=False,
                                       help_text="Replaces the recipients when sent.")
    signer_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    signer_title = serializers.CharField(required=False, allow_blank=True, max_length=150)
    urgency = UrgencyField(required=False)
    confidentiality = ConfidentialityField(required=False)
    normative = serializers.BooleanField(required=False)
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True, use_url=False),
        required=False, help_text=FILES_HELP)


class DecisionSerializer(serializers.Serializer[Any]):
    approve = serializers.BooleanField(help_text="true: approve; false: return for changes.")
    comment = serializers.CharField(required=False, allow_blank=True, default="",
                                    help_text="Required when returning.")


class ApproveSerializer(DecisionSerializer):
    approve = serializers.BooleanField(required=False, default=True,
                                       help_text="true (default): approve; false: return.")


class GrantSerializer(serializers.Serializer[Any]):
    user = serializers.IntegerField(help_text="Id of an official of the document's agency.")


class GrantedSerializer(serializers.Serializer[Any]):
    document = serializers.IntegerField(source="document_id", read_only=True)
    user = serializers.IntegerField(source="user_id", read_only=True)
    granted_at = serializers.DateTimeField(read_only=True)


class WorkFileCreateSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(allow_blank=True, max_length=50)
    title = serializers.CharField(allow_blank=True, max_length=300)
    year = serializers.IntegerField(required=False, allow_null=True, default=None,
                                    help_text="Default: this year.")
    retention_years = serializers.IntegerField(required=False, allow_null=True, default=None,
                                               help_text="Empty: permanent retention.")


class WorkFileAddSerializer(serializers.Serializer[Any]):
    document = serializers.IntegerField(required=False, allow_null=True, default=None,
                                        help_text="Id of a document you may see.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class WorkFileFilterSerializer(serializers.Serializer[Any]):
    status = WorkFileStatusField(required=False)
    year = serializers.IntegerField(required=False)
