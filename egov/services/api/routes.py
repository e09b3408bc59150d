"""API routes of services (registered by egov/api_urls.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import BaseRouter

from .views import DossierViewSet, ProcedureViewSet

urlpatterns: list[URLPattern | URLResolver] = []


def register(router: BaseRouter) -> None:
    """``/api/v1/procedures/`` (the public catalogue), ``/api/v1/dossiers/``."""
    router.register("procedures", ProcedureViewSet, basename="procedure")
    router.register("dossiers", DossierViewSet, basename="dossier")
