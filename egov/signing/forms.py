"""Forms of the signing pages (the pages are thin: the actions check and change)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from egov.core.models import Organisation, User

from .models import Certificate

KIND_CHOICES = [(Certificate.Kind.PERSONAL, _("Personal (an official)")),
                (Certificate.Kind.SEAL, _("Agency seal"))]


def _officials() -> Any:
    return (User.objects.filter(kind=User.Kind.OFFICIAL, is_active=True)
            .order_by("last_name", "first_name"))


def _agencies() -> Any:
    return Organisation.objects.filter(is_agency=True).order_by("path")


class HolderForm(forms.Form):
    """Who will hold the certificate (administrators choose; officials hold their own)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES,
                             widget=forms.RadioSelect, initial=Certificate.Kind.PERSONAL)
    user = forms.ModelChoiceField(label=_("Official (for a personal certificate)"),
                                  queryset=User.objects.none(), required=False)
    organisation = forms.ModelChoiceField(label=_("Agency (for a seal)"),
                                          queryset=Organisation.objects.none(),
                                          required=False)

    def __init__(self, *args: Any, manager: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if manager:
            self.fields["user"].queryset = _officials()  # type: ignore[attr-defined]
            self.fields["organisation"].queryset = _agencies()  # type: ignore[attr-defined]
        else:
            for name in ("kind", "user", "organisation"):
                del self.fields[name]


class ImportForm(HolderForm):
    file = forms.FileField(label=_("PKCS#12 file (.p12, .pfx)"),
                           help_text=_("The file holds the key, the certificate and its "
                                       "chain. The key is encrypted at once and never shown "
                                       "again."))
    password = forms.CharField(label=_("Password of the file"), required=False,
                               strip=False, widget=forms.PasswordInput(render_value=False))


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("Signed file"),
                           help_text=_("A signed PDF, an XML document (edXML) with its "
                                       "signature inside, or any file with its detached "
                                       "signature below."))
    signature = forms.FileField(label=_("Detached signature (.p7s), if any"),
                                required=False)
