"""/hub/v1/: the hub's API (the contract connectors are written against, hub_api.py) and
its administration pages under admin/ (hub_pages.py)."""

from django.urls import path

from . import hub_api, hub_pages

app_name = "hub"

urlpatterns = [
    path("packages", hub_api.PackagesView.as_view(), name="packages"),
    path("packages/<int:pk>", hub_api.PackageView.as_view(), name="package"),
    path("packages/<int:pk>/ack", hub_api.AckView.as_view(), name="ack"),
    path("packages/<int:pk>/trace", hub_api.TraceView.as_view(), name="trace"),
    path("inbox", hub_api.InboxView.as_view(), name="inbox"),
    path("status", hub_api.StatusView.as_view(), name="status"),
    path("admin/", hub_pages.overview, name="overview"),
    path("admin/refusals/", hub_pages.refusals, name="refusals"),
    path("admin/pushes/", hub_pages.pushes, name="pushes"),
    path("admin/statistics/", hub_pages.statistics, name="statistics"),
]
