from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "gongjian.inspections"
    verbose_name = _("拉练")

    def ready(self) -> None:
        from gongjian.web.context_processors import register_nav

        register_nav("inspections", _("拉练"), "/inspections/", 75)
