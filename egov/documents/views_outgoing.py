"""Pages of outgoing documents: the list per role, the draft form (new and edit), and the
small POST views of the approval workflow (submit for review, review, approve, issue).

The document page itself is ``views_inbox.detail`` (one page for both directions).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from egov.core.forms import add_action_errors
from egov.core.models import Position, Post, User

from . import actions, queries
from .forms import MAX_CHOICES, DecisionForm, DraftForm, NoteForm
from .models import Direction, Document, Status
from .views_inbox import (
    DRAFTERS,
    FIELD_MAP,
    HEADS,
    LEADERS,
    Roles,
    Tab,
    current_user,
    official_required,
    post_only,
    run_action,
    tabbed_list,
    visible_document,
)

RECENT = ("-updated_at", "-id")


def outgoing_tabs(user: User, roles: Roles) -> list[Tab]:
    """Drafts I wrote, what waits for my review or approval, what waits for issue (the
    clerk), and what was issued; the tab of the person's own step comes first."""
    posts = Post.objects.filter(user=user, is_active=True)
    by_position = {
        Position.CLERK: Tab(
            "to_issue", gettext_lazy("Approved, waiting for issue"),
            Q(status=Status.APPROVED, agency_id__in=posts.filter(
                position=Position.CLERK).values("organisation__agency_id")), RECENT),
        Position.UNIT_HEAD: Tab(
            "to_review", gettext_lazy("Waiting for my review"),
            Q(status=Status.IN_REVIEW, unit_id__in=posts.filter(
                position__in=HEADS).values("organisation_id")), RECENT),
        "leader": Tab(
            "to_approve", gettext_lazy("Waiting for my approval"),
            Q(status=Status.AWAITING_APPROVAL, agency_id__in=posts.filter(
                position__in=LEADERS).values("organisation__agency_id")), RECENT),
    }
    tabs: dict[str, Tab] = {}
    for position in roles.positions:
        key = "leader" if position in LEADERS else position
        if key in by_position:
            tab = by_position[key]
            tabs.setdefault(tab.key, tab)
    if roles.has(*LEADERS) and "to_review" not in tabs:
        # A leader also reviews the drafts of the agency's own office (drafted at the
        # agency itself), as do_review allows.
        tabs["to_review"] = by_position[Position.UNIT_HEAD]
    mine = Tab("drafts", gettext_lazy("Drafts I wrote"),
               Q(created_by=user) & ~Q(status=Status.ISSUED), RECENT)
    issued = Tab("issued", gettext_lazy("Issued"), Q(status=Status.ISSUED),
                 ("-issue_date", "-id"))
    if roles.has(Position.SPECIALIST) or not tabs:
        return [mine, *tabs.values(), issued]
    return [*tabs.values(), mine, issued]


@official_required
def outgoing(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    roles = Roles.of(user)
    base = queries.outgoing(queries.visible_documents(user)).select_related(
        "unit", "created_by")
    listing = tabbed_list(request, base, outgoing_tabs(user, roles), "documents:outgoing")
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "documents/outgoing.html", {
        "listing": listing, "can_draft": roles.has(*DRAFTERS),
        "page_query": params.urlencode(),
    })


def _answerable(user: User, document: Document | None) -> QuerySet[Document]:
    """Incoming documents the drafter can see and that are still open (the most recent
    ones), plus those the draft already answers."""
    visible = queries.incoming(queries.visible_documents(user))
    ids = list(visible.exclude(status=Status.DONE).order_by("-received_at", "-id")
               .values_list("pk", flat=True)[:MAX_CHOICES])
    if document is not None:
        ids += list(visible.filter(answered_by=document).values_list("pk", flat=True))
    return Document.objects.filter(pk__in=ids).order_by("-received_at", "-id")


def _drafting_agency_id(roles: Roles) -> int:
    post = next((p for p in roles.posts if p.position in DRAFTERS), None)
    if post is None:
        raise PermissionDenied(_("Only officials of a unit can draft documents."))
    return int(post.organisation.agency_id or post.organisation_id)


@official_required
def draft_new(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    agency_id = _drafting_agency_id(Roles.of(user))
    answerable = _answerable(user, None)
    initial: dict[str, Any] = {}
    answer_to = request.GET.get("answers", "")
    if answer_to.isdigit() and answerable.filter(pk=int(answer_to)).exists():
        initial["answers"] = [int(answer_to)]
    if request.method == "POST":
        form = DraftForm(request.POST, request.FILES, agency_id=agency_id,
                         answerable=answerable)
        if form.is_valid():
            try:
                document = actions.do_create_draft(
                    acting_user=user, recipients=form.recipient_organisations(),
                    answers=list(form.cleaned_data["answers"]),
                    uploads=form.cleaned_data["uploads"], **form.changes())
            except ValidationError as exc:
                add_action_errors(form, exc, FIELD_MAP)
            else:
                messages.success(request, _("The draft is saved."))
                return redirect("documents:detail", document.pk)
    else:
        form = DraftForm(agency_id=agency_id, answerable=answerable, initial=initial)
    return render(request, "documents/draft_form.html", {"form": form, "doc": None})


@official_required
def draft_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    document = visible_document(user, pk)
    if document.direction != Direction.OUTGOING:
        raise Http404
    if document.created_by_id != user.pk:
        raise PermissionDenied(_("Only the drafter can change this draft."))
    if document.status not in (Status.DRAFT, Status.RETURNED):
        messages.error(request, _("Only a draft or a returned draft can change."))
        return redirect("documents:detail", document.pk)
    answerable = _answerable(user, document)
    if request.method == "POST":
        form = DraftForm(request.POST, request.FILES, agency_id=document.agency_id,
                         answerable=answerable, document=document)
        if form.is_valid():
            try:
                actions.do_update_draft(
                    document, acting_user=user, uploads=form.cleaned_data["uploads"],
                    recipients=form.recipient_organisations(),
                    answers=list(form.cleaned_data["answers"]), **form.changes())
            except ValidationError as exc:
                add_action_errors(form, exc, FIELD_MAP)
            else:
                messages.success(request, _("The draft is saved."))
                return redirect("documents:detail", document.pk)
    else:
        form = DraftForm(agency_id=document.agency_id, answerable=answerable,
                         document=document)
    return render(request, "documents/draft_form.html", {"form": form, "doc": document})


def _outgoing_document(user: User, pk: int) -> Document:
    document = visible_document(user, pk)
    if document.direction != Direction.OUTGOING:
        raise Http404
    return document


@post_only
def submit_for_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    document = _outgoing_document(user, pk)
    form = NoteForm(request.POST)
    return run_action(
        request, document, "submit_review", form,
        lambda: actions.do_submit_for_review(document, acting_user=user),
        _("Submitted for review."))


@post_only
def review(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    document = _outgoing_document(user, pk)
    form = DecisionForm(request.POST)
    done = (_("Reviewed: passed to the leader for approval.")
            if request.POST.get("decision") == DecisionForm.APPROVE
            else _("Returned to the drafter."))
    return run_action(
        request, document, "review", form,
        lambda: actions.do_review(document, acting_user=user, approve=form.approve,
                                  comment=form.cleaned_data["comment"].strip()),
        done)


@post_only
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    document = _outgoing_document(user, pk)
    form = DecisionForm(request.POST)
    done = (_("Approved.") if request.POST.get("decision") == DecisionForm.APPROVE
            else _("Returned to the drafter."))
    return run_action(
        request, document, "approve", form,
        lambda: actions.do_approve(document, acting_user=user, approve=form.approve,
                                   comment=form.cleaned_data["comment"].strip()),
        done)


@post_only
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    document = _outgoing_document(user, pk)
    form = NoteForm(request.POST)
    return run_action(
        request, document, "issue", form,
        lambda: actions.do_issue(document, acting_user=user),
        lambda issued: _("Issued as %(symbol)s.") % {"symbol": issued.symbol})


urlpatterns: list[URLPattern | URLResolver] = [
    path("outgoing/", outgoing, name="outgoing"),
    path("drafts/new/", draft_new, name="draft_new"),
    path("<int:pk>/edit/", draft_edit, name="draft_edit"),
    path("<int:pk>/submit-for-review/", submit_for_review, name="submit_review"),
    path("<int:pk>/review/", review, name="review"),
    path("<int:pk>/approve/", approve, name="approve"),
    path("<int:pk>/issue/", issue, name="issue"),
]
