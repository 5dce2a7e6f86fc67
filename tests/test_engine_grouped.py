"""Grouped evaluation gives exactly the per-indicator values.

``evaluate_many``, ``checkpoint_statuses``, ``completion_many``,
``year_to_date_by_month`` and ``warning_light_counts`` answer the dashboard with a
handful of queries; each is compared here with the same figure asked for alone (a batch
of one request, whose conditions become the query's WHERE clause instead of aggregate
filters), for every active demo indicator, several units and several periods, and the
project events with a count made in Python from the stage history.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import caches

from gongjian.indicators import engine
from gongjian.indicators.models import Campaign, Indicator, Target
from gongjian.kit.dates import Period
from gongjian.projects import lights as light_rules
from gongjian.projects.models import Project
from gongjian.units.models import Unit

AS_OF = dt.date(2024, 10, 31)
PERIODS = [
    Period.year_to_date(2024, AS_OF),
    Period.year_to_date(2024, dt.date(2024, 3, 31)),
    Period.quarter(2024, 2),
    Period.month(2024, 9),
    Period.year_to_date(2024),
]


@pytest.fixture
def rows_each_time(settings):
    """The engine's own statements: no figure kept between requests (indicators.cube)."""
    settings.GONGJIAN = {**settings.GONGJIAN, "KEEP_FIGURES": False}


def _units(city: Unit) -> list[Unit]:
    return [
        city,
        Unit.objects.get(code="210703"),  # 凌河区: the fixed-unit indicators' own unit
        Unit.objects.get(code="210726"),
        Unit.objects.get(parent=city, kind=Unit.Kind.ZONE),
        Unit.objects.filter(parent=city, kind=Unit.Kind.DEPARTMENT).first(),
    ]


def _indicators():
    return list(
        Indicator.objects.filter(is_active=True).select_related(
            "fixed_unit", "base_indicator", "denominator"
        )
    )


@pytest.mark.django_db
def test_evaluate_many_equals_evaluate_for_every_demo_indicator(demo):
    indicators = _indicators()
    assert len(indicators) > 60
    requests = [(i, u, p) for u in _units(demo) for p in PERIODS for i in indicators]
    grouped = engine.evaluate_many(requests)
    each = [engine.evaluate(i, u, p) for i, u, p in requests]
    mismatches = [
        (i.code, u.name, p.label, g, e)
        for (i, u, p), g, e in zip(requests, grouped, each, strict=True)
        if g != e
    ]
    assert mismatches == []
    # the comparison is not vacuous: most values are real numbers
    assert sum(1 for v in grouped if v not in (None, 0, False)) > len(requests) // 3


@pytest.mark.django_db
def test_evaluate_all_is_grouped(demo, django_assert_max_num_queries):
    indicators = _indicators()
    period = PERIODS[0]
    expected = {i.code: engine.evaluate(i, demo, period) for i in indicators}
    with django_assert_max_num_queries(40):
        values = engine.evaluate_all(demo, period, indicators)
    assert values == expected


@pytest.mark.django_db
def test_checkpoints_and_completion_grouped(demo):
    for unit in _units(demo)[:3]:
        for as_of in (dt.date(2024, 3, 31), AS_OF, dt.date(2024, 12, 31)):
            statuses = engine.checkpoint_statuses(unit, 2024, as_of)
            for kind, status in statuses.items():
                assert status == engine.checkpoint_status(kind, unit, 2024, as_of), (unit, kind)
            targets = list(Target.objects.filter(unit=unit, year=2024).select_related("indicator"))
            assert targets
            grouped = engine.completion_many(targets, unit, 2024, as_of)
            for target, c in zip(targets, grouped, strict=True):
                one = engine.completion(target.indicator, unit, 2024, as_of, target=target)
                assert (c.value, c.target, c.rate, c.ahead) == (
                    one.value,
                    one.target,
                    one.rate,
                    one.ahead,
                )


@pytest.mark.django_db
def test_monthly_series_in_one_query(demo, django_assert_max_num_queries):
    codes = ["signed_ge_100m_amount", "started_or_resumed", "completed_investment", "landed_count"]
    for unit in _units(demo)[:3]:
        for code in codes:
            indicator = Indicator.objects.get(code=code)
            ends = [min(Period.month(2024, m).end, AS_OF) for m in range(1, 11)]
            expected = [
                engine.evaluate(indicator, unit, Period.year_to_date(2024, e)) for e in ends
            ]
            with django_assert_max_num_queries(1):
                series = engine.year_to_date_by_month(indicator, unit, 2024, AS_OF)
            assert series == expected, (code, unit.name)
    # the completion series the dashboard draws is unchanged
    for target in Target.objects.filter(unit=demo, indicator__kind="computed"):
        each = [engine.evaluate(target.indicator, demo, Period.year_to_date(2024, e)) for e in ends]
        expected = [round(float(Decimal(v or 0) / target.value) * 100, 1) for v in each]
        assert engine.completion_by_month(
            target.indicator, demo, 2024, AS_OF, target.value
        ) == expected + [None, None]


@pytest.mark.django_db
def test_warning_light_counts_equal_warning_lights(demo, django_assert_max_num_queries):
    campaign = Campaign.objects.get(root_unit=demo, year=2024)
    for unit in _units(demo)[:4]:
        projects = Project.objects.in_subtree(unit)
        for as_of in (dt.date(2024, 6, 30), AS_OF):
            counts = {"red": 0, "yellow": 0, "green": 0}
            for light in light_rules.warning_lights(projects, as_of, campaign).values():
                if light.color in counts:
                    counts[light.color] += 1
            with django_assert_max_num_queries(1):
                grouped = light_rules.warning_light_counts(projects, as_of, campaign)
            assert grouped == counts
            assert sum(counts.values()) > 0


@pytest.mark.django_db
def test_flagged_lights_are_the_worst_of_warning_lights(demo, django_assert_max_num_queries):
    """The 调度通报's red and yellow list, ordered and cut by the database, is what
    ``warning_lights`` gives sorted worst first: red before yellow, 停缓建 first, then
    the furthest behind, then the project code."""
    campaign = Campaign.objects.get(root_unit=demo, year=2024)
    for unit in _units(demo)[:4]:
        projects = Project.objects.in_subtree(unit)
        codes = dict(projects.values_list("pk", "code"))
        for as_of in (dt.date(2024, 6, 30), AS_OF):
            lights = light_rules.warning_lights(projects, as_of, campaign)
            worst = sorted(
                ((pk, light) for pk, light in lights.items() if light.color in ("red", "yellow")),
                key=lambda item: (
                    item[1].color != "red",
                    -(999 if item[1].behind_points is None else item[1].behind_points),
                    codes[item[0]],
                ),
            )
            with django_assert_max_num_queries(1):
                flagged, counts = light_rules.flagged_lights(projects, as_of, campaign, limit=12)
            assert counts["red"] + counts["yellow"] == len(worst) > 0
            assert counts == light_rules.warning_light_counts(projects, as_of, campaign)
            assert [pk for pk, _ in flagged] == [pk for pk, _ in worst[:12]]
            assert [light for _, light in flagged] == [light for _, light in worst[:12]]


def _dashboard_queries(client, unit) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/", {"unit": unit.pk, "year": 2024, "as_of": AS_OF.isoformat()})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_dashboard_query_count_is_bounded_and_independent_of_project_count(
    client, demo, django_assert_max_num_queries
):
    from gongjian.projects.models import ProgressReport, Stage, StageTransition
    from gongjian.units.models import User

    client.force_login(User.objects.get(username="office"))
    heishan = Unit.objects.get(code="210726")
    # each count with nothing kept between requests (indicators.cube): like with like
    caches["figures"].clear()
    with django_assert_max_num_queries(60):
        before = _dashboard_queries(client, demo)
    caches["figures"].clear()
    before_district = _dashboard_queries(client, heishan)
    # 300 more projects under construction, each with ten monthly reports
    projects = Project.objects.bulk_create(
        Project(
            code=f"QC{i:05d}",
            name=f"查询计数测试项目{i}",
            unit=heishan,
            category="industry",
            total_investment=300_000_000,
            planned_investment=100_000_000,
            stage=Stage.STARTED,
            signed_on=dt.date(2024, 2, 1),
            started_on=dt.date(2024, 3, 1),
            first_event_on=dt.date(2024, 2, 1),
        )
        for i in range(300)
    )
    StageTransition.objects.bulk_create(
        StageTransition(project=p, stage=s, occurred_on=d)
        for p in projects
        for s, d in ((Stage.SIGNED, dt.date(2024, 2, 1)), (Stage.STARTED, dt.date(2024, 3, 1)))
    )
    ProgressReport.objects.bulk_create(
        ProgressReport(
            project=p,
            period_start=dt.date(2024, m, 1),
            period_end=Period.month(2024, m).end,
            investment_this_period=5_000_000,
            cumulative_investment=5_000_000 * m,
        )
        for p in projects
        for m in range(1, 11)
    )
    caches["figures"].clear()
    assert _dashboard_queries(client, demo) == before
    caches["figures"].clear()
    assert _dashboard_queries(client, heishan) == before_district


@pytest.mark.django_db
def test_one_query_per_registry_for_every_subtree_and_no_stale_definition(
    demo, django_assert_num_queries, rows_each_time
):
    """A registry's figures for several subtrees come from one ORM aggregate query over
    their common ancestor — grouped by unit: the subtrees below it and the whole subtree
    (the sum of every group) — the same figures as one subtree at a time; an edited
    indicator is read as it now stands, never from a stale statement."""
    counted = [
        i
        for i in _indicators()
        if i.kind == Indicator.Kind.COMPUTED and i.registry == "projects" and not i.fixed_unit_id
    ][:8]
    assert len(counted) == 8
    period = PERIODS[0]
    units = _units(demo)
    seen = {}
    for unit in units:
        seen[unit.pk] = engine.evaluate_many([(i, unit, period) for i in counted])
        assert seen[unit.pk] == [engine.evaluate(i, unit, period) for i in counted], unit.name
    # different subtrees really got different figures
    assert len({tuple(v) for v in seen.values()}) > 2
    # every subtree at once: the city's figures and its districts' grouped, the same figures
    with django_assert_num_queries(1):
        together = engine.evaluate_many([(i, u, period) for u in units for i in counted])
    assert together == [v for u in units for v in seen[u.pk]]
    edited = counted[0]
    before = engine.evaluate_many([(i, demo, period) for i in counted])[0]
    edited.filters = {**(edited.filters or {}), "total_investment__gte": 10**12}
    after = engine.evaluate_many([(i, demo, period) for i in counted])[0]
    assert after == engine.evaluate(edited, demo, period) == 0 != before


@pytest.mark.django_db
def test_a_year_to_date_series_shares_one_first_event_date(
    demo, django_assert_num_queries, rows_each_time
):
    """The year-to-date periods of an event indicator — a month-end series and the
    checkpoints — read one first-event annotation per event (``Min``), whatever the number
    of periods; the database groups the registry's rows once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signed = Indicator.objects.get(code="signed_count")
    landed = Indicator.objects.get(code="landed_amount")
    requests = [r for i in (signed, landed) for r in engine.monthly_requests(i, demo, 2024, AS_OF)]
    with CaptureQueriesContext(connection) as ctx:
        values = engine.evaluate_many(requests)
    assert len(ctx.captured_queries) == 1
    assert ctx.captured_queries[0]["sql"].upper().count("MIN(") == 2
    assert values == [engine.evaluate(i, u, p) for i, u, p in requests]
    assert values[9] > values[2] > 0  # signed to 31 October, to 31 March


@pytest.mark.django_db
def test_project_events_equal_a_count_from_the_stage_history(demo):
    """The engine's event figures against an independent count: each project's stage
    transitions read into Python, a project counted once when it had the event in the
    period (its first such date on or before the end)."""
    from gongjian.projects.models import StageTransition

    unit = Unit.objects.get(code="210726")
    projects = {p.pk: p for p in Project.objects.filter(unit__path__startswith=unit.path)}
    history: dict[int, list[tuple[str, dt.date]]] = {}
    for project_id, stage, day in StageTransition.objects.filter(
        project_id__in=projects
    ).values_list("project_id", "stage", "occurred_on"):
        history.setdefault(project_id, []).append((stage, day))
    stages = {
        "signed": {"signed"},
        "landed": {"landed"},
        "started_or_resumed": {"started", "resumed"},
    }
    checked = 0
    for code, event, threshold in (
        ("signed_count", "signed", 0),
        ("signed_ge_100m_amount", "signed", 100_000_000),
        ("landed_ge_20m", "landed", 20_000_000),
        ("started_or_resumed", "started_or_resumed", 0),
    ):
        indicator = Indicator.objects.get(code=code)
        for period in PERIODS:
            had = [
                p
                for pk, p in projects.items()
                if p.total_investment >= threshold
                and any(
                    s in stages[event] and period.start <= d <= period.end
                    for s, d in history.get(pk, [])
                )
            ]
            expected = (
                len(had)
                if indicator.measure == Indicator.Measure.COUNT
                else sum(p.total_investment for p in had)
            )
            assert engine.evaluate(indicator, unit, period) == expected, (code, period)
            checked += bool(expected)
    assert checked > 8


@pytest.mark.django_db
def test_one_row_aggregates_of_every_registry_are_read_in_one_statement(demo, rows_each_time):
    """A district's figures over every registry: each registry's one-row aggregate joined
    into one statement (``kit.together``) — the same figures as each indicator alone —
    and a lead's figures dated by its project's transitions read as first-date columns,
    not through ``Min`` over a join."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    unit = Unit.objects.get(code="210726")
    period = PERIODS[0]
    computed = [
        i
        for i in _indicators()
        if i.kind == Indicator.Kind.COMPUTED and engine.effective_unit(i, unit) == unit
    ]
    registries = {i.registry for i in computed}
    assert {"projects", "leads", "appeals", "industry_clusters"} <= registries
    with CaptureQueriesContext(connection) as ctx:
        values = engine.evaluate_many([(i, unit, period) for i in computed])
    statements = [q["sql"] for q in ctx.captured_queries]
    # projects from its roll-up and cut months aside, every registry in one statement
    together = [s for s in statements if s.startswith("SELECT * FROM (SELECT 1 AS _one)")]
    assert len(together) == 1
    assert len(statements) <= 2
    assert together[0].count(" LEFT JOIN (") >= len(registries)
    assert '"projects_stagetransition"' in together[0]
    assert values == [engine.evaluate(i, unit, period) for i in computed]
    assert any(v for i, v in zip(computed, values, strict=True) if i.registry == "leads")


@pytest.mark.django_db
def test_one_row_reads_equal_aggregate_and_read_nothing_twice(demo):
    """``OneRowReads``: aggregates of several models, one over no rows, one whose
    condition no row can meet and one over an annotated queryset — one statement, each
    dict equal to ``aggregate``'s."""
    from django.db import connection
    from django.db.models import Count, Max, Q, Sum
    from django.test.utils import CaptureQueriesContext

    from gongjian.enterprises.registries import clusters_with_revenue
    from gongjian.kit.together import OneRowReads
    from gongjian.projects.models import StageTransition

    cases = [
        (
            Project.objects.filter(unit__code="210726"),
            {"n": Count("pk"), "s": Sum("total_investment")},
        ),
        (Project.objects.filter(code="无此项目"), {"n": Count("pk"), "s": Sum("total_investment")}),
        (Project.objects.filter(pk__in=[]), {"n": Count("pk")}),
        (
            clusters_with_revenue(),
            {"n": Count("pk", filter=Q(revenue__gte=1)), "top": Max("revenue")},
        ),
        (StageTransition.objects.all(), {"last": Max("occurred_on")}),
    ]
    expected = [rows.aggregate(**aggregates) for rows, aggregates in cases]
    assert expected[0]["n"] > 0 and expected[1] == {"n": 0, "s": None}
    got: list = [None] * len(cases)
    reads = OneRowReads()
    for n, (rows, aggregates) in enumerate(cases):
        reads.add_aggregates(rows, aggregates, lambda found, n=n: got.__setitem__(n, found))
    with CaptureQueriesContext(connection) as ctx:
        reads.run()
    assert len(ctx.captured_queries) == 1
    # raw values: dates as the database returns them, numbers as integers
    assert [{k: v for k, v in g.items() if k != "last"} for g in got] == [
        {k: v for k, v in e.items() if k != "last"} for e in expected
    ]
    assert str(got[4]["last"]) == str(expected[4]["last"])
    reads.run()  # nothing left to read
    assert len(ctx.captured_queries) == 1


@pytest.mark.django_db
def test_a_district_dashboard_reads_in_two_statements(demo):
    """Everything kept: the units' stamps (with the definitions' stamp, under which the
    page's own rows — targets, indicators, child units — and the reported values are
    kept), and every registry not stamped in one statement of one-row aggregates."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongjian.dashboard import selectors
    from gongjian.units.models import User

    user = User.objects.get(username="office")
    unit = Unit.objects.get(code="210726")
    campaign = Campaign.objects.get(root_unit=demo, year=2024)
    scope = selectors.Scope(campaign, 2024, AS_OF, unit, [unit])
    first = selectors.dashboard(user, scope)  # keeps the unit's figures
    with CaptureQueriesContext(connection) as ctx:
        again = selectors.dashboard(user, scope)
    statements = [q["sql"] for q in ctx.captured_queries]
    assert sum("units_unitstamp" in s for s in statements) == 1
    assert sum(s.startswith("SELECT * FROM (SELECT 1 AS _one)") for s in statements) == 1
    assert len(statements) == 2, "\n".join(s[:120] for s in statements)
    assert [t.value for t in again.tiles] == [t.value for t in first.tiles]
    assert again.lights == first.lights
    assert again.others == first.others


def _board(user, scope, keep: bool):
    """The dashboard's figures, with what is kept or read from the rows each time."""
    from django.conf import settings

    from gongjian.dashboard import selectors

    old = settings.GONGJIAN
    settings.GONGJIAN = {**old, "KEEP_FIGURES": keep}
    try:
        board = selectors.dashboard(user, scope)
    finally:
        settings.GONGJIAN = old
    return (
        [(t.indicator.name, t.value, t.target_text, t.rate) for t in board.tiles],
        [(i.name, text) for i, text in board.others],
        board.compare,
        board.checkpoints,
    )


@pytest.mark.django_db
def test_the_dashboards_kept_definitions_follow_every_write(demo):
    """The targets, indicators, child units and reported values the dashboard keeps are
    read again after a write to any of them — written in bulk, past every service — and
    the page then equals one read from the rows."""
    from gongjian.dashboard import selectors
    from gongjian.indicators.models import ReportedValue
    from gongjian.units.models import User

    user = User.objects.get(username="office")
    campaign = Campaign.objects.get(root_unit=demo, year=2024)
    scope = selectors.Scope(campaign, 2024, AS_OF, demo, [demo])
    caches["figures"].clear()
    kept = _board(user, scope, keep=True)
    assert kept == _board(user, scope, keep=False)

    def agree_after_change() -> None:
        now = _board(user, scope, keep=True)
        assert now == _board(user, scope, keep=False)
        assert now != kept

    target = Target.objects.filter(unit=demo, year=2024).order_by("pk").first()
    Target.objects.filter(pk=target.pk).update(value=target.value * 2)
    agree_after_change()
    Target.objects.filter(pk=target.pk).update(value=target.value)
    assert _board(user, scope, keep=True) == kept

    reported = ReportedValue.objects.filter(
        status=ReportedValue.Status.APPROVED, unit__path__startswith=demo.path
    ).order_by("-as_of", "pk")
    value = reported.first()
    assert value is not None, "the demo reports values"
    ReportedValue.objects.filter(pk=value.pk).update(value=value.value + 1000)
    agree_after_change()
    ReportedValue.objects.filter(pk=value.pk).update(value=value.value)

    child = Unit.objects.filter(parent=demo, kind=Unit.Kind.DISTRICT).order_by("pk").first()
    Unit.objects.filter(pk=child.pk).update(name="改名区")
    agree_after_change()
    Unit.objects.filter(pk=child.pk).update(name=child.name)

    shown = target.indicator
    Indicator.objects.filter(pk=shown.pk).update(name="改名指标")
    agree_after_change()
    Indicator.objects.filter(pk=shown.pk).update(name=shown.name)
    assert _board(user, scope, keep=True) == kept


@pytest.mark.django_db
def test_every_trigger_is_installed():
    """A migration that makes SQLite copy a table drops its triggers silently: every
    trigger the projects app keeps (the units' stamps, the reports' roll-up) must be
    there after all migrations."""
    from gongjian.projects import stamps

    assert stamps.expected_triggers() <= stamps.installed_triggers()
