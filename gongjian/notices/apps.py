from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    """Notifications that reach people: an inbox on every page, and the channels the
    office sets up (e-mail, webhooks in generic JSON, 企业微信 and 钉钉 group robots, an
    SMS gateway); every delivery recorded."""

    name = "gongjian.notices"
    verbose_name = _("消息通知")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gongjian.kit import jobs

        from .services import job_finished

        if job_finished not in jobs.finished_hooks:
            jobs.finished_hooks.append(job_finished)
