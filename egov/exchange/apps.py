from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "egov.exchange"
    label = "exchange"
    verbose_name = _("Document exchange")

    def ready(self) -> None:
        from . import connector_hooks, hub_menu

        hub_menu.register_all()
        connector_hooks.connect()
