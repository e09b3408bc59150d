"""Forms of the sign-in pages. They validate the shape of the input; the rules and the
writes are the actions' (``actions.py``, ``tokens.py``, ``egov.core.actions``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from egov.core import actions as core_actions
from egov.core.models import Post, User

from . import actions


def add_action_errors(form: forms.Form, exc: ValidationError,
                      field_map: dict[str, str] | None = None) -> None:
    """Put an action's ValidationError on the form, each message on the field it names
    (or on the whole form when the form has no such field)."""
    field_map = field_map or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, messages in exc.message_dict.items():
        field = field_map.get(name, name)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class SignInForm(auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The user name or the password is wrong. Check them (the password is "
            "case-sensitive) and try again."),
        "inactive": _("This account is disabled. Ask your administrator."),
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("User name")
        self.fields["password"].label = _("Password")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"), max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9 ]*", "autofocus": True}),
    )


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What the token is for, e.g. “nightly report script”."))
    expires_on = forms.DateField(
        label=_("Expires on (optional)"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The token stops working at the end of this day. Leave empty for a "
                    "token that works until you revoke it."),
    )

    def clean_expires_on(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("expires_on")
        if value is not None and value < timezone.localdate():
            raise ValidationError(gettext("The expiry must be in the future."))
        return value

    def expires_at(self) -> dt.datetime | None:
        """The end of the chosen day in the deployment's time zone."""
        day: dt.date | None = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


class ActingPostForm(forms.Form):
    post = forms.ModelChoiceField(
        label=_("Act in the post"), queryset=Post.objects.none(), empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _(
            "Choose one of your own current posts.")},
    )

    def __init__(self, *args: Any, posts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["post"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = posts


class RegisterForm(forms.Form):
    """A citizen or a business opens an account."""

    field_order = ["kind", "full_name", "personal_id", "tax_code", "email", "phone",
                   "username", "password1", "password2"]

    kind = forms.ChoiceField(
        label=_("I register as"), widget=forms.RadioSelect, initial=User.Kind.CITIZEN,
        choices=[(User.Kind.CITIZEN, _("a citizen")), (User.Kind.BUSINESS, _("a business"))],
    )
    full_name = forms.CharField(
        label=_("Full name"), max_length=150,
        help_text=_("For a business: the enterprise's name as registered."))
    username = forms.CharField(
        label=_("User name"), max_length=150, validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only; you sign in with it."),
        widget=forms.TextInput(attrs={"autocomplete": "username"}))
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("Used to reset your password."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(label=_("Telephone (optional)"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "tel"}))
    personal_id = forms.CharField(
        label=_("Personal identification number"), max_length=20, required=False,
        help_text=_("Citizens: the 12 digits of your citizen identity card."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    tax_code = forms.CharField(
        label=_("Enterprise code"), max_length=20, required=False,
        help_text=_("Businesses: 10 digits (13 for a branch, written 0123456789-001)."))
    password1 = forms.CharField(
        label=_("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not only digits, not a common password."))
    password2 = forms.CharField(
        label=_("Password again"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_username(self) -> str:
        value = str(self.cleaned_data["username"])
        # User names differ by more than letter case, so nobody can pose as "Admin".
        if User.objects.filter(username__iexact=value).exists():
            raise ValidationError(gettext("This user name is already taken."))
        return value

    def clean_full_name(self) -> str:
        value = str(self.cleaned_data["full_name"]).strip()
        if not value:
            raise ValidationError(gettext("This field is required."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == User.Kind.CITIZEN and not data.get("personal_id"):
            self.add_error("personal_id", gettext(
                "A citizen gives the 12-digit personal identification number."))
        if kind == User.Kind.BUSINESS and not data.get("tax_code"):
            self.add_error("tax_code", gettext("A business gives its enterprise code."))
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", gettext("The two passwords are not the same."))
        if kind in (User.Kind.CITIZEN, User.Kind.BUSINESS):
            # The action's own checks, now, so that every problem shows at once (the
            # action checks again when it writes).
            try:
                core_actions.check_account(**self._account_values(data))
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    field = "password1" if name == "password" else name
                    if field in self.fields and field not in self.errors:
                        for message in messages:
                            self.add_error(field, message)
        return data

    @staticmethod
    def _account_values(data: dict[str, Any]) -> dict[str, Any]:
        is_citizen = data.get("kind") == User.Kind.CITIZEN
        return {
            "username": data.get("username", ""), "password": data.get("password1") or None,
            "email": data.get("email", ""), "kind": data.get("kind"),
            "personal_id": (data.get("personal_id") or "").strip() or None
            if is_citizen else None,
            "tax_code": None if is_citizen else (data.get("tax_code") or "").strip() or None,
        }

    def save(self) -> User:
        """Create the account through the action; its errors land on the form's fields
        (and ValidationError is raised again for the view)."""
        data = self.cleaned_data
        values = self._account_values(data)
        try:
            return core_actions.do_create_public_account(
                username=values["username"], full_name=data["full_name"], kind=data["kind"],
                password=data["password1"], email=values["email"],
                phone=data["phone"].strip(), personal_id=values["personal_id"],
                tax_code=values["tax_code"],
            )
        except ValidationError as exc:
            add_action_errors(self, exc, {"password": "password1"})
            raise


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (old password, new one twice); the change goes through the action."""

    def save(self, commit: bool = True) -> Any:
        return actions.do_change_password(self.user, acting_user=self.user,
                                          new_password=self.cleaned_data["new_password1"])


class SetPasswordForm(auth_forms.SetPasswordForm):
    """The reset link's form; the new password is set through the action."""

    def save(self, commit: bool = True) -> Any:
        return actions.do_reset_password(self.user,
                                         new_password=self.cleaned_data["new_password1"])


class PasswordResetForm(auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label=_("E-mail"), max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}))
