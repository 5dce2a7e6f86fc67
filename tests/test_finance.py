"""融资信用服务平台: an enterprise's 资金 need matched to the products that fit it (with the
reason), followed to 放款, the amount counted by the engine; scope — a unit's operators see
their needs only, a bank's account only the matches to its institution's products, and an
enterprise's credit profile only with its consent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from gongjian.finance import selectors, services
from gongjian.finance.models import Collateral, Match, Need, NeedKind, Stage
from gongjian.indicators.engine import evaluate
from gongjian.indicators.models import Indicator
from gongjian.kit.clock import override
from gongjian.kit.dates import Period
from gongjian.kit.scope import SYSTEM, Action
from gongjian.units.models import Role
from tests.factories import EnterpriseFactory, UserFactory, build_city_world, member

WAN = 10_000


@pytest.fixture
def world(db):
    w = build_city_world()
    w.enterprise = EnterpriseFactory(
        name="甲区精密制造有限公司", unit=w.district_a, industry="工业"
    )
    w.other_enterprise = EnterpriseFactory(
        name="乙区商贸有限公司", unit=w.district_b, industry="商贸服务"
    )
    w.bank = services.institution_create(actor=SYSTEM, name="测试银行", unit=w.city)
    w.other_bank = services.institution_create(actor=SYSTEM, name="另一银行", unit=w.city)
    w.banker = UserFactory(username="banker")
    services.institution_staff_add(actor=w.office, institution=w.bank, user=w.banker)
    w.product = services.product_create(
        actor=w.banker,
        institution=w.bank,
        name="科技贷",
        amount_min=50 * WAN,
        amount_max=1000 * WAN,
        term_min=6,
        term_max=36,
        rate_min=Decimal("3.45"),
        rate_max=Decimal("4.35"),
        industries=["工业"],
        collateral=Collateral.CREDIT,
    )
    w.unfit = services.product_create(
        actor=w.office,
        institution=w.other_bank,
        name="大额项目贷",
        amount_min=5000 * WAN,
        amount_max=50000 * WAN,
        collateral=Collateral.MORTGAGE,
    )
    return w


def _need(w, **kw):
    fields = dict(
        kind=NeedKind.FUNDS,
        title="设备购置贷款",
        posted_on=w.day(3, 1),
        amount=300 * WAN,
        term=12,
        purpose="购置生产设备",
    )
    fields.update(kw)
    return services.need_create(actor=w.operator_a, enterprise=w.enterprise, **fields)


def test_a_funds_need_is_matched_followed_to_a_loan_and_counted_by_the_engine(world):
    w = world
    need = _need(w)
    matches = services.need_match(actor=w.operator_a, need=need, on=w.day(3, 2))
    assert [m.product for m in matches] == [w.product]  # the 5000万 mortgage product does not fit
    assert (
        "金额 300.00万元在产品额度 50.00万元–1,000.00万元" in matches[0].reason
        and "行业“工业”" in matches[0].reason
    )
    assert services.need_match(actor=w.operator_a, need=need, on=w.day(3, 3)) == []  # once
    match = matches[0]
    match = services.match_advance(
        actor=w.operator_a, match=match, stage=Stage.CONTACTED, on=w.day(3, 5)
    )
    with pytest.raises(PermissionDenied):  # 受理 is the bank's (or the office's)
        services.match_advance(
            actor=w.operator_a, match=match, stage=Stage.ACCEPTED, on=w.day(3, 6)
        )
    with pytest.raises(ValidationError):  # no skipping 受理 and 授信
        services.match_advance(
            actor=w.banker, match=match, stage=Stage.LOANED, on=w.day(3, 6), amount=1
        )
    match = services.match_advance(
        actor=w.banker, match=match, stage=Stage.ACCEPTED, on=w.day(3, 8)
    )
    with pytest.raises(ValidationError, match="金额"):
        services.match_advance(actor=w.banker, match=match, stage=Stage.GRANTED, on=w.day(3, 9))
    match = services.match_advance(
        actor=w.banker, match=match, stage=Stage.GRANTED, on=w.day(3, 20), amount=280 * WAN
    )
    with pytest.raises(ValidationError, match="不能超过授信金额"):
        services.match_advance(
            actor=w.banker, match=match, stage=Stage.LOANED, on=w.day(3, 25), amount=300 * WAN
        )
    match = services.match_advance(
        actor=w.banker, match=match, stage=Stage.LOANED, on=w.day(3, 25), amount=280 * WAN
    )
    assert match.history.count() >= 5 and match.steps.count() == 5
    # a second need, posted but never contacted; a market need
    _need(w, title="流动资金", amount=60 * WAN, posted_on=w.day(4, 1))
    _need(
        w,
        kind=NeedKind.MARKET,
        title="找订单",
        offering="精密零件",
        customers="汽车厂",
        amount=None,
        term=None,
        purpose="",
    )

    period = Period.year_to_date(w.year, dt.date(w.year, 12, 31))
    values = {i.code: evaluate(i, w.city, period) for i in selectors.defined_figures()}
    assert values["finance_needs_posted"] == 3
    assert values["finance_needs_matched"] == 1
    assert values["finance_needs_contacted"] == 1
    assert values["finance_contact_rate"] == Decimal("0.3333")
    assert values["finance_loans"] == 1
    assert values["finance_loan_amount"] == 280 * WAN
    assert values["finance_credit_amount"] == 280 * WAN
    assert evaluate(selectors.defined_figures()[5], w.district_b, period) == 0
    # the bank's own figure: its institution's matches
    mine = selectors.institution_figures(w.bank, w.year, dt.date(w.year, 12, 31))
    assert dict((c, v) for c, _l, v, _s in mine.tiles)["finance_loan_amount"] == 280 * WAN
    theirs = selectors.institution_figures(w.other_bank, w.year, dt.date(w.year, 12, 31))
    assert dict((c, v) for c, _l, v, _s in theirs.tiles)["finance_loan_amount"] == 0


def test_bad_needs_and_products_are_refused_in_chinese_and_change_nothing(world):
    w = world
    before = Need.objects.count()
    with pytest.raises(ValidationError) as exc:
        _need(w, amount=None)
    assert "资金需求须填写融资金额" in str(exc.value)
    with pytest.raises(ValidationError, match="人才需求须填写岗位"):
        _need(w, kind=NeedKind.TALENT, amount=None)
    with pytest.raises(PermissionDenied):  # another district's enterprise
        services.need_create(
            actor=w.operator_b,
            enterprise=w.enterprise,
            kind=NeedKind.FUNDS,
            title="x",
            amount=1,
            term=1,
            purpose="x",
        )
    assert Need.objects.count() == before
    with pytest.raises(ValidationError, match="最高额度不能低于最低额度"):
        services.product_create(
            actor=w.banker, institution=w.bank, name="坏产品", amount_min=10, amount_max=1
        )
    with pytest.raises(PermissionDenied):  # a bank keeps its own products only
        services.product_create(actor=w.banker, institution=w.other_bank, name="越权", amount_max=1)
    with pytest.raises(ValidationError, match="未通过须填写原因"):
        need = _need(w)
        match = services.need_match(actor=w.office, need=need, on=w.day(3, 2))[0]
        services.match_advance(actor=w.banker, match=match, stage=Stage.DECLINED, on=w.day(3, 3))


def test_scope_a_bank_sees_only_its_matches_and_a_profile_only_with_consent(world):
    w = world
    need = _need(w)
    services.need_match(actor=w.office, need=need, on=w.day(3, 2))
    other = services.need_create(
        actor=w.operator_b,
        enterprise=w.other_enterprise,
        kind=NeedKind.FUNDS,
        title="大额",
        posted_on=w.day(3, 1),
        amount=6000 * WAN,
        term=60,
        purpose="厂房",
        collateral=Collateral.MORTGAGE,
    )
    services.need_match(actor=w.operator_b, need=other, on=w.day(3, 2))
    assert Match.objects.restrict(w.banker, Action.VIEW).get().product == w.product
    assert not Need.objects.restrict(w.banker, Action.VIEW).exists()
    assert list(Need.objects.restrict(w.operator_b, Action.VIEW)) == [other]
    assert not selectors.may_read_profile(w.banker, w.enterprise)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(w.banker)
    assert client.get(f"/finance/profile/{w.enterprise.pk}/").status_code == 404
    services.consent_grant(
        actor=w.operator_a, enterprise=w.enterprise, institution=w.bank, granted_on=w.day(3, 1)
    )
    w.banker._gongjian_institutions = None
    page = client.get(f"/finance/profile/{w.enterprise.pk}/")
    assert page.status_code == 200 and w.enterprise.credit_code in page.content.decode()
    assert client.get(f"/finance/profile/{w.other_enterprise.pk}/").status_code == 404
    # the bank's home is the platform; every link of its menu opens
    home = client.get("/", follow=True)
    assert home.redirect_chain[-1][0] == "/finance/"
    for url in [
        "/finance/",
        "/finance/needs/",
        "/finance/matches/",
        "/finance/products/",
        "/finance/institutions/",
        "/projects/",
    ]:
        assert client.get(url).status_code == 200, url
    match = Match.objects.get(product=w.product)
    assert client.get(f"/finance/matches/{match.pk}/").status_code == 200
    other_match = Match.objects.exclude(pk=match.pk).first()
    if other_match is not None:
        assert client.get(f"/finance/matches/{other_match.pk}/").status_code == 404
    assert client.get(f"/finance/needs/{need.pk}/").status_code == 404


def test_pages_and_api_for_the_unit_and_a_reader_sees_no_post_form(world):
    w = world
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(w.operator_a)
    response = client.post(
        "/finance/needs/new/",
        {
            "enterprise": w.enterprise.pk,
            "kind": "funds",
            "title": "页面发布",
            "amount_wan": "200",
            "term": "12",
            "purpose": "技改",
            "collateral": "credit",
            "posted_on": w.day(5, 1).isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    need = Need.objects.get(title="页面发布")
    assert need.amount == 200 * WAN
    assert client.post(f"/finance/needs/{need.pk}/match/").status_code == 302
    assert need.matches.count() == 1
    reader = member(w.district_a, Role.VIEWER)
    client.force_login(reader)
    for url in [
        "/finance/",
        "/finance/needs/",
        f"/finance/needs/{need.pk}/",
        "/finance/products/",
        "/finance/matches/",
        "/finance/institutions/",
    ]:
        page = client.get(url)
        assert page.status_code == 200, url
        assert 'method="post"' not in page.content.decode().split("<main", 1)[-1], url
    client.force_login(w.operator_b)
    assert client.get(f"/finance/needs/{need.pk}/").status_code == 404


def test_the_demo_platform_counts_through_the_engine(demo):
    indicators = {i.code: i for i in Indicator.objects.filter(code__startswith="finance_")}
    assert set(indicators) >= {
        "finance_needs_posted",
        "finance_contact_rate",
        "finance_loan_amount",
    }
    period = Period.year_to_date(2024, dt.date(2024, 10, 31))
    posted = evaluate(indicators["finance_needs_posted"], demo, period)
    loaned = evaluate(indicators["finance_loan_amount"], demo, period)
    assert posted == Need.objects.filter(unit__path__startswith=demo.path).count() > 0
    expected = sum(Match.objects.filter(stage=Stage.LOANED).values_list("loan_amount", flat=True))
    assert loaned == expected > 0
    with override(dt.date(2024, 10, 31)):
        client = Client(HTTP_HOST="127.0.0.1")
        from gongjian.units.models import User

        client.force_login(User.objects.get(username="jzbank"))
        assert client.get("/finance/").status_code == 200
