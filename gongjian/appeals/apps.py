from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "gongjian.appeals"
    verbose_name = _("12345诉求")
