"""What a person may see, as querysets. Permissions live here, never in Python loops."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from .models import AuditEntry, Organisation, Post, User

ACTING_POST_SESSION_KEY = "egov_acting_post"


def active_posts(user: User) -> QuerySet[Post]:
    return (
        Post.objects.filter(user=user, is_active=True)
        .select_related("organisation")
        .order_by("-is_primary", "id")
    )


def acting_post(request: Any) -> Post | None:
    """The post the signed-in official acts in: chosen in the session, else the primary."""
    if getattr(request.user, "kind", User.Kind.OFFICIAL) != User.Kind.OFFICIAL:
        return None  # only officials hold posts (actions.check_add_post): no query
    posts = list(active_posts(request.user))
    if not posts:
        return None
    chosen = getattr(request, "session", {}).get(ACTING_POST_SESSION_KEY)
    for post in posts:
        if post.pk == chosen:
            return post
    return posts[0]


def subtree(org: Organisation) -> QuerySet[Organisation]:
    """An organisation and everything below it (one indexed prefix query)."""
    return Organisation.objects.filter(path__startswith=org.path)


def led_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations whose subtree the user leads (agency leaders, deputies, unit heads)."""
    led_paths = Post.objects.filter(
        user=user, is_active=True,
        position__in=["agency_leader", "deputy_leader", "unit_head"],
    ).values_list("organisation__path", flat=True)
    condition = Q(pk__in=[])
    for path in led_paths:
        condition |= Q(path__startswith=path)
    return Organisation.objects.filter(condition)


def visible_audit_entries(user: User) -> QuerySet[AuditEntry]:
    """Administrators see every entry; an agency leader sees the entries of people in the
    subtree they lead; everybody else sees their own."""
    entries = AuditEntry.objects.all()
    if user.is_superuser or user.has_perm("core.view_all_audit"):
        return entries
    if user.has_perm("core.view_audit"):
        people = Post.objects.filter(
            is_active=True, organisation__in=led_organisations(user)
        ).values("user_id")
        return entries.filter(Q(actor_id__in=people) | Q(actor_id=user.pk))
    return entries.filter(actor_id=user.pk)
