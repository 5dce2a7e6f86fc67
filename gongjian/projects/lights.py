"""红黄绿灯, defined once: each project judged on up to four axes at the page's as-of
date, the worst colour winning. The thresholds are the campaign's (``Campaign``; the
defaults below without one).

- 开工 (start lag): a project not started by its planned start month (``planned_start_on``)
  is yellow from that month on, red when more than ``start_red_months`` months late.
- 投资进度 (progress): a project under construction (开工/复工) with an annual plan is yellow
  when its year-to-date investment lags 序时进度 by more than the campaign's
  ``yellow_points`` (default 10) percentage points, red beyond ``red_points`` (default 30),
  green otherwise; 停缓建 is red.
- 入库纳统 (statistics register): a project started by the as-of date whose 入库 is tracked
  (it has a planned or an actual 入库 date) and not yet 入库 is yellow ``stats_yellow_months``
  calendar month after its start month, red from ``stats_red_months``; green once 入库
  (while under construction: a completed project already 入库 has nothing to judge).
- 资金支付 (fund payment): a project under construction whose latest report by the as-of
  date states its cumulative funds paid is yellow when paid ÷ cumulative investment is
  below ``funds_yellow_rate`` %, red below ``funds_red_rate`` %, green otherwise.

An axis that does not apply gives no colour; a project no axis applies to shows no light.

The investment done comes from the indicator engine (``engine.measure_parts``: the
progress reports of the year, read from their monthly roll-up); the other axes are
columns of the project built by the ORM. The arithmetic is one SQL statement
(``_lights_sql``) that every reader — a page's rows, the dashboard's counts, the list's
light filter, the map, the 调度通报's worst list — runs as it needs, so that they agree.
Each ``Light`` carries its axes' colours and a Chinese reason per axis, worst first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BigIntegerField,
    Case,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.translation import gettext

from gongjian.indicators import cube
from gongjian.indicators.engine import measure_parts
from gongjian.indicators.models import Campaign
from gongjian.kit.dates import pro_rata
from gongjian.units.models import Unit

from .models import ProgressReport, Project, Stage

COLORS = ("red", "yellow", "green")
# without a campaign: 开工 red when more months late than this; 入库纳统 months after the
# start month not yet 入库; 资金支付 rates (%) — the ``Campaign`` fields' defaults
DEFAULTS = {
    "yellow_points": 10.0,
    "red_points": 30.0,
    "start_red_months": 3,
    "stats_yellow_months": 1,
    "stats_red_months": 2,
    "funds_yellow_rate": 70.0,
    "funds_red_rate": 50.0,
}
AXES = ("start", "progress", "stats", "funds")
_NOT_STARTED = (Stage.PLANNED, Stage.SIGNED, Stage.LANDED)
_RANK = {"red": 0, "yellow": 1, "green": 2}


@dataclass
class Light:
    color: str  # "red" | "yellow" | "green" | "" (not applicable)
    done: int
    planned: int
    behind_points: float | None
    # each applicable axis ("start", "progress", "stats", "funds") → its colour
    axes: dict[str, str] = field(default_factory=dict)
    # why, in Chinese: one sentence per applicable axis, the worst first
    reasons: list[str] = field(default_factory=list)
    # the colour of each reason's axis, in the order of ``reasons``
    reason_colors: list[str] = field(default_factory=list)

    @property
    def reason_text(self) -> str:
        """The reasons in one line (a list row's tooltip)."""
        return ";".join(self.reasons)

    @property
    def explained(self) -> list[tuple[str, str]]:
        """``(colour, reason)`` of each applicable axis, the worst first."""
        return list(zip(self.reason_colors, self.reasons, strict=True))


def _month_index(name: str):
    return ExtractYear(name) * 12 + ExtractMonth(name) - 1


def _thresholds(campaign: Campaign | None) -> dict[str, float]:
    if campaign is None:
        return dict(DEFAULTS)
    return {name: float(getattr(campaign, name)) for name in DEFAULTS}


def _axis_columns(as_of: dt.date) -> dict:
    """The 开工, 入库 and 资金支付 axes as ORM expressions judged at ``as_of``: months late
    against the planned start (NULL when it does not apply), months since the start
    month not yet 入库 (-1 once 入库 while under construction, NULL when it does not
    apply: a completed project already 入库 has nothing left to judge), and the funds paid
    and cumulative investment of the latest report by ``as_of`` that states its funds
    paid (NULL when not under construction or no report states them)."""
    now = as_of.year * 12 + as_of.month - 1
    not_started = Q(started_on__gt=as_of) | Q(started_on__isnull=True, stage__in=_NOT_STARTED)
    started = Q(started_on__lte=as_of)
    tracked = Q(planned_in_stats_on__isnull=False) | Q(in_stats_on__isnull=False)
    building = Q(completed_on__isnull=True) | Q(completed_on__gt=as_of)
    waiting = Q(in_stats_on__isnull=True) | Q(in_stats_on__gt=as_of)  # not yet 入库
    latest_paid = ProgressReport.objects.filter(
        project=OuterRef("pk"), period_end__lte=as_of, funds_paid__isnull=False
    ).order_by("-period_end")
    return {
        "_paid": Case(
            When(
                started & building,
                then=Subquery(latest_paid.values("funds_paid")[:1]),
            ),
            default=None,
            output_field=BigIntegerField(),
        ),
        "_invested": Case(
            When(
                started & building,
                then=Subquery(latest_paid.values("cumulative_investment")[:1]),
            ),
            default=None,
            output_field=BigIntegerField(),
        ),
        "_start_late": Case(
            When(
                Q(planned_start_on__isnull=False) & not_started,
                then=Value(now) - _month_index("planned_start_on"),
            ),
            default=None,
            output_field=IntegerField(),
        ),
        "_ps_year": ExtractYear("planned_start_on"),
        "_ps_month": ExtractMonth("planned_start_on"),
        "_stats_late": Case(
            When(started & tracked & Q(in_stats_on__lte=as_of) & building, then=Value(-1)),
            When(started & tracked & waiting, then=Value(now) - _month_index("started_on")),
            default=None,
            output_field=IntegerField(),
        ),
    }


def _lights_sql(projects: QuerySet, as_of: dt.date, campaign: Campaign | None) -> tuple[str, list]:
    """One row per project of ``projects`` — ``id, code, stage, planned, done, behind,
    start_late, ps_year, ps_month, stats_late, paid, invested, start_color,
    progress_color, stats_color, funds_color, color`` — with each project's year-to-date
    investment joined to it from every source of the reports (its roll-up row by the
    unique key, the cut month's reports aggregated once) and added up, each axis's
    colour and the worst of them."""
    limits = _thresholds(campaign)
    expected = pro_rata(as_of) * 100
    axes = _axis_columns(as_of)
    rows = projects.order_by().annotate(
        _id=F("pk"), _code=F("code"), _stage=F("stage"), _planned=F("planned_investment"), **axes
    )
    p_sql, p_params = rows.values(
        "_id", "_code", "_stage", "_planned", *axes
    ).query.sql_with_params()
    parts = measure_parts(
        "progress_reports",
        "investment_this_period",
        dt.date(as_of.year, 1, 1),
        as_of,
        key="project_id",
        keys_in=projects.order_by().values("pk"),
        joined=True,
    )
    joins, done, d_params = [], [], []
    for n, part in enumerate(parts):
        sql, params = part.query.sql_with_params()
        joins.append(f"LEFT JOIN ({sql}) d{n} ON d{n}.project_id = p._id")
        done.append(f"COALESCE(d{n}._done, 0)")
        d_params.extend(params)
    total = " + ".join(done) or "0"
    worst = " ".join(
        f"WHEN start_color = '{c}' OR progress_color = '{c}' OR stats_color = '{c}' "
        f"OR funds_color = '{c}' THEN '{c}'"
        for c in COLORS
    )
    sql = f"""
        SELECT axes.*, CASE {worst} ELSE '' END AS color
        FROM (
            SELECT _id AS id, _code AS code, _stage AS stage, _planned AS planned, done, behind,
                   _start_late AS start_late, _ps_year AS ps_year, _ps_month AS ps_month,
                   _stats_late AS stats_late, _paid AS paid, _invested AS invested,
                   CASE WHEN _start_late > %s THEN 'red'
                        WHEN _start_late >= 0 THEN 'yellow' END AS start_color,
                   CASE WHEN _stage = %s OR behind > %s THEN 'red'
                        WHEN behind > %s THEN 'yellow'
                        WHEN behind IS NOT NULL THEN 'green' END AS progress_color,
                   CASE WHEN _stats_late >= %s THEN 'red'
                        WHEN _stats_late >= %s THEN 'yellow'
                        WHEN _stats_late IS NOT NULL THEN 'green' END AS stats_color,
                   CASE WHEN _paid IS NULL THEN NULL
                        WHEN _invested <= 0 THEN 'green'
                        WHEN CAST(_paid AS DOUBLE PRECISION) * 100 < %s
                             * CAST(_invested AS DOUBLE PRECISION) THEN 'red'
                        WHEN CAST(_paid AS DOUBLE PRECISION) * 100 < %s
                             * CAST(_invested AS DOUBLE PRECISION) THEN 'yellow'
                        ELSE 'green' END AS funds_color
            FROM (
                SELECT p.*, {total} AS done,
                       CASE WHEN p._stage IN (%s, %s) AND p._planned > 0
                            THEN %s - CAST(({total}) * 100 AS DOUBLE PRECISION)
                                      / CAST(p._planned AS DOUBLE PRECISION)
                       END AS behind
                FROM ({p_sql}) p {" ".join(joins)}
            ) lit
        ) axes
    """
    params = [limits["start_red_months"], Stage.STALLED.value]
    params += [limits["red_points"], limits["yellow_points"]]
    params += [limits["stats_red_months"], limits["stats_yellow_months"]]
    params += [limits["funds_red_rate"], limits["funds_yellow_rate"]]
    params += [Stage.STARTED.value, Stage.RESUMED.value, expected, *p_params, *d_params]
    return sql, params


# what a Light is read from, in this order
_LIGHT_COLUMNS = (
    "color, done, planned, behind, stage, start_late, ps_year, ps_month, stats_late, "
    "paid, invested, start_color, progress_color, stats_color, funds_color"
)


def _int(value) -> int | None:
    return None if value is None else int(value)


def _light(row: tuple, as_of: dt.date) -> Light:
    """A ``Light`` from a row of ``_LIGHT_COLUMNS``, with its reasons in Chinese."""
    color, done, planned, behind, stage = row[:5]
    start_late, ps_year, ps_month, stats_late, paid, invested = (_int(v) for v in row[5:11])
    colors = dict(zip(AXES, row[11:15], strict=True))
    done = int(done or 0)
    behind = None if behind is None else round(behind, 1)
    said: dict[str, str] = {}
    if colors["start"] and start_late is not None:
        when = (
            gettext("计划%(month)s月开工") % {"month": ps_month}
            if ps_year == as_of.year
            else gettext("计划%(year)s年%(month)s月开工") % {"year": ps_year, "month": ps_month}
        )
        said["start"] = (
            gettext("%(when)s,已滞后%(n)s个月") % {"when": when, "n": start_late}
            if start_late > 0
            else gettext("%(when)s,尚未开工") % {"when": when}
        )
    if colors["progress"]:
        if stage == Stage.STALLED:
            said["progress"] = gettext("项目停缓建")
        elif behind is not None:
            share = f"{done * 100 / planned:.1f}" if planned else "0.0"
            said["progress"] = (
                gettext("投资完成%(done)s%%,落后序时进度%(points)s个百分点")
                if behind > 0
                else gettext("投资完成%(done)s%%,超过序时进度%(points)s个百分点")
            ) % {"done": share, "points": f"{abs(behind):.1f}"}
    if colors["stats"] and stats_late is not None:
        if stats_late < 0:
            said["stats"] = gettext("已入库纳统")
        elif stats_late == 0:
            said["stats"] = gettext("本月开工,尚未入库")
        else:
            said["stats"] = gettext("开工已%(n)s个月未入库") % {"n": stats_late}
    if colors["funds"] and paid is not None:
        rate = paid * 100 / invested if invested else 100.0
        said["funds"] = gettext(
            "资金支付率%(rate)s%%(累计支付%(paid)s万元/累计完成投资%(invested)s万元)"
        ) % {
            "rate": f"{rate:.1f}",
            "paid": f"{paid / 10_000:,.0f}",
            "invested": f"{(invested or 0) / 10_000:,.0f}",
        }
    axes = {axis: c for axis, c in colors.items() if c}
    order = sorted((a for a in AXES if a in said), key=lambda a: _RANK[axes[a]])
    return Light(
        color or "",
        done,
        planned,
        behind,
        axes=axes,
        reasons=[said[a] for a in order],
        reason_colors=[axes[a] for a in order],
    )


def warning_lights(
    projects: QuerySet, as_of: dt.date, campaign: Campaign | None = None
) -> dict[int, Light]:
    """Each of ``projects``' light (for a page's rows: keep ``projects`` small)."""
    try:
        sql, params = _lights_sql(projects, as_of, campaign)
    except EmptyResultSet:  # a scope that holds no unit: no rows, no light
        return {}
    with connections[projects.db].cursor() as cursor:  # the read replica, if any
        cursor.execute(f"SELECT id, {_LIGHT_COLUMNS} FROM ({sql}) lights", params)
        return {row[0]: _light(row[1:], as_of) for row in cursor.fetchall()}


def warning_light_counts(
    projects: QuerySet, as_of: dt.date, campaign: Campaign | None = None
) -> dict[str, int]:
    """How many of ``projects`` show each light, counted by one statement."""
    try:
        sql, params = _lights_sql(projects, as_of, campaign)
    except EmptyResultSet:
        return dict.fromkeys(COLORS, 0)
    with connections[projects.db].cursor() as cursor:  # the read replica, if any
        cursor.execute(f"SELECT {_color_sums()} FROM ({sql}) lights", params)
        row = cursor.fetchone()
    return {color: int(n or 0) for color, n in zip(COLORS, row, strict=True)}


def _color_sums() -> str:
    """How many rows of a lights statement show each colour, in ``COLORS`` order."""
    return ", ".join(f"SUM(CASE WHEN color = '{c}' THEN 1 ELSE 0 END)" for c in COLORS)


def unit_light_counts(
    unit: Unit, as_of: dt.date, campaign: Campaign | None = None
) -> dict[str, int]:
    """``warning_light_counts`` of every project of ``unit``'s subtree, summed from each
    unit's own counts kept between requests (``indicators.cube``): only the units whose
    projects or reports were written since are read again, in one statement."""
    projects = Project.objects.all()
    if not cube.enabled():
        return warning_light_counts(projects.in_subtree(unit), as_of, campaign)
    kept = cube.kept(projects.db, unit.path)
    shape = repr(("lights", as_of, sorted(_thresholds(campaign).items())))
    missing = set(kept.missing([shape]))
    if missing:
        units = kept.to_read(missing)
        rows = projects.in_subtree(unit) if units is None else projects.filter(unit__in=units)
        sql, params = _lights_sql(rows, as_of, campaign)
        with connections[projects.db].cursor() as cursor:  # the read replica, if any
            cursor.execute(
                f"""SELECT p.unit_id, {_color_sums()} FROM ({sql}) l
                    JOIN {Project._meta.db_table} p ON p.id = l.id GROUP BY p.unit_id""",
                params,
            )
            found = {row[0]: [int(n or 0) for n in row[1:]] for row in cursor.fetchall()}
        kept.keep({pk: {shape: found.get(pk, [0] * len(COLORS))} for pk in missing})
    within = kept.within(unit.path)
    return {
        color: sum(kept.values[pk][shape][n] for pk in within) for n, color in enumerate(COLORS)
    }


def with_light(
    projects: QuerySet, color: str, as_of: dt.date, campaign: Campaign | None = None
) -> QuerySet:
    """``projects`` showing the light ``color``, filtered by the database."""
    sql, params = _lights_sql(projects, as_of, campaign)
    return projects.filter(
        pk__in=RawSQL(f"SELECT id FROM ({sql}) lights WHERE color = %s", [*params, color])
    )


# red before yellow, then the furthest behind (those lit by no gap first), then by code
_WORST_FIRST = (
    "ORDER BY CASE WHEN color = 'red' THEN 0 ELSE 1 END, COALESCE(behind, 999) DESC, code"
)


def flagged_lights(
    projects: QuerySet, as_of: dt.date, campaign: Campaign | None = None, limit: int = 30
) -> tuple[list[tuple[int, Light]], dict[str, int]]:
    """The red and yellow lights of ``projects``, worst first — red before yellow, then
    the furthest behind 序时进度 (those lit by no gap — 停缓建, 开工 or 入库 late —
    first), then by project code — at most ``limit`` of them, and how many of
    ``projects`` show each light (``warning_light_counts``), in one statement. Ordered
    and cut by the database, so a province's report never reads every project into
    memory."""
    try:
        sql, params = _lights_sql(projects, as_of, campaign)
    except EmptyResultSet:
        return [], dict.fromkeys(COLORS, 0)
    with connections[projects.db].cursor() as cursor:  # the read replica, if any
        # the lights computed once (a materialised CTE), read for the list and the counts
        cursor.execute(
            f"""WITH lights AS MATERIALIZED ({sql})
                SELECT counts.*, worst.* FROM (SELECT {_color_sums()} FROM lights) counts
                LEFT JOIN (
                    SELECT id, {_LIGHT_COLUMNS}, ROW_NUMBER() OVER ({_WORST_FIRST}) AS n
                    FROM lights WHERE color IN ('red', 'yellow') {_WORST_FIRST} LIMIT %s
                ) worst ON 1 = 1
                ORDER BY worst.n""",
            [*params, limit],
        )
        rows = cursor.fetchall()
    width = len(COLORS)
    flagged = [(row[width], _light(row[width + 1 : -1], as_of)) for row in rows if row[width]]
    totals = [int(n or 0) for n in rows[0][:width]]
    return flagged, dict(zip(COLORS, totals, strict=True))
