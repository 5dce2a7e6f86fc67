"""Indicators as data: definitions, reported values, targets, campaigns, rankings (赛马)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjian.kit.history import HistoricalRecords
from gongjian.kit.scope import Ownership, RestrictedQuerySet
from gongjian.units.models import Unit


class Campaign(models.Model):
    """A year's campaign (攻坚) of a city, with its configurable thresholds."""

    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=100)
    root_unit = models.ForeignKey(
        Unit, verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="campaigns"
    )
    reporting_date = models.DateField(
        _("数据截止日期"),
        null=True,
        blank=True,
        help_text=_("页面默认展示截至该日的数据;不填则为系统日期(往年为年末)"),
    )
    yellow_points = models.DecimalField(
        _("黄灯:落后序时进度(百分点)"),
        max_digits=5,
        decimal_places=1,
        default=10,
    )
    red_points = models.DecimalField(
        _("红灯:落后序时进度超过(百分点)"),
        max_digits=5,
        decimal_places=1,
        default=30,
    )
    # the other light axes (``projects.lights``)
    start_red_months = models.PositiveSmallIntegerField(
        _("红灯:开工滞后超过(月)"),
        default=3,
        help_text=_("过了计划开工月份仍未开工亮黄灯,滞后超过该月数亮红灯"),
    )
    stats_yellow_months = models.PositiveSmallIntegerField(
        _("黄灯:开工后未入库纳统(月)"), default=1
    )
    stats_red_months = models.PositiveSmallIntegerField(_("红灯:开工后未入库纳统(月)"), default=2)
    funds_yellow_rate = models.DecimalField(
        _("黄灯:资金支付率低于(%)"),
        max_digits=5,
        decimal_places=1,
        default=70,
        help_text=_("资金支付率 = 累计资金支付 ÷ 累计完成投资"),
    )
    funds_red_rate = models.DecimalField(
        _("红灯:资金支付率低于(%)"), max_digits=5, decimal_places=1, default=50
    )
    report_due_days = models.PositiveSmallIntegerField(
        _("调度报送时限(期末后天数)"),
        default=5,
        help_text=_("每月进度须在月末后该天数内报送"),
    )
    problem_escalation_days = models.PositiveSmallIntegerField(
        _("问题逐级升级间隔(天)"),
        default=7,
        help_text=_("问题逾期即升至包保领导;在包保领导处再逾期该天数后升至市攻坚办督办"),
    )

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("root_unit",), above=True)

    class Meta:
        verbose_name = _("攻坚年度")
        verbose_name_plural = _("攻坚年度")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["root_unit", "year"], name="campaign_unique_year"),
        ]

    def __str__(self) -> str:
        return self.name

    def report_deadline(self, period_end: dt.date) -> dt.date:
        """The day a dispatch period's progress reports are due (调度报送截止日)."""
        return period_end + dt.timedelta(days=self.report_due_days)

    def clean(self) -> None:
        if self.reporting_date and self.reporting_date.year != self.year:
            raise ValidationError({"reporting_date": _("数据截止日期须在本年度内")})
        if self.yellow_points >= self.red_points:
            raise ValidationError({"red_points": _("红灯阈值须大于黄灯阈值")})
        if self.stats_yellow_months >= self.stats_red_months:
            raise ValidationError({"stats_red_months": _("红灯阈值须大于黄灯阈值")})
        if self.funds_red_rate >= self.funds_yellow_rate:
            raise ValidationError({"funds_red_rate": _("红灯的资金支付率须低于黄灯")})


class Indicator(models.Model):
    """An indicator: computed over a registry (filter + measure) or reported by units.

    A computed indicator counts or sums the rows of ``registry`` that pass
    ``filters`` (whitelisted lookups, see ``indicators.registries``) and, per
    ``period_mode``, whose ``event`` happened in the period or that were on the
    year's list during it.
    """

    class Kind(models.TextChoices):
        COMPUTED = "computed", _("计算指标")
        REPORTED = "reported", _("填报指标")
        CHECKPOINT = "checkpoint", _("节点判定")
        COMPLETION = "completion", _("目标完成率")
        RATIO = "ratio", _("比率")
        # the base indicator over the period against the same dates a year before:
        # (this − before) ÷ before, or its fall (before − this) ÷ before
        GROWTH = "growth", _("较上年增长率")
        DECLINE = "decline", _("较上年下降率")

    class Measure(models.TextChoices):
        COUNT = "count", _("计数")
        SUM = "sum", _("求和")

    class PeriodMode(models.TextChoices):
        EVENT = "event", _("事件发生在期间内")
        ACTIVE = "active", _("期间内在清单上")
        NONE = "none", _("不按期间筛选")

    class Rollup(models.TextChoices):
        """How a reported indicator's value at a unit comes from the units below it
        (a unit's own approved value, when it reports one, is its figure)."""

        SUM = "sum", _("求和")
        MEAN = "mean", _("平均")
        WEIGHTED_MEAN = "weighted_mean", _("加权平均")
        MAX = "max", _("最大值")
        MIN = "min", _("最小值")
        LATEST = "latest", _("最新报送值")

    class Cadence(models.TextChoices):
        MONTH = "month", _("按月")
        QUARTER = "quarter", _("按季")
        HALF = "half", _("按半年")
        YEAR = "year", _("按年")

    class Checkpoint(models.TextChoices):
        Q1 = "q1", _("首季开门红")
        H1 = "h1", _("半年双过半")
        Q3 = "q3", _("跑赢第三季度")
        EARLY = "early", _("提前完成全年目标")

    code = models.CharField(_("指标代码"), max_length=120, unique=True)
    name = models.CharField(_("指标名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    registry = models.CharField(_("数据清单"), max_length=40, blank=True)
    measure = models.CharField(_("度量"), max_length=10, choices=Measure.choices, blank=True)
    measure_field = models.CharField(_("求和字段"), max_length=60, blank=True)
    period_mode = models.CharField(
        _("期间方式"), max_length=10, choices=PeriodMode.choices, default=PeriodMode.EVENT
    )
    event = models.CharField(_("事件"), max_length=40, blank=True)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    fixed_unit = models.ForeignKey(
        Unit,
        verbose_name=_("限定单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("设定后只统计该单位及其下级"),
    )
    base_indicator = models.ForeignKey(
        "self",
        verbose_name=_("所依据的指标"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    denominator = models.ForeignKey(
        "self",
        verbose_name=_("比率的分母指标"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("比率指标 = 所依据的指标 ÷ 分母指标"),
    )
    checkpoint = models.CharField(
        _("判定节点"), max_length=10, choices=Checkpoint.choices, blank=True
    )
    in_checkpoints = models.BooleanField(
        _("参与节点判定"),
        default=False,
        help_text=_("开门红、双过半等节点按该单位设有目标的此类指标判定"),
    )
    rollup = models.CharField(
        _("汇总方式"),
        max_length=20,
        choices=Rollup.choices,
        default=Rollup.SUM,
        help_text=_(
            "填报指标由下级汇总到上级的方式;比率(如到位率)请定义为比率指标:分子、分母分别填报并求和"
        ),
    )
    weight = models.ForeignKey(
        "self",
        verbose_name=_("加权平均的权重指标"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("加权平均时各单位的权重,如增速按各单位的规上工业增加值加权"),
    )
    report_cadence = models.CharField(
        _("填报频次"), max_length=10, choices=Cadence.choices, default=Cadence.MONTH
    )
    display_unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    quote = models.CharField(_("口径说明"), max_length=300, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("fixed_unit",), shared=True)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @classmethod
    def adhoc(
        cls,
        code: str,
        registry: str,
        *,
        name: str = "",
        measure_field: str = "",
        event: str = "",
        filters: dict | None = None,
    ) -> Indicator:
        """An unsaved computed indicator a page evaluates through the engine without
        storing it (a batch's total, a board's count): it counts the registry's rows, or
        sums ``measure_field``; with ``event``, the rows that had it in the period, else
        every row whatever the period."""
        return cls(
            code=code,
            name=name or code,
            kind=cls.Kind.COMPUTED,
            registry=registry,
            measure=cls.Measure.SUM if measure_field else cls.Measure.COUNT,
            measure_field=measure_field,
            period_mode=cls.PeriodMode.EVENT if event else cls.PeriodMode.NONE,
            event=event,
            filters=filters or {},
        )

    def clean(self) -> None:
        from .registries import validate_definition

        validate_definition(self)


class ReportedValue(models.Model):
    """A value a unit reports for a reported indicator, cumulative for the year as of a
    period's end. Each correction of an approved value is a new version: the engine reads
    the highest approved version of the latest period, so a figure never disappears while
    its correction waits for approval."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已审核")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="reported_values")
    as_of = models.DateField(_("截止日期"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.APPROVED
    )
    value = models.DecimalField(_("数值"), max_digits=24, decimal_places=6)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",))

    class Meta:
        verbose_name = _("填报值")
        verbose_name_plural = _("填报值")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "as_of", "version"], name="reported_value_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.unit} {self.as_of} v{self.version}: {self.value}"


class Target(models.Model):
    """A unit's annual target (目标任务) for an indicator."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="targets")
    year = models.PositiveSmallIntegerField(_("年度"))
    value = models.DecimalField(_("目标值"), max_digits=24, decimal_places=6)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",))

    class Meta:
        verbose_name = _("目标任务")
        verbose_name_plural = _("目标任务")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit", "year"], name="target_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.unit} {self.year}: {self.value}"

    def clean(self) -> None:
        if self.value is not None and self.value <= 0:
            raise ValidationError({"value": _("目标值须大于 0")})


class RankingScheme(models.Model):
    """赛马: units under ``parent_unit`` scored on weighted indicators."""

    code = models.SlugField(_("标识"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    parent_unit = models.ForeignKey(
        Unit, verbose_name=_("参赛单位的上级"), on_delete=models.PROTECT, related_name="+"
    )
    unit_kinds = models.JSONField(_("参赛单位类型"), default=list, blank=True)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("parent_unit",), above=True)

    class Meta:
        verbose_name = _("赛马方案")
        verbose_name_plural = _("赛马方案")

    def __str__(self) -> str:
        return self.name


class RankingItem(models.Model):
    """One weighted indicator of a ranking scheme."""

    class Scoring(models.TextChoices):
        COMPLETION = "completion", _("目标完成率")
        RATIO = "ratio", _("比率")
        RELATIVE = "relative", _("与最高值相比")

    scheme = models.ForeignKey(RankingScheme, on_delete=models.CASCADE, related_name="items")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    weight = models.DecimalField(_("权重"), max_digits=6, decimal_places=2)
    scoring = models.CharField(
        _("计分方式"), max_length=20, choices=Scoring.choices, default=Scoring.COMPLETION
    )
    cap = models.DecimalField(
        _("完成率封顶"), max_digits=5, decimal_places=2, default=Decimal("1.2")
    )
    min_sample = models.PositiveIntegerField(
        _("最少样本数"),
        default=0,
        help_text=_("比率指标:分母(如受理量)少于该数的单位不参与本项排名,得 0 分并标注样本不足"),
    )

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("scheme__parent_unit",), above=True, parent="scheme")

    class Meta:
        verbose_name = _("赛马指标")
        verbose_name_plural = _("赛马指标")
        ordering = ["scheme", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "indicator"], name="ranking_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} · {self.indicator.name} × {self.weight}"

    def clean(self) -> None:
        if self.weight is not None and self.weight <= 0:
            raise ValidationError({"weight": _("权重须大于 0")})
