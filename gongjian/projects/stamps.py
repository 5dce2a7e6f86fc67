"""The triggers that draw a unit's stamp anew (``units.UnitStamp``) whenever a row its
project figures are computed from is written: the unit's projects, their stage
transitions, progress reports (and so their yearly roll-up), problems, tags and batches; a tag or a batch itself (its slug or
code, which indicator filters name) draws stamp 0, which every unit's figures read.
A write to the definitions a page is laid out from — the unit tree, the indicators,
their targets and reported values — draws stamp -1 (``DEFINITIONS``), under which those
rows are kept (``indicators.cube.Kept.definitions``).

The figures kept per unit (``indicators.cube``) are good while the stamps are those they
were computed at, so — as for the yearly roll-up (``rollup``) — no writer can bypass
them. PostgreSQL draws once per statement and unit (statement triggers with transition
tables); SQLite has row triggers only. Migration ``projects.0016`` installs them; a change
to the SQL here needs a migration that calls ``install`` again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection as default_connection

from gongjian.units.models import UnitStamp

from .rollup import OPS
from .rollup import TRIGGERS as ROLLUP_TRIGGERS

STAMPS = "units_unitstamp"
PROJECTS = "projects_project"
# table → how its row (NEW / OLD, or a transition table's alias) reaches its unit
THROUGH_PROJECT = {
    "projects_stagetransition": "transitions",
    "projects_progressreport": "reports",
    "projects_project_tags": "tags",
    "projects_project_batches": "batches",
    "projects_problem": "problems",
}
EVERY_UNIT = {"projects_tag": "tag", "projects_batch": "batch"}
# the definitions pages are laid out from: every write to them draws stamp -1
DEFINITIONS = {
    "units_unit": "unit",
    "indicators_indicator": "indicator",
    "indicators_target": "target",
    "indicators_reportedvalue": "reported_value",
}

SQLITE_RANDOM = "random()"
PG_RANDOM = "floor(random() * 9007199254740991)::bigint"


def _unit_of(table: str, row: str) -> str:
    """The unit a row of ``table`` (``row``: NEW, OLD or a transition table's alias)
    belongs to, as an SQL expression; 0 for a table every unit's figures read."""
    if table == PROJECTS:
        return f"{row}.unit_id"
    if table in EVERY_UNIT:
        return "0"
    if table in DEFINITIONS:
        return str(UnitStamp.DEFINITIONS)
    return f"(SELECT unit_id FROM {PROJECTS} WHERE id = {row}.project_id)"


def _sqlite_draw(table: str, rows: tuple[str, ...]) -> str:
    units = " UNION ".join(f"SELECT {_unit_of(table, row)} AS unit_id" for row in rows)
    # ``WHERE true``: SQLite's parser needs it before an upsert's ON CONFLICT
    return f"""INSERT INTO {STAMPS} (unit_id, stamp)
        SELECT unit_id, {SQLITE_RANDOM} FROM ({units}) WHERE unit_id IS NOT NULL
        ON CONFLICT (unit_id) DO UPDATE SET stamp = excluded.stamp;"""


def _name(table: str) -> str:
    return {PROJECTS: "project", **THROUGH_PROJECT, **EVERY_UNIT, **DEFINITIONS}[table]


# the tables of migration 0016; ``DEFINITIONS`` came with 0019
PROJECT_TABLES = [PROJECTS, *THROUGH_PROJECT, *EVERY_UNIT]
TABLES = [*PROJECT_TABLES, *DEFINITIONS]
ROWS = {"insert": ("NEW",), "delete": ("OLD",), "update": ("OLD", "NEW")}


def _sqlite(tables: list[str]) -> list[str]:
    return [
        f"""CREATE TRIGGER unit_stamp_{_name(table)}_{op} AFTER {op.upper()} ON {table}
        BEGIN {_sqlite_draw(table, ROWS[op])} END"""
        for table in tables
        for op in OPS
    ]


def _pg_units(table: str, rows: str) -> str:
    """The units of a transition table's rows: each distinct key looked up once (a bulk
    load of reports names each project many times)."""
    one = dict.fromkeys([*EVERY_UNIT, *DEFINITIONS], "1 AS one")
    key = {PROJECTS: "unit_id", **one}.get(table, "project_id")
    return f"SELECT {_unit_of(table, 'r')} AS unit_id FROM (SELECT DISTINCT {key} FROM {rows}) r"


def _pg_function(table: str) -> str:
    def draw(rows: str) -> str:
        return f"""INSERT INTO {STAMPS} (unit_id, stamp)
            SELECT unit_id, {PG_RANDOM} FROM ({_pg_units(table, rows)}) u
            WHERE unit_id IS NOT NULL GROUP BY unit_id
            ON CONFLICT (unit_id) DO UPDATE SET stamp = EXCLUDED.stamp;"""

    # an update draws once for the old and the new units together
    both = _pg_units(table, "old_rows") + " UNION " + _pg_units(table, "new_rows")
    return f"""
CREATE OR REPLACE FUNCTION unit_stamp_{_name(table)}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {draw("new_rows")}
    ELSIF TG_OP = 'DELETE' THEN {draw("old_rows")}
    ELSE
        INSERT INTO {STAMPS} (unit_id, stamp)
        SELECT unit_id, {PG_RANDOM} FROM ({both}) u WHERE unit_id IS NOT NULL
        ON CONFLICT (unit_id) DO UPDATE SET stamp = EXCLUDED.stamp;
    END IF;
    RETURN NULL;
END $$"""


_REFERENCING = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def _pg(tables: list[str]) -> list[str]:
    return [_pg_function(table) for table in tables] + [
        f"""CREATE TRIGGER unit_stamp_{_name(table)}_{op} AFTER {op.upper()} ON {table}
        REFERENCING {_REFERENCING[op]}
        FOR EACH STATEMENT EXECUTE FUNCTION unit_stamp_{_name(table)}()"""
        for table in tables
        for op in OPS
    ]


def _drops(tables: list[str]) -> dict[str, list[str]]:
    """The statements that drop the triggers of ``tables`` (and their functions)."""
    return {
        "sqlite": [
            f"DROP TRIGGER IF EXISTS unit_stamp_{_name(t)}_{op}" for t in tables for op in OPS
        ],
        "postgresql": [
            *(
                f"DROP TRIGGER IF EXISTS unit_stamp_{_name(t)}_{op} ON {t}"
                for t in tables
                for op in OPS
            ),
            *(f"DROP FUNCTION IF EXISTS unit_stamp_{_name(t)}()" for t in tables),
        ],
    }


def _draw(units: str, random: str) -> str:
    """The statement that draws a new stamp for each unit ``units`` (a SELECT of
    ``unit_id``) names, outside a trigger (``WHERE``: SQLite's parser needs one before an
    upsert's ON CONFLICT)."""
    return f"""INSERT INTO {STAMPS} (unit_id, stamp)
        SELECT unit_id, {random} FROM ({units}) u WHERE unit_id IS NOT NULL GROUP BY unit_id
        ON CONFLICT (unit_id) DO UPDATE SET stamp = excluded.stamp"""


def _redraw_sql(random: str) -> str:
    """Every unit's stamp (and stamps 0 and -1) drawn anew."""
    return _draw(
        f"SELECT id AS unit_id FROM units_unit UNION ALL SELECT 0 UNION ALL "
        f"SELECT {UnitStamp.DEFINITIONS}",
        random,
    )


def _run(statements: dict[str, list[str]], connection) -> None:
    with connection.cursor() as cursor:
        for sql in statements[connection.vendor]:
            cursor.execute(sql)


def redraw(connection=default_connection) -> None:
    """Draw every stamp anew: what was kept for any unit is computed again."""
    _run(
        {"sqlite": [_redraw_sql(SQLITE_RANDOM)], "postgresql": [_redraw_sql(PG_RANDOM)]},
        connection,
    )


def install(connection=default_connection, tables: list[str] = TABLES) -> None:
    """Draw every stamp and install the triggers of ``tables`` (every stamped table by
    default; a migration names the tables of its time)."""
    redraw(connection)
    _run({"sqlite": _sqlite(tables), "postgresql": _pg(tables)}, connection)


def uninstall(connection=default_connection, tables: list[str] = TABLES) -> None:
    """Drop the triggers of ``tables`` (every stamped table by default)."""
    _run(_drops(tables), connection)


@contextmanager
def drawn_once(unit_ids, tables: list[str], connection=default_connection) -> Iterator[None]:
    """Around one bulk write inside a transaction: the stamps of ``unit_ids`` (every unit
    the block writes rows of ``tables`` for) drawn once, not once per row. Only SQLite
    changes anything: its row triggers on ``tables`` are dropped for the block and
    created again after it, in the same transaction — SQLite lets one writer in at a
    time and rolls the triggers back with everything else, so no other writer ever meets
    a table without them. PostgreSQL's statement triggers draw once per statement
    anyway."""
    if connection.vendor != "sqlite" or not connection.in_atomic_block:
        yield
        return
    _run({"sqlite": _drops(tables)["sqlite"]}, connection)
    try:
        yield
    finally:
        units = " UNION ".join(f"SELECT {int(u)} AS unit_id" for u in sorted(set(unit_ids)))
        _run(
            {"sqlite": ([_draw(units, SQLITE_RANDOM)] if units else []) + _sqlite(tables)},
            connection,
        )


@contextmanager
def suspended(connection=default_connection):
    """For a bulk load into a database nobody else writes to: no stamp drawn per row
    while it runs, every stamp drawn anew afterwards."""
    uninstall(connection)
    try:
        yield
    finally:
        install(connection)


def installed_triggers(connection=default_connection) -> set[str]:
    """The names of the triggers the database holds (a migration that makes SQLite copy
    a table drops that table's triggers: a test compares this with
    ``expected_triggers``)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {name for (name,) in cursor.fetchall()}


def expected_triggers() -> set[str]:
    """Every trigger this app keeps: the units' stamps and the reports' roll-up
    (``rollup.TRIGGERS``)."""
    return ROLLUP_TRIGGERS | {f"unit_stamp_{_name(t)}_{op}" for t in TABLES for op in OPS}
