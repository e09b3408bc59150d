"""Forms of e-Cabinet: they parse input; the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from egov.core.models import Organisation, User

from .models import Choice, Meeting, Outcome, Paper, Stance


def _officials() -> Any:
    return User.objects.filter(kind=User.Kind.OFFICIAL, is_active=True).order_by("full_name")


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Meeting.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}))
    place = forms.CharField(label=_("Place"), required=False)
    online_url = forms.URLField(label=_("Online link"), required=False,
                                 assume_scheme="https")
    chair = forms.ModelChoiceField(label=_("Chair"), queryset=User.objects.none(),
                                   required=False)
    guests = forms.ModelMultipleChoiceField(label=_("Invited guests"), required=False,
                                            queryset=User.objects.none())
    remote = forms.ModelMultipleChoiceField(label=_("Taking part remotely"), required=False,
                                            queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("chair", "guests", "remote"):
            self.fields[name].queryset = _officials()  # type: ignore[attr-defined]


class ItemForm(forms.Form):
    title = forms.CharField(label=_("Item"), max_length=400, required=False)
    proposing_agency = forms.ModelChoiceField(
        label=_("Proposing agency"), required=False,
        queryset=Organisation.objects.filter(is_agency=True).order_by("name"))


class PaperForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Paper.Kind.choices)
    title = forms.CharField(label=_("Title"), required=False)
    members_only = forms.BooleanField(label=_("For members only"), required=False)
    file = forms.FileField(label=_("PDF file"), required=False)


class PositionForm(forms.Form):
    stance = forms.ChoiceField(label=_("Your position"), choices=Stance.choices,
                               widget=forms.RadioSelect)
    text = forms.CharField(label=_("Comments"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    text = forms.CharField(label=_("My private note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"),
                                choices=[c for c in Outcome.choices if c[0]])
    conclusions = forms.CharField(label=_("Conclusions"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    task_text = forms.CharField(label=_("Work assigned (becomes a task)"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    task_lead = forms.ModelChoiceField(
        label=_("Lead agency"), required=False,
        queryset=Organisation.objects.filter(is_agency=True).order_by("name"))
    task_deadline = forms.DateField(label=_("Deadline"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))


class BallotForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    question = forms.CharField(label=_("Question"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    working_days = forms.IntegerField(label=_("Deadline in working days"), required=False)
    answers_visible_before_close = forms.BooleanField(
        label=_("Members see each other's answers before closing"), required=False)
    file = forms.FileField(label=_("Draft (PDF)"), required=False)


class AnswerForm(forms.Form):
    choice = forms.ChoiceField(label=_("Your answer"), choices=Choice.choices,
                               widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comments"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    sign = forms.BooleanField(label=_("Sign my answer with my personal certificate"),
                              required=False)
    change = forms.BooleanField(label=_("Change my answer (the earlier one is kept)"),
                                required=False)
