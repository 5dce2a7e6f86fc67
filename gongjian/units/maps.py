"""City maps for 挂图作战: the district boundaries ECharts draws.

Jinzhou's (and every Chinese city's) boundaries ship inside this package
(``gongjian/units/data/citymaps``: the map scripts of ``echarts-china-cities-pypkg``,
MIT) as ECharts map scripts whose feature ids are GB/T 2260 codes; a city may instead
upload its own GeoJSON. Either way the page loads the script from this server.
"""

from __future__ import annotations

import json
from pathlib import Path

from gongjian.kit.scope import path_ids

from .models import MapConfig, Unit

# one ``<name>.js`` map script per city, and ``registry.json`` (city name → file name)
CITY_MAPS_DIR = Path(__file__).resolve().parent / "data" / "citymaps"


def _package_dir() -> Path | None:
    return CITY_MAPS_DIR if CITY_MAPS_DIR.is_dir() else None


def package_map_path(name: str) -> Path | None:
    """The map script ``<name>.js`` inside the package, or None when it has no such map."""
    folder = _package_dir()
    if folder is None or not name.replace("_", "").isalnum():
        return None
    path = folder / f"{name}.js"
    return path if path.is_file() else None


def map_config_for(unit: Unit) -> MapConfig | None:
    """The map of ``unit`` or of the nearest unit above it that has one."""
    ids = path_ids(unit.path)
    configs = {c.unit_id: c for c in MapConfig.objects.filter(unit_id__in=ids)}
    for pk in reversed(ids):
        if pk in configs:
            return configs[pk]
    return None


def map_script(config: MapConfig) -> str:
    """JavaScript that registers the configured map with ECharts."""
    if config.package_map:
        path = package_map_path(config.package_map)
        if path is not None:
            return path.read_text(encoding="utf-8")
        return ""
    data = json.loads(config.geojson)
    # Feature ids are the division codes; ECharts matches regions by properties.name.
    for feature in data.get("features", []):
        props = feature.setdefault("properties", {})
        code = feature.get("id") or props.get("code") or props.get("adcode")
        if code is not None:
            feature["id"] = str(code)
    return f"echarts.registerMap({json.dumps(config.map_name, ensure_ascii=False)}, {json.dumps(data, ensure_ascii=False)});\n"


# --- reading the package's compressed map geometry ----------------------------------


def _quote_keys(script: str) -> str:
    """Turn the JavaScript object literal of a map script into JSON (quote bare keys)."""
    out, i, n = [], 0, len(script)
    while i < n:
        ch = script[i]
        if ch == '"':
            end = script.index('"', i + 1)
            out.append(script[i : end + 1])
            i = end + 1
        elif ch.isalpha() or ch == "_":
            j = i
            while j < n and (script[j].isalnum() or script[j] == "_"):
                j += 1
            word = script[i:j]
            out.append(f'"{word}"' if j < n and script[j] == ":" else word)
            i = j
        elif ch == "!" and script[i + 1 : i + 2] in ("0", "1"):  # minified true / false
            out.append("true" if script[i + 1] == "0" else "false")
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _decode_ring(
    encoded: str, offset: list[int], scale: float = 1024.0
) -> list[tuple[float, float]]:
    """ECharts' compressed ring: zig-zag encoded deltas, two characters a point."""
    prev_x, prev_y = offset
    ring = []
    for k in range(0, len(encoded) - 1, 2):
        x = ord(encoded[k]) - 64
        y = ord(encoded[k + 1]) - 64
        x = (x >> 1) ^ (-(x & 1))
        y = (y >> 1) ^ (-(y & 1))
        prev_x += x
        prev_y += y
        ring.append((prev_x / scale, prev_y / scale))
    return ring


def package_map_features(name: str) -> dict[str, list[list[tuple[float, float]]]]:
    """Outer rings (lon, lat) of each feature of a package map, keyed by feature id
    (the GB/T 2260 code)."""
    path = package_map_path(name)
    if path is None:
        return {}
    script = path.read_text(encoding="utf-8")
    start = script.index("{", script.index("registerMap("))
    depth, end, in_string = 0, start, False
    for end in range(start, len(script)):
        ch = script[end]
        if ch == '"':
            in_string = not in_string
        elif not in_string and ch == "{":
            depth += 1
        elif not in_string and ch == "}":
            depth -= 1
            if depth == 0:
                break
    collection = json.loads(_quote_keys(script[start : end + 1]))
    shapes: dict[str, list[list[tuple[float, float]]]] = {}
    for feature in collection["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        offsets = (
            [geometry["encodeOffsets"]]
            if geometry["type"] == "Polygon"
            else geometry["encodeOffsets"]
        )
        rings = shapes.setdefault(str(feature["id"]), [])
        for polygon, polygon_offsets in zip(polygons, offsets, strict=True):
            rings.append(_decode_ring(polygon[0], polygon_offsets[0]))
    return shapes


def point_in_rings(lon: float, lat: float, rings: list[list[tuple[float, float]]]) -> bool:
    """Ray casting: is the point inside any of the (outer) rings?"""
    for ring in rings:
        inside = False
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
                inside = not inside
        if inside:
            return True
    return False
