"""政务服务 in the Jinzhou 2024 demo: the service map (a catalogue of services, the city's
and each district's service points) and the 综合窗口's 办件 of 2023 and 2024; and grants
paid out (拨付) after their approval.

Deterministic (fixed seed). The 办件 are built so that the engine gives, for the city in
2024 as of 2024-10-31, ``service_efficiency_gain`` = 0.57 — the article's "业务办理效率提升
57%": the transactions completed from 1 January to 31 October 2023 took 1,000 minutes on
average, those of the same dates in 2024 430 minutes ((1000 − 430) ÷ 1000). Each
transaction's handling time is its completion minus its receipt; nothing stores the rate.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from django.db.models import prefetch_related_objects
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from gongjian.appeals.workdays import WorkCalendar
from gongjian.govservice import services as gov_services
from gongjian.govservice.models import Channel, ServiceItem, ServicePoint, Transaction
from gongjian.kit.scope import SYSTEM
from gongjian.policies import services as policy_services
from gongjian.policies.models import Grant

from . import plan as P
from .geo import pin

if TYPE_CHECKING:
    from .loader import _Loader

SEED = P.SEED + 90
REASON = "锦州 2024 演示数据"
# (year, completed rows from 1 January to 31 October, their average handling minutes)
BASELINE = (2023, 1500, 1000)
CURRENT = (2024, 2000, 430)
LATER_2023 = 300  # received from November 2023: outside both windows
OPEN_2024 = 40  # received in late October 2024, not completed by the demo's date
PAID_GRANTS = 24

# (code, name, keywords, department, promised working days)
ITEMS = [
    ("YYZZ-01", "企业设立登记(营业执照)", "营业执照 开公司 注册公司 个体户", "市场监督管理局", 1),
    ("YYZZ-02", "企业变更登记", "营业执照变更 法人变更 地址变更", "市场监督管理局", 3),
    ("SB-01", "社会保障卡申领", "社保卡 医保卡 补卡", "人力资源和社会保障局", 0),
    ("SB-02", "养老保险参保登记", "养老保险 社保缴费 灵活就业", "人力资源和社会保障局", 0),
    ("YB-01", "医保异地就医备案", "医保 异地就医 备案", "医疗保障局", 0),
    ("HJ-01", "户口迁移", "户口 落户 迁入", "公安局", 5),
    ("JZ-01", "居住证办理", "居住证 暂住证", "公安局", 7),
    ("BDC-01", "不动产登记", "房产证 不动产 过户", "自然资源局", 5),
    ("GJJ-01", "住房公积金提取", "公积金 提取 租房提取", "住房公积金中心", 3),
    ("SW-01", "发票申领", "发票 税务 开票", "税务局", 1),
    ("JS-01", "施工许可证核发", "施工许可 建筑 开工", "住房和城乡建设局", 7),
    ("HB-01", "建设项目环评审批", "环评 环境影响评价", "生态环境局", 20),
    ("CJ-01", "残疾人证办理", "残疾证 残联", "残疾人联合会", 10),
    ("MZ-01", "婚姻登记", "结婚登记 离婚登记 结婚证", "民政局", 0),
    ("JY-01", "就业失业登记", "就业登记 失业登记 找工作", "人力资源和社会保障局", 0),
    ("SD-01", "水电气报装", "用水 用电 燃气 报装", "公用事业", 5),
]
STREETS = ["解放路", "中央大街", "士英街", "人民街", "延安路", "科技路", "云飞街", "北京路"]
QUICK = {"SB-01", "SB-02", "YB-01", "MZ-01", "JY-01"}  # everyday services of the stations


def load_govservice(loader: _Loader) -> None:
    rng = random.Random(SEED)
    items = _items(loader)
    points = _points(loader, rng, items)
    _transactions(rng, points)
    _payouts(rng)


def _items(loader: _Loader) -> list[ServiceItem]:
    out = []
    for code, name, keywords, department, days in ITEMS:
        item, _created = gov_services.item_save(
            actor=SYSTEM,
            code=code,
            name=name,
            keywords=keywords,
            department=f"市{department}" if not department.startswith("市") else department,
            time_limit_days=days,
            unit=loader.city,
        )
        out.append(item)
    return out


def _points(loader: _Loader, rng: random.Random, items: list[ServiceItem]) -> list[ServicePoint]:
    quick = [i for i in items if i.code in QUICK]
    points = []

    def add(code, name, kind, unit, key, hours, phone, handled):
        lat, lon = pin(rng, key)
        point, _created = gov_services.point_save(
            actor=SYSTEM,
            code=code,
            items=handled,
            name=name,
            kind=kind,
            unit=unit,
            address=f"锦州市{unit.name if unit != loader.city else '凌河区'}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
            latitude=lat,
            longitude=lon,
            hours=hours,
            phone=phone,
        )
        points.append(point)

    weekday = "周一至周五 8:30-11:30,13:00-17:00"
    add(
        "JZ-ZX",
        "锦州市政务服务中心",
        ServicePoint.Kind.CENTER,
        loader.city,
        "210703",
        weekday + ";周六上午预约办理",
        "0416-12345",
        items,
    )
    for n, (key, unit) in enumerate(sorted(loader.by_code.items()), start=1):
        add(
            f"JZ-{n:02d}-FZX",
            f"{unit.name}政务服务分中心",
            ServicePoint.Kind.BRANCH,
            unit,
            key,
            weekday,
            f"0416-{3100000 + n * 1111}",
            items,
        )
        add(
            f"JZ-{n:02d}-ZHCK",
            f"{unit.name}综合窗口(一窗通办)",
            ServicePoint.Kind.WINDOW,
            unit,
            key,
            weekday,
            f"0416-{3200000 + n * 1111}",
            [i for i in items if i.time_limit_days <= 7],
        )
        for s in (1, 2):
            add(
                f"JZ-{n:02d}-BM{s}",
                f"{unit.name}第{s}便民服务站",
                ServicePoint.Kind.STATION,
                unit,
                key,
                "周一至周日 9:00-17:00",
                "",
                quick,
            )
    return points


def _durations(rng: random.Random, items: list[ServiceItem], count: int, average: int) -> list[int]:
    """``count`` handling times (minutes) whose sum is ``count × average`` exactly."""
    raw = []
    for item in items:
        if item.time_limit_days == 0:
            raw.append(rng.randint(10, 90))
        else:
            raw.append(rng.randint(120, max(121, item.time_limit_days * 1440)))
    total = count * average
    scale = total / sum(raw)
    out = [max(1, round(r * scale)) for r in raw]
    diff = total - sum(out)
    i = 0
    while diff:
        step = 1 if diff > 0 else -1
        if out[i % count] + step >= 1:
            out[i % count] += step
            diff -= step
        i += 1
    return out


def _transactions(rng: random.Random, points: list[ServicePoint]) -> None:
    calendar = WorkCalendar.load()
    prefetch_related_objects(points, "items")
    handled = {p.pk: list(p.items.all()) for p in points}
    tz = timezone.get_current_timezone()
    rows: list[Transaction] = []
    channels = [Channel.WINDOW] * 6 + [Channel.ONLINE] * 3 + [Channel.SELF_SERVICE]

    def make(year: int, count: int, first: dt.date, last: dt.date, average: int | None):
        chosen = []
        for _ in range(count):
            point = rng.choice(points)
            chosen.append((point, rng.choice(handled[point.pk])))
        minutes = _durations(rng, [i for _p, i in chosen], count, average) if average else None
        span = (last - first).days
        for n, (point, item) in enumerate(chosen):
            day = first + dt.timedelta(days=rng.randint(0, span))
            received = dt.datetime.combine(day, dt.time(rng.randint(8, 15), rng.randint(0, 59)))
            received = received.replace(tzinfo=tz)
            tx = Transaction(
                number=f"BJ{year}{len(rows) + 1:07d}",
                point=point,
                item=item,
                channel=rng.choice(channels),
                received_at=received,
                completed_at=received + dt.timedelta(minutes=minutes[n]) if minutes else None,
            )
            rows.append(gov_services.derive(tx, calendar))

    year, count, average = BASELINE
    # received by 20 October: every one is completed by 31 October (at most ~14 days)
    make(year, count, dt.date(year, 1, 3), dt.date(year, 10, 15), average)
    make(year, LATER_2023, dt.date(year, 11, 1), dt.date(year, 12, 20), 800)
    year, count, average = CURRENT
    make(year, count, dt.date(year, 1, 3), dt.date(year, 10, 15), average)
    make(year, OPEN_2024, dt.date(year, 10, 28), dt.date(year, 10, 31), None)
    bulk_create_with_history(rows, Transaction, batch_size=2000, default_change_reason=REASON)


def _payouts(rng: random.Random) -> None:
    """Pay out some of the demo's approved grants, each 3–25 days after its approval."""
    approved = Grant.objects.filter(
        status=Grant.Status.APPROVED, year=P.YEAR, decided_on__lte=P.AS_OF - dt.timedelta(days=30)
    ).select_related("policy", "enterprise")
    for grant in approved.order_by("decided_on", "pk")[:PAID_GRANTS]:
        assert grant.decided_on is not None
        policy_services.grant_pay(
            actor=SYSTEM,
            grant=grant,
            amount=grant.amount,
            paid_on=grant.decided_on + dt.timedelta(days=rng.randint(3, 25)),
            voucher=f"JZCZ-{grant.decided_on:%Y%m}-{grant.pk:05d}",
        )


def remove_govservice(units) -> None:
    """Delete the demo's 办件, points and services under ``units`` (history rows stay)."""
    Transaction.objects.filter(point__unit__in=units).delete()
    ServicePoint.objects.filter(unit__in=units).delete()
    ServiceItem.objects.filter(unit__in=units).delete()
