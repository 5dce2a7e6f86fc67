from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KitConfig(AppConfig):
    """What every app shares, each mechanism once: scope, the clock, history owners,
    tabular import/export, HTTP helpers, registration."""

    name = "gongjian.kit"
    verbose_name = _("基础")
