"""Every write to the enterprise registry (keyword-only, one transaction, ``full_clean()``
before saving, who/when/before/after recorded by django-simple-history)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from gongjian.kit.history import record_actor
from gongjian.kit.scope import Action, allows, manages_shared, require
from gongjian.units.models import Actor, Unit

from .models import (
    Enterprise,
    EnterpriseContact,
    EnterpriseRevenue,
    Tier,
    TierThresholds,
    growth_of,
)
from .selectors import duplicates_of

EDITABLE_FIELDS = ("name", "credit_code", "industry", "cluster", "region", "unit", "notes")


def _refuse_duplicates(actor: Actor, enterprise: Enterprise) -> None:
    found = duplicates_of(
        name=enterprise.name, credit_code=enterprise.credit_code, exclude_pk=enterprise.pk
    )
    if found:
        other, reason = found[0]
        field = "credit_code" if reason == "credit_code" else "name"
        what = "统一社会信用代码" if reason == "credit_code" else "名称"
        if allows(actor, Action.VIEW, other):
            raise ValidationError(
                {field: f"企业库中已有{what}相同的企业“{other.name}”(编号 {other.pk}),请勿重复登记"}
            )
        # another unit's enterprise: say that it exists, not what it is
        raise ValidationError(
            {field: f"企业库中已有{what}相同的企业,由其他单位跟踪服务,请联系攻坚办"}
        )


def _apply_tier(enterprise: Enterprise, thresholds: TierThresholds | None = None) -> None:
    latest = enterprise.revenues.order_by("-year").first() if enterprise.pk else None
    previous = (
        enterprise.revenues.filter(year=latest.year - 1).values_list("revenue", flat=True).first()
        if latest
        else None
    )
    enterprise.latest_revenue = latest.revenue if latest else None
    enterprise.revenue_year = latest.year if latest else None
    enterprise.revenue_growth = growth_of(enterprise.latest_revenue, previous)
    enterprise.tier = (thresholds or TierThresholds.current()).tier_of(
        enterprise.latest_revenue, enterprise.revenue_growth
    )


@transaction.atomic
def enterprise_create(
    *,
    actor: Actor,
    name: str,
    unit: Unit,
    credit_code: str | None = None,
    contacts: Sequence[dict] = (),
    revenues: dict[int, int] | None = None,
    **fields,
) -> Enterprise:
    """Register an enterprise; refuses a credit code or normalised name already there."""
    require(actor, Action.CHANGE, unit)
    enterprise = Enterprise(name=name, unit=unit, credit_code=credit_code or None, **fields)
    enterprise.full_clean(validate_unique=False)  # duplicates: the clearer check below
    _refuse_duplicates(actor, enterprise)
    record_actor(enterprise, actor)
    enterprise.save()
    for contact in contacts:
        enterprise_contact_add(actor=actor, enterprise=enterprise, **contact)
    for year, revenue in (revenues or {}).items():
        enterprise_revenue_set(actor=actor, enterprise=enterprise, year=year, revenue=revenue)
    return enterprise


@transaction.atomic
def enterprise_update(*, actor: Actor, enterprise: Enterprise, **fields) -> Enterprise:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: "该字段不能直接修改" for f in sorted(unknown)})
    require(actor, Action.CHANGE, enterprise.unit)
    if "unit" in fields:
        require(actor, Action.CHANGE, fields["unit"])
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean(validate_unique=False)
    _refuse_duplicates(actor, locked)
    record_actor(locked, actor)
    locked.save()
    return locked


@transaction.atomic
def enterprise_revenue_set(
    *, actor: Actor, enterprise: Enterprise, year: int, revenue: int
) -> EnterpriseRevenue:
    """Record (or correct) a year's revenue; the tier follows the latest year."""
    require(actor, Action.CHANGE, enterprise.unit)
    if not 1990 <= int(year) <= 2100:
        raise ValidationError({"year": f"年度 {year} 超出范围(1990–2100)"})
    row = EnterpriseRevenue.objects.filter(enterprise=enterprise, year=year).first()
    row = row or EnterpriseRevenue(enterprise=enterprise, year=year)
    row.revenue = revenue
    row.full_clean()
    record_actor(row, actor)
    row.save()
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    _apply_tier(locked)
    record_actor(locked, actor)
    locked.save()
    enterprise.__dict__.update(
        {
            k: getattr(locked, k)
            for k in ("latest_revenue", "revenue_year", "revenue_growth", "tier")
        }
    )
    return row


@transaction.atomic
def enterprise_contact_add(
    *, actor: Actor, enterprise: Enterprise, name: str, title: str = "", phone: str = ""
) -> EnterpriseContact:
    require(actor, Action.CHANGE, enterprise.unit)
    contact = EnterpriseContact(enterprise=enterprise, name=name, title=title, phone=phone)
    contact.full_clean()
    record_actor(contact, actor)
    contact.save()
    return contact


@transaction.atomic
def tier_thresholds_set(*, actor: Actor, **values: int | Decimal) -> TierThresholds:
    """Change the 21152 thresholds (office only: revenues in 元, ``high_growth_rate`` a
    growth rate) and re-derive every enterprise's tier."""
    if not manages_shared(actor):
        raise PermissionDenied("只有攻坚办可以设置 21152 矩阵门槛")
    thresholds = TierThresholds.objects.select_for_update().order_by("pk").first()
    thresholds = thresholds or TierThresholds()
    for name, value in values.items():
        if name not in ("ge_10bn", "ge_5bn", "ge_1bn", "high_growth", "high_growth_rate"):
            raise ValidationError({name: "未知的门槛"})
        setattr(thresholds, name, value)
    thresholds.full_clean()
    record_actor(thresholds, actor)
    thresholds.save()
    tiers_refresh(thresholds=thresholds)
    return thresholds


def tiers_refresh(*, thresholds: TierThresholds | None = None) -> int:
    """Re-derive ``tier`` of every enterprise with revenue (set-based, a few queries)."""
    from django.db.models import Case, Value, When

    thresholds = thresholds or TierThresholds.current()
    whens = []
    for tier, value in thresholds.ordered():
        if tier == Tier.HIGH_GROWTH:  # also growing fast enough; else no tier at all
            whens.append(
                When(
                    latest_revenue__gte=value,
                    revenue_growth__gte=thresholds.high_growth_rate,
                    then=Value(tier),
                )
            )
            break
        whens.append(When(latest_revenue__gte=value, then=Value(tier)))
    return Enterprise.objects.update(tier=Case(*whens, default=Value("")))
