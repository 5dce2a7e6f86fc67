"""Abstract model shapes shared by several registries."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DatedTransition(models.Model):
    """A dated move to a stage, noted and signed by who recorded it: the shape of every
    stage history (projects, leads). Concrete models add the subject and the stage."""

    occurred_on = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Clock(models.Model):
    """The instance's clock (``kit.clock``): empty, the real date; set, the fixed date the
    instance runs on (a demo runs on its campaign's date). One row."""

    today = models.DateField(_("系统日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("系统日期")
        verbose_name_plural = _("系统日期")

    def __str__(self) -> str:
        return str(self.today or "—")
