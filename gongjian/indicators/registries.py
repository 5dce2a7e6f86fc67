"""Registries that indicators can count over, and the filters each one allows.

An indicator's ``filters`` JSON may only use the keys its registry declares
here; each key maps to one ORM condition. Later registries (leads,
enterprises, appeals …) register themselves with ``register()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Case, DateField, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, When

from gongjian.common.dates import Period


@dataclass(frozen=True)
class FilterSpec:
    """One allowed filter key: its value type and how it narrows a queryset."""

    label: str
    kind: type | tuple[type, ...]
    apply: Callable[[QuerySet, object], QuerySet]


@dataclass(frozen=True)
class FirstEvent:
    """How an event's ``first_on`` date is found for every registry row at once: the rows
    of ``rows()`` meeting ``condition``, grouped by ``key`` (the registry row's pk), the
    earliest ``date`` in the window. The engine joins one grouped scan — every event
    over the same rows as one column each — instead of a look-up per registry row."""

    rows: Callable[[], QuerySet]
    key: str
    date: str
    condition: Q


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
    events: dict[str, tuple[str, Callable[[QuerySet, Period], QuerySet]]]
    filters: dict[str, FilterSpec] = field(default_factory=dict)
    active: Callable[[QuerySet, Period], QuerySet] | None = None
    # the registry's rows summed month by month; the engine reads it for every whole
    # month of a window
    rollup: YearRollup | None = None

    def apply_filters(self, qs: QuerySet, filters: dict) -> QuerySet:
        for key, value in (filters or {}).items():
            qs = self.filters[key].apply(qs, value)
        return qs


REGISTRIES: dict[str, RegistrySpec] = {}


def register(spec: RegistrySpec) -> RegistrySpec:
    REGISTRIES[spec.key] = spec
    return spec


def get_registry(key: str) -> RegistrySpec:
    if not REGISTRIES:
        _register_builtin()
    try:
        return REGISTRIES[key]
    except KeyError:
        raise ValidationError({"registry": f"未知的数据清单“{key}”"}) from None


def _as_list(value) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


# --- the project registry -------------------------------------------------------


def _project_registry() -> RegistrySpec:
    from gongjian.projects.models import Project, Stage, StageTransition

    def transitions() -> QuerySet:
        return StageTransition.objects.all()

    def event(*stages: str):
        def apply(qs: QuerySet, period: Period) -> QuerySet:
            return qs.filter(
                pk__in=StageTransition.objects.filter(
                    stage__in=stages,
                    occurred_on__gte=period.start,
                    occurred_on__lte=period.end,
                ).values("project_id")
            )

        def first_on(period: Period):
            """The row's earliest event date within ``period`` (NULL: none) — the engine
            groups a monthly series by it in one query."""
            return Subquery(
                StageTransition.objects.filter(
                    project_id=OuterRef("pk"),
                    stage__in=stages,
                    occurred_on__gte=period.start,
                    occurred_on__lte=period.end,
                )
                .order_by()
                .values("project_id")
                .annotate(first=Min("occurred_on"))
                .values("first")[:1],
                output_field=DateField(),
            )

        apply.first_on = first_on
        apply.first_by = FirstEvent(transitions, "project_id", "occurred_on", Q(stage__in=stages))
        return apply

    def active(qs: QuerySet, period: Period) -> QuerySet:
        return qs.filter(
            first_event_on__lte=period.end,
        ).filter(
            Q(completed_on__isnull=True) | Q(completed_on__gte=period.start),
            Q(in_production_on__isnull=True) | Q(in_production_on__gte=period.start),
        )

    # Tags and batches as ``pk IN (the projects that have them)``: one uncorrelated
    # subquery the database reads once, not a look-up per project row.
    def tagged(slugs) -> QuerySet:
        return Project.tags.through.objects.filter(tag__slug__in=_as_list(slugs)).values(
            "project_id"
        )

    def tags_all(qs, slugs):
        for slug in _as_list(slugs):
            qs = qs.filter(pk__in=tagged(slug))
        return qs

    def tags_any(qs, slugs):
        return qs.filter(pk__in=tagged(slugs))

    def tags_none(qs, slugs):
        return qs.exclude(pk__in=tagged(slugs))

    def batch(qs, code):
        through = Project.batches.through
        return qs.filter(
            pk__in=through.objects.filter(batch__code__in=_as_list(code)).values("project_id")
        )

    amount = (int,)
    return RegistrySpec(
        key="projects",
        label="项目清单",
        queryset=lambda: Project.objects.all(),
        unit_path="unit__path",
        measure_fields={
            "total_investment": "总投资",
            "planned_investment": "年度计划投资",
            "completed_investment": "累计完成投资",
        },
        events={
            "signed": ("签约", event(Stage.SIGNED)),
            "landed": ("落地", event(Stage.LANDED)),
            "started": ("开工", event(Stage.STARTED)),
            "resumed": ("复工", event(Stage.RESUMED)),
            "started_or_resumed": ("开复工", event(Stage.STARTED, Stage.RESUMED)),
            "completed": ("竣工", event(Stage.COMPLETED)),
            "in_production": ("投产", event(Stage.IN_PRODUCTION)),
            "stalled": ("停缓建", event(Stage.STALLED)),
        },
        active=active,
        filters={
            "total_investment__gte": FilterSpec(
                "总投资不低于(元)", amount, lambda qs, v: qs.filter(total_investment__gte=v)
            ),
            "total_investment__lt": FilterSpec(
                "总投资低于(元)", amount, lambda qs, v: qs.filter(total_investment__lt=v)
            ),
            "category": FilterSpec(
                "项目类别", (str, list), lambda qs, v: qs.filter(category__in=_as_list(v))
            ),
            "stage": FilterSpec(
                "当前阶段", (str, list), lambda qs, v: qs.filter(stage__in=_as_list(v))
            ),
            "industry_cluster": FilterSpec(
                "产业集群", (str, list), lambda qs, v: qs.filter(industry_cluster__in=_as_list(v))
            ),
            "tags": FilterSpec("同时带有标签", (str, list), tags_all),
            "tags_any": FilterSpec("带有任一标签", (str, list), tags_any),
            "tags_none": FilterSpec("不带标签", (str, list), tags_none),
            "batch": FilterSpec("批次", (str, list), batch),
        },
    )


def _progress_registry() -> RegistrySpec:
    from gongjian.projects.models import ProgressReport, ReportYear

    def in_period(qs: QuerySet, period: Period) -> QuerySet:
        return qs.filter(period_end__gte=period.start, period_end__lte=period.end)

    in_period.first_on = lambda period: Case(
        When(Q(period_end__gte=period.start, period_end__lte=period.end), then=F("period_end")),
        default=None,
        output_field=DateField(),
    )

    # the same unit path and filters hold on the reports and on their yearly roll-up
    shape = {
        "unit_path": "project__unit__path",
        "measure_fields": {"investment_this_period": "本期完成投资"},
        "events": {"reported": ("报告期", in_period)},
        "filters": {
            "category": FilterSpec(
                "项目类别", (str, list), lambda qs, v: qs.filter(project__category__in=_as_list(v))
            ),
            "project_total_investment__gte": FilterSpec(
                "项目总投资不低于(元)",
                (int,),
                lambda qs, v: qs.filter(project__total_investment__gte=v),
            ),
        },
    }
    return RegistrySpec(
        key="progress_reports",
        label="进度报告",
        # current versions only (the manager), of projects not in the recycle bin
        queryset=lambda: ProgressReport.objects.filter(project__deleted_at__isnull=True),
        rollup=YearRollup(
            spec=RegistrySpec(
                key="progress_reports",
                label="进度报告(按年汇总)",
                queryset=lambda: ReportYear.objects.filter(project__deleted_at__isnull=True),
                unit_path=shape["unit_path"],
                measure_fields={},  # its columns, by month: see YearRollup
                events={},
                filters=shape["filters"],
            ),
            date_field="period_end",
            year_field="year",
            measures={"investment_this_period": "m"},
            count_prefix="n",
        ),
        **shape,
    )


def _obligation_registry() -> RegistrySpec:
    """双高 cadence: the reports projects owed (``projects.ReportObligation``); with
    ``{"status": "missing"}`` an indicator counts the missing ones against the unit."""
    from gongjian.projects.models import ProgressReport, ReportObligation

    def due(qs: QuerySet, period: Period) -> QuerySet:
        return qs.filter(due_on__gte=period.start, due_on__lte=period.end)

    def status(qs: QuerySet, value) -> QuerySet:
        met = Exists(
            ProgressReport.objects.filter(
                project_id=OuterRef("project_id"), period_start=OuterRef("period_start")
            )
        )
        return qs.filter(~met) if value == "missing" else qs.filter(met)

    return RegistrySpec(
        key="report_obligations",
        label="调度报送义务",
        queryset=lambda: ReportObligation.objects.filter(project__deleted_at__isnull=True),
        unit_path="project__unit__path",
        measure_fields={},
        events={"due": ("报送截止", due)},
        filters={
            "status": FilterSpec("报送情况(missing 未报 / reported 已报)", (str,), status),
            "cadence": FilterSpec(
                "调度频次", (str, list), lambda qs, v: qs.filter(cadence__in=_as_list(v))
            ),
        },
    )


def _register_builtin() -> None:
    register(_project_registry())
    register(_progress_registry())
    register(_obligation_registry())
    from gongjian.attraction.registries import lead_registry, outreach_registry
    from gongjian.enterprises.registries import enterprise_registry

    register(enterprise_registry())
    register(outreach_registry())
    register(lead_registry())
    from gongjian.appeals.registries import appeal_registry
    from gongjian.policies.registries import grant_registry, policy_registry

    register(appeal_registry())
    register(policy_registry())
    register(grant_registry())
    from gongjian.inspections.registries import tour_result_registry

    register(tour_result_registry())


def validate_definition(indicator) -> None:
    """Refuse an indicator definition the engine could not evaluate (Chinese messages)."""
    kind = indicator.Kind
    if indicator.kind == kind.REPORTED:
        return
    if indicator.kind == kind.RATIO:
        if indicator.base_indicator_id is None or indicator.denominator_id is None:
            raise ValidationError({"denominator": "比率指标须指定分子(所依据的指标)和分母指标"})
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
    if indicator.period_mode == indicator.PeriodMode.ACTIVE and spec.active is None:
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
