"""营商环境 services in the Jinzhou 2024 demo: 12345 appeals and 免申即享 policies.

Deterministic (fixed seed). Built so that the engine gives, for the city in 2024 as of
2024-10-31, ``appeals_resolution_rate`` = 0.995 (1,194 of the 1,200 appeals received by
then closed) and ``policies_without_application`` = 58 (published 免申即享 policies in
force in 2024; the application-mode, expired, future, withdrawn and draft policies beside
them are not counted). The 2024 holiday calendar (with its 调休 weekends) is loaded, and
every deadline is counted in it.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from gongjian.appeals import services as appeal_services
from gongjian.appeals.models import (
    Appeal,
    AppealCategory,
    AppealStep,
    AppellantKind,
    Channel,
    Satisfaction,
    Status,
)
from gongjian.appeals.workdays import WorkCalendar
from gongjian.enterprises.models import Enterprise
from gongjian.indicators import services as indicator_services
from gongjian.indicators.models import Indicator
from gongjian.kit.scope import SYSTEM
from gongjian.policies import services as policy_services
from gongjian.policies.models import EnterpriseLabel, Grant, Policy
from gongjian.projects.models import Project

from . import plan as P

if TYPE_CHECKING:
    from .loader import _Loader

SEED = P.SEED + 70
REASON = "锦州 2024 演示数据"
RECEIVED_BY_AS_OF = 1200
OPEN_AT_AS_OF = 6  # 1,194 / 1,200 = 99.5 %
AUTO_POLICIES = 58

# (code, name, default unit name or None = the district's own department, sla, for firms)
CATEGORIES = [
    ("enterprise-service", "涉企服务诉求", "市发展和改革委员会", 5, True),
    ("project-elements", "项目要素保障", "市自然资源局", 10, True),
    ("business-environment", "营商环境投诉", "市商务局", 5, True),
    ("housing", "住房与物业", "市住房和城乡建设局", 10, False),
    ("transport", "交通出行", "市交通运输局", 7, False),
    ("agriculture", "农业农村", "市农业农村局", 10, False),
    ("urban-management", "城市管理", None, 5, False),
    ("heating", "供暖供热", None, 3, False),
    ("environment", "生态环境", "市生态环境局", 10, False),
]
WEIGHTS = [14, 6, 6, 16, 10, 6, 22, 20, 0]
TOPICS = {
    "enterprise-service": ["企业用工招聘协调", "企业融资对接", "企业用电报装", "企业开办登记"],
    "project-elements": ["项目用地手续办理", "项目规划许可", "施工用水接入", "项目环评审批"],
    "business-environment": ["涉企收费问题", "审批时限过长", "政策兑现进度", "执法检查频次"],
    "housing": ["小区物业服务", "老旧小区改造进度", "电梯维修", "房屋产权办理"],
    "transport": ["公交线路调整", "道路破损", "停车难", "交通信号灯故障"],
    "agriculture": ["农机补贴发放", "高标准农田建设", "农产品销售", "灌溉设施维修"],
    "urban-management": ["占道经营", "噪音扰民", "垃圾清运", "路灯不亮"],
    "heating": ["室温不达标", "供热管网漏水", "供暖费缴纳", "暖气不热"],
    "environment": ["企业异味排放"],
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
LABELS = ["高新技术企业", "专精特新", "科技型中小企业", "省级瞪羚企业", "外贸出口企业"]


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


def load_services(loader: _Loader) -> None:
    """Add the appeal categories and appeals, labels, policies and grants."""
    # the working days: the official arrangement (``appeals.workdays``), nothing typed in
    calendar = WorkCalendar.load()
    categories = {}
    for code, name, unit_name, sla, firms in CATEGORIES:
        unit = loader.city.children.get(name=unit_name) if unit_name else None
        categories[code] = appeal_services.category_define(
            actor=SYSTEM,
            code=code,
            name=name,
            default_unit=unit,
            sla_days=sla,
            for_enterprises=firms,
        )
    _appeals(loader, calendar, categories)
    _policies(loader)
    _indicators(loader)


# --- appeals -----------------------------------------------------------------------------


def _appeals(loader: _Loader, calendar: WorkCalendar, categories: dict) -> None:
    rng = random.Random(SEED)
    firms = list(
        Enterprise.objects.filter(unit__path__startswith=loader.city.path)
        .exclude(region__in=["", None])
        .filter(region="锦州")
        .order_by("pk")
        .values_list("pk", "name", "unit_id")
    )
    projects = list(
        Project.objects.filter(unit__path__startswith=loader.city.path)
        .order_by("pk")
        .values_list("pk", flat=True)[:400]
    )
    county_keys = list(loader.by_code)
    codes = [c[0] for c in CATEGORIES]
    start, end = dt.date(P.YEAR, 1, 2), P.AS_OF

    def working_day(low: dt.date, high: dt.date) -> dt.date:
        while True:
            day = low + dt.timedelta(days=rng.randint(0, (high - low).days))
            if calendar.is_working_day(day):
                return day

    plans: list[tuple[dt.date, bool, str | None]] = []  # (received_on, closes, category code)
    for _ in range(RECEIVED_BY_AS_OF - OPEN_AT_AS_OF):
        plans.append((working_day(start, end - dt.timedelta(days=3)), True, None))
    for _ in range(OPEN_AT_AS_OF):
        plans.append((working_day(end - dt.timedelta(days=5), end), False, None))
    # the environment bureau: one appeal, closed — too few to be ranked on a rate
    plans[0] = (working_day(dt.date(P.YEAR, 5, 6), dt.date(P.YEAR, 5, 31)), True, "environment")
    # outside the year-to-date: December 2023 (closed in January) and November 2024
    for _ in range(30):
        plans.append(
            (working_day(dt.date(P.YEAR - 1, 12, 11), dt.date(P.YEAR - 1, 12, 29)), True, None)
        )
    for _ in range(40):
        plans.append((working_day(dt.date(P.YEAR, 11, 1), dt.date(P.YEAR, 11, 29)), True, None))
    plans.sort(key=lambda p: p[0])

    appeals, scripts = [], []
    for seq, (received_on, closes, fixed_code) in enumerate(plans, start=1):
        code = fixed_code or rng.choices(codes, WEIGHTS)[0]
        category = categories[code]
        received_at = _at(received_on, rng.randint(8, 11), rng.randint(0, 59))
        unit = category.default_unit or loader.county_depts[rng.choice(county_keys)]
        firm = None
        if category.for_enterprises or rng.random() < 0.08:
            firm = rng.choice(firms) if firms else None
        due_on = calendar.add_working_days(received_on, category.sla_days)
        reopened = closes and rng.random() < 0.02
        closed_on: dt.date | None = None
        if closes:
            late = rng.random() < 0.05
            k = (
                rng.randint(category.sla_days + 1, category.sla_days + 4)
                if late
                else rng.randint(max(1, category.sla_days // 2), category.sla_days)
            )
            closed_on = calendar.add_working_days(received_on, max(k, 2 if reopened else 1))
            if received_on <= P.AS_OF < closed_on:
                closed_on = calendar.add_working_days(received_on, 1)  # closed by the cut-off
                if closed_on > P.AS_OF:
                    closed_on = received_on
                reopened = False
        roll = rng.random()
        satisfaction = (
            Satisfaction.SATISFIED
            if roll < 0.9
            else Satisfaction.BASIC
            if roll < 0.97
            else Satisfaction.UNSATISFIED
        )
        topic = rng.choice(TOPICS[code])
        status = (
            Status.CLOSED
            if closes
            else rng.choice([Status.SIGNED, Status.HANDLING, Status.REPLIED])
        )
        appeal = Appeal(
            number=f"{received_on:%Y%m%d}{seq:06d}",
            channel=rng.choices(
                [Channel.HOTLINE, Channel.WEB, Channel.APP, Channel.LETTER], [70, 12, 15, 3]
            )[0],
            appellant_kind=AppellantKind.ENTERPRISE if firm else AppellantKind.CITIZEN,
            appellant_name=firm[1] if firm else rng.choice(SURNAMES) + "先生",
            phone=f"13{rng.randint(100000000, 999999999)}",
            enterprise_id=firm[0] if firm else None,
            project_id=rng.choice(projects) if firm and projects and rng.random() < 0.3 else None,
            category=category,
            title=topic,
            content=f"{topic}:请相关部门尽快协调解决。",
            address=f"{loader.city.name}{rng.choice(list(loader.by_code.values())).name}",
            intake_unit=loader.hotline,
            unit=unit,
            status=status,
            received_at=received_at,
            received_on=received_on,
            sign_due_on=calendar.add_working_days(received_on, category.sign_days),
            due_on=(
                calendar.add_working_days(closed_on, category.sla_days)
                if reopened and closed_on
                else due_on
            ),
            replied_on=closed_on if closes else (received_on if status == Status.REPLIED else None),
            closed_on=closed_on,
            reply="已协调相关单位办理,问题已解决。" if closes or status == Status.REPLIED else "",
            satisfaction=satisfaction if closes else "",
            reopen_count=1 if reopened else 0,
        )
        if reopened and closed_on:  # re-counted from the reopening day, the day before closing
            appeal.due_on = calendar.add_working_days(
                closed_on - dt.timedelta(days=1), category.sla_days
            )
        appeals.append(appeal)
        scripts.append((appeal, reopened, satisfaction))
    bulk_create_with_history(appeals, Appeal, batch_size=1000, default_change_reason=REASON)
    pks = dict(Appeal.objects.filter(intake_unit=loader.hotline).values_list("number", "pk"))
    steps = []
    A = AppealStep.Action
    for appeal, reopened, satisfaction in scripts:
        appeal.pk = pks[appeal.number]
        t0 = appeal.received_at
        hour = dt.timedelta(hours=1)

        def step(action, before, after, at, note="", appeal=appeal):
            steps.append(
                AppealStep(
                    appeal_id=appeal.pk,
                    action=action,
                    from_status=before,
                    to_status=after,
                    unit=appeal.intake_unit if action == A.RECEIVE else appeal.unit,
                    at=at,
                    note=note,
                )
            )

        step(A.RECEIVE, "", Status.RECEIVED, t0)
        step(A.DISPATCH, Status.RECEIVED, Status.DISPATCHED, t0 + hour / 2)
        step(A.SIGN, Status.DISPATCHED, Status.SIGNED, t0 + 2 * hour)
        if appeal.status == Status.SIGNED:
            continue
        step(A.HANDLE, Status.SIGNED, Status.HANDLING, t0 + 3 * hour)
        if appeal.status == Status.HANDLING:
            continue
        if appeal.status == Status.REPLIED:
            step(A.REPLY, Status.HANDLING, Status.REPLIED, t0 + 5 * hour, appeal.reply)
            continue
        closed = appeal.closed_on
        assert closed is not None  # every remaining appeal is closed
        if reopened:
            first = closed - dt.timedelta(days=1)
            step(A.REPLY, Status.HANDLING, Status.REPLIED, _at(first, 9), "已处理")
            step(A.VISIT, Status.REPLIED, Status.VISITED, _at(first, 14), "回访不满意")
            step(A.REOPEN, Status.VISITED, Status.DISPATCHED, _at(first, 15), "回访不满意,重办")
            step(A.SIGN, Status.DISPATCHED, Status.SIGNED, _at(first, 16))
            step(A.REPLY, Status.SIGNED, Status.REPLIED, _at(closed, 10), appeal.reply)
        else:
            at = max(_at(closed, 15), t0 + 4 * hour)
            step(A.REPLY, Status.HANDLING, Status.REPLIED, at, appeal.reply)
        last = max(_at(closed, 16), t0 + 5 * hour)
        note = (
            "诉求人不满意,经核实已依法依规办理" if satisfaction == Satisfaction.UNSATISFIED else ""
        )
        step(A.VISIT, Status.REPLIED, Status.VISITED, last, Satisfaction(satisfaction).label)
        step(A.CLOSE, Status.VISITED, Status.CLOSED, last + hour / 2, note)
    AppealStep.objects.bulk_create(steps, batch_size=2000)


# --- policies --------------------------------------------------------------------------

TOPICS_POLICY = [
    "规上工业企业稳增长奖励",
    "高新技术企业认定奖励",
    "专精特新企业培育奖励",
    "科技型中小企业研发费用补助",
    "企业上规入统奖励",
    "外贸企业出口信用保险补贴",
    "企业技术改造补助",
    "数字化车间认定奖励",
    "首台(套)装备奖励",
    "企业稳岗返还",
    "新材料首批次应用补助",
    "重点产业集群企业扩产奖励",
    "招商引资落地项目奖励",
    "企业贷款贴息",
    "企业上市挂牌奖励",
]


def _rule(index: int, city_code: str, county_codes: list[str], clusters: list[str]) -> tuple:
    """A varied, realistic rule and benefit for the ``index``-th policy."""
    kind = index % 8
    if kind == 0:
        return (
            {"all": [{"field": "tier", "op": "in", "value": ["ge_10bn", "ge_5bn", "ge_1bn"]}]},
            {
                "formula": {
                    "base": "latest_revenue",
                    "rate": "0.0005",
                    "min": 100000,
                    "max": 2000000,
                }
            },
        )
    if kind == 1:
        return (
            {
                "all": [
                    {"field": "labels", "op": "has", "value": "高新技术企业"},
                    {"field": "unit", "op": "within", "value": city_code},
                ]
            },
            {"amount": 200000},
        )
    if kind == 2:
        return (
            {
                "all": [
                    {"field": "revenue_growth", "year": P.YEAR - 1, "op": "gte", "value": "0.1"},
                    {"field": "latest_revenue", "op": "gte", "value": 100_000_000},
                ]
            },
            {"amount": 300000},
        )
    if kind == 3:
        return (
            {
                "any": [
                    {"field": "labels", "op": "has", "value": "专精特新"},
                    {"field": "labels", "op": "has", "value": "科技型中小企业"},
                ]
            },
            {"amount": 100000},
        )
    if kind == 4:
        return (
            {
                "all": [
                    {"field": "cluster", "op": "in", "value": clusters},
                    {"field": "credit_code", "op": "division_in", "value": [city_code[:4]]},
                ]
            },
            {"amount": 50000},
        )
    if kind == 5:
        return (
            {
                "all": [
                    {
                        "field": "label_since",
                        "label": "专精特新",
                        "op": "gte",
                        "value": f"{P.YEAR - 1}-01-01",
                    }
                ]
            },
            {"amount": 500000},
        )
    if kind == 6:
        county = county_codes[index % len(county_codes)]
        return (
            {
                "all": [
                    {"field": "unit", "op": "within", "value": county},
                    {
                        "field": "latest_revenue",
                        "op": "between",
                        "value": [20_000_000, 500_000_000],
                    },
                ]
            },
            {"formula": {"base": "revenue", "year": P.YEAR - 1, "rate": "0.001", "max": 300000}},
        )
    return (
        {
            "all": [
                {"field": "labels", "op": "has", "value": "外贸出口企业"},
                {"not": {"field": "tier", "op": "eq", "value": "ge_10bn"}},
            ]
        },
        {"amount": 80000},
    )


def _policies(loader: _Loader) -> None:
    rng = random.Random(SEED + 1)
    local = list(
        Enterprise.objects.filter(unit__path__startswith=loader.city.path, region="锦州").order_by(
            "pk"
        )
    )
    labels = []
    for e in local:
        for label in LABELS:
            if rng.random() < 0.12:
                since = dt.date(rng.choice([2021, 2022, 2023, 2024]), rng.randint(1, 12), 1)
                labels.append(EnterpriseLabel(enterprise=e, label=label, since=since))
    bulk_create_with_history(labels, EnterpriseLabel, batch_size=2000, default_change_reason=REASON)
    clusters = sorted({e.cluster for e in local if e.cluster})[:4]
    county_codes = [c for c in loader.by_code if c.isdigit()]
    issuers = [loader.city, *loader.departments.values(), *loader.by_code.values()]
    plans: list[tuple[str, str, dt.date, dt.date | None]] = []  # (mode, status, from, to)
    for i in range(AUTO_POLICIES):
        valid_from = dt.date(P.YEAR - (1 if i % 3 == 0 else 0), 1 + i % 9, 1)
        plans.append(
            (
                Policy.Mode.AUTO,
                Policy.Status.PUBLISHED,
                valid_from,
                None if i % 4 else dt.date(P.YEAR + 1, 12, 31),
            )
        )
    for i in range(12):  # by application: not 免申即享
        plans.append(
            (Policy.Mode.APPLICATION, Policy.Status.PUBLISHED, dt.date(P.YEAR, 1 + i % 10, 1), None)
        )
    for _ in range(4):  # expired before the year
        plans.append(
            (
                Policy.Mode.AUTO,
                Policy.Status.PUBLISHED,
                dt.date(P.YEAR - 2, 1, 1),
                dt.date(P.YEAR - 1, 12, 31),
            )
        )
    for _ in range(3):  # from next year
        plans.append((Policy.Mode.AUTO, Policy.Status.PUBLISHED, dt.date(P.YEAR + 1, 1, 1), None))
    plans.append((Policy.Mode.AUTO, Policy.Status.WITHDRAWN, dt.date(P.YEAR, 3, 1), None))
    plans.append((Policy.Mode.AUTO, Policy.Status.DRAFT, dt.date(P.YEAR, 12, 1), None))
    policies = []
    for index, (mode, status, valid_from, valid_to) in enumerate(plans, start=1):
        rules, benefit = _rule(index, loader.city.code or "", county_codes, clusters)
        topic = TOPICS_POLICY[index % len(TOPICS_POLICY)]
        issuer = issuers[index % len(issuers)]
        policy = policy_services.policy_create(
            actor=SYSTEM,
            code=f"JZ-ZC-{valid_from.year}-{index:03d}",
            unit=issuer,
            name=f"{issuer.name}{topic}({'第' + str(index) + '号'})",
            department=issuer.name,
            mode=mode,
            summary=f"对符合条件的企业给予{topic}。",
            rules=rules,
            benefit=benefit,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        if status != Policy.Status.DRAFT:
            policy_services.policy_set_status(actor=SYSTEM, policy=policy, status=status)
        policies.append(policy)
    # the grant lists of the first policies, approved during the year
    enterprises = list(
        policy_services.enterprises_for_matching(
            Enterprise.objects.filter(pk__in=[e.pk for e in local])
        )
    )
    grants = []
    for number, policy in enumerate(policies[:10]):
        units = policy_services._unit_paths(policy)
        decided = dt.date(P.YEAR, 3 + number % 7, 15)
        for e in enterprises:
            result = policy_services.check(policy, e, units)
            if result.explanation.eligible and result.amount is not None:
                grants.append(
                    Grant(
                        policy=policy,
                        enterprise=e,
                        year=P.YEAR,
                        amount=result.amount,
                        status=Grant.Status.APPROVED,
                        reason=result.explanation.text(),
                        proposed_on=decided - dt.timedelta(days=10),
                        decided_on=decided,
                    )
                )
    bulk_create_with_history(grants, Grant, batch_size=1000, default_change_reason=REASON)


# --- rate indicators --------------------------------------------------

RATIOS = [
    ("appeals_resolution_rate", "诉求办结率", "appeals_closed", "appeals_received"),
    ("appeals_on_time_rate", "诉求按期办结率", "appeals_closed_on_time", "appeals_received"),
    ("appeals_satisfaction_rate", "诉求满意率", "appeals_satisfied", "appeals_closed"),
    ("appeals_reopen_rate", "诉求重办率", "appeals_reopened", "appeals_closed"),
]


def _indicators(loader: _Loader) -> None:
    for code, name, numerator, denominator in RATIOS:
        loader.indicator[code] = indicator_services.indicator_define(
            actor=SYSTEM,
            code=code,
            name=name,
            kind=Indicator.Kind.RATIO,
            base_indicator=loader.indicator[numerator],
            denominator=loader.indicator[denominator],
            display_unit="比率",
            sort_order=900,
        )
    loader.indicator["appeals_resolution_rate"].quote = "企业急难愁盼及民生诉求办结率达到99.5%"
    loader.indicator["appeals_resolution_rate"].save()


def remove_services(units) -> None:
    """Delete the demo's appeals, policies and grants under ``units`` (history rows stay)."""
    Indicator.objects.filter(code__in=[code for code, *_ in RATIOS]).delete()
    Grant.objects.filter(policy__unit__in=units).delete()
    Policy.objects.filter(unit__in=units).delete()
    EnterpriseLabel.objects.filter(enterprise__unit__in=units).delete()
    Appeal.objects.filter(intake_unit__in=units).delete()
    AppealCategory.objects.filter(code__in=[c[0] for c in CATEGORIES]).delete()
