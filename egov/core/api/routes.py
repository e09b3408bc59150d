"""API routes of this part (registered by egov/api_urls.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import BaseRouter

from .audit import AuditEntryViewSet
from .orgs import OrganisationViewSet

urlpatterns: list[URLPattern | URLResolver] = []


def register(router: BaseRouter) -> None:
    """Register this part's viewsets."""
    router.register("organisations", OrganisationViewSet, basename="organisation")
    router.register("audit", AuditEntryViewSet, basename="audit")
