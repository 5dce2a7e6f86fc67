"""The triggers that draw a unit's stamp anew (``units.UnitStamp``) whenever a row its
project figures are computed from is written: the unit's projects, their stage
transitions, progress reports (and so their yearly roll-up), problems, tags and batches; a tag or a batch itself (its slug or
code, which indicator filters name) draws stamp 0, which every unit's figures read.

The figures kept per unit (``indicators.cube``) are good while the stamps are those they
were computed at, so — as for the yearly roll-up (``rollup``) — no writer can bypass
them. PostgreSQL draws once per statement and unit (statement triggers with transition
tables); SQLite has row triggers only. Migration ``projects.0016`` installs them; a change
to the SQL here needs a migration that calls ``install`` again.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection as default_connection

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
OPS = ("insert", "delete", "update")

SQLITE_RANDOM = "random()"
PG_RANDOM = "floor(random() * 9007199254740991)::bigint"


def _unit_of(table: str, row: str) -> str:
    """The unit a row of ``table`` (``row``: NEW, OLD or a transition table's alias)
    belongs to, as an SQL expression; 0 for a table every unit's figures read."""
    if table == PROJECTS:
        return f"{row}.unit_id"
    if table in EVERY_UNIT:
        return "0"
    return f"(SELECT unit_id FROM {PROJECTS} WHERE id = {row}.project_id)"


def _sqlite_draw(table: str, rows: tuple[str, ...]) -> str:
    units = " UNION ".join(f"SELECT {_unit_of(table, row)} AS unit_id" for row in rows)
    # ``WHERE true``: SQLite's parser needs it before an upsert's ON CONFLICT
    return f"""INSERT INTO {STAMPS} (unit_id, stamp)
        SELECT unit_id, {SQLITE_RANDOM} FROM ({units}) WHERE unit_id IS NOT NULL
        ON CONFLICT (unit_id) DO UPDATE SET stamp = excluded.stamp;"""


def _name(table: str) -> str:
    return {PROJECTS: "project", **THROUGH_PROJECT, **EVERY_UNIT}[table]


TABLES = [PROJECTS, *THROUGH_PROJECT, *EVERY_UNIT]
ROWS = {"insert": ("NEW",), "delete": ("OLD",), "update": ("OLD", "NEW")}
SQLITE = [
    f"""CREATE TRIGGER unit_stamp_{_name(table)}_{op} AFTER {op.upper()} ON {table}
        BEGIN {_sqlite_draw(table, ROWS[op])} END"""
    for table in TABLES
    for op in OPS
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS unit_stamp_{_name(t)}_{op}" for t in TABLES for op in OPS]


def _pg_units(table: str, rows: str) -> str:
    """The units of a transition table's rows: each distinct key looked up once (a bulk
    load of reports names each project many times)."""
    key = {PROJECTS: "unit_id", **dict.fromkeys(EVERY_UNIT, "1 AS one")}.get(table, "project_id")
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
PG = [_pg_function(table) for table in TABLES] + [
    f"""CREATE TRIGGER unit_stamp_{_name(table)}_{op} AFTER {op.upper()} ON {table}
        REFERENCING {_REFERENCING[op]}
        FOR EACH STATEMENT EXECUTE FUNCTION unit_stamp_{_name(table)}()"""
    for table in TABLES
    for op in OPS
]
PG_DROP = [
    *(f"DROP TRIGGER IF EXISTS unit_stamp_{_name(t)}_{op} ON {t}" for t in TABLES for op in OPS),
    *(f"DROP FUNCTION IF EXISTS unit_stamp_{_name(t)}()" for t in TABLES),
]


def _redraw_sql(random: str) -> str:
    """Every unit's stamp (and stamp 0) drawn anew."""
    return f"""INSERT INTO {STAMPS} (unit_id, stamp)
        SELECT unit_id, {random} FROM (SELECT id AS unit_id FROM units_unit UNION ALL SELECT 0) u
        WHERE true ON CONFLICT (unit_id) DO UPDATE SET stamp = excluded.stamp"""


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


def install(connection=default_connection) -> None:
    """Draw every stamp and install the triggers that draw them on each write."""
    redraw(connection)
    _run({"sqlite": SQLITE, "postgresql": PG}, connection)


def uninstall(connection=default_connection) -> None:
    _run({"sqlite": SQLITE_DROP, "postgresql": PG_DROP}, connection)


@contextmanager
def suspended(connection=default_connection):
    """For a bulk load into a database nobody else writes to: no stamp drawn per row
    while it runs, every stamp drawn anew afterwards."""
    uninstall(connection)
    try:
        yield
    finally:
        install(connection)
