"""Benchmark of the 营商环境 services: appeal indicators and 免申即享 matching.

Usage::

    .venv/bin/python bench/bench_services.py [--appeals 200000] [--database-url URL]

Loads the Jinzhou 2024 demo into a fresh database (a temporary SQLite file unless
``--database-url`` names one: dropped and created again), copies its appeals (with their
steps) until the registry holds ``--appeals`` appeals received in 2024, gathers the
planner's statistics (PostgreSQL: what autovacuum would have by then), then times, best
of 3:

- ``evaluate`` of ``appeals_received``, ``appeals_resolution_rate`` and
  ``appeals_reopen_rate`` (an ``EXISTS`` over the steps) for the city;
- ``evaluate_by_unit`` of the resolution rate for the city's units and the appeals 赛马
  (three rates with a minimum sample);
- the appeals board page for the office;
- matching one policy over the demo's enterprises (the policy calculator for each), and
  all 58 免申即享 policies.

Prints a Markdown section for docs/benchmarks.md. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from _common import analyze, best_of, machine_line, setup_demo_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=200_000)
    parser.add_argument("--database-url", help="dropped and created again")
    args = parser.parse_args()
    setup_demo_database(args.database_url)
    from django.test import Client

    from gongjian.appeals.models import Appeal
    from gongjian.demo.loader import CITY_CODE
    from gongjian.indicators.engine import evaluate, evaluate_by_unit, ranking
    from gongjian.indicators.models import Indicator, RankingScheme
    from gongjian.kit.dates import Period
    from gongjian.policies import services as policy_services
    from gongjian.policies.models import Policy
    from gongjian.units.models import Unit, User

    city = Unit.objects.get(code=CITY_CODE)
    start = time.perf_counter()
    fill_appeals(args.appeals)
    analyze()
    fill = time.perf_counter() - start
    period = Period.year_to_date(2024, dt.date(2024, 10, 31))
    ind = {i.code: i for i in Indicator.objects.select_related("base_indicator", "denominator")}
    units = list(Unit.objects.filter(parent=city))
    from gongjian.indicators.models import RankingItem

    scheme = RankingScheme.objects.create(
        code="bench-appeals-race", name="诉求办理赛马", year=2024, parent_unit=city
    )
    for code in ("appeals_resolution_rate", "appeals_on_time_rate", "appeals_satisfaction_rate"):
        RankingItem.objects.create(
            scheme=scheme, indicator=ind[code], weight=1, scoring="ratio", min_sample=20
        )
    rows = []
    for label, fn in [
        (
            "evaluate appeals_received (city)",
            lambda: evaluate(ind["appeals_received"], city, period),
        ),
        (
            "evaluate appeals_resolution_rate (city)",
            lambda: evaluate(ind["appeals_resolution_rate"], city, period),
        ),
        (
            "evaluate appeals_reopen_rate (city, EXISTS over steps)",
            lambda: evaluate(ind["appeals_reopen_rate"], city, period),
        ),
        (
            f"evaluate_by_unit resolution rate ({len(units)} units)",
            lambda: evaluate_by_unit(ind["appeals_resolution_rate"], units, period),
        ),
        ("appeals 赛马 (3 rates, minimum sample)", lambda: ranking(scheme, period)),
    ]:
        rows.append((label, best_of(fn)))
    client = Client()
    client.force_login(User.objects.get(username="office"))
    start = time.perf_counter()
    client.get("/appeals/")
    rows.append(
        (
            "appeals board page, office (figures, 9 categories, units, 赛马)",
            time.perf_counter() - start,
        )
    )
    day = dt.date(2024, 10, 31)
    auto = [
        p
        for p in Policy.objects.filter(mode="auto", status="published")
        .select_related("unit")
        .order_by("code")
        if p.in_force_on(day)
    ]
    first = auto[0]
    rows.append(
        (
            "match one policy over the city's enterprises",
            best_of(lambda: policy_services.match(first)),
        )
    )
    start = time.perf_counter()
    matched = sum(len(policy_services.match(p)) for p in auto)
    rows.append(
        (
            f"match all {len(auto)} 免申即享 policies one by one ({matched} eligible pairs)",
            time.perf_counter() - start,
        )
    )
    start = time.perf_counter()
    matched = sum(len(m) for m in policy_services.match_many(auto).values())
    rows.append(
        (
            f"match all {len(auto)} policies at once, enterprises read once ({matched} pairs)",
            time.perf_counter() - start,
        )
    )
    from gongjian.enterprises.models import Enterprise

    n = Enterprise.objects.filter(unit__path__startswith=city.path).count()
    print(f"### 营商环境 services ({Appeal.objects.count():,} appeals, {n:,} enterprises)\n")
    print(f"{machine_line()}; filling took {fill:.1f} s.\n")
    print("| step | seconds |\n| --- | --- |")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.3f} |")


def fill_appeals(target: int) -> None:
    """Copy the demo's 2024 appeals, each with its steps, round after round until the
    registry holds ``target`` appeals: a copy keeps every column but its id and number
    (``B`` + a sequence); its steps keep theirs but the actor and the note. Written in
    bulk with ids assigned here (the scale generator's writer: COPY on PostgreSQL,
    executemany on SQLite), each template row prepared for the database once."""
    from django.db import connection, transaction

    from gongjian.appeals.models import Appeal, AppealStep
    from gongjian.demo.scale import reset_sequences
    from gongjian.kit.bulk import write_rows

    def prepared(model, objs, **fixed) -> tuple[list[str], dict[str, int], list[list]]:
        fields = model._meta.concrete_fields
        rows = [
            [
                fixed[f.attname]
                if f.attname in fixed
                else f.get_db_prep_save(getattr(o, f.attname), connection)
                for f in fields
            ]
            for o in objs
        ]
        return [f.column for f in fields], {f.attname: i for i, f in enumerate(fields)}, rows

    template = list(Appeal.objects.filter(received_on__year=2024).order_by("pk"))
    steps = list(AppealStep.objects.filter(appeal__in=template).order_by("pk"))
    a_cols, a_at, a_rows = prepared(Appeal, template)
    s_cols, s_at, s_rows = prepared(AppealStep, steps, actor_id=None, note="")
    steps_of: dict[int, list[list]] = {}
    for step, row in zip(steps, s_rows, strict=True):
        steps_of.setdefault(step.appeal_id, []).append(row)
    last = Appeal.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_step = AppealStep.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    have, seq = Appeal.objects.count(), 0
    with transaction.atomic():
        while have < target and template:
            appeals, appeal_steps = [], []
            for appeal, row in zip(template, a_rows, strict=True):
                if have >= target:
                    break
                have += 1
                seq += 1
                last += 1
                row = row.copy()
                row[a_at["id"]], row[a_at["number"]] = last, f"B{seq:012d}"
                appeals.append(row)
                for step in steps_of.get(appeal.pk, []):
                    last_step += 1
                    step = step.copy()
                    step[s_at["id"]], step[s_at["appeal_id"]] = last_step, last
                    appeal_steps.append(step)
            write_rows(Appeal._meta.db_table, a_cols, appeals)
            write_rows(AppealStep._meta.db_table, s_cols, appeal_steps)
    reset_sequences([Appeal, AppealStep])


if __name__ == "__main__":
    main()
