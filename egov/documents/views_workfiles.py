"""Pages: work files (hồ sơ công việc).

A specialist (or a unit head, a leader) opens a file for one matter, adds the documents
they can see and notes, and closes it; a closed file is read-only and appears in the
archive list of the agency's records clerk. Who sees a file is
``queries.visible_work_files`` (its unit's people, the leaders above it, and the clerks
once it is closed): anything else is a 404. Every change goes through the actions.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from egov.core.models import Post, User
from egov.core.queries import led_organisations

from . import actions, queries, search
from .models import Document, WorkFile, WorkFileItem

PAGE_SIZE = 50
CANDIDATES = 10
# The positions that keep work files (actions.do_open_work_file decides in the end).
KEEPERS = ("specialist", "unit_head", "agency_leader", "deputy_leader")


def _official(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or user.kind != User.Kind.OFFICIAL or not user.is_active:
        raise PermissionDenied(_("Only officials can open this page."))
    return user


def _can_open(user: User) -> bool:
    return Post.objects.filter(user=user, is_active=True, position__in=KEEPERS).exists()


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put an action's errors on the form's fields (the rest above the form)."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class ListFilterForm(forms.Form):
    STATUSES = [("open", gettext_lazy("Open")), ("closed", gettext_lazy("Closed")),
                ("all", gettext_lazy("All"))]

    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=STATUSES,
                               required=False)
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, required=False,
                                  empty_value=None)

    def __init__(self, *args: Any, years: list[int], with_status: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_status:
            del self.fields["status"]
        year = cast(forms.TypedChoiceField, self.fields["year"])
        year.choices = [("", _("Every year"))] + [(y, str(y)) for y in years]


def _filtered(request: HttpRequest, files: QuerySet[WorkFile], default_status: str,
              with_status: bool = True) -> tuple[ListFilterForm, QuerySet[WorkFile]]:
    years = list(files.order_by("-year").values_list("year", flat=True).distinct())
    data = request.GET.copy()
    data.setdefault("status", default_status)
    form = ListFilterForm(data, years=years, with_status=with_status)
    if not form.is_valid():
        return form, files.none()
    status = form.cleaned_data.get("status") or default_status
    if status != "all":
        files = files.filter(status=status)
    if form.cleaned_data["year"]:
        files = files.filter(year=form.cleaned_data["year"])
    return form, files


def _listing(files: QuerySet[WorkFile]) -> QuerySet[WorkFile]:
    return (files.select_related("unit", "responsible").annotate(n_items=Count("items"))
            .order_by("-year", "code", "id"))


def _page_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return str(query.urlencode())


@login_required
def workfile_list(request: HttpRequest) -> HttpResponse:
    """The files of my units (and those I lead or am responsible for)."""
    user = _official(request)
    units = Post.objects.filter(user=user, is_active=True).values("organisation_id")
    mine = queries.visible_work_files(user).filter(
        Q(responsible=user) | Q(unit_id__in=units)
        | Q(unit_id__in=led_organisations(user).values("id")))
    form, files = _filtered(request, mine, "open")
    page = Paginator(_listing(files), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "documents/workfile_list.html", {
        "form": form, "page": page, "page_query": _page_query(request),
        "can_open": _can_open(user),
        "is_clerk": Post.objects.filter(user=user, is_active=True,
                                        position="clerk").exists(),
    })


@login_required
def workfile_archive(request: HttpRequest) -> HttpResponse:
    """The closed files of the clerk's agency, for archiving."""
    user = _official(request)
    clerk_agencies = Post.objects.filter(user=user, is_active=True, position="clerk").values(
        "organisation__agency_id")
    if not clerk_agencies.exists():
        raise PermissionDenied(_("Only records clerks keep the archive list."))
    closed = queries.visible_work_files(user).filter(status=WorkFile.Status.CLOSED,
                                                     agency_id__in=clerk_agencies)
    form, files = _filtered(request, closed, "closed", with_status=False)
    files = _listing(files).order_by("year", "unit__name", "code", "id")
    page = Paginator(files, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "documents/workfile_archive.html", {
        "form": form, "page": page, "page_query": _page_query(request),
    })


class OpenForm(forms.Form):
    PERMANENT, YEARS = "permanent", "years"

    code = forms.CharField(label=gettext_lazy("File code"), max_length=50,
                           help_text=gettext_lazy("As in the agency's list of files, "
                                                  "e.g. 12.PC or 2026/PC-05."))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    year = forms.IntegerField(label=gettext_lazy("Year"))
    retention = forms.ChoiceField(
        label=gettext_lazy("Retention period"), widget=forms.RadioSelect,
        choices=[(PERMANENT, gettext_lazy("Permanent")),
                 (YEARS, gettext_lazy("A number of years"))], initial=YEARS)
    retention_years = forms.IntegerField(label=gettext_lazy("Years to keep"),
                                         required=False, initial=10)

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        if data.get("retention") == self.YEARS and data.get("retention_years") is None:
            self.add_error("retention_years",
                           _("Enter the number of years, or choose permanent."))
        return data


@login_required
def workfile_new(request: HttpRequest) -> HttpResponse:
    user = _official(request)
    if not _can_open(user):
        raise PermissionDenied(_("Only officials of a unit keep work files."))
    form = OpenForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        years = data["retention_years"] if data["retention"] == OpenForm.YEARS else None
        try:
            work_file = actions.do_open_work_file(
                acting_user=user, code=data["code"], title=data["title"], year=data["year"],
                retention_years=years)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Work file %(code)s is open.")
                             % {"code": work_file.code})
            return redirect("documents:workfile", pk=work_file.pk)
    return render(request, "documents/workfile_form.html", {"form": form})


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}))


class FindForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Find a document you can see"), required=False,
                        max_length=300,
                        help_text=gettext_lazy("Words of the subject, a number and symbol, "
                                               "with or without diacritics."))


def _detail(request: HttpRequest, work_file: WorkFile, user: User, *,
            note_form: NoteForm | None = None,
            add_errors: list[str] | None = None) -> HttpResponse:
    items = list(WorkFileItem.objects.filter(work_file=work_file)
                 .select_related("document", "added_by").order_by("added_at", "id"))
    ids = [i.document_id for i in items if i.document_id is not None]
    shown = set(queries.visible_documents(user).filter(pk__in=ids)
                .values_list("pk", flat=True)) if ids else set()
    can_change = (work_file.status == WorkFile.Status.OPEN
                  and work_file.responsible_id == user.pk)
    context: dict[str, Any] = {
        "work_file": work_file, "items": items, "shown": shown, "can_change": can_change,
        "n_documents": len(ids), "n_notes": len(items) - len(ids),
        "add_errors": add_errors or [],
    }
    if can_change:
        find = FindForm(request.GET or None)
        words = find.cleaned_data["q"] if find.is_valid() else ""
        candidates = queries.visible_documents(user).exclude(pk__in=ids)
        if search.search_words(words):
            candidates = search.apply(candidates, words)
        else:
            candidates = candidates.order_by("-created_at", "-id")
        context.update({
            "find_form": find, "searched": bool(words),
            "candidates": list(candidates[:CANDIDATES]),
            "note_form": note_form or NoteForm(),
        })
    return render(request, "documents/workfile_detail.html", context)


def _visible_file(user: User, pk: int) -> WorkFile:
    return get_object_or_404(queries.visible_work_files(user)
                             .select_related("unit", "responsible"), pk=pk)


@login_required
def workfile_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _official(request)
    return _detail(request, _visible_file(user, pk), user)


def _back(work_file: WorkFile) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("documents:workfile", args=[work_file.pk]))


@login_required
@require_POST
def workfile_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a document (``document``: its id) or a note (``note``) to the file."""
    user = _official(request)
    work_file = _visible_file(user, pk)
    raw = request.POST.get("document", "").strip()
    if raw:
        document = Document.objects.filter(pk=int(raw) if raw.isdigit() else 0).first()
        try:
            if document is None:
                raise ValidationError({"document": [_("Choose a document from the list.")]})
            actions.do_add_to_work_file(work_file, acting_user=user, document=document)
        except ValidationError as exc:
            return _detail(request, work_file, user, add_errors=exc.messages)
        messages.success(request, _("The document is added to the file."))
        return _back(work_file)
    note_form = NoteForm(request.POST)
    errors: list[str] = []
    if note_form.is_valid():
        try:
            actions.do_add_to_work_file(work_file, acting_user=user,
                                        note=note_form.cleaned_data["note"])
        except ValidationError as exc:
            found = exc.message_dict
            if "note" in found:
                note_form.add_error("note", found.pop("note"))
            errors = [m for ms in found.values() for m in ms]
        else:
            messages.success(request, _("The note is added to the file."))
            return _back(work_file)
    return _detail(request, work_file, user, note_form=note_form, add_errors=errors)


@login_required
@require_POST
def workfile_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = _official(request)
    work_file = _visible_file(user, pk)
    try:
        actions.do_close_work_file(work_file, acting_user=user)
    except ValidationError as exc:
        return _detail(request, work_file, user,
                       add_errors=[m for ms in exc.message_dict.values() for m in ms])
    messages.success(request, _("The file is closed: it is read-only now and listed for "
                                "archiving."))
    return _back(work_file)


urlpatterns: list[URLPattern | URLResolver] = [
    path("workfiles/", workfile_list, name="workfiles"),
    path("workfiles/new/", workfile_new, name="workfile_new"),
    path("workfiles/archive/", workfile_archive, name="workfiles_archive"),
    path("workfiles/<int:pk>/", workfile_detail, name="workfile"),
    path("workfiles/<int:pk>/add/", workfile_add, name="workfile_add"),
    path("workfiles/<int:pk>/close/", workfile_close, name="workfile_close"),
]
