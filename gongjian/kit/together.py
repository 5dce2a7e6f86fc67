"""One-row statements read together, in one round trip.

A page's figures come from many small aggregates — one per registry, each over a few
rows of a district — and reading them one statement at a time costs a round trip and a
parse on the server each, more than the aggregates themselves. Every statement added to
``OneRowReads`` yields one row at most (aggregates without GROUP BY, or grouped by a
constant); ``run`` reads the statements of each database as one SELECT joining them to a
single row — their columns side by side — and hands each statement its own columns
(NULLs for a statement that yielded none).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet, Value

# columns of one combined statement: PostgreSQL takes at most 1,664 in a select list,
# SQLite 2,000; more statements are read in more than one round trip
MAX_COLUMNS = 1000


@dataclass
class _Statement:
    sql: str
    params: Sequence[Any]
    width: int  # its columns
    done: Callable[[tuple], None]


class OneRowReads:
    """Statements of one row each, collected (``add``, ``add_aggregates``) and read
    together (``run``)."""

    def __init__(self) -> None:
        self._pending: dict[str, list[_Statement]] = {}  # by database alias

    def add(
        self, db: str, sql: str, params: Sequence[Any], width: int, done: Callable[[tuple], None]
    ) -> None:
        """Read ``sql`` — a SELECT of ``width`` columns that yields one row at most — on
        database ``db`` at ``run``; ``done`` receives its row (NULLs if none)."""
        self._pending.setdefault(db, []).append(_Statement(sql, params, width, done))

    def add_aggregates(
        self, rows: QuerySet, aggregates: dict[str, Any], done: Callable[[dict], None]
    ) -> None:
        """``rows.aggregate(**aggregates)`` read at ``run``; ``done`` receives its dict.
        ``rows`` must not hold aggregate annotations of its own (``aggregate`` would read
        them in a subquery)."""
        names = list(aggregates)
        # grouped by a constant: one row at most (Django leaves the constant out, and the
        # statement yields one row even over no rows, as ``aggregate`` does)
        values = (
            rows.order_by()
            .annotate(_one=Value(1))
            .values("_one")
            .annotate(**aggregates)
            .values_list(*names)
        )
        try:
            sql, params = values.query.sql_with_params()
        except EmptyResultSet:  # no row can meet the condition: answered without reading
            done(rows.aggregate(**aggregates))
            return
        self.add(
            values.db, sql, params, len(names), lambda row: done(dict(zip(names, row, strict=True)))
        )

    def run(self) -> None:
        """Read every statement added, as few statements per database as the column limit
        allows, and hand each its row."""
        pending, self._pending = self._pending, {}
        for db, statements in pending.items():
            group: list[_Statement] = []
            for statement in statements:
                if group and sum(s.width for s in group) + statement.width > MAX_COLUMNS:
                    _read(db, group)
                    group = []
                group.append(statement)
            _read(db, group)


def _read(db: str, statements: list[_Statement]) -> None:
    # joined to a row of one constant: a statement that yields no row (one grouped by a
    # constant, over no rows) reads as NULLs, as ``aggregate`` over no rows does
    joined = "".join(f" LEFT JOIN ({s.sql}) AS _r{n} ON 1 = 1" for n, s in enumerate(statements))
    sql = f"SELECT * FROM (SELECT 1 AS _one) AS _o{joined}"
    with connections[db].cursor() as cursor:
        cursor.execute(sql, [p for s in statements for p in s.params])
        row = cursor.fetchone()
    offset = 1
    for statement in statements:
        statement.done(tuple(row[offset : offset + statement.width]))
        offset += statement.width
