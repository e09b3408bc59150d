"""Forms of the organisation pages and the admin.

They check the shape of the input only; the rules (codes, parents, rights) are the
actions' (``actions.check_*``), whose ValidationError ``add_action_errors`` puts on the
form field it names.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import actions, orgcsv
from .models import Organisation, Position, User


def add_action_errors(form: forms.BaseForm, exc: ValidationError,
                      field_map: dict[str, str] | None = None) -> None:
    """Put an action's ValidationError on the form, each message on the field it names
    (or on the whole form when the form has no such field). A field that the form's own
    checks already refused is not refused twice."""
    field_map = field_map or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, messages in exc.message_dict.items():
        target = field_map.get(name, name)
        target_or_none = target if target in form.fields else None
        if target_or_none is not None and target_or_none in form.errors:
            continue
        for message in messages:
            form.add_error(target_or_none, message)


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} — {obj.name}"


class OrganisationForm(forms.Form):
    """Create (with ``parent``) or edit (with ``is_active``) an organisation."""

    parent = OrganisationChoiceField(
        queryset=Organisation.objects.filter(is_active=True), required=False,
        label=_("Belongs to"),
        help_text=_("Leave empty for a ministry, a province or another top-level agency."),
    )
    name = forms.CharField(label=_("Name"), max_length=255)
    short_name = forms.CharField(
        label=_("Abbreviation"), max_length=30,
        help_text=_("Used in document symbols, e.g. UBND, VPCP, BTC."))
    code = forms.CharField(
        label=_("Identifier code (QCVN 102:2016)"), max_length=13,
        help_text=_("13 characters, e.g. 000.00.00.G22. A unit copies its parent's code "
                    "and fills the next group: 000.00.00.G12 → 000.00.18.G12."))
    qd20_code = forms.CharField(
        label=_("Identifier code (QĐ 20/2020)"), max_length=35, required=False,
        help_text=_("Optional, e.g. G09.20."))
    kind = forms.ChoiceField(label=_("Kind"), choices=Organisation.Kind.choices)
    is_agency = forms.BooleanField(
        label=_("Is an agency"), required=False,
        help_text=_("Agencies keep their own registers and exchange documents; units work "
                    "inside an agency."))
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False,
                            widget=forms.EmailInput)
    phone = forms.CharField(label=_("Telephone"), max_length=30, required=False)
    is_active = forms.BooleanField(
        label=_("Active"), required=False,
        help_text=_("An organisation is never deleted: it is deactivated."))

    def __init__(self, *args: Any, instance: Organisation | None = None,
                 **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", {}).update(
                {name: getattr(instance, name) for name in self.base_fields
                 if name != "parent"})
            if kwargs["initial"]["qd20_code"] is None:
                kwargs["initial"]["qd20_code"] = ""
        super().__init__(*args, **kwargs)
        if instance is None:
            del self.fields["is_active"]
        else:
            del self.fields["parent"]  # moving has its own form: the code changes too

    def clean(self) -> dict[str, Any]:
        """The actions' checks, so that every refusal shows at once (the action checks
        again when it writes)."""
        cleaned = super().clean() or {}
        try:
            if self.instance is None:
                actions.check_organisation(self.action_data(), parent=cleaned.get("parent"))
            else:
                actions.check_update_organisation(self.instance, self.action_data())
        except ValidationError as exc:
            add_action_errors(self, exc)
        return cleaned

    def action_data(self) -> dict[str, Any]:
        """The cleaned values for ``do_create_organisation`` / ``do_update_organisation``
        (without ``parent``)."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "parent"}
        data["qd20_code"] = data.get("qd20_code") or None
        return data


class MoveOrganisationForm(forms.Form):
    parent = OrganisationChoiceField(
        queryset=Organisation.objects.filter(is_active=True), label=_("New parent"))
    code = forms.CharField(
        label=_("New identifier code (QCVN 102:2016)"), max_length=13,
        help_text=_("Moving changes the code: copy the new parent's code and fill the "
                    "next group."))

    def __init__(self, *args: Any, instance: Organisation, **kwargs: Any) -> None:
        self.instance = instance
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            try:
                actions.check_move_organisation(self.instance, parent=cleaned["parent"],
                                                code=cleaned["code"])
            except ValidationError as exc:
                add_action_errors(self, exc)
        return cleaned


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, with a header row naming the columns: %(columns)s.")
        % {"columns": ", ".join(orgcsv.COLUMNS)},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file (dry run): write nothing"), required=False,
        initial=True)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > orgcsv.MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(limit)d MB: split it into smaller files.")
                % {"limit": orgcsv.MAX_BYTES // (1024 * 1024)})
        return upload


# --- admin ---------------------------------------------------------------------------

class OfficialCreationForm(forms.ModelForm):
    """The admin's "add account" form: an official with their unit and position."""

    unit = OrganisationChoiceField(queryset=Organisation.objects.filter(is_active=True),
                                   label=_("Unit"))
    position = forms.ChoiceField(label=_("Position"), choices=Position.choices)
    title = forms.CharField(label=_("Job title"), max_length=150, required=False,
                            help_text=_("As written on documents, e.g. Thứ trưởng."))
    password = forms.CharField(
        label=_("Password"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty: the official then sets one through “Forgot your "
                    "password?”."))

    class Meta:
        model = User
        fields = ["username", "full_name", "email", "phone"]

    def validate_unique(self) -> None:
        """Uniqueness is the action's check (``check_account``)."""

    def _post_clean(self) -> None:
        # The action builds the account; the model's own validation is not run here.
        pass
