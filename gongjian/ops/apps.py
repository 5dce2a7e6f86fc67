from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operating an instance: backup and restore, a new city (``setup-city``), a new
    year (``campaign_rollover``)."""

    name = "gongjian.ops"
    verbose_name = _("运维")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from gongjian.kit.registration import register_nav
        from gongjian.units.models import Role

        from .schedules import install_defaults

        # the schedules the platform runs by itself, once the job queue's tables exist
        post_migrate.connect(install_defaults, dispatch_uid="ops-schedules")

        from gongjian.kit.jobs import register_kind

        from .schedules import schedule_run_job

        register_kind("schedule", "定时任务", schedule_run_job)

        # offices (a superuser holds every role): a city's office rolls its year over; a
        # province's office and a superuser also set new cities up there
        register_nav("ops", _("城市与年度"), "/ops/", 106, roles=(Role.OFFICE,))
