from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "gongjian.sso"
    label = "sso"
    verbose_name = _("统一身份认证")

    def ready(self) -> None:
        from . import backends  # noqa: F401 - connects the CAS sign-in signal
