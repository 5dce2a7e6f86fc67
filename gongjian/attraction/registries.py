"""Outreach batches and leads as the indicator engine sees them (``RegistrySpec``s)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db.models import Q

from gongjian.indicators.registries import Event, FilterSpec, RegistrySpec, as_list, get_registry
from gongjian.indicators.registries import register as register_registry
from gongjian.kit.dates import Period


def outreach_registry() -> RegistrySpec:
    from .models import Outreach

    def held(period: Period) -> Q:
        return Q(held_on__gte=period.start, held_on__lte=period.end)

    return RegistrySpec(
        key="outreach",
        label="招商活动",
        queryset=lambda: Outreach.objects.all(),
        unit_path="unit__path",
        measure_fields={},
        events={"held": Event("期间内开展", within=held)},
        filters={
            "kind": FilterSpec("方式", (str, list), lambda v: Q(kind__in=as_list(v))),
            "theme": FilterSpec("主题", (str, list), lambda v: Q(theme__in=as_list(v))),
        },
    )


# The funnel's stages a lead can be counted at, in order (an event of the lead registry
# each); 洽谈 and 终止 sit beside it.
COHORT_STAGES = ["contacted", "signed", "landed", "started", "in_production"]


def cohort_event_key(cohort: str, stage: str) -> str:
    """The lead registry's event counting the leads of a cohort — those that had event
    ``cohort`` in the period — that have reached ``stage`` or a later one by the period's
    end (e.g. ``signed_then_landed``)."""
    return f"{cohort}_then_{stage}"


def lead_registry() -> RegistrySpec:
    from gongjian.projects.models import STAGE_RANK, Stage, StageTransition

    from .models import TO_PROJECT_STAGE, Lead, LeadStage, LeadTransition, stage_q

    def own_event(label: str, stage: str) -> Event:
        def within(period: Period) -> Q:
            # an IN (subquery) semi-join: read once, not once per lead
            moved = LeadTransition.objects.filter(
                stage=stage, occurred_on__gte=period.start, occurred_on__lte=period.end
            )
            return Q(pk__in=moved.values("lead_id"))

        return Event(label, within=within)

    def project_event(label: str, *stages: str) -> Event:
        """From 签约 on, a lead's events are its project's stage history (one history)."""
        return Event(
            label, relation="project__transitions", date="occurred_on", where=Q(stage__in=stages)
        )

    def reached(stage: str, by: dt.date) -> Q:
        """Leads whose project had moved to ``stage`` (a lead funnel stage from 签约 on)
        or to a later one on or before ``by`` — a project may skip a stage (签约 → 开工)
        and still counts as past it. An uncorrelated semi-join on the stage history."""
        rank = STAGE_RANK[TO_PROJECT_STAGE[LeadStage(stage)]]
        moved = StageTransition.objects.filter(
            stage__in=[s for s, r in STAGE_RANK.items() if r >= rank], occurred_on__lte=by
        )
        return Q(project_id__in=moved.values("project_id"))

    def then(cohort: Event, stage: str, stage_label: str) -> Event:
        """``cohort``'s rows (had it in the period, exactly as ``cohort`` counts them) that
        have reached ``stage`` or a later one by the period's end (the as-of date): the
        numerator of a conversion rate over the same leads as its denominator, and a
        funnel step that can never exceed the step before it."""
        label = f"期间内{cohort.label}、截至期末已{stage_label}(含以后阶段)"
        own = cohort.within

        def within(period: Period) -> Q:
            later = reached(stage, period.end)
            return own(period) & later if own is not None else later

        return dataclasses.replace(cohort, label=label, within=within)

    events = {
        "contacted": own_event("接洽", LeadStage.CONTACT),
        "negotiating": own_event("洽谈", LeadStage.NEGOTIATING),
        "terminated": own_event("终止", LeadStage.TERMINATED),
        "signed": project_event("签约", Stage.SIGNED),
        "landed": project_event("落地", Stage.LANDED),
        "started": project_event("开工", Stage.STARTED),
        "in_production": project_event("投产", Stage.IN_PRODUCTION),
    }
    for n, cohort in enumerate(COHORT_STAGES):
        for stage in COHORT_STAGES[n + 1 :]:
            events[cohort_event_key(cohort, stage)] = then(
                events[cohort], stage, events[stage].label
            )

    return RegistrySpec(
        key="leads",
        label="招商线索",
        queryset=lambda: Lead.objects.all(),
        unit_path="unit__path",
        measure_fields={
            "intended_investment": "意向投资额",
            "project__total_investment": "签约项目总投资",
        },
        events=events,
        filters={
            "stage": FilterSpec("当前阶段", (str, list), lambda v: stage_q(as_list(v))),
            "category": FilterSpec("项目类别", (str, list), lambda v: Q(category__in=as_list(v))),
            "industry_cluster": FilterSpec(
                "产业集群", (str, list), lambda v: Q(industry_cluster__in=as_list(v))
            ),
            "intended_investment__gte": FilterSpec(
                "意向投资额不低于(元)", (int,), lambda v: Q(intended_investment__gte=v)
            ),
            "enterprise_tier": FilterSpec(
                "企业 21152 档次", (str, list), lambda v: Q(enterprise__tier__in=as_list(v))
            ),
        },
    )


def enterprises_contacted(period: Period) -> Q:
    """Met in at least one outreach batch held in the period (each enterprise once): the
    event ``contacted`` this app adds to the enterprise registry — an uncorrelated
    semi-join on the contacts, read once per query."""
    from .models import OutreachContact

    met = OutreachContact.objects.filter(
        outreach__held_on__gte=period.start, outreach__held_on__lte=period.end
    )
    return Q(pk__in=met.values("enterprise_id"))


def register() -> None:
    get_registry("enterprises").events["contacted"] = Event(
        "期间内在招商活动中对接", within=enterprises_contacted
    )
    register_registry(outreach_registry())
    register_registry(lead_registry())
