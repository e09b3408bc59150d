"""The sandbox identity provider's endpoints, mounted at ``/sso-sandbox/``."""

from django.urls import path

from . import sso_sandbox

app_name = "sso_sandbox"
urlpatterns = [
    path(".well-known/openid-configuration", sso_sandbox.discovery, name="discovery"),
    path("jwks", sso_sandbox.jwks_view, name="jwks"),
    path("authorize", sso_sandbox.authorize, name="authorize"),
    path("token", sso_sandbox.token, name="token"),
    path("userinfo", sso_sandbox.userinfo, name="userinfo"),
]
