"""Benchmark of the mechanisms at province scale: 双高 cadence, problem escalation, 拉练.

Usage::

    .venv/bin/python bench/bench_mechanisms.py [--projects 100000] [--database-url URL]

Loads the Jinzhou 2024 demo into a fresh database (a temporary SQLite file unless
``--database-url`` names one: dropped and created again), copies its projects until the
registry holds ``--projects`` projects (a tenth tagged 双高, weekly from 2024 by a
cadence rule; one open problem per 10 projects, most of them past their deadline), gathers
the planner's statistics (PostgreSQL: what autovacuum would have by then), then times:

- the dispatch list (``due_projects`` with the cadence annotations) for the city and
  for one district, for October 2024, fully evaluated;
- ``report_obligations_sync`` for 2024 (first run and an idempotent second run) and the
  engine's ``evaluate_by_unit`` of the missing-reports indicator for the districts;
- ``problems_escalate_overdue`` (first run moves every overdue problem, second run none);
- ``tour_results`` of a tour with 300 stops scored by 7 panel members on 4 criteria.

Prints a Markdown section for docs/benchmarks.md. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from decimal import Decimal

from _common import (
    analyze,
    best_run,
    database_label,
    machine_line,
    peak_mb,
    setup_demo_database,
)

from gongjian.kit.scope import SYSTEM


def timed(fn):
    """Seconds of one run of ``fn`` and what it returned."""
    return best_run(fn, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--database-url", help="dropped and created again")
    args = parser.parse_args()
    demo_seconds = setup_demo_database(args.database_url)
    from django.db import connection

    from gongjian.demo.loader import CITY_CODE
    from gongjian.indicators.engine import evaluate_by_unit
    from gongjian.indicators.models import Indicator
    from gongjian.inspections import services as tours
    from gongjian.inspections.models import Mark, ScoreForm, Sheet, Stop
    from gongjian.inspections.selectors import tour_results
    from gongjian.kit.dates import Period
    from gongjian.projects.models import (
        Cadence,
        CadenceRule,
        Problem,
        Project,
        StageTransition,
        Tag,
    )
    from gongjian.projects.selectors import due_projects
    from gongjian.projects.services import problems_escalate_overdue, report_obligations_sync
    from gongjian.units.models import Unit, User

    city = Unit.objects.get(code=CITY_CODE)
    districts = list(Unit.objects.filter(parent=city).exclude(code=None))
    office = User.objects.get(username="office")
    rng = random.Random(11)
    base = list(Project.objects.filter(stage__in=["started", "resumed"]).values())
    have = Project.objects.count()
    shuanggao = Tag.objects.get(slug="shuanggao")
    through_tags = Project.tags.through
    start = time.perf_counter()
    n = have
    while n < args.projects:
        chunk = []
        for _ in range(min(5000, args.projects - n)):
            row = dict(rng.choice(base))
            row.pop("id")
            n += 1
            row["code"] = f"BENCH{n:07d}"
            row["unit_id"] = rng.choice(districts).pk
            chunk.append(Project(**row))
        made = Project.objects.bulk_create(chunk, batch_size=2000)
        StageTransition.objects.bulk_create(
            [
                StageTransition(
                    project=p,
                    stage=p.stage,
                    occurred_on=p.started_on or p.resumed_on or dt.date(2024, 3, 1),
                )
                for p in made
            ],
            batch_size=2000,
        )
        through_tags.objects.bulk_create(
            [through_tags(project_id=p.pk, tag_id=shuanggao.pk) for p in made if p.pk % 10 == 0],
            batch_size=2000,
        )
        Problem.objects.bulk_create(
            [
                Problem(
                    project=p,
                    kind="land",
                    description="基准测试问题",
                    raised_on=dt.date(2024, 3, 1),
                    deadline=dt.date(2024, 3, 1) + dt.timedelta(days=rng.randint(0, 300)),
                    leader_id=p.leader_id,
                )
                for p in made
                if p.pk % 10 == 3
            ],
            batch_size=2000,
        )
    analyze()
    fill = time.perf_counter() - start
    CadenceRule.objects.create(
        name="基准:双高每周", cadence=Cadence.WEEKLY, tag=shuanggao, priority=0
    )
    total = Project.objects.count()
    month = Period.month(2024, 10)
    rows = []
    t, city_rows = timed(
        lambda: list(due_projects(office, city, month).values_list("pk", "cadence", "reported"))
    )
    rows.append(
        (
            "dispatch list, city, 2024-10 (cadence annotations)",
            t,
            f"{len(city_rows):,} projects due",
        )
    )
    district = districts[1]
    op = User.objects.filter(username__endswith="_op", memberships__unit=district).first() or office
    t, d_rows = timed(
        lambda: list(due_projects(op, district, month).values_list("pk", "cadence", "reported"))
    )
    rows.append((f"dispatch list, {district.name}, 2024-10", t, f"{len(d_rows):,} projects due"))
    t, added = timed(lambda: report_obligations_sync(year=2024, through=dt.date(2024, 10, 31)))
    rows.append(("report_obligations_sync 2024 (first run)", t, f"{added:,} obligations"))
    t, again = timed(lambda: report_obligations_sync(year=2024, through=dt.date(2024, 10, 31)))
    rows.append(("report_obligations_sync 2024 (again: idempotent)", t, f"{again:,} added"))
    missing = Indicator(
        code="bench.missing",
        name="未按期报送",
        kind="computed",
        registry="report_obligations",
        measure="count",
        period_mode="event",
        event="due",
        filters={"status": "missing"},
    )
    t, values = timed(
        lambda: evaluate_by_unit(
            missing, districts, Period.year_to_date(2024, dt.date(2024, 10, 31))
        )
    )
    rows.append(
        (
            "engine: missing reports by district (evaluate_by_unit)",
            t,
            f"{sum(values.values()):,} missing",
        )
    )
    t, moved = timed(lambda: problems_escalate_overdue(today=dt.date(2024, 10, 31), actor=SYSTEM))
    rows.append(("problems_escalate_overdue (first run)", t, f"{len(moved):,} problems moved"))
    t, moved2 = timed(lambda: problems_escalate_overdue(today=dt.date(2024, 10, 31), actor=SYSTEM))
    rows.append(("problems_escalate_overdue (same day again)", t, f"{len(moved2):,} moved"))
    # a big tour: 300 stops × 7 members × 4 criteria
    form = ScoreForm.objects.get(name="锦州重点项目拉练评分表")
    panel = list(User.objects.filter(username__endswith="_leader1"))[:7]
    tour = tours.tour_create(
        actor=office,
        name="基准拉练",
        year=2024,
        quarter=4,
        starts_on=dt.date(2024, 12, 1),
        ends_on=dt.date(2024, 12, 5),
        form=form,
        panel=panel,
    )
    picks = list(Project.objects.filter(stage="started").order_by("?")[:300])
    stops = Stop.objects.bulk_create(
        [Stop(tour=tour, project=p, unit=p.unit, visit_order=i) for i, p in enumerate(picks)]
    )
    sheets = Sheet.objects.bulk_create(
        [Sheet(stop=s, member=m, status="submitted") for s in stops for m in panel]
    )
    criteria = list(form.criteria.all())
    Mark.objects.bulk_create(
        [
            Mark(sheet=sh, criterion=c, value=Decimal(rng.randint(10, 20)) / 2)
            for sh in sheets
            for c in criteria
        ],
        batch_size=5000,
    )
    t, res = timed(lambda: tour_results(tour))
    rows.append(
        (
            "tour_results: 300 stops × 7 members × 4 criteria",
            t,
            f"{res.submitted:,} sheets, {len(res.units)} units",
        )
    )
    print(f"### Mechanisms ({database_label(connection.vendor)}, {total:,} projects)\n")
    print(f"{machine_line()}.\n")
    print(
        f"Demo loaded in {demo_seconds:.1f} s, the registry filled in {fill:.1f} s. "
        f"Peak memory of the run: {peak_mb():.0f} MB.\n"
    )
    print("| step | seconds | result |\n| --- | --- | --- |")
    for name, seconds, note in rows:
        print(f"| {name} | {seconds:.2f} | {note} |")


if __name__ == "__main__":
    main()
