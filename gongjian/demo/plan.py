"""The plan of the Jinzhou 2024 demo registry: which projects exist, with which
amounts, stage dates, units, tags and batches.

The plan is pure Python (no database): cohorts of projects with a timeline
(which stage events happen in which year), an amount band, and membership of
the sets the article speaks of (凌河区's signed and landed projects, 省重大工程,
省央地合作, 2025 首批双高, 集中开工, 央地合作). Sets whose totals the article
states get their amounts by an exact allocation. Nothing here stores a figure
the platform reports: the loader writes the rows, and the indicator engine
counts them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

YEAR = 2024
AS_OF = dt.date(2024, 10, 31)
SEED = 20241031
STEP = 1_000_000  # amounts are whole 百万元 (as government lists state them)
YI = 100_000_000
WAN = 10_000

# Amount bands (元, inclusive bounds), by total investment.
BANDS = {
    "A": (10 * YI, 60 * YI),  # 10亿元以上
    "B": (1 * YI, 999 * STEP),  # 亿元以上, under 10亿
    "C": (2000 * WAN, 99 * STEP),  # 2000万元以上, under 1亿
    "D": (3 * STEP, 19 * STEP),  # under 2000万
}

LINGHE = "210703"
COUNTY_WEIGHTS = {  # where projects without a set unit go
    "210702": 10,
    "210711": 16,
    "210726": 14,
    "210727": 10,
    "210781": 20,
    "210782": 14,
    "zone": 8,
    LINGHE: 8,
}
CEREMONY_DAY = dt.date(2024, 3, 28)  # 2024 春季集中开工
# Front-loaded cumulative share of the year's events by date (Jan 1 … Oct 31).
EVENT_CDF = [
    (dt.date(2024, 1, 1), 0.0),
    (dt.date(2024, 3, 31), 0.36),
    (dt.date(2024, 6, 30), 0.66),
    (dt.date(2024, 9, 30), 0.92),
    (AS_OF, 1.0),
]

# Timelines: which events a project has, and when (Y = the campaign year).
#   S    signed in Y                      SL   signed, landed in Y
#   SLT  signed, landed, started in Y     oL   signed Y-1, landed Y
#   oLT  signed Y-1, landed and started Y R    continuing: started before Y, resumed in Y
#   T    government project started in Y without signing (谋划 → 开工)
#   late signed in Y after the as-of date stalled  started Y-1, 停缓建 in Y
#   prev completed in Y-1 (off this year's list)   planned  谋划 only
SIGNED_IN_YEAR = {"S", "SL", "SLT"}
LANDED_IN_YEAR = {"SL", "SLT", "oL", "oLT"}
STARTED_OR_RESUMED = {"SLT", "oLT", "R", "T"}


@dataclass
class Item:
    band: str
    timeline: str
    unit: str | None = None
    amount: int | None = None
    name: str | None = None
    category: str | None = None
    final_stage: str | None = None  # completed / in_production after the timeline
    tags: set[str] = field(default_factory=set)
    batches: set[str] = field(default_factory=set)
    events: list[tuple[str, dt.date]] = field(default_factory=list)
    sets: set[str] = field(default_factory=set)


# (count, band, timeline) cohorts, before the named projects are added.
COHORTS = [
    (22, "A", "R"),
    (5, "A", "SLT"),
    (5, "A", "SL"),
    (5, "A", "S"),
    (3, "A", "planned"),
    (150, "B", "S"),
    (160, "B", "SL"),
    (88, "B", "SLT"),
    (55, "B", "oL"),
    (45, "B", "oLT"),
    (75, "B", "R"),
    (12, "B", "late"),
    (6, "B", "stalled"),
    (10, "B", "prev"),
    (5, "B", "planned"),
    (100, "C", "S"),
    (800, "C", "SL"),
    (400, "C", "SLT"),
    (687, "C", "oL"),
    (50, "C", "oLT"),
    (100, "C", "R"),
    (4, "C", "stalled"),
    (20, "C", "prev"),
    (10, "C", "planned"),
    (120, "D", "SL"),
    (50, "D", "SLT"),
    (29, "D", "R"),
    (10, "D", "planned"),
]

# The article's named projects: (name, band, timeline, unit, amount, category, final stage).
NAMED = [
    ("国机达远零碳产业园一期", "A", "SLT", None, 56 * YI, "industry", None),
    ("黑山300MW风电项目", "A", "SLT", "210726", None, "infrastructure", None),
    ("锦州港30万吨级航道改扩建项目", "A", "T", "zone", None, "infrastructure", None),
    ("锦州智谷", "B", "T", LINGHE, None, "commerce", None),
    ("锦州石化40万吨/年针状焦装置", "B", "R", "210702", None, "industry", "in_production"),
    ("宏拓科技二期7000吨铝制品深加工项目", "B", "R", "210711", None, "industry", "completed"),
    ("演化高端树脂项目", "B", "S", "210711", None, "industry", None),
    ("美富淦冷机基地项目", "B", "S", "210781", None, "industry", None),
    ("恩耐吉正极材料项目", "B", "S", "210702", None, "industry", None),
    ("黑山新能源产业基地项目", "B", "SLT", "210726", None, "industry", None),
    ("锦恒汽车安全系统生产线智能化升级改造项目", "B", "SLT", "210711", None, "industry", None),
    ("锦州—大有能源基地—盘锦输油管道工程", "B", "T", "210781", None, "infrastructure", None),
    ("南山悠谷文旅项目", "B", "SLT", "210782", None, "tourism", None),
]

# Sets whose count and total the article states: (key, {band: count}, total 元, eligible
# timelines). The 凌河区 cells split its signed (52, 239.9亿) and landed (45, 175.9亿)
# projects into signed-and-landed (X), signed only (Y) and landed only (Z).
LINGHE_CELLS = [
    ("linghe_X", {"A": 1, "B": 20, "C": 9}, 120_00 * STEP, {"SL", "SLT"}),
    ("linghe_Y", {"A": 1, "B": 15, "C": 6}, 119_90 * STEP, {"S"}),
    ("linghe_Z", {"B": 10, "C": 5}, 55_90 * STEP, {"oL", "oLT"}),
]
ON_LIST_2024 = {"S", "SL", "SLT", "oL", "oLT", "R", "T", "stalled"}
TAG_SETS = [
    # key, {band: count}, total, tags given, eligible timelines
    ("provincial_major", {"A": 15, "B": 5}, 461_00 * STEP, {"provincial_major"}, ON_LIST_2024),
    (
        "provincial_central_local",
        {"A": 8, "B": 2},
        220_90 * STEP,
        {"provincial_central_local", "central_local"},
        ON_LIST_2024,
    ),
    ("shuanggao_2025", {"A": 12, "B": 18}, 504_00 * STEP, {"shuanggao"}, ON_LIST_2024),
]
SHUANGGAO_CATEGORIES = ["industry"] * 22 + ["commerce"] * 5 + ["infrastructure"] * 3
CENTRAL_LOCAL_BIG = 20  # 央地合作 among the 10亿元以上 projects on the 2024 list
COLLECTIVE_START = 101


def allocate(rng: random.Random, bounds: list[tuple[int, int]], total: int) -> list[int]:
    """Amounts within per-item bounds (multiples of STEP) that add up to ``total`` exactly."""
    lo_sum = sum(lo for lo, _ in bounds)
    hi_sum = sum(hi for _, hi in bounds)
    if not lo_sum <= total <= hi_sum or total % STEP:
        raise ValueError(f"cannot allocate {total} within [{lo_sum}, {hi_sum}]")
    share = (total - lo_sum) / (hi_sum - lo_sum) if hi_sum > lo_sum else 0.0
    values = []
    for lo, hi in bounds:
        v = lo + (hi - lo) * min(1.0, share * rng.uniform(0.5, 1.5))
        values.append(max(lo, min(hi, int(v) // STEP * STEP)))
    diff = total - sum(values)
    while diff:
        sign = 1 if diff > 0 else -1
        movable = [
            i
            for i, (lo, hi) in enumerate(bounds)
            if (values[i] < hi if sign > 0 else values[i] > lo)
        ]
        per = max(STEP, abs(diff) // len(movable) // STEP * STEP)
        for i in rng.sample(movable, len(movable)):
            lo, hi = bounds[i]
            room = hi - values[i] if sign > 0 else values[i] - lo
            delta = min(per, room, abs(diff))
            values[i] += sign * delta
            diff -= sign * delta
            if not diff:
                break
    return values


def event_date(
    rng: random.Random, earliest: dt.date = dt.date(2024, 1, 1), latest: dt.date = AS_OF
) -> dt.date:
    """A date in Jan 1 … Oct 31 drawn from the front-loaded EVENT_CDF, within
    ``earliest`` … ``latest``."""
    while True:
        u = rng.random()
        for (d0, c0), (d1, c1) in zip(EVENT_CDF, EVENT_CDF[1:], strict=False):
            if u <= c1:
                span = (d1 - d0).days
                day = d0 + dt.timedelta(days=int(span * (u - c0) / (c1 - c0)))
                break
        if earliest <= day <= latest:
            return day


def _before(rng: random.Random, day: dt.date, floor: dt.date, lo: int, hi: int) -> dt.date:
    """A date some ``lo``–``hi`` days before ``day``, never before ``floor``."""
    return max(floor, day - dt.timedelta(days=rng.randint(lo, hi)))


def _in_year(rng: random.Random, year: int, start_month: int = 1, end_month: int = 12) -> dt.date:
    start = dt.date(year, start_month, 1)
    end = dt.date(year, end_month, 28)
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def timeline_events(rng: random.Random, item: Item) -> list[tuple[str, dt.date]]:
    """Dated stage events for an item's timeline (in order, dates not decreasing)."""
    jan = dt.date(YEAR, 1, 3)
    t = item.timeline
    if t == "planned":
        return []
    if t == "S":
        return [("signed", event_date(rng))]
    if t == "late":
        return [("signed", dt.date(YEAR, 11, 1) + dt.timedelta(days=rng.randint(0, 48)))]
    if t == "SL":
        landed = event_date(rng, dt.date(YEAR, 1, 10))
        return [("signed", _before(rng, landed, jan, 7, 60)), ("landed", landed)]
    if t in ("SLT", "oLT", "T"):
        started = (
            CEREMONY_DAY
            if "collective_start" in item.batches
            else event_date(rng, dt.date(YEAR, 2, 1))
        )
        if t == "T":
            return [("started", started)]
        landed = _before(rng, started, jan, 5, 45)
        if t == "oLT":
            return [
                ("signed", _in_year(rng, YEAR - 1, 3, 12)),
                ("landed", landed),
                ("started", started),
            ]
        return [
            ("signed", _before(rng, landed, jan, 7, 60)),
            ("landed", landed),
            ("started", started),
        ]
    if t == "oL":
        return [("signed", _in_year(rng, YEAR - 1, 3, 12)), ("landed", event_date(rng))]
    if t == "R":
        signed = _in_year(rng, YEAR - 3, 1, 12)
        landed = signed + dt.timedelta(days=rng.randint(30, 150))
        started = (
            _in_year(rng, YEAR - 1, 3, 9) if rng.random() < 0.7 else _in_year(rng, YEAR - 2, 4, 9)
        )
        events = [
            ("signed", signed),
            ("landed", landed),
            ("started", started),
            (
                "resumed",
                event_date(
                    rng, dt.date(YEAR, 2, 1), dt.date(YEAR, 6, 30) if item.final_stage else AS_OF
                ),
            ),
        ]
        if item.final_stage:
            done = dt.date(YEAR, 8, 20) + dt.timedelta(days=rng.randint(0, 25))
            events.append(("completed", done))
            if item.final_stage == "in_production":
                events.append(("in_production", done + dt.timedelta(days=rng.randint(10, 30))))
        return events
    if t == "stalled":
        signed = _in_year(rng, YEAR - 2, 2, 8)
        return [
            ("signed", signed),
            ("landed", signed + dt.timedelta(days=60)),
            ("started", _in_year(rng, YEAR - 1, 4, 8)),
            ("stalled", event_date(rng)),
        ]
    if t == "prev":
        signed = _in_year(rng, YEAR - 3, 2, 8)
        done = _in_year(rng, YEAR - 1, 5, 10)
        events = [
            ("signed", signed),
            ("landed", signed + dt.timedelta(days=45)),
            ("started", _in_year(rng, YEAR - 2, 4, 8)),
            ("completed", done),
        ]
        if rng.random() < 0.6:
            events.append(("in_production", done + dt.timedelta(days=rng.randint(20, 60))))
        return events
    raise ValueError(f"unknown timeline {t}")


def _take(
    pool: list[Item],
    rng: random.Random,
    band: str,
    count: int,
    timelines: set[str],
    accept=lambda item: True,
) -> list[Item]:
    candidates = [
        i for i in pool if i.band == band and i.timeline in timelines and not i.sets and accept(i)
    ]
    if len(candidates) < count:
        raise ValueError(f"not enough {band} items in {timelines}: {len(candidates)} < {count}")
    chosen = rng.sample(candidates, count)
    return chosen


def build_plan(seed: int = SEED) -> list[Item]:
    """Every project of the demo, with unit, amount, tags, batches and dated events."""
    rng = random.Random(seed)
    items: list[Item] = []
    for name, band, timeline, unit, amount, category, final in NAMED:
        items.append(
            Item(
                band=band,
                timeline=timeline,
                unit=unit,
                amount=amount,
                name=name,
                category=category,
                final_stage=final,
                sets={"named"},
            )
        )
    for count, band, timeline in COHORTS:
        items.extend(Item(band=band, timeline=timeline) for _ in range(count))

    # 凌河区's signed/landed cells: only these carry 凌河区 signings and landings in 2024.
    for key, by_band, total, timelines in LINGHE_CELLS:
        members = []
        for band, count in by_band.items():
            members += _take(items, rng, band, count, timelines)
        bounds = [BANDS[m.band] for m in members]
        for member, amount in zip(members, allocate(rng, bounds, total), strict=True):
            member.unit, member.amount = LINGHE, amount
            member.sets.add(key)

    # Tagged sets with stated totals (disjoint from each other and from 凌河区's cells).
    for key, by_band, total, tags, timelines in TAG_SETS:
        members = []
        for band, count in by_band.items():
            members += _take(items, rng, band, count, timelines)
        bounds = [BANDS[m.band] for m in members]
        for member, amount in zip(members, allocate(rng, bounds, total), strict=True):
            member.amount = amount
            member.sets.add(key)
            if key == "shuanggao_2025":
                member.batches.add("2025-shuanggao-first")
            member.tags |= tags
        if key == "shuanggao_2025":
            cats = SHUANGGAO_CATEGORIES[:]
            rng.shuffle(cats)
            for member, cat in zip(members, cats, strict=True):
                member.category = cat

    # 央地合作 on exactly CENTRAL_LOCAL_BIG of the 10亿元以上 projects on the 2024 list,
    # and on some smaller or not-yet-listed ones (which the share does not count).
    big_listed = [i for i in items if i.band == "A" and i.timeline in ON_LIST_2024]
    have = [i for i in big_listed if "central_local" in i.tags]
    others = [i for i in big_listed if "central_local" not in i.tags]
    for member in rng.sample(others, CENTRAL_LOCAL_BIG - len(have)):
        member.tags.add("central_local")
    for member in rng.sample([i for i in items if i.band == "B"], 25):
        member.tags.add("central_local")
    next(i for i in items if i.band == "A" and i.timeline == "planned").tags.add("central_local")
    for member in rng.sample([i for i in items if i.band in "AB" and i.timeline == "planned"], 2):
        member.tags.add("provincial_major")

    # 集中开工: projects started together at the spring ceremony.
    starters = [i for i in items if i.timeline in ("SLT", "oLT", "T") and i.band in "ABC"]
    for member in rng.sample(starters, COLLECTIVE_START):
        member.batches.add("2024-collective-start")

    # Units for everyone else; 凌河区 only gets projects that neither sign nor land in 2024.
    codes = list(COUNTY_WEIGHTS)
    weights = [COUNTY_WEIGHTS[c] for c in codes]
    for item in items:
        if item.unit:
            continue
        while True:
            unit = rng.choices(codes, weights)[0]
            signs_or_lands = item.timeline in SIGNED_IN_YEAR | LANDED_IN_YEAR
            if unit == LINGHE and (signs_or_lands or item.band == "A"):
                continue
            item.unit = unit
            break

    for item in items:
        if item.amount is None:
            lo, hi = BANDS[item.band]
            # log-uniform: many projects near the lower bound, few near the top
            value = int(lo * (hi / lo) ** rng.random())
            item.amount = max(lo, min(hi, value // STEP * STEP))
        item.events = timeline_events(rng, item)
    return items
