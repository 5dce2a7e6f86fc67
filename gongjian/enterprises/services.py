"""Every write to the enterprise registry (keyword-only, one transaction, ``full_clean()``
before saving, who/when/before/after recorded by django-simple-history)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from gongjian.units.models import Unit, User
from gongjian.units.selectors import is_office, require_write

from .models import Enterprise, EnterpriseContact, EnterpriseRevenue, TierThresholds
from .selectors import duplicates_of

EDITABLE_FIELDS = ("name", "credit_code", "industry", "cluster", "region", "unit", "notes")


def _refuse_duplicates(actor: User | None, enterprise: Enterprise) -> None:
    found = duplicates_of(
        name=enterprise.name, credit_code=enterprise.credit_code, exclude_pk=enterprise.pk
    )
    if found:
        other, reason = found[0]
        field = "credit_code" if reason == "credit_code" else "name"
        what = "统一社会信用代码" if reason == "credit_code" else "名称"
        if actor is None or Enterprise.objects.visible_to(actor).filter(pk=other.pk).exists():
            raise ValidationError(
                {field: f"企业库中已有{what}相同的企业“{other.name}”(编号 {other.pk}),请勿重复登记"}
            )
        # another unit's enterprise: say that it exists, not what it is
        raise ValidationError(
            {field: f"企业库中已有{what}相同的企业,由其他单位跟踪服务,请联系攻坚办"}
        )


def _apply_tier(enterprise: Enterprise, thresholds: TierThresholds | None = None) -> None:
    latest = enterprise.revenues.order_by("-year").first() if enterprise.pk else None
    enterprise.latest_revenue = latest.revenue if latest else None
    enterprise.revenue_year = latest.year if latest else None
    enterprise.tier = (thresholds or TierThresholds.current()).tier_of(enterprise.latest_revenue)


@transaction.atomic
def enterprise_create(
    *,
    actor: User | None,
    name: str,
    unit: Unit,
    credit_code: str | None = None,
    contacts: list[dict] = (),
    revenues: dict[int, int] | None = None,
    **fields,
) -> Enterprise:
    """Register an enterprise; refuses a credit code or normalised name already there."""
    require_write(actor, unit)
    enterprise = Enterprise(name=name, unit=unit, credit_code=credit_code or None, **fields)
    enterprise.full_clean(validate_unique=False)  # duplicates: the clearer check below
    _refuse_duplicates(actor, enterprise)
    enterprise._history_user = actor
    enterprise.save()
    for contact in contacts:
        enterprise_contact_add(actor=actor, enterprise=enterprise, **contact)
    for year, revenue in (revenues or {}).items():
        enterprise_revenue_set(actor=actor, enterprise=enterprise, year=year, revenue=revenue)
    return enterprise


@transaction.atomic
def enterprise_update(*, actor: User | None, enterprise: Enterprise, **fields) -> Enterprise:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: "该字段不能直接修改" for f in sorted(unknown)})
    require_write(actor, enterprise.unit)
    if "unit" in fields:
        require_write(actor, fields["unit"])
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean(validate_unique=False)
    _refuse_duplicates(actor, locked)
    locked._history_user = actor
    locked.save()
    return locked


@transaction.atomic
def enterprise_revenue_set(
    *, actor: User | None, enterprise: Enterprise, year: int, revenue: int
) -> EnterpriseRevenue:
    """Record (or correct) a year's revenue; the tier follows the latest year."""
    require_write(actor, enterprise.unit)
    if not 1990 <= int(year) <= 2100:
        raise ValidationError({"year": f"年度 {year} 超出范围(1990–2100)"})
    row = EnterpriseRevenue.objects.filter(enterprise=enterprise, year=year).first()
    row = row or EnterpriseRevenue(enterprise=enterprise, year=year)
    row.revenue = revenue
    row.full_clean()
    row._history_user = actor
    row.save()
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    _apply_tier(locked)
    locked._history_user = actor
    locked.save()
    enterprise.__dict__.update(
        {k: getattr(locked, k) for k in ("latest_revenue", "revenue_year", "tier")}
    )
    return row


@transaction.atomic
def enterprise_contact_add(
    *, actor: User | None, enterprise: Enterprise, name: str, title: str = "", phone: str = ""
) -> EnterpriseContact:
    require_write(actor, enterprise.unit)
    contact = EnterpriseContact(enterprise=enterprise, name=name, title=title, phone=phone)
    contact.full_clean()
    contact._history_user = actor
    contact.save()
    return contact


@transaction.atomic
def tier_thresholds_set(*, actor: User | None, **values: int) -> TierThresholds:
    """Change the 21152 thresholds (office only) and re-derive every enterprise's tier."""
    if actor is not None and not is_office(actor):
        raise PermissionDenied("只有攻坚办可以设置 21152 矩阵门槛")
    thresholds = TierThresholds.objects.select_for_update().order_by("pk").first()
    thresholds = thresholds or TierThresholds()
    for name, value in values.items():
        if name not in ("ge_10bn", "ge_5bn", "ge_1bn", "high_growth"):
            raise ValidationError({name: "未知的门槛"})
        setattr(thresholds, name, value)
    thresholds.full_clean()
    thresholds._history_user = actor
    thresholds.save()
    tiers_refresh(thresholds=thresholds)
    return thresholds


def tiers_refresh(*, thresholds: TierThresholds | None = None) -> int:
    """Re-derive ``tier`` of every enterprise with revenue (set-based, a few queries)."""
    from django.db.models import Case, Value, When

    thresholds = thresholds or TierThresholds.current()
    whens = [When(latest_revenue__gte=v, then=Value(t)) for t, v in thresholds.ordered()]
    return Enterprise.objects.update(tier=Case(*whens, default=Value("")))
