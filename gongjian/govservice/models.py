"""政务(便民)服务地图 and the 综合窗口's 办件: the service catalogue (事项), the service
points that handle them (政务服务中心, 分中心, 便民服务站, 综合窗口) and the transactions
(办件) the windows complete.

A point's public fields (name, kind, address, location, hours, phone, its services) are
what the public map shows; everything else stays behind sign-in. A transaction's handling
time and deadline are derived by ``govservice.services`` from its times and its service's
promised time limit (承诺时限, working days), never typed: the indicators (办件量, 平均办理
时长, 按时办结率, 业务办理效率提升) are counted from them by the engine.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gongjian.kit.history import HistoricalRecords
from gongjian.kit.scope import Ownership, RestrictedQuerySet
from gongjian.units.models import Unit


class ServiceItem(models.Model):
    """A government service (政务服务事项) the office lists: its name, the keywords people
    search it by, the department responsible and its promised time limit."""

    code = models.CharField(_("事项编码"), max_length=40, unique=True)
    name = models.CharField(_("事项名称"), max_length=200)
    keywords = models.CharField(
        _("关键词"), max_length=300, blank=True, help_text=_("群众常用的说法,以空格或逗号分隔")
    )
    department = models.CharField(_("主管部门"), max_length=100, blank=True)
    time_limit_days = models.PositiveSmallIntegerField(
        _("承诺办结时限(工作日)"), default=0, help_text=_("0 表示即办件,当日办结")
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("维护单位"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    # a city's catalogue is read by its districts too
    ownership = Ownership(units=("unit",), above=True)

    class Meta:
        verbose_name = _("政务服务事项")
        verbose_name_plural = _("政务服务事项")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ServicePoint(models.Model):
    """A place where people get services done, with its public details and the services
    it handles."""

    class Kind(models.TextChoices):
        CENTER = "center", _("政务服务中心")
        BRANCH = "branch", _("政务服务分中心")
        STATION = "station", _("便民服务站")
        WINDOW = "window", _("综合窗口")

    code = models.CharField(_("网点编码"), max_length=40, unique=True)
    name = models.CharField(_("网点名称"), max_length=200)
    kind = models.CharField(_("网点类型"), max_length=10, choices=Kind.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="service_points"
    )
    address = models.CharField(_("地址"), max_length=200)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    hours = models.CharField(_("办公时间"), max_length=200, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=50, blank=True)
    items = models.ManyToManyField(
        ServiceItem, verbose_name=_("可办事项"), blank=True, related_name="points"
    )
    is_public = models.BooleanField(
        _("在服务地图公开"), default=True, help_text=_("取消后仅在内部页面可见")
    )
    note = models.CharField(_("内部备注"), max_length=300, blank=True)

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",))

    class Meta:
        verbose_name = _("政务服务网点")
        verbose_name_plural = _("政务服务网点")
        ordering = ["unit__sort_order", "kind", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (
                    Q(latitude__gte=-90, latitude__lte=90)
                    & Q(longitude__gte=-180, longitude__lte=180)
                ),
                name="service_point_location_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口办理")
    ONLINE = "online", _("网上办理")
    SELF_SERVICE = "self", _("自助终端")
    MAIL = "mail", _("邮寄办理")


class Transaction(models.Model):
    """One transaction (办件): a service handled at a point, received and (once done)
    completed. ``handling_minutes``, ``due_on`` and the dates are derived from the times
    and the service's time limit by ``govservice.services``."""

    number = models.CharField(_("办件编号"), max_length=40, unique=True)
    point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("办理网点"),
        on_delete=models.PROTECT,
        related_name="transactions",
    )
    item = models.ForeignKey(
        ServiceItem,
        verbose_name=_("办理事项"),
        on_delete=models.PROTECT,
        related_name="transactions",
    )
    channel = models.CharField(
        _("办理渠道"), max_length=10, choices=Channel.choices, default=Channel.WINDOW
    )
    received_at = models.DateTimeField(_("受理时间"))
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    received_on = models.DateField(_("受理日期"), db_index=True)
    completed_on = models.DateField(_("办结日期"), null=True, blank=True, db_index=True)
    due_on = models.DateField(_("办结期限"))
    handling_minutes = models.PositiveIntegerField(_("办理时长(分钟)"), null=True, blank=True)

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("point__unit",), parent="point")

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["point", "completed_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(completed_at__gte=F("received_at")),
                name="transaction_completed_after_received",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.item_id}"

    @property
    def on_time(self) -> bool | None:
        return None if self.completed_on is None else self.completed_on <= self.due_on
