"""A synthetic province for scale work: ``gongjian gen-scale``.

Writes a realistic, deterministic (fixed seed) province: a unit tree (province →
cities → districts/counties with GB/T 2260 codes, and departments), people, the
Jinzhou campaign's indicator definitions (``data/jinzhou-2024-indicators.yaml``),
projects with a realistic stage mix and their ``StageTransition`` history, amounts,
tags, batches, ``K`` progress reports per project spread over the year, problems,
and the history rows (django-simple-history) that creating those rows through the
services would have written for projects and problems (progress-report history rows
only with ``report_history=True``: they double the biggest table and no page reads
them in bulk). Targets per unit are set from the loaded data, like a campaign office
setting a target a little above last year's pace.

Rows are streamed in chunks of projects and written in bulk with ids assigned here:
PostgreSQL through ``COPY … FROM STDIN`` (psycopg 3), SQLite through ``executemany``
in large transactions with ``synchronous=OFF`` during the load. Every stage move is
checked by the services' ``validate_transition``.

What it does not write: 招商 leads and outreach (they need an enterprise registry with
valid credit codes; their indicators evaluate to 0 on a scale database), escalation
events and the history rows of the project ↔ tag/batch links.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from gongjian.indicators.models import Campaign, Indicator, Target
from gongjian.kit.bulk import write_rows
from gongjian.kit.dates import Period
from gongjian.kit.scope import SYSTEM
from gongjian.projects import rollup, stamps
from gongjian.projects.models import (
    STAGE_DATE_FIELD,
    Batch,
    Category,
    Problem,
    ProgressReport,
    Project,
    Stage,
    StageTransition,
    Tag,
)
from gongjian.projects.services import validate_transition
from gongjian.units import services as unit_services
from gongjian.units.models import Role, Unit, User

from .loader import (
    CATEGORY_WEIGHTS,
    CLUSTERS,
    FIRMS,
    GIVEN,
    PROBLEM_TEXT,
    PRODUCTS,
    PROGRESS_TEXT,
    SURNAMES,
    define_indicators,
)

SEED = 20240601
YEAR = 2024
TODAY = dt.date(2026, 1, 1)
WAN = 10_000
YI = 100_000_000
PROVINCE = ("210000", "辽宁省")
# Liaoning's cities (GB/T 2260); Jinzhou keeps its real county codes so that the
# campaign's fixed-unit indicators (凌河区, 210703) find their unit.
CITIES = [
    ("210100", "沈阳市"),
    ("210200", "大连市"),
    ("210300", "鞍山市"),
    ("210400", "抚顺市"),
    ("210500", "本溪市"),
    ("210600", "丹东市"),
    ("210700", "锦州市"),
    ("210800", "营口市"),
    ("210900", "阜新市"),
    ("211000", "辽阳市"),
    ("211100", "盘锦市"),
    ("211200", "铁岭市"),
    ("211300", "朝阳市"),
    ("211400", "葫芦岛市"),
]
JINZHOU_COUNTIES = [
    ("02", "古塔区"),
    ("03", "凌河区"),
    ("11", "太和区"),
    ("26", "黑山县"),
    ("27", "义县"),
    ("81", "凌海市"),
    ("82", "北镇市"),
]
# GB/T 2260 county digits: 01–20 市辖区, 21–80 县, 81–99 县级市
COUNTY_SUFFIXES = (
    [(f"{n:02d}", "district") for n in range(2, 21)]
    + [(f"{n:02d}", "county") for n in range(21, 40)]
    + [(f"{n:02d}", "county_city") for n in range(81, 90)]
)
KIND_NAME = {"district": "区", "county": "县", "county_city": "市"}
DEPARTMENTS = ["发展和改革委员会", "工业和信息化局", "住房和城乡建设局", "交通运输局", "商务局"]
# final stage → weight (a province's list in the autumn)
STAGE_MIX = [
    (Stage.PLANNED, 6),
    (Stage.SIGNED, 9),
    (Stage.LANDED, 7),
    (Stage.STARTED, 28),
    (Stage.RESUMED, 18),
    (Stage.STALLED, 3),
    (Stage.COMPLETED, 16),
    (Stage.IN_PRODUCTION, 13),
]
AMOUNT_BANDS = [
    (20 * 1_000_000 * 1, YI, 55),
    (YI, 5 * YI, 30),
    (5 * YI, 10 * YI, 9),
    (10 * YI, 50 * YI, 6),
]
TARGET_CODES = [
    "signed_count",
    "signed_amount",
    "landed_count",
    "landed_amount",
    "started_or_resumed",
    "completed_investment",
    "signed_ge_100m",
    "signed_ge_100m_amount",
    "landed_ge_20m",
    "landed_ge_20m_amount",
]
CHANGE_REASON = "规模测试数据"


# --- bulk writing -------------------------------------------------------------------


class Table:
    """Rows of one model as tuples in its concrete-column order, with every column the
    caller leaves out filled from the field's default (converted for the database once)."""

    def __init__(self, model: type[models.Model], now: dt.datetime):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        defaults = []
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            elif isinstance(f, models.DateTimeField) and not f.null and not f.has_default():
                value = now  # a history model's copy of an auto_now column
            elif f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            elif f.empty_strings_allowed and not isinstance(f, models.DateTimeField):
                value = ""  # text, file and JSON-free columns left blank
            else:
                value = None
            if value is not None and not isinstance(value, int | str):
                value = f.get_db_prep_save(value, connection)
            defaults.append(value)
        self.defaults = defaults
        self.rows: list[tuple] = []
        self.written = 0
        pk = model._meta.pk
        self.next_id = (model.objects.aggregate(m=models.Max(pk.attname))["m"] or 0) + 1

    def take_id(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value

    def add(self, values: dict) -> None:
        row = self.defaults.copy()
        index = self.index
        for key, value in values.items():
            row[index[key]] = value
        self.rows.append(tuple(row))

    def flush(self) -> None:
        if not self.rows:
            return
        write_rows(self.model._meta.db_table, [f.column for f in self.fields], self.rows)
        self.written += len(self.rows)
        self.rows = []


def reset_sequences(model_list: list[type[models.Model]]) -> None:
    """After rows were written with explicit ids, move PostgreSQL's sequences past them."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), model_list):
            cur.execute(sql)


# --- the province -------------------------------------------------------------------


@dataclass
class ScaleResult:
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0


def _rand_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _after(rng: random.Random, day: dt.date, lo: int, hi: int, limit: dt.date) -> dt.date:
    return min(limit, day + dt.timedelta(days=rng.randint(lo, hi)))


def stage_events(rng: random.Random, final: str) -> list[tuple[str, dt.date]]:
    """A plausible dated stage history ending at ``final`` (all within the rules)."""
    y0, y1 = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    if final == Stage.PLANNED:
        return []
    continuing = final in (Stage.RESUMED,) or (
        final in (Stage.COMPLETED, Stage.IN_PRODUCTION) and rng.random() < 0.5
    )
    if continuing:  # a project started in earlier years and resumed this year
        signed = _rand_date(rng, dt.date(YEAR - 3, 1, 1), dt.date(YEAR - 2, 6, 30))
        landed = _after(rng, signed, 20, 120, dt.date(YEAR - 1, 3, 31))
        started = _after(rng, landed, 20, 150, dt.date(YEAR - 1, 10, 31))
        resumed = _rand_date(rng, dt.date(YEAR, 2, 20), dt.date(YEAR, 4, 30))
        events = [
            (Stage.SIGNED, signed),
            (Stage.LANDED, landed),
            (Stage.STARTED, started),
            (Stage.RESUMED, resumed),
        ]
        last = resumed
    else:
        signed = _rand_date(rng, dt.date(YEAR - 1, 10, 1), dt.date(YEAR, 11, 30))
        events = [(Stage.SIGNED, signed)]
        if final == Stage.SIGNED:
            return events
        landed = _after(rng, signed, 10, 90, y1)
        events.append((Stage.LANDED, landed))
        if final == Stage.LANDED:
            return events
        started = max(_after(rng, landed, 10, 90, y1), min(y0 + dt.timedelta(days=59), y1))
        started = min(started, y1)
        events.append((Stage.STARTED, started))
        last = started
    if final == Stage.STALLED:
        events.append((Stage.STALLED, _after(rng, last, 30, 150, y1)))
    elif final in (Stage.COMPLETED, Stage.IN_PRODUCTION):
        completed = _after(rng, last, 60, 240, y1)
        events.append((Stage.COMPLETED, completed))
        if final == Stage.IN_PRODUCTION:
            events.append((Stage.IN_PRODUCTION, _after(rng, completed, 5, 60, y1)))
    return events


class ScaleGenerator:
    def __init__(
        self,
        *,
        projects: int,
        reports_per_project: int,
        units: int,
        seed: int = SEED,
        report_history: bool = False,
        chunk: int = 5000,
        log: Callable[[str], None] = print,
    ):
        if projects < 1 or units < 4 or not 0 <= reports_per_project <= 366:
            raise ValueError("项目数须至少为 1,单位数至少为 4,每个项目的进度报告数须在 0–366 之间")
        self.n_projects = projects
        self.k = reports_per_project
        self.n_units = units
        self.rng = random.Random(seed)
        self.report_history = report_history
        self.chunk = chunk
        self.log = log
        self.now = timezone.make_aware(dt.datetime(TODAY.year, TODAY.month, TODAY.day))

    # --- reference data (few rows, through the services) ---------------------------

    def build_units(self) -> None:
        self.province = unit_services.unit_create(
            actor=SYSTEM, name=PROVINCE[1], kind="province", code=PROVINCE[0]
        )
        n_cities = max(1, min(len(CITIES), (self.n_units - 1) // 6))
        per_city = max(2, (self.n_units - 1 - n_cities) // n_cities)
        cities = CITIES[:n_cities]
        if not any(c[0] == "210700" for c in cities):
            cities[-1] = CITIES[6]  # keep Jinzhou: the campaign's fixed-unit indicators need it
        self.cities, self.areas, self.departments = [], [], {}
        for order, (code, name) in enumerate(cities, start=1):
            city = unit_services.unit_create(
                actor=SYSTEM,
                name=name,
                kind="city",
                parent=self.province,
                code=code,
                sort_order=order,
            )
            self.cities.append(city)
            n_depts = max(1, per_city // 5)
            n_areas = per_city - n_depts
            if code == "210700":
                counties = [
                    (
                        s,
                        "district" if int(s) < 21 else "county" if int(s) < 81 else "county_city",
                        n,
                    )
                    for s, n in JINZHOU_COUNTIES
                ][:n_areas]
            else:
                counties = [
                    (s, kind, f"{name[:-1]}{i + 1}{KIND_NAME[kind]}")
                    for i, (s, kind) in enumerate(COUNTY_SUFFIXES[:n_areas])
                ]
            for i, (suffix, kind, cname) in enumerate(counties, start=1):
                self.areas.append(
                    unit_services.unit_create(
                        actor=SYSTEM,
                        name=cname,
                        kind=kind,
                        parent=city,
                        code=code[:4] + suffix,
                        sort_order=i,
                    )
                )
            self.departments[city.pk] = [
                unit_services.unit_create(
                    actor=SYSTEM,
                    name=f"{name}{DEPARTMENTS[i % len(DEPARTMENTS)]}",
                    kind="department",
                    parent=city,
                    sort_order=100 + i,
                )
                for i in range(n_depts)
            ]
        self.city_of = {
            a.pk: next(c for c in self.cities if a.parent_id == c.pk) for a in self.areas
        }

    def build_people(self) -> None:
        create = unit_services.user_create
        rng = self.rng
        create(
            actor=SYSTEM,
            username="province_office",
            full_name="省攻坚办管理员",
            memberships=[(self.province, Role.OFFICE)],
        )
        self.leaders: dict[int, list[User]] = {}
        for city in self.cities:
            self.leaders[city.pk] = [
                create(
                    actor=SYSTEM,
                    username=f"s{city.code}_leader{i}",
                    full_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    memberships=[(city, Role.LEADER)],
                )
                for i in (1, 2)
            ]
        for area in self.areas:
            create(
                actor=SYSTEM,
                username=f"s{area.code}_op",
                full_name=f"{area.name}填报员",
                memberships=[(area, Role.OPERATOR)],
            )
            self.leaders[area.pk] = [
                create(
                    actor=SYSTEM,
                    username=f"s{area.code}_leader",
                    full_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    memberships=[(area, Role.LEADER)],
                )
            ]

    def build_catalogue(self) -> None:
        tags = [
            ("provincial_major", "省重大工程"),
            ("central_local", "央地合作"),
            ("provincial_central_local", "省央地合作重大项目"),
            ("shuanggao", "双高"),
            ("escalated", "提级管理"),
        ]
        self.tags = {
            slug: Tag.objects.get_or_create(slug=slug, defaults={"name": name})[0].pk
            for slug, name in tags
        }
        self.batches = {
            code: Batch.objects.get_or_create(
                code=code, defaults={"name": name, "kind": kind, "year": year, "held_on": held}
            )[0].pk
            for code, name, kind, year, held in [
                (
                    "2024-collective-start",
                    "2024年春季重点项目集中开工",
                    Batch.Kind.COLLECTIVE_START,
                    YEAR,
                    dt.date(YEAR, 3, 28),
                ),
                (
                    "2025-shuanggao-first",
                    "2025年首批双高推进重点项目",
                    Batch.Kind.KEY_LIST,
                    YEAR + 1,
                    None,
                ),
            ]
        }
        self.campaign = Campaign.objects.create(
            year=YEAR, name=f"{YEAR} {PROVINCE[1]}攻坚", root_unit=self.province
        )

    def build_indicators(self) -> None:
        """The Jinzhou campaign's definitions (the demo loader's file), minus those whose
        fixed unit or base indicator is not in this province."""
        self.indicator: dict[str, Indicator] = define_indicators(
            {u.code: u for u in Unit.objects.filter(path__startswith=self.province.path)}
        )

    # --- the registry (bulk) -----------------------------------------------------

    def build_registry(self) -> dict[str, int]:
        rng = random.Random(self.rng.random())
        now = self.now
        through_tags, through_batches = Project.tags.through, Project.batches.through
        t = {
            "projects": Table(Project, now),
            "project_history": Table(Project.history.model, now),
            "transitions": Table(StageTransition, now),
            "tags": Table(through_tags, now),
            "batches": Table(through_batches, now),
            "reports": Table(ProgressReport, now),
            "problems": Table(Problem, now),
            "problem_history": Table(Problem.history.model, now),
        }
        if self.report_history:
            t["report_history"] = Table(ProgressReport.history.model, now)
        stages, stage_w = zip(*STAGE_MIX, strict=True)
        cats, cat_w = zip(*CATEGORY_WEIGHTS, strict=True)
        bands = [(lo, hi) for lo, hi, _w in AMOUNT_BANDS]
        band_w = [w for _lo, _hi, w in AMOUNT_BANDS]
        # areas weighted: some districts carry far more projects than others
        area_w = [rng.uniform(0.3, 3.0) for _ in self.areas]
        periods = self._report_periods()
        year_start, year_end = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
        seq = 0
        for start in range(0, self.n_projects, self.chunk):
            stop = min(self.n_projects, start + self.chunk)
            for _ in range(start, stop):
                seq += 1
                area = rng.choices(self.areas, area_w)[0]
                city = self.city_of[area.pk]
                category = rng.choices(cats, cat_w)[0]
                lo, hi = rng.choices(bands, band_w)[0]
                total = int(rng.uniform(lo, hi)) // WAN * WAN
                final = rng.choices(stages, stage_w)[0]
                events = stage_events(rng, final)
                pid = t["projects"].take_id()
                firm, product = rng.choice(FIRMS), rng.choice(PRODUCTS[category])
                big = total >= 10 * YI
                row = {
                    "id": pid,
                    "code": f"SC{seq:08d}",
                    "name": f"{area.name[:2]}{firm}{product}项目",
                    "unit_id": area.pk,
                    "responsible_unit_id": rng.choice(self.departments[city.pk]).pk,
                    "leader_id": rng.choice(self.leaders[city.pk if big else area.pk]).pk,
                    "category": category,
                    "industry_cluster": rng.choice(CLUSTERS)
                    if category == Category.INDUSTRY
                    else "",
                    "enterprise_name": f"{area.name[:2]}{firm}{product[:2]}有限公司",
                    "total_investment": total,
                    "planned_investment": 0,
                    "completed_investment": 0,
                    "stage": Stage.PLANNED,
                    "version": 1,
                }
                probe = Project(stage=Stage.PLANNED)
                last = None
                for stage, day in events:
                    validate_transition(probe, stage, day, last, today=TODAY)
                    probe.stage = stage
                    setattr(probe, STAGE_DATE_FIELD[Stage(stage)], day)
                    row[STAGE_DATE_FIELD[Stage(stage)]] = day
                    row["stage"] = stage
                    if stage in (Stage.SIGNED, Stage.LANDED, Stage.STARTED, Stage.RESUMED) and (
                        row.get("first_event_on") is None or day < row["first_event_on"]
                    ):
                        row["first_event_on"] = day
                    last = day
                    t["transitions"].add(
                        {
                            "id": t["transitions"].take_id(),
                            "project_id": pid,
                            "stage": stage,
                            "occurred_on": day,
                            "note": CHANGE_REASON,
                        }
                    )
                begun = row.get("resumed_on") or row.get("started_on")
                if begun and begun.year == YEAR:
                    row["planned_investment"] = int(total * rng.uniform(0.25, 0.6)) // WAN * WAN
                # tags and batches
                tags = []
                if big or rng.random() < 0.02:
                    if rng.random() < 0.35:
                        tags.append("provincial_major")
                if rng.random() < (0.08 if big else 0.015):
                    tags.append("central_local")
                if "provincial_major" in tags and "central_local" in tags:
                    tags.append("provincial_central_local")
                if big and rng.random() < 0.5:
                    tags.append("shuanggao")
                if big or "provincial_major" in tags:
                    tags.append("escalated")  # the 10亿 escalation rule
                for slug in tags:
                    t["tags"].add(
                        {"id": t["tags"].take_id(), "project_id": pid, "tag_id": self.tags[slug]}
                    )
                started = row.get("started_on")
                if started and dt.date(YEAR, 3, 20) <= started <= dt.date(YEAR, 3, 31):
                    t["batches"].add(
                        {
                            "id": t["batches"].take_id(),
                            "project_id": pid,
                            "batch_id": self.batches["2024-collective-start"],
                        }
                    )
                # progress reports: every project on the year's list reports each period
                if row.get("first_event_on") and self.k:
                    self._reports(rng, t, row, periods, year_end)
                t["projects"].add(row)
                t["project_history"].add(
                    row
                    | {
                        "history_id": t["project_history"].take_id(),
                        "history_date": now,
                        "history_type": "+",
                        "history_change_reason": CHANGE_REASON,
                    }
                )
                # problems: some projects under construction, and most of the slow ones
                if begun and (rng.random() < 0.08 or row["stage"] == Stage.STALLED):
                    raised = _rand_date(rng, max(begun, year_start), year_end)
                    deadline = raised + dt.timedelta(days=rng.randint(15, 75))
                    status = rng.choices(list(Problem.Status), [15, 20, 15, 50])[0]
                    kind = rng.choice(list(Problem.Kind))
                    done = status in (Problem.Status.RESOLVED, Problem.Status.VERIFIED)
                    prow = {
                        "id": t["problems"].take_id(),
                        "project_id": pid,
                        "kind": kind,
                        "description": rng.choice(PROBLEM_TEXT[kind]),
                        "owner_unit_id": row["responsible_unit_id"],
                        "leader_id": row["leader_id"],
                        "raised_on": raised,
                        "deadline": deadline,
                        "status": status,
                        "resolved_on": deadline - dt.timedelta(days=3) if done else None,
                        "verified_on": deadline if status == Problem.Status.VERIFIED else None,
                    }
                    t["problems"].add(prow)
                    t["problem_history"].add(
                        prow
                        | {
                            "history_id": t["problem_history"].take_id(),
                            "history_date": now,
                            "history_type": "+",
                            "history_change_reason": CHANGE_REASON,
                        }
                    )
            with transaction.atomic():
                for name in ("projects", "project_history", "transitions", "tags", "batches"):
                    t[name].flush()
                for table in t.values():
                    table.flush()
            self.log(
                f"  {stop:,} / {self.n_projects:,} 个项目, {t['reports'].written:,} 条进度报告"
            )
        reset_sequences([table.model for table in t.values()])
        return {name: table.written for name, table in t.items()}

    def _report_periods(self) -> list[tuple[dt.date, dt.date]]:
        """``k`` consecutive reporting periods covering the year."""
        if not self.k:
            return []
        days = (dt.date(YEAR, 12, 31) - dt.date(YEAR, 1, 1)).days + 1
        bounds = [
            dt.date(YEAR, 1, 1) + dt.timedelta(days=days * i // self.k) for i in range(self.k + 1)
        ]
        return [(bounds[i], bounds[i + 1] - dt.timedelta(days=1)) for i in range(self.k)]

    def _reports(self, rng, t, row, periods, year_end) -> None:
        begun = row.get("resumed_on") or row.get("started_on")
        active_from = begun if begun and begun.year == YEAR else None
        stop = row.get("stalled_on") or row.get("completed_on") or year_end
        planned = row["planned_investment"]
        pace = rng.choice((1.05, 1.0, 0.95, 0.9, 0.8, 0.7, 0.5, 0.3))
        if active_from is None and begun:  # under construction since earlier years
            active_from = dt.date(YEAR, 1, 1)
        building = [p for p in periods if active_from and p[1] >= active_from and p[0] <= stop]
        share = int(planned * pace) // max(1, len(building)) // WAN * WAN if building else 0
        cumulative = 0
        reports, history = t["reports"], t.get("report_history")
        approved, submitted = ProgressReport.Status.APPROVED, ProgressReport.Status.SUBMITTED
        for p_start, p_end in periods:
            amount = share if building and p_end >= active_from and p_start <= stop else 0
            cumulative += amount
            rid = reports.take_id()
            r = {
                "id": rid,
                "project_id": row["id"],
                "period_start": p_start,
                "period_end": p_end,
                "investment_this_period": amount,
                "cumulative_investment": cumulative,
                "progress_text": PROGRESS_TEXT[rid % len(PROGRESS_TEXT)] if amount else "",
                "status": approved if p_end.month < 11 else submitted,
            }
            reports.add(r)
            if history is not None:
                history.add(
                    r
                    | {
                        "history_id": history.take_id(),
                        "history_date": self.now,
                        "history_type": "+",
                        "history_change_reason": CHANGE_REASON,
                    }
                )
        row["completed_investment"] = cumulative

    # --- targets ----------------------------------------------------------------------

    def build_targets(self) -> int:
        """Targets for the province, every city and every area: the year's value × 1.02–1.3
        (the office sets them a little above the pace), from one grouped query each."""
        from simple_history.utils import bulk_create_with_history

        from gongjian.indicators.engine import evaluate_by_unit

        rng = random.Random(SEED + 4)
        units = [self.province, *self.cities, *self.areas]
        period = Period.year_to_date(YEAR, dt.date(YEAR, 12, 31))
        targets = []
        for code in TARGET_CODES:
            indicator = self.indicator.get(code)
            if indicator is None:
                continue
            values = evaluate_by_unit(indicator, units, period)
            for unit in units:
                value = values.get(unit.pk) or 0
                goal = max(1, int(value * rng.uniform(1.02, 1.3)))
                if indicator.display_unit == "元":
                    goal = max(YI, goal // YI * YI)
                targets.append(
                    Target(indicator=indicator, unit=unit, year=YEAR, value=Decimal(goal))
                )
        bulk_create_with_history(
            targets, Target, batch_size=1000, default_change_reason=CHANGE_REASON
        )
        return len(targets)

    # --- all of it --------------------------------------------------------------------

    def run(self) -> ScaleResult:
        if Campaign.objects.filter(root_unit__code=PROVINCE[0], year=YEAR).exists():
            raise ValueError(f"数据库中已有{PROVINCE[1]} {YEAR} 年的规模测试数据,请使用空数据库")
        started = time.perf_counter()
        sqlite = connection.vendor == "sqlite"
        if sqlite:
            with connection.cursor() as cur:
                # the rollback journal in memory and no fsync while loading; WAL again after
                cur.execute("PRAGMA journal_mode=MEMORY")
                cur.execute("PRAGMA synchronous=OFF")
                cur.execute("PRAGMA cache_size=-200000")
                cur.execute("PRAGMA temp_store=MEMORY")
        try:
            with transaction.atomic():
                self.build_units()
                self.build_people()
                self.build_catalogue()
                self.build_indicators()
            self.log(
                f"单位 {1 + len(self.cities) + len(self.areas)} 个(另有部门),指标 {len(self.indicator)} 个"
            )
            if sqlite:  # row triggers: the roll-up is rebuilt in one pass after the load
                with rollup.suspended(), stamps.suspended():
                    rows = self.build_registry()
            else:  # statement triggers: one grouped update per COPY
                rows = self.build_registry()
            with connection.cursor() as cur:
                cur.execute("ANALYZE")  # planner statistics before the targets' queries
            with transaction.atomic():
                rows["targets"] = self.build_targets()
        finally:
            if sqlite:
                with connection.cursor() as cur:
                    cur.execute("PRAGMA synchronous=NORMAL")
                    cur.execute("PRAGMA journal_mode=WAL")
        rows["units"] = Unit.objects.filter(path__startswith=self.province.path).count()
        return ScaleResult(time.perf_counter() - started, rows)


def generate(
    *,
    projects: int,
    reports_per_project: int = 50,
    units: int = 300,
    seed: int = SEED,
    report_history: bool = False,
    log: Callable[[str], None] = print,
) -> ScaleResult:
    """Write the synthetic province into the current (empty, migrated) database."""
    return ScaleGenerator(
        projects=projects,
        reports_per_project=reports_per_project,
        units=units,
        seed=seed,
        report_history=report_history,
        log=log,
    ).run()
