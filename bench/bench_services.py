"""Benchmark of the 营商环境 services: appeal indicators and 免申即享 matching.

Usage::

    .venv/bin/python bench/bench_services.py [--appeals 200000] [--database-url URL]

Loads the Jinzhou 2024 demo into a fresh database (a temporary SQLite file unless
``--database-url`` is given), copies its appeals (with their steps) until the registry
holds ``--appeals`` appeals received in 2024, then times, best of 3:

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
import platform
import time

from _common import best_of, setup_demo_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appeals", type=int, default=200_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    setup_demo_database(args.database_url)
    from django.db import connection
    from django.test import Client

    from gongjian.appeals.models import Appeal, AppealStep
    from gongjian.common.dates import Period
    from gongjian.demo.loader import CITY_CODE
    from gongjian.indicators.engine import evaluate, evaluate_by_unit, ranking
    from gongjian.indicators.models import Indicator, RankingScheme
    from gongjian.policies import services as policy_services
    from gongjian.policies.models import Policy
    from gongjian.units.models import Unit, User

    city = Unit.objects.get(code=CITY_CODE)
    template = list(Appeal.objects.filter(received_on__year=2024).order_by("pk"))
    steps_of: dict[int, list] = {}
    for s in AppealStep.objects.filter(appeal__in=template).order_by("pk"):
        steps_of.setdefault(s.appeal_id, []).append(s)
    start = time.perf_counter()
    have, seq = Appeal.objects.count(), 0
    while have < args.appeals:
        chunk = []
        for a in template:
            seq += 1
            old = a.pk
            a.pk = None
            a.number = f"B{seq:012d}"
            a._old = old
            chunk.append(a)
            if have + len(chunk) >= args.appeals:
                break
        Appeal.objects.bulk_create(chunk, batch_size=5000)
        fresh = dict(
            Appeal.objects.filter(number__in=[a.number for a in chunk]).values_list("number", "pk")
        )
        steps = []
        for a in chunk:
            for s in steps_of[a._old]:
                steps.append(
                    AppealStep(
                        appeal_id=fresh[a.number],
                        action=s.action,
                        from_status=s.from_status,
                        to_status=s.to_status,
                        unit_id=s.unit_id,
                        at=s.at,
                        note="",
                    )
                )
        AppealStep.objects.bulk_create(steps, batch_size=10000)
        have += len(chunk)
        template = list(
            Appeal.objects.filter(received_on__year=2024, number__startswith="2").order_by("pk")[
                :2000
            ]
        )
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
    print(
        f"{platform.python_implementation()} {platform.python_version()}, {connection.vendor}; filling took {fill:.1f} s.\n"
    )
    print("| step | seconds |\n| --- | --- |")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
