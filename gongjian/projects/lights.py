"""红黄绿灯, defined once: each project's year-to-date investment against its annual plan
× 序时进度.

A project under construction (开工/复工) is yellow when it lags 序时进度 by more than the
campaign's ``yellow_points`` (default 10) percentage points, red beyond ``red_points``
(default 30), green otherwise; 停缓建 is red; any other stage, or no annual plan, shows no
light. The investment done comes from the indicator engine (``engine.measure_parts``:
the progress reports of the year, read from their monthly roll-up); the arithmetic is one
SQL statement (``_lights_sql``) that every reader — a page's rows, the dashboard's
counts, the list's light filter, the map, the 调度通报's worst list — runs as it needs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL

from gongjian.indicators.engine import measure_parts
from gongjian.indicators.models import Campaign
from gongjian.kit.dates import pro_rata

from .models import Stage

COLORS = ("red", "yellow", "green")


@dataclass
class Light:
    color: str  # "red" | "yellow" | "green" | "" (not applicable)
    done: int
    planned: int
    behind_points: float | None


def _lights_sql(projects: QuerySet, as_of: dt.date, campaign: Campaign | None) -> tuple[str, list]:
    """One row per project of ``projects`` — ``id, code, stage, planned, done, behind,
    color`` — with each project's year-to-date investment joined to it from every source
    of the reports (its roll-up row by the unique key, the cut month's reports aggregated
    once) and added up."""
    yellow = float(campaign.yellow_points) if campaign else 10.0
    red = float(campaign.red_points) if campaign else 30.0
    expected = pro_rata(as_of) * 100
    rows = projects.order_by().annotate(
        _id=F("pk"), _code=F("code"), _stage=F("stage"), _planned=F("planned_investment")
    )
    p_sql, p_params = rows.values("_id", "_code", "_stage", "_planned").query.sql_with_params()
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
    sql = f"""
        SELECT _id AS id, _code AS code, _stage AS stage, _planned AS planned, done, behind,
               CASE WHEN _stage = %s OR behind > %s THEN 'red'
                    WHEN behind > %s THEN 'yellow'
                    WHEN behind IS NOT NULL THEN 'green'
                    ELSE '' END AS color
        FROM (
            SELECT p._id, p._code, p._stage, p._planned, {total} AS done,
                   CASE WHEN p._stage IN (%s, %s) AND p._planned > 0
                        THEN %s - CAST(({total}) * 100 AS DOUBLE PRECISION)
                                  / CAST(p._planned AS DOUBLE PRECISION)
                   END AS behind
            FROM ({p_sql}) p {" ".join(joins)}
        ) lit
    """
    params = [Stage.STALLED.value, red, yellow]
    params += [Stage.STARTED.value, Stage.RESUMED.value, expected, *p_params, *d_params]
    return sql, params


def _light(color, done, planned, behind) -> Light:
    return Light(color or "", int(done or 0), planned, None if behind is None else round(behind, 1))


def warning_lights(
    projects: QuerySet, as_of: dt.date, campaign: Campaign | None = None
) -> dict[int, Light]:
    """Each of ``projects``' light (for a page's rows: keep ``projects`` small)."""
    try:
        sql, params = _lights_sql(projects, as_of, campaign)
    except EmptyResultSet:  # a scope that holds no unit: no rows, no light
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, color, done, planned, behind FROM ({sql}) lights", params)
        return {pk: _light(*rest) for pk, *rest in cursor.fetchall()}


def warning_light_counts(
    projects: QuerySet, as_of: dt.date, campaign: Campaign | None = None
) -> dict[str, int]:
    """How many of ``projects`` show each light, counted by one statement."""
    try:
        sql, params = _lights_sql(projects, as_of, campaign)
    except EmptyResultSet:
        return dict.fromkeys(COLORS, 0)
    with connection.cursor() as cursor:
        counts = ", ".join(f"SUM(CASE WHEN color = '{c}' THEN 1 ELSE 0 END)" for c in COLORS)
        cursor.execute(f"SELECT {counts} FROM ({sql}) lights", params)
        row = cursor.fetchone()
    return {color: int(n or 0) for color, n in zip(COLORS, row, strict=True)}


def with_light(
    projects: QuerySet, color: str, as_of: dt.date, campaign: Campaign | None = None
) -> QuerySet:
    """``projects`` showing the light ``color``, filtered by the database."""
    sql, params = _lights_sql(projects, as_of, campaign)
    return projects.filter(
        pk__in=RawSQL(f"SELECT id FROM ({sql}) lights WHERE color = %s", [*params, color])
    )


def flagged_lights(
    projects: QuerySet, as_of: dt.date, campaign: Campaign | None = None, limit: int = 30
) -> tuple[list[tuple[int, Light]], int]:
    """The red and yellow lights of ``projects``, worst first — red before yellow, then
    the furthest behind 序时进度 (停缓建 first among the red), then by project code — at
    most ``limit`` of them, and how many there are in all. Ordered and cut by the
    database, so a province's report never reads every project into memory."""
    sql, params = _lights_sql(projects, as_of, campaign)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT id, color, done, planned, behind, COUNT(*) OVER () FROM ({sql}) lights
                WHERE color IN ('red', 'yellow')
                ORDER BY CASE WHEN color = 'red' THEN 0 ELSE 1 END,
                         COALESCE(behind, 999) DESC, code
                LIMIT %s""",
            [*params, limit],
        )
        rows = cursor.fetchall()
    flagged = [
        (pk, _light(color, done, planned, behind)) for pk, color, done, planned, behind, _ in rows
    ]
    return flagged, int(rows[0][5]) if rows else 0
