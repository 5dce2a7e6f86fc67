"""拉练: inspection tours, their scoring forms, the panel's score sheets and the results."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjian.kit.history import HistoricalRecords
from gongjian.kit.scope import Ownership, RestrictedQuerySet
from gongjian.projects.models import Project
from gongjian.units.models import Unit, owning_unit


class ScoreForm(models.Model):
    """A scoring form (评分表) the office defines: weighted criteria, each with a range."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    unit = owning_unit(_("所属单位"), _("评分表所属的市(县)"))
    description = models.CharField(_("说明"), max_length=300, blank=True)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",), above=True)

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    """One criterion of a scoring form: a score between ``min_score`` and ``max_score``,
    weighted by ``weight`` in the sheet's 100-point total."""

    form = models.ForeignKey(ScoreForm, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("评分项"), max_length=100)
    weight = models.DecimalField(
        _("权重"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    min_score = models.DecimalField(_("最低分"), max_digits=6, decimal_places=2, default=0)
    max_score = models.DecimalField(_("最高分"), max_digits=6, decimal_places=2)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("form__unit",), above=True, parent="form")

    class Meta:
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        ordering = ["form", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["form", "name"], name="criterion_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.min_score}–{self.max_score},权重 {self.weight})"

    def clean(self) -> None:
        if self.max_score is not None and self.min_score is not None:
            if self.max_score <= self.min_score:
                raise ValidationError({"max_score": _("最高分须大于最低分")})


class Tour(models.Model):
    """A quarter's inspection tour (拉练): route, visited projects, panel, scoring form."""

    class Status(models.TextChoices):
        PLANNING = "planning", _("筹备中")
        SCORING = "scoring", _("评分中")
        CLOSED = "closed", _("已结束")

    name = models.CharField(_("名称"), max_length=100)
    unit = owning_unit(_("组织单位"), _("组织拉练的市(县)"))
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(
        _("季度"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    route = models.TextField(_("路线"), blank=True)
    form = models.ForeignKey(
        ScoreForm, verbose_name=_("评分表"), on_delete=models.PROTECT, related_name="tours"
    )
    panel = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("评分组成员"), blank=True, related_name="tours"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PLANNING
    )
    weight = models.PositiveSmallIntegerField(
        _("权重"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("一个单位在年内多次拉练中得分的,年度拉练得分按各次权重加权平均"),
    )

    history = HistoricalRecords(m2m_fields=[panel])

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",), members=("panel",), above=True)

    class Meta:
        verbose_name = _("拉练")
        verbose_name_plural = _("拉练")
        ordering = ["-year", "-quarter", "-pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("结束日期不能早于开始日期")})
        if self.starts_on and self.year and self.starts_on.year != self.year:
            raise ValidationError({"starts_on": _("开始日期须在所选年度内")})


class Stop(models.Model):
    """A project a unit nominates for the tour (e.g. one newly started, one newly in
    production); the panel visits and scores it."""

    class Kind(models.TextChoices):
        NEW_START = "new_start", _("新开工")
        NEW_PRODUCTION = "new_production", _("新投产")
        UNDER_WAY = "under_way", _("续建")
        OTHER = "other", _("其他")

    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="stops")
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="tour_stops"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("推荐单位"), on_delete=models.PROTECT, related_name="tour_stops"
    )
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    visit_order = models.PositiveSmallIntegerField(_("观摩顺序"), default=0)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",), members=("tour__panel",), parent="tour")

    class Meta:
        verbose_name = _("观摩点位")
        verbose_name_plural = _("观摩点位")
        ordering = ["tour", "visit_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["tour", "project"], name="stop_unique_project"),
        ]

    def __str__(self) -> str:
        return f"{self.tour} · {self.project.name}"


class Sheet(models.Model):
    """One panel member's score sheet for one stop: a draft until submitted."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")

    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="sheets")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tour_sheets"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    comment = models.TextField(_("评语"), blank=True)
    updated_at = models.DateTimeField(_("保存时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("stop__unit",), leaders=("member",), parent="stop")

    class Meta:
        verbose_name = _("评分表单")
        verbose_name_plural = _("评分表单")
        constraints = [
            models.UniqueConstraint(fields=["stop", "member"], name="sheet_one_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.stop} · {self.member}"


class Mark(models.Model):
    """The score one sheet gives on one criterion."""

    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="marks")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("sheet__stop__unit",), leaders=("sheet__member",), parent="sheet")

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="mark_one_per_criterion"),
        ]

    def __str__(self) -> str:
        return f"{self.sheet_id} {self.criterion_id}: {self.value}"

    def clean(self) -> None:
        c = self.criterion
        if self.value is not None and not (c.min_score <= self.value <= c.max_score):
            raise ValidationError(
                {"value": f"“{c.name}”的得分须在 {c.min_score} 到 {c.max_score} 之间"}
            )


class UnitResult(models.Model):
    """A unit's result in a closed tour, kept so the indicator engine can count over it:
    ``score_centi`` is the mean of its projects' scores in hundredths of a point. Over
    several tours a unit's score is the mean of these weighted by the tours' ``weight``
    (see ``registries``), never their sum."""

    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="unit_results")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="tour_results")
    held_on = models.DateField(_("拉练日期"))
    score_centi = models.BigIntegerField(_("拉练得分(0.01分)"))
    project_count = models.PositiveIntegerField(_("观摩项目数"))
    rank = models.PositiveIntegerField(_("名次"))

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",), parent="tour")

    class Meta:
        verbose_name = _("拉练单位成绩")
        verbose_name_plural = _("拉练单位成绩")
        ordering = ["tour", "rank", "unit__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["tour", "unit"], name="unit_result_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.tour} · {self.unit} {self.score_centi / 100:.2f}"
