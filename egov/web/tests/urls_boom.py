"""The site's URLs plus one page that fails, to test the 500 page."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from egov.urls import handler403, handler404, handler500
from egov.urls import urlpatterns as site_urlpatterns

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *site_urlpatterns]
