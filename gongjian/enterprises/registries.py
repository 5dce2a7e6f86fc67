"""The enterprise registry as the indicator engine sees it (``RegistrySpec``)."""

from __future__ import annotations

from django.db.models import Q

from gongjian.indicators.registries import FilterSpec, RegistrySpec, as_list
from gongjian.indicators.registries import register as register_registry

from .models import Enterprise


def enterprise_registry() -> RegistrySpec:
    """The registry ``enterprises``; the attraction app adds its event ``contacted`` (met
    in an outreach batch held in the period)."""
    return RegistrySpec(
        key="enterprises",
        label="企业库",
        queryset=lambda: Enterprise.objects.all(),
        unit_path="unit__path",
        measure_fields={"latest_revenue": "最近年度营收"},
        events={},
        filters={
            "tier": FilterSpec("21152 矩阵档次", (str, list), lambda v: Q(tier__in=as_list(v))),
            "industry": FilterSpec("所属行业", (str, list), lambda v: Q(industry__in=as_list(v))),
            "cluster": FilterSpec("产业集群", (str, list), lambda v: Q(cluster__in=as_list(v))),
            "latest_revenue__gte": FilterSpec(
                "最近年度营收不低于(元)", (int,), lambda v: Q(latest_revenue__gte=v)
            ),
        },
    )


def register() -> None:
    register_registry(enterprise_registry())
