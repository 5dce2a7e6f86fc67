"""Reads behind the project pages: the 调度 list, 包保, the mechanism pages (集中开工/签约
batches, 提级管理, the office's 督办 list). Every row from ``restrict``; every figure from
the indicator engine (a batch's totals are an ad-hoc computed indicator — count / sum of
total investment over the project registry, filtered by the batch — evaluated for the
page's unit)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gongjian.indicators.engine import evaluate, evaluate_by_unit, evaluate_many
from gongjian.indicators.models import Indicator
from gongjian.indicators.periods import Scope
from gongjian.kit.clock import today
from gongjian.kit.dates import Period
from gongjian.kit.money import format_amount, show_amount
from gongjian.kit.scope import Action
from gongjian.units.models import Unit, User
from gongjian.units.selectors import compared_units

from .cadence import with_cadence
from .filters import OPEN_STATUSES
from .models import Batch, EscalationEvent, EscalationLevel, EscalationRule, Problem, Project

# --- 调度 dispatch --------------------------------------------------------------------


def dispatch_period(request, scope: Scope) -> Period:
    """The dispatch month: ``?period=2024-10``, default the as-of month."""
    text = request.GET.get("period", "").strip()
    if text:
        try:
            period = Period.parse(text)
            if period.start.month == period.end.month:
                return period
        except ValueError:
            pass
    return Period.month(scope.as_of.year, scope.as_of.month)


def due_projects(user: User, unit: Unit, period: Period):
    """Projects of ``unit``'s subtree that owe reports in the month ``period`` under their
    双高 cadence (``projects.cadence``): under construction (开工/复工, not 停缓建) by the
    period's end or at a stage a cadence rule names; annotated with ``cadence``,
    ``due_count``, ``reported_count`` and ``reported`` (everything owed is in)."""
    return with_cadence(
        Project.objects.restrict(user, Action.VIEW).in_subtree(unit), period
    ).select_related("unit")


def dispatch_indicator(event: str) -> Indicator:
    """The (unsaved) engine definition of the projects owing 调度 reports in a month
    (``dispatch_due``) or having sent them all (``dispatch_reported``)."""
    return Indicator.adhoc(f"dispatch.{event}", "projects", event=event)


def dispatch_status(unit: Unit, period: Period) -> tuple[list[dict], dict]:
    """Per compared unit, and for ``unit`` itself: projects due, reported, missing in the
    month ``period`` (the engine, one batch: the units' rows grouped once give both)."""
    children = compared_units(unit) or [unit]
    due, reported = dispatch_indicator("dispatch_due"), dispatch_indicator("dispatch_reported")
    counted = [*children, unit]
    values = evaluate_many([(i, u, period) for u in counted for i in (due, reported)])
    stats = []
    for n, u in enumerate(counted):
        owed, sent = int(values[2 * n] or 0), int(values[2 * n + 1] or 0)
        stats.append(
            {
                "unit": u,
                "due": owed,
                "reported": sent,
                "missing": owed - sent,
                "rate": f"{sent * 100 / owed:.0f}%" if owed else "—",
            }
        )
    return stats[:-1], stats[-1]


def dispatch_status_by_unit(unit: Unit, period: Period) -> list[dict]:
    """``dispatch_status`` per compared unit."""
    return dispatch_status(unit, period)[0]


# --- 包保 -------------------------------------------------------------------------------


def leader_problems(user: User, leader: User):
    """Problems of ``leader``'s projects (or assigned to them), open ones first, overdue first."""
    return (
        Problem.objects.restrict(user, Action.VIEW)
        .filter(Q(leader=leader) | Q(project__leader=leader))
        .select_related("project", "project__unit", "owner_unit")
        .annotate(
            is_open=ExpressionWrapper(Q(status__in=OPEN_STATUSES), output_field=BooleanField()),
            is_overdue=ExpressionWrapper(
                Q(status__in=OPEN_STATUSES, deadline__lt=today()), output_field=BooleanField()
            ),
        )
        .order_by("-is_overdue", "-is_open", "deadline", "pk")
    )


# --- problem figures (engine) -------------------------------------------------------

# (event of the problems registry, label): the dashboard's problem figures, judged at the
# end of the page's period — its as-of date
PROBLEM_FIGURES = (
    ("unresolved", _("未解决问题")),
    ("overdue", _("超期未解决")),
    ("verified", _("本年已销号")),
)


def problem_indicator(event: str) -> Indicator:
    """The (unsaved) engine definition counting the problems that had ``event`` in a
    period (``projects.registries``: ``unresolved``/``overdue`` at the period's end)."""
    return Indicator.adhoc(f"problems.{event}", "problems", event=event)


def problem_requests(unit: Unit, period: Period) -> list:
    """The engine requests of ``PROBLEM_FIGURES`` for ``unit``'s subtree and ``period``
    (a page adds them to its own batch)."""
    return [(problem_indicator(event), unit, period) for event, _label in PROBLEM_FIGURES]


def problem_figures(unit: Unit, period: Period, memo: dict | None = None) -> list[dict]:
    """``PROBLEM_FIGURES`` of ``unit``'s subtree: open and overdue at ``period``'s end,
    closed (销号) within it — one engine query."""
    values = evaluate_many(problem_requests(unit, period), memo)
    return [
        {"event": event, "label": label, "value": int(value or 0)}
        for (event, label), value in zip(PROBLEM_FIGURES, values, strict=True)
    ]


# --- 集中开工 / 签约 batches -------------------------------------------------------------

VERBS = {
    Batch.Kind.COLLECTIVE_START: "集中开工",
    Batch.Kind.COLLECTIVE_SIGNING: "集中签约",
    Batch.Kind.KEY_LIST: "入选",
}


def batch_indicator(batch: Batch, measure: str) -> Indicator:
    """The (unsaved) engine definition of a batch's count or total investment."""
    return Indicator.adhoc(
        f"batch.{batch.code}.{measure}",
        "projects",
        name=batch.name,
        measure_field="" if measure == "count" else "total_investment",
        filters={"batch": batch.code},
    )


@dataclass
class BatchSummary:
    batch: Batch
    count: int
    total_investment: int

    @property
    def sentence(self) -> str:
        verb = VERBS.get(Batch.Kind(self.batch.kind), "")
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
        {"unit": u, "count": counts[u.pk], "total": show_amount(int(sums[u.pk] or 0), "亿元")}
        for u in units
        if counts[u.pk]
    ]


def batch_projects(user: User, batch: Batch, unit: Unit) -> QuerySet[Project]:
    return (
        Project.objects.restrict(user, Action.VIEW)
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
        Project.objects.restrict(user, Action.VIEW)
        .filter(tags__in=tags)
        .distinct()
        .select_related("unit", "leader", "responsible_unit")
        .annotate(open_problems=Count("problems", filter=Q(problems__status__in=OPEN_STATUSES)))
        .order_by("-total_investment", "code")
    )


def escalation_events(user: User, limit: int = 50) -> list[EscalationEvent]:
    return list(
        EscalationEvent.objects.restrict(user, Action.VIEW)
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
        Problem.objects.restrict(user, Action.VIEW)
        .filter(status__in=OPEN_STATUSES, level__in=levels)
        .select_related("project", "project__unit", "owner_unit", "leader")
        .order_by("deadline", "pk")
    )
