from django.urls import URLPattern, URLResolver

from . import views_office, views_payment, views_portal, views_stats

app_name = "services"
urlpatterns: list[URLPattern | URLResolver] = [
    *views_portal.urlpatterns,
    *views_office.urlpatterns,
    *views_payment.urlpatterns,
    *views_stats.urlpatterns,
]
