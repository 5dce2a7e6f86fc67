"""The indicator engine: one definition, one number everywhere.

Every figure the product shows — dashboard tile, ranking score, map colour,
report sentence, API field, CLI line — comes from these functions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum

from gongjian.common.dates import Period, pro_rata, quarter_end
from gongjian.units.models import Unit

from .models import Campaign, Indicator, RankingItem, RankingScheme, ReportedValue, Target
from .registries import get_registry

Value = int | Decimal | bool | None


def effective_unit(indicator: Indicator, unit: Unit) -> Unit | None:
    """The subtree an indicator counts for ``unit``; None when its fixed unit lies outside."""
    fixed = indicator.fixed_unit
    if fixed is None:
        return unit
    if fixed.is_within(unit):
        return fixed
    if unit.is_within(fixed):
        return unit
    return None


def _computed_queryset(indicator: Indicator, period: Period):
    spec = get_registry(indicator.registry)
    qs = spec.apply_filters(spec.queryset(), indicator.filters)
    if indicator.period_mode == Indicator.PeriodMode.EVENT:
        qs = spec.events[indicator.event][1](qs, period)
    elif indicator.period_mode == Indicator.PeriodMode.ACTIVE:
        qs = spec.active(qs, period)
    return spec, qs


def _aggregate(indicator: Indicator):
    if indicator.measure == Indicator.Measure.COUNT:
        return Count("pk")
    return Sum(indicator.measure_field)


def evaluate(indicator: Indicator, unit: Unit, period: Period) -> Value:
    """The value of ``indicator`` for ``unit``'s subtree over ``period``."""
    scope = effective_unit(indicator, unit)
    if scope is None:
        return None
    if indicator.kind == Indicator.Kind.COMPUTED:
        spec, qs = _computed_queryset(indicator, period)
        qs = qs.filter(**{f"{spec.unit_path}__startswith": scope.path})
        value = qs.aggregate(v=_aggregate(indicator))["v"]
        return int(value or 0)
    if indicator.kind == Indicator.Kind.REPORTED:
        return _reported(indicator, scope, period)
    if indicator.kind == Indicator.Kind.RATIO:
        numerator = evaluate(indicator.base_indicator, scope, period)
        denominator = evaluate(indicator.denominator, scope, period)
        return ratio_value(numerator, denominator)
    if indicator.kind == Indicator.Kind.COMPLETION:
        rate = completion(indicator.base_indicator, scope, period.year, period.end).rate
        return None if rate is None else Decimal(str(round(rate, 4)))
    return checkpoint_status(indicator.checkpoint, scope, period.year, period.end)


def ratio_value(numerator: Value, denominator: Value) -> Decimal | None:
    """A ratio indicator's value: numerator ÷ denominator to four places; None without a
    denominator."""
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"))


def evaluate_by_unit(indicator: Indicator, units: list[Unit], period: Period) -> dict[int, Value]:
    """Values for several units at once: one grouped query, rolled up the unit tree (a
    ratio: one for its numerator and one for its denominator)."""
    if indicator.kind == Indicator.Kind.RATIO and indicator.fixed_unit_id is None:
        numerators = evaluate_by_unit(indicator.base_indicator, units, period)
        denominators = evaluate_by_unit(indicator.denominator, units, period)
        return {u.pk: ratio_value(numerators[u.pk], denominators[u.pk]) for u in units}
    if indicator.kind != Indicator.Kind.COMPUTED:
        return {u.pk: evaluate(indicator, u, period) for u in units}
    spec, qs = _computed_queryset(indicator, period)
    if indicator.fixed_unit_id:
        qs = qs.filter(**{f"{spec.unit_path}__startswith": indicator.fixed_unit.path})
    rows = qs.values(spec.unit_path).annotate(v=_aggregate(indicator)).order_by()
    by_path = {row[spec.unit_path]: int(row["v"] or 0) for row in rows}
    result: dict[int, Value] = {}
    for unit in units:
        if effective_unit(indicator, unit) is None:
            result[unit.pk] = None
        else:
            result[unit.pk] = sum(v for p, v in by_path.items() if p.startswith(unit.path))
    return result


def _reported(indicator: Indicator, unit: Unit, period: Period) -> Decimal | None:
    """Latest value reported within the year up to ``period.end``: the unit's own, or else
    the sum of the latest values of the units below it."""
    rows = (
        ReportedValue.objects.filter(
            indicator=indicator,
            unit__path__startswith=unit.path,
            as_of__gte=dt.date(period.year, 1, 1),
            as_of__lte=period.end,
        )
        .order_by("unit_id", "-as_of")
        .values_list("unit_id", "value")
    )
    latest: dict[int, Decimal] = {}
    for unit_id, value in rows:
        latest.setdefault(unit_id, value)
    if unit.pk in latest:
        return latest[unit.pk]
    if not latest:
        return None
    return sum(latest.values(), Decimal(0))


# --- targets, completion, checkpoints --------------------------------------------


@dataclass
class Completion:
    indicator: Indicator
    value: Value
    target: Decimal | None
    rate: float | None
    pro_rata: float
    ahead: bool | None


def completion(
    indicator: Indicator, unit: Unit, year: int, as_of: dt.date, target: Target | None = None
) -> Completion:
    period = Period.year_to_date(year, as_of)
    if target is None:
        target = Target.objects.filter(indicator=indicator, unit=unit, year=year).first()
    value = evaluate(indicator, unit, period)
    expected = pro_rata(as_of)
    if target is None or value is None or isinstance(value, bool):
        return Completion(indicator, value, None, None, expected, None)
    rate = float(Decimal(value) / target.value)
    return Completion(indicator, value, target.value, rate, expected, rate >= expected)


def completion_by_month(
    indicator: Indicator, unit: Unit, year: int, as_of: dt.date, target: Decimal
) -> list[float | None]:
    """Completion (%) against ``target`` at each month end of the year, year to date,
    up to ``as_of`` (its own month counted to ``as_of``); None for the months after."""
    values: list[float | None] = []
    for month in range(1, 13):
        start_of_month = dt.date(year, month, 1)
        if start_of_month > as_of:
            values.append(None)
            continue
        end = min(Period.month(year, month).end, as_of)
        value = evaluate(indicator, unit, Period.year_to_date(year, end))
        values.append(round(float(Decimal(value or 0) / target) * 100, 1))
    return values


CHECKPOINT_DATES = {
    Indicator.Checkpoint.Q1: lambda year: quarter_end(year, 1),
    Indicator.Checkpoint.H1: lambda year: quarter_end(year, 2),
    Indicator.Checkpoint.Q3: lambda year: quarter_end(year, 3),
}


def checkpoint_status(kind: str, unit: Unit, year: int, as_of: dt.date) -> bool | None:
    """开门红 / 双过半 / 跑赢三季度 / 提前完成 for ``unit``'s targets, judged as of ``as_of``.

    The unit's targeted checkpoint indicators (both counts and amounts) must
    each reach: Q1 and Q3 — 序时进度 at the quarter's end; H1 — 50 %;
    early — 100 % before the last day of the year. None when the checkpoint is
    not yet due or the unit has no such targets.
    """
    targets = list(
        Target.objects.filter(
            unit=unit, year=year, indicator__in_checkpoints=True, indicator__is_active=True
        ).select_related("indicator")
    )
    if not targets:
        return None
    if kind == Indicator.Checkpoint.EARLY:
        judge_on = min(as_of, dt.date(year, 12, 30))
        threshold = 1.0
    else:
        judge_on = CHECKPOINT_DATES[kind](year)
        if as_of < judge_on:
            return None
        threshold = 0.5 if kind == Indicator.Checkpoint.H1 else pro_rata(judge_on)
    for target in targets:
        result = completion(target.indicator, unit, year, judge_on, target=target)
        if result.rate is None or result.rate < threshold:
            return False
    return True


# --- warning lights ----------------------------------------------------------------


@dataclass
class Light:
    color: str  # "red" | "yellow" | "green" | "" (not applicable)
    done: int
    planned: int
    behind_points: float | None


def campaign_for(unit: Unit, year: int) -> Campaign | None:
    """The year's campaign whose root unit contains ``unit`` (the nearest one)."""
    campaigns = Campaign.objects.filter(year=year).select_related("root_unit")
    matching = [c for c in campaigns if unit.is_within(c.root_unit)]
    return max(matching, key=lambda c: c.root_unit.depth, default=None)


def warning_lights(projects, as_of: dt.date, campaign: Campaign | None = None) -> dict[int, Light]:
    """红黄绿灯: each project's year-to-date investment against its annual plan × 序时进度.

    Yellow when it lags 序时进度 by more than ``yellow_points`` (default 10)
    percentage points, red beyond ``red_points`` (default 30) — the thresholds of
    ``campaign`` (see ``campaign_for``); 停缓建 is red.
    """
    from gongjian.projects.models import ProgressReport, Stage

    yellow = float(campaign.yellow_points) if campaign else 10.0
    red = float(campaign.red_points) if campaign else 30.0
    expected = pro_rata(as_of) * 100
    rows = list(projects.values_list("pk", "stage", "planned_investment"))
    done = dict(
        ProgressReport.objects.filter(
            project__in=projects.values("pk"),
            period_end__gte=dt.date(as_of.year, 1, 1),
            period_end__lte=as_of,
        )
        .values("project")
        .annotate(v=Sum("investment_this_period"))
        .values_list("project", "v")
    )
    lights: dict[int, Light] = {}
    for pk, stage, planned in rows:
        d = int(done.get(pk) or 0)
        if stage == Stage.STALLED:
            lights[pk] = Light("red", d, planned, None)
            continue
        if stage not in (Stage.STARTED, Stage.RESUMED) or not planned:
            lights[pk] = Light("", d, planned, None)
            continue
        behind = expected - d * 100 / planned
        color = "red" if behind > red else "yellow" if behind > yellow else "green"
        lights[pk] = Light(color, d, planned, round(behind, 1))
    return lights


# --- 赛马 rankings ------------------------------------------------------------------


@dataclass
class RankingRow:
    unit: Unit
    score: float
    rank: int = 0
    previous_rank: int | None = None
    parts: dict[str, dict] = field(default_factory=dict)

    @property
    def movement(self) -> int | None:
        return None if self.previous_rank is None else self.previous_rank - self.rank


def ranking_units(scheme: RankingScheme) -> list[Unit]:
    qs = Unit.objects.filter(parent=scheme.parent_unit, is_active=True)
    if scheme.unit_kinds:
        qs = qs.filter(kind__in=scheme.unit_kinds)
    return list(qs.order_by("sort_order", "code", "pk"))


def _score_period(
    scheme: RankingScheme, items: list[RankingItem], units: list[Unit], period: Period
) -> dict[int, RankingRow]:
    targets = {
        (t.indicator_id, t.unit_id): t.value
        for t in Target.objects.filter(
            year=scheme.year, unit__in=units, indicator__in=[i.indicator_id for i in items]
        )
    }
    rows = {u.pk: RankingRow(unit=u, score=0.0) for u in units}
    total_weight = float(sum(i.weight for i in items)) or 1.0
    for item in items:
        values = evaluate_by_unit(item.indicator, units, period)
        samples = _samples(item, units, period)
        small = {pk for pk, n in samples.items() if (n or 0) < item.min_sample}
        top = max(
            (float(v) for pk, v in values.items() if v is not None and pk not in small),
            default=0.0,
        )
        for unit in units:
            value = values[unit.pk]
            target = targets.get((item.indicator_id, unit.pk))
            if unit.pk in small:
                # too few cases to rank on a rate: one appeal closed is not 100 % of anything
                rate, score = None, 0.0
            elif item.scoring == RankingItem.Scoring.RATIO:
                rate = None
                score = min(float(value or 0), 1.0) * 100
            elif item.scoring == RankingItem.Scoring.COMPLETION and target:
                rate = min(float(Decimal(value or 0) / target), float(item.cap))
                score = rate * 100
            else:
                rate = None
                score = float(value or 0) / top * 100 if top else 0.0
            weighted = score * float(item.weight) / total_weight
            rows[unit.pk].parts[item.indicator.code] = {
                "name": item.indicator.name,
                "value": value,
                "target": target,
                "rate": rate,
                "score": round(score, 2),
                "weight": float(item.weight),
                "weighted": round(weighted, 2),
                "sample": samples.get(unit.pk),
                "insufficient": unit.pk in small,
            }
            rows[unit.pk].score += weighted
    ordered = sorted(
        rows.values(), key=lambda r: (-round(r.score, 6), r.unit.sort_order, r.unit.pk)
    )
    for position, row in enumerate(ordered, start=1):
        row.score = round(row.score, 2)
        same = [r for r in ordered[: position - 1] if r.score == row.score]
        row.rank = same[0].rank if same else position
    return rows


def _samples(item: RankingItem, units: list[Unit], period: Period) -> dict[int, Value]:
    """The sample behind a rate for each unit (a ratio's denominator, e.g. appeals
    received), when the item sets a minimum sample; empty otherwise."""
    indicator = item.indicator
    if not item.min_sample:
        return {}
    basis = indicator.denominator if indicator.kind == Indicator.Kind.RATIO else indicator
    if basis is None:
        return {}
    return evaluate_by_unit(basis, units, period)


def ranking(
    scheme: RankingScheme, period: Period, previous: Period | None = None
) -> list[RankingRow]:
    """Rank the scheme's units for ``period``; with ``previous``, each row's movement."""
    items = list(
        scheme.items.select_related("indicator", "indicator__fixed_unit", "indicator__denominator")
    )
    units = ranking_units(scheme)
    rows = _score_period(scheme, items, units, period)
    if previous is not None:
        before = _score_period(scheme, items, units, previous)
        for pk, row in rows.items():
            row.previous_rank = before[pk].rank
    return sorted(rows.values(), key=lambda r: (r.rank, r.unit.sort_order, r.unit.pk))


# --- all indicators at once (CLI, API, dashboard) -----------------------------------


def evaluate_all(unit: Unit, period: Period, indicators=None) -> dict[str, Value]:
    """Every active indicator for ``unit`` over ``period``; fixed-unit indicators that do
    not apply to ``unit`` are left out."""
    if indicators is None:
        indicators = Indicator.objects.filter(is_active=True).select_related("fixed_unit")
    out: dict[str, Value] = {}
    for indicator in indicators:
        if effective_unit(indicator, unit) is None:
            continue
        out[indicator.code] = evaluate(indicator, unit, period)
    return out
