from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "gongjian.finance"
    verbose_name = _("融资信用服务")

    def ready(self) -> None:
        from gongjian.kit.registration import api_routers, register_nav

        from . import registries, sheets
        from .selectors import uses_platform

        registries.register()
        sheets.register()
        register_nav("finance", _("融资服务"), "/finance/", 86, when=uses_platform)
        api_routers.register("finance", "gongjian.finance.api.router")
