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


def pin(rng: random.Random, unit_key: str) -> tuple[Decimal | None, Decimal | None]:
    """(lat, lon) inside the unit's boundary, or (None, None) when the map is missing."""
    rings = _shapes().get(ZONE_HOST if unit_key == "zone" else unit_key)
    if not rings:
        return None, None
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    for _ in range(1000):
        lon, lat = rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys))
        if point_in_rings(lon, lat, rings):
            return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")
    return None, None
