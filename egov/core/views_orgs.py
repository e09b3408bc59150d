"""Pages of the organisation tree and the people in each unit.

Who sees what: the tree, an organisation's page and a unit's people are open to every
signed-in official and administrator (it is public information inside the government);
citizens and businesses do not see them. Creating, editing, moving and importing need the
administrator's rights ``core.add_organisation`` / ``core.change_organisation``. The views
stay thin: the actions validate, write and audit.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext as _

from . import actions, orgcsv
from .forms import ImportForm, MoveOrganisationForm, OrganisationForm, add_action_errors
from .models import Organisation, Post, User

View = Callable[..., HttpResponse]


def can_view_organisations(user: Any) -> bool:
    return bool(user.is_authenticated and (
        user.is_superuser or user.is_staff or getattr(user, "kind", None) == User.Kind.OFFICIAL
    ))


def viewer_required(view: View) -> View:
    """Signed in (else to the sign-in page), and an official or an administrator."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_view_organisations(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def admin_required(*perms: str) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        return login_required(permission_required(perms, raise_exception=True)(view))

    return decorate


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics (đ → d), for matching a search."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _tree_columns(queryset: QuerySet[Organisation]) -> QuerySet[Organisation]:
    return queryset.only("id", "parent_id", "name", "short_name", "code", "qd20_code",
                         "kind", "is_agency", "level", "is_active").order_by()


# --- reading -------------------------------------------------------------------------

@viewer_required
def org_list(request: HttpRequest) -> HttpResponse:
    """The whole tree in one query, indented, depth first, siblings by code."""
    query = request.GET.get("q", "").strip()[:100]
    show_inactive = request.GET.get("inactive") == "1"
    orgs = _tree_columns(Organisation.objects.all())
    if not show_inactive:
        orgs = orgs.filter(is_active=True)
    rows = orgcsv.tree_order(orgs)
    matches: set[int] = set()
    if query:
        # A match shows with the organisations above it, so it is seen in its place.
        needle = fold(query)
        by_pk = {org.pk: org for org, _depth in rows}
        keep: set[int] = set()
        for org, _depth in rows:
            if needle in fold(org.name) or needle in fold(org.short_name) or (
                needle in org.code.lower()
                or needle in (org.qd20_code or "").lower()
            ):
                matches.add(org.pk)
                current: Organisation | None = org
                while current is not None and current.pk not in keep:
                    keep.add(current.pk)
                    current = by_pk.get(current.parent_id) if current.parent_id else None
        rows = [(org, depth) for org, depth in rows if org.pk in keep]
    user = request.user
    return render(request, "core/org_list.html", {
        "rows": rows, "query": query, "show_inactive": show_inactive, "matches": matches,
        "can_add": user.has_perm("core.add_organisation"),
        "can_import": user.has_perm("core.add_organisation")
        and user.has_perm("core.change_organisation"),
    })


def _ancestors(org: Organisation) -> list[Organisation]:
    ids = [int(pk) for pk in org.path.strip("/").split("/") if pk][:-1]
    found = Organisation.objects.only("id", "name", "code").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


@viewer_required
def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(Organisation.objects.select_related("parent", "agency"), pk=pk)
    units = _tree_columns(org.children.all())
    posts = (Post.objects.filter(organisation=org, is_active=True)
             .select_related("user").order_by("position", "user__full_name", "id"))
    user = request.user
    return render(request, "core/org_detail.html", {
        "org": org, "ancestors": _ancestors(org),
        "units": [u for u, _depth in orgcsv.tree_order(units)],
        "posts": list(posts),
        "can_add": user.has_perm("core.add_organisation") and org.is_active,
        "can_change": user.has_perm("core.change_organisation"),
    })


@viewer_required
def people_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The people holding an active post in a unit (and its units, on request)."""
    org = get_object_or_404(Organisation, pk=pk)
    include_units = request.GET.get("units") == "1"
    place = Q(organisation__path__startswith=org.path) if include_units else Q(
        organisation=org)
    posts = (Post.objects.filter(place, is_active=True)
             .select_related("user", "organisation")
             .order_by("organisation__path", "position", "user__full_name", "id"))
    return render(request, "core/people_list.html", {
        "org": org, "posts": list(posts), "include_units": include_units,
    })


@viewer_required
def org_export(request: HttpRequest) -> HttpResponse:
    """Every organisation as CSV, for a spreadsheet (UTF-8 with a byte-order mark)."""
    out = io.StringIO()
    out.write("\ufeff")
    orgcsv.export_organisations(out)
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="organisations-{stamp}.csv"'
    return response


# --- changing ------------------------------------------------------------------------

@admin_required("core.add_organisation")
def org_create(request: HttpRequest) -> HttpResponse:
    parent = None
    if request.GET.get("parent", "").isdigit():
        parent = Organisation.objects.filter(pk=int(request.GET["parent"]),
                                             is_active=True).first()
    if request.method == "POST":
        form = OrganisationForm(request.POST)
        if form.is_valid():
            try:
                org = actions.do_create_organisation(
                    acting_user=request.user,  # type: ignore[arg-type]
                    parent=form.cleaned_data["parent"], **form.action_data())
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("“%(name)s” was created.") % {"name": org.name})
                return redirect("core:org_detail", pk=org.pk)
    else:
        initial: dict[str, Any] = {"is_agency": True}
        if parent is not None:
            initial = {"parent": parent, "kind": Organisation.Kind.UNIT, "is_agency": False,
                       "code": parent.code}
        form = OrganisationForm(initial=initial)
    return render(request, "core/org_form.html", {"form": form, "org": None,
                                                  "parent": parent})


@admin_required("core.change_organisation")
def org_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(Organisation.objects.select_related("parent"), pk=pk)
    if request.method == "POST":
        form = OrganisationForm(request.POST, instance=org)
        if form.is_valid():
            try:
                org = actions.do_update_organisation(
                    org, acting_user=request.user,  # type: ignore[arg-type]
                    **form.action_data())
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("“%(name)s” was saved.") % {"name": org.name})
                return redirect("core:org_detail", pk=org.pk)
    else:
        form = OrganisationForm(instance=org)
    return render(request, "core/org_form.html", {"form": form, "org": org,
                                                  "parent": org.parent})


@admin_required("core.change_organisation")
def org_move(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(Organisation.objects.select_related("parent"), pk=pk)
    if request.method == "POST":
        form = MoveOrganisationForm(request.POST, instance=org)
        if form.is_valid():
            try:
                org = actions.do_move_organisation(
                    org, acting_user=request.user,  # type: ignore[arg-type]
                    parent=form.cleaned_data["parent"], code=form.cleaned_data["code"])
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("“%(name)s” was moved.") % {"name": org.name})
                return redirect("core:org_detail", pk=org.pk)
    else:
        form = MoveOrganisationForm(initial={"code": org.code}, instance=org)
    return render(request, "core/org_move.html", {"form": form, "org": org})


@admin_required("core.add_organisation", "core.change_organisation")
def org_import(request: HttpRequest) -> HttpResponse:
    report = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            report = orgcsv.import_organisations(
                upload, acting_user=request.user,  # type: ignore[arg-type]
                dry_run=form.cleaned_data["dry_run"])
            if report.committed:
                messages.success(request, report.summary())
                return redirect("core:org_list")
    else:
        form = ImportForm()
    return render(request, "core/org_import.html", {
        "form": form, "report": report, "columns": orgcsv.COLUMNS,
        "max_rows": orgcsv.MAX_ROWS, "max_mb": orgcsv.MAX_BYTES // (1024 * 1024),
    }, status=400 if report is not None and not report.ok else 200)


urlpatterns: list[URLPattern | URLResolver] = [
    path("organisations/", org_list, name="org_list"),
    path("organisations/new/", org_create, name="org_create"),
    path("organisations/import/", org_import, name="org_import"),
    path("organisations/export.csv", org_export, name="org_export"),
    path("organisations/<int:pk>/", org_detail, name="org_detail"),
    path("organisations/<int:pk>/edit/", org_edit, name="org_edit"),
    path("organisations/<int:pk>/move/", org_move, name="org_move"),
    path("organisations/<int:pk>/people/", people_list, name="people_list"),
]
