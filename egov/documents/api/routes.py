"""API routes of documents (registered by egov/api_urls.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import BaseRouter

from .views import AssignmentViewSet, DocumentViewSet, WorkFileViewSet

urlpatterns: list[URLPattern | URLResolver] = []


def register(router: BaseRouter) -> None:
    """``/api/v1/documents/``, ``/api/v1/assignments/``, ``/api/v1/work-files/``."""
    router.register("documents", DocumentViewSet, basename="document")
    router.register("assignments", AssignmentViewSet, basename="assignment")
    router.register("work-files", WorkFileViewSet, basename="work-file")
