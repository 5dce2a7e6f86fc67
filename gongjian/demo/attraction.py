"""招商引资 in the Jinzhou 2024 demo: the enterprise registry, outreach batches, leads.

Deterministic (fixed seed). Built so that the engine counts, for the city in 2024 as
of 2024-10-31, exactly ``outreach_batches`` batches held and ``enterprises_contacted``
distinct enterprises met (the facts file's figures); every signed project of the demo
gets the lead it came from (its 签约 and later stages stay the project's history); the
``matrix_21152`` goals are loaded as targets on the 21152 tier indicators.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from typing import TYPE_CHECKING

from simple_history.utils import bulk_create_with_history

from gongjian.attraction.models import (
    Lead,
    LeadStage,
    LeadTransition,
    Outreach,
    OutreachContact,
)
from gongjian.enterprises.models import (
    Enterprise,
    EnterpriseRevenue,
    IndustryCluster,
    TierThresholds,
    growth_of,
    normalise_name,
)
from gongjian.enterprises.services import tiers_refresh
from gongjian.indicators import services as indicator_services
from gongjian.indicators.models import Indicator, Target
from gongjian.kit.scope import SYSTEM
from gongjian.kit.validators import CREDIT_CODE_CHARS, credit_code_check_char
from gongjian.projects.models import Category

from . import plan as P

if TYPE_CHECKING:
    from .loader import _Loader

SEED = P.SEED + 50
# 培育石化及精细化工、新材料2个千亿级产业集群: the clusters whose members' revenue passes
# 1,000亿 in the demo
GROWN_CLUSTERS = ("石化及精细化工", "新材料")
WINDOW = (dt.date(P.YEAR, 1, 1), P.AS_OF)
REASON = "锦州 2024 演示数据"
OPEN_LEADS = 1600
EXTRA_ENTERPRISES = 2400

REGIONS = [
    ("北京", "110105"),
    ("上海", "310115"),
    ("深圳", "440305"),
    ("广州", "440106"),
    ("杭州", "330106"),
    ("苏州", "320505"),
    ("天津", "120116"),
    ("沈阳", "210106"),
    ("大连", "210204"),
    ("南京", "320115"),
    ("武汉", "420111"),
    ("成都", "510107"),
    ("西安", "610113"),
    ("青岛", "370212"),
    ("宁波", "330212"),
    ("无锡", "320214"),
    ("长沙", "430104"),
    ("合肥", "340104"),
]
BRANDS = (
    "华信 中泰 恒瑞 博越 瀚海 天合 晨光 国润 金桥 远景 星河 安达 宏图 同创 鼎盛 "
    "嘉禾 海纳 启明 云帆 联创 正邦 长城 新元 汇能 凯达 永信 德诚 盛世 优科 卓越"
).split()
TRADES = {
    "central_local": ["能源", "建设", "投资", "港航"],
    "biomedicine": ["生物医药", "制药", "医疗器械", "生物科技"],
    "electronics": ["电子信息", "半导体", "智能科技", "光电"],
    "new_materials": ["新材料", "复合材料", "新型材料", "先进材料"],
    "culture_tourism": ["文旅", "文化旅游", "旅游发展", "文化传媒"],
    "petrochemical": ["石化", "精细化工", "化工科技"],
    "equipment": ["装备制造", "机械", "智能装备"],
    "new_energy": ["新能源", "储能科技", "光伏"],
    "agriculture": ["农牧", "食品", "农业科技"],
    "other": ["实业", "控股", "商贸"],
}
THEME_CLUSTER = {
    "biomedicine": "生物医药",
    "electronics": "电子信息",
    "new_materials": "新材料",
    "petrochemical": "石化及精细化工",
    "equipment": "工程机械与高端重型装备",
    "new_energy": "新能源",
    "agriculture": "现代高效畜牧业",
}
KIND_TITLE = {"going_out": "赴{place}", "inviting_in": "{place}企业来锦考察", "online": "线上"}
PUBLIC_BUILDERS = {
    Category.INFRASTRUCTURE: "城市建设投资",
    Category.LIVELIHOOD: "社会事业发展",
    Category.AGRICULTURE: "农业发展",
    Category.TOURISM: "文化旅游投资",
    Category.COMMERCE: "商贸发展",
    Category.INDUSTRY: "产业发展",
    Category.OTHER: "城市发展",
}
NEXT_STEPS = ["安排实地考察", "对接用地需求", "提交投资协议文本", "组织项目评审", "商谈优惠政策"]
STOP_REASONS = ["企业投资计划调整", "选址条件不满足", "能耗指标不足", "企业资金链紧张"]
# The 21152 tier goals (matrix_21152 keys) → tier indicator filter.
MATRIX_TIERS = {
    "enterprises_ge_10bn": "ge_10bn",
    "enterprises_ge_5bn": "ge_5bn",
    "enterprises_ge_1bn": "ge_1bn",
    "high_growth_ge_100m": "high_growth",
}
# Cohort counts (code, name, lead registry event, 口径说明): the leads that had an event in
# the period (the cohort) and have reached a later stage by its end. The funnel's steps
# after 接洽 and the numerators of the conversion rates, so that a rate's two sides count
# the same leads and a funnel step never exceeds the one before it.
COHORTS = [
    (
        "lead_cohort.contacted_signed",
        "新接洽线索中已签约",
        "contacted_then_signed",
        "期间内新接洽的招商线索中,截至统计截止日已签约(含已落地、开工、投产)的个数",
    ),
    (
        "lead_cohort.contacted_landed",
        "新接洽线索中已落地",
        "contacted_then_landed",
        "期间内新接洽的招商线索中,截至统计截止日已落地(含已开工、投产)的个数",
    ),
    (
        "lead_cohort.contacted_started",
        "新接洽线索中已开工",
        "contacted_then_started",
        "期间内新接洽的招商线索中,截至统计截止日已开工(含已投产)的个数",
    ),
    (
        "lead_cohort.contacted_in_production",
        "新接洽线索中已投产",
        "contacted_then_in_production",
        "期间内新接洽的招商线索中,截至统计截止日已投产的个数",
    ),
    (
        "lead_cohort.signed_landed",
        "签约线索中已落地",
        "signed_then_landed",
        "期间内签约的招商线索中,截至统计截止日已落地(含已开工、投产)的个数",
    ),
    (
        "lead_cohort.landed_started",
        "落地项目中已开工",
        "landed_then_started",
        "期间内落地的招商项目中,截至统计截止日已开工(含已投产)的个数",
    ),
]
# Rate indicators (numerator ÷ denominator, 口径说明), defined here because they refer to
# others: each the share of one cohort that went on, never above 100 %.
RATIOS = [
    (
        "lead_conversion.signed",
        "招商线索签约转化率",
        "lead_cohort.contacted_signed",
        "leads_contacted",
        "期间内新接洽的线索中截至统计截止日已签约的比例(分子分母为同一批线索)",
    ),
    (
        "lead_conversion.landed",
        "签约项目落地率",
        "lead_cohort.signed_landed",
        "leads_signed",
        "期间内签约的线索中截至统计截止日已落地(含已开工、投产)的比例;往年签约、本期落地的不计入",
    ),
    (
        "lead_conversion.started",
        "落地项目开工率",
        "lead_cohort.landed_started",
        "leads_landed",
        "期间内落地的项目中截至统计截止日已开工(含已投产)的比例;往年落地、本期开工的不计入",
    ),
]


def _credit_code(rng: random.Random, division: str, used: set[str]) -> str:
    while True:
        body = "91" + division + "".join(rng.choice(CREDIT_CODE_CHARS[:10]) for _ in range(8))
        body += rng.choice(CREDIT_CODE_CHARS)
        code = body + credit_code_check_char(body)
        if code not in used:
            used.add(code)
            return code


class _Names:
    def __init__(self):
        self.used: set[str] = set()

    def take(self, name: str) -> bool:
        key = normalise_name(name)
        if key in self.used:
            return False
        self.used.add(key)
        return True


def load_attraction(loader: _Loader) -> None:
    """Add the 招商 registries to the demo the loader is building."""
    rng = random.Random(SEED)
    facts = loader.facts_by_id()
    units = list(loader.by_code.values())
    county_keys = list(loader.by_code)
    names = _Names()
    codes: set[str] = set()
    enterprises: list[Enterprise] = []

    def enterprise(name, unit, division, cluster="", industry="", region="锦州"):
        e = Enterprise(
            name=name,
            normalized_name=normalise_name(name),
            credit_code=_credit_code(rng, division, codes),
            unit=unit,
            cluster=cluster,
            industry=industry,
            region=region,
        )
        enterprises.append(e)
        return e

    # 1. the enterprises behind the demo's signed projects (one per enterprise name)
    signed = [p for p in loader.project_rows if any(s == "signed" for s, _ in p._events)]
    by_name: dict[str, Enterprise] = {}
    project_enterprise = {}
    for project in signed:
        name = project.enterprise_name or (
            f"{project.unit.name[:2]}{PUBLIC_BUILDERS[project.category]}有限公司"
        )
        if name not in by_name:
            names.take(name)
            division = project.unit.code or "210700"
            by_name[name] = enterprise(
                name,
                project.unit,
                division,
                cluster=project.industry_cluster,
                industry=Category(project.category).label,
            )
        project_enterprise[project.pk] = by_name[name]

    # 2. enterprises met elsewhere: open leads and outreach contacts
    def outside_enterprise() -> Enterprise:
        while True:
            region, division = rng.choice(REGIONS)
            theme = rng.choice(list(TRADES))
            name = f"{region}{rng.choice(BRANDS)}{rng.choice(TRADES[theme])}有限公司"
            if names.take(name):
                e = enterprise(
                    name,
                    loader.by_code[rng.choice(county_keys)],
                    division,
                    cluster=THEME_CLUSTER.get(theme, ""),
                    region=region,
                )
                e._theme = theme
                return e

    open_enterprises = [outside_enterprise() for _ in range(OPEN_LEADS)]
    extras = [outside_enterprise() for _ in range(EXTRA_ENTERPRISES)]
    bulk_create_with_history(enterprises, Enterprise, batch_size=1000, default_change_reason=REASON)
    saved = dict(
        Enterprise.objects.filter(unit__path__startswith=loader.city.path).values_list(
            "normalized_name", "pk"
        )
    )
    for e in enterprises:
        e.pk = saved[e.normalized_name]

    # 3. revenue: the local firms of the 21152 matrix, below the city's goals; the city's
    # industrial clusters
    _revenues(rng, list(by_name.values()), extras)
    from .loader import CLUSTERS

    IndustryCluster.objects.bulk_create(
        IndustryCluster(name=name, unit=loader.city, sort_order=n)
        for n, name in enumerate(CLUSTERS, start=1)
    )

    # 4. leads: one per signed project (linked), and open ones
    leads, transitions = [], []
    lead_enterprise_dates: list[tuple[Enterprise, dt.date]] = []
    for project in signed:
        signed_on = dict(project._events)["signed"]
        contacted = signed_on - dt.timedelta(days=rng.randint(25, 220))
        talks = contacted + dt.timedelta(days=max(1, int((signed_on - contacted).days * 0.5)))
        e = project_enterprise[project.pk]
        lead = Lead(
            name=project.name,
            enterprise_id=e.pk,
            intended_investment=project.total_investment,
            category=project.category,
            industry_cluster=project.industry_cluster,
            unit_id=project.unit_id,
            official_id=project.leader_id,
            stage=LeadStage.SIGNED,
            contacted_on=contacted,
            project_id=project.pk,
        )
        lead._moves = [(LeadStage.CONTACT, contacted), (LeadStage.NEGOTIATING, talks)]
        leads.append(lead)
        lead_enterprise_dates.append((e, contacted))
    for e in open_enterprises:
        contacted = dt.date(P.YEAR, 1, 8) + dt.timedelta(days=rng.randint(0, 280))
        roll = rng.random()
        stage = (
            LeadStage.CONTACT
            if roll < 0.35
            else (LeadStage.NEGOTIATING if roll < 0.8 else LeadStage.TERMINATED)
        )
        moves = [(LeadStage.CONTACT, contacted)]
        later = contacted + dt.timedelta(days=rng.randint(10, 60))
        if stage != LeadStage.CONTACT:
            moves.append((stage, min(later, P.AS_OF)))
        amount = rng.choice([3, 5, 8, 12, 20, 30, 50, 80, 150, 300]) * 10_000_000
        unit = e.unit
        lead = Lead(
            name=f"{e.name.removesuffix('有限公司')}{rng.choice(['产业园', '生产基地', '研发中心'])}项目",
            enterprise_id=e.pk,
            intended_investment=amount,
            category=Category.INDUSTRY if e.cluster else Category.COMMERCE,
            industry_cluster=e.cluster,
            unit_id=unit.pk,
            official_id=rng.choice(loader.county_leaders[_key_of(loader, unit)]).pk,
            stage=stage,
            contacted_on=contacted,
            terminated_reason=rng.choice(STOP_REASONS) if stage == LeadStage.TERMINATED else "",
            expected_sign_on=None
            if stage == LeadStage.TERMINATED
            else contacted + dt.timedelta(days=rng.randint(90, 300)),
            next_step="" if stage == LeadStage.TERMINATED else rng.choice(NEXT_STEPS),
            next_step_due=None
            if stage == LeadStage.TERMINATED
            else later + dt.timedelta(days=rng.randint(5, 60)),
        )
        lead._moves = moves
        leads.append(lead)
        lead_enterprise_dates.append((e, contacted))
    bulk_create_with_history(leads, Lead, batch_size=1000, default_change_reason=REASON)
    by_enterprise_name = {}
    for lead in leads:
        key = (lead.enterprise_id, lead.name, lead.project_id)
        by_enterprise_name[key] = lead
    for pk, ent, name, project_id in Lead.objects.filter(
        unit__path__startswith=loader.city.path
    ).values_list("pk", "enterprise_id", "name", "project_id"):
        lead = by_enterprise_name[(ent, name, project_id)]
        for stage, day in lead._moves:
            transitions.append(
                LeadTransition(lead_id=pk, stage=stage, occurred_on=day, note=REASON)
            )
    LeadTransition.objects.bulk_create(transitions, batch_size=2000)

    # 5. outreach batches: exactly the article's count inside the window
    target_batches = facts["outreach_batches"]["value"]
    target_contacted = facts["enterprises_contacted"]["value"]
    batches = _outreach_batches(rng, loader, units, target_batches)
    _contacts(rng, batches, lead_enterprise_dates, extras, target_contacted)

    # 6. matrix targets, the cohort counts and the rate indicators
    _matrix_targets(loader, facts["matrix_21152"]["value"])
    for code, name, event, quote in COHORTS:
        loader.indicator[code] = indicator_services.indicator_define(
            actor=SYSTEM,
            code=code,
            name=name,
            kind=Indicator.Kind.COMPUTED,
            registry="leads",
            measure=Indicator.Measure.COUNT,
            period_mode=Indicator.PeriodMode.EVENT,
            event=event,
            display_unit="个",
            quote=quote,
            sort_order=len(loader.indicator) + 1,
        )
    for code, name, numerator, denominator, quote in RATIOS:
        loader.indicator[code] = indicator_services.indicator_define(
            actor=SYSTEM,
            code=code,
            name=name,
            kind=Indicator.Kind.RATIO,
            base_indicator=loader.indicator[numerator],
            denominator=loader.indicator[denominator],
            display_unit="比率",
            quote=quote,
            sort_order=len(loader.indicator) + 1,
        )


def _key_of(loader: _Loader, unit) -> str:
    return next(k for k, u in loader.by_code.items() if u.pk == unit.pk)


def _clusters_first(firms: list[Enterprise], count: int) -> list[Enterprise]:
    """``firms`` with their first ``count`` places taken by firms of the 千亿级 clusters
    (``GROWN_CLUSTERS``) in turn, each in its order in ``firms``; the rest keep theirs."""
    queues = [[e for e in firms if e.cluster == name] for name in GROWN_CLUSTERS]
    first: list[Enterprise] = []
    while len(first) < count and any(queues):
        for queue in queues:
            if queue and len(first) < count:
                first.append(queue.pop(0))
    chosen = {id(e) for e in first}
    return first + [e for e in firms if id(e) not in chosen]


def _revenues(rng: random.Random, local: list[Enterprise], extras: list[Enterprise]) -> None:
    """The latest two years' revenue of the 21152 firms, in bands below the city's goals.
    The ≥10亿 firms belong to the two clusters the article names, so that their members'
    revenue passes 1,000亿 (千亿级产业集群: exactly those two); the high-growth band grew
    11–33 % over the year before (at least the default rate of 10 %)."""
    yi = P.YI
    bands = [(7, 100, 260), (8, 50, 95), (38, 10, 48), (150, 1, 9.5)]
    firms = sorted(local, key=lambda e: e.name)
    rng.shuffle(firms)
    firms = _clusters_first(firms, sum(count for count, *_ in bands[:3]))
    rows = []
    position = 0
    for count, low, high in bands:
        # the year before: the high-growth band grew fast, the others about as before
        before = (0.75, 0.9) if low < 10 else (0.8, 1.05)
        for e in firms[position : position + count]:
            latest = int(rng.uniform(low, high) * yi) // 10_000 * 10_000
            rows.append(EnterpriseRevenue(enterprise_id=e.pk, year=P.YEAR - 1, revenue=latest))
            rows.append(
                EnterpriseRevenue(
                    enterprise_id=e.pk,
                    year=P.YEAR - 2,
                    revenue=int(latest * rng.uniform(*before)) // 10_000 * 10_000,
                )
            )
        position += count
    for e in firms[position:] + extras[:400]:
        rows.append(
            EnterpriseRevenue(
                enterprise_id=e.pk,
                year=P.YEAR - 1,
                revenue=int(rng.uniform(0.05, 0.95) * yi) // 10_000 * 10_000,
            )
        )
    bulk_create_with_history(rows, EnterpriseRevenue, batch_size=2000, default_change_reason=REASON)
    latest: dict[int, tuple[int, int]] = {}
    by_year = {(row.enterprise_id, row.year): row.revenue for row in rows}
    for row in rows:
        if row.enterprise_id not in latest or latest[row.enterprise_id][0] < row.year:
            latest[row.enterprise_id] = (row.year, row.revenue)
    updates = []
    for pk, (year, revenue) in latest.items():
        growth = growth_of(revenue, by_year.get((pk, year - 1)))
        updates.append(
            Enterprise(pk=pk, revenue_year=year, latest_revenue=revenue, revenue_growth=growth)
        )
    Enterprise.objects.bulk_update(
        updates, ["revenue_year", "latest_revenue", "revenue_growth"], batch_size=1000
    )
    tiers_refresh(thresholds=TierThresholds.current())


def _outreach_batches(rng, loader, units, count: int) -> list[Outreach]:
    span = (WINDOW[1] - WINDOW[0]).days
    leaders = {key: [u.full_name for u in people] for key, people in loader.county_leaders.items()}
    hosts = list(loader.by_code.items())
    themes = list(Outreach.Theme.values)
    weights = [14, 10, 12, 14, 9, 10, 8, 8, 6, 9]

    def batch(day: dt.date) -> Outreach:
        key, unit = rng.choice(hosts)
        kind = rng.choices(["going_out", "inviting_in", "online"], [50, 35, 15])[0]
        theme = rng.choices(themes, weights)[0]
        place = rng.choice(REGIONS)[0]
        label = Outreach.Theme(theme).label
        return Outreach(
            held_on=day,
            kind=kind,
            theme=theme,
            title=f"{KIND_TITLE[kind].format(place=place)}{label}专题招商活动",
            place=place if kind != "online" else "",
            unit=unit,
            leader_name=rng.choice(leaders[key]),
        )

    inside = [
        batch(WINDOW[0] + dt.timedelta(days=int(i * span / count) + rng.randint(0, 1)))
        for i in range(count)
    ]
    inside = [b if b.held_on <= WINDOW[1] else _moved(b, WINDOW[1]) for b in inside]
    before = [batch(dt.date(P.YEAR - 1, 3, 1) + dt.timedelta(days=i * 3)) for i in range(90)]
    after = [batch(dt.date(P.YEAR, 11, 2) + dt.timedelta(days=i)) for i in range(50)]
    rows = inside + before + after
    bulk_create_with_history(rows, Outreach, batch_size=1000, default_change_reason=REASON)
    ids = list(
        Outreach.objects.filter(unit__path__startswith=loader.city.path)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for row, pk in zip(rows, ids[-len(rows) :], strict=True):
        row.pk = pk
    return rows


def _moved(batch: Outreach, day: dt.date) -> Outreach:
    batch.held_on = day
    return batch


def _contacts(rng, batches, lead_dates, extras, target: int) -> None:
    """Exactly ``target`` distinct enterprises met in batches held inside the window."""
    inside = sorted((b for b in batches if WINDOW[0] <= b.held_on <= WINDOW[1]), key=_day)
    outside = [b for b in batches if not WINDOW[0] <= b.held_on <= WINDOW[1]]
    chosen: dict[int, dt.date | None] = {}
    for e, contacted in sorted(lead_dates, key=lambda r: (r[1], r[0].pk)):
        if len(chosen) < target and WINDOW[0] <= contacted <= WINDOW[1]:
            chosen.setdefault(e.pk, contacted)
    for e in extras:
        if len(chosen) >= target:
            break
        chosen.setdefault(e.pk, None)
    if len(chosen) != target:
        raise ValueError(f"only {len(chosen)} enterprises to meet, {target} needed")
    days = [b.held_on for b in inside]
    links: set[tuple[int, int]] = set()
    for pk, day in chosen.items():
        if day is None:
            b = rng.choice(inside)
        else:  # the batch on (or just before) the lead's first contact
            b = inside[max(0, bisect.bisect_right(days, day) - 1)]
        links.add((b.pk, pk))
    members = sorted(chosen)
    met = {b for b, _ in links}
    for b in inside:  # every batch met someone; some met more
        for _ in range((0 if b.pk in met else 1) + rng.choice([0, 0, 1, 2])):
            links.add((b.pk, rng.choice(members)))
    others = [e.pk for e in extras if e.pk not in chosen]
    for b in outside:
        for _ in range(rng.randint(1, 3)):
            links.add((b.pk, rng.choice(others or members)))
    rows = [OutreachContact(outreach_id=o, enterprise_id=e) for o, e in sorted(links)]
    bulk_create_with_history(rows, OutreachContact, batch_size=2000, default_change_reason=REASON)


def _day(batch: Outreach) -> dt.date:
    return batch.held_on


def _matrix_targets(loader: _Loader, goals: dict) -> None:
    for key, value in goals.items():
        indicator_services.target_set(
            actor=SYSTEM,
            indicator=loader.indicator[f"matrix_21152.{key}"],
            unit=loader.city,
            year=P.YEAR,
            value=value,
        )


def remove_attraction(units) -> None:
    """Delete the demo's 招商 rows under ``units`` (history rows stay)."""
    Indicator.objects.filter(code__in=[code for code, *_ in RATIOS]).delete()
    Indicator.objects.filter(code__in=[code for code, *_ in COHORTS]).delete()
    Target.objects.filter(unit__in=units, indicator__code__startswith="matrix_21152.").delete()
    Lead.objects.filter(unit__in=units).delete()
    Outreach.objects.filter(unit__in=units).delete()
    Enterprise.objects.filter(unit__in=units).delete()
    IndustryCluster.objects.filter(unit__in=units).delete()
