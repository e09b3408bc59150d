"""Pages: the registers (sổ đăng ký văn bản đến / đi, sổ theo dõi giải quyết) for a period,
on screen, as CSV and as PDF; and the search page.

Both read through ``queries.visible_documents(user)``, so the rule of every list holds in
the query itself: another agency's documents, and secret ones not granted by name, never
appear. A records clerk or an agency leader chooses among the registers of their own
agency only. Each page costs a fixed number of queries, however many rows it shows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Exists, Func, OuterRef, Q, QuerySet
from django.db.models.expressions import Combinable
from django.db.models.sql.compiler import SQLCompiler
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from egov.core.models import Post, User

from . import exports, queries, rules, search, textfold
from .models import Assignment, Direction, Document, Register, Status

REGISTER_PAGE_SIZE = 100
SEARCH_PAGE_SIZE = 20
PDF_MAX_ROWS = 500  # WeasyPrint lays out about 30 rows a second
REGISTER_POSITIONS = ("clerk", "agency_leader", "deputy_leader")


def _official(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or user.kind != User.Kind.OFFICIAL or not user.is_active:
        raise PermissionDenied(_("Only officials can open this page."))
    return user


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- registers -----------------------------------------------------------------------

def register_agencies(user: User) -> QuerySet[Post]:
    """The posts that let ``user`` keep or read registers: records clerks and leaders,
    each for the agency of the unit the post is in."""
    return Post.objects.filter(user=user, is_active=True, position__in=REGISTER_POSITIONS)


def available_registers(user: User) -> list[Register]:
    """The registers of the agencies where ``user`` is a records clerk or a leader."""
    agencies = register_agencies(user).values("organisation__agency_id")
    return list(Register.objects.filter(agency_id__in=agencies).select_related("agency")
                .order_by("agency__name", "direction", "name", "id"))


class RegisterForm(forms.Form):
    register = forms.ChoiceField(label=pgettext_lazy("noun", "Register"))
    date_from = forms.DateField(label=gettext_lazy("From"), widget=_date_input())
    date_to = forms.DateField(label=gettext_lazy("To"), widget=_date_input())

    def __init__(self, *args: Any, registers: list[Register], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registers = {r.pk: r for r in registers}
        several = len({r.agency_id for r in registers}) > 1
        choices = []
        for register in registers:
            for book in exports.books_for(register):
                name = (register.name if book != exports.Book.FOLLOW_UP
                        else exports.TITLES[book].capitalize())
                if several:
                    name = f"{register.agency.short_name} — {name}"
                choices.append((f"{register.pk}:{book.value}", name))
        cast(forms.ChoiceField, self.fields["register"]).choices = choices

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date comes before the start date."))
        return data

    def selection(self) -> tuple[Register, str, dt.date, dt.date]:
        pk, book = self.cleaned_data["register"].split(":")
        return (self.registers[int(pk)], book, self.cleaned_data["date_from"],
                self.cleaned_data["date_to"])


def _register_data(request: HttpRequest, registers: list[Register]) -> QueryDict:
    """The query string; what it leaves out is the first register and this month."""
    today = timezone.localdate()
    data = request.GET.copy()
    if registers and "register" not in data:
        first = registers[0]
        data["register"] = f"{first.pk}:{exports.books_for(first)[0].value}"
    data.setdefault("date_from", today.replace(day=1).isoformat())
    data.setdefault("date_to", today.isoformat())
    return data


def _without_page(data: Any) -> str:
    query = data.copy()
    query.pop("page", None)
    return str(query.urlencode())


def _register_form(request: HttpRequest) -> tuple[User, RegisterForm]:
    user = _official(request)
    if not register_agencies(user).exists():
        raise PermissionDenied(_("Only records clerks and leaders read the registers."))
    registers = available_registers(user)
    return user, RegisterForm(_register_data(request, registers), registers=registers)


def _register_page(request: HttpRequest, form: RegisterForm, user: User,
                   status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "has_registers": bool(form.registers)}
    if form.is_valid() and status == 200:
        register, book, start, end = form.selection()
        rows = exports.register_rows(user, register, book, start, end)
        page = Paginator(rows, REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
        context.update({
            "register": register,
            "book": book,
            "title": exports.TITLES[book],
            "book_label": exports.Book(book).label,
            "period": (start, end),
            "columns": exports.COLUMNS[book],
            "key_column": exports.KEY_COLUMN[exports.Book(book)],
            "page": page,
            "rows": [(doc, exports.cells(doc, book)) for doc in page.object_list],
            "first_number": page.start_index(),
            "export_query": _without_page(form.data),
        })
    return render(request, "documents/registers.html", context, status=status)


@login_required
def registers(request: HttpRequest) -> HttpResponse:
    user, form = _register_form(request)
    return _register_page(request, form, user)


@login_required
def registers_csv(request: HttpRequest) -> HttpResponseBase:
    user, form = _register_form(request)
    if not form.is_valid():
        return _register_page(request, form, user, status=400)
    register, book, start, end = form.selection()
    rows = exports.register_rows(user, register, book, start, end)
    response = StreamingHttpResponse(exports.csv_lines(book, rows.iterator(chunk_size=500)),
                                     content_type="text/csv; charset=utf-8")
    name = exports.filename(register, book, start, end, "csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def registers_pdf(request: HttpRequest) -> HttpResponse:
    user, form = _register_form(request)
    if not form.is_valid():
        return _register_page(request, form, user, status=400)
    register, book, start, end = form.selection()
    documents = list(exports.register_rows(user, register, book, start, end)
                     [:PDF_MAX_ROWS + 1])
    if len(documents) > PDF_MAX_ROWS:
        form.add_error("date_to", _(
            "This period holds more than %(max)d documents, too many for one PDF: choose a "
            "shorter period, or download the CSV.") % {"max": PDF_MAX_ROWS})
        return _register_page(request, form, user, status=400)
    pdf = exports.render_pdf(register=register, book=book, start=start, end=end,
                             rows=[exports.cells(d, book) for d in documents],
                             printed_by=user.get_full_name())
    response = HttpResponse(pdf, content_type="application/pdf")
    name = exports.filename(register, book, start, end, "pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# --- search --------------------------------------------------------------------------

def _vietnamese_letters() -> list[tuple[str, str]]:
    """(letter, ASCII letter) for every precomposed Vietnamese letter, both cases."""
    lower = ("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữự"
             "ỳýỷỹỵđ")
    return [(ch, textfold.fold(ch)) for ch in lower + lower.upper()]


_LETTERS = _vietnamese_letters()
# Combining marks (text stored decomposed): the five tones, circumflex, breve, horn.
_MARKS = "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b"
_VARIANTS: dict[str, str] = {}
for _letter, _ascii in _LETTERS:
    _VARIANTS[_ascii] = _VARIANTS.get(_ascii, _ascii + _ascii.upper()) + _letter


def _glob(needle: str) -> str:
    """A SQLite GLOB pattern matching ``needle`` (folded) inside any text that folds to
    it: each letter becomes the class of its cased and marked forms."""
    parts = []
    for char in needle:
        if char in _VARIANTS:
            parts.append(f"[{_VARIANTS[char]}]")
        elif char.isascii() and char.isalpha():
            parts.append(f"[{char}{char.upper()}]")
        elif char in "*?[":
            parts.append(f"[{char}]")
        else:
            parts.append(char)
    return "*" + "".join(parts) + "*"


def _like(needle: str) -> str:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class FoldedContains(Func):
    """True where the text column, folded the way ``textfold.fold`` folds Vietnamese
    (lower case, no tone or vowel marks, đ → d), contains ``needle`` (already folded).

    PostgreSQL folds the column with ``translate`` and compares with LIKE; SQLite, whose
    ``lower`` knows only ASCII and whose parser refuses deeply nested ``replace``, matches
    a GLOB pattern where each letter is the class of its forms. Both find the same rows
    for text stored composed (NFC), as the forms and the actions store it.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, expression: Combinable | str, needle: str) -> None:
        super().__init__(expression)
        self.needle = needle

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper,
               function: str | None = None, template: str | None = None,
               arg_joiner: str | None = None,
               **extra_context: Any) -> tuple[str, tuple[str | int, ...]]:
        inner, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            source = "".join(a for a, _b in _LETTERS) + _MARKS
            target = "".join(b for _a, b in _LETTERS)
            return (f"LOWER(TRANSLATE({inner}, %s, %s)) LIKE %s",
                    (*params, source, target, _like(self.needle)))
        return f"{inner} GLOB %s", (*params, _glob(self.needle))


def _all_words(column: str, text: str) -> Q | None:
    """Every folded word of ``text`` appears in ``column`` (folded)."""
    words = textfold.tokens(text)[:search.MAX_TERMS]
    if not words:
        return None
    return Q(*[FoldedContains(column, w) for w in words])


class SearchForm(forms.Form):
    DATE_FIELDS = [("received", gettext_lazy("Date received")),
                   ("issued", gettext_lazy("Issue date"))]

    q = forms.CharField(label=gettext_lazy("Words"), required=False, max_length=300,
                        help_text=gettext_lazy(
                            "Searches the subject, number and symbol, issuer, signer and "
                            "the text of the files, with or without diacritics."))
    symbol = forms.CharField(label=gettext_lazy("Number and symbol"), required=False,
                             max_length=80, help_text=gettext_lazy("E.g. 12/QĐ-UBND or 345/UBND"))
    subject = forms.CharField(label=gettext_lazy("Subject"), required=False, max_length=300)
    issuer = forms.CharField(label=gettext_lazy("Issuing agency"), required=False,
                             max_length=255)
    doc_type = forms.ChoiceField(label=gettext_lazy("Document type"), required=False)
    direction = forms.ChoiceField(label=gettext_lazy("Direction"), required=False)
    date_field = forms.ChoiceField(label=gettext_lazy("Date"), required=False,
                                   choices=DATE_FIELDS)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False,
                                widget=_date_input())
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=_date_input())
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    processing = forms.ChoiceField(label=gettext_lazy("Deadline status"), required=False)
    assignee = forms.ModelChoiceField(label=gettext_lazy("Assigned to"), required=False,
                                      queryset=User.objects.none())

    FILTERS = ("symbol", "subject", "issuer", "doc_type", "direction", "date_from",
               "date_to", "status", "processing", "assignee")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anything = [("", _("Any"))]
        fields = self.fields
        cast(forms.ChoiceField, fields["doc_type"]).choices = anything + list(
            rules.DocumentType.choices)
        cast(forms.ChoiceField, fields["direction"]).choices = anything + list(
            Direction.choices)
        cast(forms.ChoiceField, fields["status"]).choices = anything + list(Status.choices)
        cast(forms.ChoiceField, fields["processing"]).choices = anything + list(
            rules.ProcessingStatus.choices)
        agencies = Post.objects.filter(user=user, is_active=True).values(
            "organisation__agency_id")
        people = User.objects.filter(
            kind=User.Kind.OFFICIAL, posts__is_active=True,
            posts__organisation__agency_id__in=agencies).distinct().order_by(
            "full_name", "username")
        assignee = cast(forms.ModelChoiceField, fields["assignee"])
        assignee.queryset = people
        assignee.empty_label = _("Anyone")

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date comes before the start date."))
        return data

    @property
    def has_filters(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.FILTERS)


def search_documents(user: User, data: dict[str, Any]) -> QuerySet[Document]:
    """The documents ``user`` may see that match the cleaned search form, best first when
    there are words to rank by, else newest first; with ``processing`` annotated."""
    qs = queries.visible_documents(user)
    if symbol := "".join((data.get("symbol") or "").split()):
        qs = qs.filter(FoldedContains("symbol", textfold.fold(symbol)))
    if by_subject := _all_words("subject", data.get("subject") or ""):
        qs = qs.filter(by_subject)
    issuer = data.get("issuer") or ""
    by_issuer = _all_words("issuer_name", issuer)
    by_agency = _all_words("agency__name", issuer)
    if by_issuer is not None and by_agency is not None:
        # An outgoing document's issuer is the agency itself.
        qs = qs.filter(by_issuer | (Q(direction=Direction.OUTGOING) & by_agency))
    if doc_type := data.get("doc_type"):
        qs = qs.filter(doc_type=doc_type)
    if direction := data.get("direction"):
        qs = qs.filter(direction=direction)
    start, end = data.get("date_from"), data.get("date_to")
    if data.get("date_field") == "issued":
        if start:
            qs = qs.filter(issue_date__gte=start)
        if end:
            qs = qs.filter(issue_date__lte=end)
    else:
        if start:
            qs = qs.filter(received_at__gte=_midnight(start))
        if end:
            qs = qs.filter(received_at__lt=_midnight(end + dt.timedelta(days=1)))
    if status := data.get("status"):
        qs = qs.filter(status=status)
    if assignee := data.get("assignee"):
        qs = qs.filter(Exists(Assignment.objects.filter(document=OuterRef("pk"),
                                                        user=assignee)))
    qs = queries.with_processing_status(qs)
    if processing := data.get("processing"):
        qs = qs.filter(Q(direction=Direction.INCOMING) & Q(processing=processing))
    if search.search_words(data.get("q") or ""):
        return search.apply(qs, data["q"])
    return qs.order_by("-created_at", "-id")


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    user = _official(request)
    form = SearchForm(request.GET or None, user=user)
    context: dict[str, Any] = {"form": form}
    if form.is_bound:
        if form.is_valid():
            found = search_documents(user, form.cleaned_data).select_related("agency")
            page = Paginator(found, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
            for doc in page.object_list:  # the annotation's label, for the template
                label = rules.ProcessingStatus(getattr(doc, "processing")).label  # noqa: B009
                setattr(doc, "processing_label", label)  # noqa: B010
            context.update({"page": page,
                            "ranked": bool(search.search_words(form.cleaned_data["q"]))})
        else:
            context["invalid"] = True
    return render(request, "documents/search.html", context)


urlpatterns: list[URLPattern | URLResolver] = [
    path("registers/", registers, name="registers"),
    path("registers/csv/", registers_csv, name="registers_csv"),
    path("registers/pdf/", registers_pdf, name="registers_pdf"),
    path("search/", search_page, name="search"),
]
