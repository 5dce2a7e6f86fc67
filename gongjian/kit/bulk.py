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
