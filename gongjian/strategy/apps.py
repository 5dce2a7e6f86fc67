from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategyConfig(AppConfig):
    name = "gongjian.strategy"
    verbose_name = _("发展战略与园区")

    def ready(self) -> None:
        from gongjian.kit.registration import register_nav
        from gongjian.units.models import READERS

        from . import registries

        registries.register()
        register_nav("strategy", _("战略与园区"), "/strategy/", 82, roles=READERS)
