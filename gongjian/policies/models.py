"""免申即享: policies whose eligibility rules run over the enterprise registry, the labels
(企业标签) rules can test, and the grants the office approves.

A policy's ``rules`` and ``benefit`` are data in a small JSON language (see
``policies.rules``), edited by the office through a form and validated with Chinese
messages; nothing is evaluated as code.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjian.enterprises.models import Enterprise
from gongjian.kit.history import HistoricalRecords
from gongjian.kit.money import non_negative_amount
from gongjian.kit.scope import Ownership, RestrictedQuerySet
from gongjian.units.models import Unit


class EnterpriseLabel(models.Model):
    """A label an enterprise holds (高新技术企业, 专精特新 …) since a date."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="labels")
    label = models.CharField(_("标签"), max_length=50)
    since = models.DateField(_("认定日期"), null=True, blank=True)

    history = HistoricalRecords()

    objects = RestrictedQuerySet.as_manager()
    ownership = Ownership(units=("enterprise__unit",), parent="enterprise")

    class Meta:
        verbose_name = _("企业标签")
        verbose_name_plural = _("企业标签")
        ordering = ["enterprise", "label"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "label"], name="enterprise_label_unique")
        ]

    def __str__(self) -> str:
        return self.label


class Policy(models.Model):
    """A policy benefiting enterprises: who is eligible (rules), what they get (benefit),
    when it applies (period), and whether it is granted without application (免申即享)."""

    class Mode(models.TextChoices):
        AUTO = "auto", _("免申即享")
        APPLICATION = "application", _("依申请")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已废止")

    code = models.CharField(_("政策编号"), max_length=40, unique=True)
    name = models.CharField(_("政策名称"), max_length=200)
    unit = models.ForeignKey(
        Unit, verbose_name=_("发布单位"), on_delete=models.PROTECT, related_name="policies"
    )
    department = models.CharField(_("兑现部门"), max_length=100, blank=True)
    mode = models.CharField(_("兑现方式"), max_length=12, choices=Mode.choices, default=Mode.AUTO)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    summary = models.TextField(_("政策内容"), blank=True)
    rules = models.JSONField(_("适用条件"), default=dict, blank=True)
    benefit = models.JSONField(_("兑现标准"), default=dict)
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)
    review_days = models.PositiveSmallIntegerField(
        _("快申快享审核时限(工作日)"),
        default=5,
        help_text=_("依申请的政策:企业申请后须在该工作日数内审核"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()

    ownership = Ownership(units=("unit",), above=True)

    class Meta:
        verbose_name = _("惠企政策")
        verbose_name_plural = _("惠企政策")
        ordering = ["-valid_from", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        from .rules import validate_benefit, validate_rules

        errors: dict[str, list[str]] = {}
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            errors["valid_to"] = ["有效期止不能早于有效期起"]
        for field, check in (("rules", validate_rules), ("benefit", validate_benefit)):
            try:
                check(getattr(self, field))
            except ValidationError as exc:
                errors[field] = exc.messages
        if errors:
            raise ValidationError(errors)

    def in_force_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


class Grant(models.Model):
    """A benefit of a policy for an enterprise in a year: proposed by the matching,
    approved (or rejected) by the office."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待审核")
        APPROVED = "approved", _("已核准")
        REJECTED = "rejected", _("不予兑现")
        PAID = "paid", _("已拨付")

    class Source(models.TextChoices):
        MATCHED = "matched", _("免申即享匹配")
        APPLIED = "applied", _("企业申请(快申快享)")

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="grants")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="grants")
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.BigIntegerField(_("兑现金额(元)"), validators=[non_negative_amount])
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    reason = models.TextField(_("符合条件说明"), blank=True)
    proposed_on = models.DateField(_("生成日期"))
    decided_on = models.DateField(_("审核日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("审核意见"), max_length=200, blank=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=Source.choices, default=Source.MATCHED
    )
    # 快申快享: when the enterprise applied and the working day the review is due
    applied_on = models.DateField(_("申请日期"), null=True, blank=True)
    review_due_on = models.DateField(_("审核期限"), null=True, blank=True)
    # 拨付: the money paid out after approval
    paid_amount = models.BigIntegerField(
        _("拨付金额(元)"), null=True, blank=True, validators=[non_negative_amount]
    )
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    voucher = models.CharField(_("拨付凭证号"), max_length=100, blank=True)
    payout_days = models.PositiveIntegerField(
        _("兑现用时(天)"), null=True, blank=True, help_text=_("生成(或申请)到拨付的天数,自动计算")
    )
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("拨付经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()

    ownership = Ownership(units=("enterprise__unit",), parent="policy")

    class Meta:
        verbose_name = _("政策兑现")
        verbose_name_plural = _("政策兑现")
        ordering = ["policy", "enterprise"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "enterprise", "year"], name="grant_once_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} → {self.enterprise} ({self.year})"
