"""Benchmark of the dashboard at province scale, against a hand-written SQL floor.

Usage::

    .venv/bin/python bench/bench_dashboard.py [--projects 100000] [--database-url URL]
        [--reports-per-project 50] [--replace] [--write] [--smoke]

On a ``gongjian gen-scale`` database (a SQLite file in the temporary directory named
after the size unless ``--database-url`` is given; generated when empty, reused after)
it measures, best of 3, for the whole province and for its largest district:

- **floor**: one hand-written SQL statement over the same rows computing the dashboard's
  headline figures — for the year to the as-of date: projects signed / landed /
  started-or-resumed (counts), signed and landed total investment, signed ≥ 1亿 and
  landed ≥ 2000万 (count and amount), investment completed (sum of progress reports
  whose period ends in the year to date) and the red / yellow / green warning-light
  counts. It reads the projects of the subtree once, joined to each project's stage
  events of the year and its year-to-date reported investment.
- **dashboard**: everything the page's selector computes (``dashboard.selectors.dashboard``): every active indicator (~70), the targets' completion, the
  four checkpoints, the monthly series, the comparison of child units and the lights;
  ratio against the floor (goal: within 2×) and the number of SQL queries.
- **page**: the dashboard's full HTTP response through Django's test client.
- **before**: the same figures evaluated one indicator, one month, one checkpoint at a
  time and the lights read project by project (the engine's per-indicator functions,
  as the dashboard did before grouped evaluation); one run.

The floor's figures are compared with the engine's; a mismatch fails the run
(``CHECK ok`` is printed when they agree). Prints a Markdown section and one
``RESULT {json}`` line; with ``--write`` merges its rows into docs/benchmarks.md.
Not a test: no timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from _common import (
    best_of,
    best_run,
    database_label,
    machine_line,
    merge_doc_table,
    scale_database_url,
    setup_scale_database,
)

AS_OF = dt.date(2024, 10, 31)
YEAR = 2024
FLOOR_CODES = [
    "signed_count",
    "signed_amount",
    "signed_ge_100m",
    "signed_ge_100m_amount",
    "landed_count",
    "landed_amount",
    "landed_ge_20m",
    "landed_ge_20m_amount",
    "started_or_resumed",
    "completed_investment",
]


def floor_sql() -> tuple[str, bool]:
    """The floor statement and whether it filters soft-deleted projects."""
    from gongjian.projects.models import ProgressReport, Project, StageTransition
    from gongjian.units.models import Unit

    p, u = Project._meta.db_table, Unit._meta.db_table
    st, pr = StageTransition._meta.db_table, ProgressReport._meta.db_table
    soft = any(f.name == "deleted_at" for f in Project._meta.get_fields())
    alive = "AND p.deleted_at IS NULL" if soft else ""
    versioned = any(f.name == "is_current" for f in ProgressReport._meta.get_fields())
    current = "AND is_current" if versioned else ""  # superseded report versions
    sql = f"""
    WITH scope AS (
        SELECT p.id, p.total_investment AS total, p.stage, p.planned_investment AS planned
        FROM {p} p JOIN {u} u ON u.id = p.unit_id
        WHERE u.path LIKE %s {alive}
    ), ev AS (
        SELECT project_id,
               MAX(CASE WHEN stage = 'signed' THEN 1 ELSE 0 END) AS signed,
               MAX(CASE WHEN stage = 'landed' THEN 1 ELSE 0 END) AS landed,
               MAX(CASE WHEN stage IN ('started', 'resumed') THEN 1 ELSE 0 END) AS sr
        FROM {st} WHERE occurred_on >= %s AND occurred_on <= %s
          AND project_id IN (SELECT id FROM scope)
        GROUP BY project_id
    ), done AS (
        SELECT project_id, SUM(investment_this_period) AS done
        FROM {pr} WHERE period_end >= %s AND period_end <= %s {current}
          AND project_id IN (SELECT id FROM scope)
        GROUP BY project_id
    ), lit AS (
        SELECT s.*, ev.signed, ev.landed, ev.sr, COALESCE(done.done, 0) AS done,
               CASE WHEN s.stage IN ('started', 'resumed') AND s.planned > 0
                    THEN %s - CAST(COALESCE(done.done, 0) * 100 AS DOUBLE PRECISION)
                              / CAST(s.planned AS DOUBLE PRECISION) END AS behind
        FROM scope s
        LEFT JOIN ev ON ev.project_id = s.id
        LEFT JOIN done ON done.project_id = s.id
    )
    SELECT
        COALESCE(SUM(signed), 0),
        COALESCE(SUM(CASE WHEN signed = 1 THEN total END), 0),
        COUNT(CASE WHEN signed = 1 AND total >= 100000000 THEN 1 END),
        COALESCE(SUM(CASE WHEN signed = 1 AND total >= 100000000 THEN total END), 0),
        COALESCE(SUM(landed), 0),
        COALESCE(SUM(CASE WHEN landed = 1 THEN total END), 0),
        COUNT(CASE WHEN landed = 1 AND total >= 20000000 THEN 1 END),
        COALESCE(SUM(CASE WHEN landed = 1 AND total >= 20000000 THEN total END), 0),
        COALESCE(SUM(sr), 0),
        COALESCE(SUM(done), 0),
        COUNT(CASE WHEN stage = 'stalled' OR behind > %s THEN 1 END),
        COUNT(CASE WHEN behind > %s AND behind <= %s THEN 1 END),
        COUNT(CASE WHEN behind <= %s THEN 1 END)
    FROM lit
    """
    return sql, soft


def run_floor(unit, campaign) -> dict:
    from django.db import connection

    from gongjian.kit.dates import pro_rata

    sql, _soft = floor_sql()
    start, end = dt.date(YEAR, 1, 1), AS_OF
    red, yellow = float(campaign.red_points), float(campaign.yellow_points)
    params = [unit.path + "%", start, end, start, end, pro_rata(AS_OF) * 100]
    params += [red, yellow, red, yellow]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    values = [int(v or 0) for v in row]
    out = dict(zip(FLOOR_CODES, values[:10], strict=True))
    out["lights"] = {"red": values[10], "yellow": values[11], "green": values[12]}
    return out


def engine_headline(unit, campaign) -> dict:
    from gongjian.indicators import engine
    from gongjian.indicators.models import Indicator
    from gongjian.kit.dates import Period
    from gongjian.projects import lights
    from gongjian.projects.models import Project

    period = Period.year_to_date(YEAR, AS_OF)
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=FLOOR_CODES)}
    values = engine.evaluate_many([(indicators[c], unit, period) for c in FLOOR_CODES])
    out = dict(zip(FLOOR_CODES, values, strict=True))
    out["lights"] = lights.warning_light_counts(Project.objects.in_subtree(unit), AS_OF, campaign)
    return out


def run_dashboard(user, unit, campaign):
    from gongjian.dashboard import selectors as sel

    scope = sel.Scope(campaign, YEAR, AS_OF, unit, [unit])
    data = sel.dashboard(user, scope)  # the page's figures, ``others`` included
    return data, data.others


def run_before(unit, campaign) -> None:
    """The dashboard's figures one indicator / month / checkpoint at a time."""
    from gongjian.dashboard.selectors import CHECKPOINTS
    from gongjian.indicators import engine
    from gongjian.indicators.models import Indicator, Target
    from gongjian.kit.dates import Period
    from gongjian.projects.models import Project
    from gongjian.units.selectors import compared_units

    period = Period.year_to_date(YEAR, AS_OF)
    targets = list(
        Target.objects.filter(unit=unit, year=YEAR, indicator__is_active=True).select_related(
            "indicator", "indicator__fixed_unit", "indicator__base_indicator"
        )
    )
    for t in targets:
        engine.completion(t.indicator, unit, YEAR, AS_OF, target=t)
    for kind, _label in CHECKPOINTS:
        engine.checkpoint_status(kind, unit, YEAR, AS_OF)
    for t in targets[:6]:
        if t.indicator.kind == Indicator.Kind.COMPUTED:
            for m in range(1, AS_OF.month + 1):
                end = min(Period.month(YEAR, m).end, AS_OF)
                engine.evaluate(t.indicator, unit, Period.year_to_date(YEAR, end))
    children = compared_units(unit)
    for t in targets[:6]:
        if children and t.indicator.kind == Indicator.Kind.COMPUTED:
            engine.evaluate_by_unit(t.indicator, children, period)
    from gongjian.projects import lights

    lights.warning_lights(Project.objects.in_subtree(unit), AS_OF, campaign)
    for ind in Indicator.objects.filter(
        is_active=True, kind__in=[Indicator.Kind.COMPUTED, Indicator.Kind.REPORTED]
    ).select_related("fixed_unit"):
        if engine.effective_unit(ind, unit) is not None:
            engine.evaluate(ind, unit, period)


def measure(args) -> dict:
    url = scale_database_url(args.database_url, args.projects)
    info = setup_scale_database(
        url,
        args.projects,
        args.reports_per_project,
        replace=args.replace,
        log=lambda m: print(m, file=sys.stderr),
    )
    from django.core.cache import caches
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from gongjian.demo.scale import PROVINCE
    from gongjian.indicators.models import Campaign
    from gongjian.projects.models import ProgressReport, Project
    from gongjian.units.models import Unit, User

    setup_test_environment()
    province = Unit.objects.get(code=PROVINCE[0])
    campaign = Campaign.objects.get(root_unit=province, year=YEAR)
    user = User.objects.get(username="province_office")
    largest = (
        Project.objects.filter(unit__path__startswith=province.path)
        .values("unit")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    district = Unit.objects.get(pk=largest["unit"])
    n_projects = Project.objects.filter(unit__path__startswith=province.path).count()
    n_reports = ProgressReport.objects.count()
    client = Client()
    client.force_login(user)
    rounds = 1 if args.smoke else 3
    results = {
        "database": info["vendor"],
        "projects": n_projects,
        "reports": n_reports,
        "generated": info["generated"],
        "scopes": {},
    }
    for label, unit in (("province", province), ("district", district)):
        floor_s, floor = best_run(lambda u=unit: run_floor(u, campaign), rounds)
        engine_values = engine_headline(unit, campaign)
        if floor != engine_values:
            print(f"CHECK FAILED {label}: floor {floor} engine {engine_values}", file=sys.stderr)
            raise SystemExit(1)
        connection.queries_log.clear()
        run_dashboard(user, unit, campaign)  # the page's rows and figures kept
        with CaptureQueriesContext(connection) as ctx:
            run_dashboard(user, unit, campaign)
        queries = len(ctx.captured_queries)
        dash_s = best_of(lambda u=unit: run_dashboard(user, u, campaign), rounds)
        query = {"unit": unit.pk, "year": YEAR, "as_of": AS_OF.isoformat()}

        def page(q=query):
            response = client.get("/", q)
            assert response.status_code == 200, response.status_code
            return response

        page_s = best_of(page, rounds)

        # nothing kept: every unit's figures read from the rows (a server just started,
        # or a bulk load drew every stamp anew)
        def cold(u=unit):
            caches["figures"].clear()
            run_dashboard(user, u, campaign)

        cold_s = best_of(cold, rounds)
        # one project of the scope's largest unit written just before: that unit's
        # figures read again, the others' kept
        written = Project.objects.filter(unit=district).values_list("pk", flat=True).first()

        def after_write(u=unit, written=written):
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE projects_project SET version = version WHERE id = %s", [written]
                )
            run_dashboard(user, u, campaign)

        after_write()  # everything kept once more
        write_s = best_of(after_write, rounds)
        before_s = None
        if not args.skip_before:
            before_s = best_of(lambda u=unit: run_before(u, campaign), 1)
        results["scopes"][label] = {
            "unit": unit.name,
            "floor_s": floor_s,
            "dashboard_s": dash_s,
            "ratio": dash_s / floor_s if floor_s else None,
            "page_s": page_s,
            "cold_s": cold_s,
            "write_s": write_s,
            "queries": queries,
            "before_s": before_s,
            "headline": {k: v for k, v in floor.items() if k != "lights"},
            "lights": floor["lights"],
        }
    print("CHECK ok: the floor's figures equal the engine's", file=sys.stderr)
    return results


HEADER = [
    "database",
    "projects",
    "progress reports",
    "scope",
    "floor SQL ms",
    "dashboard ms",
    "× floor (goal ≤ 2)",
    "page ms",
    "nothing kept ms",
    "after a write ms",
    "queries",
    "before ms",
]

INTRO = """
Each row: a `gongjian gen-scale` province (≈300 units, 50 progress reports per project
on the year's list), as of 2024-10-31, best of 3. **floor** is one hand-written SQL
statement over the same rows computing the headline figures (year-to-date signed /
landed / started-or-resumed counts, signed and landed amounts, signed ≥ 1亿 and landed
≥ 2000万 counts and amounts, investment completed from progress reports, red / yellow /
green light counts); the bench checks that they equal the engine's. **dashboard** is
everything the page's selectors compute (~70 indicators, targets' completion, four
checkpoints, monthly series, child-unit comparison, lights); **page** the whole HTTP
response (test client); **queries** the SQL statements of the selectors with everything
kept (the page's own rows — targets, indicators, child units — and the reported values
are kept under the definitions' stamp, drawn anew by triggers on every write to units,
indicators, targets and reported values); **before** the
same figures one indicator / month / checkpoint at a time and the lights read project by
project (one run) — the dashboard before grouped evaluation. Each unit's own figures and
light counts are kept between requests under the unit's data stamp (`indicators.cube`,
drawn anew by database triggers on every write to its projects, stage history, reports,
problems, tags and batches): **dashboard** and **page** are with everything kept,
**nothing kept** with the cache emptied before each run (every unit read from the rows:
a server just started, a bulk load), **after a write** with one project of the scope's
largest unit written just before each run (that unit read again, the others kept).
"""


def render(r: dict) -> list[list[str]]:
    db = database_label(r["database"])
    rows = []
    for label, s in r["scopes"].items():
        rows.append(
            [
                db,
                f"{r['projects']:,}",
                f"{r['reports']:,}",
                f"{label} ({s['unit']})",
                f"{s['floor_s'] * 1000:,.0f}",
                f"{s['dashboard_s'] * 1000:,.0f}",
                f"{s['ratio']:.1f}" if s["ratio"] else "—",
                f"{s['page_s'] * 1000:,.0f}",
                f"{s['cold_s'] * 1000:,.0f}" if "cold_s" in s else "—",
                f"{s['write_s'] * 1000:,.0f}" if "write_s" in s else "—",
                str(s["queries"]),
                "—" if s["before_s"] is None else f"{s['before_s'] * 1000:,.0f}",
            ]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000, help="10000, 100000, 1000000")
    parser.add_argument("--reports-per-project", type=int, default=50)
    parser.add_argument("--database-url", help="default: a SQLite file in the temp directory")
    parser.add_argument("--replace", action="store_true", help="empty a database of another size")
    parser.add_argument("--skip-before", action="store_true", help="skip the per-indicator run")
    parser.add_argument("--write", action="store_true", help="merge rows into docs/benchmarks.md")
    parser.add_argument("--smoke", action="store_true", help="300 projects, one round, seconds")
    args = parser.parse_args()
    if args.smoke:
        args.projects, args.reports_per_project = 300, 6
    results = measure(args)
    rows = render(results)
    print("## Dashboard at scale (bench/bench_dashboard.py)\n")
    print(machine_line() + "\n")
    print("| " + " | ".join(HEADER) + " |")
    print("| " + " | ".join("---" for _ in HEADER) + " |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if results["generated"]:
        g = results["generated"]
        print(
            f"\nGenerated in {g['seconds']:.1f} s ({g['rows']:,} rows, "
            f"{g['rows_per_second']:,.0f} rows/s)."
        )
    if args.write and not args.smoke:
        merge_doc_table(
            "Dashboard at scale (bench/bench_dashboard.py)",
            INTRO + "\nLast run: " + machine_line() + ".",
            HEADER,
            rows,
            keys=4,
        )
    print("RESULT " + json.dumps(results, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
