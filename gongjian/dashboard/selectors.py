"""Reads behind the leaders' pages: the dashboard (领导驾驶舱), the map, targets and
rankings. Every figure comes from ``gongjian.indicators.engine``; every row from the
scoped querysets (``restrict``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from gongjian.indicators import cube
from gongjian.indicators.display import chart_number, display
from gongjian.indicators.engine import (
    checkpoint_requests,
    checkpoint_statuses,
    completion_by_month,
    completion_many,
    effective_unit,
    evaluate_many,
    monthly_requests,
)
from gongjian.indicators.models import Indicator, Target
from gongjian.indicators.periods import Scope
from gongjian.kit.dates import Period, pro_rata
from gongjian.kit.scope import Action, allows
from gongjian.projects.lights import unit_light_counts, warning_light_counts
from gongjian.projects.models import Project
from gongjian.projects.selectors import problem_figures, problem_requests
from gongjian.strategy.models import Pillar
from gongjian.strategy.selectors import pillar_figures
from gongjian.units.models import Unit, User
from gongjian.units.selectors import compared_units

LIGHT_LABELS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "": "—"}
CHECKPOINTS = [
    (Indicator.Checkpoint.Q1, "开门红"),
    (Indicator.Checkpoint.H1, "双过半"),
    (Indicator.Checkpoint.Q3, "跑赢三季度"),
    (Indicator.Checkpoint.EARLY, "提前完成"),
]


# --- dashboard ----------------------------------------------------------------------


@dataclass
class Tile:
    indicator: Indicator
    value: object
    value_text: str
    target_text: str
    rate: float | None
    pro_rata: float
    ahead: bool | None

    @property
    def rate_percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"

    @property
    def bar_width(self) -> int:
        return 0 if self.rate is None else max(0, min(100, round(self.rate * 100)))


@dataclass
class Dashboard:
    tiles: list[Tile]
    checkpoints: list[tuple[str, bool | None]]
    trend: dict
    compare: dict
    lights: dict[str, int]
    others: list[tuple[Indicator, str]] = field(default_factory=list)
    # open / overdue at the as-of date, 销号 this year (``projects.selectors``)
    problems: list[dict] = field(default_factory=list)
    # read by a pillar of the strategy: its projects' figures (``strategy.selectors``)
    pillar_figures: list = field(default_factory=list)


@cube.one_reading()
def dashboard(user: User, scope: Scope, pillar: Pillar | None = None) -> Dashboard:
    """The dashboard's figures from a bounded number of grouped queries, whatever the
    number of projects: every figure of the page in one evaluation (its one-row
    aggregates in one statement), the warning lights in one aggregate, the units' stamps
    read once for both (``cube.one_reading``). With a ``pillar`` of the strategy, only
    the indicators assigned to it, and its projects' figures."""
    unit, year, as_of = scope.unit, scope.year, scope.as_of
    assert unit is not None  # the page answered 404 without a unit
    # the page's own rows, kept until the definitions are written to (with the units'
    # stamps, the one statement a page whose figures are all kept reads)
    targets, others, children = cube.kept(Unit.objects.db, unit.path).definitions(
        f"dashboard:{unit.pk}:{year}", lambda: _laid_out(unit, year)
    )
    # every figure of the page in one batch: one aggregate query per registry
    memo: dict = {}
    period = Period.year_to_date(year, as_of)
    kinds = [kind for kind, _label in CHECKPOINTS]
    judged = [t for t in targets if t.indicator.in_checkpoints]  # checkpoint_targets' rows
    if pillar is not None:
        chosen = {i.pk for i in pillar.indicators.all()}
        targets = [t for t in targets if t.indicator_id in chosen]
        judged = [t for t in judged if t.indicator_id in chosen]
        others = [i for i in others if i.pk in chosen]
    charted = [t for t in targets if t.indicator.kind == Indicator.Kind.COMPUTED][:6]
    compared = [(t.indicator, child, period) for t in charted for child in children]
    evaluate_many(
        [(t.indicator, unit, period) for t in targets]
        + checkpoint_requests(judged, unit, year, as_of, kinds)
        + [(i, unit, period) for i in others]
        + [r for t in charted for r in monthly_requests(t.indicator, unit, year, as_of)]
        + compared
        + problem_requests(unit, period),
        memo,
    )
    tiles = [
        Tile(
            target.indicator,
            c.value,
            display(c.value, target.indicator.display_unit),
            display(c.target, target.indicator.display_unit),
            c.rate,
            c.pro_rata,
            c.ahead,
        )
        for target, c in zip(
            targets, completion_many(targets, unit, year, as_of, memo), strict=True
        )
    ]
    statuses = checkpoint_statuses(unit, year, as_of, kinds, targets=judged, memo=memo)
    checkpoints = [(label, statuses[kind]) for kind, label in CHECKPOINTS]
    # monthly trend: year-to-date value at each month end, against target × 序时进度
    months = list(range(1, as_of.month + 1))
    series = []
    for target in charted:
        rates = completion_by_month(target.indicator, unit, year, as_of, target.value, memo)
        series.append({"name": target.indicator.name, "values": rates[: len(months)]})
    pro_rata_line = [
        round(pro_rata(min(Period.month(year, m).end, as_of)) * 100, 1) for m in months
    ]
    trend = {
        "months": [f"{m}月" for m in months],
        "series": series,
        "pro_rata": {"name": _("序时进度"), "values": pro_rata_line},
    }
    # units side by side on the targeted computed indicators (in the batch above)
    compare_series: list[dict] = []
    compare = {"units": [u.name for u in children], "series": compare_series}
    if children:
        side_by_side = iter(evaluate_many(compared, memo))
        for target in charted:
            ind = target.indicator
            compare_series.append(
                {
                    "name": ind.name,
                    "unit": _("亿元") if ind.display_unit == "元" else ind.display_unit,
                    "values": [
                        chart_number(next(side_by_side), ind.display_unit) for _u in children
                    ],
                }
            )
    if allows(user, Action.VIEW, unit):  # every project of the subtree: counts kept by unit
        counts = unit_light_counts(unit, as_of, scope.campaign)
    else:
        projects = Project.objects.restrict(user, Action.VIEW).in_subtree(unit)
        counts = warning_light_counts(projects, as_of, scope.campaign)
    figures = evaluate_many([(i, unit, period) for i in others], memo)  # already in the memo
    other_values = [(i, display(v, i.display_unit)) for i, v in zip(others, figures, strict=True)]
    problems = problem_figures(unit, period, memo)  # already in the memo
    board = Dashboard(tiles, checkpoints, trend, compare, counts, other_values, problems)
    if pillar is not None:
        board.pillar_figures = pillar_figures(pillar, unit, period)
    return board


def _laid_out(unit: Unit, year: int) -> tuple[list[Target], list[Indicator], list[Unit]]:
    """The dashboard's own rows: the unit's targets of ``year`` with their indicators,
    the other indicators it shows, the units it compares."""
    targets = list(
        Target.objects.filter(unit=unit, year=year, indicator__is_active=True)
        .select_related(
            "indicator",
            "indicator__fixed_unit",
            "indicator__base_indicator",
            "indicator__denominator",
            "indicator__weight",
        )
        .order_by("indicator__sort_order", "indicator__code")
    )
    return targets, _other_indicators(unit), compared_units(unit)


def _other_indicators(unit: Unit) -> list[Indicator]:
    return [
        i
        for i in Indicator.objects.filter(
            is_active=True, kind__in=[Indicator.Kind.COMPUTED, Indicator.Kind.REPORTED]
        ).select_related("fixed_unit", "base_indicator", "denominator", "weight")
        if effective_unit(i, unit) is not None
    ]
