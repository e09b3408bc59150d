from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "egov.signing"
    label = "signing"
    verbose_name = _("Digital signatures")

    def ready(self) -> None:
        from . import hooks, menu

        hooks.connect()
        menu.register_all()
