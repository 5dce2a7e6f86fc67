"""Abstract model shapes shared by several registries."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjian.kit.scope import Ownership, RestrictedQuerySet


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


class Job(models.Model):
    """A piece of long work a person asked for (a 调度通报 PDF, a large export, the year
    review, a backup), done by the job workers (``kit.jobs``): its state, its progress —
    written by the job as it goes, read by every web worker — the file it made, the error
    in Chinese. Seen by whoever asked for it; a job of no one (a scheduled draft) by the
    people of its unit."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("正在进行")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("任务"), max_length=200)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(_("已完成步数"), default=0)
    total = models.PositiveIntegerField(_("总步数"), default=0)
    step = models.CharField(_("当前步骤"), max_length=200, blank=True)
    message = models.TextField(_("说明"), blank=True)
    result_file = models.CharField(max_length=500, blank=True, editable=False)
    result_name = models.CharField(_("文件名"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",), leaders=("requested_by",))

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.title} {self.get_status_display()}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
