"""API routes of e-Cabinet (registered by egov/api_urls.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import BaseRouter

from .views import BallotViewSet, MeetingViewSet

urlpatterns: list[URLPattern | URLResolver] = []


def register(router: BaseRouter) -> None:
    """``/api/v1/meetings/``, ``/api/v1/ballots/``."""
    router.register("meetings", MeetingViewSet, basename="meeting")
    router.register("ballots", BallotViewSet, basename="ballot")
