from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "gongjian.projects"
    verbose_name = _("项目清单")

    def ready(self) -> None:
        from gongjian.kit.registration import api_routers, register_nav
        from gongjian.units.models import READERS, Role

        from . import registries, sheets, texts

        registries.register()
        sheets.register()
        texts.register()
        register_nav("projects", _("项目清单"), "/projects/", 20)
        register_nav("dispatch", _("调度"), "/dispatch/", 30, roles=READERS)
        register_nav("baobao", _("包保"), "/baobao/", 40, roles=(Role.OFFICE, Role.LEADER))
        register_nav(
            "supervision", _("督办"), "/supervision/", 45, roles=(Role.OFFICE, Role.LEADER)
        )
        api_routers.register("projects", "gongjian.projects.api.router")
