"""Bulk writes of plain rows: ``COPY … FROM STDIN`` on PostgreSQL (psycopg 3), one
``executemany`` of a prepared ``INSERT`` elsewhere — inside the caller's transaction.
Used by ``gen-scale`` and the Excel import, which prepare the rows' values themselves;
``staged_insert`` writes through a TEMP staging table and one ``INSERT … SELECT``."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection as default_connection

# SQLite's page cache while an import writes (KiB): with its default of 2 MB the pages
# of the written tables' indexes are evicted and read again between statements (a 100,000
# -row import: 0.4 s more CPU; a larger cache than this gained nothing more)
BULK_CACHE_KIB = 32 * 1024


@contextmanager
def bulk_writes(connection=None) -> Iterator[None]:
    """Around many bulk writes on one connection: on SQLite a page cache large enough
    for the written tables' indexes (``BULK_CACHE_KIB``, pages allocated only as used),
    the connection's own size given back afterwards. Nothing elsewhere (a server sizes
    its own buffers)."""
    connection = connection or default_connection
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        before = cur.fetchone()[0]
        if before < 0 and -before >= BULK_CACHE_KIB:
            before = None
        else:
            cur.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        if before is not None and not connection.needs_rollback:
            with connection.cursor() as cur:
                cur.execute(f"PRAGMA cache_size = {int(before)}")


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


def in_keys(column: str, keys: list, connection=None) -> tuple[str, list]:
    """``(sql, params)``: the condition "``column`` is one of ``keys``" as one parameter
    (an array on PostgreSQL, a JSON list read by ``json_each`` on SQLite)."""
    import json

    connection = connection or default_connection
    if keys and all(type(k) is int for k in keys):
        # the range first: an index range scan, not a whole-table scan for a long list
        low, high = min(keys), max(keys)
        if connection.vendor == "postgresql":
            return f"{column} BETWEEN %s AND %s AND {column} = ANY(%s)", [low, high, list(keys)]
        if connection.vendor == "sqlite":
            return (
                f"{column} BETWEEN %s AND %s AND {column} IN (SELECT value FROM json_each(%s))",
                [low, high, json.dumps(list(keys))],
            )
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(keys)]
    if connection.vendor == "sqlite":
        return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(list(keys))]
    marks = ", ".join(["%s"] * len(keys))
    return f"{column} IN ({marks})", list(keys)


def param_sql(field, connection=None) -> str:
    """A placeholder for a value of ``field`` in a statement's select list: cast to the
    column's type where the server would otherwise take an untyped text (PostgreSQL);
    SQLite takes the value as it is (a cast there would change its form)."""
    connection = connection or default_connection
    if connection.vendor == "sqlite":
        return "%s"
    return f"CAST(%s AS {field.cast_db_type(connection)})"


def staged_insert(
    table: str,
    columns: list[str],
    rows: Iterable[tuple],
    constants: list[tuple[str, str, object]],
    key: str,
    connection=None,
    *,
    id_column: str = "id",
) -> dict:
    """Insert rows set-wise through a staging table: ``rows`` (tuples in the order of
    ``columns``) written in one bulk step into a TEMP table (``write_rows``: COPY on
    PostgreSQL, one ``executemany`` on SQLite), then one ``INSERT … SELECT`` into
    ``table`` in the rows' order, each of ``constants`` — ``(column, placeholder,
    value)`` — the same for every row. Returns ``{key: id}`` of the rows written
    (``RETURNING`` where the database has it)."""
    connection = connection or default_connection
    qn = connection.ops.quote_name
    # one staging table per table and list of columns, made once per connection and
    # emptied before each use (dropping and creating it costs more on PostgreSQL)
    name = f"gj_stage_{table}_{zlib.crc32(' '.join(columns).encode()):08x}"
    stage = qn(name)
    cols = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cur:
        cur.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT 0 AS {qn('_n')}, {cols} "
            f"FROM {qn(table)} WHERE 1 = 0"
        )
        cur.execute(f"DELETE FROM {stage}")
    at = columns.index(key)
    keys: list = []

    def numbered():
        for n, row in enumerate(rows):
            keys.append(row[at])
            yield (n, *row)

    write_rows(name, ["_n", *columns], numbered(), connection)
    names = ", ".join([*(qn(c) for c in columns), *(qn(c) for c, _p, _v in constants)])
    select = ", ".join([*(qn(c) for c in columns), *(p for _c, p, _v in constants)])
    sql = f"INSERT INTO {qn(table)} ({names}) SELECT {select} FROM {stage} ORDER BY {qn('_n')}"
    params = [v for _c, _p, v in constants]
    returning = connection.features.can_return_rows_from_bulk_insert
    with connection.cursor() as cur:
        if returning:
            cur.execute(f"{sql} RETURNING {qn(key)}, {qn(id_column)}", params)
            ids = dict(cur.fetchall())
        else:
            cur.execute(sql, params)
        cur.execute(f"DELETE FROM {stage}")
    if not returning:
        ids = ids_by_key(table, key, keys, connection, id_column=id_column)
    return ids


def ids_by_key(table: str, key: str, keys: list, connection=None, *, id_column: str = "id") -> dict:
    """``{key: id}`` for the rows of ``table`` whose ``key`` column is one of ``keys``
    (e.g. the ids of rows just written by ``write_rows``): one statement with the keys as
    a single parameter (an array on PostgreSQL, a JSON list read by ``json_each`` on
    SQLite), so that neither the ORM's per-value preparation nor a parameter limit is
    paid for thousands of keys (``in_keys``)."""
    connection = connection or default_connection
    if not keys:
        return {}
    qn = connection.ops.quote_name
    condition, params = in_keys(qn(key), list(keys), connection)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {qn(key)}, {qn(id_column)} FROM {qn(table)} WHERE {condition}", params)
        return dict(cur.fetchall())
