"""Pages of task follow-up: the list (an agency's tasks, or all for the Office), a
task's page with its reports and deadline history, the Office's form, and the review.

Who sees a task is ``queries.visible_tasks``: anything else is a 404. Every change goes
through the actions; their errors go back on the form's fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from egov.core.models import Organisation, Post, User
from egov.core.rules import LEADERS

from . import actions, queries, review
from . import forms as task_forms
from .models import DeadlineRequest, Task

PAGE_SIZE = 50
PAGE_ATTENTION = 50


def _official(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or user.kind != User.Kind.OFFICIAL or not user.is_active:
        raise PermissionDenied(_("Only officials can open this page."))
    return user


def _apply(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _task(user: User, pk: int) -> Task:
    return get_object_or_404(queries.with_status(queries.visible_tasks(user))
                             .select_related("lead_agency", "assigning_agency",
                                             "source_document", "product_document",
                                             "assigned_by"), pk=pk)


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    user = _official(request)
    tasks = queries.visible_tasks(user)
    office = queries.is_office(user)
    form = task_forms.FilterForm(request.GET or None)
    if not office:  # an agency sees its own tasks: no choice of lead agency to render
        del form.fields["agency"]
    listed: QuerySet[Task] = queries.with_status(tasks)
    if form.is_valid():
        status = form.cleaned_data.get("status")
        if status:
            listed = tasks.filter(queries.status_conditions()[status])
            listed = queries.with_status(listed)
        if office and form.cleaned_data.get("agency"):
            listed = listed.filter(lead_agency=form.cleaned_data["agency"])
    page = Paginator(listed.select_related("lead_agency").order_by("deadline", "id"),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "directives/list.html", {
        "form": form, "page": page, "page_query": query.urlencode(),
        "is_office": office, "task_base": reverse("directives:list"),
    })


@login_required
def task_new(request: HttpRequest) -> HttpResponse:
    user = _official(request)
    if not queries.is_office(user):
        raise PermissionDenied(_("Only the Government Office assigns tasks."))
    form = task_forms.TaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            made = actions.do_create_task(acting_user=user, **data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("The task is assigned."))
            return redirect("directives:detail", pk=made[0].pk)
    return render(request, "directives/form.html", {"form": form})


def _forms(request: HttpRequest, task: Task, user: User,
           bound: dict[str, forms.Form] | None = None) -> dict[str, Any]:
    agencies = set(queries.user_agency_ids(user))
    on_task = {task.lead_agency_id, *[a.pk for a in task.coordinating_agencies.all()]}
    is_lead = task.lead_agency_id in agencies
    is_leader = Post.objects.filter(user=user, is_active=True, position__in=LEADERS,
                                    organisation__agency_id__in=on_task).exists()
    bound = bound or {}
    open_ = task.done_on is None
    return {
        "can_report": open_ and bool(agencies & on_task),
        "can_finish": open_ and is_lead,
        "can_assign": open_ and is_leader,
        "can_decide": actions.can_decide(user, task),
        "progress_form": bound.get("progress") or task_forms.ProgressForm(),
        "done_form": bound.get("done") or task_forms.DoneForm(agency_id=task.lead_agency_id),
        "deadline_form": bound.get("deadline") or task_forms.DeadlineRequestForm(),
        "decide_form": bound.get("decide") or task_forms.DecideForm(),
        "assign_form": bound.get("assign") or task_forms.AssignInsideForm(
            agency_ids=sorted(agencies & on_task)),
    }


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _official(request)
    task = _task(user, pk)
    return _render_detail(request, task, user)


# What a task's package over the national exchange hub carries (exchange/
# connector_directives.py writes them; payload "kind").
PACKAGE_KINDS = {
    "task": gettext_lazy("The task"), "progress": gettext_lazy("Progress report"),
    "done": gettext_lazy("Report of completion"),
    "deadline_request": gettext_lazy("Request for a new deadline"),
    "deadline_decision": gettext_lazy("Decision on the deadline"),
    "update": gettext_lazy("Change told to the other agencies"),
}


def _hub_packages(task: Task) -> list[dict[str, Any]]:
    """The packages this task sent over the hub, with their recipients' names and state."""
    rows = list(task.outbound_packages.order_by("id"))
    codes = {code for row in rows for code in row.recipients}
    names = dict(Organisation.objects.filter(code__in=codes).values_list("code", "name")
                 ) if codes else {}
    return [{"kind": PACKAGE_KINDS.get(str(row.payload.get("kind")), ""),
             "to": [names.get(code, code) for code in row.recipients], "row": row}
            for row in rows]


def _render_detail(request: HttpRequest, task: Task, user: User,
                   bound: dict[str, forms.Form] | None = None, status: int = 200
                   ) -> HttpResponse:
    context = {
        "task": task, "status_label": queries.status_of(task).label,
        "coordinators": list(task.coordinating_agencies.all()),
        "reports": list(task.reports.select_related("agency", "by").prefetch_related("files")),
        "requests": list(task.deadline_requests.select_related("requested_by", "decided_by")),
        "assignments": list(task.assignments.select_related("unit", "user", "assigned_by")),
        "occurrences": list(Task.objects.filter(series_id=task.series_id or task.pk)
                            .exclude(pk=task.pk).order_by("occurrence")[:24]),
        "hub_packages": _hub_packages(task),
        **_forms(request, task, user, bound),
    }
    return render(request, "directives/detail.html", context, status=status)


def _post_action(request: HttpRequest, pk: int, name: str, form: forms.Form,
                 run: Any, done_message: str) -> HttpResponse:
    user = _official(request)
    task = _task(user, pk)
    if form.is_valid():
        try:
            run(task, user, form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, done_message)
            return redirect("directives:detail", pk=task.pk)
    return _render_detail(request, task, user, {name: form}, status=400)


@login_required
@require_POST
def report_progress(request: HttpRequest, pk: int) -> HttpResponse:
    def run(task: Task, user: User, data: dict[str, Any]) -> None:
        actions.do_report_progress(task, acting_user=user, text=data["text"],
                                   percent=data["percent"],
                                   uploads=request.FILES.getlist("attachments"))
    return _post_action(request, pk, "progress", task_forms.ProgressForm(request.POST),
                        run, _("Your progress report is recorded."))


@login_required
@require_POST
def mark_done(request: HttpRequest, pk: int) -> HttpResponse:
    user = _official(request)
    task = _task(user, pk)

    def run(task: Task, user: User, data: dict[str, Any]) -> None:
        actions.do_mark_done(task, acting_user=user, note=data["note"],
                             product_document=data["product_document"])
    return _post_action(request, pk, "done",
                        task_forms.DoneForm(request.POST, agency_id=task.lead_agency_id),
                        run, _("The task is marked done."))


@login_required
@require_POST
def request_deadline(request: HttpRequest, pk: int) -> HttpResponse:
    def run(task: Task, user: User, data: dict[str, Any]) -> None:
        actions.do_request_deadline(task, acting_user=user, new_deadline=data["new_deadline"],
                                    reason=data["reason"])
    return _post_action(request, pk, "deadline", task_forms.DeadlineRequestForm(request.POST),
                        run, _("Your request for a new deadline is sent."))


@login_required
@require_POST
def decide_deadline(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    def run(task: Task, user: User, data: dict[str, Any]) -> None:
        row = get_object_or_404(DeadlineRequest, pk=request_pk, task=task)
        actions.do_decide_deadline(row, acting_user=user, approve=data["approve"],
                                   note=data["note"])
    return _post_action(request, pk, "decide", task_forms.DecideForm(request.POST), run,
                        _("The decision is recorded."))


@login_required
@require_POST
def assign_inside(request: HttpRequest, pk: int) -> HttpResponse:
    user = _official(request)
    task = _task(user, pk)
    agencies = sorted(set(queries.user_agency_ids(user))
                      & {task.lead_agency_id,
                         *task.coordinating_agencies.values_list("id", flat=True)})

    def run(task: Task, user: User, data: dict[str, Any]) -> None:
        actions.do_assign_inside(task, acting_user=user, unit=data["unit"], user=data["user"],
                                 instruction=data["instruction"])
    return _post_action(request, pk, "assign",
                        task_forms.AssignInsideForm(request.POST, agency_ids=agencies), run,
                        _("The task is assigned inside your agency."))


def _review_tasks(user: User) -> QuerySet[Task]:
    return queries.visible_tasks(user)


@login_required
def review_page(request: HttpRequest) -> HttpResponse:
    user = _official(request)
    # The page lists PAGE_ATTENTION overdue and near-due tasks, the worst agencies' first
    # (the CSV and the PDF carry up to review.ATTENTION_LIMIT); the scorecards count all.
    data = review.build(_review_tasks(user), limit=PAGE_ATTENTION)
    return render(request, "directives/review.html", {
        "review": data, "chart": review.chart_svg(data), "totals": data.totals,
        "task_base": reverse("directives:list"),
    })


@login_required
def review_csv(request: HttpRequest) -> HttpResponse:
    user = _official(request)
    data = review.build(_review_tasks(user))
    response = HttpResponse(review.csv_bytes(data), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="ra-soat-nhiem-vu-{timezone.localdate():%Y%m%d}.csv"')
    return response


@login_required
def review_pdf(request: HttpRequest) -> HttpResponse:
    user = _official(request)
    data = review.build(_review_tasks(user))
    response = HttpResponse(review.pdf_bytes(data, printed_by=user.get_full_name()),
                            content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="ra-soat-nhiem-vu-{timezone.localdate():%Y%m%d}.pdf"')
    return response


app_name = "directives"
urlpatterns: list[URLPattern] = [
    path("", task_list, name="list"),
    path("new/", task_new, name="new"),
    path("review/", review_page, name="review"),
    path("review.csv", review_csv, name="review_csv"),
    path("review.pdf", review_pdf, name="review_pdf"),
    path("<int:pk>/", task_detail, name="detail"),
    path("<int:pk>/progress/", report_progress, name="progress"),
    path("<int:pk>/done/", mark_done, name="done"),
    path("<int:pk>/assign/", assign_inside, name="assign_inside"),
    path("<int:pk>/deadline/", request_deadline, name="request_deadline"),
    path("<int:pk>/deadline/<int:request_pk>/", decide_deadline, name="decide_deadline"),
]
