"""API routes of the exchange connector (registered by egov/api_urls.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import BaseRouter

from .views import ReceivedViewSet, SentViewSet

urlpatterns: list[URLPattern | URLResolver] = []


def register(router: BaseRouter) -> None:
    """``/api/v1/exchange/received/``, ``/api/v1/exchange/sent/``."""
    router.register("exchange/received", ReceivedViewSet, basename="exchange-received")
    router.register("exchange/sent", SentViewSet, basename="exchange-sent")
