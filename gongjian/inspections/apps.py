from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "gongjian.inspections"
    verbose_name = _("拉练")

    def ready(self) -> None:
        from gongjian.kit.registration import register_nav
        from gongjian.units.models import READERS

        from . import registries
        from .selectors import on_a_panel

        registries.register()
        register_nav("inspections", _("拉练"), "/inspections/", 75, roles=READERS, when=on_a_panel)
