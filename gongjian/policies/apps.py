from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "gongjian.policies"
    verbose_name = _("免申即享政策")

    def ready(self) -> None:
        from gongjian.kit.registration import api_routers, register_nav
        from gongjian.units.models import READERS

        from . import registries, sheets

        registries.register()
        sheets.register()
        register_nav("policies", _("政策"), "/policies/", 87, roles=READERS)
        api_routers.register("policies", "gongjian.policies.api.router")
