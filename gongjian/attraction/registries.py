"""Outreach batches and leads as the indicator engine sees them (``RegistrySpec``s)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from gongjian.indicators.registries import FilterSpec, RegistrySpec, as_list, get_registry
from gongjian.indicators.registries import register as register_registry
from gongjian.kit.dates import Period


def outreach_registry() -> RegistrySpec:
    from .models import Outreach

    def held(qs: QuerySet, period: Period) -> QuerySet:
        return qs.filter(held_on__gte=period.start, held_on__lte=period.end)

    return RegistrySpec(
        key="outreach",
        label="招商活动",
        queryset=lambda: Outreach.objects.all(),
        unit_path="unit__path",
        measure_fields={},
        events={"held": ("期间内开展", held)},
        filters={
            "kind": FilterSpec("方式", (str, list), lambda qs, v: qs.filter(kind__in=as_list(v))),
            "theme": FilterSpec(
                "主题", (str, list), lambda qs, v: qs.filter(theme__in=as_list(v))
            ),
        },
    )


def lead_registry() -> RegistrySpec:
    from gongjian.projects.models import Stage, StageTransition

    from .models import Lead, LeadStage, LeadTransition, stage_q

    def own_event(stage: str):
        def apply(qs: QuerySet, period: Period) -> QuerySet:
            # an IN (subquery) semi-join: evaluated once, not once per lead
            return qs.filter(
                pk__in=LeadTransition.objects.filter(
                    stage=stage, occurred_on__gte=period.start, occurred_on__lte=period.end
                ).values("lead_id")
            )

        return apply

    def project_event(*stages: str):
        """From 签约 on, a lead's events are its project's stage history (one history)."""

        def apply(qs: QuerySet, period: Period) -> QuerySet:
            return qs.filter(
                project_id__in=StageTransition.objects.filter(
                    stage__in=stages, occurred_on__gte=period.start, occurred_on__lte=period.end
                ).values("project_id")
            )

        return apply

    def stage_filter(qs, value):
        return qs.filter(stage_q(as_list(value)))

    return RegistrySpec(
        key="leads",
        label="招商线索",
        queryset=lambda: Lead.objects.all(),
        unit_path="unit__path",
        measure_fields={
            "intended_investment": "意向投资额",
            "project__total_investment": "签约项目总投资",
        },
        events={
            "contacted": ("接洽", own_event(LeadStage.CONTACT)),
            "negotiating": ("洽谈", own_event(LeadStage.NEGOTIATING)),
            "terminated": ("终止", own_event(LeadStage.TERMINATED)),
            "signed": ("签约", project_event(Stage.SIGNED)),
            "landed": ("落地", project_event(Stage.LANDED)),
            "started": ("开工", project_event(Stage.STARTED)),
            "in_production": ("投产", project_event(Stage.IN_PRODUCTION)),
        },
        filters={
            "stage": FilterSpec("当前阶段", (str, list), stage_filter),
            "category": FilterSpec(
                "项目类别", (str, list), lambda qs, v: qs.filter(category__in=as_list(v))
            ),
            "industry_cluster": FilterSpec(
                "产业集群", (str, list), lambda qs, v: qs.filter(industry_cluster__in=as_list(v))
            ),
            "intended_investment__gte": FilterSpec(
                "意向投资额不低于(元)",
                (int,),
                lambda qs, v: qs.filter(intended_investment__gte=v),
            ),
            "enterprise_tier": FilterSpec(
                "企业 21152 档次",
                (str, list),
                lambda qs, v: qs.filter(enterprise__tier__in=as_list(v)),
            ),
        },
    )


def enterprises_contacted(qs: QuerySet, period: Period) -> QuerySet:
    """Met in at least one outreach batch held in the period (each enterprise once): the
    event ``contacted`` this app adds to the enterprise registry."""
    from .models import OutreachContact

    return qs.filter(
        Exists(
            OutreachContact.objects.filter(
                enterprise_id=OuterRef("pk"),
                outreach__held_on__gte=period.start,
                outreach__held_on__lte=period.end,
            )
        )
    )


def register() -> None:
    get_registry("enterprises").events["contacted"] = ("期间内在招商活动中对接", enterprises_contacted)
    register_registry(outreach_registry())
    register_registry(lead_registry())
