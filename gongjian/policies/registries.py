"""Policies and grants as the indicator engine sees them (``RegistrySpec``s)."""

from __future__ import annotations

from django.db.models import Q

from gongjian.indicators.registries import Event, FilterSpec, RegistrySpec, as_list
from gongjian.indicators.registries import register as register_registry
from gongjian.kit.dates import Period


def policy_registry() -> RegistrySpec:
    """Published policies; on the list in a period (``active_in``) = in force at some time
    in it."""
    from .models import Policy

    def in_force(period: Period) -> Q:
        return Q(valid_from__lte=period.end) & (
            Q(valid_to__isnull=True) | Q(valid_to__gte=period.start)
        )

    def took_effect(period: Period) -> Q:
        return Q(valid_from__gte=period.start, valid_from__lte=period.end)

    return RegistrySpec(
        key="policies",
        label="惠企政策",
        queryset=lambda: Policy.objects.filter(status=Policy.Status.PUBLISHED),
        unit_path="unit__path",
        measure_fields={},
        events={"took_effect": Event("期间内开始施行", within=took_effect)},
        active_in=in_force,
        filters={
            "mode": FilterSpec("兑现方式", (str, list), lambda v: Q(mode__in=as_list(v))),
        },
    )


def grant_registry() -> RegistrySpec:
    """Grants approved (核准), paid out (拨付) or applied for (快申快享) in the period,
    counted or summed (amount, paid amount, days to payout), by the enterprise's unit."""
    from .models import Grant

    def approved(period: Period) -> Q:
        # approved in the period, whether paid out since or not
        return Q(
            status__in=[Grant.Status.APPROVED, Grant.Status.PAID],
            decided_on__gte=period.start,
            decided_on__lte=period.end,
        )

    def paid(period: Period) -> Q:
        return Q(status=Grant.Status.PAID, paid_on__gte=period.start, paid_on__lte=period.end)

    def applied(period: Period) -> Q:
        return Q(
            source=Grant.Source.APPLIED, applied_on__gte=period.start, applied_on__lte=period.end
        )

    return RegistrySpec(
        key="grants",
        label="政策兑现",
        queryset=lambda: Grant.objects.all(),
        unit_path="enterprise__unit__path",
        measure_fields={
            "amount": "兑现金额",
            "paid_amount": "拨付金额",
            "payout_days": "兑现用时(天)",
        },
        events={
            "approved": Event("期间内核准(含已拨付)", within=approved),
            "paid": Event("期间内拨付", within=paid),
            "applied": Event("期间内企业申请(快申快享)", within=applied),
        },
        filters={
            "policy_mode": FilterSpec(
                "政策兑现方式", (str, list), lambda v: Q(policy__mode__in=as_list(v))
            ),
            "policy": FilterSpec("政策编号", (str, list), lambda v: Q(policy__code__in=as_list(v))),
            "enterprise_tier": FilterSpec(
                "企业 21152 档次", (str, list), lambda v: Q(enterprise__tier__in=as_list(v))
            ),
        },
    )


def register() -> None:
    register_registry(policy_registry())
    register_registry(grant_registry())
