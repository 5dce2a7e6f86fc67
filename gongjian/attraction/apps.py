from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttractionConfig(AppConfig):
    name = "gongjian.attraction"
    verbose_name = _("招商引资")

    def ready(self) -> None:
        from gongjian.kit.registration import api_routers, register_nav
        from gongjian.units.models import READERS

        from . import registries, sheets, texts

        registries.register()
        sheets.register()
        texts.register()
        register_nav("attraction", _("招商"), "/attraction/", 80, roles=READERS)
        api_routers.register("attraction", "gongjian.attraction.api.router")
