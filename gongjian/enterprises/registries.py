"""The enterprise registry as the indicator engine sees it (``RegistrySpec``)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from gongjian.common.dates import Period
from gongjian.indicators.registries import FilterSpec, RegistrySpec, _as_list


def enterprise_registry() -> RegistrySpec:
    from gongjian.attraction.models import OutreachContact

    from .models import Enterprise

    def contacted(qs: QuerySet, period: Period) -> QuerySet:
        """Met in at least one outreach batch held in the period (each enterprise once)."""
        return qs.filter(
            Exists(
                OutreachContact.objects.filter(
                    enterprise_id=OuterRef("pk"),
                    outreach__held_on__gte=period.start,
                    outreach__held_on__lte=period.end,
                )
            )
        )

    return RegistrySpec(
        key="enterprises",
        label="企业库",
        queryset=lambda: Enterprise.objects.all(),
        unit_path="unit__path",
        measure_fields={"latest_revenue": "最近年度营收"},
        events={"contacted": ("期间内在招商活动中对接", contacted)},
        filters={
            "tier": FilterSpec(
                "21152 矩阵档次", (str, list), lambda qs, v: qs.filter(tier__in=_as_list(v))
            ),
            "industry": FilterSpec(
                "所属行业", (str, list), lambda qs, v: qs.filter(industry__in=_as_list(v))
            ),
            "cluster": FilterSpec(
                "产业集群", (str, list), lambda qs, v: qs.filter(cluster__in=_as_list(v))
            ),
            "latest_revenue__gte": FilterSpec(
                "最近年度营收不低于(元)", (int,), lambda qs, v: qs.filter(latest_revenue__gte=v)
            ),
        },
    )
