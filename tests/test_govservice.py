"""政务(便民)服务地图 and 办件: the public map (no sign-in, public fields only, search by
keyword, nearest first, rate-limited), the 办件 indicators through the engine (the
year-on-year decline of the average handling time), scope, and grants to the end
(快申快享 application, 拨付 with the enterprise's unit told)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.utils import timezone

from gongjian.govservice import services
from gongjian.govservice.models import ServicePoint, Transaction
from gongjian.indicators.engine import evaluate, year_before
from gongjian.indicators.models import Indicator
from gongjian.kit.dates import Period
from gongjian.kit.scope import SYSTEM, Action
from gongjian.notices.models import Notice
from gongjian.policies import services as policy_services
from gongjian.policies.models import Grant, Policy
from gongjian.units.models import Role
from tests.factories import EnterpriseFactory, build_city_world, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    cache.clear()
    w = build_city_world()
    w.item, _ = services.item_save(
        actor=SYSTEM,
        code="YYZZ",
        name="企业设立登记",
        keywords="营业执照 开公司",
        time_limit_days=1,
        unit=w.city,
    )
    w.other, _ = services.item_save(
        actor=SYSTEM, code="SB", name="社保卡申领", keywords="社保卡", unit=w.city
    )
    w.near, _ = services.point_save(
        actor=SYSTEM,
        code="A-1",
        items=[w.item, w.other],
        name="甲区政务服务分中心",
        kind=ServicePoint.Kind.BRANCH,
        unit=w.district_a,
        address="甲区一路1号",
        latitude=Decimal("41.100000"),
        longitude=Decimal("121.100000"),
        phone="0416-1",
        note="内部备注不公开",
    )
    w.far, _ = services.point_save(
        actor=SYSTEM,
        code="B-1",
        items=[w.item],
        name="乙区便民服务站",
        kind=ServicePoint.Kind.STATION,
        unit=w.district_b,
        address="乙区二路2号",
        latitude=Decimal("41.900000"),
        longitude=Decimal("121.900000"),
    )
    w.hidden, _ = services.point_save(
        actor=SYSTEM,
        code="B-2",
        items=[w.item],
        name="乙区内部窗口",
        kind=ServicePoint.Kind.WINDOW,
        unit=w.district_b,
        address="乙区三路3号",
        is_public=False,
    )
    return w


def test_public_map_opens_without_sign_in_and_finds_by_keyword(world):
    client = Client()
    response = client.get("/govservice/map/", {"q": "营业执照", "city": world.city.code})
    assert response.status_code == 200
    text = response.content.decode()
    assert "企业设立登记" in text
    assert "甲区政务服务分中心" in text and "乙区便民服务站" in text
    assert "乙区内部窗口" not in text  # not public
    assert "内部备注不公开" not in text  # not a public field
    assert 'name="viewport"' in text  # the phone layout
    assert (
        "gs-skip" in text and "gs-results" in text
    )  # skip link to the list (the text alternative)
    # a keyword only the other service has: only the point handling it
    text = client.get("/govservice/map/", {"q": "社保卡", "city": world.city.code}).content.decode()
    assert "甲区政务服务分中心" in text and "乙区便民服务站" not in text


def test_public_map_nearest_first(world):
    client = Client()
    far_first = {"q": "营业执照", "city": world.city.code, "lat": "41.95", "lon": "121.95"}
    text = client.get("/govservice/map/", far_first).content.decode()
    assert text.index("乙区便民服务站") < text.index("甲区政务服务分中心")
    near_first = {**far_first, "lat": "41.1", "lon": "121.1"}
    text = client.get("/govservice/map/", near_first).content.decode()
    assert text.index("甲区政务服务分中心") < text.index("乙区便民服务站")
    assert "公里" in text


def test_public_map_is_read_only_and_rate_limited(world):
    client = Client()
    assert client.post("/govservice/map/", {"q": "x"}).status_code == 405
    with override_settings(GONGJIAN_PUBLIC_RATE_LIMIT=3):
        cache.clear()
        codes = [client.get("/govservice/map/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    cache.clear()


def test_office_pages_need_sign_in_and_are_scoped(world):
    assert Client().get("/govservice/").status_code == 302
    client = Client()
    client.force_login(world.operator_a)
    text = client.get("/govservice/points/").content.decode()
    assert "甲区政务服务分中心" in text and "乙区便民服务站" not in text
    assert "/govservice/points/new/" not in text  # an operator does not keep the points
    assert client.get(f"/govservice/points/{world.far.pk}/").status_code in (403, 404)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def test_transaction_derived_fields_and_refusals(world):
    day = world.day(3, 4)  # a weekday of last year
    tx, created = services.transaction_record(
        actor=world.operator_a,
        number="BJ-1",
        point=world.near,
        item=world.item,
        received_at=_at(day, 9),
        completed_at=_at(day, 10, 30),
    )
    assert created and tx.handling_minutes == 90 and tx.received_on == day
    assert tx.due_on > day and tx.on_time
    with pytest.raises(ValidationError):  # 乙区便民服务站 does not handle 社保卡
        services.transaction_record(
            actor=SYSTEM, number="BJ-2", point=world.far, item=world.other, received_at=_at(day, 9)
        )
    with pytest.raises(PermissionDenied):  # another unit's point
        services.transaction_record(
            actor=world.operator_a,
            number="BJ-3",
            point=world.far,
            item=world.item,
            received_at=_at(day, 9),
        )
    with pytest.raises(ValidationError):
        services.transaction_record(
            actor=SYSTEM,
            number="BJ-4",
            point=world.near,
            item=world.item,
            received_at=_at(day, 9),
            completed_at=_at(day, 8),
        )
    # the refused ones wrote nothing (the demo's 办件 may share the database)
    assert list(
        Transaction.objects.filter(number__startswith="BJ-").values_list("number", flat=True)
    ) == ["BJ-1"]


def _define(code, **fields):
    return Indicator.objects.create(code=code, name=code, **fields)


def test_efficiency_gain_is_the_decline_of_the_average_against_last_year(world):
    year = world.year
    for n, (y, minutes) in enumerate([(year - 1, 100), (year - 1, 300), (year, 60), (year, 100)]):
        day = dt.date(y, 3, 4)
        services.transaction_record(
            actor=SYSTEM,
            number=f"T{n}",
            point=world.near,
            item=world.other,
            received_at=_at(day, 9),
            completed_at=_at(day, 9) + dt.timedelta(minutes=minutes),
        )
    reg = {"kind": Indicator.Kind.COMPUTED, "registry": "govservice_transactions"}
    total = _define(
        "t.minutes", **reg, measure="sum", measure_field="handling_minutes", event="completed"
    )
    done = _define("t.done", **reg, measure="count", event="completed")
    avg = _define("t.avg", kind=Indicator.Kind.RATIO, base_indicator=total, denominator=done)
    gain = _define("t.gain", kind=Indicator.Kind.DECLINE, base_indicator=avg)
    period = Period.year_to_date(year, dt.date(year, 10, 31))
    assert evaluate(avg, world.city, period) == Decimal("80")
    assert evaluate(avg, world.city, year_before(period)) == Decimal("200")
    assert evaluate(gain, world.city, period) == Decimal("0.6000")  # (200 − 80) ÷ 200
    # a unit with no transactions the year before has no figure
    assert evaluate(gain, world.district_b, period) is None


def _policy(world, mode):
    return Policy.objects.create(
        code=f"P-{mode}",
        name=f"测试政策{mode}",
        unit=world.city,
        mode=mode,
        status=Policy.Status.PUBLISHED,
        benefit={"amount": 100000},
        valid_from=dt.date(world.year, 1, 1),
    )


def test_grant_apply_review_pay_and_notice(world):
    enterprise = EnterpriseFactory(unit=world.district_a)
    policy = _policy(world, Policy.Mode.APPLICATION)
    on = world.day(3, 4)
    grant = policy_services.grant_apply(
        actor=world.operator_a, policy=policy, enterprise=enterprise, year=world.year, on=on
    )
    assert grant.source == Grant.Source.APPLIED and grant.status == Grant.Status.PROPOSED
    assert grant.review_due_on > on
    with pytest.raises(PermissionDenied):  # 乙区 may not apply for 甲区's enterprise
        policy_services.grant_apply(
            actor=world.operator_b, policy=policy, enterprise=enterprise, year=world.year - 1, on=on
        )
    with pytest.raises(ValidationError):  # paid before approval
        policy_services.grant_pay(
            actor=world.office, grant=grant, amount=1, paid_on=on, voucher="V"
        )
    policy_services.grant_decide(actor=world.office, grants=[grant], approve=True, on=on)
    with pytest.raises(ValidationError):  # more than approved
        policy_services.grant_pay(
            actor=world.office, grant=grant, amount=100001, paid_on=on, voucher="V"
        )
    paid = policy_services.grant_pay(
        actor=world.office,
        grant=grant,
        amount=100000,
        paid_on=on + dt.timedelta(days=6),
        voucher="CZ-001",
    )
    assert paid.status == Grant.Status.PAID and paid.payout_days == 6
    told = Notice.objects.filter(recipient=world.operator_a, kind="grant")
    assert told.filter(title__contains="已拨付").exists()
    assert not Notice.objects.filter(recipient=world.operator_b, kind="grant").exists()
    # the enterprise's record shows it, to its own unit only
    client = Client()
    client.force_login(world.operator_a)
    text = client.get(f"/policies/grants/{grant.pk}/").content.decode()
    assert "CZ-001" in text and "已拨付" in text
    page = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert "惠企政策兑现" in page and "CZ-001" in page and f"/policies/grants/{grant.pk}/" in page
    client.force_login(world.operator_b)
    assert client.get(f"/policies/grants/{grant.pk}/").status_code == 404
    assert client.get(f"/enterprises/{enterprise.pk}/").status_code == 404
    # the engine counts it
    reg = {"kind": Indicator.Kind.COMPUTED, "registry": "grants", "event": "paid"}
    amount = _define("g.paid", **reg, measure="sum", measure_field="paid_amount")
    period = Period.year_to_date(world.year)
    assert evaluate(amount, world.city, period) == 100000
    assert evaluate(amount, world.district_b, period) in (0, None)


def test_auto_policy_cannot_be_applied_for(world):
    enterprise = EnterpriseFactory(unit=world.district_a)
    policy = _policy(world, Policy.Mode.AUTO)
    with pytest.raises(ValidationError):
        policy_services.grant_apply(
            actor=world.operator_a,
            policy=policy,
            enterprise=enterprise,
            year=world.year,
            on=world.day(3, 4),
        )
    assert not Grant.objects.filter(policy=policy).exists()
    _ = Action, Role, member
