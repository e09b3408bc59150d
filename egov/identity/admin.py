"""Administration: the security policy (who must use a second factor) and API tokens.

Lockouts are lifted in axes' own admin pages ("Access attempts": delete the row) or with
``egov axes_reset_username <name>``; authenticator devices in django-otp's "TOTP devices".
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from egov.core.models import Position

from . import actions, tokens
from .models import ApiToken, SecurityPolicy


class SecurityPolicyForm(forms.ModelForm):
    otp_required_positions = forms.MultipleChoiceField(
        label=_("Positions that must use a second factor"),
        choices=Position.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("People holding an active post in one of these positions must enter a "
                    "code from an authenticator app after their password, e.g. leaders."),
    )

    class Meta:
        model = SecurityPolicy
        fields = ["otp_required_positions", "otp_required_for_staff"]


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(admin.ModelAdmin):
    """One row: the list opens it directly; it can be changed, never added twice or
    deleted. Saving goes through the action (audited)."""

    form = SecurityPolicyForm

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        policy = SecurityPolicy.current()
        if policy._state.adding:  # first visit: write the default row (audited)
            policy = actions.do_update_security_policy(
                acting_user=request.user,  # type: ignore[arg-type]
                otp_required_positions=[], otp_required_for_staff=False)
        return HttpResponseRedirect(
            reverse("admin:identity_securitypolicy_change", args=[policy.pk]))

    def save_model(self, request: HttpRequest, obj: SecurityPolicy, form: Any,
                   change: bool) -> None:
        saved = actions.do_update_security_policy(
            acting_user=request.user,  # type: ignore[arg-type]
            otp_required_positions=form.cleaned_data["otp_required_positions"],
            otp_required_for_staff=form.cleaned_data["otp_required_for_staff"],
        )
        obj.pk = saved.pk


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their owners; an administrator can see and revoke them."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at",
                    "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username", "user__full_name"]
    list_select_related = ["user"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at",
                       "revoked_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        done = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                tokens.do_revoke_token(token, acting_user=request.user)  # type: ignore[arg-type]
            except ValidationError:
                continue
            done += 1
        self.message_user(request, gettext("%(count)d tokens revoked.") % {"count": done},
                          messages.SUCCESS)
