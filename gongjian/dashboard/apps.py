from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The leaders' pages: 领导驾驶舱, 挂图作战, 赛马 and 目标 — read across the domains."""

    name = "gongjian.dashboard"
    verbose_name = _("领导驾驶舱")

    def ready(self) -> None:
        from gongjian.kit.registration import register_nav
        from gongjian.units.models import READERS

        register_nav("dashboard", _("驾驶舱"), "/dashboard/", 10, roles=READERS)
        register_nav("map", _("挂图作战"), "/map/", 50, roles=READERS)
        register_nav("rankings", _("赛马"), "/rankings/", 60, roles=READERS)
        register_nav("targets", _("目标"), "/targets/", 70, roles=READERS)
