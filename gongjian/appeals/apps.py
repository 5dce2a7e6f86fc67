from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "gongjian.appeals"
    verbose_name = _("12345诉求")

    def ready(self) -> None:
        from gongjian.kit.registration import api_routers, register_nav
        from gongjian.units.models import READERS

        from . import registries, sheets

        registries.register()
        sheets.register()
        register_nav("appeals", _("诉求"), "/appeals/", 85, roles=READERS)
        api_routers.register("appeals", "gongjian.appeals.api.router")
