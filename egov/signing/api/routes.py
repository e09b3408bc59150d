"""API routes of signing (registered by egov/api_urls.py)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import BaseRouter

from .views import CertificateList, RatesView, StoredFileView, VerifyView

urlpatterns: list[URLPattern | URLResolver] = [
    path("signing/verify/", VerifyView.as_view(), name="signing-verify"),
    path("signing/documents/<int:pk>/files/<int:file_pk>/", StoredFileView.as_view(),
         name="signing-stored-file"),
    path("signing/certificates/", CertificateList.as_view(), name="signing-certificates"),
    path("signing/rates/", RatesView.as_view(), name="signing-rates"),
]


def register(router: BaseRouter) -> None:
    """Signing has no router-made routes; its views are plain API views."""
