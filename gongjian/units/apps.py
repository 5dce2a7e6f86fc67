from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "gongjian.units"
    verbose_name = _("单位与人员")

    def ready(self) -> None:
        from . import audit  # noqa: F401  (connects the login audit's signal receivers)
