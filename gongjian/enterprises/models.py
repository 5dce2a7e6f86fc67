"""The enterprise registry (企业库): enterprises, their revenue by year, contacts and the
21152 matrix tier derived from revenue."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjian.kit.history import HistoricalRecords
from gongjian.kit.money import non_negative_amount
from gongjian.kit.scope import Ownership, RestrictedQuerySet
from gongjian.kit.validators import validate_credit_code
from gongjian.units.models import Unit, owning_unit

YI = 100_000_000

# Legal-form endings that do not tell two enterprises apart.
_LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "股份公司", "公司")


def normalise_name(name: str) -> str:
    """The name duplicates are detected by: NFKC (full-width → half-width), no spaces or
    punctuation, upper case, without the legal-form ending."""
    text = unicodedata.normalize("NFKC", name or "").upper()
    text = re.sub(r"[\s\(\)()\[\]【】·.,,、\-—_]", "", text)
    for ending in _LEGAL_FORMS:
        if text.endswith(ending) and len(text) > len(ending):
            text = text[: -len(ending)]
            break
    return text


class Tier(models.TextChoices):
    """The 21152 matrix tiers (by annual revenue, thresholds in ``TierThresholds``)."""

    GE_10BN = "ge_10bn", _("百亿元以上企业")
    GE_5BN = "ge_5bn", _("50亿元以上企业")
    GE_1BN = "ge_1bn", _("10亿元以上企业")
    HIGH_GROWTH = "high_growth", _("亿元以上高成长性企业")


class TierThresholds(models.Model):
    """The revenue thresholds (元) of the 21152 tiers; one row, editable by the office."""

    ge_10bn = models.BigIntegerField(_("百亿元级:营收不低于(元)"), default=100 * YI)
    ge_5bn = models.BigIntegerField(_("50亿元级:营收不低于(元)"), default=50 * YI)
    ge_1bn = models.BigIntegerField(_("10亿元级:营收不低于(元)"), default=10 * YI)
    high_growth = models.BigIntegerField(_("亿元级高成长:营收不低于(元)"), default=1 * YI)
    high_growth_rate = models.DecimalField(
        _("亿元级高成长:营收增速不低于"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.1"),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("最近年度营收较上年的增长率,0.1 即 10%"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("21152 矩阵门槛")
        verbose_name_plural = _("21152 矩阵门槛")

    def __str__(self) -> str:
        return str(_("21152 矩阵门槛"))

    @classmethod
    def current(cls) -> TierThresholds:
        return cls.objects.order_by("pk").first() or cls()

    def ordered(self) -> list[tuple[str, int]]:
        return [
            (Tier.GE_10BN, self.ge_10bn),
            (Tier.GE_5BN, self.ge_5bn),
            (Tier.GE_1BN, self.ge_1bn),
            (Tier.HIGH_GROWTH, self.high_growth),
        ]

    def tier_of(self, revenue: int | None, growth: Decimal | None = None) -> str:
        """The tier of a latest revenue; the high-growth tier also needs the revenue's
        growth over the year before (``growth``, None when unknown) of at least
        ``high_growth_rate``."""
        if revenue is None:
            return ""
        for tier, threshold in self.ordered():
            if revenue >= threshold:
                if tier == Tier.HIGH_GROWTH and (growth is None or growth < self.high_growth_rate):
                    return ""
                return tier
        return ""

    def clean(self) -> None:
        values = [v for _, v in self.ordered()]
        if any(v is None or v <= 0 for v in values):
            raise ValidationError(_("各档门槛须为正数"))
        if not all(a > b for a, b in zip(values, values[1:], strict=False)):
            raise ValidationError(_("门槛须从百亿元级到亿元级依次递减"))


class Enterprise(models.Model):
    """An enterprise the city follows: met in outreach, behind a lead, or already local.

    ``tier``, ``latest_revenue`` and ``revenue_growth`` (over the year before) mirror the
    latest ``EnterpriseRevenue`` rows and are written only by ``enterprises.services``.
    """

    name = models.CharField(_("企业名称"), max_length=200)
    normalized_name = models.CharField(max_length=200, editable=False, db_index=True)
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_credit_code],
    )
    industry = models.CharField(_("所属行业"), max_length=50, blank=True)
    cluster = models.CharField(_("产业集群"), max_length=50, blank=True)
    region = models.CharField(_("所在地区"), max_length=50, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("跟踪服务单位"), on_delete=models.PROTECT, related_name="enterprises"
    )
    latest_revenue = models.BigIntegerField(_("最近年度营收(元)"), null=True, editable=False)
    revenue_year = models.PositiveSmallIntegerField(_("营收年度"), null=True, editable=False)
    revenue_growth = models.DecimalField(
        _("营收增速"),
        max_digits=12,
        decimal_places=4,
        null=True,
        editable=False,
        help_text=_("最近年度营收较上年的增长率;没有上年营收时为空"),
    )
    tier = models.CharField(
        _("21152 矩阵档次"), max_length=20, choices=Tier.choices, blank=True, editable=False
    )
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()

    ownership = Ownership(units=("unit",))

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["tier"]), models.Index(fields=["unit", "tier"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.credit_code == "":
            self.credit_code = None
        self.normalized_name = normalise_name(self.name)
        if not self.normalized_name:
            raise ValidationError({"name": _("企业名称不能为空")})


def growth_of(latest: int | None, previous: int | None) -> Decimal | None:
    """Revenue growth over the year before, to four places; None without a positive
    previous revenue."""
    if latest is None or not previous or previous <= 0:
        return None
    return (Decimal(latest - previous) / Decimal(previous)).quantize(Decimal("0.0001"))


class IndustryCluster(models.Model):
    """An industrial cluster (产业集群) a city grows, e.g. 石化及精细化工: its member
    enterprises are those of the city whose ``cluster`` is its name. The engine counts
    clusters by their members' revenue (registry ``industry_clusters``)."""

    class Track(models.TextChoices):
        """How the city's strategy treats the cluster: grown (重点发展) or nurtured
        (重点培育), e.g. Jinzhou's 7 + 5."""

        DEVELOP = "develop", _("重点发展")
        NURTURE = "nurture", _("重点培育")

    name = models.CharField(_("产业集群"), max_length=50)
    unit = owning_unit(_("所属单位"), _("培育该产业集群的市(县)"))
    track = models.CharField(_("发展定位"), max_length=10, choices=Track.choices, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",), above=True)

    class Meta:
        verbose_name = _("产业集群")
        verbose_name_plural = _("产业集群")
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="industry_cluster_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class EnterpriseRevenue(models.Model):
    """An enterprise's operating revenue (营业收入) for a year, in 元."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="revenues")
    year = models.PositiveSmallIntegerField(_("年度"))
    revenue = models.BigIntegerField(_("营业收入(元)"), validators=[non_negative_amount])

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("enterprise__unit",), parent="enterprise")

    class Meta:
        verbose_name = _("企业营收")
        verbose_name_plural = _("企业营收")
        ordering = ["enterprise", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="revenue_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year}: {self.revenue}"


class EnterpriseContact(models.Model):
    """A person at an enterprise the units talk to."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("联系人"), max_length=50)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("enterprise__unit",), parent="enterprise")

    class Meta:
        verbose_name = _("企业联系人")
        verbose_name_plural = _("企业联系人")
        ordering = ["enterprise", "pk"]

    def __str__(self) -> str:
        return f"{self.name} {self.title}".strip()
