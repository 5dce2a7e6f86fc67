"""The indicator engine: one definition, one number everywhere.

Every figure the product shows — dashboard tile, ranking score, map colour,
report sentence, API field, CLI line — comes from these functions.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from gongjian.kit.dates import Period, pro_rata, quarter_end
from gongjian.units.models import Unit, below_root

from .models import Indicator, RankingItem, RankingScheme, ReportedValue, Target
from .registries import FirstEvent, YearRollup, get_registry

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


def _computed_queryset(indicator: Indicator, period: Period, spec=None):
    spec = spec or get_registry(indicator.registry)
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


def _month_end(day: dt.date) -> dt.date:
    return Period.month(day.year, day.month).end


@dataclass(frozen=True)
class _Source:
    """Rows a computed indicator's aggregate is read from: the registry's own (``rows``:
    a condition keeping them to some months, None for all), or its yearly roll-up
    (``rollup``) for every month but the ``cut`` ones ((year, month) pairs)."""

    spec: object
    rollup: YearRollup | None = None
    cut: frozenset = frozenset()
    rows: Q | None = None


def _sources(registry, windows) -> list[_Source]:
    """Where to read ``registry``'s rows from, exactly, for aggregates over the date
    ``windows`` ((start, end) pairs): its own rows, or — when it has a yearly roll-up —
    the roll-up for every month no window starts or ends inside, and its own rows for
    the months one does. A roll-up column stands for a whole month only: for a window
    cut mid-month, that month's rows are read one by one."""
    rollup = registry.rollup
    if rollup is None:
        return [_Source(registry)]
    cut = set()
    for start, end in windows:
        if start.day != 1:
            cut.add((start.year, start.month))
        if end != _month_end(end):
            cut.add((end.year, end.month))
    sources = [_Source(rollup.spec, rollup, frozenset(cut))]
    if cut:
        rows = Q()
        for year, month in sorted(cut):
            days = Period.month(year, month)
            rows |= Q(
                **{f"{rollup.date_field}__gte": days.start, f"{rollup.date_field}__lte": days.end}
            )
        sources.append(_Source(registry, rows=rows))
    return sources


def _windows(indicator: Indicator, period: Period) -> list[tuple[dt.date, dt.date]]:
    """The date window an indicator's rows are selected by (none but for events)."""
    if indicator.period_mode == Indicator.PeriodMode.EVENT:
        return [(period.start, period.end)]
    return []


def _rollup_months(source: _Source, windows) -> dict[int | None, tuple[int, ...]]:
    """The months of ``windows`` the roll-up answers — every month inside a window and
    not cut — as {year: months}; without a window, every month not cut, with the key
    None for the years no month of which is cut."""
    months: dict[int | None, set[int]] = {}
    if not windows:
        months[None] = set(range(1, 13))
        for year, month in source.cut:
            months.setdefault(year, set(range(1, 13))).discard(month)
    for start, end in windows:
        year, month = start.year, start.month
        while (year, month) <= (end.year, end.month):
            if (year, month) not in source.cut:
                months.setdefault(year, set()).add(month)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return {year: tuple(sorted(ms)) for year, ms in months.items()}


def _rollup_prefix(rollup: YearRollup, indicator: Indicator) -> str:
    """The roll-up's month columns that hold ``indicator``'s measure."""
    if indicator.measure == Indicator.Measure.COUNT:
        return rollup.count_prefix
    return rollup.measures[indicator.measure_field]


def _rollup_value(source: _Source, prefix: str, months):
    """The roll-up row's sum of its ``prefix`` month columns over ``months``
    (``_rollup_months``) for the row's year."""
    from functools import reduce
    from operator import add

    from django.db.models import BigIntegerField, Case, F, Value, When

    rollup = source.rollup

    def total(ms):
        if not ms:
            return Value(0, output_field=BigIntegerField())
        return reduce(add, (F(f"{prefix}{m}") for m in ms))

    other_years = total(months[None]) if None in months else Value(0)
    whens = [
        When(Q(**{rollup.year_field: y}), then=total(ms))
        for y, ms in sorted((y, ms) for y, ms in months.items() if y is not None)
    ]
    if not whens:
        return other_years
    return Case(*whens, default=other_years, output_field=BigIntegerField())


def _computed_parts(indicator: Indicator, period: Period):
    """``(spec, rows, aggregate)`` for each source of a computed indicator's rows over
    ``period`` (``_sources``): the value is the sum of the parts' aggregates."""
    windows = _windows(indicator, period)
    parts = []
    for source in _sources(get_registry(indicator.registry), windows):
        spec = source.spec
        if source.rollup is None:
            _, qs = _computed_queryset(indicator, period, spec)
            if source.rows is not None:
                qs = qs.filter(source.rows)
            parts.append((spec, qs, _aggregate(indicator)))
        else:
            qs = spec.apply_filters(spec.queryset(), indicator.filters)
            months = _rollup_months(source, windows)
            parts.append(
                (
                    spec,
                    qs,
                    Sum(_rollup_value(source, _rollup_prefix(source.rollup, indicator), months)),
                )
            )
    return parts


def evaluate(indicator: Indicator, unit: Unit, period: Period) -> Value:
    """The value of ``indicator`` for ``unit``'s subtree over ``period``."""
    scope = effective_unit(indicator, unit)
    if scope is None:
        return None
    if indicator.kind == Indicator.Kind.COMPUTED:
        value = 0
        for spec, qs, aggregate in _computed_parts(indicator, period):
            qs = qs.filter(**{f"{spec.unit_path}__startswith": scope.path})
            value += int(qs.aggregate(v=aggregate)["v"] or 0)
        return value
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
    by_path: dict[str, int] = {}
    for spec, qs, aggregate in _computed_parts(indicator, period):
        if indicator.fixed_unit_id:
            qs = qs.filter(**{f"{spec.unit_path}__startswith": indicator.fixed_unit.path})
        for row in qs.values(spec.unit_path).annotate(v=aggregate).order_by():
            path = row[spec.unit_path]
            by_path[path] = by_path.get(path, 0) + int(row["v"] or 0)
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
    indicator: Indicator,
    unit: Unit,
    year: int,
    as_of: dt.date,
    target: Decimal,
    memo: dict | None = None,
) -> list[float | None]:
    """Completion (%) against ``target`` at each month end of the year, year to date,
    up to ``as_of`` (its own month counted to ``as_of``); None for the months after.
    One grouped query (``year_to_date_by_month``), not one per month."""
    values: list[float | None] = [
        round(float(Decimal(value or 0) / target) * 100, 1)
        for value in year_to_date_by_month(indicator, unit, year, as_of, memo)
    ]
    return values + [None] * (12 - len(values))


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


def measure_parts(
    registry: str,
    measure_field: str,
    start: dt.date,
    end: dt.date,
    key: str,
    keys_in=None,
    joined: bool = False,
) -> list:
    """The sum of ``registry``'s ``measure_field`` over ``[start, end]`` per ``key`` (a
    column of the registry's rows, e.g. ``project_id``), as querysets of rows
    ``(key, _done)`` — one per source of the rows (its own rows, its yearly roll-up for the
    whole months), whose figures add up. ``keys_in`` (a values queryset) keeps them to
    those keys; with ``joined`` the roll-up's part (one row per key and year already) is
    left unrestricted, for a caller that joins it on the key (a look-up by its unique key,
    not a scan). The registry model's own manager is used (no registry filters)."""
    spec = get_registry(registry)
    window = [(start, end)]
    parts = []
    for source in _sources(spec, window):
        model = source.spec.queryset().model
        if source.rollup is None:
            rows = model.objects.filter(
                **{f"{spec.date_field}__gte": start, f"{spec.date_field}__lte": end}
            )
            if keys_in is not None:
                rows = rows.filter(**{f"{key}__in": keys_in})
            if source.rows is not None:
                rows = rows.filter(source.rows)
            rows = rows.values(key).annotate(_done=Sum(measure_field))
        else:
            rows = model.objects.filter(**{source.rollup.year_field: start.year})
            if keys_in is not None and not joined:
                rows = rows.filter(**{f"{key}__in": keys_in})
            prefix = source.rollup.measures[measure_field]
            rows = rows.annotate(
                _done=_rollup_value(source, prefix, _rollup_months(source, window))
            )
        parts.append(rows.order_by().values(key, "_done"))
    return parts


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


def evaluate_all(
    unit: Unit, period: Period, indicators=None, memo: dict | None = None
) -> dict[str, Value]:
    """Every active indicator for ``unit`` over ``period``; fixed-unit indicators that do
    not apply to ``unit`` are left out. Evaluated grouped (``evaluate_many``)."""
    if indicators is None:
        indicators = Indicator.objects.filter(is_active=True).select_related(
            "fixed_unit", "base_indicator", "denominator"
        )
    applicable = [i for i in indicators if effective_unit(i, unit) is not None]
    values = evaluate_many([(i, unit, period) for i in applicable], memo)
    return {i.code: v for i, v in zip(applicable, values, strict=True)}


# --- grouped evaluation (dashboard, CLI, API at scale) ---------------------------------
#
# ``evaluate`` runs one aggregate query per indicator. A dashboard shows ~70 indicators,
# their checkpoints and a monthly series: ~160 queries. ``evaluate_many`` gives the same
# values (a test compares them for every demo indicator) from one query per registry,
# unit subtree: each (indicator, period) becomes one conditional aggregate
# (``COUNT(*) FILTER (WHERE …)`` / ``SUM(…) FILTER (WHERE …)``) of a single SELECT over
# the registry's rows in the subtree.

Request = tuple[Indicator, Unit, Period]


def _where(qs, base_query):
    """``qs``'s rows as a condition on the rows of ``base_query``: its WHERE clause when it
    needs no join the base query lacks, else ``pk IN (qs)``."""
    query = qs.query
    joins_ok = all(
        alias in base_query.alias_map and base_query.alias_map[alias] == join
        for alias, join in query.alias_map.items()
    )
    if joins_ok and query.base_table == base_query.base_table:
        return query.where if query.where.children else None
    return Q(pk__in=qs.values("pk"))


def _event_window(indicator: Indicator, period: Period):
    """For an event indicator whose registry dates each row's first event in a window
    (``first_on``): the event's filter, the window to date and the latest first-event
    date that still counts. A year-to-date period uses the whole year's window — the row
    had the event in ``[1 Jan, end]`` exactly when its first event of the year is on or
    before ``end`` — so every year-to-date period of a dashboard shares one column per
    event."""
    if indicator.period_mode != Indicator.PeriodMode.EVENT:
        return None
    spec = get_registry(indicator.registry)
    event = spec.events[indicator.event][1]
    if getattr(event, "first_on", None) is None:
        return None
    if period.start == dt.date(period.end.year, 1, 1):
        year = period.end.year
        return event, Period(dt.date(year, 1, 1), dt.date(year, 12, 31)), period.end
    return event, period, period.end


# Keeps the database from merging the inner SELECT into the outer aggregate when a column
# is a correlated subquery: merged, it would be evaluated again in every aggregate that
# reads it, once per row — 30 look-ups per project instead of one per event. Columns
# without one are left to merge (a fenced SELECT cannot be scanned in parallel).
_FENCE = {"postgresql": " OFFSET 0", "sqlite": " LIMIT -1"}


def _grouped_columns(source: _Source, base, members: list[Request]):
    """Each member's figure for one of ``base``'s rows, as SQL over the columns the row
    needs for it (and the parameters): one boolean per distinct condition; per event
    with ``first_on`` the row's first event date in the window (shared by every
    indicator and year-to-date period that needs it), joined (``_joined``) where the
    registry finds it by a grouped scan; the measures — on a roll-up, the sum of the
    month columns a window covers."""
    from django.db import connection
    from django.db.models import BooleanField, ExpressionWrapper, F

    spec = source.spec
    qn = connection.ops.quote_name
    columns: dict[object, str] = {}
    annotations: dict[str, object] = {}
    joins: dict[str, tuple[FirstEvent, Period]] = {}

    def column(key, make, prefix, joined=False):
        if key not in columns:
            name = f"_{prefix}{len(columns)}"
            columns[key] = name
            (joins if joined else annotations)[name] = make()
        return columns[key]

    figures, params = [], []
    for indicator, _scope, period in members:
        window = None if source.rollup else _event_window(indicator, period)
        parts = []
        if source.rollup is None and window is None:
            _, qs = _computed_queryset(indicator, period, spec)
            condition = _where(qs, base.query)
        else:
            if window is not None:
                event, span, until = window
                first_by = getattr(event, "first_by", None)
                ev = column(
                    ("ev", indicator.event, span),
                    (lambda f=first_by, s=span: (f, s))
                    if first_by
                    else (lambda f=event.first_on, s=span: f(s)),
                    "e",
                    joined=first_by is not None,
                )
                parts.append(f"{qn(ev)} <= %s")
                params.append(until)
            condition = _where(spec.apply_filters(spec.queryset(), indicator.filters), base.query)
        if condition is not None:
            key = ("c", indicator.registry, repr(sorted((indicator.filters or {}).items())))
            if source.rollup is None and window is None:  # as _computed_queryset builds it
                key += (indicator.period_mode, indicator.event, period.start, period.end)
            c = column(
                key, lambda c=condition: ExpressionWrapper(Q(c), output_field=BooleanField()), "c"
            )
            parts.append(f"{qn(c)}")
        test = " AND ".join(parts) or "1 = 1"
        if source.rollup is not None:
            months = _rollup_months(source, _windows(indicator, period))
            m = column(
                ("v", indicator.measure, indicator.measure_field, repr(months)),
                lambda i=indicator, ms=months: _rollup_value(
                    source, _rollup_prefix(source.rollup, i), ms
                ),
                "v",
            )
            figures.append(f"CASE WHEN {test} THEN {qn(m)} END")
        elif indicator.measure == Indicator.Measure.COUNT:
            figures.append(f"CASE WHEN {test} THEN 1 END")
        else:
            m = column(("m", indicator.measure_field), lambda f=indicator.measure_field: F(f), "m")
            figures.append(f"CASE WHEN {test} THEN {qn(m)} END")
    return figures, params, annotations, joins


def _joined(
    sql: str, params: list, joins: dict[str, tuple[FirstEvent, Period]], base, restrict: bool
):
    """``sql`` (whose rows carry their key as ``_pk``) with each joined first-event column
    added: per set of rows the events are found in, one grouped scan of them — each
    event's earliest date in its window a column, with ``restrict`` for ``base``'s rows
    only — LEFT JOINed on the key."""
    from django.db import connection
    from django.db.models import Case, DateField, F, Min, When

    qn = connection.ops.quote_name
    scans: dict[tuple, dict[str, tuple[FirstEvent, Period]]] = {}
    for name, (first, span) in joins.items():
        scans.setdefault((first.rows, first.key, first.date), {})[name] = (first, span)
    columns, tables, params = ["i.*"], [], list(params)
    for n, ((rows, key, date), events) in enumerate(scans.items()):
        start = min(span.start for _f, span in events.values())
        end = max(span.end for _f, span in events.values())
        firsts = {
            name: Min(
                Case(
                    When(
                        first.condition
                        & Q(**{f"{date}__gte": span.start, f"{date}__lte": span.end}),
                        then=F(date),
                    ),
                    output_field=DateField(),
                )
            )
            for name, (first, span) in events.items()
        }
        scan = rows().filter(**{f"{date}__gte": start, f"{date}__lte": end})
        if restrict:
            scan = scan.filter(**{f"{key}__in": base.values("pk")})
        scan = scan.order_by().values(_key=F(key)).annotate(**firsts)
        j_sql, j_params = scan.query.sql_with_params()
        columns += [f"j{n}.{qn(name)}" for name in events]
        tables.append(f"LEFT JOIN ({j_sql}) j{n} ON j{n}.{qn('_key')} = i.{qn('_pk')}")
        params.extend(j_params)
    return f"SELECT {', '.join(columns)} FROM ({sql}) i {' '.join(tables)}", params


def _grouped_rows(registry: str, path: str, members: list[Request], by_unit: bool = False):
    """One query summing ``members`` (computed indicators of ``registry``) over the
    registry's rows in the subtree ``path``: the rows are selected once with the columns
    ``_grouped_columns`` names, each member's figure computed per row, and an outer
    SELECT sums the figures — for a registry with a yearly roll-up, over its sources'
    rows (``_sources``) one after the other. Returns one row of sums, or with
    ``by_unit`` one row per unit path (the path first).

    Building the statement through the ORM costs more than running it for one unit, so
    it is compiled once per shape (``_statement``) and the subtree filled in."""
    from django.db import connection

    # the event scans keep to the subtree's rows below a root unit; a root's subtree is
    # (nearly) everything, where the restriction costs more than it saves
    restrict = below_root(path)
    sql, params = _statement(registry, members, by_unit, restrict)
    scope, like = _SCOPES[restrict], connection.ops.prep_for_like_query(path) + "%"
    params = [  # in a LIKE pattern, or the path itself
        p.replace(scope + "%", like).replace(scope, path) if isinstance(p, str) else p
        for p in params
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if by_unit else cursor.fetchone()


# Stand for the subtree's path in a compiled statement (``_statement``), below a root unit
# and at one — as deep as the paths they stand for, for ``units.models.PathStartsWith``
# — in a LIKE pattern (they hold none of the characters one escapes) or as they are.
_SCOPES = {True: "@@scope@@/@@/", False: "@@scope@@/"}
_STATEMENTS: dict[tuple, tuple[str, list]] = {}
_STATEMENTS_KEPT = 256


def _definition(indicator: Indicator) -> tuple:
    """What of an indicator its grouped SQL depends on (an edited indicator is a new
    shape)."""
    return (
        indicator.pk,
        indicator.registry,
        indicator.measure,
        indicator.measure_field,
        indicator.period_mode,
        indicator.event,
        repr(sorted((indicator.filters or {}).items())),
    )


def _statement(
    registry: str, members: list[Request], by_unit: bool, restrict: bool
) -> tuple[str, list]:
    """``_grouped_rows``' SQL and parameters with ``_SCOPES`` for the subtree's path,
    kept per shape — the registry, each member's definition and period — for the
    connection's database; the oldest are dropped past ``_STATEMENTS_KEPT``."""
    from django.db import connection

    key = (
        connection.alias,
        connection.vendor,
        registry,
        by_unit,
        restrict,
        tuple((_definition(i), p.start, p.end) for i, _u, p in members),
    )
    found = _STATEMENTS.get(key)
    if found is None:
        found = _compile_grouped(registry, members, by_unit, restrict)
        if len(_STATEMENTS) >= _STATEMENTS_KEPT:
            _STATEMENTS.pop(next(iter(_STATEMENTS)), None)
        _STATEMENTS[key] = found
    return found


def _in_subtree(spec, restrict: bool) -> Q:
    """``spec``'s rows in the subtree ``_SCOPES[restrict]``. Rows that reach their unit through a
    related row (a report through its project) take, below a root unit, the related
    rows' keys from a subquery: the database then selects the subtree's projects first
    and looks their reports up by key, where a join on the path would read every report."""
    head, _, rest = spec.unit_path.partition("__")
    if restrict and rest != "path":
        related = spec.queryset().model._meta.get_field(head).related_model
        inside = related._base_manager.filter(**{f"{rest}__startswith": _SCOPES[restrict]})
        return Q(**{f"{head}__in": inside.values("pk")})
    return Q(**{f"{spec.unit_path}__startswith": _SCOPES[restrict]})


def _compile_grouped(
    registry: str, members: list[Request], by_unit: bool, restrict: bool
) -> tuple[str, list]:
    from django.db import connection
    from django.db.models import F

    windows = [w for i, _u, p in members for w in _windows(i, p)]
    all_windowed = all(_windows(i, p) for i, _u, p in members)
    parts, params = [], []
    for source in _sources(get_registry(registry), windows):
        spec = source.spec
        base = spec.queryset().filter(_in_subtree(spec, restrict))
        if source.rows is not None:
            base = base.filter(source.rows)
        if source.rollup is not None and all_windowed:  # only the years the windows cover
            years = {y for start, end in windows for y in range(start.year, end.year + 1)}
            base = base.filter(**{f"{source.rollup.year_field}__in": sorted(years)})
        figures, figure_params, annotations, joins = _grouped_columns(source, base, members)
        if joins:
            annotations["_pk"] = F("pk")
        if by_unit:  # grouped by the unit's key, its path joined to the sums
            annotations["_unit"] = F(spec.unit_path.removesuffix("__path"))
        inner = (
            base.annotate(**annotations).values(*annotations) if annotations else base.values("pk")
        ).order_by()  # a model's default ordering would sort every row for nothing
        sql, inner_params = inner.query.sql_with_params()
        # a nested SELECT among the columns (a tag or batch condition, a first-event
        # look-up): fence it
        fence = _FENCE[connection.vendor] if sql.count("SELECT") > 1 else ""
        if fence:
            sql = f"SELECT * FROM ({sql}{fence}) fenced"
        if joins:
            sql, inner_params = _joined(sql, inner_params, joins, base, restrict)
        names = [f"{figure} AS v{n}" for n, figure in enumerate(figures)]
        parts.append(f"SELECT {'_unit, ' if by_unit else ''}{', '.join(names)} FROM ({sql}) r")
        params += [*figure_params, *inner_params]
    sums = ", ".join(f"SUM(v{n}) AS s{n}" for n in range(len(members)))
    rows = f"FROM ({' UNION ALL '.join(parts)}) grouped"
    sql = f"SELECT {sums} {rows}"
    if by_unit:
        units = connection.ops.quote_name(Unit._meta.db_table)
        sums = ", ".join(f"s{n}" for n in range(len(members)))
        sql = f"""SELECT u.path, {sums} FROM (SELECT _unit, {sql[7:]} GROUP BY _unit) g
                  JOIN {units} u ON u.id = g._unit"""
    if not any(isinstance(p, str) and _SCOPES[restrict] in p for p in params):
        raise AssertionError("the grouped statement lost its subtree")
    return sql, params


def _computed_values(requests: set[Request]) -> dict[Request, int]:
    """Values of computed indicators: one query per registry (``_grouped_rows``). Each
    distinct indicator and period is one figure; requests for several subtrees (a unit
    and its children, say) share one query over their common ancestor grouped by unit
    path, each request summing the paths inside its own subtree."""
    groups: dict[str, list[Request]] = {}
    for request in sorted(requests, key=lambda r: (r[0].pk, r[2].start, r[2].end, r[1].path)):
        groups.setdefault(request[0].registry, []).append(request)
    out: dict[Request, int] = {}
    for registry, group in groups.items():
        figures: dict[tuple, int] = {}
        members = []
        for indicator, scope, period in group:
            if (indicator.pk, period) not in figures:
                figures[(indicator.pk, period)] = len(members)
                members.append((indicator, scope, period))
        paths = {scope.path for _i, scope, _p in group}
        if len(paths) == 1:
            (path,) = paths
            rows = [(path, *_grouped_rows(registry, path, members))]
        else:
            common = os.path.commonprefix(sorted(paths))
            rows = _grouped_rows(registry, common[: common.rfind("/") + 1], members, True)
        totals = {}
        for path in paths:
            inside = [row[1:] for row in rows if row[0].startswith(path)]
            columns = zip(*inside, strict=True) if inside else [()] * len(members)
            totals[path] = [int(sum(v for v in column if v is not None)) for column in columns]
        for indicator, scope, period in group:
            out[(indicator, scope, period)] = totals[scope.path][figures[(indicator.pk, period)]]
    return out


def _reported_values(requests: set[Request]) -> dict[Request, Decimal | None]:
    """``_reported`` for many indicators: one query per (subtree, period)."""
    groups: dict[tuple[Unit, Period], list[Request]] = {}
    for request in requests:
        groups.setdefault((request[1], request[2]), []).append(request)
    out: dict[Request, Decimal | None] = {}
    for (unit, period), members in groups.items():
        rows = (
            ReportedValue.objects.filter(
                indicator__in=[r[0].pk for r in members],
                unit__path__startswith=unit.path,
                as_of__gte=dt.date(period.year, 1, 1),
                as_of__lte=period.end,
            )
            .order_by("indicator_id", "unit_id", "-as_of")
            .values_list("indicator_id", "unit_id", "value")
        )
        latest: dict[int, dict[int, Decimal]] = {}
        for indicator_id, unit_id, value in rows:
            latest.setdefault(indicator_id, {}).setdefault(unit_id, value)
        for request in members:
            values = latest.get(request[0].pk, {})
            if unit.pk in values:
                out[request] = values[unit.pk]
            else:
                out[request] = sum(values.values(), Decimal(0)) if values else None
    return out


class _Batch:
    """Evaluates many (indicator, unit, period) requests: ``plan`` collects the leaf
    queries every request needs, ``run`` executes them grouped, ``value`` composes the
    answer exactly as ``evaluate`` does."""

    def __init__(self):
        self.computed: set[Request] = set()
        self.reported: set[Request] = set()
        self.target_keys: set[tuple[int, int, int]] = set()
        self.checkpoints: set[tuple[str, Unit, int, dt.date]] = set()
        self.results: dict[Request, Value] = {}
        self.targets: dict[tuple[int, int, int], Target] = {}
        self.checkpoint_results: dict[tuple[str, int, int, dt.date], bool | None] = {}

    def plan(self, indicator: Indicator, unit: Unit, period: Period) -> None:
        scope = effective_unit(indicator, unit)
        if scope is None:
            return
        kind = indicator.kind
        if kind == Indicator.Kind.COMPUTED:
            self.computed.add((indicator, scope, period))
        elif kind == Indicator.Kind.REPORTED:
            self.reported.add((indicator, scope, period))
        elif kind == Indicator.Kind.RATIO:
            self.plan(indicator.base_indicator, scope, period)
            self.plan(indicator.denominator, scope, period)
        elif kind == Indicator.Kind.COMPLETION:
            base = indicator.base_indicator
            self.target_keys.add((base.pk, scope.pk, period.year))
            self.plan(base, scope, Period.year_to_date(period.year, period.end))
        else:
            self.checkpoints.add((indicator.checkpoint, scope, period.year, period.end))

    def run(self) -> None:
        self.results.update(_computed_values(self.computed))
        self.results.update(_reported_values(self.reported))
        if self.target_keys:
            ind_ids = {k[0] for k in self.target_keys}
            unit_ids = {k[1] for k in self.target_keys}
            years = {k[2] for k in self.target_keys}
            for target in Target.objects.filter(
                indicator_id__in=ind_ids, unit_id__in=unit_ids, year__in=years
            ):
                self.targets.setdefault((target.indicator_id, target.unit_id, target.year), target)
        by_unit: dict[tuple[Unit, int, dt.date], list[str]] = {}
        for kind, unit, year, as_of in self.checkpoints:
            by_unit.setdefault((unit, year, as_of), []).append(kind)
        for (unit, year, as_of), kinds in by_unit.items():
            for kind, status in checkpoint_statuses(unit, year, as_of, kinds).items():
                self.checkpoint_results[(kind, unit.pk, year, as_of)] = status

    def value(self, indicator: Indicator, unit: Unit, period: Period) -> Value:
        scope = effective_unit(indicator, unit)
        if scope is None:
            return None
        kind = indicator.kind
        if kind in (Indicator.Kind.COMPUTED, Indicator.Kind.REPORTED):
            return self.results[(indicator, scope, period)]
        if kind == Indicator.Kind.RATIO:
            return ratio_value(
                self.value(indicator.base_indicator, scope, period),
                self.value(indicator.denominator, scope, period),
            )
        if kind == Indicator.Kind.COMPLETION:
            base = indicator.base_indicator
            value = self.value(base, scope, Period.year_to_date(period.year, period.end))
            target = self.targets.get((base.pk, scope.pk, period.year))
            if target is None or value is None or isinstance(value, bool):
                return None
            rate = float(Decimal(value) / target.value)
            return Decimal(str(round(rate, 4)))
        return self.checkpoint_results[(indicator.checkpoint, scope.pk, period.year, period.end)]


def evaluate_many(requests: list[Request], memo: dict | None = None) -> list[Value]:
    """``[evaluate(i, u, p) for i, u, p in requests]``, with the aggregate queries grouped:
    one per registry and unit subtree (plus one for reported values per subtree and
    period, one for targets, and what checkpoints need). With ``memo`` (a dict shared by
    the calls of one page), values already there are not evaluated again."""
    keys = [(i.pk, u.pk, p) for i, u, p in requests]
    if memo is not None and all(k in memo for k in keys):
        return [memo[k] for k in keys]
    batch = _Batch()
    for (indicator, unit, period), key in zip(requests, keys, strict=True):
        if memo is None or key not in memo:
            batch.plan(indicator, unit, period)
    batch.run()
    values = [
        memo[key] if memo is not None and key in memo else batch.value(i, u, p)
        for (i, u, p), key in zip(requests, keys, strict=True)
    ]
    if memo is not None:
        memo.update(zip(keys, values, strict=True))
    return values


def checkpoint_targets(unit: Unit, year: int) -> list[Target]:
    """The unit's targets that checkpoints judge (in_checkpoints, active)."""
    return list(
        Target.objects.filter(
            unit=unit, year=year, indicator__in_checkpoints=True, indicator__is_active=True
        ).select_related(
            "indicator",
            "indicator__fixed_unit",
            "indicator__base_indicator",
            "indicator__denominator",
        )
    )


def _checkpoint_plans(kinds, year: int, as_of: dt.date):
    plans: dict[str, tuple[dt.date, float]] = {}
    not_due: list[str] = []
    for kind in kinds:
        if kind == Indicator.Checkpoint.EARLY:
            plans[kind] = (min(as_of, dt.date(year, 12, 30)), 1.0)
            continue
        judge_on = CHECKPOINT_DATES[kind](year)
        if as_of < judge_on:
            not_due.append(kind)
            continue
        plans[kind] = (judge_on, 0.5 if kind == Indicator.Checkpoint.H1 else pro_rata(judge_on))
    return plans, not_due


def checkpoint_requests(
    targets: list[Target], unit: Unit, year: int, as_of: dt.date, kinds=None
) -> list[Request]:
    """What ``checkpoint_statuses`` evaluates, to put into a page's single batch."""
    kinds = list(kinds or [c.value for c in Indicator.Checkpoint])
    plans, _ = _checkpoint_plans(kinds, year, as_of)
    return [
        (t.indicator, unit, Period.year_to_date(year, judge_on))
        for judge_on, _ in plans.values()
        for t in targets
    ]


def checkpoint_statuses(
    unit: Unit,
    year: int,
    as_of: dt.date,
    kinds=None,
    *,
    targets: list[Target] | None = None,
    memo: dict | None = None,
) -> dict[str, bool | None]:
    """``checkpoint_status`` for several checkpoints at once: the unit's targets read once,
    every judging date's values in one grouped evaluation."""
    kinds = list(kinds or [c.value for c in Indicator.Checkpoint])
    if targets is None:
        targets = checkpoint_targets(unit, year)
    if not targets:
        return dict.fromkeys(kinds)
    plans, not_due = _checkpoint_plans(kinds, year, as_of)
    out: dict[str, bool | None] = dict.fromkeys(not_due)
    values = iter(evaluate_many(checkpoint_requests(targets, unit, year, as_of, kinds), memo))
    for kind, (_judge_on, threshold) in plans.items():
        status = True
        for target in targets:
            value = next(values)
            if value is None or isinstance(value, bool):
                status = False  # completion() gives no rate: the checkpoint is not met
                continue
            if float(Decimal(value) / target.value) < threshold:
                status = False
        out[kind] = status
    return {kind: out[kind] for kind in kinds}


def completion_many(
    targets: list[Target], unit: Unit, year: int, as_of: dt.date, memo: dict | None = None
) -> list[Completion]:
    """``completion`` for each of ``unit``'s ``targets``, evaluated grouped."""
    period = Period.year_to_date(year, as_of)
    values = evaluate_many([(t.indicator, unit, period) for t in targets], memo)
    expected = pro_rata(as_of)
    out = []
    for target, value in zip(targets, values, strict=True):
        if value is None or isinstance(value, bool):
            out.append(Completion(target.indicator, value, None, None, expected, None))
            continue
        rate = float(Decimal(value) / target.value)
        out.append(
            Completion(target.indicator, value, target.value, rate, expected, rate >= expected)
        )
    return out


def month_ends(year: int, as_of: dt.date) -> list[dt.date]:
    """Each month end of ``year`` up to ``as_of``, the last one being ``as_of`` itself."""
    return [
        min(Period.month(year, m).end, as_of) for m in range(1, 13) if dt.date(year, m, 1) <= as_of
    ]


def monthly_requests(indicator: Indicator, unit: Unit, year: int, as_of: dt.date) -> list[Request]:
    """What ``year_to_date_by_month`` evaluates, to put into a page's single batch."""
    return [(indicator, unit, Period.year_to_date(year, end)) for end in month_ends(year, as_of)]


def year_to_date_by_month(
    indicator: Indicator, unit: Unit, year: int, as_of: dt.date, memo: dict | None = None
) -> list[Value]:
    """The year-to-date value at each month end up to ``as_of`` (its own month counted to
    ``as_of``) — ``evaluate(…, Period.year_to_date(year, month_end))`` for each month.

    One grouped evaluation: the year-to-date periods of an event indicator share one
    first-event annotation (``_event_window``), so the whole series is a few more
    conditional aggregates in the registry's one query — none at all when ``memo``
    already holds them (the dashboard puts ``monthly_requests`` into its batch)."""
    return evaluate_many(monthly_requests(indicator, unit, year, as_of), memo)
