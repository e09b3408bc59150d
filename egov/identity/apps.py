from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "egov.identity"
    label = "identity"
    verbose_name = _("Sign-in and security")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import refresh_on_sign_in

        user_logged_in.connect(refresh_on_sign_in, dispatch_uid="egov.identity.refresh")
