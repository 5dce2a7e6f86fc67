"""The yearly roll-up of progress reports (``models.ReportYear``), kept by the database.

Whoever writes the reports — the services, imports, bulk loads, raw SQL — the triggers
installed here keep the roll-up exact: a current report adds its amount to
``m<month>`` and 1 to ``n<month>`` of its project's row for the year and month its
period ends in; a report deleted, superseded (``is_current`` set false) or changed takes
its old figures back out. PostgreSQL applies each statement's rows at once (statement
triggers with transition tables); SQLite has row triggers only.

Migration ``projects.0009_report_year`` installs them; a change to the SQL here needs a
migration that calls ``install`` again.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection as default_connection

REPORTS, YEARS = "projects_progressreport", "projects_reportyear"
MONTHS = range(1, 13)
COLUMNS = [f"m{m}" for m in MONTHS] + [f"n{m}" for m in MONTHS]


def _sqlite_month(row: str) -> str:
    return f"CAST(strftime('%m', {row}.period_end) AS INTEGER)"


def _sqlite_figures(row: str) -> list[str]:
    """The row's contribution to each column, in ``COLUMNS`` order."""
    month = _sqlite_month(row)
    return [
        f"CASE WHEN {month} = {m} THEN {row}.investment_this_period ELSE 0 END" for m in MONTHS
    ] + [f"CASE WHEN {month} = {m} THEN 1 ELSE 0 END" for m in MONTHS]


def _sqlite_year(row: str) -> str:
    return f"CAST(strftime('%Y', {row}.period_end) AS INTEGER)"


SQLITE_ADD = f"""
    INSERT INTO {YEARS} (project_id, year, {", ".join(COLUMNS)})
    SELECT NEW.project_id, {_sqlite_year("NEW")}, {", ".join(_sqlite_figures("NEW"))}
    WHERE NEW.is_current
    ON CONFLICT (project_id, year) DO UPDATE SET
        {", ".join(f"{c} = {c} + excluded.{c}" for c in COLUMNS)};"""
SQLITE_TAKE = f"""
    UPDATE {YEARS} SET
        {", ".join(f"{c} = {c} - {f}" for c, f in zip(COLUMNS, _sqlite_figures("OLD"), strict=True))}
    WHERE OLD.is_current AND project_id = OLD.project_id AND year = {_sqlite_year("OLD")};"""
SQLITE = [
    f"CREATE TRIGGER report_year_insert AFTER INSERT ON {REPORTS} BEGIN {SQLITE_ADD} END",
    f"CREATE TRIGGER report_year_delete AFTER DELETE ON {REPORTS} BEGIN {SQLITE_TAKE} END",
    f"""CREATE TRIGGER report_year_update
        AFTER UPDATE OF project_id, period_end, investment_this_period, is_current ON {REPORTS}
        BEGIN {SQLITE_TAKE} {SQLITE_ADD} END""",
]
SQLITE_GROUPED = f"""
    SELECT project_id, {_sqlite_year(REPORTS)} AS year,
           {", ".join(f"SUM({f}) AS {c}" for f, c in zip(_sqlite_figures(REPORTS), COLUMNS, strict=True))}
    FROM {REPORTS} WHERE is_current GROUP BY 1, 2"""
SQLITE_BACKFILL = f"""
    INSERT INTO {YEARS} (project_id, year, {", ".join(COLUMNS)}) {SQLITE_GROUPED}"""
# the writes a trigger follows (the units' stamps have one trigger each too)
OPS = ("insert", "delete", "update")
TRIGGERS = {f"report_year_{op}" for op in OPS}
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {name}" for name in sorted(TRIGGERS)]


def _pg_grouped(rows: str) -> str:
    """Per project and year, the figures of ``rows`` (a table of reports) for each column."""
    month = "EXTRACT(MONTH FROM period_end)"
    sums = [f"SUM(CASE WHEN {month} = {m} THEN investment_this_period ELSE 0 END)" for m in MONTHS]
    sums += [f"COUNT(*) FILTER (WHERE {month} = {m})" for m in MONTHS]
    columns = ", ".join(f"{s} AS {c}" for s, c in zip(sums, COLUMNS, strict=True))
    return f"""SELECT project_id, EXTRACT(YEAR FROM period_end)::integer AS year, {columns}
               FROM {rows} WHERE is_current GROUP BY 1, 2"""


PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION report_year_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE {YEARS} y SET {", ".join(f"{c} = y.{c} - o.{c}" for c in COLUMNS)}
        FROM ({_pg_grouped("old_rows")}) o
        WHERE y.project_id = o.project_id AND y.year = o.year;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO {YEARS} (project_id, year, {", ".join(COLUMNS)})
        {_pg_grouped("new_rows")}
        ON CONFLICT (project_id, year) DO UPDATE SET
            {", ".join(f"{c} = {YEARS}.{c} + EXCLUDED.{c}" for c in COLUMNS)};
    END IF;
    RETURN NULL;
END $$"""
PG = [
    PG_FUNCTION,
    f"""CREATE TRIGGER report_year_insert AFTER INSERT ON {REPORTS}
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION report_year_apply()""",
    f"""CREATE TRIGGER report_year_delete AFTER DELETE ON {REPORTS}
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION report_year_apply()""",
    f"""CREATE TRIGGER report_year_update AFTER UPDATE ON {REPORTS}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION report_year_apply()""",
]
PG_BACKFILL = f"""
    INSERT INTO {YEARS} (project_id, year, {", ".join(COLUMNS)}) {_pg_grouped(REPORTS)}"""
PG_DROP = [
    *(f"DROP TRIGGER IF EXISTS {name} ON {REPORTS}" for name in sorted(TRIGGERS)),
    "DROP FUNCTION IF EXISTS report_year_apply()",
]


def _run(statements: dict[str, list[str]], connection) -> None:
    with connection.cursor() as cursor:
        for sql in statements[connection.vendor]:
            cursor.execute(sql)


def install(connection=default_connection) -> None:
    """Fill the roll-up from the reports and install the triggers that keep it."""
    _run({"sqlite": [SQLITE_BACKFILL, *SQLITE], "postgresql": [PG_BACKFILL, *PG]}, connection)


def uninstall(connection=default_connection) -> None:
    _run({"sqlite": SQLITE_DROP, "postgresql": PG_DROP}, connection)


def rebuild(connection=default_connection) -> None:
    """The roll-up computed again from the reports (the triggers dropped meanwhile)."""
    uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {YEARS}")
    install(connection)


def differences(connection=default_connection) -> int:
    """How many (project, year) rows of the roll-up differ from the reports' own sums
    (0 when it is exact)."""
    grouped = {"sqlite": SQLITE_GROUPED, "postgresql": _pg_grouped(REPORTS)}[connection.vendor]
    columns = ", ".join(COLUMNS)
    nonzero = " OR ".join(f"{c} <> 0" for c in COLUMNS)
    kept = f"SELECT project_id, year, {columns} FROM {YEARS} WHERE {nonzero}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT
                (SELECT COUNT(*) FROM (SELECT * FROM ({grouped}) a
                                       EXCEPT SELECT * FROM ({kept}) b) missing)
              + (SELECT COUNT(*) FROM (SELECT * FROM ({kept}) c
                                       EXCEPT SELECT * FROM ({grouped}) d) wrong)"""
        )
        return cursor.fetchone()[0]


@contextmanager
def suspended(connection=default_connection):
    """For a bulk load of reports into a database nobody else writes to: the triggers
    are dropped while it runs and the roll-up rebuilt from the reports afterwards — one
    grouped pass instead of one update per row."""
    uninstall(connection)
    try:
        yield
    finally:
        rebuild(connection)
