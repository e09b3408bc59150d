"""Who may see and act on which dossiers, as querysets: the same rule for pages, the API
and exports. An official sees the dossiers of the agencies where they hold a one-stop,
processing or leading post; anybody else none (the applicant reaches their own through
``own_dossiers`` or the lookup by code and telephone)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, CharField, Q, QuerySet, Value, When

from egov.core import calendar
from egov.core.models import Post, User

from . import rules
from .models import Dossier, Procedure

OFFICE_POSITIONS = ("one_stop_officer", "specialist", "unit_head", "agency_leader",
                    "deputy_leader")


def officer_agency_ids(user: User) -> list[int]:
    """The agencies whose one-stop shop this official works in."""
    if not user.is_authenticated or not user.is_active or user.kind != User.Kind.OFFICIAL:
        return []
    # Asked several times per request (menu, page, actions): kept on the user object, which
    # lives as long as the request (posts do not change under a request).
    cached: list[int] | None = getattr(user, "_services_agencies", None)
    if cached is not None:
        return list(cached)
    # Only agencies that run a one-stop shop (have procedures in the catalogue): a
    # ministry's specialist is not a one-stop official. One query with a subquery.
    with_services = Procedure.objects.values("agency_id")
    rows = (Post.objects.filter(user=user, is_active=True, position__in=OFFICE_POSITIONS)
            .filter(Q(organisation__agency_id__in=with_services)
                    | Q(organisation_id__in=with_services))
            .values_list("organisation_id", "organisation__agency_id"))
    found = sorted({agency or org for org, agency in rows})
    user._services_agencies = found  # type: ignore[attr-defined]
    return list(found)


def may_be_officer(request: Any) -> bool:
    """Whether the signed-in official holds a post that can work in a one-stop shop, from
    the posts the request already loaded (``web.panels.posts``): the others (records
    clerks, Government members) cost no query."""
    from egov.web.panels import posts

    user = request.user
    if not isinstance(user, User) or user.kind != User.Kind.OFFICIAL:
        return False
    return any(p.position in OFFICE_POSITIONS for p in posts(request))


def is_officer(user: User) -> bool:
    return bool(officer_agency_ids(user)) and (
        user.has_perm("services.receive_dossier") or user.has_perm("services.process_dossier")
        or user.has_perm("services.approve_dossier"))


def office_dossiers(user: User) -> QuerySet[Dossier]:
    agencies = officer_agency_ids(user)
    if not agencies:
        return Dossier.objects.none()
    return Dossier.objects.filter(agency_id__in=agencies)


def own_dossiers(user: User) -> QuerySet[Dossier]:
    if not user.is_authenticated or user.kind == User.Kind.OFFICIAL:
        return Dossier.objects.none()
    return Dossier.objects.filter(applicant=user)


def catalogue(query: str = "", field: str = "") -> QuerySet[Procedure]:
    """Active procedures, the most needed first; ``query`` matches name, code and field
    with or without diacritics (every folded word must appear)."""
    from egov.documents.textfold import tokens

    rows = Procedure.objects.filter(is_active=True).select_related("agency")
    for word in tokens(query)[:8]:
        rows = rows.filter(search_text__contains=word)
    if field:
        rows = rows.filter(field=field)
    return rows


def near_limit(today: dt.date) -> dt.date:
    """The last day that counts as near due: the next working day."""
    return calendar.add_working_days(today, rules.NEAR_DAYS)


def with_deadline_state(rows: QuerySet[Dossier], today: dt.date) -> QuerySet[Dossier]:
    """Annotate ``deadline`` (overdue / near_due / on_track) in the database, so a list
    can sort the overdue first and show them apart without a query per row."""
    open_ = Q(status__in=list(rules.OPEN))
    return rows.annotate(deadline=Case(
        When(open_ & Q(due_date__lt=today), then=Value(rules.OVERDUE)),
        When(open_ & Q(due_date__lte=near_limit(today)), then=Value(rules.NEAR_DUE)),
        default=Value(rules.ON_TRACK), output_field=CharField()))
