"""Registries that indicators can count over, and the filters each one allows.

An indicator's ``filters`` JSON may only use the keys its registry declares
here; each key maps to one condition on the registry's rows (a ``Q``). A registry's
events and its notion of "on the list in a period" are conditions too, so that the
engine can put every figure of a page into one query as conditional aggregates. The
engine knows no registry by name: each domain app registers its own in
``AppConfig.ready()`` with ``register()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from gongjian.kit.dates import Period
from gongjian.kit.registration import Registry


@dataclass(frozen=True)
class FilterSpec:
    """One allowed filter key: its value type and the condition it puts on the
    registry's rows (``apply(value)``). A condition reaching other tables does so through
    single-valued relations or an uncorrelated ``pk__in`` subquery (read once per
    query, not once per row)."""

    label: str
    kind: type | tuple[type, ...]
    apply: Callable[[Any], Q]
    # the condition reads only rows whose every write draws the unit's stamp (the row's
    # own columns, its project's, the stamped tables: ``projects.stamps``), so that on a
    # stamped registry a figure it filters can be kept per unit (``engine._keepable``);
    # a filter reading any other table (a park's projects, a pillar's tags) is not
    stamped: bool = False


@dataclass(frozen=True)
class Event:
    """Something that happens to a registry's rows on a date: an indicator with
    ``period_mode`` event counts the rows that had it in the period. A row has it when

    - ``within(period)`` holds — a condition on the row (its own columns, single-valued
      relations, uncorrelated subqueries), when given; and
    - when ``relation`` is given — one of the row's related rows through that
      multi-valued relation (e.g. ``transitions``), among those meeting ``where`` (a
      condition on the related rows' own fields, e.g. ``Q(stage="signed")``), is dated
      (``date``, e.g. ``occurred_on``) within the period. The engine reads it as a
      semi-join on the related rows, or — where figures of several periods share a
      query — as an annotation of each row with its earliest such date from the
      period's start (``Min``): the row had the event in ``[start, end]`` exactly when
      that date is on or before ``end``, so every period with the same start (a
      year-to-date series) shares one annotation. ``where`` may only use lookups on the
      related rows' own fields (the engine puts the relation in front of each).
    """

    label: str
    within: Callable[[Period], Q] | None = None
    relation: str = ""
    date: str = ""
    where: Q = field(default_factory=Q)
    # ``within`` reads the row's own columns only (no other table, no cadence): on a
    # stamped registry its figures can be kept per unit (``engine._keepable``)
    own_row: bool = False


@dataclass(frozen=True)
class YearRollup:
    """A table answering a registry's aggregates exactly over whole months (e.g.
    projects.ReportYear): one row per registry key and year, each month's sum of every
    measure and count of rows in columns of their own (``<prefix><month>``), by the
    month of the registry's ``date_field``. ``spec`` reads it with the registry's own
    unit path and filters."""

    spec: RegistrySpec
    date_field: str
    year_field: str
    measures: dict[str, str]  # measure field → column prefix
    count_prefix: str


@dataclass
class RegistrySpec:
    key: str
    label: str
    queryset: Callable[[], QuerySet]
    unit_path: str
    measure_fields: dict[str, str]
    events: dict[str, Event]
    filters: dict[str, FilterSpec] = field(default_factory=dict)
    # the rows on the list at some time in a period (``period_mode`` active); None: the
    # registry has no such notion
    active_in: Callable[[Period], Q] | None = None
    # the registry's rows summed month by month; the engine reads it for every whole
    # month of a window
    rollup: YearRollup | None = None
    # the date a row's measure counts on (``engine.measure_parts`` sums by it)
    date_field: str = ""
    # every write to the rows its figures read draws their unit's stamp
    # (``units.UnitStamp``): the engine keeps each unit's figures between requests
    # (``engine._kept_figures``)
    stamped: bool = False

    def add_filter(self, key: str, spec: FilterSpec) -> None:
        """Another app's filter on this registry's rows (a park, a pillar): registered
        once, never in place of one the registry defines."""
        if key in self.filters and self.filters[key] != spec:
            raise ValueError(f"registry {self.key}: filter {key!r} is defined already")
        self.filters[key] = spec

    def condition(self, filters: dict | None) -> Q:
        """An indicator's ``filters`` as one condition on the registry's rows."""
        q = Q()
        for key, value in (filters or {}).items():
            q &= self.filters[key].apply(value)
        return q

    def apply_filters(self, qs: QuerySet, filters: dict | None) -> QuerySet:
        return qs.filter(self.condition(filters))

    def active(self, qs: QuerySet, period: Period) -> QuerySet:
        """``qs``'s rows on the list at some time in ``period`` (``active_in``)."""
        if self.active_in is None:
            raise ValueError(f"“{self.label}”不支持“期间内在清单上”")
        return qs.filter(self.active_in(period))


REGISTRIES: Registry[RegistrySpec] = Registry(
    "indicator registries",
    missing=lambda key: ValidationError({"registry": f"未知的数据清单“{key}”"}),
)


def register(spec: RegistrySpec) -> RegistrySpec:
    """Make ``spec`` countable by indicators (a domain app calls it in ``ready()``)."""
    return REGISTRIES.register(spec.key, spec)


def get_registry(key: str) -> RegistrySpec:
    return REGISTRIES[key]


def as_list(value) -> list:
    """A filter value as a list (a single value or a list of them)."""
    return list(value) if isinstance(value, list | tuple) else [value]


def validate_definition(indicator) -> None:
    """Refuse an indicator definition the engine could not evaluate (Chinese messages)."""
    kind = indicator.Kind
    weighted = indicator.rollup == indicator.Rollup.WEIGHTED_MEAN
    if indicator.kind != kind.REPORTED or not weighted:
        if indicator.weight_id is not None and indicator.kind == kind.REPORTED:
            raise ValidationError({"weight": "只有加权平均的填报指标才设权重指标"})
    if indicator.kind == kind.REPORTED:
        if weighted:
            weight = indicator.weight
            if weight is None:
                raise ValidationError({"weight": "加权平均须指定权重指标"})
            if weight.kind != kind.REPORTED or weight.rollup != indicator.Rollup.SUM:
                raise ValidationError({"weight": "权重指标须为按求和汇总的填报指标"})
            if weight.pk == indicator.pk:
                raise ValidationError({"weight": "权重指标不能是指标本身"})
        return
    if indicator.kind == kind.RATIO:
        if indicator.base_indicator_id is None or indicator.denominator_id is None:
            raise ValidationError({"denominator": "比率指标须指定分子(所依据的指标)和分母指标"})
        return
    if indicator.kind in (kind.GROWTH, kind.DECLINE):
        if indicator.base_indicator_id is None:
            raise ValidationError({"base_indicator": "较上年增减指标须指定所依据的指标"})
        return
    if indicator.kind == kind.COMPLETION:
        if indicator.base_indicator_id is None:
            raise ValidationError({"base_indicator": "目标完成率指标须指定所依据的指标"})
        return
    if indicator.kind == kind.CHECKPOINT:
        if not indicator.checkpoint:
            raise ValidationError({"checkpoint": "节点判定指标须选择判定节点"})
        return
    if indicator.checkpoint:
        raise ValidationError({"checkpoint": "只有节点判定指标才能设置判定节点"})
    spec = get_registry(indicator.registry)
    errors: dict[str, list[str]] = {}
    if indicator.measure not in (indicator.Measure.COUNT, indicator.Measure.SUM):
        errors.setdefault("measure", []).append("计算指标须选择计数或求和")
    if (
        indicator.measure == indicator.Measure.SUM
        and indicator.measure_field not in spec.measure_fields
    ):
        errors.setdefault("measure_field", []).append(
            f"“{spec.label}”没有可求和字段“{indicator.measure_field}”,可选:{'、'.join(spec.measure_fields)}"
        )
    if indicator.period_mode == indicator.PeriodMode.EVENT and indicator.event not in spec.events:
        errors.setdefault("event", []).append(
            f"“{spec.label}”没有事件“{indicator.event}”,可选:{'、'.join(spec.events)}"
        )
    if indicator.period_mode == indicator.PeriodMode.ACTIVE and spec.active_in is None:
        errors.setdefault("period_mode", []).append(f"“{spec.label}”不支持“期间内在清单上”")
    if not isinstance(indicator.filters, dict):
        errors.setdefault("filters", []).append("筛选条件须为 JSON 对象")
    else:
        for key, value in indicator.filters.items():
            fspec = spec.filters.get(key)
            if fspec is None:
                errors.setdefault("filters", []).append(
                    f"未知的筛选条件“{key}”,可选:{'、'.join(spec.filters)}"
                )
            elif not isinstance(value, fspec.kind) or isinstance(value, bool):
                errors.setdefault("filters", []).append(
                    f"筛选条件“{key}”({fspec.label})的值类型不正确"
                )
    if errors:
        raise ValidationError(errors)
