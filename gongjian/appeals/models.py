"""12345 appeals (诉求): categories with their deadlines, the working-day calendar the
deadlines are counted in, appeals and every step of their handling loop.

The loop: 受理 → 派单 (to the responsible unit) → 签收 → 办理 → 答复 → 回访 → 办结, with
退单 (the unit hands it back), 转办 (sent to another unit) and 重办 (reopened after an
unsatisfied visit or after closing). ``appeals.services`` is the only writer; each step
is an ``AppealStep`` row (who, when, which unit) besides the object's own history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongjian.enterprises.models import Enterprise
from gongjian.kit.history import HistoricalRecords
from gongjian.kit.scope import Ownership, RestrictedQuerySet
from gongjian.projects.models import Project
from gongjian.units.models import Unit


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a public holiday on a weekday, or a
    weekend day that is worked (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("节假日(休息)")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("12345热线")
    WEB = "web", _("网站")
    APP = "app", _("移动端")
    LETTER = "letter", _("来信")
    OPEN311 = "open311", _("接口接入")


class AppellantKind(models.TextChoices):
    CITIZEN = "citizen", _("群众")
    ENTERPRISE = "enterprise", _("企业")


class Status(models.TextChoices):
    RECEIVED = "received", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    SIGNED = "signed", _("已签收")
    HANDLING = "handling", _("办理中")
    REPLIED = "replied", _("已答复")
    VISITED = "visited", _("已回访")
    CLOSED = "closed", _("已办结")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class AppealCategory(models.Model):
    """A kind of appeal (诉求类别): who usually handles it and its deadline (SLA)."""

    code = models.SlugField(_("类别代码"), max_length=40, unique=True)
    name = models.CharField(_("类别名称"), max_length=100)
    default_unit = models.ForeignKey(
        Unit,
        verbose_name=_("建议承办单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sign_days = models.PositiveSmallIntegerField(_("签收时限(工作日)"), default=1)
    sla_days = models.PositiveSmallIntegerField(_("办结时限(工作日)"), default=5)
    for_enterprises = models.BooleanField(_("涉企诉求"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Appeal(models.Model):
    """One appeal (诉求) from a citizen or an enterprise.

    ``intake_unit`` is the 12345 centre that received it and dispatches, visits and
    closes it; ``unit`` is the unit responsible for it now (the intake unit until it is
    dispatched). Dates are mirrored from the steps for lists and the indicator engine.
    """

    number = models.CharField(_("工单编号"), max_length=30, unique=True)
    channel = models.CharField(_("来源渠道"), max_length=10, choices=Channel.choices)
    appellant_kind = models.CharField(_("诉求人类型"), max_length=10, choices=AppellantKind.choices)
    appellant_name = models.CharField(_("诉求人"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    email = models.CharField(_("电子邮箱"), max_length=100, blank=True)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("涉及企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("涉及项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals",
    )
    category = models.ForeignKey(
        AppealCategory, verbose_name=_("诉求类别"), on_delete=models.PROTECT, related_name="appeals"
    )
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("诉求内容"))
    address = models.CharField(_("地点"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    intake_unit = models.ForeignKey(
        Unit, verbose_name=_("受理单位"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="appeals"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    received_at = models.DateTimeField(_("受理时间"))
    received_on = models.DateField(_("受理日期"), db_index=True)
    sign_due_on = models.DateField(_("签收期限"), null=True, blank=True)
    due_on = models.DateField(_("办结期限"))
    replied_on = models.DateField(_("答复日期"), null=True, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    reply = models.TextField(_("答复内容"), blank=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    external_id = models.CharField(_("外部编号"), max_length=64, blank=True)

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()

    ownership = Ownership(units=("unit", "intake_unit"))

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["unit", "received_on"]),
            models.Index(fields=["status", "due_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("received_on")),
                name="appeal_closed_after_received",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED


class AppealStep(models.Model):
    """One step of an appeal's handling: who did what, when, for which unit."""

    class Action(models.TextChoices):
        RECEIVE = "receive", _("受理")
        DISPATCH = "dispatch", _("派单")
        SIGN = "sign", _("签收")
        RETURN = "return", _("退单")
        TRANSFER = "transfer", _("转办")
        HANDLE = "handle", _("办理")
        REPLY = "reply", _("答复")
        VISIT = "visit", _("回访")
        CLOSE = "close", _("办结")
        REOPEN = "reopen", _("重办")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("环节"), max_length=10, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, choices=Status.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("appeal__unit", "appeal__intake_unit"), parent="appeal")

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["appeal", "at", "pk"]
        indexes = [models.Index(fields=["action", "at"])]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"
