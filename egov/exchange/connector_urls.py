"""/exchange/: the connector's pages and the push endpoint."""

from django.urls import path

from . import connector_pages as pages

app_name = "exchange"

urlpatterns = [
    path("received/", pages.received, name="received"),
    path("received/<int:pk>/", pages.received_detail, name="received-detail"),
    path("documents/<int:pk>/trace/", pages.document_trace, name="trace"),
    path("push", pages.push, name="push"),
]
