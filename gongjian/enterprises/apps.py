from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "gongjian.enterprises"
    verbose_name = _("企业库")

    def ready(self) -> None:
        from gongjian.kit.registration import api_routers

        from . import registries, sheets

        registries.register()
        sheets.register()
        api_routers.register("enterprises", "gongjian.enterprises.api.router")
