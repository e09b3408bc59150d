from django.urls import path

from . import views

app_name = "signing"

urlpatterns = [
    path("certificates/", views.certificates, name="certificates"),
    path("certificates/import/", views.import_certificate, name="import"),
    path("certificates/issue/", views.issue, name="issue"),
    path("certificates/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("verify/", views.verify, name="verify"),
    path("documents/<int:pk>/files/<int:file_pk>/", views.verify_file, name="verify_file"),
    path("rates/", views.rates, name="rates"),
    path("crl/<int:pk>.crl", views.crl, name="crl"),
]
