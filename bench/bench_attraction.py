"""Benchmark of the 招商 indicators and pages at province scale.

Usage::

    .venv/bin/python bench/bench_attraction.py [--enterprises 100000] [--database-url URL]

Loads the Jinzhou 2024 demo into a fresh database (a temporary SQLite file unless
``--database-url`` names one: dropped and created again), adds synthetic rows until the
enterprise registry holds ``--enterprises`` enterprises (with three outreach contacts
each on average, one outreach batch per 30 enterprises and a lead per 5), gathers the
planner's statistics (PostgreSQL: what autovacuum would have by then), then times, best
of 3:

- ``evaluate`` of ``outreach_batches``, ``enterprises_contacted`` (distinct, an
  ``EXISTS`` over the contacts), ``leads_signed`` (the projects' stage history) and the
  signed-conversion rate, for the city;
- ``evaluate_by_unit`` of ``enterprises_contacted`` for the districts;
- the funnel page and the lead board page for the office (queries counted).

Prints a Markdown section for docs/benchmarks.md. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from _common import analyze, best_of, machine_line, setup_demo_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--database-url", help="dropped and created again")
    args = parser.parse_args()
    demo_seconds = setup_demo_database(args.database_url)
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gongjian.attraction.models import Lead, LeadTransition, Outreach, OutreachContact
    from gongjian.demo.loader import CITY_CODE
    from gongjian.enterprises.models import Enterprise
    from gongjian.indicators.engine import evaluate, evaluate_by_unit
    from gongjian.indicators.models import Indicator
    from gongjian.kit.dates import Period
    from gongjian.kit.validators import credit_code_check_char
    from gongjian.units.models import Unit, User

    city = Unit.objects.get(code=CITY_CODE)
    districts = list(Unit.objects.filter(parent=city).exclude(code=None))
    rng = random.Random(7)
    have = Enterprise.objects.count()
    missing = max(0, args.enterprises - have)
    start = time.perf_counter()
    batch = []
    for i in range(missing):
        body = f"91{districts[i % len(districts)].code}{i:09d}"
        name = f"基准企业{i:07d}有限公司"
        batch.append(
            Enterprise(
                name=name,
                normalized_name=f"基准企业{i:07d}",
                credit_code=body + credit_code_check_char(body),
                unit=districts[i % len(districts)],
            )
        )
        if len(batch) == 5000:
            Enterprise.objects.bulk_create(batch)
            batch = []
    Enterprise.objects.bulk_create(batch)
    ids = list(Enterprise.objects.values_list("pk", flat=True))
    n_batches = len(ids) // 30
    outreach = [
        Outreach(
            held_on=dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 365)),
            kind="going_out",
            theme="other",
            title=f"基准活动{i}",
            unit=districts[i % len(districts)],
        )
        for i in range(n_batches)
    ]
    Outreach.objects.bulk_create(outreach, batch_size=5000)
    oids = list(Outreach.objects.values_list("pk", flat=True))
    links = {(rng.choice(oids), rng.choice(ids)) for _ in range(len(ids) * 3)}
    OutreachContact.objects.bulk_create(
        [OutreachContact(outreach_id=o, enterprise_id=e) for o, e in links],
        batch_size=10000,
        ignore_conflicts=True,
    )
    leads = [
        Lead(
            name=f"基准线索{i}",
            enterprise_id=ids[i * 5],
            intended_investment=100_000_000,
            unit=districts[i % len(districts)],
            contacted_on=dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 300)),
        )
        for i in range(len(ids) // 5)
    ]
    Lead.objects.bulk_create(leads, batch_size=5000)
    LeadTransition.objects.bulk_create(
        [
            LeadTransition(lead_id=pk, stage="contact", occurred_on=day)
            for pk, day in Lead.objects.filter(name__startswith="基准").values_list(
                "pk", "contacted_on"
            )
        ],
        batch_size=10000,
    )
    analyze()
    fill_seconds = time.perf_counter() - start
    counts = {
        "enterprises": Enterprise.objects.count(),
        "outreach batches": Outreach.objects.count(),
        "outreach contacts": OutreachContact.objects.count(),
        "leads": Lead.objects.count(),
    }
    period = Period.year_to_date(2024, dt.date(2024, 10, 31))
    rows = []
    for code in [
        "outreach_batches",
        "enterprises_contacted",
        "leads_contacted",
        "leads_signed",
        "lead_conversion.signed",
        "matrix_21152.enterprises_ge_10bn",
    ]:
        indicator = Indicator.objects.select_related("base_indicator", "denominator").get(code=code)
        value = evaluate(indicator, city, period)
        rows.append(
            (
                f"evaluate `{code}` (city)",
                best_of(lambda i=indicator: evaluate(i, city, period)),
                value,
            )
        )
    contacted = Indicator.objects.get(code="enterprises_contacted")
    rows.append(
        (
            "evaluate_by_unit `enterprises_contacted` (7 districts)",
            best_of(lambda: evaluate_by_unit(contacted, districts, period)),
            "",
        )
    )
    client = Client()
    client.force_login(User.objects.get(username="office"))
    for label, url in [("funnel page", "/attraction/"), ("lead board page", "/attraction/leads/")]:
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        rows.append(
            (
                f"{label} ({len(ctx.captured_queries)} queries)",
                best_of(lambda u=url: client.get(u)),
                "",
            )
        )
    print("## 招商 indicators and pages (bench/bench_attraction.py)\n")
    print(
        f"{machine_line()}. Demo loaded in {demo_seconds:.1f} s; "
        f"synthetic rows added in {fill_seconds:.1f} s.\n"
    )
    print(", ".join(f"{k}: {v:,}" for k, v in counts.items()) + "\n")
    print("| step | best of 3 | value |\n| --- | --- | --- |")
    for label, seconds, value in rows:
        print(f"| {label} | {seconds * 1000:.0f} ms | {value} |")


if __name__ == "__main__":
    main()
