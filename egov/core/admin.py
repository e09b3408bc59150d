"""Django admin of the foundation.

Every save goes through the actions (``save_model`` calls ``do_*``), so codes are
validated and the audit entry is written; the forms call the actions' ``check_*`` so a
refusal shows on the field it names. Nothing here deletes an organisation or a post
(they are deactivated or ended); the audit log, its chain and the counters are read-only.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet, construct_instance
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import actions
from .forms import OfficialCreationForm, add_action_errors
from .models import (
    AuditEntry,
    AuditLink,
    AuditSeal,
    CalendarDay,
    Counter,
    Organisation,
    Post,
    User,
)


class ActionModelForm(forms.ModelForm):
    """A model form whose rules are the actions': the model's own validation (unique
    fields, constraints) is not run, so a refusal is said once, by the action."""

    acting_user: User | None = None

    def _post_clean(self) -> None:
        opts = self._meta
        self.instance = construct_instance(self, self.instance, opts.fields, opts.exclude)


def _as_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


# --- organisations -------------------------------------------------------------------

class OrganisationAdminForm(ActionModelForm):
    class Meta:
        model = Organisation
        fields = ["parent", *actions.ORG_FIELDS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        data = {k: cleaned[k] for k in actions.ORG_FIELDS if k in cleaned}
        data["qd20_code"] = data.get("qd20_code") or None
        parent = cleaned.get("parent")
        try:
            if self.instance.pk is None:
                actions.check_organisation(data, parent=parent)
            else:
                original = Organisation.objects.get(pk=self.instance.pk)
                if (parent.pk if parent else None) != original.parent_id:
                    if parent is None:
                        raise ValidationError({"parent": [gettext(
                            "An organisation cannot be taken out of its parent: choose "
                            "another parent.")]})
                    actions.check_move_organisation(original, parent=parent,
                                                    code=data["code"])
                    # The other fields are checked as they will be after the move.
                    original = copy.copy(original)
                    original.parent, original.code = parent, data["code"]
                actions.check_update_organisation(original, data)
        except ValidationError as exc:
            add_action_errors(self, exc)
        return cleaned


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    form = OrganisationAdminForm
    list_display = ["code", "name", "short_name", "kind", "level", "is_agency", "is_active"]
    list_filter = ["kind", "is_agency", "is_active", "level"]
    search_fields = ["name", "short_name", "code", "qd20_code"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["level", "agency", "created_at", "updated_at"]
    ordering = ["code"]
    actions = ["deactivate"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # organisations are deactivated, never deleted

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any,
                   change: bool) -> None:
        data = {k: form.cleaned_data[k] for k in actions.ORG_FIELDS if k in form.cleaned_data}
        data["qd20_code"] = data.get("qd20_code") or None
        parent = form.cleaned_data.get("parent")
        user = _as_user(request)
        if not change:
            org = actions.do_create_organisation(acting_user=user, parent=parent, **data)
        else:
            org = Organisation.objects.get(pk=obj.pk)
            if (parent.pk if parent else None) != org.parent_id and parent is not None:
                org = actions.do_move_organisation(org, acting_user=user, parent=parent,
                                                   code=data["code"])
            changes = {k: v for k, v in data.items() if getattr(org, k) != v}
            if changes:
                org = actions.do_update_organisation(org, acting_user=user, **changes)
        obj.pk = org.pk
        obj.__dict__.update({k: v for k, v in org.__dict__.items() if not k.startswith("_")})

    @admin.action(description=_("Deactivate the selected organisations"),
                  permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Organisation]) -> None:
        done = 0
        # Units first, so that a unit and its parent can go in one click.
        for org in sorted(queryset.filter(is_active=True), key=lambda o: -o.path.count("/")):
            try:
                actions.do_update_organisation(org, acting_user=_as_user(request),
                                               is_active=False)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{org.code} {org.name}: "
                                  + " ".join(exc.messages), messages.ERROR)
        if done:
            self.message_user(request, gettext("%(count)d organisations deactivated.")
                              % {"count": done}, messages.SUCCESS)


# --- people --------------------------------------------------------------------------

class OfficialAdminCreationForm(OfficialCreationForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            actions.check_create_official(
                username=cleaned.get("username") or "", full_name=cleaned.get("full_name") or "",
                unit=cleaned.get("unit"), position=cleaned.get("position") or "",
                password=cleaned.get("password") or None, email=cleaned.get("email") or "")
        except ValidationError as exc:
            # A field that its own check already refused is not refused twice.
            add_action_errors(self, ValidationError({
                name: messages for name, messages in exc.message_dict.items()
                if name not in self.errors}))
        return cleaned


class AccountChangeForm(ActionModelForm):
    class Meta:
        model = User
        fields = ["full_name", "email", "phone", "is_active", "is_staff", "is_superuser",
                  "groups", "user_permissions"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            actions.check_update_account(
                User.objects.get(pk=self.instance.pk), acting_user=self.acting_user,
                data={k: cleaned[k] for k in self.account_fields() if k in cleaned},
                groups=list(cleaned.get("groups") or []),
                permissions=list(cleaned.get("user_permissions") or []))
        except ValidationError as exc:
            add_action_errors(self, exc)
        return cleaned

    def account_fields(self) -> list[str]:
        return [f for f in [*actions.ACCOUNT_FIELDS, *actions.ACCOUNT_RIGHTS]
                if f in self.fields]


class PostsInline(admin.TabularInline):
    """The account's posts, as they are (they change through the actions below)."""

    model = Post
    fk_name = "user"
    fields = ["organisation", "position", "title", "is_primary", "is_active", "created_at"]
    readonly_fields = ["organisation", "position", "title", "is_primary", "is_active",
                       "created_at"]
    extra = 0
    can_delete = False
    verbose_name_plural = _("posts")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return super().get_queryset(request).select_related("organisation")


class AddPostFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if not form.has_changed() or form.errors:
                continue
            try:
                actions.check_add_post(self.instance, unit=form.cleaned_data.get("organisation"),
                                       position=form.cleaned_data.get("position") or "")
            except ValidationError as exc:
                add_action_errors(form, exc, {"unit": "organisation"})


class AddPostForm(ActionModelForm):
    class Meta:
        model = Post
        fields = ["organisation", "position", "title"]


class AddPostInline(admin.TabularInline):
    """A new concurrent post (kiêm nhiệm): saved through ``do_add_post``."""

    model = Post
    fk_name = "user"
    form = AddPostForm
    formset = AddPostFormSet
    fields = ["organisation", "position", "title"]
    autocomplete_fields = ["organisation"]
    extra = 1
    can_delete = False
    verbose_name = _("new post")
    verbose_name_plural = _("add a post")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return super().get_queryset(request).none()


@admin.register(User)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["username", "full_name", "kind", "email", "is_active", "is_staff"]
    list_filter = ["kind", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "full_name", "email", "personal_id", "tax_code"]
    readonly_fields = ["username", "kind", "personal_id", "tax_code", "last_login",
                       "date_joined"]
    filter_horizontal = ["groups", "user_permissions"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "kind", "full_name", "email", "phone",
                           "personal_id", "tax_code"]}),
        (_("Rights"), {"fields": ["is_active", "is_staff", "is_superuser", "groups",
                                  "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "full_name", "email", "phone", "password"]}),
        (_("Primary post"), {"fields": ["unit", "position", "title"]}),
    ]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts are deactivated: their actions stay in the audit log

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else self.readonly_fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = OfficialAdminCreationForm
        else:
            kwargs["form"] = AccountChangeForm
        form: Any = super().get_form(request, obj, change=change, **kwargs)
        form.acting_user = _as_user(request)
        return form

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        if obj is None:
            return []
        if obj.kind != User.Kind.OFFICIAL:
            return [PostsInline]
        return [PostsInline, AddPostInline]

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            user = actions.do_create_official(
                acting_user=_as_user(request), username=data["username"],
                full_name=data["full_name"], unit=data["unit"], position=data["position"],
                title=data.get("title") or "", password=data.get("password") or None,
                email=data.get("email") or "", phone=data.get("phone") or "")
        else:
            user = actions.do_update_account(
                User.objects.get(pk=obj.pk), acting_user=_as_user(request),
                groups=list(data["groups"]) if "groups" in data else None,
                permissions=list(data["user_permissions"])
                if "user_permissions" in data else None,
                **{k: data[k] for k in form.account_fields()})
        obj.pk = user.pk
        obj.__dict__.update({k: v for k, v in user.__dict__.items() if not k.startswith("_")})

    def save_related(self, request: HttpRequest, form: Any, formsets: Any,
                     change: bool) -> None:
        # Groups and permissions were set by the action; only the new posts remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any,
                     change: bool) -> None:
        # What formset.save() would leave for the admin's change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if not isinstance(formset, AddPostFormSet):
            return
        for post_form in formset.forms:
            if post_form.has_changed() and post_form.cleaned_data:
                formset.new_objects.append(actions.do_add_post(
                    formset.instance, acting_user=_as_user(request),
                    unit=post_form.cleaned_data["organisation"],
                    position=post_form.cleaned_data["position"],
                    title=post_form.cleaned_data.get("title") or ""))


class PostAdminForm(ActionModelForm):
    class Meta:
        model = Post
        fields = ["user", "organisation", "position", "title"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            actions.check_add_post(cleaned["user"], unit=cleaned.get("organisation"),
                                   position=cleaned.get("position") or "")
        except ValidationError as exc:
            add_action_errors(self, exc, {"unit": "organisation"})
        return cleaned


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    list_display = ["user", "organisation", "position", "title", "is_primary", "is_active"]
    list_select_related = ["user", "organisation"]
    list_filter = ["position", "is_primary", "is_active"]
    search_fields = ["user__username", "user__full_name", "organisation__name",
                     "organisation__code"]
    autocomplete_fields = ["user", "organisation"]
    readonly_fields = ["is_primary", "is_active", "created_at"]
    actions = ["end_posts"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a post is ended (the action below), never edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_end_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("core.change_user"))

    def save_model(self, request: HttpRequest, obj: Post, form: Any, change: bool) -> None:
        data = form.cleaned_data
        post = actions.do_add_post(data["user"], acting_user=_as_user(request),
                                   unit=data["organisation"], position=data["position"],
                                   title=data.get("title") or "")
        obj.pk = post.pk
        obj.is_primary = post.is_primary

    @admin.action(description=_("End the selected posts"), permissions=["end"])
    def end_posts(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        done = 0
        for post in queryset.select_related("user", "organisation"):
            try:
                actions.do_end_post(post, acting_user=_as_user(request))
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{post.user}, {post}: " + " ".join(exc.messages),
                                  messages.ERROR)
        if done:
            self.message_user(request, gettext("%(count)d posts ended.") % {"count": done},
                              messages.SUCCESS)


# --- calendar and counters -----------------------------------------------------------

@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "note"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
    search_fields = ["note"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["date"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any,
                   change: bool) -> None:
        day = actions.do_set_calendar_day(acting_user=_as_user(request), date=obj.date,
                                          is_working_day=obj.is_working_day, note=obj.note)
        obj.pk = day.pk

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        actions.do_clear_calendar_day(acting_user=_as_user(request), date=obj.date)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for day in queryset:
            actions.do_clear_calendar_day(acting_user=_as_user(request), date=day.date)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Counter)
class CounterAdmin(ReadOnlyAdmin):
    list_display = ["series", "year", "value"]
    list_filter = ["year"]
    search_fields = ["series"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "actor_label", "position", "action", "object_type",
                    "object_id", "object_repr"]
    search_fields = ["action", "object_type", "object_id", "object_repr", "actor_label"]
    ordering = ["-id"]
    show_full_result_count = False


@admin.register(AuditLink)
class AuditLinkAdmin(ReadOnlyAdmin):
    list_display = ["seq", "entry_id", "chain"]
    ordering = ["-seq"]
    show_full_result_count = False


@admin.register(AuditSeal)
class AuditSealAdmin(ReadOnlyAdmin):
    list_display = ["first_seq", "last_seq", "head", "sealed_at"]
