"""Figures kept per unit between requests (``indicators.cube``) are exactly the rows'.

Every indicator of the stamped registries (projects, progress reports, problems) and the
warning lights are evaluated twice after each write — from what is kept, and from the
rows with nothing kept (``KEEP_FIGURES`` off) — for the city, its districts and a
department, over several periods. The writes go through every path a city's data takes:
the services, the ORM in bulk, raw SQL, tags and batches (a tag renamed changes what a
filter names), a project moved to another unit, a report superseded, a problem resolved.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection

from gongjian.indicators import engine
from gongjian.indicators.models import Campaign, Indicator
from gongjian.indicators.services import indicator_define
from gongjian.kit.dates import Period
from gongjian.kit.scope import SYSTEM
from gongjian.projects import lights
from gongjian.projects.models import (
    Batch,
    ProgressReport,
    Project,
    Stage,
    StageTransition,
    Tag,
)
from gongjian.projects.services import (
    problem_create,
    progress_report_submit,
    project_create,
    project_delete,
    project_transition,
    project_update,
)
from gongjian.units.models import Unit, UnitStamp

AS_OF = dt.date(2024, 10, 31)
PERIODS = [
    Period.year_to_date(2024, AS_OF),
    Period.year_to_date(2024, dt.date(2024, 6, 30)),
    Period.year_to_date(2024, dt.date(2024, 10, 15)),  # a cut month
    Period.quarter(2024, 3),
    Period.month(2024, 9),
]
STAMPED = ("projects", "progress_reports", "problems")


def _units(city: Unit) -> list[Unit]:
    districts = list(Unit.objects.filter(parent=city, kind=Unit.Kind.DISTRICT)[:3])
    department = Unit.objects.filter(parent=city, kind=Unit.Kind.DEPARTMENT).first()
    return [city, *districts, department]


def _indicators() -> list[Indicator]:
    found = list(
        Indicator.objects.filter(
            is_active=True, kind=Indicator.Kind.COMPUTED, registry__in=STAMPED
        ).select_related("fixed_unit")
    )
    assert {i.registry for i in found} == set(STAMPED)
    return found


def _figures(city: Unit, keep: bool) -> list:
    """Every figure of the stamped registries and every unit's light counts, with the
    figures kept between requests or read from the rows each time."""
    old = settings.GONGJIAN
    settings.GONGJIAN = {**old, "KEEP_FIGURES": keep}
    try:
        units = _units(city)
        campaign = Campaign.objects.get(root_unit=city, year=2024)
        requests = [(i, u, p) for i in _indicators() for u in units for p in PERIODS]
        values = engine.evaluate_many(requests)
        values += [engine.evaluate(i, u, p) for i, u, p in requests[:: len(PERIODS) * 7]]
        for unit in units:
            for as_of in (AS_OF, dt.date(2024, 6, 30)):
                values.append(lights.unit_light_counts(unit, as_of, campaign))
        return values
    finally:
        settings.GONGJIAN = old


def _agree(city: Unit) -> None:
    kept = _figures(city, keep=True)
    assert kept == _figures(city, keep=False)
    # and a second reading, all kept, gives them again
    assert _figures(city, keep=True) == kept


@pytest.fixture
def city(demo):
    caches["figures"].clear()
    # the problems' figures the dashboard asks for, as indicators of their own
    for event in ("raised", "resolved", "unresolved", "overdue"):
        indicator_define(
            actor=SYSTEM,
            code=f"kept_problems_{event}",
            name=f"问题{event}",
            kind="computed",
            registry="problems",
            measure="count",
            event=event,
        )
    return demo


def _project(unit: Unit) -> Project:
    return Project.objects.filter(unit__path__startswith=unit.path).order_by("pk").first()


@pytest.mark.django_db
def test_kept_figures_equal_the_rows_after_every_kind_of_write(city):
    rng = random.Random(20241031)
    units = _units(city)
    district, other = units[1], units[2]
    _agree(city)  # everything kept now

    # a service: a new project signed and landed in a district
    fresh = project_create(
        actor=SYSTEM,
        code="KEPT-1",
        name="保持测试项目",
        unit=district,
        category="industry",
        total_investment=3 * 10**8,
        stage_events=[("signed", dt.date(2024, 2, 3)), ("landed", dt.date(2024, 9, 20))],
    )
    _agree(city)

    # a stage moved, a report submitted and a problem raised through the services
    moving = Project.objects.filter(unit=other, stage=Stage.LANDED).first() or _project(other)
    if moving.stage == Stage.LANDED:
        project_transition(
            actor=SYSTEM, project=moving, to_stage=Stage.STARTED, on_date=dt.date(2024, 10, 9)
        )
    project_transition(
        actor=SYSTEM, project=fresh, to_stage=Stage.STARTED, on_date=dt.date(2024, 9, 25)
    )
    progress_report_submit(
        actor=SYSTEM,
        project=Project.objects.get(pk=fresh.pk),
        period_start=dt.date(2024, 9, 1),
        period_end=dt.date(2024, 9, 30),
        investment_this_period=rng.randrange(10**6, 10**8),
        funds_paid=1,
    )
    # a report of the month the as-of date cuts, written without a service
    ProgressReport.objects.create(
        project=_project(district),
        period_start=dt.date(2024, 10, 1),
        period_end=dt.date(2024, 10, 12),
        investment_this_period=rng.randrange(10**6, 10**8),
        cumulative_investment=10**9,
        funds_paid=1,
    )
    problem_create(
        actor=SYSTEM,
        project=_project(other),
        kind=_problem_kind(),
        description="用地手续待办",
        raised_on=dt.date(2024, 8, 2),
        deadline=dt.date(2024, 9, 1),
    )
    _agree(city)

    # the ORM in bulk, and raw SQL no service sees
    target = _project(other)
    StageTransition.objects.bulk_create(
        [StageTransition(project=target, stage=Stage.SIGNED, occurred_on=dt.date(2024, 5, 5))]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE projects_project SET total_investment = total_investment * 3 WHERE id = %s",
            [_project(district).pk],
        )
    _agree(city)
    StageTransition.objects.filter(project=target, occurred_on=dt.date(2024, 5, 5)).delete()
    ProgressReport.objects.filter(project=_project(district)).update(
        investment_this_period=12_345_678
    )
    _agree(city)

    # tags and batches: on a project, and a tag renamed (every unit's filters read it)
    tag = Tag.objects.first()
    batch = Batch.objects.first()
    _project(other).tags.add(tag)
    _project(district).batches.add(batch)
    _agree(city)
    old_slug = tag.slug
    Tag.objects.filter(pk=tag.pk).update(slug="renamed-for-test")
    _agree(city)
    Tag.objects.filter(pk=tag.pk).update(slug=old_slug)
    _agree(city)

    # a project moved to another district, one sent to the recycle bin
    moved = _project(district)
    project_update(actor=SYSTEM, project=moved, unit=other)
    project_delete(actor=SYSTEM, project=_project(other), reason="测试")
    _agree(city)


def _problem_kind() -> str:
    from gongjian.projects.models import Problem

    return Problem.Kind.choices[0][0]


@pytest.mark.django_db
def test_a_write_draws_its_own_unit_stamp_only(city):
    district, other = _units(city)[1:3]
    before = dict(UnitStamp.objects.values_list("unit_id", "stamp"))
    project = _project(district)
    ProgressReport.objects.filter(project=project).update(funds_paid=7)
    after = dict(UnitStamp.objects.values_list("unit_id", "stamp"))
    assert after[project.unit_id] != before.get(project.unit_id)
    changed = {u for u in after if after[u] != before.get(u)}
    assert changed == {project.unit_id}
    assert other.pk not in changed and 0 not in changed
    Tag.objects.filter(pk=Tag.objects.first().pk).update(name="改名")
    assert dict(UnitStamp.objects.values_list("unit_id", "stamp"))[0] != after.get(0)


@pytest.mark.django_db
def test_kept_figures_read_no_registry_row(city, django_assert_num_queries):
    """Once kept, a city's figures of the stamped registries are one query: the units
    with their stamps."""
    units = _units(city)
    requests = [(i, u, p) for i in _indicators() for u in units for p in PERIODS[:2]]
    first = engine.evaluate_many(requests)
    with django_assert_num_queries(1) as captured:
        assert engine.evaluate_many(requests) == first
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    for table in ("projects_project", "projects_progressreport", "projects_problem"):
        assert f'FROM "{table}"' not in sql
