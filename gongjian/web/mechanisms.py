"""Reads for the mechanism pages: 集中开工/签约 batches, 提级管理, the office's 督办 list.

Every figure comes from the indicator engine: a batch's totals are an ad-hoc
computed indicator (count / sum of total investment over the project registry,
filtered by the batch) evaluated for the page's unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from gongjian.common.dates import Period
from gongjian.common.money import format_amount
from gongjian.indicators.engine import evaluate, evaluate_by_unit
from gongjian.indicators.models import Indicator
from gongjian.projects.filters import OPEN_STATUSES
from gongjian.projects.models import (
    Batch,
    EscalationEvent,
    EscalationLevel,
    EscalationRule,
    Problem,
    Project,
)
from gongjian.units.models import Unit, User

from .selectors import compared_units

VERBS = {
    Batch.Kind.COLLECTIVE_START: "集中开工",
    Batch.Kind.COLLECTIVE_SIGNING: "集中签约",
    Batch.Kind.KEY_LIST: "入选",
}


def batch_indicator(batch: Batch, measure: str) -> Indicator:
    """The (unsaved) engine definition of a batch's count or total investment."""
    return Indicator(
        code=f"batch.{batch.code}.{measure}",
        name=batch.name,
        kind=Indicator.Kind.COMPUTED,
        registry="projects",
        measure=Indicator.Measure.COUNT if measure == "count" else Indicator.Measure.SUM,
        measure_field="" if measure == "count" else "total_investment",
        period_mode=Indicator.PeriodMode.NONE,
        filters={"batch": batch.code},
    )


@dataclass
class BatchSummary:
    batch: Batch
    count: int
    total_investment: int

    @property
    def sentence(self) -> str:
        verb = VERBS.get(self.batch.kind, "")
        return f"{self.count}个重点项目{verb},总投资{format_amount(self.total_investment, '亿元')}"


def batch_summary(batch: Batch, unit: Unit) -> BatchSummary:
    period = Period.year_to_date(batch.year)
    return BatchSummary(
        batch,
        int(evaluate(batch_indicator(batch, "count"), unit, period) or 0),
        int(evaluate(batch_indicator(batch, "sum"), unit, period) or 0),
    )


def batch_by_unit(batch: Batch, unit: Unit) -> list[dict]:
    units = compared_units(unit)
    if not units:
        return []
    period = Period.year_to_date(batch.year)
    counts = evaluate_by_unit(batch_indicator(batch, "count"), units, period)
    sums = evaluate_by_unit(batch_indicator(batch, "sum"), units, period)
    return [
        {"unit": u, "count": counts[u.pk], "total": format_amount(sums[u.pk] or 0, "亿元")}
        for u in units
        if counts[u.pk]
    ]


def batch_projects(user: User, batch: Batch, unit: Unit) -> QuerySet[Project]:
    return (
        Project.objects.visible_to(user)
        .in_subtree(unit)
        .filter(batches=batch)
        .select_related("unit", "leader")
        .order_by("unit__path", "-total_investment", "code")
    )


# --- 提级管理 -----------------------------------------------------------------------------


def escalated_projects(user: User) -> QuerySet[Project]:
    """Projects under city-level management (carrying an active 提级 rule's tag)."""
    tags = EscalationRule.objects.filter(is_active=True).values("tag")
    return (
        Project.objects.visible_to(user)
        .filter(tags__in=tags)
        .distinct()
        .select_related("unit", "leader", "responsible_unit")
        .annotate(open_problems=Count("problems", filter=Q(problems__status__in=OPEN_STATUSES)))
        .order_by("-total_investment", "code")
    )


def escalation_events(user: User, limit: int = 50) -> list[EscalationEvent]:
    return list(
        EscalationEvent.objects.filter(project__in=Project.objects.visible_to(user).values("pk"))
        .select_related("project", "project__unit", "tag", "actor")
        .order_by("-occurred_at", "-pk")[:limit]
    )


# --- 督办 ----------------------------------------------------------------------------------


def supervision_problems(user: User, level: str = EscalationLevel.OFFICE) -> QuerySet[Problem]:
    """Open problems escalated to ``level`` (or beyond) among the user's projects."""
    levels = (
        [EscalationLevel.OFFICE]
        if level == EscalationLevel.OFFICE
        else [
            EscalationLevel.LEADER,
            EscalationLevel.OFFICE,
        ]
    )
    return (
        Problem.objects.filter(project__in=Project.objects.visible_to(user).values("pk"))
        .filter(status__in=OPEN_STATUSES, level__in=levels)
        .select_related("project", "project__unit", "owner_unit", "leader")
        .order_by("deadline", "pk")
    )
