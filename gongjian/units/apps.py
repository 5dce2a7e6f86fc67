from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "gongjian.units"
    verbose_name = _("单位与人员")

    def ready(self) -> None:
        from gongjian.kit.registration import api_routers
        from gongjian.kit.scope import set_principal_source
        from gongjian.kit.tabular.imports import set_default_lookups

        from . import audit  # noqa: F401  (connects the login audit's signal receivers)
        from .selectors import principal_of, sheet_lookups

        set_principal_source(principal_of)
        set_default_lookups(sheet_lookups)
        api_routers.register("units", "gongjian.units.api.router")
