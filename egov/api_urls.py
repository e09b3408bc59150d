"""The REST API, version 1: every part registers its routes here."""

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import DefaultRouter

from egov.cabinet.api import routes as cabinet_routes
from egov.core.api import routes as core_routes
from egov.directives.api import routes as directives_routes
from egov.documents.api import routes as documents_routes
from egov.exchange.api import routes as exchange_routes
from egov.identity.api import routes as identity_routes
from egov.services.api import routes as services_routes
from egov.signing.api import routes as signing_routes

router = DefaultRouter()
core_routes.register(router)
identity_routes.register(router)
documents_routes.register(router)
signing_routes.register(router)
exchange_routes.register(router)
directives_routes.register(router)
cabinet_routes.register(router)
services_routes.register(router)

urlpatterns: list[URLPattern | URLResolver] = [
    *core_routes.urlpatterns,
    *identity_routes.urlpatterns,
    *documents_routes.urlpatterns,
    *signing_routes.urlpatterns,
    *exchange_routes.urlpatterns,
    *directives_routes.urlpatterns,
    *cabinet_routes.urlpatterns,
    *services_routes.urlpatterns,
    path("", include(router.urls)),
]
