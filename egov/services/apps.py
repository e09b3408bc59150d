from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "egov.services"
    label = "services"
    verbose_name = _("Public services and one-stop shop")

    def ready(self) -> None:
        from . import menu, panels

        panels.register_all()
        menu.register_all()
