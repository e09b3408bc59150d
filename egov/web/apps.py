from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "egov.web"
    label = "web"
    verbose_name = _("Web interface")

    def ready(self) -> None:
        from . import home_panels

        home_panels.register_all()
