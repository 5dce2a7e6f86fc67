from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "gongjian.audit"
    verbose_name = _("变更审计")

    def ready(self) -> None:
        from gongjian.kit.registration import register_nav
        from gongjian.units.models import Role

        register_nav("audit", _("变更记录"), "/audit/", 110, roles=(Role.OFFICE,))
