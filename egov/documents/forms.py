"""Forms of the document pages.

They check the shape of the input (types, dates, which choices exist for this person);
the rules and rights are the actions'. ``egov.core.forms.add_action_errors`` puts an
action's ValidationError on the field it names. Choices are built from querysets that
already carry the permission rule (``queries.visible_documents``) or the agency's own tree,
so a tampered POST cannot name a document or an assignee the person may not choose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from egov.core.models import Organisation, Post, User

from .models import Document, Source, Status
from .rules import Confidentiality, DocumentType, Urgency

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
MAX_CHOICES = 200  # documents offered in a select (answers, replies): the most recent


def _blank(label: str) -> list[tuple[str, str]]:
    return [("", label)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATE_FORMAT, **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; ``cleaned_data`` holds a list (maybe empty)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        items = [d for d in (data if isinstance(data, list | tuple) else [data]) if d]
        if not items:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        single = super().clean
        return [single(item, initial) for item in items]


FILES_HELP = _("PDF, Word, Excel, OpenDocument, images or text; several files may be "
               "chosen at once.")


def _document_label(doc: Document) -> str:
    parts = []
    if doc.direction == "incoming" and doc.number:
        parts.append(str(_("No. %(number)s") % {"number": doc.number}))
    if doc.symbol:
        parts.append(doc.symbol)
    parts.append(doc.subject[:90])
    return " — ".join(parts)


class DocumentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _document_label(obj)


class DocumentMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _document_label(obj)


# --- incoming ------------------------------------------------------------------------


class RegisterIncomingForm(forms.Form):
    """The fields of the incoming register (sổ đăng ký văn bản đến, NĐ 30/2020 Phụ lục
    IV); the incoming number itself is given by the register."""

    received_at = forms.DateTimeField(
        label=_("Date and time received"), widget=DateTimeInput(),
        help_text=_("When the document arrived; it cannot be in the future."))
    source = forms.ChoiceField(
        label=_("Received as"),
        choices=[(Source.PAPER, Source.PAPER.label),
                 (Source.ELECTRONIC, Source.ELECTRONIC.label)],
        initial=Source.PAPER)
    issuer_name = forms.CharField(
        label=_("Issuing agency"), max_length=255,
        widget=forms.TextInput(attrs={"list": "issuers", "autocomplete": "off"}),
        help_text=_("The agency that issued the document (tác giả), e.g. UBND tỉnh Quảng "
                    "Ninh."))
    symbol = forms.CharField(
        label=_("Number and symbol"), max_length=80, required=False,
        help_text=_("As printed on the document, e.g. 345/UBND-VP or 12/QĐ-BTC."))
    issue_date = forms.DateField(label=_("Issue date"), widget=DateInput())
    doc_type = forms.ChoiceField(label=_("Document type"),
                                 choices=_blank("—") + list(DocumentType.choices))
    subject = forms.CharField(label=_("Subject (trích yếu)"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    signer_name = forms.CharField(label=_("Signer"), max_length=150, required=False)
    signer_title = forms.CharField(label=_("Signer's position"), max_length=150,
                                   required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), required=False,
                                choices=[("", _("Normal")), *Urgency.choices])
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"), required=False,
        choices=[("", _("Not secret")), *Confidentiality.choices],
        help_text=_("A secret document is seen only by the people named on it."))
    pages = forms.IntegerField(label=_("Pages"), required=False, min_value=1,
                               max_value=100000)
    reply_by = forms.DateField(label=_("Reply requested by"), required=False,
                               widget=DateInput())
    uploads = MultipleFileField(label=_("Scan or files"), required=False,
                              help_text=FILES_HELP)
    allow_duplicate = forms.BooleanField(
        label=_("Register anyway: this is not the same document"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(
                "received_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean_issue_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["issue_date"]
        if value > timezone.localdate():
            raise ValidationError(_("The issue date cannot be in the future."))
        return value

    def clean_received_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["received_at"]
        if value > timezone.now() + dt.timedelta(minutes=5):
            raise ValidationError(_("The time received cannot be in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        received, issued = data.get("received_at"), data.get("issue_date")
        if received and issued and issued > timezone.localdate(received):
            self.add_error("issue_date",
                           _("The issue date cannot be after the date received."))
        reply_by = data.get("reply_by")
        if reply_by and issued and reply_by < issued:
            self.add_error("reply_by", _("The reply date cannot be before the issue date."))
        return data

    def action_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "received_at": d["received_at"], "source": d["source"],
            "issuer_name": d["issuer_name"], "symbol": d["symbol"],
            "issue_date": d["issue_date"], "doc_type": d["doc_type"],
            "subject": d["subject"], "signer_name": d["signer_name"],
            "signer_title": d["signer_title"], "urgency": d["urgency"],
            "confidentiality": d["confidentiality"], "pages": d["pages"],
            "reply_by": d["reply_by"], "uploads": d["uploads"],
            "allow_duplicate": d["allow_duplicate"],
        }


class NoteForm(forms.Form):
    """A short optional note (passing a document to the leaders)."""

    note = forms.CharField(label=_("Note to the leaders (optional)"), max_length=2000,
                           required=False, widget=forms.Textarea(attrs={"rows": 2}))


# --- assignment ----------------------------------------------------------------------


def _assignee_choices(agency: Organisation, *, units: bool
                      ) -> tuple[list[Any], dict[str, Organisation | User]]:
    """The agency's units and people as grouped choices ``u:<id>`` / ``p:<id>``."""
    by_value: dict[str, Organisation | User] = {}
    groups: list[Any] = []
    if units:
        unit_rows = []
        for org in Organisation.objects.filter(
                path__startswith=agency.path, is_active=True).order_by("path"):
            by_value[f"u:{org.pk}"] = org
            unit_rows.append((f"u:{org.pk}", org.name))
        groups.append((_("Units"), unit_rows))
    people: dict[int, tuple[User, list[str]]] = {}
    for post in (Post.objects.filter(is_active=True,
                                     organisation__path__startswith=agency.path)
                 .select_related("user", "organisation")
                 .order_by("user__full_name", "user_id", "-is_primary")):
        entry = people.setdefault(post.user_id, (post.user, []))
        entry[1].append(post.organisation.short_name or post.organisation.name)
    person_rows = []
    for user, places in people.values():
        by_value[f"p:{user.pk}"] = user
        person_rows.append((f"p:{user.pk}", f"{user.get_full_name()} ({', '.join(places)})"))
    groups.append((_("People"), person_rows))
    return groups, by_value


class AssignForm(forms.Form):
    """A leader assigns: one lead, coordinators, people or units for information, a
    deadline in working days or as a date, and an instruction (ý kiến chỉ đạo)."""

    lead = forms.ChoiceField(
        label=_("Lead (chủ trì)"),
        help_text=_("The unit or person who handles the document and answers for it."))
    coordinators = forms.MultipleChoiceField(
        label=_("Coordinate (phối hợp)"), required=False,
        help_text=_("Choose several with Ctrl (⌘ on a Mac) or Shift."))
    informed = forms.MultipleChoiceField(
        label=_("For information (để biết)"), required=False,
        help_text=_("Choose several with Ctrl (⌘ on a Mac) or Shift."))
    deadline_days = forms.IntegerField(
        label=_("Deadline in working days"), required=False, min_value=1, max_value=365,
        help_text=_("Counted by the working-day calendar from today. Leave empty to give "
                    "a date instead, or no deadline."))
    deadline = forms.DateField(label=_("or deadline date"), required=False,
                               widget=DateInput())
    instruction = forms.CharField(label=_("Instruction (ý kiến chỉ đạo)"), max_length=4000,
                                  required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, agency: Organisation, confidential: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.confidential = confidential
        groups, self._targets = _assignee_choices(agency, units=not confidential)
        lead_field: forms.ChoiceField = self.fields["lead"]  # type: ignore[assignment]
        lead_field.choices = [("", "—"), *groups]
        for name in ("coordinators", "informed"):
            field: forms.ChoiceField = self.fields[name]  # type: ignore[assignment]
            field.choices = groups
            field.widget.attrs["size"] = "8"
        if confidential:
            self.fields["lead"].help_text = _(
                "A secret document is assigned to named people, not to units.")

    def target(self, value: str) -> Organisation | User:
        return self._targets[value]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("deadline_days") is not None and data.get("deadline") is not None:
            self.add_error("deadline",
                           _("Give the deadline either in working days or as a date."))
        if data.get("deadline") is not None and data["deadline"] < timezone.localdate():
            self.add_error("deadline", _("The deadline cannot be in the past."))
        return data

    def action_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "lead": self.target(d["lead"]) if d.get("lead") else None,
            "coordinators": [self.target(v) for v in d["coordinators"]],
            "informed": [self.target(v) for v in d["informed"]],
            "deadline_days": d["deadline_days"], "deadline": d["deadline"],
            "instruction": d["instruction"].strip(),
        }


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name())


class PassOnForm(forms.Form):
    """A unit head passes the unit's part on to a person of the unit."""

    to_user = PersonChoiceField(queryset=User.objects.none(), label=_("Pass on to"))
    deadline = forms.DateField(
        label=_("Deadline (optional)"), required=False, widget=DateInput(),
        help_text=_("No later than the unit's deadline; empty keeps the unit's deadline."))
    instruction = forms.CharField(label=_("Instruction"), max_length=4000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, unit_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ModelChoiceField[User] = self.fields["to_user"]  # type: ignore[assignment]
        field.queryset = (User.objects.filter(
            posts__organisation_id=unit_id, posts__is_active=True, is_active=True)
            .distinct().order_by("full_name", "id"))


class OpinionForm(forms.Form):
    text = forms.CharField(label=_("Your opinion"), max_length=8000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class AttachForm(forms.Form):
    uploads = MultipleFileField(label=_("Files"), help_text=FILES_HELP)


class CompleteForm(forms.Form):
    """An assignee marks their part done, with what was done or the reply."""

    result = forms.CharField(label=_("Result"), max_length=8000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("What was done. Required for the lead, unless a "
                                         "reply is linked."))
    result_document = DocumentChoiceField(
        queryset=Document.objects.none(), required=False,
        label=_("Reply or result document (optional)"),
        help_text=_("An outgoing document that answers this one."))

    def __init__(self, *args: Any, outgoing: QuerySet[Document] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: DocumentChoiceField = self.fields["result_document"]  # type: ignore[assignment]
        if outgoing is not None:
            field.queryset = outgoing
        else:
            del self.fields["result_document"]


# --- outgoing ------------------------------------------------------------------------


class OrganisationMultipleChoiceField(forms.MultipleChoiceField):
    """Organisations grouped as this agency's units, other agencies of this system, and
    agencies reached through the national exchange hub."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._orgs: dict[str, Organisation] = {}

    def set_organisations(self, agency_id: int, orgs: Iterable[Organisation]) -> None:
        own, internal, external = [], [], []
        for org in orgs:
            value = str(org.pk)
            self._orgs[value] = org
            label = org.name if not org.short_name else f"{org.name} ({org.short_name})"
            if org.is_external:
                external.append((value, label))
            elif org.agency_id == agency_id:
                own.append((value, label))
            else:
                internal.append((value, label))
        self.choices = [(_("Units of this agency"), own),
                        (_("Other agencies of this system"), internal),
                        (_("Other agencies, through the national exchange hub"), external)]

    def organisations(self, values: Sequence[str]) -> list[Organisation]:
        return [self._orgs[v] for v in values]


class DraftForm(forms.Form):
    """A new draft (dự thảo) or a change to one; new files make a new version."""

    doc_type = forms.ChoiceField(label=_("Document type"))
    subject = forms.CharField(label=_("Subject (trích yếu)"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    signer_name = forms.CharField(
        label=_("Signer"), max_length=150, required=False,
        help_text=_("Empty: the leader who approves it signs."))
    signer_title = forms.CharField(label=_("Signer's position"), max_length=150,
                                   required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), required=False,
                                choices=[("", _("Normal")), *Urgency.choices])
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"), required=False,
        choices=[("", _("Not secret")), *Confidentiality.choices],
        help_text=_("A secret document is numbered in the register of secret documents."))
    normative = forms.BooleanField(
        label=_("Normative document (văn bản quy phạm pháp luật)"), required=False)
    recipients = OrganisationMultipleChoiceField(
        label=_("Recipients (nơi nhận)"), required=False,
        help_text=_("Units and agencies of this system receive it at once when it is "
                    "issued; other agencies through the national exchange hub. Choose "
                    "several with Ctrl (⌘ on a Mac) or Shift."))
    answers = DocumentMultipleChoiceField(
        queryset=Document.objects.none(), required=False,
        label=_("Answers incoming documents"),
        help_text=_("Issuing this document closes the processing of the documents it "
                    "answers."))
    uploads = MultipleFileField(label=_("Draft file"), required=False,
                              help_text=FILES_HELP)

    def __init__(self, *args: Any, agency_id: int, answerable: QuerySet[Document],
                 document: Document | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document = document
        type_field: forms.ChoiceField = self.fields["doc_type"]  # type: ignore[assignment]
        type_field.choices = _blank("—") + [
            (v, label) for v, label in DocumentType.choices if v != DocumentType.PUBLIC_LETTER]
        recipients: OrganisationMultipleChoiceField = self.fields[  # type: ignore[assignment]
            "recipients"]
        recipients.set_organisations(agency_id, Organisation.objects.filter(
            is_active=True).filter(_recipient_condition(agency_id)).order_by("path"))
        recipients.widget.attrs["size"] = "8"
        answers: DocumentMultipleChoiceField = self.fields["answers"]  # type: ignore[assignment]
        answers.queryset = answerable
        answers.widget.attrs["size"] = "6"
        if document is not None:
            self.fields["uploads"].label = _("New version of the draft file")
            self.fields["uploads"].help_text = _(
                "Optional. Earlier versions are kept.") + " " + str(FILES_HELP)
            if not self.is_bound:
                self.initial.update({
                    "doc_type": document.doc_type, "subject": document.subject,
                    "signer_name": document.signer_name,
                    "signer_title": document.signer_title, "urgency": document.urgency,
                    "confidentiality": document.confidentiality,
                    "normative": document.normative,
                    "recipients": [str(r.organisation_id) for r in document.recipients.all()],
                    "answers": list(document.answers.values_list("pk", flat=True)),
                })

    def changes(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {key: (d[key].strip() if isinstance(d[key], str) else d[key])
                for key in ("doc_type", "subject", "signer_name", "signer_title", "urgency",
                            "confidentiality", "normative")}

    def recipient_organisations(self) -> list[Organisation]:
        field: OrganisationMultipleChoiceField = self.fields[  # type: ignore[assignment]
            "recipients"]
        return field.organisations(self.cleaned_data["recipients"])


def _recipient_condition(agency_id: int) -> Q:
    # This agency and its units, every agency of this system, every external agency.
    return Q(agency_id=agency_id) | Q(is_agency=True) | Q(is_external=True)


class DecisionForm(forms.Form):
    """Review or approval: approve, or return with a comment (required to return)."""

    APPROVE = "approve"
    RETURN = "return"

    decision = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (RETURN, _("Return"))],
                                 widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), max_length=4000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Required when returning: say what must change."))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == self.RETURN and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what must change."))
        return data

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE


def open_statuses() -> list[str]:
    return [Status.REGISTERED, Status.WAITING_ASSIGNMENT, Status.IN_PROGRESS]
