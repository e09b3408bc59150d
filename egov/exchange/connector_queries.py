"""What a person may see of the connector's rows, as querysets."""

from __future__ import annotations

from django.db.models import QuerySet

from egov.core.models import Post, User
from egov.documents import queries as documents

from .models import InboundPackage, OutboundPackage


def received_packages(user: User) -> QuerySet[InboundPackage]:
    """Packages received for the agencies whose registers the person keeps (clerks)."""
    if not user.is_authenticated or not user.is_active or user.kind != User.Kind.OFFICIAL:
        return InboundPackage.objects.none()
    agencies = Post.objects.filter(user=user, is_active=True, position="clerk").values(
        "organisation__agency_id")
    return InboundPackage.objects.filter(agency_id__in=agencies)


def outbound_packages(user: User) -> QuerySet[OutboundPackage]:
    """Packages of documents the person may see."""
    return OutboundPackage.objects.filter(document__in=documents.visible_documents(user))
