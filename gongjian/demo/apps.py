from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "gongjian.demo"
    verbose_name = _("锦州 2024 演示数据")
