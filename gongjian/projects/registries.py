"""The project domain's registries for the indicator engine: the project list, the
progress reports (with their yearly roll-up), the 调度 report obligations and the
problems (要素保障)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q

from gongjian.indicators.registries import Event, FilterSpec, RegistrySpec, YearRollup, as_list
from gongjian.indicators.registries import register as register_registry
from gongjian.kit.dates import Period

from .cadence import owing
from .models import (
    COMPLETED_EARLY,
    Problem,
    ProgressReport,
    Project,
    ReportObligation,
    ReportYear,
    Stage,
)


def _project_registry() -> RegistrySpec:
    def event(label: str, *stages: str) -> Event:
        """Dated by the project's stage history: its transitions to ``stages``."""
        return Event(label, relation="transitions", date="occurred_on", where=Q(stage__in=stages))

    def owed(label: str, *, reported: bool) -> Event:
        """The projects that owe 调度 reports in the month the period ends in under their
        cadence (``cadence.owing``); with ``reported``, those that sent them all."""

        def within(period: Period) -> Q:
            # the row's own condition: not ``pk IN (…)`` over every project owing (hashed
            # only while it fits the server's work memory; at 1,000,000 projects every row
            # scanned the whole list), nor a look-up of the row by its key
            return owing(Period.month(period.end.year, period.end.month), reported=reported)

        return Event(label, within=within)

    def active(period: Period) -> Q:
        return (
            Q(first_event_on__lte=period.end)
            & (Q(completed_on__isnull=True) | Q(completed_on__gte=period.start))
            & (Q(in_production_on__isnull=True) | Q(in_production_on__gte=period.start))
        )

    # Tags and batches as ``pk IN (the projects that have them)``: one uncorrelated
    # subquery the database reads once, not a look-up per project row.
    def tagged(slugs) -> Q:
        through = Project.tags.through.objects.filter(tag__slug__in=as_list(slugs))
        return Q(pk__in=through.values("project_id"))

    def tags_all(slugs) -> Q:
        q = Q()
        for slug in as_list(slugs):
            q &= tagged(slug)
        return q

    def batch(code) -> Q:
        through = Project.batches.through.objects.filter(batch__code__in=as_list(code))
        return Q(pk__in=through.values("project_id"))

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
            "signed": event("签约", Stage.SIGNED),
            "landed": event("落地", Stage.LANDED),
            "started": event("开工", Stage.STARTED),
            "resumed": event("复工", Stage.RESUMED),
            "started_or_resumed": event("开复工", Stage.STARTED, Stage.RESUMED),
            "completed": event("竣工", Stage.COMPLETED),
            "in_production": event("投产", Stage.IN_PRODUCTION),
            "stalled": event("停缓建", Stage.STALLED),
            # 提前竣工: completed within the period, before the planned completion date
            "completed_early": Event(
                "提前竣工",
                within=lambda p: (
                    Q(completed_on__gte=p.start, completed_on__lte=p.end) & COMPLETED_EARLY
                ),
                own_row=True,
            ),
            "dispatch_due": owed("调度应报送", reported=False),
            "dispatch_reported": owed("调度已报送", reported=True),
        },
        active_in=active,
        filters={
            "total_investment__gte": FilterSpec(
                "总投资不低于(元)", amount, lambda v: Q(total_investment__gte=v), stamped=True
            ),
            "total_investment__lt": FilterSpec(
                "总投资低于(元)", amount, lambda v: Q(total_investment__lt=v), stamped=True
            ),
            "category": FilterSpec(
                "项目类别", (str, list), lambda v: Q(category__in=as_list(v)), stamped=True
            ),
            "stage": FilterSpec(
                "当前阶段", (str, list), lambda v: Q(stage__in=as_list(v)), stamped=True
            ),
            "industry_cluster": FilterSpec(
                "产业集群",
                (str, list),
                lambda v: Q(industry_cluster__in=as_list(v)),
                stamped=True,
            ),
            "tags": FilterSpec("同时带有标签", (str, list), tags_all, stamped=True),
            "tags_any": FilterSpec("带有任一标签", (str, list), tagged, stamped=True),
            "tags_none": FilterSpec("不带标签", (str, list), lambda v: ~tagged(v), stamped=True),
            "batch": FilterSpec("批次", (str, list), batch, stamped=True),
        },
        stamped=True,  # projects.stamps
    )


def _progress_registry() -> RegistrySpec:
    def in_period(period: Period) -> Q:
        return Q(period_end__gte=period.start, period_end__lte=period.end)

    # the same unit path and filters hold on the reports and on their yearly roll-up
    shape: dict[str, Any] = {
        "unit_path": "project__unit__path",
        "measure_fields": {"investment_this_period": "本期完成投资"},
        "events": {"reported": Event("报告期", within=in_period, own_row=True)},
        "filters": {
            "category": FilterSpec(
                "项目类别",
                (str, list),
                lambda v: Q(project__category__in=as_list(v)),
                stamped=True,
            ),
            "project_total_investment__gte": FilterSpec(
                "项目总投资不低于(元)",
                (int,),
                lambda v: Q(project__total_investment__gte=v),
                stamped=True,
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
        stamped=True,  # projects.stamps: the reports and, through them, their roll-up
        **shape,
    )


def _obligation_registry() -> RegistrySpec:
    """双高 cadence: the reports projects owed (``projects.ReportObligation``); with
    ``{"status": "missing"}`` an indicator counts the missing ones against the unit."""

    def due(period: Period) -> Q:
        return Q(due_on__gte=period.start, due_on__lte=period.end)

    def status(value) -> Q:
        # the obligations whose project has a current report for the period, as one
        # uncorrelated semi-join (read once per query, not once per obligation)
        met = ReportObligation.objects.filter(
            project__reports__period_start=F("period_start"),
            project__reports__is_current=True,
        ).values("pk")
        return ~Q(pk__in=met) if value == "missing" else Q(pk__in=met)

    return RegistrySpec(
        key="report_obligations",
        label="调度报送义务",
        queryset=lambda: ReportObligation.objects.filter(project__deleted_at__isnull=True),
        unit_path="project__unit__path",
        measure_fields={},
        events={"due": Event("报送截止", within=due)},
        filters={
            "status": FilterSpec("报送情况(missing 未报 / reported 已报)", (str,), status),
            "cadence": FilterSpec("调度频次", (str, list), lambda v: Q(cadence__in=as_list(v))),
        },
    )


def _problem_registry() -> RegistrySpec:
    """Problems as they stood at the end of a period — the page's as-of date for a
    year-to-date period — from their dates, so that a past date shows its own figures:
    ``unresolved`` raised by then and not yet resolved (已解决 or 销号) by then,
    ``overdue`` those of them past their deadline (办结时限) by then; ``raised``,
    ``resolved`` and ``verified`` (销号) what happened within the period."""
    done = [Problem.Status.RESOLVED, Problem.Status.VERIFIED]

    def unresolved(period: Period) -> Q:
        # a problem sent back after its resolution (退回重办) is open again: its
        # resolution date counts only while it is resolved or closed
        settled = Q(status__in=done, resolved_on__lte=period.end) | Q(
            status=Problem.Status.VERIFIED, verified_on__lte=period.end
        )
        return Q(raised_on__lte=period.end) & ~settled

    def overdue(period: Period) -> Q:
        return unresolved(period) & Q(deadline__lt=period.end)

    def dated(field: str):
        def within(period: Period) -> Q:
            return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})

        return within

    return RegistrySpec(
        key="problems",
        label="问题清单",
        queryset=lambda: Problem.objects.filter(project__deleted_at__isnull=True),
        unit_path="project__unit__path",
        measure_fields={},
        events={
            "raised": Event("期间内提出", within=dated("raised_on"), own_row=True),
            "resolved": Event(
                "期间内解决",
                within=lambda p: dated("resolved_on")(p) & Q(status__in=done),
                own_row=True,
            ),
            "verified": Event("期间内销号", within=dated("verified_on"), own_row=True),
            "unresolved": Event("期末未解决", within=unresolved, own_row=True),
            "overdue": Event("期末已超期未解决", within=overdue, own_row=True),
        },
        filters={
            "kind": FilterSpec(
                "问题类型", (str, list), lambda v: Q(kind__in=as_list(v)), stamped=True
            ),
            "level": FilterSpec(
                "督办层级", (str, list), lambda v: Q(level__in=as_list(v)), stamped=True
            ),
            "status": FilterSpec(
                "当前状态", (str, list), lambda v: Q(status__in=as_list(v)), stamped=True
            ),
        },
        stamped=True,  # projects.stamps
    )


def register() -> None:
    register_registry(_project_registry())
    register_registry(_progress_registry())
    register_registry(_obligation_registry())
    register_registry(_problem_registry())
