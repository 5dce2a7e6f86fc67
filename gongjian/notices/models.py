"""An inbox row per person and event, the office's delivery channels, each delivery."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjian.kit.history import HistoricalRecords
from gongjian.kit.scope import Ownership, RestrictedQuerySet
from gongjian.units.models import Unit


class Kind(models.TextChoices):
    PROBLEM_ASSIGNED = "problem_assigned", _("问题交办")
    PROBLEM_ESCALATED = "problem_escalated", _("问题升级")
    IMPORT_FINISHED = "import_finished", _("导入完成")
    PROBLEM_OVERDUE = "problem_overdue", _("问题逾期")
    JOB_FINISHED = "job_finished", _("后台任务完成")
    REPORT_DUE = "report_due", _("调度报告即将截止")
    REPORT_OVERDUE = "report_overdue", _("进度逾期未报")
    APPEAL_DISPATCHED = "appeal_dispatched", _("诉求派单")
    APPEAL_DUE = "appeal_due", _("诉求即将超期")
    GRANT = "grant", _("政策兑现")


class Event(models.TextChoices):
    """What happened to the data, for other systems (a channel's ``events``): a JSON
    message signed with the channel's secret, whoever is told in the inbox."""

    PROJECT_CREATED = "project.created", _("项目新增")
    PROJECT_CHANGED = "project.changed", _("项目修改")
    PROJECT_STAGE = "project.stage_moved", _("项目阶段变化")
    REPORT_SUBMITTED = "report.submitted", _("进度报告报送")
    REPORT_APPROVED = "report.approved", _("进度报告审核通过")
    PROBLEM_RAISED = "problem.raised", _("问题提出")
    PROBLEM_ESCALATED = "problem.escalated", _("问题升级")
    PROBLEM_VERIFIED = "problem.verified", _("问题销号")
    APPEAL_CHANGED = "appeal.changed", _("诉求状态变化")


class Notice(models.Model):
    """One event told to one person: it sits in their inbox until read."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class Channel(models.Model):
    """Where an office's events go besides the inbox: a webhook (generic JSON, or the
    message format of a 企业微信 / 钉钉 group robot) or an SMS gateway (an HTTP POST the
    gateway turns into text messages), for the events of its unit's subtree."""

    class Format(models.TextChoices):
        JSON = "json", _("通用 JSON")
        WECOM = "wecom", _("企业微信群机器人")
        DINGTALK = "dingtalk", _("钉钉自定义机器人")
        SMS = "sms", _("短信网关(HTTP)")

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE)
    name = models.CharField(_("名称"), max_length=100)
    format = models.CharField(_("格式"), max_length=20, choices=Format.choices)
    url = models.URLField(_("地址"), max_length=500)
    phones = models.CharField(
        _("手机号"), max_length=500, blank=True, help_text=_("短信网关:接收短信的手机号,逗号分隔")
    )
    kinds = models.JSONField(_("事件"), default=list, blank=True, help_text=_("空:所有事件"))
    events = models.JSONField(
        _("数据变化事件"),
        default=list,
        blank=True,
        help_text=_("通用 JSON:发给其他系统的数据变化(项目、进度报告、问题、诉求)"),
    )
    secret = models.CharField(
        _("签名密钥"),
        max_length=200,
        blank=True,
        help_text=_("通用 JSON:用它对每条消息做 HMAC-SHA256 签名(X-Gongjian-Signature)"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    history = HistoricalRecords(excluded_fields=["secret"])  # a secret stays out of history

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",))

    class Meta:
        verbose_name = _("通知渠道")
        verbose_name_plural = _("通知渠道")
        ordering = ["unit__path", "name"]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One notice (or one change of data) through one way (e-mail or a channel), with
    its attempts; a failed one waits longer before each retry (``next_attempt_at``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="deliveries", null=True, blank=True
    )
    # a change of data sent to a channel's ``events`` (no notice): what, and the message
    event = models.CharField(_("事件"), max_length=40, blank=True, choices=Event.choices)
    payload = models.JSONField(null=True, blank=True)
    channel = models.ForeignKey(Channel, on_delete=models.SET_NULL, null=True, blank=True)
    via = models.CharField(_("方式"), max_length=20)  # "email" or a channel format
    target = models.CharField(_("发往"), max_length=500)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, null=True)
    next_attempt_at = models.DateTimeField(_("下次重试"), null=True, blank=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.via} → {self.target}: {self.status}"


class Preference(models.Model):
    """What a person wants besides the inbox: e-mail on or off, events muted."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preference"
    )
    email = models.BooleanField(_("发送电子邮件"), default=True)
    muted = models.JSONField(_("不接收的事件"), default=list, blank=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return str(self.user)
