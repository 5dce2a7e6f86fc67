"""The demo built once per test session and copied back after a test that empties the
database (a transactional test: the browser tests, the backup tests …) instead of being
loaded again (~20 s each time).

- SQLite (the test database lives in memory): the sqlite3 backup API copies the whole
  database into a second in-memory database after the demo is loaded, and back.
- PostgreSQL: every table is copied into a schema of its own (``demo_copy``) after the
  demo is loaded; a restore empties the tables and copies the rows back in one
  transaction (constraints deferred, the product's triggers off: the roll-up is copied
  too), then moves each sequence past its table's keys.
"""

from __future__ import annotations

import sqlite3

from django.apps import apps
from django.db import connection

SCHEMA = "demo_copy"
_sqlite_copy: list[sqlite3.Connection] = []


def _tables() -> list[str]:
    """Every table of the models, m2m and history tables included."""
    tables: set[str] = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
    existing = set(connection.introspection.table_names())
    return sorted(tables & existing)


def save() -> None:
    """Keep a copy of the database as it is now (the demo just loaded)."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        _sqlite_copy[:] = [copy]
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SCHEMA}")
        for table in _tables():
            cursor.execute(f"CREATE TABLE {SCHEMA}.{qn(table)} AS TABLE public.{qn(table)}")


def saved() -> bool:
    if connection.vendor == "sqlite":
        return bool(_sqlite_copy)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [SCHEMA])
        return cursor.fetchone() is not None


def restore() -> None:
    """Put the saved copy back (after a transactional test emptied the tables); outside
    any transaction."""
    from django.contrib.contenttypes.models import ContentType

    from gongjian.kit import clock

    connection.ensure_connection()
    ContentType.objects.clear_cache()
    clock.forget()
    if connection.vendor == "sqlite":
        _sqlite_copy[0].backup(connection.connection)
        return
    qn = connection.ops.quote_name
    tables = _tables()
    with connection.cursor() as cursor:
        # tables with triggers of the product (the reports' yearly roll-up): copied as
        # they were, the triggers off while the rows go back in
        cursor.execute(
            "SELECT DISTINCT event_object_table FROM information_schema.triggers "
            "WHERE trigger_schema = 'public'"
        )
        triggered = [row[0] for row in cursor.fetchall()]
        for table in triggered:
            cursor.execute(f"ALTER TABLE {qn(table)} DISABLE TRIGGER USER")
        try:
            cursor.execute("BEGIN")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(f"TRUNCATE {', '.join(qn(t) for t in tables)} CASCADE")
            for table in tables:
                cursor.execute(f"INSERT INTO public.{qn(table)} SELECT * FROM {SCHEMA}.{qn(table)}")
            cursor.execute("COMMIT")
        finally:
            for table in triggered:
                cursor.execute(f"ALTER TABLE {qn(table)} ENABLE TRIGGER USER")
        for table in tables:
            cursor.execute(
                "SELECT column_name, pg_get_serial_sequence(%s, column_name) FROM "
                "information_schema.columns WHERE table_schema = 'public' AND table_name = %s",
                [table, table],
            )
            for column, sequence in cursor.fetchall():
                if sequence:
                    cursor.execute(
                        f"SELECT setval(%s, COALESCE((SELECT MAX({qn(column)}) "
                        f"FROM {qn(table)}), 0) + 1, false)",
                        [sequence],
                    )
