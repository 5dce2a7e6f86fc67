"""融资信用服务平台 in the Jinzhou 2024 demo: three institutions and their products, a
bank's own account (login ``jzbank``), and enterprises' needs posted in 2024, matched to
the products that fit them and followed — some to 放款, some declined.

Deterministic (fixed seed); every row is written through ``finance.services`` (the same
rules as the pages), dated before the demo's as-of date. Nothing here is a figure of the
article: the platform's figures (needs, matches, 对接率, 放款金额) are whatever the
engine counts over these rows.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TYPE_CHECKING

from gongjian.enterprises.models import Enterprise
from gongjian.finance import services as finance_services
from gongjian.finance.models import (
    Collateral,
    CreditConsent,
    Institution,
    InstitutionStaff,
    Match,
    Need,
    NeedKind,
    Product,
    Stage,
)
from gongjian.kit.clock import override
from gongjian.kit.scope import SYSTEM
from gongjian.units import services as unit_services
from gongjian.units.models import User

from . import plan as P

if TYPE_CHECKING:
    from .loader import _Loader

SEED = P.SEED + 90
WAN = 10_000
BANK_LOGIN = "jzbank"

INSTITUTIONS = [
    ("锦州银行", Institution.Kind.BANK, "王立新", "0416-3220000"),
    ("中国工商银行锦州分行", Institution.Kind.BANK, "赵晓东", "0416-2120000"),
    ("锦州市融资担保有限公司", Institution.Kind.GUARANTEE, "刘敏", "0416-2880000"),
]
# (institution index, name, amount 万元 min–max, term months min–max, rate % min–max,
#  industries, collateral)
PRODUCTS = [
    (0, "科技成长贷", 50, 1000, 6, 36, "3.45", "4.35", ["工业"], Collateral.CREDIT),
    (0, "锦银惠企贷", 100, 3000, 12, 60, "3.85", "4.90", [], Collateral.MORTGAGE),
    (0, "商贸流水贷", 20, 500, 3, 12, "3.95", "5.20", ["商贸服务"], Collateral.CREDIT),
    (1, "经营快贷", 10, 300, 1, 12, "3.30", "4.20", [], Collateral.CREDIT),
    (1, "项目建设贷款", 1000, 50000, 24, 120, "3.20", "4.10", [], Collateral.MORTGAGE),
    (2, "政银担批量贷", 50, 1000, 6, 36, "3.60", "4.50", [], Collateral.GUARANTEE),
]
FUNDS_NEEDS = 36
MARKET_NEEDS = 6
TALENT_NEEDS = 4
PURPOSES = ["购置生产设备", "原材料采购", "技术改造", "厂房建设", "流动资金周转", "研发投入"]


def _day(rng: random.Random, earliest: dt.date, latest: dt.date) -> dt.date:
    return earliest + dt.timedelta(days=rng.randrange((latest - earliest).days + 1))


def load_finance(loader: _Loader) -> None:
    """Add the financing platform's rows to the demo the loader is building."""
    rng = random.Random(SEED)
    city = loader.city
    institutions = [
        finance_services.institution_create(
            actor=SYSTEM, name=name, kind=kind, unit=city, contact=contact, phone=phone
        )
        for name, kind, contact, phone in INSTITUTIONS
    ]
    bank_user = unit_services.user_create(
        actor=SYSTEM, username=BANK_LOGIN, full_name="锦州银行普惠金融部", title="客户经理"
    )
    finance_services.institution_staff_add(
        actor=SYSTEM, institution=institutions[0], user=bank_user
    )
    for index, name, lo, hi, tmin, tmax, rmin, rmax, industries, collateral in PRODUCTS:
        finance_services.product_create(
            actor=SYSTEM,
            institution=institutions[index],
            name=name,
            amount_min=lo * WAN,
            amount_max=hi * WAN,
            term_min=tmin,
            term_max=tmax,
            rate_min=Decimal(rmin),
            rate_max=Decimal(rmax),
            industries=industries,
            collateral=collateral,
            requirements="依法合规经营,无不良信用记录",
        )
    enterprises = list(Enterprise.objects.filter(unit__path__startswith=city.path).order_by("pk"))
    if not enterprises:
        return
    picked = rng.sample(
        enterprises, min(len(enterprises), FUNDS_NEEDS + MARKET_NEEDS + TALENT_NEEDS)
    )
    latest = P.AS_OF - dt.timedelta(days=45)
    for n, enterprise in enumerate(picked):
        posted = _day(rng, dt.date(P.YEAR, 1, 8), latest)
        with override(P.AS_OF):
            if n < FUNDS_NEEDS:
                need = finance_services.need_create(
                    actor=SYSTEM,
                    enterprise=enterprise,
                    kind=NeedKind.FUNDS,
                    title=f"{rng.choice(PURPOSES)}融资",
                    posted_on=posted,
                    amount=rng.choice([30, 80, 150, 200, 300, 500, 800, 1200]) * WAN,
                    term=rng.choice([6, 12, 24, 36]),
                    purpose=rng.choice(PURPOSES),
                    collateral=rng.choice(
                        [
                            Collateral.CREDIT,
                            Collateral.CREDIT,
                            Collateral.MORTGAGE,
                            Collateral.GUARANTEE,
                        ]
                    ),
                )
                _follow(rng, need, posted)
            elif n < FUNDS_NEEDS + MARKET_NEEDS:
                finance_services.need_create(
                    actor=SYSTEM,
                    enterprise=enterprise,
                    kind=NeedKind.MARKET,
                    title="拓展销售渠道",
                    posted_on=posted,
                    offering=enterprise.industry or "工业产品",
                    customers="省内外大型制造企业",
                )
            else:
                finance_services.need_create(
                    actor=SYSTEM,
                    enterprise=enterprise,
                    kind=NeedKind.TALENT,
                    title="招聘技术人才",
                    posted_on=posted,
                    roles="工艺工程师、设备维修技师",
                    headcount=rng.choice([3, 5, 8, 10]),
                )
            if n % 3 == 0:
                finance_services.consent_grant(
                    actor=SYSTEM,
                    enterprise=enterprise,
                    institution=institutions[0],
                    granted_on=posted,
                    note="企业书面授权",
                )


def _follow(rng: random.Random, need: Need, posted: dt.date) -> None:
    """Match the need a few days after it was posted, then follow its first match: most
    are 对接, some 受理, 授信 and 放款; a few declined."""
    on = posted + dt.timedelta(days=rng.randint(1, 5))
    matches = finance_services.need_match(actor=SYSTEM, need=need, on=on)
    if not matches:
        return
    match = matches[0]
    roll = rng.random()
    if roll < 0.15:
        return  # matched, not yet contacted
    on += dt.timedelta(days=rng.randint(1, 7))
    match = finance_services.match_advance(actor=SYSTEM, match=match, stage=Stage.CONTACTED, on=on)
    if roll < 0.25:
        finance_services.match_advance(
            actor=SYSTEM,
            match=match,
            stage=Stage.DECLINED,
            on=on + dt.timedelta(days=3),
            note="企业现金流不足以覆盖还款",
        )
        return
    if roll < 0.4:
        return
    on += dt.timedelta(days=rng.randint(2, 8))
    match = finance_services.match_advance(actor=SYSTEM, match=match, stage=Stage.ACCEPTED, on=on)
    if roll < 0.5:
        return
    on += dt.timedelta(days=rng.randint(5, 12))
    credit = need.amount or 0
    match = finance_services.match_advance(
        actor=SYSTEM, match=match, stage=Stage.GRANTED, on=on, amount=credit
    )
    if roll < 0.6:
        return
    on += dt.timedelta(days=rng.randint(2, 10))
    finance_services.match_advance(
        actor=SYSTEM, match=match, stage=Stage.LOANED, on=on, amount=credit
    )


def remove_finance(units) -> None:
    """Delete the demo's financing rows under ``units`` (history rows stay)."""
    Match.objects.filter(need__unit__in=units).delete()
    Need.objects.filter(unit__in=units).delete()
    CreditConsent.objects.filter(enterprise__unit__in=units).delete()
    Match.objects.filter(product__institution__unit__in=units).delete()
    Product.objects.filter(institution__unit__in=units).delete()
    InstitutionStaff.objects.filter(institution__unit__in=units).delete()
    Institution.objects.filter(unit__in=units).delete()
    User.objects.filter(username=BANK_LOGIN).delete()
