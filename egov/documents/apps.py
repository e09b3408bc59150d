from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "egov.documents"
    label = "documents"
    verbose_name = _("Documents and work files")

    def ready(self) -> None:
        from . import menu, panels

        panels.register_all()
        menu.register_all()
