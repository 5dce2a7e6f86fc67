"""融资信用服务平台: enterprises' needs (资金 / 市场订单 / 人才), financial institutions
and their products, needs matched to products (with the reason of each match) and each
match followed to 放款 or declined, the institutions' own accounts, and the enterprises'
consent to show their credit profile to an institution."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjian.enterprises.models import Enterprise, Tier
from gongjian.kit.history import HistoricalRecords
from gongjian.kit.money import non_negative_amount
from gongjian.kit.scope import Ownership, RestrictedQuerySet
from gongjian.units.models import Unit, owning_unit


class Institution(models.Model):
    """A financial institution serving a city's enterprises (a bank, a guarantee company
    …). Its staff (``InstitutionStaff``) maintain its products and follow its matches."""

    class Kind(models.TextChoices):
        BANK = "bank", _("银行")
        GUARANTEE = "guarantee", _("融资担保")
        LEASING = "leasing", _("融资租赁")
        MICROLOAN = "microloan", _("小额贷款")
        INSURANCE = "insurance", _("保险")
        FUND = "fund", _("投资基金")

    name = models.CharField(_("机构名称"), max_length=100)
    kind = models.CharField(_("机构类型"), max_length=20, choices=Kind.choices, default=Kind.BANK)
    unit = owning_unit(_("所属单位"), _("机构服务的市(县),由该单位的攻坚办维护"))
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",), above=True, members=("staff__user",))

    class Meta:
        verbose_name = _("金融机构")
        verbose_name_plural = _("金融机构")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="institution_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class InstitutionStaff(models.Model):
    """The 金融机构 role: a user who works for an institution. Such a user sees the
    institution's products and the matches to them (and nothing of the units' data),
    maintains the products, follows the matches, and reads the credit profile of an
    enterprise that consented to it."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("金融机构"), on_delete=models.CASCADE, related_name="staff"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="institution_roles",
    )

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("institution__unit",), parent="institution")

    class Meta:
        verbose_name = _("金融机构用户")
        verbose_name_plural = _("金融机构用户")
        constraints = [
            models.UniqueConstraint(fields=["institution", "user"], name="institution_staff_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.institution}"


class Collateral(models.TextChoices):
    """What a loan rests on."""

    CREDIT = "credit", _("信用(无抵押)")
    GUARANTEE = "guarantee", _("保证担保")
    MORTGAGE = "mortgage", _("抵押")
    PLEDGE = "pledge", _("质押(应收账款、知识产权等)")


class Product(models.Model):
    """A financing product: amount range (元), term range (months), annual rate range (%),
    the industries and 21152 tiers it serves (empty: all), what it requires."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("金融机构"), on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(_("产品名称"), max_length=100)
    amount_min = models.BigIntegerField(
        _("最低额度(元)"), default=0, validators=[non_negative_amount]
    )
    amount_max = models.BigIntegerField(_("最高额度(元)"), validators=[non_negative_amount])
    term_min = models.PositiveSmallIntegerField(_("最短期限(月)"), default=1)
    term_max = models.PositiveSmallIntegerField(_("最长期限(月)"), default=12)
    rate_min = models.DecimalField(
        _("最低年利率(%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    rate_max = models.DecimalField(
        _("最高年利率(%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    industries = models.JSONField(_("适用行业"), default=list, blank=True)
    tiers = models.JSONField(_("适用企业档次"), default=list, blank=True)
    collateral = models.CharField(
        _("担保方式"), max_length=20, choices=Collateral.choices, default=Collateral.CREDIT
    )
    requirements = models.TextField(_("准入条件"), blank=True)
    is_active = models.BooleanField(_("在售"), default=True)

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(
        units=("institution__unit",), above=True, members=("institution__staff__user",)
    )

    class Meta:
        verbose_name = _("金融产品")
        verbose_name_plural = _("金融产品")
        ordering = ["institution", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="product_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.name}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.amount_max is not None and self.amount_min is not None:
            if self.amount_max < self.amount_min:
                errors["amount_max"] = "最高额度不能低于最低额度"
        if self.term_max is not None and self.term_min is not None:
            if self.term_min < 1:
                errors["term_min"] = "最短期限至少 1 个月"
            elif self.term_max < self.term_min:
                errors["term_max"] = "最长期限不能短于最短期限"
        if (
            self.rate_max is not None
            and self.rate_min is not None
            and self.rate_max < self.rate_min
        ):
            errors["rate_max"] = "最高年利率不能低于最低年利率"
        if not isinstance(self.industries, list) or not all(
            isinstance(i, str) and i.strip() for i in self.industries
        ):
            errors["industries"] = "适用行业须为行业名称的列表"
        if not isinstance(self.tiers, list) or any(t not in Tier.values for t in self.tiers):
            errors["tiers"] = "适用企业档次只能是 21152 矩阵的档次"
        if errors:
            raise ValidationError(errors)


class NeedKind(models.TextChoices):
    FUNDS = "funds", _("找资金")
    MARKET = "market", _("找市场/订单")
    TALENT = "talent", _("找人才")


class Need(models.Model):
    """An enterprise's need posted on the platform (by the enterprise's tracking unit's
    operator on its behalf). A 资金 need has an amount, a term and a purpose and is
    matched to products; a 市场/订单 need says what it sells and to whom; a 人才 need the
    roles and head count."""

    class Status(models.TextChoices):
        OPEN = "open", _("待对接")
        MATCHED = "matched", _("已匹配")
        CLOSED = "closed", _("已关闭")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="finance_needs"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("服务单位"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("需求类型"), max_length=10, choices=NeedKind.choices)
    title = models.CharField(_("需求标题"), max_length=200)
    posted_on = models.DateField(_("发布日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # 资金
    amount = models.BigIntegerField(
        _("融资金额(元)"), null=True, blank=True, validators=[non_negative_amount]
    )
    term = models.PositiveSmallIntegerField(_("期限(月)"), null=True, blank=True)
    purpose = models.CharField(_("资金用途"), max_length=200, blank=True)
    collateral = models.CharField(
        _("可提供的担保方式"),
        max_length=20,
        choices=Collateral.choices,
        default=Collateral.CREDIT,
        blank=True,
    )
    # 市场/订单
    offering = models.CharField(_("产品或服务"), max_length=200, blank=True)
    customers = models.CharField(_("目标客户"), max_length=200, blank=True)
    # 人才
    roles = models.CharField(_("岗位"), max_length=200, blank=True)
    headcount = models.PositiveIntegerField(_("人数"), null=True, blank=True)
    notes = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("unit",))

    class Meta:
        verbose_name = _("企业需求")
        verbose_name_plural = _("企业需求")
        ordering = ["-posted_on", "-pk"]
        indexes = [models.Index(fields=["unit", "posted_on"])]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.title}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == NeedKind.FUNDS:
            if not self.amount:
                errors["amount"] = "资金需求须填写融资金额"
            if not self.term:
                errors["term"] = "资金需求须填写期限(月)"
            if not self.purpose.strip():
                errors["purpose"] = "资金需求须填写资金用途"
        elif self.kind == NeedKind.MARKET:
            if not self.offering.strip():
                errors["offering"] = "市场/订单需求须填写产品或服务"
            if not self.customers.strip():
                errors["customers"] = "市场/订单需求须填写目标客户"
        elif self.kind == NeedKind.TALENT:
            if not self.roles.strip():
                errors["roles"] = "人才需求须填写岗位"
            if not self.headcount:
                errors["headcount"] = "人才需求须填写人数"
        if errors:
            raise ValidationError(errors)


class Stage(models.TextChoices):
    """Where a match stands: 匹配 → 对接 → 受理 → 授信 → 放款, or 未通过 (with a reason)."""

    MATCHED = "matched", _("已匹配")
    CONTACTED = "contacted", _("已对接")
    ACCEPTED = "accepted", _("已受理")
    GRANTED = "granted", _("已授信")
    LOANED = "loaned", _("已放款")
    DECLINED = "declined", _("未通过")


STAGE_ORDER = [Stage.MATCHED, Stage.CONTACTED, Stage.ACCEPTED, Stage.GRANTED, Stage.LOANED]


class Match(models.Model):
    """A 资金 need matched to a product, with why, and how it was followed: dated steps
    (``MatchStep``); the credit and the loan amounts and dates are mirrored here."""

    need = models.ForeignKey(
        Need, verbose_name=_("企业需求"), on_delete=models.CASCADE, related_name="matches"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("金融产品"), on_delete=models.PROTECT, related_name="matches"
    )
    reason = models.TextField(_("匹配理由"))
    matched_on = models.DateField(_("匹配日期"))
    stage = models.CharField(_("进展"), max_length=10, choices=Stage.choices, default=Stage.MATCHED)
    contacted_on = models.DateField(_("对接日期"), null=True, blank=True)
    credit_amount = models.BigIntegerField(
        _("授信金额(元)"), null=True, blank=True, validators=[non_negative_amount]
    )
    credit_on = models.DateField(_("授信日期"), null=True, blank=True)
    loan_amount = models.BigIntegerField(
        _("放款金额(元)"), null=True, blank=True, validators=[non_negative_amount]
    )
    loan_on = models.DateField(_("放款日期"), null=True, blank=True)
    declined_reason = models.CharField(_("未通过原因"), max_length=200, blank=True)

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(
        units=("need__unit",), members=("product__institution__staff__user",), parent="need"
    )

    class Meta:
        verbose_name = _("融资对接")
        verbose_name_plural = _("融资对接")
        ordering = ["-matched_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["need", "product"], name="match_once_per_product"),
        ]

    def __str__(self) -> str:
        return f"{self.need} → {self.product}"


class MatchStep(models.Model):
    """One step of a match's follow-up: who moved it to which stage, when, with what."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="steps")
    stage = models.CharField(_("进展"), max_length=10, choices=Stage.choices)
    occurred_on = models.DateField(_("日期"))
    amount = models.BigIntegerField(
        _("金额(元)"), null=True, blank=True, validators=[non_negative_amount]
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(
        units=("match__need__unit",),
        members=("match__product__institution__staff__user",),
        parent="match",
    )

    class Meta:
        verbose_name = _("对接记录")
        verbose_name_plural = _("对接记录")
        ordering = ["match", "occurred_on", "pk"]

    def __str__(self) -> str:
        return f"{self.match_id} {self.get_stage_display()} {self.occurred_on}"


class CreditConsent(models.Model):
    """An enterprise's consent that an institution may read its credit profile, from
    ``granted_on`` until revoked."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="credit_consents"
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("金融机构"),
        on_delete=models.CASCADE,
        related_name="consents",
    )
    granted_on = models.DateField(_("授权日期"))
    revoked_on = models.DateField(_("撤回日期"), null=True, blank=True)
    note = models.CharField(_("授权依据"), max_length=200, blank=True)

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(
        units=("enterprise__unit",), members=("institution__staff__user",), parent="enterprise"
    )

    class Meta:
        verbose_name = _("信用信息授权")
        verbose_name_plural = _("信用信息授权")
        ordering = ["enterprise", "institution"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "institution"], name="credit_consent_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} → {self.institution}"
