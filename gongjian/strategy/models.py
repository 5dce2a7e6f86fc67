"""The campaign's strategy as the office configures it, and the city's parks.

- A ``Pillar`` (e.g. 一枢纽 / 两中心 / 两高地, or an item of a “136921” strategy) groups
  the campaign's indicators, its projects (by category or tag) and its policies: the
  dashboard can be read by pillar.
- A ``Theme`` is a heading of the year's review; it lists the review terms it gathers,
  so that the drafted paragraphs are organised under the office's headings.
- A ``Park`` (园区, e.g. of a “12275” standardisation) is a registry row of its own: name,
  level, area and the unit running it; projects and enterprises are linked to it here
  (the link tables live in this app), so the engine counts per park.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjian.enterprises.models import Enterprise
from gongjian.indicators.models import Campaign, Indicator
from gongjian.kit.history import HistoricalRecords
from gongjian.kit.scope import Ownership, RestrictedQuerySet
from gongjian.policies.models import Policy
from gongjian.projects.models import Category, Project, Tag
from gongjian.units.models import Unit


class Pillar(models.Model):
    """A pillar of the campaign's strategy: the indicators, projects and policies the office
    assigns to it. Its projects are those of its categories or carrying any of its tags."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("攻坚年度"), on_delete=models.CASCADE, related_name="+"
    )
    code = models.SlugField(_("标识"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    categories = models.JSONField(
        _("项目类别"), default=list, blank=True, help_text=_("该类别的项目归入此支柱")
    )
    indicators = models.ManyToManyField(
        Indicator, verbose_name=_("指标"), blank=True, related_name="strategy_pillars"
    )
    tags = models.ManyToManyField(
        Tag, verbose_name=_("项目标签"), blank=True, related_name="strategy_pillars"
    )
    policies = models.ManyToManyField(
        Policy, verbose_name=_("政策"), blank=True, related_name="strategy_pillars"
    )

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("campaign__root_unit",), above=True)

    class Meta:
        verbose_name = _("战略支柱")
        verbose_name_plural = _("战略支柱")
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="strategy_pillar_code"),
        ]

    def __str__(self) -> str:
        return self.name

    def category_labels(self) -> list[str]:
        labels = dict(Category.choices)
        return [str(labels.get(c, c)) for c in self.categories or []]


class Theme(models.Model):
    """A heading of the year's review: the review terms it gathers (``terms``), in order."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("攻坚年度"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("标题"), max_length=60)
    terms = models.JSONField(_("高频词"), default=list, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("campaign__root_unit",), above=True)

    class Meta:
        verbose_name = _("综述主题")
        verbose_name_plural = _("综述主题")
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="strategy_theme_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Park(models.Model):
    """An industrial park (园区): its level, planned area and the unit running it; the
    projects and enterprises in it."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("国家级")
        PROVINCIAL = "provincial", _("省级")
        MUNICIPAL = "municipal", _("市级")

    code = models.SlugField(_("园区编码"), max_length=40, unique=True)
    name = models.CharField(_("园区名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    area_km2 = models.DecimalField(
        _("规划面积(平方公里)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"), _("规划面积须大于 0"))],
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="+"
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    clusters = models.CharField(
        _("主导产业集群"), max_length=200, blank=True, help_text=_("以顿号或逗号分隔")
    )
    projects = models.ManyToManyField(
        Project, verbose_name=_("园区项目"), blank=True, related_name="parks"
    )
    enterprises = models.ManyToManyField(
        Enterprise, verbose_name=_("入园企业"), blank=True, related_name="parks"
    )

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",))

    class Meta:
        verbose_name = _("园区")
        verbose_name_plural = _("园区")
        ordering = ["unit__sort_order", "code"]

    def __str__(self) -> str:
        return self.name
