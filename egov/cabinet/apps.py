from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CabinetConfig(AppConfig):
    name = "egov.cabinet"
    label = "cabinet"
    verbose_name = _("e-Cabinet")

    def ready(self) -> None:
        from . import hooks, menu, panels

        hooks.connect()
        menu.register_all()
        panels.register_all()
