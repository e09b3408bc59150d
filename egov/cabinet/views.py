"""Pages of e-Cabinet: the member's meetings and ballots in one place, a meeting with its
agenda, papers (read in the browser), private notes, positions and requests to speak; the
Office's scheduling, checks and notice; the chair's block; the secretary's outcomes;
ballots with signed answers and the tally.

Who sees a meeting or ballot is ``queries``: anything else is a 404. Every change goes
through the actions; their errors are shown with the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from egov.core.models import User

from . import actions, queries
from . import forms as cabinet_forms
from .models import (
    AgendaItem,
    Answer,
    Ballot,
    BallotPaper,
    ItemPosition,
    Meeting,
    Note,
    Paper,
    PaperVersion,
    SpeakRequest,
)


def _official(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or user.kind != User.Kind.OFFICIAL or not user.is_active:
        raise PermissionDenied(_("Only officials can open this page."))
    return user


def _flash(request: HttpRequest, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            messages.error(request, f"{field}: {error}" if field != "__all__" else error)


FORM_FIELDS = {"signature": "sign"}  # the action's field → the form's


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        messages.error(request, f"{field}: {' '.join(str(e) for e in errors)}")


def _apply(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        field = FORM_FIELDS.get(field, field)
        form.add_error(field if field in form.fields else None, errors)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _official(request)
    meetings = list(queries.visible_meetings(user).select_related("chair")
                    .order_by("-starts_at")[:30])
    now = timezone.now()
    ballots = list(queries.visible_ballots(user).order_by("-created_at")[:30])
    mine = set(Answer.objects.filter(member=user, is_current=True,
                                     ballot__in=[b.pk for b in ballots])
               .values_list("ballot_id", flat=True))
    return render(request, "cabinet/home.html", {
        "upcoming": [m for m in meetings if m.starts_at >= now or m.status != "closed"],
        "past": [m for m in meetings if m.starts_at < now and m.status == "closed"],
        "ballots": ballots, "answered": mine, "is_office": queries.is_office(user),
        "meeting_form": cabinet_forms.MeetingForm(), "ballot_form": cabinet_forms.BallotForm(),
    })


def _meeting(user: User, pk: int) -> Meeting:
    return get_object_or_404(queries.visible_meetings(user).select_related(
        "chair", "secretary", "conclusions_notice"), pk=pk)


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _official(request)
    meeting = _meeting(user, pk)
    papers = queries.visible_papers(user, meeting).prefetch_related(
        Prefetch("versions", queryset=PaperVersion.objects.order_by("-version")))
    items = list(meeting.items.select_related("proposing_agency").prefetch_related(
        Prefetch("papers", queryset=papers, to_attr="shown_papers"),
        "conclusion_rows__lead_agency"))
    is_member = queries.member_of_meeting(user, meeting)
    is_office = queries.is_office(user)
    positions = {p.item_id: p for p in ItemPosition.objects.filter(item__meeting=meeting,
                                                                   member=user)}
    speaking = set(SpeakRequest.objects.filter(item__meeting=meeting, member=user)
                   .values_list("item_id", flat=True))
    notes = {n.paper_id: n for n in Note.objects.filter(paper__item__meeting=meeting,
                                                        author=user)}
    summary: dict[int, dict[str, int]] = {}
    if is_office or user.pk == meeting.chair_id:
        for p in ItemPosition.objects.filter(item__meeting=meeting).values("item_id", "stance"):
            summary.setdefault(p["item_id"], {}).setdefault(p["stance"], 0)
            summary[p["item_id"]][p["stance"]] += 1
        for s in SpeakRequest.objects.filter(item__meeting=meeting).values("item_id"):
            summary.setdefault(s["item_id"], {}).setdefault("speak", 0)
            summary[s["item_id"]]["speak"] += 1
    my_agencies = set(queries.agency_ids(user).values_list("organisation__agency_id", flat=True))
    rows = []
    for item in items:
        position = positions.get(item.pk)
        rows.append({
            "item": item, "papers": [(p, notes.get(p.pk)) for p in item.shown_papers],
            "position": position, "speaking": item.pk in speaking,
            "position_form": cabinet_forms.PositionForm(initial={
                "stance": position.stance if position else "",
                "text": position.text if position else ""}, prefix=f"i{item.pk}"),
            "summary": summary.get(item.pk, {}),
            "can_upload": (is_office or item.proposing_agency_id in my_agencies)
            and meeting.status != Meeting.Status.CLOSED,
        })
    no_objection = list(queries.no_objection_items(meeting)) \
        if user.pk == meeting.chair_id or is_office else []
    return render(request, "cabinet/meeting.html", {
        "meeting": meeting, "rows": rows, "is_member": is_member, "is_office": is_office,
        "is_chair": user.pk == meeting.chair_id, "is_secretary": user.pk == meeting.secretary_id,
        "before_session": meeting.status == Meeting.Status.SCHEDULED,
        "no_objection": no_objection, "item_form": cabinet_forms.ItemForm(),
        "paper_form": cabinet_forms.PaperForm(), "note_form": cabinet_forms.NoteForm(),
        "outcome_form": cabinet_forms.OutcomeForm(),
        "attendees": list(meeting.attendees.select_related("user")),
    })


def _item(user: User, meeting_pk: int, item_pk: int) -> AgendaItem:
    meeting = _meeting(user, meeting_pk)
    return get_object_or_404(AgendaItem.objects.select_related("meeting"), pk=item_pk,
                             meeting=meeting)


def _run(request: HttpRequest, meeting_pk: int, run: Any, done: str) -> HttpResponse:
    try:
        run()
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, done)
    return redirect("cabinet:meeting", pk=meeting_pk)


@login_required
@require_POST
def position(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    user = _official(request)
    item = _item(user, pk, item_pk)
    form = cabinet_forms.PositionForm(request.POST, prefix=f"i{item.pk}")
    stance = form.data.get(f"i{item.pk}-stance", "")
    text = form.data.get(f"i{item.pk}-text", "")
    return _run(request, pk, lambda: actions.do_record_position(
        item, acting_user=user, stance=stance, text=text), _("Your position is recorded."))


@login_required
@require_POST
def speak(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    user = _official(request)
    item = _item(user, pk, item_pk)
    withdraw = request.POST.get("withdraw") == "1"
    return _run(request, pk, lambda: actions.do_request_to_speak(
        item, acting_user=user, withdraw=withdraw),
        _("Your request to speak is withdrawn.") if withdraw
        else _("You are registered to speak on this item."))


def _paper(user: User, pk: int, paper_pk: int) -> Paper:
    meeting = _meeting(user, pk)
    return get_object_or_404(queries.visible_papers(user, meeting).select_related(
        "item__meeting"), pk=paper_pk)


@login_required
@require_POST
def note(request: HttpRequest, pk: int, paper_pk: int) -> HttpResponse:
    user = _official(request)
    paper = _paper(user, pk, paper_pk)
    text = request.POST.get("text", "")
    return _run(request, pk, lambda: actions.do_save_note(paper, acting_user=user, text=text),
                _("Your note is saved. Only you can read it."))


@login_required
def paper_file(request: HttpRequest, pk: int, paper_pk: int, version: int) -> FileResponse:
    """The paper's PDF, inline so that the browser shows it."""
    user = _official(request)
    paper = _paper(user, pk, paper_pk)
    row = get_object_or_404(PaperVersion, paper=paper, version=version)
    response = FileResponse(row.file.open("rb"), content_type=row.content_type,
                            as_attachment=False, filename=row.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def upload_paper(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    user = _official(request)
    item = _item(user, pk, item_pk)
    paper_pk = request.POST.get("paper")
    paper = get_object_or_404(Paper, pk=paper_pk, item=item) if paper_pk else None
    upload = request.FILES.get("file")

    def run() -> None:
        if upload is None:
            raise ValidationError({"file": [_("Choose the PDF file.")]})
        actions.do_upload_paper(item, acting_user=user, upload=upload, paper=paper,
                                kind=request.POST.get("kind", ""),
                                title=request.POST.get("title", ""),
                                members_only=request.POST.get("members_only") == "on")
    return _run(request, pk, run, _("The paper is uploaded; the Office checks it before "
                                     "members see it."))


@login_required
@require_POST
def check_paper(request: HttpRequest, pk: int, paper_pk: int) -> HttpResponse:
    user = _official(request)
    paper = _paper(user, pk, paper_pk)
    publish = request.POST.get("publish") == "1"
    return _run(request, pk, lambda: actions.do_check_paper(
        paper, acting_user=user, publish=publish, note=request.POST.get("note", "")),
        _("The paper is published.") if publish else _("The paper is returned."))


@login_required
@require_POST
def add_item(request: HttpRequest, pk: int) -> HttpResponse:
    user = _official(request)
    meeting = _meeting(user, pk)
    form = cabinet_forms.ItemForm(request.POST)
    form.is_valid()
    return _run(request, pk, lambda: actions.do_add_item(
        meeting, acting_user=user, title=form.cleaned_data.get("title", ""),
        proposing_agency=form.cleaned_data.get("proposing_agency")), _("The item is added."))


@login_required
@require_POST
def pass_block(request: HttpRequest, pk: int) -> HttpResponse:
    user = _official(request)
    meeting = _meeting(user, pk)
    return _run(request, pk, lambda: actions.do_pass_no_objection(meeting, acting_user=user),
                _("The items without objection are passed."))


@login_required
@require_POST
def set_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = _official(request)
    meeting = _meeting(user, pk)
    return _run(request, pk, lambda: actions.do_set_status(
        meeting, acting_user=user, status=request.POST.get("status", "")),
        _("The meeting's status is changed."))


@login_required
@require_POST
def record_outcome(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    user = _official(request)
    item = _item(user, pk, item_pk)
    form = cabinet_forms.OutcomeForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("cabinet:meeting", pk=pk)
    data = form.cleaned_data
    rows = []
    if (data.get("task_text") or "").strip() or data.get("task_lead"):
        rows.append({"text": data.get("task_text") or "", "lead_agency": data.get("task_lead"),
                     "deadline": data.get("task_deadline")})
    return _run(request, pk, lambda: actions.do_record_outcome(
        item, acting_user=user, outcome=data["outcome"], conclusions=data["conclusions"],
        assignments=rows), _("The outcome is recorded."))


@login_required
@require_POST
def draft_notice(request: HttpRequest, pk: int) -> HttpResponse:
    user = _official(request)
    meeting = _meeting(user, pk)
    return _run(request, pk, lambda: actions.do_draft_conclusions_notice(
        meeting, acting_user=user), _("The conclusions notice is drafted as an outgoing "
                                      "document."))


@login_required
@require_POST
def schedule(request: HttpRequest) -> HttpResponse:
    user = _official(request)
    form = cabinet_forms.MeetingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            meeting = actions.do_schedule_meeting(
                acting_user=user, kind=data["kind"], title=data["title"],
                starts_at=data["starts_at"], chair=data["chair"], place=data["place"],
                online_url=data["online_url"], guests=list(data["guests"]),
                remote=list(data["remote"]))
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("The meeting is scheduled."))
            return redirect("cabinet:meeting", pk=meeting.pk)
    else:
        _form_errors(request, form)
    return redirect("cabinet:home")


# --- ballots ----------------------------------------------------------------------------

def _ballot(user: User, pk: int) -> Ballot:
    return get_object_or_404(queries.visible_ballots(user), pk=pk)


@login_required
def ballot_detail(request: HttpRequest, pk: int, form: forms.Form | None = None,
                  status: int = 200) -> HttpResponse:
    user = _official(request)
    ballot = _ballot(user, pk)
    is_member = ballot.members.filter(user=user).exists()
    mine = list(Answer.objects.filter(ballot=ballot, member=user))
    current = next((a for a in mine if a.is_current), None)
    visible = list(queries.visible_answers(user, ballot).select_related("member")
                   .order_by("member__full_name"))
    open_ = ballot.status == Ballot.Status.OPEN and ballot.deadline and \
        timezone.now() < ballot.deadline
    return render(request, "cabinet/ballot.html", {
        "ballot": ballot, "is_member": is_member, "mine": mine, "current": current,
        "answers": visible, "can_answer": is_member and open_,
        "is_office": queries.is_office(user), "papers": list(ballot.papers.all()),
        "form": form or cabinet_forms.AnswerForm(initial={
            "choice": current.choice if current else "", "comment": current.comment
            if current else "", "change": current is not None, "sign": True}),
        "answered": Answer.objects.filter(ballot=ballot, is_current=True).count(),
        "members": ballot.members.count(),
    }, status=status)


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = _official(request)
    ballot = _ballot(user, pk)
    form = cabinet_forms.AnswerForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_answer(ballot, acting_user=user, choice=data["choice"],
                              comment=data["comment"], sign_with_my_certificate=data["sign"],
                              change=data["change"])
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("Your answer is signed and recorded."))
            return redirect("cabinet:ballot", pk=pk)
    return ballot_detail(request, pk, form=form, status=400)


@login_required
def ballot_paper(request: HttpRequest, pk: int, paper_pk: int) -> FileResponse:
    user = _official(request)
    ballot = _ballot(user, pk)
    row = get_object_or_404(BallotPaper, pk=paper_pk, ballot=ballot)
    return FileResponse(row.file.open("rb"), content_type=row.content_type, filename=row.name)


@login_required
@require_POST
def ballot_action(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    user = _official(request)
    ballot = _ballot(user, pk)
    try:
        if what == "open":
            actions.do_open_ballot(ballot, acting_user=user)
        elif what == "close":
            actions.do_close_ballot(ballot, acting_user=user)
        elif what == "report":
            actions.do_draft_summary_report(ballot, acting_user=user)
        elif what == "verify":
            ok, _fresh = actions.verify_ballot(ballot)
            (messages.success if ok else messages.error)(
                request, _("Every signature checks and the counts match.") if ok
                else _("The tally does not match the signed answers."))
        else:
            raise PermissionDenied
    except ValidationError as exc:
        _flash(request, exc)
    return redirect("cabinet:ballot", pk=pk)


@login_required
@require_POST
def ballot_new(request: HttpRequest) -> HttpResponse:
    user = _official(request)
    form = cabinet_forms.BallotForm(request.POST, request.FILES)
    form.is_valid()
    data = form.cleaned_data
    try:
        ballot = actions.do_create_ballot(
            acting_user=user, title=data.get("title", ""), question=data.get("question", ""),
            working_days=data.get("working_days"),
            answers_visible_before_close=data.get("answers_visible_before_close", False),
            uploads=[request.FILES["file"]] if "file" in request.FILES else [])
    except ValidationError as exc:
        _flash(request, exc)
        return redirect("cabinet:home")
    return redirect("cabinet:ballot", pk=ballot.pk)


app_name = "cabinet"
urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("meetings/new/", schedule, name="schedule"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting"),
    path("meetings/<int:pk>/items/", add_item, name="add_item"),
    path("meetings/<int:pk>/block/", pass_block, name="pass_block"),
    path("meetings/<int:pk>/status/", set_status, name="set_status"),
    path("meetings/<int:pk>/notice/", draft_notice, name="draft_notice"),
    path("meetings/<int:pk>/items/<int:item_pk>/position/", position, name="position"),
    path("meetings/<int:pk>/items/<int:item_pk>/speak/", speak, name="speak"),
    path("meetings/<int:pk>/items/<int:item_pk>/papers/", upload_paper, name="upload_paper"),
    path("meetings/<int:pk>/items/<int:item_pk>/outcome/", record_outcome, name="outcome"),
    path("meetings/<int:pk>/papers/<int:paper_pk>/note/", note, name="note"),
    path("meetings/<int:pk>/papers/<int:paper_pk>/check/", check_paper, name="check_paper"),
    path("meetings/<int:pk>/papers/<int:paper_pk>/v<int:version>/", paper_file,
         name="paper_file"),
    path("ballots/new/", ballot_new, name="ballot_new"),
    path("ballots/<int:pk>/", ballot_detail, name="ballot"),
    path("ballots/<int:pk>/answer/", answer, name="answer"),
    path("ballots/<int:pk>/papers/<int:paper_pk>/", ballot_paper, name="ballot_paper"),
    path("ballots/<int:pk>/<str:what>/", ballot_action, name="ballot_action"),
]
