from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "gongjian.policies"
    verbose_name = _("免申即享政策")
