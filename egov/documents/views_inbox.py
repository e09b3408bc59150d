"""Pages of incoming documents: the inbox per role, registering an incoming document, the
document page (shared with outgoing documents), its files, and the small POST views of
the incoming workflow (submit for assignment, assign, pass on, opinion, attach, complete).

Views stay thin: what a person may see comes from ``queries.visible_documents`` (in the
query, so another agency's document is a 404), every change goes through an action, and
the buttons shown are only those the person may use (the actions check again). A POST
that fails validation shows the document page again with the form and its messages; one
that succeeds redirects with a message (post/redirect/get).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from egov.core import calendar
from egov.core.forms import add_action_errors
from egov.core.models import AuditEntry, Organisation, Position, Post, User
from egov.core.queries import active_posts

from . import actions, queries
from .forms import (
    AssignForm,
    AttachForm,
    CompleteForm,
    DecisionForm,
    NoteForm,
    OpinionForm,
    PassOnForm,
    RegisterIncomingForm,
)
from .models import (
    Assignment,
    Direction,
    Document,
    DocumentFile,
    Role,
    Status,
    StatusChange,
)
from .rules import ProcessingStatus

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 50
FIELD_MAP = {"files": "uploads"}  # the actions name the uploaded files "files"
LEADERS = (Position.AGENCY_LEADER, Position.DEPUTY_LEADER)
HEADS = (Position.UNIT_HEAD, Position.AGENCY_LEADER, Position.DEPUTY_LEADER)
DRAFTERS = (Position.SPECIALIST, Position.UNIT_HEAD, Position.AGENCY_LEADER,
            Position.DEPUTY_LEADER)
WAITING = "waiting_assignment"  # shown status: "new" split into new / waiting


def official_required(view: View) -> View:
    """Signed in (else to the sign-in page) and an official (else 403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request.user, "kind", None) != User.Kind.OFFICIAL:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def current_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@dataclass
class Roles:
    """The signed-in official's active posts, read once, asked in Python (for which
    buttons and tabs to show; the actions and queries hold the real rules)."""

    posts: list[Post]

    @classmethod
    def of(cls, user: User) -> Roles:
        return cls(list(active_posts(user)))

    @property
    def positions(self) -> list[str]:
        return list(dict.fromkeys(p.position for p in self.posts))

    def has(self, *positions: str) -> bool:
        return any(p.position in positions for p in self.posts)

    def clerk_of(self, agency_id: int) -> bool:
        return any(p.position == Position.CLERK and p.organisation.agency_id == agency_id
                   for p in self.posts)

    def leader_of(self, agency_id: int) -> bool:
        return any(p.position in LEADERS and p.organisation.agency_id == agency_id
                   for p in self.posts)

    def head_of(self, unit_id: int | None) -> bool:
        return any(p.position in HEADS and p.organisation_id == unit_id for p in self.posts)

    def member_of(self, unit_id: int | None) -> bool:
        return any(p.organisation_id == unit_id for p in self.posts)


# --- shown status ----------------------------------------------------------------------

STATUS_LABELS: dict[str, Any] = {
    ProcessingStatus.NEW: gettext_lazy("New"),
    WAITING: gettext_lazy("Waiting for assignment"),
    ProcessingStatus.IN_PROGRESS: gettext_lazy("In progress"),
    ProcessingStatus.NEAR_DEADLINE: gettext_lazy("Near deadline"),
    ProcessingStatus.OVERDUE: gettext_lazy("Overdue"),
    ProcessingStatus.DONE_ON_TIME: gettext_lazy("Done on time"),
    ProcessingStatus.DONE_LATE: gettext_lazy("Done late"),
}


def shown_status(document: Document) -> str:
    """The processing status (queries.with_processing_status), with "new" told apart
    from "waiting for assignment"."""
    processing = getattr(document, "processing", "")
    if processing == ProcessingStatus.NEW and document.status == Status.WAITING_ASSIGNMENT:
        return WAITING
    return str(processing)


def _status_filter(value: str) -> Q | None:
    if value == WAITING:
        return Q(processing=ProcessingStatus.NEW, status=Status.WAITING_ASSIGNMENT)
    if value == ProcessingStatus.NEW:
        return Q(processing=ProcessingStatus.NEW, status=Status.REGISTERED)
    if value in ProcessingStatus.values:
        return Q(processing=value)
    return None


# --- tabbed lists ------------------------------------------------------------------------

@dataclass
class Tab:
    key: str
    label: Any
    condition: Q
    order: tuple[Any, ...] = ("-received_at", "-id")
    count: int = 0
    url: str = ""
    # Only documents not done can meet the condition (queries.NOT_DONE).
    not_done: bool = False


BY_DEADLINE = (F("deadline").asc(nulls_last=True), "-id")


def _assigned(user: User, unit_ids: list[int], *roles: str, done: bool | None = None
              ) -> Q:
    """Assigned to the person or to a unit they hold an active post in (``unit_ids``, a
    list read with their posts: PostgreSQL plans ``unit_id IN (1, 2)`` against the index,
    where ``IN (SELECT …)`` made it scan; bench_documents).

    An uncorrelated ``pk IN (SELECT document_id …)`` rather than an EXISTS per document:
    in the tab counts the database reads those assignments once per tab (two index
    ranges, OR-ed as a bitmap) and looks each document up in the set, where the EXISTS
    probed the assignment table once per visible document and tab (a specialist's 900
    documents × 5 probes were most of the page's time); in the list's WHERE both plan
    as the same semi-join."""
    qs = Assignment.objects.order_by().filter(Q(user=user) | Q(unit_id__in=unit_ids))
    if roles:
        qs = qs.filter(role__in=roles)
    if done is not None:
        qs = qs.filter(done_at__isnull=not done)
    return Q(pk__in=qs.values("document_id"))


def incoming_tabs(user: User, roles: Roles, today: dt.date | None = None) -> list[Tab]:
    """The inbox's tabs for the positions the person holds (primary post first).

    Their conditions are written on the columns (``queries.overdue``, ``near_deadline``),
    not on the ``processing`` annotation, so that counting them does not evaluate the
    whole status expression (and, on SQLite, a Python date function) for every row."""
    today = today or timezone.localdate()
    unit_ids = [p.organisation_id for p in roles.posts]
    clerk_agencies = [p.organisation.agency_id for p in roles.posts
                      if p.position == Position.CLERK]

    def clerk() -> list[Tab]:
        return [
            Tab("new", gettext_lazy("Newly registered"), Q(status=Status.REGISTERED)),
            Tab("waiting", gettext_lazy("Waiting for assignment"),
                Q(status=Status.WAITING_ASSIGNMENT)),
            Tab("all", gettext_lazy("All incoming of the agency"),
                Q(agency_id__in=clerk_agencies)),
        ]

    def leader() -> list[Tab]:
        return [
            Tab("waiting", gettext_lazy("Waiting for assignment"),
                Q(status=Status.WAITING_ASSIGNMENT), not_done=True),
            Tab("in_progress", gettext_lazy("In progress"), Q(status=Status.IN_PROGRESS),
                BY_DEADLINE, not_done=True),
            Tab("overdue", gettext_lazy("Overdue"), queries.overdue(today), BY_DEADLINE,
                not_done=True),
            Tab("near", gettext_lazy("Near deadline"), queries.near_deadline(today),
                BY_DEADLINE, not_done=True),
        ]

    def assignee() -> list[Tab]:
        return [
            Tab("mine", gettext_lazy("Assigned to me or my unit"),
                _assigned(user, unit_ids, Role.LEAD, done=False), BY_DEADLINE),
            Tab("coordinating", gettext_lazy("Coordinating"),
                _assigned(user, unit_ids, Role.COORDINATE, done=False), BY_DEADLINE),
            Tab("informed", gettext_lazy("For information"),
                _assigned(user, unit_ids, Role.INFORM, done=False)),
            Tab("done", gettext_lazy("Done"),
                _assigned(user, unit_ids, done=True) & ~_assigned(user, unit_ids, done=False),
                ("-done_at", "-id")),
        ]

    # Only the groups the person's positions need are built (each condition holds querysets).
    group_of: dict[str, Callable[[], list[Tab]]] = {
        Position.CLERK: clerk, Position.AGENCY_LEADER: leader, Position.DEPUTY_LEADER: leader,
        Position.UNIT_HEAD: assignee, Position.SPECIALIST: assignee}
    tabs: dict[str, Tab] = {}
    built: set[Callable[[], list[Tab]]] = set()
    for position in roles.positions:
        group = group_of.get(position)
        if group is None or group in built:
            continue
        built.add(group)
        for tab in group():
            tabs.setdefault(tab.key, tab)
    if not tabs:
        tabs["visible"] = Tab("visible", gettext_lazy("Incoming documents I can see"), Q())
    return list(tabs.values())


@dataclass
class TabbedList:
    tabs: list[Tab]
    current: Tab
    page: Any
    rows: list[Document] = field(default_factory=list)


def tabbed_list(request: HttpRequest, base: QuerySet[Document], tabs: list[Tab],
                url_name: str, extra: Q | None = None) -> TabbedList:
    """Counts per tab (one query), then one page of the chosen tab (count and rows):
    the number of queries does not depend on how many documents there are."""
    counts = base.aggregate(**{f"n_{t.key}": Count("pk", filter=t.condition) for t in tabs})
    chosen = request.GET.get("tab", "")
    current = next((t for t in tabs if t.key == chosen), tabs[0])
    for tab in tabs:
        tab.count = counts[f"n_{tab.key}"]
        tab.url = f"{reverse(url_name)}?{urlencode({'tab': tab.key})}"
    rows = base.filter(current.condition)
    if extra:
        rows = rows.filter(extra)
    # No list shows the folded search text (hundreds of words a row): not read.
    rows = rows.order_by(*current.order).defer("search_text")
    paginator = Paginator(rows, PAGE_SIZE)
    if not extra:
        paginator.count = current.count  # counted with the tabs above: no second COUNT
    page = paginator.get_page(request.GET.get("page"))
    listed = list(page.object_list)
    return TabbedList(tabs=tabs, current=current, page=page, rows=listed)


def _day(value: dt.date | dt.datetime | None) -> str:
    """What ``{{ value|date:"d/m/Y" }}`` shows: a moment in the local time zone."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y")


def inbox_row(doc: Document) -> dict[str, Any]:
    """One row of the inbox's table, its cells already formatted.

    The template only places them: with fifty rows, its filters, ``{% url %}`` and
    lookups on model instances (each tried as a dictionary key first) were the page's
    largest cost after the queries (bench_documents). A dict is what the template
    looks up fastest."""
    status = shown_status(doc)
    return {
        "pk": doc.pk,
        "url": reverse("documents:detail", args=[doc.pk]),
        "number": f"{doc.number:02d}" if doc.number is not None else "",
        "received": _day(doc.received_at),
        "symbol": doc.symbol or "—",
        "issued": _day(doc.issue_date),
        "issuer": doc.issuer_name,
        "subject": Truncator(doc.subject).chars(160),
        "secret": doc.get_confidentiality_display() if doc.confidentiality else "",
        "doc_type": doc.get_doc_type_display(),
        "deadline": _day(doc.deadline),
        "status": status,
        "status_label": STATUS_LABELS.get(status, ""),
        "urgency": doc.urgency,
        "urgency_label": doc.get_urgency_display() if doc.urgency else "",
    }


def _page_query(request: HttpRequest, **changes: str) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@official_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    roles = Roles.of(user)
    today = timezone.localdate()
    tabs = incoming_tabs(user, roles, today)
    # When no tab can list a done document (a leader's), the rule gathers only the
    # documents not done: an agency's open documents, not its years of history.
    statuses = queries.NOT_DONE if all(t.not_done for t in tabs) else None
    base = queries.with_processing_status(queries.visible_documents(
        user, direction=Direction.INCOMING, statuses=statuses, posts=roles.posts), today)
    extra = Q()
    status = request.GET.get("status", "")
    condition = _status_filter(status)
    if condition is None:
        status = ""
    else:
        extra &= condition
    received = request.GET.get("received", "")
    if received == "today":
        start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
        extra &= Q(received_at__gte=start, received_at__lt=start + dt.timedelta(days=1))
    else:
        received = ""
    listing = tabbed_list(request, base, tabs, "documents:inbox", extra)
    return render(request, "documents/inbox.html", {
        "listing": listing, "table": [inbox_row(doc) for doc in listing.rows],
        "status": status, "received": received,
        "status_choices": list(STATUS_LABELS.items()),
        "can_register": roles.has(Position.CLERK),
        "page_query": _page_query(request),
    })


# --- registering --------------------------------------------------------------------------

@official_required
def register_incoming(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    agency = actions.clerk_agency(user)  # PermissionDenied (403) unless a records clerk
    duplicates: list[tuple[Document, bool]] = []
    if request.method == "POST":
        form = RegisterIncomingForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.action_kwargs()
            if not data["allow_duplicate"]:
                found = actions.find_duplicates(
                    agency=agency, issuer_name=data["issuer_name"], symbol=data["symbol"],
                    issue_date=data["issue_date"])
                visible = set(queries.visible_documents(user).filter(
                    pk__in=[d.pk for d in found]).values_list("pk", flat=True))
                duplicates = [(d, d.pk in visible) for d in found]
            if duplicates:
                form.add_error("allow_duplicate", _(
                    "A document with the same issuer, number and symbol and issue date is "
                    "already registered (listed above). If this is a different document, "
                    "tick this box and save again."))
            else:
                try:
                    document = actions.do_register_incoming(acting_user=user, **data)
                except ValidationError as exc:
                    add_action_errors(form, exc, FIELD_MAP)
                else:
                    messages.success(request, _(
                        "Registered as incoming number %(number)s of %(year)s.")
                        % {"number": document.number, "year": document.year})
                    return redirect("documents:detail", document.pk)
    else:
        form = RegisterIncomingForm()
    show_duplicate_box = bool(duplicates) or (form.is_bound and bool(
        form.data.get("allow_duplicate")))
    issuers = list(Organisation.objects.filter(is_agency=True, is_active=True)
                   .exclude(pk=agency.pk).order_by("name").values_list("name", flat=True)[:500])
    return render(request, "documents/register_incoming.html", {
        "form": form, "agency": agency, "duplicates": duplicates,
        "show_duplicate_box": show_duplicate_box, "issuers": issuers,
    })


# --- the document page ---------------------------------------------------------------------

ACTION_LABELS: dict[str, Any] = {
    "documents.register_incoming": gettext_lazy("Registered in the incoming register"),
    "documents.deliver_internal": gettext_lazy("Received from an agency of this system"),
    "documents.submit_for_assignment": gettext_lazy("Passed to the leaders for assignment"),
    "documents.assign": gettext_lazy("Assigned"),
    "documents.pass_on": gettext_lazy("Passed on within the unit"),
    "documents.add_opinion": gettext_lazy("Added an opinion"),
    "documents.attach": gettext_lazy("Attached files"),
    "documents.complete": gettext_lazy("Marked their part done"),
    "documents.close_by_reply": gettext_lazy("Closed by the reply"),
    "documents.create_draft": gettext_lazy("Wrote the draft"),
    "documents.update_draft": gettext_lazy("Changed the draft"),
    "documents.submit_for_review": gettext_lazy("Submitted the draft for review"),
    "documents.issue": gettext_lazy("Numbered and issued"),
    "documents.grant_access": gettext_lazy("Allowed a person to see this secret document"),
}


def _action_label(entry: AuditEntry) -> str:
    after = entry.after if isinstance(entry.after, dict) else {}
    if entry.action == "documents.review":
        return str(_("Reviewed: passed to the leader for approval")
                   if after.get("status") == Status.AWAITING_APPROVAL
                   else _("Returned the draft for changes"))
    if entry.action == "documents.approve":
        return str(_("Approved") if after.get("status") == Status.APPROVED
                   else _("Returned the draft for changes"))
    label = ACTION_LABELS.get(entry.action)
    return str(label) if label is not None else entry.action


@dataclass
class TimelineItem:
    at: dt.datetime
    who: str
    acting_as: str
    what: str
    notes: list[str] = field(default_factory=list)
    status: str = ""


def _who(user_id: int | None, names: dict[int, str]) -> str:
    return names.get(user_id or 0, "")


def _entry_notes(entry: AuditEntry, assignments: dict[int, Assignment],
                 names: dict[int, str], orgs: dict[int, str]) -> list[str]:
    after = entry.after if isinstance(entry.after, dict) else {}
    notes: list[str] = []
    if entry.action == "documents.assign":
        roles = dict(Role.choices)
        for role, unit_id, user_id in after.get("assignments", []):
            who = orgs.get(unit_id) if unit_id else names.get(user_id)
            if who:
                notes.append(f"{roles.get(role, role)}: {who}")
    if entry.action == "documents.pass_on" and after.get("user"):
        notes.append(_("To: %(person)s") % {"person": names.get(after["user"], "?")})
    if entry.action == "documents.complete" and after.get("assignment") in assignments:
        part = assignments[after["assignment"]]
        notes.append(_("Part: %(role)s") % {"role": part.get_role_display()})
    for key in ("instruction", "comment", "result", "text"):
        value = after.get(key)
        if isinstance(value, str) and value.strip():
            notes.append(value.strip())
    files = after.get("files")
    if files:
        notes.append(_("Files: %(names)s") % {"names": ", ".join(f[0] for f in files)})
    if entry.action == "documents.issue" and after.get("symbol"):
        notes.append(_("Number and symbol: %(symbol)s") % {"symbol": after["symbol"]})
    return notes


def build_timeline(document: Document, assignments: list[Assignment]) -> list[TimelineItem]:
    """The audit entries of the document (who, acting as what, did what, when), each with
    the status it moved the document to and that status change's note; status changes
    with no entry of their own (none in normal use) are listed too."""
    entries = list(AuditEntry.objects.filter(
        object_type="documents.document", object_id=str(document.pk)).order_by(
        "created_at", "id"))
    changes = list(StatusChange.objects.filter(document=document).select_related("by"))
    by_assignment = {a.pk: a for a in assignments}
    names = {a.user_id: a.user.get_full_name() for a in assignments if a.user_id and a.user}
    orgs = {a.unit_id: a.unit.name for a in assignments if a.unit_id and a.unit}
    unmatched = list(changes)
    items: list[TimelineItem] = []
    status_labels = dict(Status.choices)
    for entry in entries:
        before = entry.before if isinstance(entry.before, dict) else {}
        after = entry.after if isinstance(entry.after, dict) else {}
        item = TimelineItem(
            at=entry.created_at,
            who=entry.actor_label if entry.actor_id else _("The system"),
            acting_as=entry.position_label, what=_action_label(entry),
            notes=_entry_notes(entry, by_assignment, names, orgs))
        new_status = after.get("status")
        if new_status and new_status != before.get("status"):
            item.status = str(status_labels.get(new_status, new_status))
            change = next((c for c in unmatched if c.status == new_status), None)
            if change is not None:
                unmatched.remove(change)
                if change.note and change.note not in item.notes:
                    item.notes.append(change.note)
        items.append(item)
    for change in unmatched:
        items.append(TimelineItem(
            at=change.at, who=change.by.get_full_name() if change.by else _("The system"),
            acting_as="", what=_("Status changed"),
            notes=[change.note] if change.note else [],
            status=str(status_labels.get(change.status, change.status))))
    items.sort(key=lambda i: i.at)
    return items


@dataclass
class AssignmentRow:
    assignment: Assignment
    status: str
    depth: int
    pass_on_form: PassOnForm | None = None
    complete_form: CompleteForm | None = None
    passed_on: bool = False

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, ""))


def _part_status(a: Assignment, today: dt.date, near: dt.date) -> str:
    """The same rule as queries.with_processing_status, for one assignee's part."""
    if a.done_at is not None:
        if a.deadline and timezone.localdate(a.done_at) > a.deadline:
            return ProcessingStatus.DONE_LATE
        return ProcessingStatus.DONE_ON_TIME
    if a.deadline:
        if a.deadline < today:
            return ProcessingStatus.OVERDUE
        if a.deadline <= near:
            return ProcessingStatus.NEAR_DEADLINE
    return ProcessingStatus.IN_PROGRESS


def visible_document(user: User, pk: int) -> Document:
    """The document if the person may see it; 404 otherwise (never a leak)."""
    qs = queries.with_processing_status(queries.visible_documents(user))
    return get_object_or_404(
        qs.select_related("unit", "agency", "register", "created_by", "origin"), pk=pk)


def _outgoing_choices(user: User, document: Document) -> QuerySet[Document]:
    ids = list(queries.outgoing(queries.visible_documents(user)).filter(
        agency_id=document.agency_id).order_by("-updated_at", "-id")
        .values_list("pk", flat=True)[:200])
    return Document.objects.filter(pk__in=ids).order_by("-updated_at", "-id")


def render_detail(request: HttpRequest, document: Document,
                  bound: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    """The document page. ``bound`` holds a form that failed (by its key) so that it is
    shown again with its messages."""
    bound = bound or {}
    user = current_user(request)
    roles = Roles.of(user)
    today = timezone.localdate()
    near = calendar.add_working_days(today, queries.NEAR_DAYS)
    files = list(document.files.select_related("uploaded_by"))
    assignments = list(document.assignments.select_related("unit", "user", "assigned_by")
                       .order_by("id"))
    outgoing_choices: QuerySet[Document] | None = None
    rows: list[AssignmentRow] = []
    children: dict[int | None, list[Assignment]] = {}
    for a in assignments:
        children.setdefault(a.parent_id, []).append(a)

    def walk(parent: int | None, depth: int) -> None:
        for a in sorted(children.get(parent, []), key=lambda x: (x.role != Role.LEAD,
                                                                   x.role, x.id)):
            row = AssignmentRow(a, _part_status(a, today, near), depth)
            if a.done_at is None:
                if a.unit_id and roles.head_of(a.unit_id):
                    row.pass_on_form = bound.get(f"pass_on:{a.pk}") or PassOnForm(
                        unit_id=a.unit_id, prefix=f"p{a.pk}")
                # A unit's part passed on to someone is theirs to finish (or the head's).
                row.passed_on = any(c.done_at is None for c in children.get(a.pk, []))
                if a.user_id == user.pk or (a.unit_id and roles.member_of(a.unit_id) and (
                        not row.passed_on or roles.head_of(a.unit_id))):
                    nonlocal outgoing_choices
                    if outgoing_choices is None:
                        outgoing_choices = _outgoing_choices(user, document)
                    row.complete_form = bound.get(f"complete:{a.pk}") or CompleteForm(
                        outgoing=outgoing_choices if a.role == Role.LEAD else None,
                        prefix=f"c{a.pk}")
            rows.append(row)
            walk(a.pk, depth + 1)

    walk(None, 0)
    visible = queries.visible_documents(user)
    answers = list(visible.filter(answered_by=document).order_by("id"))
    answered_by = list(visible.filter(answers=document).order_by("id"))
    copies = list(visible.filter(origin=document).select_related("unit").order_by("id"))
    recipients = list(document.recipients.select_related("organisation", "delivered")
                      .order_by("organisation__path"))
    opinions = list(document.opinions.select_related("author"))
    code = shown_status(document)
    context: dict[str, Any] = {
        "doc": document, "shown_status": code,
        "shown_status_label": STATUS_LABELS.get(code, ""),
        "status_labels": STATUS_LABELS, "files": files, "assignment_rows": rows,
        "opinions": opinions, "answers": answers, "answered_by": answered_by,
        "copies": copies, "recipients": recipients,
        "has_external_recipients": any(not r.is_internal for r in recipients),
        "timeline": build_timeline(document, assignments),
        "is_incoming": document.direction == Direction.INCOMING,
    }
    # What this person may do here (the actions check again).
    if document.direction == Direction.INCOMING:
        if document.status == Status.REGISTERED and roles.clerk_of(document.agency_id):
            context["submit_form"] = bound.get("submit") or NoteForm()
        if document.status in (Status.REGISTERED, Status.WAITING_ASSIGNMENT) and \
                roles.leader_of(document.agency_id):
            context["assign_form"] = bound.get("assign") or AssignForm(
                agency=document.agency, confidential=document.is_confidential)
    else:
        mine = document.created_by_id == user.pk
        if mine and document.status in (Status.DRAFT, Status.RETURNED):
            context["can_edit_draft"] = True
            context["submit_review_form"] = bound.get("submit_review") or NoteForm()
        if document.status == Status.IN_REVIEW and roles.head_of(document.unit_id):
            context["review_form"] = bound.get("review") or DecisionForm()
        if document.status == Status.AWAITING_APPROVAL and roles.leader_of(document.agency_id):
            context["approve_form"] = bound.get("approve") or DecisionForm()
        if document.status == Status.APPROVED and roles.clerk_of(document.agency_id):
            context["can_issue"] = True
            context["issue_form"] = bound.get("issue")
    closed = document.status == Status.ISSUED or (
        document.direction == Direction.INCOMING and document.status == Status.DONE)
    if not closed:
        context["attach_form"] = bound.get("attach") or AttachForm()
    context["opinion_form"] = bound.get("opinion") or OpinionForm()
    # A failed form whose section is no longer offered (someone acted first): its
    # messages go to the top of the page.
    shown = {id(f) for f in context.values()} | {
        id(f) for row in rows for f in (row.pass_on_form, row.complete_form)}
    context["orphan_errors"] = [
        str(message) for form in bound.values() if id(form) not in shown
        for messages_ in form.errors.values() for message in messages_]
    return render(request, "documents/detail.html", context, status=status)


@official_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_detail(request, visible_document(current_user(request), pk))


@official_required
def file_download(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    """A file of a document the person may see, streamed from storage under its stored
    name; never a direct media URL."""
    user = current_user(request)
    row = get_object_or_404(DocumentFile.objects.filter(
        document__in=queries.visible_documents(user).filter(pk=pk)), pk=file_pk)
    try:
        handle = row.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage.")) from None
    return FileResponse(handle, as_attachment=True, filename=row.name,
                        content_type=row.content_type)


# --- the incoming workflow, one small POST view each --------------------------------------------

def post_only(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method != "POST":
            return redirect("documents:detail", kwargs["pk"])
        return view(request, *args, **kwargs)

    return official_required(wrapped)


def run_action(request: HttpRequest, document: Document, key: str, form: Any,
               action: Callable[[], Any], success: str | Callable[[Any], str]
               ) -> HttpResponse:
    """Call the action if the form is valid: success → message (``success``, or made
    from the action's result) and redirect to the document; a ValidationError → the page
    again with the form and its messages; PermissionDenied → 403 (raised through)."""
    if form.is_valid():
        try:
            result = action()
        except ValidationError as exc:
            add_action_errors(form, exc, FIELD_MAP)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect("documents:detail", document.pk)
    messages.error(request, _("Nothing was changed: see the messages below."))
    return render_detail(request, document, {key: form})


@post_only
def submit_for_assignment(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    document = visible_document(user, pk)
    form = NoteForm(request.POST)
    return run_action(
        request, document, "submit", form,
        lambda: actions.do_submit_for_assignment(
            document, acting_user=user, note=form.cleaned_data["note"].strip()),
        _("Passed to the leaders for assignment."))


@post_only
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    document = visible_document(user, pk)
    if not actions.can_assign(user, document):
        raise PermissionDenied(_("Only a leader of this agency can assign this document."))
    form = AssignForm(request.POST, agency=document.agency,
                      confidential=document.is_confidential)
    return run_action(
        request, document, "assign", form,
        lambda: actions.do_assign(document, acting_user=user, **form.action_kwargs()),
        _("Assigned."))


def _assignment(document: Document, apk: int) -> Assignment:
    return get_object_or_404(Assignment.objects.select_related("unit", "user"),
                             pk=apk, document=document)


@post_only
def pass_on(request: HttpRequest, pk: int, apk: int) -> HttpResponse:
    user = current_user(request)
    document = visible_document(user, pk)
    assignment = _assignment(document, apk)
    if assignment.unit_id is None or not Roles.of(user).head_of(assignment.unit_id):
        raise PermissionDenied(_("Only the head of the assigned unit can pass it on."))
    form = PassOnForm(request.POST, unit_id=assignment.unit_id, prefix=f"p{apk}")
    return run_action(
        request, document, f"pass_on:{apk}", form,
        lambda: actions.do_pass_on(
            assignment, acting_user=user, to_user=form.cleaned_data["to_user"],
            deadline=form.cleaned_data["deadline"],
            instruction=form.cleaned_data["instruction"].strip()),
        _("Passed on."))


@post_only
def complete(request: HttpRequest, pk: int, apk: int) -> HttpResponse:
    user = current_user(request)
    document = visible_document(user, pk)
    assignment = _assignment(document, apk)
    outgoing = _outgoing_choices(user, document) if assignment.role == Role.LEAD else None
    form = CompleteForm(request.POST, outgoing=outgoing, prefix=f"c{apk}")
    return run_action(
        request, document, f"complete:{apk}", form,
        lambda: actions.do_complete(
            assignment, acting_user=user, result=form.cleaned_data["result"].strip(),
            result_document=form.cleaned_data.get("result_document")),
        _("Your part is marked done."))


@post_only
def add_opinion(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    document = visible_document(user, pk)
    form = OpinionForm(request.POST)
    return run_action(
        request, document, "opinion", form,
        lambda: actions.do_add_opinion(document, acting_user=user,
                                       text=form.cleaned_data["text"]),
        _("Your opinion is added."))


@post_only
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    document = visible_document(user, pk)
    form = AttachForm(request.POST, request.FILES)
    return run_action(
        request, document, "attach", form,
        lambda: actions.do_attach(document, acting_user=user,
                                  uploads=form.cleaned_data["uploads"]),
        _("The files are attached."))


urlpatterns: list[URLPattern | URLResolver] = [
    path("inbox/", inbox, name="inbox"),
    path("incoming/new/", register_incoming, name="register_incoming"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/files/<int:file_pk>/", file_download, name="file"),
    path("<int:pk>/submit/", submit_for_assignment, name="submit"),
    path("<int:pk>/assign/", assign, name="assign"),
    path("<int:pk>/assignments/<int:apk>/pass-on/", pass_on, name="pass_on"),
    path("<int:pk>/assignments/<int:apk>/complete/", complete, name="complete"),
    path("<int:pk>/opinions/", add_opinion, name="opinion"),
    path("<int:pk>/attach/", attach, name="attach"),
]
