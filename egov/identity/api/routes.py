"""API routes of this part (registered by egov/api_urls.py)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import BaseRouter

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/", views.MeView.as_view(), name="me"),
]


def register(router: BaseRouter) -> None:
    """Register this part's viewsets."""
    router.register("tokens", views.TokenViewSet, basename="token")
