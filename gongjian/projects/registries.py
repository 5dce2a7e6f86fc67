"""The project domain's registries for the indicator engine: the project list, the
progress reports (with their yearly roll-up) and the 调度 report obligations."""

from __future__ import annotations

from django.db.models import Case, DateField, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, When

from gongjian.indicators.registries import (
    FilterSpec,
    FirstEvent,
    RegistrySpec,
    YearRollup,
    as_list,
)
from gongjian.indicators.registries import register as register_registry
from gongjian.kit.dates import Period

from .models import ProgressReport, Project, ReportObligation, ReportYear, Stage, StageTransition


def _project_registry() -> RegistrySpec:
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
        return Project.tags.through.objects.filter(tag__slug__in=as_list(slugs)).values(
            "project_id"
        )

    def tags_all(qs, slugs):
        for slug in as_list(slugs):
            qs = qs.filter(pk__in=tagged(slug))
        return qs

    def tags_any(qs, slugs):
        return qs.filter(pk__in=tagged(slugs))

    def tags_none(qs, slugs):
        return qs.exclude(pk__in=tagged(slugs))

    def batch(qs, code):
        through = Project.batches.through
        return qs.filter(
            pk__in=through.objects.filter(batch__code__in=as_list(code)).values("project_id")
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
                "项目类别", (str, list), lambda qs, v: qs.filter(category__in=as_list(v))
            ),
            "stage": FilterSpec(
                "当前阶段", (str, list), lambda qs, v: qs.filter(stage__in=as_list(v))
            ),
            "industry_cluster": FilterSpec(
                "产业集群", (str, list), lambda qs, v: qs.filter(industry_cluster__in=as_list(v))
            ),
            "tags": FilterSpec("同时带有标签", (str, list), tags_all),
            "tags_any": FilterSpec("带有任一标签", (str, list), tags_any),
            "tags_none": FilterSpec("不带标签", (str, list), tags_none),
            "batch": FilterSpec("批次", (str, list), batch),
        },
    )


def _progress_registry() -> RegistrySpec:
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
                "项目类别", (str, list), lambda qs, v: qs.filter(project__category__in=as_list(v))
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
        date_field="period_end",
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
                "调度频次", (str, list), lambda qs, v: qs.filter(cadence__in=as_list(v))
            ),
        },
    )




def register() -> None:
    register_registry(_project_registry())
    register_registry(_progress_registry())
    register_registry(_obligation_registry())
