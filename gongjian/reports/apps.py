from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "gongjian.reports"
    verbose_name = _("报表与导入导出")

    def ready(self) -> None:
        from gongjian.kit.registration import register_nav
        from gongjian.units.models import READERS

        register_nav("reports", _("报表"), "/reports/", 90, roles=READERS)

        from gongjian.kit.jobs import register_kind

        from .services import dispatch_job, export_job

        register_kind("dispatch", "调度通报", dispatch_job)
        register_kind("export", "导出", export_job)
