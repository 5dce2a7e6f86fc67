"""The enterprise registry as the indicator engine sees it (``RegistrySpec``)."""

from __future__ import annotations

from django.db.models import BigIntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from gongjian.indicators.registries import FilterSpec, RegistrySpec, as_list
from gongjian.indicators.registries import register as register_registry

from .models import Enterprise, IndustryCluster


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


def clusters_with_revenue():
    """Industrial clusters, each annotated with ``revenue``: the sum of the latest annual
    revenue of its member enterprises (those in the cluster's unit's subtree whose
    ``cluster`` is its name) — one correlated subquery per cluster row."""
    members = (
        Enterprise.objects.filter(
            cluster=OuterRef("name"), unit__path__startswith=OuterRef("unit__path")
        )
        .order_by()
        .values("cluster")
        .annotate(total=Sum("latest_revenue"))
        .values("total")
    )
    return IndustryCluster.objects.annotate(
        revenue=Coalesce(Subquery(members, output_field=BigIntegerField()), 0)
    )


def cluster_registry() -> RegistrySpec:
    """The registry ``industry_clusters``: counting the clusters whose members' revenue
    reaches an amount (filter ``revenue__gte``) gives e.g. 千亿级产业集群."""
    return RegistrySpec(
        key="industry_clusters",
        label="产业集群",
        queryset=clusters_with_revenue,
        unit_path="unit__path",
        measure_fields={"revenue": "集群企业最近年度营收合计"},
        events={},
        filters={
            "revenue__gte": FilterSpec(
                "集群企业营收合计不低于(元)", (int,), lambda v: Q(revenue__gte=v)
            ),
            "name": FilterSpec("产业集群", (str, list), lambda v: Q(name__in=as_list(v))),
            "track": FilterSpec("发展定位", (str, list), lambda v: Q(track__in=as_list(v))),
        },
    )


def register() -> None:
    register_registry(enterprise_registry())
    register_registry(cluster_registry())
