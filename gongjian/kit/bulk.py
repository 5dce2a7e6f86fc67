"""Bulk writes of plain rows: ``COPY … FROM STDIN`` on PostgreSQL (psycopg 3), one
``executemany`` of a prepared ``INSERT`` elsewhere — inside the caller's transaction.
Used by ``gen-scale`` and the Excel import, which prepare the rows' values themselves."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection as default_connection


def write_rows(table: str, columns: list[str], rows: Iterable[tuple], connection=None) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``, values as the database takes
    them) into ``table``."""
    connection = connection or default_connection
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with connection.connection.cursor() as cur:
            with cur.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cur:
        cur.executemany(f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks})", rows)


def ids_by_key(table: str, key: str, keys: list, connection=None, *, id_column: str = "id") -> dict:
    """``{key: id}`` for the rows of ``table`` whose ``key`` column is one of ``keys``
    (e.g. the ids of rows just written by ``write_rows``): one statement with the keys as
    a single parameter (an array on PostgreSQL, a JSON list read by ``json_each`` on
    SQLite), so that neither the ORM's per-value preparation nor a parameter limit is
    paid for thousands of keys."""
    import json

    connection = connection or default_connection
    if not keys:
        return {}
    qn = connection.ops.quote_name
    head = f"SELECT {qn(key)}, {qn(id_column)} FROM {qn(table)} WHERE {qn(key)}"
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"{head} = ANY(%s)", [list(keys)])
        elif connection.vendor == "sqlite":
            cur.execute(f"{head} IN (SELECT value FROM json_each(%s))", [json.dumps(keys)])
        else:
            marks = ", ".join(["%s"] * len(keys))
            cur.execute(f"{head} IN ({marks})", list(keys))
        return dict(cur.fetchall())
