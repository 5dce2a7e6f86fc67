"""Figures kept per unit between requests: what a unit's own rows give for a figure,
kept in the ``figures`` cache under the unit's stamp (``units.UnitStamp``) and stamp 0.

A province's page sums the kept figures of its units instead of reading every project:
a unit is read again only after one of its rows was written (its stamp drawn anew by the
database's triggers, ``projects.stamps``), so the sums are exactly what reading the rows
would give. The stamps are read first, from the database the rows are read from: rows
written meanwhile draw another stamp, and a figure computed from them is kept under the
stamp read before, which no later reader meets — never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.db.models import OuterRef, Subquery

from gongjian.units.models import Unit, UnitStamp

CACHE = "figures"
T = TypeVar("T")
_NOTHING = object()


def enabled() -> bool:
    """Whether figures are kept between requests (``GONGJIAN_KEEP_FIGURES``)."""
    return bool(settings.GONGJIAN.get("KEEP_FIGURES", True))


# a day: a unit nobody writes to is read again once a day at most
TIMEOUT = 24 * 3600


# the units read at the current reading, by (database, subtree): ``one_reading``
_reading: ContextVar[dict[tuple[str, str], Kept] | None] = ContextVar(
    "gongjian_figures_reading", default=None
)


@contextmanager
def one_reading() -> Iterator[None]:
    """Within the block, the units and their stamps are read once per database and
    subtree (``kept``): the figures of a page are all judged at the same reading, and
    its batches and light counts do not read the stamps again. Blocks nest (the outer
    reading holds). Nothing the block writes itself is seen by its later readings: a
    block reads, it does not write."""
    if _reading.get() is not None:
        yield
        return
    token = _reading.set({})
    try:
        yield
    finally:
        _reading.reset(token)


def kept(db: str, path: str) -> Kept:
    """What is kept for the subtree ``path`` of database ``db``: read now, or once per
    ``one_reading`` block."""
    memo = _reading.get()
    if memo is None:
        return Kept(db, path)
    if (db, path) not in memo:
        memo[(db, path)] = Kept(db, path)
    return memo[(db, path)]


class Kept:
    """What is kept for the units of the subtree ``path`` (every unit for ``""``; read
    from database ``db``) at their current stamps: per unit, a dict of values by shape
    (a figure's definition and period as text). The units and their stamps are read in
    one query."""

    def __init__(self, db: str, path: str) -> None:
        units = Unit.objects.using(db)
        if path:
            units = units.filter(path__startswith=path)
        stamps = UnitStamp.objects.using(db)
        found_rows = units.annotate(
            stamp=Subquery(stamps.filter(unit_id=OuterRef("pk")).values("stamp")),
            epoch=Subquery(stamps.filter(unit_id=0).values("stamp")),
            laid_out=Subquery(stamps.filter(unit_id=UnitStamp.DEFINITIONS).values("stamp")),
        ).values_list("pk", "path", "stamp", "epoch", "laid_out")
        name = connections[db].settings_dict["NAME"]
        self.units: dict[str, int] = {}  # path → id
        self.keys: dict[int, str] = {}
        rows = list(found_rows)
        for pk, unit_path, stamp, epoch, _laid_out in rows:
            self.units[unit_path] = pk
            self.keys[pk] = f"gj:{name}:{pk}:{stamp or 0}:{epoch or 0}"
        # the definitions' stamp (-1), the same on every row; None for a subtree of no unit
        self.definitions_key = f"gj:{name}:definitions:{rows[0][4] or 0}" if rows else None
        found = caches[CACHE].get_many(list(self.keys.values()))
        self.values: dict[int, dict] = {u: found.get(key) or {} for u, key in self.keys.items()}

    def definitions(self, name: str, read: Callable[[], T]) -> T:
        """What ``read`` gives from the definitions pages are laid out from — the unit
        tree, the indicators, their targets and reported values — kept under their stamp
        (-1) as ``name``: read again after any write to them. ``name`` says everything
        ``read`` depends on besides those rows."""
        if not enabled() or self.definitions_key is None:
            return read()
        key = f"{self.definitions_key}:{name}"
        found = caches[CACHE].get(key, _NOTHING)
        if found is _NOTHING:
            found = read()
            caches[CACHE].set(key, found, TIMEOUT)
        return found

    def missing(self, shapes: Iterable[str]) -> list[int]:
        """The units some of ``shapes`` is not kept for."""
        wanted = set(shapes)
        return sorted(u for u, kept in self.values.items() if not wanted <= kept.keys())

    def to_read(self, missing: set[int]) -> list[int] | None:
        """The units to read again, by key; None when it is every unit of the subtree
        (read the subtree: one range of the path, not a list of thousands of keys)."""
        return sorted(missing) if len(missing) < len(self.units) else None

    def keep(self, found: dict[int, dict]) -> None:
        """Add ``found`` (unit → {shape: value}) to what is kept."""
        changed = {}
        for unit_id, values in found.items():
            self.values[unit_id] = {**self.values[unit_id], **values}
            changed[self.keys[unit_id]] = self.values[unit_id]
        caches[CACHE].set_many(changed, TIMEOUT)

    def within(self, path: str) -> list[int]:
        """The units of the subtree ``path``."""
        return [pk for unit_path, pk in self.units.items() if unit_path.startswith(path)]

    def total(self, shape: str, unit_ids: Iterable[int]):
        """The sum of ``shape`` over ``unit_ids`` (their values must be kept)."""
        return sum(self.values[u][shape] for u in unit_ids)
