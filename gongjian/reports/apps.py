from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "gongjian.reports"
    verbose_name = _("报表与导入导出")

    def ready(self) -> None:
        from gongjian.kit.registration import register_nav
        from gongjian.units.models import READERS

        register_nav("reports", _("报表"), "/reports/", 90, roles=READERS)
