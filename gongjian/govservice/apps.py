from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovServiceConfig(AppConfig):
    name = "gongjian.govservice"
    verbose_name = _("政务服务")

    def ready(self) -> None:
        from gongjian.kit.registration import register_nav
        from gongjian.units.models import READERS

        from . import registries, sheets

        registries.register()
        sheets.register()
        register_nav("govservice", _("政务服务"), "/govservice/", 87, roles=READERS)
