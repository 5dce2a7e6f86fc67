from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "gongjian.indicators"
    verbose_name = _("指标与目标")

    def ready(self) -> None:
        from gongjian.kit.registration import api_routers, register_nav
        from gongjian.units.models import READERS, Role

        from . import sheets

        sheets.register()
        api_routers.register("indicators", "gongjian.indicators.api.router")
        register_nav("reporting", _("指标填报"), "/indicators/", 72, roles=READERS)
        register_nav("settings", _("年度设置"), "/indicators/settings/", 105, roles=(Role.OFFICE,))
