from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

urlpatterns = [
    path("", include("egov.web.urls")),
    path("account/", include("egov.identity.urls")),
    # The sandbox identity provider (answers only while EGOV_SSO_SANDBOX is on).
    path("sso-sandbox/", include("egov.identity.sso_sandbox_urls")),
    path("core/", include("egov.core.urls")),
    path("documents/", include("egov.documents.urls")),
    path("signing/", include("egov.signing.urls")),
    path("tasks/", include("egov.directives.urls")),
    path("cabinet/", include("egov.cabinet.urls")),
    path("services/", include("egov.services.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("egov.api_urls")),
    path("hub/v1/", include("egov.exchange.hub_urls")),
    path("exchange/", include("egov.exchange.connector_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
]

handler403 = "egov.web.views.permission_denied"
handler404 = "egov.web.views.page_not_found"
handler500 = "egov.web.views.server_error"

if settings.DEBUG:  # pragma: no cover
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
