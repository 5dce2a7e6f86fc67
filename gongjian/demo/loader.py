"""Load the Jinzhou 2024 demo: units, people, indicators, targets, and the registry rows
of ``plan.build_plan()``.

Deterministic (fixed seed) and idempotent: a second ``load_demo()`` finds the
campaign and does nothing; ``load_demo(reset=True)`` removes the demo and loads
it again. Rows are bulk-written for speed, but every stage move is checked by
the same ``validate_transition`` the services use, and history rows are
written alongside (django-simple-history's ``bulk_create_with_history``).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from pathlib import Path

import yaml
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from gongjian.indicators import services as indicator_services
from gongjian.indicators.models import (
    Campaign,
    Indicator,
    RankingItem,
    RankingScheme,
    ReportedValue,
    Target,
)
from gongjian.indicators.standard import define_indicators
from gongjian.kit.clock import clock_set
from gongjian.kit.dates import Period, pro_rata, quarter_end
from gongjian.kit.models import Clock
from gongjian.kit.scope import SYSTEM
from gongjian.projects.models import (
    STAGE_DATE_FIELD,
    Batch,
    Category,
    EscalationRule,
    Problem,
    ProgressReport,
    Project,
    Stage,
    StageTransition,
    Tag,
)
from gongjian.projects.services import escalation_apply_all, validate_transition
from gongjian.units import services as unit_services
from gongjian.units.models import Role, Unit, User
from gongjian.units.services import map_config_set

from . import geo
from . import plan as P
from .attraction import load_attraction, remove_attraction
from .finance import load_finance, remove_finance
from .govservice import load_govservice, remove_govservice
from .mechanisms import load_mechanisms, remove_mechanisms
from .national_codes import load_national_codes
from .review import load_dispatch_reports, load_review, remove_review
from .services import load_services, remove_services
from .strategy import load_strategy, remove_strategy

DATA = Path(__file__).parent / "data"
FACTS_FILE = DATA / "jinzhou-2024-facts.yaml"
CITY_CODE = "210700"
TODAY = dt.date(2026, 1, 1)  # the demo's history lies in the past whatever the clock says

COUNTY_KIND = {
    "210702": "district",
    "210703": "district",
    "210711": "district",
    "210726": "county",
    "210727": "county",
    "210781": "county_city",
    "210782": "county_city",
}
PINYIN = {
    "210702": "guta",
    "210703": "linghe",
    "210711": "taihe",
    "210726": "heishan",
    "210727": "yixian",
    "210781": "linghai",
    "210782": "beizhen",
    "zone": "kaifaqu",
}
ZONE_NAME = "锦州经济技术开发区"
CITY_DEPARTMENTS = [
    ("市项目建设指挥部办公室", None),
    ("市发展和改革委员会", None),
    ("市工业和信息化局", Category.INDUSTRY),
    ("市商务局", Category.COMMERCE),
    ("市交通运输局", Category.INFRASTRUCTURE),
    ("市住房和城乡建设局", Category.LIVELIHOOD),
    ("市农业农村局", Category.AGRICULTURE),
    ("市文化旅游和广播电视局", Category.TOURISM),
    ("市自然资源局", None),
    ("市生态环境局", None),
]
HOTLINE_NAME = "市12345政务服务便民热线中心"
CITY_LEADERS = [
    ("zhang_wei", "张伟", "市长"),
    ("li_qiang", "李强", "常务副市长"),
    ("wang_min", "王敏", "副市长"),
    ("liu_yang", "刘洋", "副市长"),
    ("chen_jing", "陈静", "副市长"),
    ("yang_fan", "杨帆", "副市长"),
    ("zhao_lei", "赵磊", "市政府秘书长"),
    ("sun_li", "孙丽", "市发展改革委主任"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "建华",
    "志强",
    "海燕",
    "国庆",
    "立新",
    "红梅",
    "振宇",
    "晓东",
    "丽娟",
    "文博",
    "春生",
    "玉兰",
    "宏伟",
    "雪松",
    "明轩",
]

CATEGORY_WEIGHTS = [
    (Category.INDUSTRY, 45),
    (Category.COMMERCE, 15),
    (Category.INFRASTRUCTURE, 15),
    (Category.LIVELIHOOD, 8),
    (Category.AGRICULTURE, 8),
    (Category.TOURISM, 7),
    (Category.OTHER, 2),
]
CLUSTERS = [
    "石化及精细化工",
    "新材料",
    "先进有色金属材料",
    "汽车及零部件",
    "电子信息",
    "集成电路装备",
    "工程机械与高端重型装备",
    "高品质钢铁材料",
    "新能源",
    "生物医药",
    "现代高效畜牧业",
]
PRODUCTS = {
    Category.INDUSTRY: [
        "高性能树脂",
        "锂电池正极材料",
        "光伏组件",
        "汽车零部件",
        "精细化工中间体",
        "铝合金型材",
        "电子级硅材料",
        "储能电池",
        "生物基新材料",
        "泡沫铝",
        "碳纤维复合材料",
        "氢能装备",
        "集成电路装备零部件",
        "液压件",
        "特种钢材",
        "肉牛精深加工",
        "饲料",
    ],
    Category.COMMERCE: [
        "商贸物流园",
        "冷链物流中心",
        "城市综合体",
        "电商产业园",
        "汽车商贸城",
        "农产品批发市场",
        "保税仓储中心",
    ],
    Category.INFRASTRUCTURE: [
        "道路改造工程",
        "供热管网改造工程",
        "污水处理厂提标改造工程",
        "220千伏变电站工程",
        "港区码头工程",
        "铁路专用线工程",
        "燃气管网工程",
    ],
    Category.LIVELIHOOD: [
        "老旧小区改造工程",
        "中医院门诊楼",
        "中学新建工程",
        "养老服务中心",
        "保障性住房",
    ],
    Category.AGRICULTURE: [
        "高标准农田建设",
        "设施农业产业园",
        "现代农业产业园",
        "粮食仓储设施",
        "肉鸡养殖基地",
    ],
    Category.TOURISM: [
        "文旅综合体",
        "温泉度假区",
        "滨海旅游区",
        "古城保护利用工程",
        "乡村旅游示范区",
    ],
    Category.OTHER: ["综合服务中心", "数据中心"],
}
FIRMS = [
    "锦泰",
    "渤海",
    "辽西",
    "锦港",
    "华锦",
    "锦昌",
    "凌润",
    "北宁",
    "医巫闾",
    "笔架山",
    "大凌河",
    "东方",
    "中信",
    "国投",
    "宏远",
    "恒通",
    "瑞丰",
    "鑫源",
]
PROBLEM_TEXT = {  # how units word their problems (要素保障), a few ways each
    "land": [
        "建设用地指标尚未落实,需协调办理用地预审",
        "土地组卷报批进度滞后,影响开工",
        "项目用地存在权属争议,需属地政府协调",
    ],
    "approval": [
        "施工许可手续尚未办结,需住建部门并联审批",
        "规划许可调整未获批复",
        "能评报告待省级部门审查",
    ],
    "funds": [
        "项目资本金到位不足,申请专项债券支持",
        "银行贷款审批周期长,建设资金紧张",
        "中央预算内投资尚未下达",
    ],
    "utilities": [
        "施工用电外线工程未完成,需供电公司加快接入",
        "供水管网未敷设到厂区",
        "天然气管线接入方案待确定",
    ],
    "demolition": ["征收范围内尚有住户未签约", "地上附着物补偿标准存在分歧"],
    "environment": ["环评批复待生态环境部门审批", "排污总量指标需统筹调剂"],
    "other": ["施工队伍和技术工人短缺", "设备采购周期延长,影响投产时间"],
}
PROGRESS_TEXT = [
    "土建施工",
    "主体结构施工",
    "钢结构吊装",
    "设备安装调试",
    "基础施工",
    "厂房封顶",
    "室外配套工程",
    "场地平整",
]


def _facts() -> dict:
    return yaml.safe_load(FACTS_FILE.read_text(encoding="utf-8"))


def is_loaded() -> bool:
    return Campaign.objects.filter(year=P.YEAR, root_unit__code=CITY_CODE).exists()


def load_demo(*, reset: bool = False, log=print) -> bool:
    """Load the demo; returns False when it was already there (and ``reset`` is off)."""
    if is_loaded():
        if not reset:
            log("锦州 2024 演示数据已存在,未重复加载(使用 --reset 重新加载)")
            return False
        remove_demo(log=log)
    with transaction.atomic():
        _Loader(log).run()
        # the demo runs on its campaign's date: pages, deadlines and reports all judge at
        # 2024-10-31, so nothing is 超期 merely because the calendar moved on
        clock_set(P.AS_OF)
    log(f"系统日期设为演示数据的截止日期 {P.AS_OF}(恢复真实日期:gongjian clock --real)")
    return True


def remove_demo(*, log=print) -> None:
    """Delete the demo's rows (history rows stay)."""
    with transaction.atomic():
        city = Unit.objects.filter(code=CITY_CODE).first()
        if city is None:
            return
        units = Unit.objects.subtree(city)
        remove_finance(units)
        remove_strategy(units)
        remove_govservice(units)
        remove_services(units)
        remove_mechanisms(units)
        remove_attraction(units)
        remove_review(city)
        Project.objects.filter(unit__in=units).delete()
        RankingItem.objects.filter(scheme__parent_unit__in=units).delete()
        RankingScheme.objects.filter(parent_unit__in=units).delete()
        Target.objects.filter(unit__in=units).delete()
        ReportedValue.objects.filter(unit__in=units).delete()
        Campaign.objects.filter(root_unit=city).delete()
        # the standard indicators are the instance's (another city may count with them):
        # only those fixed to the demo's units go with it
        Indicator.objects.filter(fixed_unit__in=units).delete()
        EscalationRule.objects.filter(name__startswith="锦州").delete()
        Batch.objects.filter(code__in=["2024-collective-start", "2025-shuanggao-first"]).delete()
        User.objects.filter(memberships__unit__in=units).exclude(is_superuser=True).delete()
        for unit in sorted(units, key=lambda u: -u.depth):
            unit.delete()
        if Clock.objects.filter(today=P.AS_OF).exists():
            clock_set(None)
        log("已删除锦州 2024 演示数据")


class _Loader:
    def __init__(self, log):
        self.log = log
        self.rng = random.Random(P.SEED + 1)
        self.facts = _facts()

    def run(self) -> None:
        items = P.build_plan()
        # each step timed and announced: "[5/18] 项目 … 12.4 s"
        steps = [
            ("单位", self.units),
            ("人员与账号", self.people),
            ("项目库目录", self.catalogue),
            ("指标", self.indicators),
            ("项目", lambda: self.projects(items)),
            ("月度进度与问题", self.reports_and_problems),
            ("年度目标", lambda: self.targets(items)),
            ("上报数据", self.reported_values),
            ("赛马排名", self.ranking),
            ("招商引资", lambda: load_attraction(self)),
            ("年度回顾", lambda: load_review(self)),
            ("诉求与政策", lambda: load_services(self)),
            ("政务服务", lambda: load_govservice(self)),
            ("工作机制", lambda: load_mechanisms(self)),
            ("融资信用服务", lambda: load_finance(self)),
            ("发展战略", lambda: load_strategy(self)),
            ("全国投资项目代码", lambda: load_national_codes(self)),
            # the monthly 调度通报 of the year review's corpus: drafted from everything above
            ("调度通报", lambda: load_dispatch_reports(self, P.AS_OF)),
        ]
        for number, (label, step) in enumerate(steps, start=1):
            started = time.monotonic()
            step()
            self.log(f"[{number}/{len(steps)}] {label} … {time.monotonic() - started:.1f} s")
        self.log(
            f"已加载锦州 2024 演示数据:{Project.objects.filter(unit__path__startswith=self.city.path).count()} 个项目"
        )

    # --- units and people -----------------------------------------------------------

    def units(self) -> None:
        self.city = unit_services.unit_create(
            actor=SYSTEM, name=self.facts["city"], kind="city", code=CITY_CODE
        )
        self.by_code: dict[str, Unit] = {}
        for order, row in enumerate(self.facts["units"], start=1):
            self.by_code[row["code"]] = unit_services.unit_create(
                actor=SYSTEM,
                name=row["name"],
                kind=COUNTY_KIND[row["code"]],
                parent=self.city,
                code=row["code"],
                sort_order=order,
            )
        self.by_code["zone"] = unit_services.unit_create(
            actor=SYSTEM, name=ZONE_NAME, kind="zone", parent=self.city, sort_order=90
        )
        self.departments: dict[str, Unit] = {}
        for order, (name, category) in enumerate(CITY_DEPARTMENTS, start=100):
            dept = unit_services.unit_create(
                actor=SYSTEM, name=name, kind="department", parent=self.city, sort_order=order
            )
            if category:
                self.departments[category] = dept
        self.office_unit = Unit.objects.get(name=CITY_DEPARTMENTS[0][0], parent=self.city)
        # the city's 12345 hotline centre: takes appeals in and dispatches them
        self.hotline = unit_services.unit_create(
            actor=SYSTEM, name=HOTLINE_NAME, kind="department", parent=self.city, sort_order=150
        )
        self.county_depts = {}
        for key, unit in self.by_code.items():
            suffix = "经济发展局" if key == "zone" else "发展和改革局"
            self.county_depts[key] = unit_services.unit_create(
                actor=SYSTEM, name=f"{unit.name}{suffix}", kind="department", parent=unit
            )

    def people(self) -> None:
        create = unit_services.user_create
        self.office = create(
            actor=SYSTEM,
            username="office",
            full_name="攻坚办管理员",
            title="市项目建设指挥部办公室",
            memberships=[(self.city, Role.OFFICE)],
        )
        create(
            actor=SYSTEM,
            username="viewer",
            full_name="市委督查室",
            title="督查专员",
            memberships=[(self.city, Role.VIEWER)],
        )
        create(
            actor=SYSTEM,
            username="rexian_12345",
            full_name="12345热线受理员",
            title="市12345热线中心受理员",
            memberships=[(self.hotline, Role.OPERATOR)],
        )
        self.city_leaders = [
            create(
                actor=SYSTEM,
                username=u,
                full_name=n,
                title=t,
                memberships=[(self.city, Role.LEADER)],
            )
            for u, n, t in CITY_LEADERS
        ]
        self.county_leaders: dict[str, list[User]] = {}
        rng = random.Random(P.SEED + 2)
        for key, unit in self.by_code.items():
            slug = PINYIN[key]
            create(
                actor=SYSTEM,
                username=f"{slug}_op",
                full_name=f"{unit.name}填报员",
                title="项目填报员",
                memberships=[(unit, Role.OPERATOR)],
            )
            head = (
                "主任"
                if key == "zone"
                else "区长"
                if unit.kind == "district"
                else ("市长" if unit.kind == "county_city" else "县长")
            )
            self.county_leaders[key] = [
                create(
                    actor=SYSTEM,
                    username=f"{slug}_leader{i}",
                    full_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    title=f"{unit.name}{'' if i == 1 else '副'}{head}",
                    memberships=[(unit, Role.LEADER)],
                )
                for i in (1, 2)
            ]

    def catalogue(self) -> None:
        tags = [
            ("provincial_major", "省重大工程"),
            ("central_local", "央地合作"),
            ("provincial_central_local", "省央地合作重大项目"),
            ("shuanggao", "双高"),
            ("escalated", "提级管理"),
        ]
        self.tags = {
            slug: Tag.objects.get_or_create(slug=slug, defaults={"name": name})[0]
            for slug, name in tags
        }
        self.batches = {
            "2024-collective-start": Batch.objects.create(
                code="2024-collective-start",
                name="2024年春季重点项目集中开工",
                kind=Batch.Kind.COLLECTIVE_START,
                year=2024,
                unit=self.city,
                held_on=P.CEREMONY_DAY,
                place="锦州市主会场及各县(市)区分会场",
            ),
            "2025-shuanggao-first": Batch.objects.create(
                code="2025-shuanggao-first",
                name="2025年首批双高推进重点项目",
                kind=Batch.Kind.KEY_LIST,
                year=2025,
                unit=self.city,
            ),
        }
        rule = EscalationRule.objects.create(
            name="锦州:10亿元以上项目提级管理",
            unit=self.city,
            tag=self.tags["escalated"],
            min_total_investment=10 * P.YI,
        )
        rule.any_of_tags.add(self.tags["provincial_major"])
        self.campaign = Campaign.objects.create(
            year=P.YEAR, name="2024 锦州攻坚", root_unit=self.city, reporting_date=P.AS_OF
        )
        # 挂图作战: Jinzhou's district boundaries from echarts-china-cities-pypkg
        map_config_set(
            actor=SYSTEM, unit=self.city, map_name="锦州", package_map="liao2_ning2_jin3_zhou1"
        )

    def indicators(self) -> None:
        self.indicator = define_indicators({u.code: u for u in Unit.objects.exclude(code=None)})

    # --- the registry ---------------------------------------------------------------------

    def _unit(self, key: str) -> Unit:
        return self.by_code[key]

    def projects(self, items: list[P.Item]) -> None:
        rng = self.rng
        pin_rng = random.Random(P.SEED + 5)
        # planned dates from a stream of their own, so that every other draw stays put
        plan_rng = random.Random(P.SEED + 6)
        now = P.AS_OF.year * 12 + P.AS_OF.month - 1  # month index of the demo's date

        def month(index: int, day: int = 1) -> dt.date:
            return dt.date(index // 12, index % 12 + 1, day)

        def index_of(day: dt.date) -> int:
            return day.year * 12 + day.month - 1

        def plan(project: Project, events: dict) -> None:
            """计划开工/竣工/入库 and the actual 入库, derived from the stage dates with some
            lag: some projects start later than planned, some enter the statistics
            register late, some complete ahead of plan (提前竣工). A project not yet started
            at the demo's date is at most three months late (yellow): the 调度通报's light
            table reads a red light as a gap behind 序时进度."""
            started, completed = events.get("started"), events.get("completed")
            base = events.get("landed") or events.get("signed")
            if started:
                lag = plan_rng.choices([0, 1, 2, 3, 5], [50, 22, 14, 8, 6])[0]
                start = index_of(started) - lag
            elif base and plan_rng.random() < 0.08:  # due by now, not yet started
                start = max(index_of(base) + 1, now - plan_rng.randint(0, 3))
            elif base:
                start = max(index_of(base) + plan_rng.randint(2, 14), now + 1)
            else:  # 谋划: planned for next year
                start = now + plan_rng.randint(3, 12)
            project.planned_start_on = month(start)
            project.planned_in_stats_on = month(start + 1)
            span = 12 if project.total_investment < 5 * P.YI else 24
            finish = start + span + plan_rng.randint(0, 12)
            if completed:
                ahead = plan_rng.random() < 0.4
                finish = index_of(completed) + (
                    plan_rng.randint(1, 6) if ahead else -plan_rng.randint(0, 3)
                )
                finish = max(finish, start)
            project.planned_completion_on = month(finish, 28)
            if started and started <= P.AS_OF:
                late = plan_rng.choices([0, 1, 2, 3], [20, 60, 15, 5])[0]
                entered = max(started, month(index_of(started) + late, 15))
                project.in_stats_on = entered if entered <= P.AS_OF else None

        cats, weights = zip(*CATEGORY_WEIGHTS, strict=True)
        projects, tag_links, batch_links, transitions = [], [], [], []
        for seq, item in enumerate(items, start=1):
            category = item.category or rng.choices(cats, weights)[0]
            firm = rng.choice(FIRMS)
            place = "锦州" if item.unit == "zone" else self._unit(item.unit).name[:2]
            product = rng.choice(PRODUCTS[category])
            name = (
                item.name
                or f"{place}{firm}{product}{'' if rng.random() < 0.7 else rng.choice(['一期', '二期', '扩建'])}项目".replace(
                    "工程项目", "工程"
                )
            )
            lat, lon = geo.pin(pin_rng, item.unit)
            leader = self._leader(item, rng)
            first_year = item.events[0][1].year if item.events else P.YEAR + 1
            project = Project(
                code=f"JZ{first_year}{seq:05d}",
                name=name,
                unit=self._unit(item.unit),
                responsible_unit=self.departments.get(category, self.county_depts[item.unit])
                if item.band in "AB"
                else self.county_depts[item.unit],
                leader=leader,
                category=category,
                industry_cluster=rng.choice(CLUSTERS) if category == Category.INDUSTRY else "",
                enterprise_name=f"{place}{firm}{product[:2]}有限公司"
                if category in (Category.INDUSTRY, Category.COMMERCE, Category.TOURISM)
                else "",
                total_investment=item.amount,
                latitude=lat,
                longitude=lon,
                description=(
                    f"{item.name},总投资{item.amount / P.YI:.2f}亿元。" if item.name else ""
                ),
            )
            last = None
            for stage, day in item.events:
                validate_transition(project, stage, day, last, today=TODAY)
                project.stage = stage
                setattr(project, STAGE_DATE_FIELD[Stage(stage)], day)
                if stage in ("signed", "landed", "started", "resumed") and (
                    project.first_event_on is None or day < project.first_event_on
                ):
                    project.first_event_on = day
                last = day
            plan(project, dict(item.events))
            project._events = item.events
            project._tags = item.tags
            project._batches = item.batches
            project._item = item
            projects.append(project)
        bulk_create_with_history(
            projects,
            Project,
            batch_size=500,
            default_user=None,
            default_change_reason="锦州 2024 演示数据",
        )
        saved = dict(
            Project.objects.filter(code__in=[p.code for p in projects]).values_list("code", "pk")
        )
        for project in projects:
            project.pk = saved[project.code]
            for stage, day in project._events:
                transitions.append(
                    StageTransition(
                        project_id=project.pk, stage=stage, occurred_on=day, note="演示数据"
                    )
                )
            for slug in project._tags:
                tag_links.append(
                    Project.tags.through(project_id=project.pk, tag_id=self.tags[slug].pk)
                )
            for code in project._batches:
                batch_links.append(
                    Project.batches.through(project_id=project.pk, batch_id=self.batches[code].pk)
                )
        StageTransition.objects.bulk_create(transitions, batch_size=1000)
        Project.tags.through.objects.bulk_create(tag_links, batch_size=1000)
        Project.batches.through.objects.bulk_create(batch_links, batch_size=1000)
        escalation_apply_all(actor=SYSTEM)
        self.project_rows = projects

    def _leader(self, item: P.Item, rng: random.Random) -> User:
        if item.band == "A" or (item.band == "B" and rng.random() < 0.3):
            return rng.choice(self.city_leaders)
        return rng.choice(self.county_leaders[item.unit])

    def reports_and_problems(self) -> None:
        """Monthly progress reports for projects under construction in 2024, and problems."""
        rng = random.Random(P.SEED + 3)
        # the share of its investment a project has paid (资金支付), drawn apart so that
        # the other draws — and the figures built on them — stay as they are
        pay_rng = random.Random(P.SEED + 11)
        reports, problems, updates = [], [], []
        for project in self.project_rows:
            events = dict(project._events)
            begun = events.get("resumed") or events.get("started")
            if not begun or begun.year != P.YEAR or begun > P.AS_OF:
                if project.stage == Stage.STALLED:
                    project.planned_investment = project.total_investment // 5 // P.WAN * P.WAN
                    updates.append(project)
                continue
            prior = 0
            if "resumed" in events:
                prior = int(project.total_investment * rng.uniform(0.2, 0.5)) // P.WAN * P.WAN
            room = project.total_investment - prior
            planned = min(room, int(project.total_investment * rng.uniform(0.25, 0.6)))
            project.planned_investment = planned // P.WAN * P.WAN
            roll = rng.random()
            pace = (
                rng.uniform(0.95, 1.2)
                if roll < 0.72
                else (rng.uniform(0.62, 0.84) if roll < 0.9 else rng.uniform(0.2, 0.55))
            )
            end = events.get("completed") or P.AS_OF
            months = list(range(begun.month, end.month + 1))
            if len(months) > 1 and rng.random() < 0.04:
                months = months[:-1]  # this month's report not in yet
            goal = min(room, int(project.planned_investment * pro_rata(P.AS_OF) * pace))
            shares = [rng.uniform(0.6, 1.4) for _ in months]
            cumulative = prior
            paying = (
                pay_rng.uniform(0.8, 1.0) if pay_rng.random() < 0.85 else pay_rng.uniform(0.4, 0.7)
            )
            for month, share in zip(months, shares, strict=True):
                amount = int(goal * share / sum(shares)) // P.WAN * P.WAN
                cumulative += amount
                start = dt.date(P.YEAR, month, 1)
                reports.append(
                    ProgressReport(
                        project_id=project.pk,
                        period_start=start,
                        period_end=Period.month(P.YEAR, month).end,
                        investment_this_period=amount,
                        cumulative_investment=cumulative,
                        funds_paid=int(cumulative * paying) // P.WAN * P.WAN,
                        progress_text=rng.choice(PROGRESS_TEXT),
                        status=ProgressReport.Status.APPROVED
                        if month < 10
                        else ProgressReport.Status.SUBMITTED,
                    )
                )
            project.completed_investment = cumulative
            updates.append(project)
            if rng.random() < 0.12 or pace < 0.55:
                raised = begun + dt.timedelta(days=rng.randint(5, 120))
                raised = min(raised, P.AS_OF)
                status = rng.choices(list(Problem.Status), [15, 20, 15, 50])[0]
                deadline = raised + dt.timedelta(days=rng.randint(15, 75))
                kind = rng.choice(list(Problem.Kind))
                problems.append(
                    Problem(
                        project_id=project.pk,
                        kind=kind,
                        description=rng.choice(PROBLEM_TEXT[kind]),
                        owner_unit=project.responsible_unit,
                        leader=project.leader,
                        raised_on=raised,
                        deadline=deadline,
                        status=status,
                        resolved_on=deadline - dt.timedelta(days=3)
                        if status in (Problem.Status.RESOLVED, Problem.Status.VERIFIED)
                        else None,
                        verified_on=deadline if status == Problem.Status.VERIFIED else None,
                    )
                )
        Project.objects.bulk_update(
            updates, ["planned_investment", "completed_investment"], batch_size=500
        )
        bulk_create_with_history(
            reports, ProgressReport, batch_size=1000, default_change_reason="锦州 2024 演示数据"
        )
        bulk_create_with_history(
            problems, Problem, batch_size=500, default_change_reason="锦州 2024 演示数据"
        )

    # --- targets -------------------------------------------------------------------------

    def _plan_value(self, items, code: str, unit_key: str | None, end: dt.date) -> int:
        """What ``code`` will count for ``unit_key`` (None: the city) up to ``end``, from
        the plan — used only to choose plausible targets."""
        ind = self.indicator[code]
        low = (ind.filters or {}).get("total_investment__gte", 0)
        events = {
            "signed": ("signed",),
            "landed": ("landed",),
            "started_or_resumed": ("started", "resumed"),
        }[ind.event]
        total = 0
        for item in items:
            if unit_key and item.unit != unit_key:
                continue
            if item.amount < low:
                continue
            if any(s in events and dt.date(P.YEAR, 1, 1) <= d <= end for s, d in item.events):
                total += 1 if ind.measure == "count" else item.amount
        return total

    def targets(self, items) -> None:
        rng = random.Random(P.SEED + 4)
        city_codes = [
            "signed_ge_100m",
            "signed_ge_100m_amount",
            "landed_ge_20m",
            "landed_ge_20m_amount",
            "started_or_resumed",
        ]
        for code in city_codes:
            now = self._plan_value(items, code, None, P.AS_OF)
            ceiling = (
                min(
                    self._plan_value(items, code, None, quarter_end(P.YEAR, 1))
                    / pro_rata(quarter_end(P.YEAR, 1)),
                    self._plan_value(items, code, None, quarter_end(P.YEAR, 2)) / 0.5,
                    self._plan_value(items, code, None, quarter_end(P.YEAR, 3))
                    / pro_rata(quarter_end(P.YEAR, 3)),
                )
                * 0.995
            )
            # a target the city is ahead of at every checkpoint, ~89 % done by October
            value = _nice_below(min(ceiling, now * 1.12), amount=code.endswith("amount"))
            if not now < value <= ceiling:
                raise ValueError(f"no target for {code}: now {now}, ceiling {ceiling}")
            indicator_services.target_set(
                actor=SYSTEM,
                indicator=self.indicator[code],
                unit=self.city,
                year=P.YEAR,
                value=value,
            )
        county_codes = [
            "signed_count",
            "signed_amount",
            "landed_count",
            "landed_amount",
            "started_or_resumed",
        ]
        for key in self.by_code:
            for code in county_codes:
                now = self._plan_value(items, code, key, P.AS_OF)
                factor = 0.92 if key == P.LINGHE else rng.uniform(1.02, 1.3)
                value = max(1, int(now * factor))
                if code.endswith("amount"):
                    value = max(P.YI, value // P.YI * P.YI)
                indicator_services.target_set(
                    actor=SYSTEM,
                    indicator=self.indicator[code],
                    unit=self.by_code[key],
                    year=P.YEAR,
                    value=value,
                )
            done = sum(
                r.investment_this_period
                for r in ProgressReport.objects.filter(
                    project__unit=self.by_code[key], period_end__lte=P.AS_OF
                ).only("investment_this_period")
            )
            indicator_services.target_set(
                actor=SYSTEM,
                indicator=self.indicator["completed_investment"],
                unit=self.by_code[key],
                year=P.YEAR,
                value=max(P.YI, int(done * rng.uniform(1.05, 1.35)) // P.YI * P.YI),
            )
        pipe = self.facts_by_id()["pipe_network_km"]["value"]
        indicator_services.target_set(
            actor=SYSTEM,
            indicator=self.indicator["pipe_network_km.done_km"],
            unit=self.city,
            year=P.YEAR,
            value=(Decimal(str(pipe["done_km"])) / Decimal(str(pipe["completion_rate"]))).quantize(
                Decimal("0.1")
            ),
        )

    def facts_by_id(self) -> dict:
        return {f["id"]: f for f in self.facts["facts"]}

    def reported_values(self) -> None:
        """Each county-level unit reports its own share of the article's reported figures,
        so the city's figure is the engine's roll-up of theirs: sums split into shares,
        规上工业增加值增速 weighted by each unit's 规上工业增加值 (a weight the units report
        beside it), 三保 到位 and 需求 reported apart (the rate is their ratio of sums),
        效率提升 averaged. A city-wide fund is the city's own figure."""
        rng = random.Random(P.SEED + 11)
        counties = [self.by_code[row["code"]] for row in self.facts["units"]]
        dates = {"three_guarantees": dt.date(2024, 9, 30)}
        own = {"innovation_fund"}  # a fund the city set up itself
        for fact in self.facts["facts"]:
            if fact["kind"] != "reported":
                continue
            as_of = dates.get(fact["id"], P.AS_OF)
            values = fact["value"] if isinstance(fact["value"], dict) else {None: fact["value"]}
            for key, value in values.items():
                code = fact["id"] if key is None else f"{fact['id']}.{key}"
                indicator = self.indicator[code]
                if indicator.kind != Indicator.Kind.REPORTED:
                    continue  # a rate the engine derives (from a target, or a ratio of sums)
                if fact["id"] in own:
                    shares = {self.city: Decimal(str(value))}
                elif indicator.rollup == Indicator.Rollup.WEIGHTED_MEAN:
                    shares = self._weighted_shares(indicator, counties, value, as_of, rng)
                elif indicator.rollup == Indicator.Rollup.MEAN:
                    shares = _mean_shares(counties, Decimal(str(value)), rng)
                else:
                    shares = _sum_shares(counties, Decimal(str(value)), rng)
                for unit, share in shares.items():
                    self._report(indicator, unit, as_of, share, fact.get("quote", ""))
                if code == "three_guarantees.need":  # all guaranteed: 到位 = 需求 in each
                    for unit, share in shares.items():
                        guaranteed = self.indicator["three_guarantees.guaranteed"]
                        self._report(guaranteed, unit, as_of, share, fact.get("quote", ""))

    def _report(self, indicator: Indicator, unit: Unit, as_of, value, note: str) -> None:
        indicator_services.reported_value_record(
            actor=SYSTEM, indicator=indicator, unit=unit, as_of=as_of, value=value, note=note
        )

    def _weighted_shares(self, indicator, counties, value, as_of, rng) -> dict:
        """Each unit's own growth and its output (the weight, reported too), drawn until
        the output-weighted mean is the article's figure exactly (growths in tenths of a
        percent, outputs in whole 亿元)."""
        mean = int(Decimal(str(value)) * 1000)
        for _attempt in range(10_000):
            weights = [rng.randrange(60, 260) for _ in counties[1:]]
            gaps = [rng.randrange(-45, 45) for _ in counties[1:]]  # growth − mean, in ‰
            total = sum(w * g for w, g in zip(weights, gaps, strict=True))
            sign = 1 if total < 0 else -1
            first = [
                (-total // gap, gap)
                for gap in range(sign, sign * 40, sign)
                if total % gap == 0 and 60 <= -total // gap <= 400
            ]
            if first:
                break
        weight0, gap0 = first[0]
        weights, gaps = [weight0, *weights], [gap0, *gaps]
        for unit, weight in zip(counties, weights, strict=True):
            self._report(indicator.weight, unit, as_of, weight * 10**8, "演示:各单位规上工业增加值")
        return {unit: Decimal(mean + gap) / 1000 for unit, gap in zip(counties, gaps, strict=True)}

    def ranking(self) -> None:
        scheme = RankingScheme.objects.create(
            code="2024-county-race",
            name="2024年县(市)区项目建设赛马",
            year=P.YEAR,
            parent_unit=self.city,
            unit_kinds=["district", "county", "county_city"],
        )
        for code, weight in [
            ("signed_count", 20),
            ("signed_amount", 20),
            ("landed_count", 15),
            ("landed_amount", 15),
            ("started_or_resumed", 15),
            ("completed_investment", 15),
        ]:
            RankingItem.objects.create(scheme=scheme, indicator=self.indicator[code], weight=weight)


def _sum_shares(units: list[Unit], total: Decimal, rng: random.Random) -> dict[Unit, Decimal]:
    """``total`` split into a share per unit (random weights, largest remainders), in
    the total's own step (whole numbers stay whole, 216.4 km in tenths)."""
    exponent = min(
        0, total.as_tuple().exponent if isinstance(total.as_tuple().exponent, int) else 0
    )
    step = Decimal(1).scaleb(exponent)
    steps = int(total / step)
    weights = [rng.uniform(0.5, 2.0) for _ in units]
    raw = [steps * w / sum(weights) for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(units)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: steps - sum(counts)]:
        counts[i] += 1
    return {unit: n * step for unit, n in zip(units, counts, strict=True)}


def _mean_shares(units: list[Unit], mean: Decimal, rng: random.Random) -> dict[Unit, Decimal]:
    """A value per unit whose plain mean is ``mean`` (in thousandths)."""
    total = int(mean * 1000) * len(units)
    values = [int(mean * 1000) + rng.randrange(-120, 121) for _ in units[1:]]
    values.insert(0, total - sum(values))
    return {unit: Decimal(v) / 1000 for unit, v in zip(units, values, strict=True)}


def _nice_below(ceiling: float, *, amount: bool) -> int:
    """A round target not above ``ceiling``: whole 亿元 for amounts, tens for counts."""
    if amount:
        return int(ceiling // P.YI * P.YI)
    return int(ceiling // 10 * 10)
