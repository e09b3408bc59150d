"""API routes of e-Cabinet (registered by egov/api_urls.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import BaseRouter

from .office import TermViewSet
from .views import BallotViewSet, MeetingViewSet

urlpatterns: list[URLPattern | URLResolver] = []


def register(router: BaseRouter) -> None:
    """``/api/v1/meetings/``, ``/api/v1/ballots/``, ``/api/v1/cabinet-terms/``."""
    router.register("meetings", MeetingViewSet, basename="meeting")
    router.register("ballots", BallotViewSet, basename="ballot")
    router.register("cabinet-terms", TermViewSet, basename="cabinet-term")
