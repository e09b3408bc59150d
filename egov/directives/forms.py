"""Forms of task follow-up: they parse input; the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from egov.core.models import Organisation, User
from egov.documents.models import Direction, Document, Status

from .models import DeadlineKind, Period, Product, SourceKind, TaskStatus


class DateInput(forms.DateInput):
    input_type = "date"


def _agencies() -> Any:
    return Organisation.objects.filter(is_agency=True, is_active=True).order_by("name")


class TaskForm(forms.Form):
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 3}),
                              required=False)
    source_kind = forms.ChoiceField(label=_("Source"), choices=SourceKind.choices)
    source_reference = forms.CharField(label=_("Source reference"), required=False,
                                       max_length=200)
    source_date = forms.DateField(label=_("Source date"), widget=DateInput, required=False)
    lead_agency = forms.ModelChoiceField(label=_("Lead agency"), queryset=Organisation.objects,
                                         required=False)
    coordinating_agencies = forms.ModelMultipleChoiceField(
        label=_("Coordinating agencies"), queryset=Organisation.objects, required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}))
    product = forms.ChoiceField(label=_("Expected product"), choices=Product.choices)
    product_note = forms.CharField(label=_("Product details"), required=False, max_length=300)
    deadline_kind = forms.ChoiceField(label=_("Deadline"), choices=DeadlineKind.choices)
    deadline = forms.DateField(label=_("Deadline date"), widget=DateInput, required=False)
    working_days = forms.IntegerField(label=_("Working days from the source"), required=False,
                                      min_value=1)
    period = forms.ChoiceField(label=_("Period"), choices=[("", "—"), *Period.choices],
                               required=False)
    until = forms.DateField(label=_("Periodic until"), widget=DateInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("lead_agency", "coordinating_agencies"):
            self.fields[name].queryset = _agencies()  # type: ignore[attr-defined]


class ProgressForm(forms.Form):
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 3}),
                           required=False)
    percent = forms.IntegerField(label=_("Percentage done"), required=False)
    attachments = forms.FileField(label=_("Attachments"), required=False,
                            widget=forms.ClearableFileInput(
                                attrs={"allow_multiple_selected": True}))


class DoneForm(forms.Form):
    product_document = forms.ModelChoiceField(label=_("Product document"), required=False,
                                              queryset=Document.objects.none())
    note = forms.CharField(label=_("Result"), widget=forms.Textarea(attrs={"rows": 2}),
                           required=False)

    def __init__(self, *args: Any, agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product_document"].queryset = (  # type: ignore[attr-defined]
            Document.objects.filter(agency_id=agency_id, direction=Direction.OUTGOING,
                                    status=Status.ISSUED).order_by("-issue_date", "-id"))


class DeadlineRequestForm(forms.Form):
    new_deadline = forms.DateField(label=_("Requested deadline"), widget=DateInput,
                                   required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}),
                             required=False)


class AssignInsideForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), required=False,
                                  queryset=Organisation.objects.none())
    user = forms.ModelChoiceField(label=_("Person"), required=False,
                                  queryset=User.objects.none())
    instruction = forms.CharField(label=_("Instruction"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, agency_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            agency_id__in=agency_ids, is_active=True).order_by("path")
        self.fields["user"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            posts__organisation__agency_id__in=agency_ids, posts__is_active=True,
            is_active=True).distinct().order_by("full_name")


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(label=_("Decision"), coerce=lambda v: v == "1",
                                     choices=[("1", _("Approve")), ("0", _("Refuse"))])
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class FilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All")), *TaskStatus.choices])
    agency = forms.ModelChoiceField(label=_("Lead agency"), required=False,
                                    queryset=Organisation.objects)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agencies()  # type: ignore[attr-defined]
