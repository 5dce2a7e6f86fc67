from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "gongjian.review"
    verbose_name = _("年度总结")

    def ready(self) -> None:
        from gongjian.kit.registration import register_nav
        from gongjian.units.models import READERS

        from . import sources

        sources.register()
        register_nav("review", _("年度总结"), "/review/", 100, roles=READERS)

        from gongjian.kit.jobs import register_kind

        from .services import review_job

        register_kind("review", "年度综述", review_job)
