"""The indicator engine: one definition, one number everywhere.

Every figure the product shows — dashboard tile, ranking score, map colour,
report sentence, API field, CLI line — comes from these functions, and all of them
evaluate the same way: ``evaluate_many`` plans its (indicator, unit, period) requests
into a ``_Batch`` — a ratio into its numerator and denominator, a completion rate into
its base indicator and target, a checkpoint into its targets' values — runs the leaf
queries grouped and composes each answer. ``evaluate`` is a batch of one request,
``evaluate_by_unit`` a batch of one request per unit.

A batch reads its computed indicators with one ORM aggregate query per registry
(``_registry_figures``, ``_SourceQuery``) over the registry's rows in the requests'
common subtree. Every figure — one per indicator definition, period and subtree — is a
conditional aggregate of that query (``Count("pk", filter=…)`` / ``Sum(field,
filter=…)``), its condition the indicator's filters, its period (an event, or being on
the list) and, for a subtree below the common one, the unit path; what every figure's
condition shares restricts the query's rows instead (its WHERE clause). An event dated
by related rows (a project's stage transitions) is, as a filter, a column of each row:
its first date from the period's start, shared by every period with the same start, so
that a year-to-date series costs one look-up per event — the rows with their first
dates are a derived table the database computes once (``_first_dates_sql``; ``Min``
over a joined relation where the look-up cannot be written as one); as a restriction of
all the rows it is a semi-join on the related rows. Without first dates, figures of
several subtrees are read grouped by unit path and added up per subtree. A registry with a
yearly roll-up (progress reports) is read from the roll-up for whole months and from
its own rows for the months a window cuts (``_sources``): one query per source, added
up. The queries that yield one row — every subtree's own figures, most registries — are
read together in one statement (``kit.together``): a district's page costs one round
trip for all its registries, not one each.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import add
from typing import Any, cast

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Aggregate,
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    ManyToOneRel,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    When,
)
from django.db.models import Value as Literal

from gongjian.kit.dates import Period, pro_rata, quarter_end
from gongjian.kit.scope import Action, allows, path_ids
from gongjian.kit.together import OneRowReads
from gongjian.units.models import Unit, below_root

from . import cube
from .models import Indicator, RankingItem, RankingScheme, ReportedValue, Target
from .registries import Event, RegistrySpec, YearRollup, get_registry

Value = int | Decimal | bool | None
Request = tuple[Indicator, Unit, Period]


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


def evaluate(indicator: Indicator, unit: Unit, period: Period) -> Value:
    """The value of ``indicator`` for ``unit``'s subtree over ``period``."""
    return evaluate_many([(indicator, unit, period)])[0]


def ratio_value(numerator: Value, denominator: Value) -> Decimal | None:
    """A ratio indicator's value: numerator ÷ denominator to four places; None without a
    denominator."""
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"))


YEAR_ON_YEAR = (Indicator.Kind.GROWTH, Indicator.Kind.DECLINE)


def year_before(period: Period) -> Period:
    """The same dates a year earlier (29 February: the 28th)."""

    def back(day: dt.date) -> dt.date:
        return day.replace(
            year=day.year - 1, day=28 if (day.month, day.day) == (2, 29) else day.day
        )

    return Period(back(period.start), back(period.end))


def year_on_year(kind: str, this: Value, before: Value) -> Decimal | None:
    """A growth (this − before) ÷ before or a decline (before − this) ÷ before to four
    places; None without a figure of the year before."""
    if this is None or before is None or isinstance(this, bool) or isinstance(before, bool):
        return None
    if not before:
        return None
    change = Decimal(this) - Decimal(before)
    if kind == Indicator.Kind.DECLINE:
        change = -change
    return (change / Decimal(before)).quantize(Decimal("0.0001"))


def evaluate_by_unit(indicator: Indicator, units: list[Unit], period: Period) -> dict[int, Value]:
    """Values for several units at once: one request per unit in one batch (a computed
    indicator: one query over the units' common subtree)."""
    values = evaluate_many([(indicator, unit, period) for unit in units])
    return {unit.pk: value for unit, value in zip(units, values, strict=True)}


def evaluate_many(requests: list[Request], memo: dict | None = None) -> list[Value]:
    """``[evaluate(i, u, p) for i, u, p in requests]``, evaluated as one batch: one
    aggregate query per registry (plus one per roll-up's cut months), one for reported
    values per subtree and period, one for targets, one for checkpoints' targets. With
    ``memo`` (a dict shared by the calls of one page), values already there are not
    evaluated again."""
    keys = [_memo_key(request) for request in requests]
    if memo is not None and all(k is not None and k in memo for k in keys):
        return [memo[k] for k in keys]
    batch = _Batch()
    for request, key in zip(requests, keys, strict=True):
        if memo is None or key not in memo:
            batch.plan(*request)
    batch.run()
    values = [
        memo[key] if memo is not None and key in memo else batch.value(*request)
        for request, key in zip(requests, keys, strict=True)
    ]
    if memo is not None:
        memo.update((k, v) for k, v in zip(keys, values, strict=True) if k is not None)
    return values


def _memo_key(request: Request) -> tuple | None:
    """A request's key in a page's memo: an unsaved computed indicator's by its definition
    (``Indicator.adhoc``: the page's problem figures); None for another unsaved one."""
    indicator, unit, period = request
    if indicator.pk is not None:
        return (indicator.pk, unit.pk, period)
    if indicator.kind == Indicator.Kind.COMPUTED:
        return ("adhoc", _definition(indicator), indicator.fixed_unit_id, unit.pk, period)
    return None


# --- the batch ---------------------------------------------------------------------


def _definition(indicator: Indicator) -> tuple:
    """What of a computed indicator its figures depend on (two indicators defined alike
    share them; an edited one is a new definition)."""
    return (
        indicator.registry,
        indicator.measure,
        indicator.measure_field,
        indicator.period_mode,
        indicator.event,
        repr(sorted((indicator.filters or {}).items())),
    )


def _figure_key(indicator: Indicator, scope: Unit, period: Period) -> tuple:
    """A computed figure's key: its definition, subtree and period (none for an indicator
    counting its rows whatever the period)."""
    if indicator.period_mode == Indicator.PeriodMode.NONE:
        return (_definition(indicator), scope.path, None, None)
    return (_definition(indicator), scope.path, period.start, period.end)


def _base(indicator: Indicator) -> Indicator:
    """A completion rate's (or ratio's) base indicator (``validate_definition``)."""
    assert indicator.base_indicator is not None
    return indicator.base_indicator


def _ratio_terms(indicator: Indicator) -> tuple[Indicator, Indicator]:
    """A ratio's numerator and denominator (``validate_definition``)."""
    assert indicator.denominator is not None
    return _base(indicator), indicator.denominator


class _Batch:
    """Evaluates many (indicator, unit, period) requests: ``plan`` collects the leaf
    figures every request needs, ``run`` reads them grouped, ``value`` composes each
    answer from them."""

    def __init__(self) -> None:
        self.computed: dict[tuple, Request] = {}  # by ``_figure_key``
        self.reported: dict[tuple, Request] = {}  # by (indicator, unit, start, end)
        self.target_keys: set[tuple[int, int, int]] = set()
        self.checkpoints: dict[tuple[str, int, int, dt.date], tuple[Unit, int]] = {}
        self.checkpoint_targets: dict[tuple[int, int], list[Target]] = {}
        self.computed_values: dict[tuple, int] = {}
        self.reported_values: dict[tuple, Decimal | None] = {}
        self.targets: dict[tuple[int, int, int], Target] = {}

    def plan(self, indicator: Indicator, unit: Unit, period: Period) -> None:
        scope = effective_unit(indicator, unit)
        if scope is None:
            return
        kind = indicator.kind
        if kind == Indicator.Kind.COMPUTED:
            self.computed.setdefault(
                _figure_key(indicator, scope, period), (indicator, scope, period)
            )
        elif kind == Indicator.Kind.REPORTED:
            reported = (indicator.pk, scope.pk, period.start, period.end)
            self.reported.setdefault(reported, (indicator, scope, period))
        elif kind == Indicator.Kind.RATIO:
            numerator, denominator = _ratio_terms(indicator)
            self.plan(numerator, scope, period)
            self.plan(denominator, scope, period)
        elif kind in YEAR_ON_YEAR:
            base = _base(indicator)
            self.plan(base, scope, period)
            self.plan(base, scope, year_before(period))
        elif kind == Indicator.Kind.COMPLETION:
            base = _base(indicator)
            self.target_keys.add((base.pk, scope.pk, period.year))
            self.plan(base, scope, Period.year_to_date(period.year, period.end))
        else:
            checkpoint = (indicator.checkpoint, scope.pk, period.year, period.end)
            self.checkpoints.setdefault(checkpoint, (scope, period.year))

    def run(self) -> None:
        # checkpoints first: their targets' values join the batch
        judged: set[tuple] = set()
        while pending := [key for key in self.checkpoints if key not in judged]:
            for key in pending:
                judged.add(key)
                kind, _unit_pk, year, as_of = key
                unit, _year = self.checkpoints[key]
                targets = self._checkpoint_targets(unit, year)
                for request in checkpoint_requests(targets, unit, year, as_of, [kind]):
                    self.plan(*request)
        with cube.one_reading():  # the units of the subtrees read once for both
            self.computed_values = _computed_values(self.computed)
            self.reported_values = _reported_values(self.reported)
        if self.target_keys:
            ind_ids = {k[0] for k in self.target_keys}
            unit_ids = {k[1] for k in self.target_keys}
            years = {k[2] for k in self.target_keys}
            for target in Target.objects.filter(
                indicator_id__in=ind_ids, unit_id__in=unit_ids, year__in=years
            ):
                self.targets.setdefault((target.indicator_id, target.unit_id, target.year), target)

    def _checkpoint_targets(self, unit: Unit, year: int) -> list[Target]:
        key = (unit.pk, year)
        if key not in self.checkpoint_targets:
            self.checkpoint_targets[key] = checkpoint_targets(unit, year)
        return self.checkpoint_targets[key]

    def value(self, indicator: Indicator, unit: Unit, period: Period) -> Value:
        scope = effective_unit(indicator, unit)
        if scope is None:
            return None
        kind = indicator.kind
        if kind == Indicator.Kind.COMPUTED:
            return self.computed_values[_figure_key(indicator, scope, period)]
        if kind == Indicator.Kind.REPORTED:
            return self.reported_values[(indicator.pk, scope.pk, period.start, period.end)]
        if kind == Indicator.Kind.RATIO:
            numerator, denominator = _ratio_terms(indicator)
            return ratio_value(
                self.value(numerator, scope, period), self.value(denominator, scope, period)
            )
        if kind in YEAR_ON_YEAR:
            base = _base(indicator)
            return year_on_year(
                kind, self.value(base, scope, period), self.value(base, scope, year_before(period))
            )
        if kind == Indicator.Kind.COMPLETION:
            base = _base(indicator)
            value = self.value(base, scope, Period.year_to_date(period.year, period.end))
            target = self.targets.get((base.pk, scope.pk, period.year))
            if target is None or value is None or isinstance(value, bool):
                return None
            rate = float(Decimal(value) / target.value)
            return Decimal(str(round(rate, 4)))
        year, as_of = period.year, period.end
        targets = self._checkpoint_targets(scope, year)
        if not targets:
            return None
        kinds = [indicator.checkpoint]
        values = [self.value(*r) for r in checkpoint_requests(targets, scope, year, as_of, kinds)]
        return _judged(targets, year, as_of, kinds, values)[indicator.checkpoint]


# --- computed indicators: one aggregate query per registry ---------------------------


def _computed_values(figures: dict[tuple, Request]) -> dict[tuple, int]:
    """The value of each figure (``_figure_key`` → a request for it): one aggregate per
    registry (``_registry_figures``), the aggregates of one row each read together in one
    statement (``kit.together``)."""
    by_registry: dict[str, dict[tuple, Request]] = {}
    for key, request in figures.items():
        by_registry.setdefault(request[0].registry, {})[key] = request
    reads = OneRowReads()
    found = [
        _registry_figures(get_registry(registry), members, reads)
        for registry, members in by_registry.items()
    ]
    reads.run()
    out: dict[tuple, int] = {}
    for totals in found:
        out.update(totals)
    return out


def _registry_figures(
    spec: RegistrySpec, figures: dict[tuple, Request], reads: OneRowReads
) -> dict[tuple, int]:
    """``figures`` (computed indicators of ``spec``, by key) from one aggregate query per
    source of the registry's rows (``_sources``) over the subtree of the figures' common
    ancestor (``_SourceQuery``); a figure's value is the sum of its aggregates over the
    sources. Aggregates of one row are added to ``reads`` and summed into the dict
    returned when it runs. On a stamped registry, the figures each unit's rows give are
    kept between requests and summed (``_kept_figures``)."""
    if spec.stamped and cube.enabled() and all(_keepable(spec, r) for r in figures.values()):
        return _kept_figures(spec, figures)
    path = _common_path({scope.path for _i, scope, _p in figures.values()})
    totals = dict.fromkeys(figures, 0)

    def add(found: dict[tuple, int]) -> None:
        for key, value in found.items():
            totals[key] += value

    for source, rows in _source_rows(spec, figures, path):
        for members, grouped in _query_plan(spec, path, figures):
            _SourceQuery(source, path, members, grouped).read(rows, reads, add)
    return totals


def _source_rows(spec: RegistrySpec, figures: dict[tuple, Request], path: str, units=None):
    """(source, its rows) for each source of ``spec``'s rows the ``figures`` read
    (``_sources``): the rows of the subtree ``path`` — or, given ``units`` (their keys),
    of those units only — and of the years the figures' windows cover."""
    requests = list(figures.values())
    windows = [w for indicator, _s, period in requests for w in _windows(indicator, period)]
    years = None
    if all(_windows(indicator, period) for indicator, _s, period in requests):
        years = sorted({y for start, end in windows for y in range(start.year, end.year + 1)})
    for source in _sources(spec, windows):
        rows = source.spec.queryset()
        if units is None:
            rows = rows.filter(_in_subtree(source.spec, path))
        else:
            head = source.spec.unit_path.rsplit("__", 1)[0]  # the unit's key: ``unit__in``
            rows = rows.filter(**{f"{head}__in": units})
        if source.rows is not None:
            rows = rows.filter(source.rows)
        if source.rollup is not None and years:  # only the years the windows cover
            rows = rows.filter(**{f"{source.rollup.year_field}__in": years})
        yield source, rows


def _query_plan(
    spec: RegistrySpec, path: str, figures: dict[tuple, Request]
) -> list[tuple[dict[tuple, Request], bool]]:
    """How ``figures`` are read: (figures, grouped) per query. One query, unless subtrees
    below ``path`` are asked for with events dated by related rows (a dashboard's
    comparison of child units, a ranking): those are read grouped by unit path with the
    events as semi-joins — one aggregate per indicator and period, not one per
    indicator, period and subtree — and the whole subtree's figures, if any, in a query
    of their own with first dates annotated (``_SourceQuery``) — unless the grouped query
    reads each of them anyway (the same definition and period for a subtree below: the
    whole is the sum of all its groups)."""
    below = {key: request for key, request in figures.items() if request[1].path != path}
    dated = any(
        indicator.period_mode == Indicator.PeriodMode.EVENT
        and spec.events[indicator.event].relation
        for indicator, _scope, _period in figures.values()
    )
    if not below or not dated:
        return [(figures, False)]
    whole = {key: request for key, request in figures.items() if key not in below}
    grouped_shapes = {_shape(key) for key in below}
    if all(_shape(key) in grouped_shapes for key in whole):
        return [(figures, True)]
    return [(members, grouped) for members, grouped in ((whole, False), (below, True)) if members]


def _common_path(paths: set[str]) -> str:
    """The path of the smallest subtree holding every path of ``paths``."""
    if len(paths) == 1:
        return next(iter(paths))
    common = os.path.commonprefix(sorted(paths))
    return common[: common.rfind("/") + 1]


def _in_subtree(spec: RegistrySpec, path: str) -> Q:
    """``spec``'s rows in the subtree ``path``. Rows that reach their unit through a
    related row (a report through its project) take, below a root unit, the related
    rows' keys from an uncorrelated subquery: the database then selects the subtree's
    projects first and looks their rows up by key, where a join on the path would read
    every row. A root's subtree is (nearly) everything: there the path is joined."""
    head, _, rest = spec.unit_path.partition("__")
    if below_root(path) and rest != "path":
        related = spec.queryset().model._meta.get_field(head).related_model
        inside = related._base_manager.filter(**{f"{rest}__startswith": path})
        return Q(**{f"{head}__in": inside.values("pk")})
    return Q(**{f"{spec.unit_path}__startswith": path})


def _prefixed(condition: Q, prefix: str) -> Q:
    """``condition`` on related rows as a condition through ``prefix`` (a relation)."""
    out = Q()
    out.connector, out.negated = condition.connector, condition.negated
    for child in condition.children:
        if isinstance(child, Q):
            out.children.append(_prefixed(child, prefix))
        else:
            lookup, value = cast(tuple[str, Any], child)
            out.children.append((f"{prefix}__{lookup}", value))
    return out


def _dated(event: Event, prefix: str, start: dt.date, end: dt.date) -> Q:
    """The related rows of ``event`` (reached through ``prefix``) dated in
    ``[start, end]``."""
    window = Q(**{f"{event.date}__gte": start, f"{event.date}__lte": end})
    return _prefixed(event.where & window, prefix)


def _had_event(spec: RegistrySpec, event: Event, start: dt.date, end: dt.date) -> Q:
    """``spec``'s rows that had ``event`` (dated by related rows) in ``[start, end]``, as
    an uncorrelated semi-join: the keys of the related rows dated in the window, read
    once (``project_id IN (SELECT project_id FROM … transitions WHERE …)``)."""
    *path, last = event.relation.split("__")
    model = spec.queryset().model
    for hop in path:
        model = model._meta.get_field(hop).related_model
    relation = model._meta.get_field(last)
    if isinstance(relation, ManyToOneRel):  # a reverse foreign key: its rows' key
        window = Q(**{f"{event.date}__gte": start, f"{event.date}__lte": end})
        rows = relation.related_model._base_manager.filter(event.where & window)
        return Q(**{f"{'__'.join(path) or 'pk'}__in": rows.values(relation.field.name)})
    rows = spec.queryset().model._base_manager.filter(_dated(event, event.relation, start, end))
    return Q(pk__in=rows.values("pk"))


class _SourceQuery:
    """The aggregate query reading ``figures`` from one source's rows in the subtree
    ``path``: each figure one conditional aggregate — ``Count("pk", filter=…)``, or
    ``Sum(measure, filter=…)`` (on a roll-up, of the month columns its period covers).

    A figure's condition is made of parts (``_parts``): its period (an event, or being on
    the list), its filters and, when its subtree lies below ``path``, that subtree. The
    parts every figure has restrict the query's rows once (its WHERE clause); the others
    are the aggregates' filters. An event dated by related rows restricts the rows as a
    semi-join on them; as a filter it is an annotation of each row with its first event
    date from the period's start (``Min`` over the related rows, joined once per relation
    and kept to the dates read, a ``FilteredRelation``), one per event and start: the
    row had the event in ``[start, end]`` exactly when that date is on or before ``end``,
    so the periods with the same start — a dashboard's year-to-date series and
    checkpoints — share it. The database then aggregates the annotated rows in a
    subquery (one row per registry row). Without first dates, figures for several
    subtrees are read grouped by unit path instead (``_by_unit``)."""

    def __init__(
        self, source: _Source, path: str, figures: dict[tuple, Request], grouped: bool = False
    ) -> None:
        self.source = source
        self.grouped = grouped
        self.spec = source.spec
        self.path = path
        self.figures = figures
        self.conditions: dict[tuple, Q] = {}
        self.parts = {key: self._parts(*request) for key, request in figures.items()}
        self.common = set.intersection(*(set(parts) for parts in self.parts.values()))
        # per (event, period start) of the events filtering by a first date: the latest end
        self.ends: dict[tuple[str, dt.date], dt.date] = {}
        for parts in self.parts.values():
            for part in parts:
                if part[0] == "first" and part not in self.common and not grouped:
                    _kind, name, start, end = part
                    self.ends[(name, start)] = max(self.ends.get((name, start), end), end)
        self.aliases = {key: f"_first{n}" for n, key in enumerate(sorted(self.ends))}

    def _parts(self, indicator: Indicator, scope: Unit, period: Period) -> list[tuple]:
        """The keys of the parts of a figure's condition, with their conditions (those of
        first dates built in ``_part``)."""
        spec, parts = self.spec, list[tuple]()
        mode = indicator.period_mode
        if self.source.rollup is None and mode == Indicator.PeriodMode.ACTIVE:
            active_in = spec.active_in
            assert active_in is not None  # validate_definition
            parts.append(("active", period.start, period.end))
            self._condition(parts[-1], lambda: active_in(period))
        elif self.source.rollup is None and mode == Indicator.PeriodMode.EVENT:
            event = spec.events[indicator.event]
            within = event.within
            if within is not None:
                parts.append(("within", indicator.event, period.start, period.end))
                self._condition(parts[-1], lambda: within(period))
            if event.relation:
                parts.append(("first", indicator.event, period.start, period.end))
        if indicator.filters:
            parts.append(("filters", repr(sorted(indicator.filters.items()))))
            self._condition(parts[-1], lambda: spec.condition(indicator.filters))
        if scope.path != self.path:
            parts.append(("scope", scope.path))
            self._condition(parts[-1], lambda: Q(**{f"{spec.unit_path}__startswith": scope.path}))
        return parts

    def _condition(self, part: tuple, build: Callable[[], Q]) -> None:
        """Keep ``part``'s condition, built once per query (building one may read the
        database: a cadence rule, a tag)."""
        if part not in self.conditions:
            self.conditions[part] = build()

    def _part(self, part: tuple) -> Q:
        if part[0] != "first":
            return self.conditions[part]
        _kind, name, start, end = part
        if part in self.common or self.grouped:  # a semi-join on the related rows
            return _had_event(self.spec, self.spec.events[name], start, end)
        return Q(**{f"{self.aliases[(name, start)]}__lte": end})

    def _annotate(self, rows):
        """``rows`` with the first-date annotations the filters read."""
        spans: dict[tuple[str, str], tuple[dt.date, dt.date]] = {}
        for (name, start), end in self.ends.items():
            event = self.spec.events[name]
            low, high = spans.get((event.relation, event.date), (start, end))
            spans[(event.relation, event.date)] = (min(low, start), max(high, end))
        joins = {key: f"_rel{n}" for n, key in enumerate(spans)}
        rows = rows.annotate(
            **{
                joins[(relation, date)]: FilteredRelation(
                    relation,
                    condition=Q(
                        **{f"{relation}__{date}__gte": low, f"{relation}__{date}__lte": high}
                    ),
                )
                for (relation, date), (low, high) in spans.items()
            }
        )
        firsts = {}
        for (name, start), end in self.ends.items():
            event = self.spec.events[name]
            alias = joins[(event.relation, event.date)]
            firsts[self.aliases[(name, start)]] = Min(
                f"{alias}__{event.date}", filter=_dated(event, alias, start, end)
            )
        return rows.annotate(**firsts)

    def _aggregate(self, indicator: Indicator, period: Period, parts: list[tuple]) -> Aggregate:
        condition = Q()
        for part in parts:
            if part not in self.common:
                condition &= self._part(part)
        where = condition if condition else None
        rollup = self.source.rollup
        if rollup is not None:
            months = _rollup_months(self.source, _windows(indicator, period))
            prefix = _rollup_prefix(rollup, indicator)
            return Sum(_rollup_value(self.source, prefix, months), filter=where)
        if indicator.measure == Indicator.Measure.COUNT:
            return Count("pk", filter=where)
        return Sum(indicator.measure_field, filter=where)

    def read(self, rows, reads: OneRowReads, done: Callable[[dict[tuple, int]], None]) -> None:
        """Each figure's value from ``rows`` (the source's rows in the subtree), handed to
        ``done``: at once when read grouped by unit or through ``Min`` annotations, at
        ``reads.run`` when one row holds them all (most queries)."""
        if self.grouped or (
            not self.ends and len({scope.path for _i, scope, _p in self.figures.values()}) > 1
        ):
            done(self._by_unit(rows))
            return
        rows = self._where(rows)
        firsts = self._firsts()
        if (
            firsts
            and self._by_first_dates(firsts)
            and {self.path} == {scope.path for _i, scope, _p in self.figures.values()}
        ):  # one subtree: its first dates in a derived table, summed in one row
            try:
                sql, params, shapes = self._first_dates_sql(rows, firsts, by_path=False)
            except EmptyResultSet:  # a condition no row meets, known before reading
                done(dict.fromkeys(self.figures, 0))
                return

            def shaped(row: tuple) -> None:
                values = {shape: int(v or 0) for shape, v in zip(shapes, row, strict=True)}
                done({key: values[_shape(key)] for key in self.figures})

            reads.add(rows.db, sql, params, len(shapes), shaped)
            return
        names = {key: f"_v{n}" for n, key in enumerate(self.figures)}
        aggregates = {
            names[key]: self._aggregate(indicator, period, self.parts[key])
            for key, (indicator, _scope, period) in self.figures.items()
        }

        def named(found: dict) -> None:
            done({key: int(found[name] or 0) for key, name in names.items()})

        if self.ends:  # rows with Min annotations: the database aggregates them in a subquery
            named(self._annotate(rows).aggregate(**aggregates))
        else:
            reads.add_aggregates(rows, aggregates, named)

    def _by_unit(self, rows) -> dict[tuple, int]:
        """The figures of several subtrees: the rows grouped by their unit's path
        (``per_path``), each figure the sum of its subtree's groups — one aggregate per
        indicator and period, not one per subtree."""
        totals = dict.fromkeys(self.figures, 0)
        for path, values in self.per_path(rows).items():
            for key, (_indicator, scope, _period) in self.figures.items():
                if path.startswith(scope.path):
                    totals[key] += values[_shape(key)]
        return totals

    def _where(self, rows):
        """``rows`` kept to the parts of the condition every figure has."""
        for part in sorted(self.common, key=repr):
            rows = rows.filter(self._part(part))
        return rows.order_by()

    def per_path(self, rows) -> dict[str, dict[tuple, int]]:
        """Each figure's aggregate over the rows of each unit (by its path), by the
        figure's shape (``_shape``): one aggregate per indicator and period."""
        rows = self._where(rows)
        firsts = self._firsts()
        if firsts and self._by_first_dates(firsts):
            sql, params, shapes = self._first_dates_sql(rows, firsts, by_path=True)
            with connections[rows.db].cursor() as cursor:
                cursor.execute(sql, params)
                return {
                    row[0]: {shape: int(v or 0) for shape, v in zip(shapes, row[1:], strict=True)}
                    for row in cursor.fetchall()
                }
        names: dict[tuple, str] = {}
        aggregates = {}
        for key, (indicator, _scope, period) in self.figures.items():
            shape = _shape(key)
            if shape not in names:
                names[shape] = f"_v{len(names)}"
                parts = [part for part in self.parts[key] if part[0] != "scope"]
                aggregates[names[shape]] = self._aggregate(indicator, period, parts)
        return {
            row[self.spec.unit_path]: {shape: int(row[name] or 0) for shape, name in names.items()}
            for row in rows.values(self.spec.unit_path).annotate(**aggregates)
        }

    def _firsts(self) -> list[tuple[str, dt.date]]:
        """The (event, period start) pairs whose first dates the figures' filters read."""
        return sorted(
            {
                (part[1], part[2])
                for parts in self.parts.values()
                for part in parts
                if part[0] == "first" and part not in self.common
            }
        )

    def _by_first_dates(self, firsts: list[tuple[str, dt.date]]) -> bool:
        """Whether every first date can be read as a column of a derived table
        (``_first_dates_sql``, ``_dated_by``)."""
        return all(self._dated_by(name) for name, _start in firsts)

    def _dated_by(self, name: str) -> tuple[Any, str, str] | None:
        """How a row's first date of the event ``name`` is looked up in a correlated
        subquery: (the related rows' model, their foreign key, the row's column it
        points at) — through a reverse foreign key (a project's transitions), or a
        forward one and then a reverse one (a lead's project's transitions); None for
        another relation."""
        *forward, last = self.spec.events[name].relation.split("__")
        if len(forward) > 1:
            return None
        model = self.spec.queryset().model
        outer = "pk"
        if forward:
            step = model._meta.get_field(forward[0])
            if not (step.many_to_one or step.one_to_one) or step.auto_created:
                return None
            model, outer = step.related_model, forward[0]
        found = model._meta.get_field(last)
        if not isinstance(found, ManyToOneRel):
            return None
        return found.related_model, found.field.name, outer

    def _first_dates_sql(
        self, rows, firsts: list[tuple[str, dt.date]], by_path: bool
    ) -> tuple[str, list, list[tuple]]:
        """``(sql, params, shapes)``: the figures where their events are dated by related
        rows, read from each row with its first date of each (event, period start) — one
        look-up of its related rows, not one per figure — and each condition part a
        column (``_annotate`` does the same with ``Min``), as a derived table the database
        computes once; the figures are its sums, one column per shape (``_shape``) — with
        ``by_path``, grouped by unit path in a first column; else one row."""
        columns: dict[str, Any] = {"_path": F(self.spec.unit_path)}
        first_of: dict[tuple, str] = {}
        for n, (name, start) in enumerate(firsts):
            event = self.spec.events[name]
            dated_by = self._dated_by(name)
            assert dated_by is not None
            model, link, outer = dated_by
            dated = model._base_manager.filter(
                event.where, **{f"{event.date}__gte": start, link: OuterRef(outer)}
            )
            first_of[(name, start)] = f"_first{n}"
            columns[f"_first{n}"] = Subquery(
                dated.order_by().values(link).annotate(first=Min(event.date)).values("first")
            )
        flag_of: dict[tuple, str] = {}
        # shape, condition (column, the end it is compared with or None), measure column
        sums: list[tuple[tuple, list[tuple[str, Any]], str | None]] = []
        for key, (indicator, _scope, _period) in self.figures.items():
            shape = _shape(key)
            if any(shape == done for done, _c, _m in sums):
                continue
            condition: list[tuple[str, Any]] = []
            for part in self.parts[key]:
                if part in self.common or part[0] == "scope":
                    continue
                if part[0] == "first":
                    _kind, name, start, end = part
                    condition.append((first_of[(name, start)], end))
                    continue
                if part not in flag_of:
                    flag_of[part] = f"_flag{len(flag_of)}"
                    columns[flag_of[part]] = ExpressionWrapper(
                        self.conditions[part], output_field=BooleanField()
                    )
                condition.append((flag_of[part], None))
            measure = None
            if indicator.measure != Indicator.Measure.COUNT:
                measure = f"_m_{indicator.measure_field}"
                columns[measure] = F(indicator.measure_field)
            sums.append((shape, condition, measure))
        inner, params = rows.annotate(**columns).values(*columns).query.sql_with_params()
        connection = connections[rows.db]
        # a fence: the database computes the derived table once, not each column per use
        fence = " LIMIT -1 OFFSET 0" if connection.vendor == "sqlite" else " OFFSET 0"
        select, outer_params = [], []
        for _s, condition, measure in sums:
            tests: list[str] = []
            for column, end in condition:
                if end is None:
                    tests.append(f"t.{column}")
                else:
                    tests.append(f"t.{column} <= %s")
                    outer_params.append(end)
            when = " AND ".join(tests) or "1 = 1"
            value = f"t.{measure}" if measure else "1"
            select.append(f"SUM(CASE WHEN {when} THEN {value} ELSE 0 END)")
        if by_path:
            sql = f"SELECT t._path, {', '.join(select)} FROM ({inner}{fence}) t GROUP BY t._path"
        else:
            sql = f"SELECT {', '.join(select)} FROM ({inner}{fence}) t"
        return sql, [*outer_params, *params], [shape for shape, _c, _m in sums]


def _shape(key: tuple) -> tuple:
    """A figure's key but for its subtree: its definition and period."""
    return (key[0], *key[2:])


# --- figures kept per unit -------------------------------------------------------------


def _keepable(spec: RegistrySpec, request: Request) -> bool:
    """Whether a figure is a sum of what each unit's own rows give, read from rows whose
    every write draws the unit's stamp (``spec.stamped``): its filters all ``stamped``
    (not a park's or a pillar's, which read tables no stamp covers), and not an event
    judged by a condition that may read other tables (``Event.within`` not ``own_row``:
    a cadence's obligations)."""
    indicator = request[0]
    if not all(spec.filters[key].stamped for key in indicator.filters or {}):
        return False
    if indicator.period_mode != Indicator.PeriodMode.EVENT:
        return True
    event = spec.events[indicator.event]
    return event.within is None or event.own_row


def _kept_figures(spec: RegistrySpec, figures: dict[tuple, Request]) -> dict[tuple, int]:
    """``figures`` summed from each unit's own figures kept between requests
    (``cube.Kept``): the units not kept at their current stamp are read in one query
    grouped by unit (``_SourceQuery.per_path``), the others not at all."""
    path = _common_path({scope.path for _i, scope, _p in figures.values()})
    kept = cube.kept(spec.queryset().db, path)
    shapes = {key: repr(_shape(key)) for key in figures}
    missing = set(kept.missing(shapes.values()))
    if missing:
        anchor = Unit(path=path)  # the figures are read for every unit, grouped
        members: dict[tuple, Request] = {}
        for key, (indicator, _scope, period) in figures.items():
            members.setdefault(_shape(key), (indicator, anchor, period))
        plan = {_figure_key(*request): request for request in members.values()}
        units = kept.to_read(missing)
        found = {pk: dict.fromkeys((repr(_shape(key)) for key in plan), 0) for pk in missing}
        for source, rows in _source_rows(spec, plan, path, units):
            grouped = _SourceQuery(source, path, plan, grouped=True).per_path(rows)
            for unit_path, values in grouped.items():
                pk = kept.units.get(unit_path)
                if pk in found:
                    for shape, value in values.items():
                        found[pk][repr(shape)] += value
        kept.keep(found)
    within: dict[str, list[int]] = {}
    for _indicator, scope, _period in figures.values():
        if scope.path not in within:
            within[scope.path] = kept.within(scope.path)
    return {
        key: kept.total(shapes[key], within[request[1].path]) for key, request in figures.items()
    }


# --- registries with a yearly roll-up ------------------------------------------------


def _month_end(day: dt.date) -> dt.date:
    return Period.month(day.year, day.month).end


@dataclass(frozen=True)
class _Source:
    """Rows a computed indicator's aggregate is read from: the registry's own (``rows``:
    a condition keeping them to some months, None for all), or its yearly roll-up
    (``rollup``) for every month but the ``cut`` ones ((year, month) pairs)."""

    spec: RegistrySpec
    rollup: YearRollup | None = None
    cut: frozenset = frozenset()
    rows: Q | None = None


def _sources(registry: RegistrySpec, windows) -> list[_Source]:
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
    rollup = source.rollup
    assert rollup is not None

    def total(ms):
        if not ms:
            return Literal(0, output_field=BigIntegerField())
        return reduce(add, (F(f"{prefix}{m}") for m in ms))

    other_years = total(months[None]) if None in months else Literal(0)
    whens = [
        When(Q(**{rollup.year_field: y}), then=total(ms))
        for y, ms in sorted((y, ms) for y, ms in months.items() if y is not None)
    ]
    if not whens:
        return other_years
    return Case(*whens, default=other_years, output_field=BigIntegerField())


# --- reported values -----------------------------------------------------------------


def _reported_values(requests: dict[tuple, Request]) -> dict[tuple, Decimal | None]:
    """Each reported indicator at a unit for the year up to the period's end: the unit's
    own approved value of the latest period it reported, or else the values of the units
    directly below it rolled up by the indicator's method (sum, mean, weighted mean, max,
    min, latest), each of those units valued the same way. One query for the values and
    one for the tree per (subtree, period), for all the indicators asked for it."""
    groups: dict[tuple[int, dt.date, dt.date], dict[tuple, Request]] = {}
    for key, request in requests.items():
        _indicator, unit, period = request
        groups.setdefault((unit.pk, period.start, period.end), {})[key] = request
    out: dict[tuple, Decimal | None] = {}
    weighted = [
        r[0]
        for r in requests.values()
        if r[0].rollup == Indicator.Rollup.WEIGHTED_MEAN and r[0].weight_id
    ]
    cached = Indicator._meta.get_field("weight").is_cached
    weights = {i.weight_id: i.weight for i in weighted if cached(i)}  # a page's select_related
    unread = {i.weight_id for i in weighted} - weights.keys()
    if unread:  # the others in one query
        weights.update(Indicator.objects.in_bulk(unread))
    for members in groups.values():
        _indicator, unit, period = next(iter(members.values()))
        indicators = {r[0].pk: r[0] for r in members.values()}
        for indicator in list(indicators.values()):
            weight = weights.get(indicator.weight_id or 0)
            if indicator.rollup == Indicator.Rollup.WEIGHTED_MEAN and weight is not None:
                indicators.setdefault(weight.pk, weight)
        tree = _ReportedTree(unit, period, indicators)
        for key, (indicator, _unit, _period) in members.items():
            out[key] = tree.value(indicator, unit.pk)
    return out


class _ReportedTree:
    """The approved reported values under one unit and the unit tree they roll up on."""

    def __init__(self, unit: Unit, period: Period, indicators: dict[int, Indicator]):
        rows = (
            ReportedValue.objects.filter(
                indicator__in=list(indicators),
                unit__path__startswith=unit.path,
                status=ReportedValue.Status.APPROVED,
                as_of__gte=dt.date(period.year, 1, 1),
                as_of__lte=period.end,
            )
            .order_by("indicator_id", "unit_id", "-as_of", "-version")
            .values_list("indicator_id", "unit_id", "as_of", "value")
        )
        # the subtree's units and stamps: read once per page (``cube.one_reading``); the
        # values kept until a reported value (or the unit tree) is written
        kept = cube.kept(Unit.objects.db, unit.path)
        ids = ",".join(map(str, sorted(indicators)))
        name = f"reported:{unit.path}:{period.year}:{period.end}:{ids}"
        self.own: dict[tuple[int, int], tuple[Decimal, dt.date]] = {}
        for indicator_id, unit_id, as_of, value in kept.definitions(name, lambda: list(rows)):
            self.own.setdefault((indicator_id, unit_id), (value, as_of))
        self.children: dict[int, list[int]] = {}
        if self.own:
            for path, pk in kept.units.items():
                if pk != unit.pk:
                    self.children.setdefault(path_ids(path)[-2], []).append(pk)
        self.indicators = indicators
        self.memo: dict[tuple[int, int], tuple[Decimal, dt.date] | None] = {}

    def value(self, indicator: Indicator, unit_id: int) -> Decimal | None:
        found = self._rolled(indicator, unit_id)
        return None if found is None else found[0]

    def _rolled(self, indicator: Indicator, unit_id: int) -> tuple[Decimal, dt.date] | None:
        key = (indicator.pk, unit_id)
        if key in self.own:
            return self.own[key]
        if key not in self.memo:
            below = [
                (child, found)
                for child in self.children.get(unit_id, ())
                if (found := self._rolled(indicator, child)) is not None
            ]
            self.memo[key] = self._combine(indicator, below) if below else None
        return self.memo[key]

    def _combine(
        self, indicator: Indicator, below: list[tuple[int, tuple[Decimal, dt.date]]]
    ) -> tuple[Decimal, dt.date] | None:
        method = indicator.rollup
        values = [value for _child, (value, _as_of) in below]
        as_of = max(as_of for _child, (_value, as_of) in below)
        if method == Indicator.Rollup.LATEST:
            return max((found for _child, found in below), key=lambda found: found[1])
        if method == Indicator.Rollup.MAX:
            return max(values), as_of
        if method == Indicator.Rollup.MIN:
            return min(values), as_of
        if method == Indicator.Rollup.MEAN:
            return sum(values, Decimal(0)) / len(values), as_of
        if method == Indicator.Rollup.WEIGHTED_MEAN:
            weight = self.indicators.get(indicator.weight_id or 0)
            if weight is None:
                return None
            pairs = [
                (value, w)
                for child, (value, _as_of) in below
                if (w := self.value(weight, child)) is not None
            ]
            total = sum((w for _value, w in pairs), Decimal(0))
            if not total:
                return None
            return sum((value * w for value, w in pairs), Decimal(0)) / total, as_of
        return sum(values, Decimal(0)), as_of


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
    One grouped evaluation (``year_to_date_by_month``), not one per month."""
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
    return checkpoint_statuses(unit, year, as_of, [kind])[kind]


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


def _judged(
    targets: list[Target], year: int, as_of: dt.date, kinds: list[str], values: Iterable[Value]
) -> dict[str, bool | None]:
    """Each checkpoint of ``kinds`` judged from the targets' ``values`` (in the order of
    ``checkpoint_requests``): met when every target reached the checkpoint's share."""
    plans, not_due = _checkpoint_plans(kinds, year, as_of)
    out: dict[str, bool | None] = dict.fromkeys(not_due)
    found = iter(values)
    for kind, (_judge_on, threshold) in plans.items():
        status = True
        for target in targets:
            value = next(found)
            if value is None or isinstance(value, bool):
                status = False  # no rate: the checkpoint is not met
                continue
            if float(Decimal(value) / target.value) < threshold:
                status = False
        out[kind] = status
    return {kind: out[kind] for kind in kinds}


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
    values = evaluate_many(checkpoint_requests(targets, unit, year, as_of, kinds), memo)
    return _judged(targets, year, as_of, kinds, values)


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
    # the underlying figures (value, target, completion rate) are withheld from the viewer
    hidden: bool = False

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
    # every item's values and samples for every unit in one batch
    requests: list[Request] = []
    for item in items:
        for indicator in (item.indicator, _sample_basis(item)):
            if indicator is not None:
                requests += [(indicator, unit, period) for unit in units]
    found = iter(evaluate_many(requests))
    for item in items:
        values = {u.pk: next(found) for u in units}
        samples = {u.pk: next(found) for u in units} if _sample_basis(item) else {}
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


def _sample_basis(item: RankingItem) -> Indicator | None:
    """The indicator counting the sample behind a rate (a ratio's denominator, e.g.
    appeals received), when the item sets a minimum sample; else None."""
    indicator = item.indicator
    if not item.min_sample:
        return None
    return indicator.denominator if indicator.kind == Indicator.Kind.RATIO else indicator


HIDDEN_FIGURES = ("value", "target", "rate", "sample")


def ranking(
    scheme: RankingScheme, period: Period, previous: Period | None = None, *, viewer: Any = None
) -> list[RankingRow]:
    """Rank the scheme's units for ``period``; with ``previous``, each row's movement.

    What a unit sees of the 赛马 (pages, API, export and 通报 all pass their ``viewer``):
    every competing unit's rank, total score, movement and each item's score and weight
    — the ranking is published to all the units it ranks — but the underlying figures
    (value, target, completion rate) only of the units the viewer may see; the others'
    rows say ``hidden``."""
    items = list(
        scheme.items.select_related("indicator", "indicator__fixed_unit", "indicator__denominator")
    )
    units = ranking_units(scheme)
    rows = _score_period(scheme, items, units, period)
    if previous is not None:
        before = _score_period(scheme, items, units, previous)
        for pk, row in rows.items():
            row.previous_rank = before[pk].rank
    if viewer is not None:
        for row in rows.values():
            if not allows(viewer, Action.VIEW, row.unit):
                row.hidden = True
                for part in row.parts.values():
                    part.update(dict.fromkeys(HIDDEN_FIGURES))
    return sorted(rows.values(), key=lambda r: (r.rank, r.unit.sort_order, r.unit.pk))


# --- all indicators at once (CLI, API, dashboard) -----------------------------------


def evaluate_all(
    unit: Unit, period: Period, indicators=None, memo: dict | None = None
) -> dict[str, Value]:
    """Every active indicator for ``unit`` over ``period``; fixed-unit indicators that do
    not apply to ``unit`` are left out. Evaluated as one batch (``evaluate_many``)."""
    if indicators is None:
        indicators = Indicator.objects.filter(is_active=True).select_related(
            "fixed_unit", "base_indicator", "denominator"
        )
    applicable = [i for i in indicators if effective_unit(i, unit) is not None]
    values = evaluate_many([(i, unit, period) for i in applicable], memo)
    return {i.code: v for i, v in zip(applicable, values, strict=True)}


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
    first-event annotation (``_SourceQuery``), so the whole series is a few more
    conditional aggregates in the registry's one query — none at all when ``memo``
    already holds them (the dashboard puts ``monthly_requests`` into its batch)."""
    return evaluate_many(monthly_requests(indicator, unit, year, as_of), memo)
