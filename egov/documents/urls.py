from django.urls import URLPattern, URLResolver

from . import views_inbox, views_outgoing, views_registers, views_workfiles

app_name = "documents"
urlpatterns: list[URLPattern | URLResolver] = [
    *views_inbox.urlpatterns,
    *views_outgoing.urlpatterns,
    *views_registers.urlpatterns,
    *views_workfiles.urlpatterns,
]
