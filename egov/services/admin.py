"""Administrators manage the catalogue in Django's admin: procedures with their dossier
components and processing steps inline. Saving goes through ``actions.index_procedure``
(the diacritic-free search text) and checks the form definition."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest

from egov.core import audit

from . import actions, rules
from .models import Component, Procedure, Step


class ProcedureForm(ModelForm):
    class Meta:
        model = Procedure
        fields = ["code", "name", "field", "agency", "level", "for_citizens", "for_businesses",
                  "description", "form_fields", "fee", "fee_note", "processing_days",
                  "cutoff_time", "result_name", "online_level", "popularity", "is_active"]

    def clean_form_fields(self) -> Any:
        value = self.cleaned_data["form_fields"]
        try:
            rules.check_form_definition(value)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["form_fields"]) from None
        return value


class ComponentInline(admin.TabularInline):
    model = Component
    extra = 0


class StepInline(admin.TabularInline):
    model = Step
    extra = 0


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    form = ProcedureForm
    list_display = ("code", "name", "field", "agency", "online_level", "fee",
                    "processing_days", "is_active")
    list_filter = ("online_level", "level", "is_active", "field")
    search_fields = ("code", "name", "field")
    inlines = [ComponentInline, StepInline]

    def save_model(self, request: HttpRequest, obj: Procedure, form: Any, change: bool) -> None:
        actions.index_procedure(obj)
        super().save_model(request, obj, form, change)
        audit.record(acting_user=request.user,  # type: ignore[arg-type]
                     action="services.update_procedure" if change
                     else "services.create_procedure", obj=obj,
                     after=audit.snapshot(obj, ["code", "name", "fee", "processing_days"]))
