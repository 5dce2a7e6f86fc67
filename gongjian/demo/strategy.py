"""The strategy, the parks and the clusters in the Jinzhou 2024 demo.

- The campaign's pillars are the article's city layout “一枢纽、两中心、两高地”; the office
  assigns project categories and the indicators counting them (a demo configuration: the
  article names the pillars, not what each gathers).
- The review's themes are headings over the campaign's terms.
- The parks: those the article names (凌河紫荆产业园区, 汤河子产业园) and the county
  development zones, each with the projects and enterprises of its unit that the demo
  places in it (its industrial projects, its cluster enterprises).
- The industrial clusters: “7个产业集群 … 5个产业集群”, the ones the article names in the
  track it names them in.
- 文旅: 南山悠谷 and nine more tourism projects as the batch “文旅标杆项目”; its count is
  the engine's (``tourism_benchmark.count``).

Every row is written through the services; no figure is stored.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Max

from gongjian.enterprises.models import Enterprise, IndustryCluster
from gongjian.indicators.models import Indicator
from gongjian.kit.scope import SYSTEM
from gongjian.projects import services as project_services
from gongjian.projects.models import Batch, Category, Project
from gongjian.strategy import services as strategy_services
from gongjian.strategy.models import Park

from . import plan as P

if TYPE_CHECKING:
    from .loader import _Loader

BENCHMARK_BATCH = "2024-tourism-benchmark"
BENCHMARK_INDICATOR = "tourism_benchmark.count"
BENCHMARK_FLAGSHIP = "南山悠谷文旅项目"
BENCHMARKS = 10

# (code, name, description, project categories)
PILLARS = [
    ("hub", "一枢纽", "东北陆海新通道、物流枢纽城市", [Category.INFRASTRUCTURE]),
    (
        "two-centres",
        "两中心",
        "区域中心城市的商贸与文旅功能",
        [Category.COMMERCE, Category.TOURISM, Category.LIVELIHOOD],
    ),
    ("two-highlands", "两高地", "产业发展高地", [Category.INDUSTRY, Category.AGRICULTURE]),
]
# (heading, terms)
THEMES = [
    ("项目建设", ["项目建设", "重点项目", "开复工", "集中开工", "省重大工程", "双高"]),
    ("招商引资", ["招商引资", "签约", "落地", "央地合作"]),
    ("工业矩阵", ["工业矩阵", "21152", "数字化转型", "工业"]),
    ("营商环境", ["营商环境", "免申即享"]),
    ("幸福民生", ["幸福民生", "老旧小区", "锦绣英才", "人才", "双创"]),
]
# 重点发展 (7) and 重点培育 (5); 氢能装备 completes the five (the article names three)
DEVELOP = [
    "石化及精细化工",
    "新材料",
    "先进有色金属材料",
    "汽车及零部件",
    "现代高效畜牧业",
    "电子信息",
    "生物医药",
]
NURTURE = ["集成电路装备", "工程机械与高端重型装备", "高品质钢铁材料", "新能源", "氢能装备"]
# (code, name, level, area km², unit key, lat, lon, clusters, named projects)
PARKS = [
    (
        "jz-etdz",
        "锦州经济技术开发区",
        Park.Level.NATIONAL,
        "120.00",
        "zone",
        "40.80",
        "121.25",
        "石化及精细化工、新材料",
        [],
    ),
    (
        "linghe-zijing",
        "凌河紫荆产业园区",
        Park.Level.MUNICIPAL,
        "3.50",
        "210703",
        "41.12",
        "121.17",
        "电子信息",
        ["锦州智谷"],
    ),
    (
        "tanghezi",
        "汤河子产业园",
        Park.Level.PROVINCIAL,
        "18.60",
        "210711",
        "41.16",
        "121.05",
        "先进有色金属材料",
        ["宏拓科技二期7000吨铝制品深加工项目"],
    ),
    (
        "heishan-dz",
        "黑山经济开发区",
        Park.Level.PROVINCIAL,
        "15.00",
        "210726",
        "41.69",
        "122.12",
        "新能源、现代高效畜牧业",
        [],
    ),
    (
        "yixian-dz",
        "义县经济开发区",
        Park.Level.PROVINCIAL,
        "12.00",
        "210727",
        "41.53",
        "121.24",
        "高品质钢铁材料",
        [],
    ),
    (
        "linghai-dz",
        "凌海经济开发区",
        Park.Level.PROVINCIAL,
        "16.00",
        "210781",
        "41.17",
        "121.36",
        "汽车及零部件",
        [],
    ),
    (
        "beizhen-dz",
        "北镇经济开发区",
        Park.Level.PROVINCIAL,
        "10.00",
        "210782",
        "41.60",
        "121.80",
        "现代高效畜牧业",
        [],
    ),
]
PROJECTS_PER_PARK = 25


def load_strategy(loader: _Loader) -> None:
    """Add the strategy, the parks and the clusters to the demo the loader is building."""
    city, campaign = loader.city, loader.campaign
    indicators = list(Indicator.objects.filter(is_active=True, fixed_unit=None))
    for n, (code, name, description, categories) in enumerate(PILLARS, start=1):
        codes = [
            i.code
            for i in indicators
            if i.kind == Indicator.Kind.COMPUTED
            and i.registry == "projects"
            and set(_categories(i)) & set(categories)
        ]
        if code == "two-highlands":
            codes += [i.code for i in indicators if i.code.startswith("matrix_21152.")]
        strategy_services.pillar_save(
            actor=SYSTEM,
            campaign=campaign,
            code=code,
            name=name,
            description=description,
            sort_order=n,
            categories=[str(c) for c in categories],
            indicator_codes=sorted(codes),
        )
    for n, (name, terms) in enumerate(THEMES, start=1):
        strategy_services.theme_save(
            actor=SYSTEM, campaign=campaign, name=name, terms=terms, sort_order=n
        )

    # the industrial clusters: 7 + 5
    existing = {c.name: c for c in IndustryCluster.objects.filter(unit=city)}
    last = max((c.sort_order for c in existing.values()), default=0)
    for name in DEVELOP + NURTURE:
        if name not in existing:
            last += 1
            existing[name] = IndustryCluster.objects.create(name=name, unit=city, sort_order=last)
    for names, track in ((DEVELOP, "develop"), (NURTURE, "nurture")):
        for name in names:
            strategy_services.cluster_track_set(actor=SYSTEM, cluster=existing[name], track=track)

    # the parks, their projects and enterprises
    for code, name, level, area, key, lat, lon, clusters, named in PARKS:
        unit = loader.by_code[key]
        park = strategy_services.park_save(
            actor=SYSTEM,
            code=code,
            name=name,
            level=level,
            area_km2=Decimal(area),
            unit=unit,
            latitude=Decimal(lat),
            longitude=Decimal(lon),
            clusters=clusters,
        )
        industry = (
            Project.objects.filter(unit__path__startswith=unit.path, category=Category.INDUSTRY)
            .exclude(parks__isnull=False)
            .order_by("-total_investment", "code")
            .values_list("code", flat=True)[:PROJECTS_PER_PARK]
        )
        codes = list(
            Project.objects.filter(unit__path__startswith=unit.path, name__in=named).values_list(
                "code", flat=True
            )
        )
        strategy_services.park_link_projects(
            actor=SYSTEM, park=park, codes=list(dict.fromkeys(codes + list(industry)))
        )
        wanted = [c.strip() for c in clusters.replace(",", "、").split("、") if c.strip()]
        credit_codes = (
            Enterprise.objects.filter(unit__path__startswith=unit.path, cluster__in=wanted)
            .exclude(credit_code="")
            .order_by("name")
            .values_list("credit_code", flat=True)
        )
        strategy_services.park_link_enterprises(
            actor=SYSTEM, park=park, credit_codes=list(credit_codes)
        )

    # 文旅: 南山悠谷 and the nine largest other tourism projects on the list
    batch = project_services.batch_create(
        actor=SYSTEM,
        unit=city,
        code=BENCHMARK_BATCH,
        name="文旅标杆项目",
        kind=Batch.Kind.KEY_LIST,
        year=P.YEAR,
    )
    tourism = Project.objects.filter(
        unit__path__startswith=city.path, category=Category.TOURISM
    ).exclude(stage="planned")
    flagship = list(tourism.filter(name=BENCHMARK_FLAGSHIP))
    others = list(
        tourism.exclude(name=BENCHMARK_FLAGSHIP).order_by("-total_investment", "code")[
            : BENCHMARKS - len(flagship)
        ]
    )
    Project.batches.through.objects.bulk_create(
        Project.batches.through(project_id=p.pk, batch_id=batch.pk) for p in flagship + others
    )
    benchmark = Indicator(
        code=BENCHMARK_INDICATOR,
        name="文旅标杆项目",
        kind=Indicator.Kind.COMPUTED,
        registry="projects",
        measure=Indicator.Measure.COUNT,
        period_mode=Indicator.PeriodMode.NONE,
        filters={"batch": BENCHMARK_BATCH},
        fixed_unit=city,
        display_unit="个",
        quote="实施南山悠谷等10个标杆项目",
        # after the campaign's own indicators in every list and report
        sort_order=(Indicator.objects.aggregate(m=Max("sort_order"))["m"] or 0) + 1,
    )
    benchmark.full_clean()
    benchmark.save()


def _categories(indicator: Indicator) -> list[str]:
    value = (indicator.filters or {}).get("category", [])
    return [value] if isinstance(value, str) else list(value)


def remove_strategy(units) -> None:
    """Delete the demo's parks and its 文旅 batch (pillars and themes go with the
    campaign, the indicator with the demo's units)."""
    Park.objects.filter(unit__in=units).delete()
    Batch.objects.filter(code=BENCHMARK_BATCH, unit__in=units).delete()
