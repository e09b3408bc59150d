from django.urls import URLPattern, URLResolver

from . import views_audit, views_calendar, views_orgs

app_name = "core"
urlpatterns: list[URLPattern | URLResolver] = [
    *views_orgs.urlpatterns,
    *views_audit.urlpatterns,
    *views_calendar.urlpatterns,
]
