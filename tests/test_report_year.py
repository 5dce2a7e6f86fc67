"""The yearly roll-up of progress reports, month by month (``ReportYear``), stays exact, and the engine
reads it without changing a single figure.

The roll-up is kept by database triggers, so it is checked against the reports after
every kind of write — the services, ``bulk_create``, queryset updates over many rows,
raw SQL, deletes, corrections that supersede an approved report — and every engine
function that reads it is compared with the same function reading the reports alone,
for windows that start and end on month boundaries and windows cut mid-month.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.utils import timezone

from gongjian.indicators import engine
from gongjian.indicators.models import Indicator
from gongjian.indicators.registries import get_registry
from gongjian.kit.dates import Period
from gongjian.kit.scope import SYSTEM
from gongjian.projects import lights
from gongjian.projects import services as project_services
from gongjian.projects.models import ProgressReport, Project, ReportYear, Stage
from gongjian.units.models import Unit

from .factories import IndicatorFactory, ProjectFactory, UnitFactory


def _expected() -> dict[tuple[int, int], tuple[list[int], list[int]]]:
    """Per (project, year): each month's sum and count of the current reports, computed
    from the reports themselves."""
    out: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
    for project_id, end, amount in ProgressReport.objects.values_list(
        "project_id", "period_end", "investment_this_period"
    ):
        sums, counts = out.setdefault((project_id, end.year), ([0] * 12, [0] * 12))
        sums[end.month - 1] += amount
        counts[end.month - 1] += 1
    return out


def _rolled_up() -> dict[tuple[int, int], tuple[list[int], list[int]]]:
    """The roll-up's rows, leaving out years whose reports have all gone (zero rows)."""
    out = {}
    for row in ReportYear.objects.all():
        sums = [getattr(row, f"m{m}") for m in range(1, 13)]
        counts = [getattr(row, f"n{m}") for m in range(1, 13)]
        if any(counts) or any(sums):
            out[(row.project_id, row.year)] = (sums, counts)
    return out


def _assert_exact(step: str) -> None:
    assert _rolled_up() == _expected(), step


@pytest.fixture
def projects():
    unit = UnitFactory()
    return [ProjectFactory(unit=unit) for _ in range(4)]


def _report(project, start: dt.date, end: dt.date, amount: int) -> ProgressReport:
    return ProgressReport(
        project=project,
        period_start=start,
        period_end=end,
        investment_this_period=amount,
        cumulative_investment=amount,
    )


@pytest.mark.django_db
def test_every_kind_of_write_keeps_the_roll_up_exact(projects):
    rng = random.Random(20240)
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=d) for d in range(0, 366, 9)]
    used: set[tuple[int, dt.date]] = set()

    def fresh(project):
        start = rng.choice([d for d in days if (project.pk, d) not in used])
        used.add((project.pk, start))
        end = start + dt.timedelta(days=rng.choice([0, 6, 27]))
        return _report(project, start, end, rng.randrange(0, 9_000_000))

    # bulk insert (one statement, many rows and months)
    ProgressReport.objects.bulk_create(fresh(p) for p in projects for _ in range(12))
    _assert_exact("bulk_create")
    # one by one through the model
    for p in projects:
        fresh(p).save()
    _assert_exact("save")
    # an update over many rows at once, and one that moves reports to other months
    ProgressReport.objects.filter(project=projects[0]).update(investment_this_period=1_234_567)
    _assert_exact("queryset update")
    for report in ProgressReport.objects.filter(project=projects[1])[:3]:
        report.period_end = report.period_end + dt.timedelta(days=40)
        report.investment_this_period += 1
        report.save()
    _assert_exact("moved to another month")
    # a report taken out of the current versions, and back
    ProgressReport.objects.filter(project=projects[2]).update(is_current=False)
    _assert_exact("superseded")
    ProgressReport.all_versions.filter(project=projects[2]).update(is_current=True)
    _assert_exact("current again")
    # raw SQL, past the ORM
    table = connection.ops.quote_name(ProgressReport._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET investment_this_period = investment_this_period + 7 "
            f"WHERE project_id = %s",
            [projects[3].pk],
        )
    _assert_exact("raw SQL update")
    # deletes: some reports, then a whole project (cascade)
    doomed = list(ProgressReport.objects.filter(project=projects[1]).values_list("pk", flat=True))
    ProgressReport.objects.filter(pk__in=doomed[::2]).delete()
    _assert_exact("delete")
    projects[0].delete()
    _assert_exact("project deleted")
    assert not ReportYear.objects.filter(project_id=projects[0].pk).exists()


@pytest.mark.django_db
def test_a_correction_moves_the_month_from_the_approved_report_to_the_new_one(projects):
    project = projects[0]
    Project.objects.filter(pk=project.pk).update(stage=Stage.STARTED)
    report = project_services.progress_report_submit(
        actor=SYSTEM,
        project=project,
        period_start=dt.date(2024, 5, 1),
        period_end=dt.date(2024, 5, 31),
        investment_this_period=3_000_000,
        cumulative_investment=3_000_000,
    )
    project_services.progress_report_approve(actor=SYSTEM, report=report)
    assert ReportYear.objects.get(project=project, year=2024).m5 == 3_000_000
    project_services.progress_report_correct(
        actor=SYSTEM, report=report, reason="数字录错", investment_this_period=2_500_000
    )
    row = ReportYear.objects.get(project=project, year=2024)
    assert (row.m5, row.n5) == (2_500_000, 1)
    _assert_exact("correction")


def _windows() -> list[Period]:
    """Windows on month boundaries and windows cut inside a month."""
    return [
        Period.year_to_date(2024, dt.date(2024, 10, 31)),
        Period.year_to_date(2024, dt.date(2024, 10, 17)),
        Period.year_to_date(2024, dt.date(2024, 1, 1)),
        Period.year_to_date(2024),
        Period.month(2024, 2),
        Period.quarter(2024, 3),
        Period(dt.date(2024, 3, 15), dt.date(2024, 3, 20)),
        Period(dt.date(2024, 2, 10), dt.date(2024, 7, 4)),
    ]


@pytest.fixture
def report_world():
    """Two districts of projects with reports on every kind of date in 2024, and the
    indicators over the reports: a sum (all, and filtered) and a count."""
    city = UnitFactory(kind=Unit.Kind.CITY)
    districts = [UnitFactory(parent=city, kind=Unit.Kind.DISTRICT) for _ in range(2)]
    rng = random.Random(7)
    projects = [
        ProjectFactory(
            unit=districts[i % 2],
            total_investment=rng.choice([50_000_000, 200_000_000]),
            planned_investment=rng.choice([0, 30_000_000, 80_000_000]),
        )
        for i in range(10)
    ]
    Project.objects.filter(pk__in=[p.pk for p in projects[:6]]).update(stage=Stage.STARTED)
    Project.objects.filter(pk=projects[6].pk).update(stage=Stage.STALLED)
    ProgressReport.objects.bulk_create(
        _report(
            p,
            start,
            start + dt.timedelta(days=rng.choice([0, 6, 13])),
            rng.randrange(1, 9) * 1_500_000,
        )
        for p in projects
        for start in (
            dt.date(2024, 1, 1) + dt.timedelta(days=d) for d in rng.sample(range(0, 350, 5), 20)
        )
    )
    indicators = [
        IndicatorFactory(
            code="done_sum",
            registry="progress_reports",
            measure=Indicator.Measure.SUM,
            measure_field="investment_this_period",
            period_mode=Indicator.PeriodMode.EVENT,
            event="reported",
        ),
        IndicatorFactory(
            code="done_big",
            registry="progress_reports",
            measure=Indicator.Measure.SUM,
            measure_field="investment_this_period",
            period_mode=Indicator.PeriodMode.EVENT,
            event="reported",
            filters={"project_total_investment__gte": 100_000_000},
        ),
        IndicatorFactory(
            code="done_count",
            registry="progress_reports",
            measure=Indicator.Measure.COUNT,
            period_mode=Indicator.PeriodMode.EVENT,
            event="reported",
        ),
        IndicatorFactory(
            code="done_ever",
            registry="progress_reports",
            measure=Indicator.Measure.COUNT,
            period_mode=Indicator.PeriodMode.NONE,
            event="",
        ),
    ]
    return city, districts, indicators


def _figures(city, districts, indicators):
    periods = _windows()
    requests = [(i, u, p) for i in indicators for u in [city, *districts] for p in periods]
    projects = Project.objects.in_subtree(city)
    return {
        "evaluate": [engine.evaluate(i, u, p) for i, u, p in requests],
        "evaluate_many": engine.evaluate_many(requests),
        "by_unit": [engine.evaluate_by_unit(i, districts, p) for i in indicators for p in periods],
        "lights": [
            lights.warning_lights(projects, day)
            for day in (dt.date(2024, 10, 31), dt.date(2024, 6, 12), dt.date(2024, 1, 1))
        ],
        "light_counts": [
            lights.warning_light_counts(projects, day)
            for day in (dt.date(2024, 10, 31), dt.date(2024, 6, 12))
        ],
        "flagged": [
            lights.flagged_lights(projects, day)
            for day in (dt.date(2024, 10, 31), dt.date(2024, 6, 12))
        ],
    }


@pytest.mark.django_db
def test_the_engine_gives_the_same_figures_with_and_without_the_roll_up(report_world, monkeypatch):
    city, districts, indicators = report_world
    with_rollup = _figures(city, districts, indicators)
    monkeypatch.setattr(get_registry("progress_reports"), "rollup", None)
    reports_only = _figures(city, districts, indicators)
    assert with_rollup == reports_only
    # the figures are not trivially equal: the windows see different amounts
    sums = with_rollup["evaluate"][: len(_windows())]
    assert sums[0] != sums[1] and len(set(sums)) >= 6
    assert {c for c in with_rollup["light_counts"][0].values()} != {0}
    colours = {light.color for light in with_rollup["lights"][1].values()}
    assert {"red", "green"} <= colours


@pytest.mark.django_db
def test_the_engine_reads_the_roll_up_for_whole_months_and_the_reports_for_cut_ones(
    report_world,
):
    city, _districts, indicators = report_world
    spec = get_registry("progress_reports")
    whole = engine._sources(spec, [(dt.date(2024, 1, 1), dt.date(2024, 10, 31))])
    assert [(s.rollup is not None, s.cut) for s in whole] == [(True, frozenset())]
    cut = engine._sources(spec, [(dt.date(2024, 1, 1), dt.date(2024, 10, 17))])
    assert [(s.rollup is not None, s.cut) for s in cut] == [
        (True, frozenset({(2024, 10)})),
        (False, frozenset()),
    ]
    # a report written past the ORM counts at once, on both paths
    done = indicators[0]
    project = Project.objects.in_subtree(city).first()
    ytd, cut_ytd = (
        Period.year_to_date(2024, dt.date(2024, 10, 31)),
        Period(dt.date(2024, 1, 1), dt.date(2024, 10, 17)),
    )
    before = [engine.evaluate(done, city, ytd), engine.evaluate(done, city, cut_ytd)]
    table = connection.ops.quote_name(ProgressReport._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (project_id, period_start, period_end, investment_this_period,"
            " cumulative_investment, progress_text, problems_text, photo, status, submitted_at,"
            " version, is_current) VALUES (%s, %s, %s, %s, 0, '', '', '', 'submitted', %s, 1, %s)",
            [project.pk, dt.date(2024, 10, 9), dt.date(2024, 10, 9), 999, timezone.now(), True],
        )
    after = [engine.evaluate(done, city, ytd), engine.evaluate(done, city, cut_ytd)]
    assert after == [before[0] + 999, before[1] + 999]


@pytest.mark.django_db
def test_the_rollup_command_finds_a_tampered_roll_up_and_rebuilds_it(projects):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from gongjian.projects import rollup

    ProgressReport.objects.bulk_create(
        _report(p, dt.date(2024, m, 1), dt.date(2024, m, 20), 1_000_000 * m)
        for p in projects
        for m in (1, 6, 12)
    )
    assert rollup.differences() == 0
    call_command("rollup")
    ReportYear.objects.filter(project=projects[0]).update(m6=1)
    assert rollup.differences() == 2  # the wrong row, and the right one it lacks
    with pytest.raises(CommandError, match="1 行|2 行"):
        call_command("rollup")
    call_command("rollup", "--rebuild")
    assert rollup.differences() == 0
    _assert_exact("rebuilt")
    # the triggers are back after the rebuild
    ProgressReport.objects.filter(project=projects[1]).delete()
    _assert_exact("deleted after the rebuild")
