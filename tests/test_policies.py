"""免申即享: the rule language (validation with clear messages), its evaluation and the
explanation for any enterprise, matching and the grant list, the API, the pages and
their scope, Excel in and out, and the demo's 58 policies."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongjian.indicators import services as indicator_services
from gongjian.indicators.engine import evaluate
from gongjian.indicators.models import Indicator
from gongjian.kit.dates import Period
from gongjian.kit.scope import SYSTEM
from gongjian.policies import rules as R
from gongjian.policies import services
from gongjian.policies.models import Grant, Policy
from gongjian.policies.sheets import export_grants, export_policies, policies_import
from tests.factories import (
    EnterpriseFactory,
    PolicyFactory,
    api_key,
    build_city_world,
    read_xlsx,
    write_xlsx,
)

pytestmark = pytest.mark.django_db
YI = 100_000_000


@pytest.fixture
def world():
    w = build_city_world()
    y = w.year
    w.big = EnterpriseFactory(
        name="甲区大型化工有限公司",
        unit=w.district_a,
        cluster="石化",
        revenues={y - 2: 10 * YI, y - 1: 12 * YI},
    )
    w.small = EnterpriseFactory(
        name="甲区小微科技有限公司",
        unit=w.district_a,
        cluster="电子信息",
        revenues={y - 1: 3_000_000},
    )
    w.other = EnterpriseFactory(
        name="乙区新材料有限公司",
        unit=w.district_b,
        cluster="新材料",
        revenues={y - 2: 2 * YI, y - 1: 2 * YI},
    )
    services.label_set(
        actor=SYSTEM, enterprise=w.small, label="高新技术企业", since=dt.date(y - 1, 6, 1)
    )
    services.label_set(
        actor=SYSTEM, enterprise=w.other, label="高新技术企业", since=dt.date(y - 3, 6, 1)
    )
    return w


# --- the rule language -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"field": "size", "op": "eq", "value": 1}, "条件:未知字段“size”"),
        (
            {"all": [{"field": "tier", "op": "in", "value": ["huge"]}]},
            "条件 1(21152 矩阵档次):取值“huge”不是有效档次",
        ),
        ({"all": [{"field": "tier", "op": "gte", "value": "ge_1bn"}]}, "不支持的比较“gte”"),
        ({"all": [{"field": "revenue", "op": "gte", "value": 1}]}, "须用“year”指定年度"),
        ({"any": []}, "“any”须为非空的条件列表"),
        (
            {"all": [{"field": "latest_revenue", "op": "gte", "value": "一亿"}]},
            "应为不小于 0 的整数(元)",
        ),
        (
            {"all": [{"field": "latest_revenue", "op": "between", "value": [5, 1]}]},
            "下限不能大于上限",
        ),
        (
            {"all": [{}, {"any": [{"field": "labels", "op": "has"}]}]},
            "条件 2.1(企业标签):缺少取值“value”",
        ),
        (
            {"all": [{"field": "label_since", "op": "gte", "value": "2024-13-01", "label": "x"}]},
            "应为日期",
        ),
        ({"all": [], "any": []}, "不能与其他键并列"),
        ("__import__('os')", "应为 JSON 对象"),
    ],
)
def test_invalid_rules_are_refused_with_clear_messages(rule, message):
    with pytest.raises(ValidationError) as exc:
        R.validate_rules(rule)
    assert any(message in m for m in exc.value.messages), exc.value.messages


@pytest.mark.parametrize(
    ("benefit", "message"),
    [
        ({}, "兑现标准须为"),
        ({"amount": -1}, "不小于 0 的整数"),
        ({"formula": {"base": "profit", "rate": "0.1"}}, "基数“base”"),
        ({"formula": {"base": "latest_revenue", "rate": "2"}}, "不超过 1"),
        ({"amount": 1, "formula": {}}, "只能有"),
    ],
)
def test_invalid_benefits_are_refused(benefit, message):
    with pytest.raises(ValidationError) as exc:
        R.validate_benefit(benefit)
    assert any(message in m for m in exc.value.messages)


def test_explanation_names_every_condition(world):
    y = world.year
    rule = {
        "all": [
            {"field": "labels", "op": "has", "value": "高新技术企业"},
            {
                "any": [
                    {"field": "revenue", "year": y - 1, "op": "gte", "value": YI},
                    {
                        "field": "label_since",
                        "label": "高新技术企业",
                        "op": "gte",
                        "value": f"{y - 1}-01-01",
                    },
                ]
            },
            {"not": {"field": "unit", "op": "within", "value": world.district_b.code}},
        ]
    }
    R.validate_rules(rule)
    small = services.check(PolicyFactory.build(rules=rule, benefit={"amount": 1}), world.small)
    assert small.explanation.eligible
    text = small.explanation.text()
    assert f"✗ {y - 1}年营收为300.00万元,要求不低于10,000.00万元 — 不符合" in text
    assert "✓ “高新技术企业”认定日期为" in text
    assert "跟踪服务单位为“甲区”,要求位于“" in text
    other = services.check(PolicyFactory.build(rules=rule, benefit={"amount": 1}), world.other)
    assert not other.explanation.eligible
    assert "✗ 不满足下列条件" in other.explanation.text()
    big = services.check(PolicyFactory.build(rules=rule, benefit={"amount": 1}), world.big)
    assert not big.explanation.eligible
    assert "企业标签为 无,要求带有“高新技术企业” — 不符合" in big.explanation.text()


def test_growth_tier_and_credit_code_conditions(world):
    y = world.year
    grow = {"field": "revenue_growth", "year": y - 1, "op": "gte", "value": "0.1"}
    assert services.check(
        PolicyFactory.build(rules=grow, benefit={"amount": 1}), world.big
    ).explanation.eligible
    flat = services.check(PolicyFactory.build(rules=grow, benefit={"amount": 1}), world.other)
    assert not flat.explanation.eligible and "增长率为0.0%" in flat.explanation.text()
    missing = services.check(PolicyFactory.build(rules=grow, benefit={"amount": 1}), world.small)
    assert "缺少" in missing.explanation.text()
    tier = {"field": "tier", "op": "in", "value": ["ge_1bn", "ge_5bn"]}
    assert services.check(
        PolicyFactory.build(rules=tier, benefit={"amount": 1}), world.big
    ).explanation.eligible
    code = {"field": "credit_code", "op": "division_in", "value": ["1301"]}
    assert services.check(
        PolicyFactory.build(rules=code, benefit={"amount": 1}), world.big
    ).explanation.eligible


def test_formula_benefit(world):
    y = world.year
    policy = PolicyFactory.build(
        rules={},
        benefit={
            "formula": {
                "base": "revenue",
                "year": y - 1,
                "rate": "0.001",
                "min": 50000,
                "max": 1_000_000,
            }
        },
    )
    assert services.check(policy, world.big).amount == 1_000_000  # 0.1 % of 12亿 capped
    assert services.check(policy, world.other).amount == 200_000
    assert services.check(policy, world.small).amount == 50_000  # the floor


# --- matching and the grant list ------------------------------------------------------------


def test_grant_list_matches_by_hand_and_is_approved(world):
    policy = PolicyFactory(
        unit=world.city,
        rules={"all": [{"field": "labels", "op": "has", "value": "高新技术企业"}]},
        benefit={"amount": 200_000},
    )
    grants = services.grants_propose(actor=world.office, policy=policy, year=world.year)
    assert {g.enterprise for g in grants} == {world.small, world.other}
    assert all(g.status == "proposed" and g.amount == 200_000 for g in grants)
    assert "高新技术企业" in grants[0].reason
    # running it again proposes nobody twice
    assert services.grants_propose(actor=world.office, policy=policy, year=world.year) == []
    with pytest.raises(ValidationError, match="审核意见"):
        services.grant_decide(actor=world.office, grants=grants, approve=False)
    with pytest.raises(PermissionDenied):
        services.grant_decide(actor=world.operator_a, grants=grants, approve=True)
    services.grant_decide(actor=world.office, grants=grants, approve=True)
    assert set(Grant.objects.filter(policy=policy).values_list("status", flat=True)) == {"approved"}
    with pytest.raises(ValidationError, match="不能再审核"):
        services.grant_decide(actor=world.office, grants=grants, approve=True)
    # the engine counts and sums the approved grants, per unit
    count = indicator_services.indicator_define(
        actor=SYSTEM,
        code="t_grants",
        name="兑现",
        kind="computed",
        registry="grants",
        measure="count",
        event="approved",
    )
    amount = indicator_services.indicator_define(
        actor=SYSTEM,
        code="t_grants_amount",
        name="兑现金额",
        kind="computed",
        registry="grants",
        measure="sum",
        measure_field="amount",
        event="approved",
    )
    from django.utils import timezone

    today = timezone.localdate()
    period = Period.year_to_date(today.year, today)
    assert evaluate(count, world.city, period) == 2
    assert evaluate(amount, world.district_a, period) == 200_000


def test_only_published_auto_policies_propose(world):
    draft = PolicyFactory(unit=world.city, status="draft")
    with pytest.raises(ValidationError, match="未发布"):
        services.grants_propose(actor=world.office, policy=draft, year=world.year)
    by_application = PolicyFactory(unit=world.city, mode="application")
    with pytest.raises(ValidationError, match="须企业申请"):
        services.grants_propose(actor=world.office, policy=by_application, year=world.year)
    expired = PolicyFactory(
        unit=world.city,
        valid_from=dt.date(world.year - 3, 1, 1),
        valid_to=dt.date(world.year - 2, 12, 31),
    )
    with pytest.raises(ValidationError, match="不在有效期内"):
        services.grants_propose(actor=world.office, policy=expired, year=world.year)
    assert not Grant.objects.filter(policy__unit=world.city).exists()


def test_invalid_policy_changes_nothing(world):
    policy = PolicyFactory(unit=world.city, rules={"field": "tier", "op": "eq", "value": "ge_1bn"})
    with pytest.raises(ValidationError) as exc:
        services.policy_update(
            actor=world.office, policy=policy, rules={"field": "tier", "op": "eq", "value": "huge"}
        )
    assert "rules" in exc.value.message_dict
    policy.refresh_from_db()
    assert policy.rules["value"] == "ge_1bn" and policy.history.count() == 2
    with pytest.raises(PermissionDenied):
        services.policy_update(actor=world.operator_a, policy=policy, name="改名")


def test_policies_registry_counts_auto_policies_in_force(world):
    y = world.year
    PolicyFactory(unit=world.city, valid_from=dt.date(y, 3, 1))
    PolicyFactory(
        unit=world.district_a, valid_from=dt.date(y - 1, 1, 1), valid_to=dt.date(y, 1, 31)
    )
    PolicyFactory(
        unit=world.city, valid_from=dt.date(y - 3, 1, 1), valid_to=dt.date(y - 1, 12, 31)
    )  # expired
    PolicyFactory(unit=world.city, mode="application")
    PolicyFactory(unit=world.city, status="withdrawn")
    PolicyFactory(unit=world.city, status="draft")
    indicator = indicator_services.indicator_define(
        actor=SYSTEM,
        code="t_auto_policies",
        name="免申即享",
        kind="computed",
        registry="policies",
        measure="count",
        period_mode="active",
        filters={"mode": "auto"},
    )
    assert evaluate(indicator, world.city, Period.year_to_date(y)) == 2
    assert evaluate(indicator, world.district_a, Period.year_to_date(y)) == 1
    assert evaluate(indicator, world.city, Period.year_to_date(y, dt.date(y, 2, 1))) == 1
    with pytest.raises(ValidationError, match="未知的筛选条件"):
        indicator_services.indicator_define(
            actor=SYSTEM,
            code="t_bad",
            name="x",
            kind="computed",
            registry="policies",
            measure="count",
            period_mode="active",
            filters={"rules": "x"},
        )


# --- API, pages, scope -------------------------------------------------------------------


def test_api_policy_calculator_and_scope(world, client):
    _t, key_office = api_key(world.office)
    _t, key_b = api_key(world.operator_b)
    h = lambda key: {"HTTP_AUTHORIZATION": f"Bearer {key}"}  # noqa: E731
    body = {
        "code": "API-001",
        "name": "高企奖励",
        "unit_id": world.city.pk,
        "benefit": {"amount": 100000},
        "rules": {"all": [{"field": "labels", "op": "has", "value": "高新技术企业"}]},
        "valid_from": f"{world.year}-01-01",
    }
    bad = {
        **body,
        "code": "API-002",
        "rules": {"all": [{"field": "tier", "op": "in", "value": ["x"]}]},
    }
    r = client.post("/api/policies", bad, content_type="application/json", **h(key_office))
    assert r.status_code == 422 and "条件 1(21152 矩阵档次)" in json.dumps(
        r.json(), ensure_ascii=False
    )
    assert not Policy.objects.filter(code="API-002").exists()
    r = client.post("/api/policies", body, content_type="application/json", **h(key_office))
    assert r.status_code == 201
    pk = r.json()["id"]
    r = client.post(
        f"/api/policies/{pk}/status",
        {"status": "published"},
        content_type="application/json",
        **h(key_office),
    )
    assert r.json()["status"] == "published"
    r = client.get(f"/api/policies/{pk}/check/{world.small.pk}", **h(key_office))
    assert r.json()["eligible"] is True and r.json()["amount"] == 100000
    # 乙区's operator sees the city's policy but not 甲区's enterprise (404), and no grants of it
    assert client.get(f"/api/policies/{pk}", **h(key_b)).status_code == 200
    assert client.get(f"/api/policies/{pk}/check/{world.small.pk}", **h(key_b)).status_code == 404
    r = client.post(
        f"/api/policies/{pk}/grants",
        {"year": world.year},
        content_type="application/json",
        **h(key_office),
    )
    assert r.status_code == 201 and len(r.json()) == 2
    r = client.get("/api/grants", **h(key_b))
    assert [g["enterprise"] for g in r.json()["items"]] == ["乙区新材料有限公司"]
    # 乙区 cannot approve the city's grants
    ids = [g.pk for g in Grant.objects.filter(policy_id=pk)]
    r = client.post(
        "/api/grants/decide",
        {"grant_ids": ids, "approve": True},
        content_type="application/json",
        **h(key_b),
    )
    assert r.status_code == 404
    assert set(Grant.objects.filter(policy_id=pk).values_list("status", flat=True)) == {"proposed"}
    r = client.post(
        "/api/grants/decide",
        {"grant_ids": ids, "approve": True},
        content_type="application/json",
        **h(key_office),
    )
    assert {g["status"] for g in r.json()} == {"approved"}


def test_pages_form_and_calculator(world, client):
    client.force_login(world.office)
    data = {
        "code": "PAGE-001",
        "name": "高企奖励",
        "unit": world.city.pk,
        "mode": "auto",
        "rules": '{"all": [{"field": "labels", "op": "has", "value": "高新技术企业"}]}',
        "benefit": '{"amount": 200000}',
        "valid_from": f"{world.year}-01-01",
    }
    r = client.post("/policies/new/", {**data, "rules": '{"all": [{"field": "tier",'})
    assert r.status_code == 200 and "不是有效的 JSON" in r.content.decode()
    r = client.post(
        "/policies/new/", {**data, "rules": '{"field": "nope", "op": "eq", "value": 1}'}
    )
    assert r.status_code == 422 and "未知字段“nope”" in r.content.decode()
    assert not Policy.objects.filter(code="PAGE-001").exists()
    r = client.post("/policies/new/", data)
    policy = Policy.objects.get(code="PAGE-001")
    assert r.status_code == 302
    client.post(f"/policies/{policy.pk}/action/", {"action": "published"})
    client.post(f"/policies/{policy.pk}/action/", {"action": "propose", "year": world.year})
    assert Grant.objects.filter(policy=policy).count() == 2
    page = client.get(
        f"/policies/{policy.pk}/", {"enterprise": world.big.credit_code}
    ).content.decode()
    assert "不符合条件" in page and "要求带有“高新技术企业”" in page
    g = Grant.objects.get(enterprise=world.small)
    client.post(f"/policies/{policy.pk}/action/", {"action": "approve", "grant": [g.pk]})
    assert Grant.objects.get(pk=g.pk).status == "approved"
    assert Grant.objects.get(enterprise=world.other).status == "proposed"
    # 乙区's operator: the grant list shows only its own enterprise
    client.force_login(world.operator_b)
    page = client.get(f"/policies/{policy.pk}/").content.decode()
    assert "乙区新材料有限公司" in page and "甲区小微科技有限公司" not in page
    r = client.post(f"/policies/{policy.pk}/action/", {"action": "withdrawn"})
    assert Policy.objects.get(pk=policy.pk).status == "published"
    district_policy = PolicyFactory(unit=world.district_a)
    assert client.get(f"/policies/{district_policy.pk}/").status_code == 404


def test_excel_roundtrip(world, tmp_path):
    p = PolicyFactory(
        unit=world.city, rules={"all": [{"field": "tier", "op": "in", "value": ["ge_1bn"]}]}
    )
    rows = read_xlsx(export_policies(Policy.objects.filter(pk=p.pk)))
    assert rows[0][:3] == ["政策编号", "政策名称", "发布单位"]
    # change the name and add a bad row: nothing saved
    header = rows[0][:10]
    changed = list(rows[1][:10])
    changed[1] = "改过的名称"
    bad = [
        "XLS-2",
        "坏政策",
        "测试市",
        "",
        "免申即享",
        "",
        '{"field": "x"}',
        '{"amount": 1}',
        f"{world.year}-01-01",
        "",
    ]
    path = tmp_path / "p.xlsx"
    write_xlsx(path, [header, changed, bad])
    result = policies_import(actor=world.office, path=path)
    assert not result.saved and Policy.objects.get(pk=p.pk).name != "改过的名称"
    assert any(r == 3 and "未知字段“x”" in m for r, _c, m in result.errors)
    result = policies_import(actor=world.office, path=path, skip_bad_rows=True)
    assert result.updated == 1 and Policy.objects.get(pk=p.pk).name == "改过的名称"
    assert Policy.objects.get(pk=p.pk).rules == p.rules
    services.grants_propose(actor=SYSTEM, policy=p, year=world.year)
    rows = read_xlsx(export_grants(Grant.objects.filter(policy=p)))
    assert rows[1][2] == world.big.name


# --- the demo ------------------------------------------------------------------------------


def test_demo_58_policies_without_application(demo):
    indicator = Indicator.objects.get(code="policies_without_application")
    period = Period.year_to_date(2024, dt.date(2024, 10, 31))
    assert evaluate(indicator, demo, period) == 58
    # more policies exist than are counted: by application, expired, future, withdrawn, draft
    assert Policy.objects.filter(unit__path__startswith=demo.path).count() > 58
    assert Grant.objects.filter(status="approved").exists()


def test_demo_grant_list_checked_by_hand(demo):
    """Every approved grant of a demo policy is an enterprise the rules accept, and every
    local enterprise the rules accept has one."""
    policy = Policy.objects.filter(grants__isnull=False).order_by("code").first()
    granted = set(policy.grants.values_list("enterprise_id", flat=True))
    matched = {m.enterprise.pk for m in services.match(policy)}
    assert granted and granted <= matched
