"""Map pins for the demo: random points inside each district's real boundary."""

from __future__ import annotations

import random
from decimal import Decimal
from functools import cache

from gongjian.units.maps import package_map_features, point_in_rings

JINZHOU_MAP = "liao2_ning2_jin3_zhou1"
# The development zone has no division code of its own; its pins fall in 太和区.
ZONE_HOST = "210711"


@cache
def _shapes() -> dict:
    return package_map_features(JINZHOU_MAP)


@cache
def _bounds(key: str) -> tuple[float, float, float, float]:
    """(west, east, south, north) of a unit's rings, worked out once per unit."""
    rings = _shapes()[key]
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    return min(xs), max(xs), min(ys), max(ys)


def pin(rng: random.Random, unit_key: str) -> tuple[Decimal | None, Decimal | None]:
    """(lat, lon) inside the unit's boundary, or (None, None) when the map is missing."""
    key = ZONE_HOST if unit_key == "zone" else unit_key
    rings = _shapes().get(key)
    if not rings:
        return None, None
    west, east, south, north = _bounds(key)
    for _ in range(1000):
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if point_in_rings(lon, lat, rings):
            return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")
    return None, None
