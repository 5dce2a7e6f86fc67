"""The enterprise registry: 统一社会信用代码 validation, duplicates, 21152 tiers, scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongjian.enterprises import services
from gongjian.enterprises.models import Enterprise, Tier, TierThresholds, normalise_name
from gongjian.kit.validators import credit_code_check_char, validate_credit_code
from gongjian.units.models import Role

from .factories import EnterpriseFactory, build_city_world, credit_code, member

YI = 100_000_000

# Real codes of well-known enterprises (published on their business licences).
REAL_CODES = [
    "91110108551385082Q",  # 小米科技有限责任公司
    "914403001922038216",  # 华为技术有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "91330100799655058B",  # 阿里巴巴(中国)网络技术有限公司
    "91440300708461136T",  # 腾讯科技(深圳)有限公司
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_pass(code):
    validate_credit_code(code)
    assert credit_code_check_char(code[:17]) == code[17]


def _error(code: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(code)
    return caught.value


@pytest.mark.parametrize("code", REAL_CODES)
def test_bad_check_character_is_refused(code):
    wrong = next(ch for ch in "0123456789AB" if ch != code[17])
    error = _error(code[:17] + wrong)
    assert error.code == "check"
    assert f"应为“{code[17]}”" in error.messages[0]
    assert "校验码错误" in error.messages[0]


@pytest.mark.parametrize(
    ("code", "n"),
    [("91110108551385082", 17), ("91110108551385082QQ", 19), ("9111010855138508", 16)],
)
def test_wrong_length_is_refused(code, n):
    error = _error(code)
    assert error.code == "length"
    assert f"应为 18 位,现为 {n} 位" in error.messages[0]


def test_lowercase_is_refused():
    error = _error("9144030071526726xg")
    assert error.code == "lowercase"
    assert "小写" in error.messages[0]


@pytest.mark.parametrize(
    "code",
    ["９１１１０１０８５５１３８５０８２Ｑ", "91110108551385082Ｑ", "91110108551385082\u3000"],
)
def test_full_width_characters_are_refused(code):
    error = _error(code)
    assert error.code == "full_width"
    assert "全角" in error.messages[0]


@pytest.mark.parametrize("code", ["91110108551385082I", "9111010855138508O2"])
def test_letters_outside_the_standard_set_are_refused(code):
    error = _error(code)
    assert error.code == "character"


def test_empty_code_is_refused():
    assert _error("").code == "required"


def test_normalised_name_ignores_width_spaces_and_legal_form():
    assert normalise_name("锦州 华信(集团)新材料有限公司") == normalise_name(
        "锦州华信(集团)新材料股份有限公司"
    )
    assert normalise_name("ＡＢＣ科技有限公司") == normalise_name("abc科技")


# --- the service ----------------------------------------------------------------------


@pytest.fixture
def world(db):
    return build_city_world()


def test_bad_code_is_refused_and_nothing_saved(world):
    before = Enterprise.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.enterprise_create(
            actor=world.operator_a,
            name="甲区某某科技有限公司",
            unit=world.district_a,
            credit_code="91110108551385082A",
        )
    assert "credit_code" in caught.value.message_dict
    assert "校验码错误" in caught.value.message_dict["credit_code"][0]
    assert Enterprise.objects.count() == before


def test_duplicates_by_credit_code_and_by_normalised_name(world):
    first = EnterpriseFactory(name="甲区华信新材料有限公司", unit=world.district_a)
    with pytest.raises(ValidationError) as by_code:
        services.enterprise_create(
            actor=world.operator_a,
            name="别的名字",
            unit=world.district_a,
            credit_code=first.credit_code,
        )
    assert "统一社会信用代码相同" in by_code.value.message_dict["credit_code"][0]
    with pytest.raises(ValidationError) as by_name:
        services.enterprise_create(
            actor=world.operator_a, name="甲区 华信新材料股份有限公司", unit=world.district_a
        )
    assert "名称相同" in by_name.value.message_dict["name"][0]
    assert "甲区华信新材料有限公司" in by_name.value.message_dict["name"][0]
    assert Enterprise.objects.filter(unit=world.district_a).count() == 1


def test_duplicate_of_another_units_enterprise_is_not_named(world):
    EnterpriseFactory(name="乙区保密企业有限公司", unit=world.district_b)
    with pytest.raises(ValidationError) as caught:
        services.enterprise_create(
            actor=world.operator_a, name="乙区保密企业有限公司", unit=world.district_a
        )
    message = caught.value.message_dict["name"][0]
    assert "其他单位" in message and "乙区保密企业" not in message


def test_operator_cannot_register_in_another_district(world):
    with pytest.raises(PermissionDenied):
        services.enterprise_create(actor=world.operator_b, name="越权企业", unit=world.district_a)
    assert not Enterprise.objects.filter(name="越权企业").exists()


def test_tier_follows_latest_revenue_and_configurable_thresholds(world):
    e = EnterpriseFactory(unit=world.district_a, revenues={2022: 120 * YI, 2023: 60 * YI})
    assert (e.revenue_year, e.latest_revenue, e.tier) == (2023, 60 * YI, Tier.GE_5BN)
    assert e.revenue_growth == Decimal("-0.5")
    # 2亿 but shrinking fast: above 1亿 yet not high-growth
    services.enterprise_revenue_set(actor=world.operator_a, enterprise=e, year=2024, revenue=2 * YI)
    e.refresh_from_db()
    assert (e.tier, e.revenue_growth) == ("", Decimal("-0.9667"))
    grower = EnterpriseFactory(unit=world.district_a, revenues={2023: YI, 2024: 3 * YI // 2})
    assert (grower.tier, grower.revenue_growth) == (Tier.HIGH_GROWTH, Decimal("0.5"))
    # no revenue the year before: growth unknown, not high-growth
    new = EnterpriseFactory(unit=world.district_a, revenues={2024: 5 * YI})
    assert (new.tier, new.revenue_growth) == ("", None)
    small = EnterpriseFactory(unit=world.district_a, revenues={2023: 4 * YI // 10, 2024: YI // 2})
    assert small.tier == ""
    # the office lowers the high-growth threshold to 5000万: the small firm (+25 %) joins
    services.tier_thresholds_set(actor=world.office, high_growth=YI // 2)
    small.refresh_from_db()
    assert small.tier == Tier.HIGH_GROWTH
    assert TierThresholds.current().high_growth == YI // 2
    # and raises the growth rate to 30 %: +25 % is no longer enough, +50 % is
    services.tier_thresholds_set(actor=world.office, high_growth_rate=Decimal("0.3"))
    assert dict(
        Enterprise.objects.filter(pk__in=[small.pk, grower.pk, e.pk]).values_list("pk", "tier")
    ) == {small.pk: "", grower.pk: Tier.HIGH_GROWTH, e.pk: ""}
    with pytest.raises(ValidationError):
        services.tier_thresholds_set(actor=world.office, high_growth_rate=Decimal("-0.1"))
    assert TierThresholds.current().high_growth_rate == Decimal("0.3")


def test_clusters_are_counted_by_their_members_revenue(world):
    from gongjian.enterprises.models import IndustryCluster
    from gongjian.indicators.engine import evaluate_many
    from gongjian.indicators.models import Indicator
    from gongjian.kit.dates import Period

    for name in ("石化", "新材料", "生物医药"):
        IndustryCluster.objects.create(name=name, unit=world.city)
    # 石化: 600亿 in 甲区 + 500亿 in 乙区 = 1100亿; 新材料: 999.99亿; 生物医药: none
    EnterpriseFactory(unit=world.district_a, cluster="石化", revenues={2023: 600 * YI})
    EnterpriseFactory(unit=world.district_b, cluster="石化", revenues={2023: 500 * YI})
    EnterpriseFactory(unit=world.district_a, cluster="新材料", revenues={2023: 99_999 * YI // 100})
    EnterpriseFactory(unit=world.district_a, revenues={2023: 900 * YI})  # no cluster
    indicator = Indicator(
        code="test.clusters_ge_100bn",
        name="千亿级产业集群",
        kind=Indicator.Kind.COMPUTED,
        registry="industry_clusters",
        measure=Indicator.Measure.COUNT,
        period_mode=Indicator.PeriodMode.NONE,
        filters={"revenue__gte": 1000 * YI},
    )
    indicator.full_clean()
    indicator.save()
    period = Period.year_to_date(world.year)
    units = (world.city, world.district_a)
    assert evaluate_many([(indicator, u, period) for u in units]) == [1, 0]
    # 新材料 passes 1,000亿 with one more member
    EnterpriseFactory(unit=world.district_b, cluster="新材料", revenues={2023: YI})
    assert evaluate_many([(indicator, u, period) for u in units]) == [2, 0]


def test_thresholds_must_descend_and_only_office_sets_them(world):
    with pytest.raises(PermissionDenied):
        services.tier_thresholds_set(actor=world.operator_a, ge_1bn=1)
    with pytest.raises(ValidationError):
        services.tier_thresholds_set(actor=world.office, ge_5bn=200 * YI)
    assert TierThresholds.current().ge_5bn == 50 * YI


def test_revenue_change_is_in_history(world):
    e = EnterpriseFactory(unit=world.district_a, revenues={2023: 3 * YI})
    services.enterprise_revenue_set(actor=world.operator_a, enterprise=e, year=2023, revenue=4 * YI)
    record = e.revenues.get(year=2023).history.first()
    assert record.history_user == world.operator_a
    assert record.revenue == 4 * YI
    assert record.prev_record.revenue == 3 * YI


# --- pages and API: the permission matrix ---------------------------------------------


@pytest.fixture
def firm(world):
    return EnterpriseFactory(
        name="甲区测试材料有限公司", unit=world.district_a, credit_code=credit_code(1)
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("operator_b", 404),
        ("operator_a", 200),
        ("viewer_a", 200),
        ("office", 200),
    ],
)
def test_enterprise_profile_permissions(client, world, firm, who, status):
    if who != "anonymous":
        client.force_login(getattr(world, who))
    response = client.get(f"/enterprises/{firm.pk}/")
    assert response.status_code == status
    if status == 200:
        assert "甲区测试材料有限公司" in response.content.decode()


def test_enterprise_list_is_scoped(client, world, firm):
    EnterpriseFactory(name="乙区物流企业有限公司", unit=world.district_b)
    client.force_login(world.operator_b)
    page = client.get("/enterprises/").content.decode()
    assert "乙区物流企业" in page and "甲区测试材料" not in page
    client.force_login(world.office)
    assert "乙区物流企业" in client.get("/enterprises/?q=乙区物流").content.decode()
    assert "甲区测试材料" in client.get("/enterprises/?q=甲区测试材料").content.decode()


def test_page_form_refuses_a_bad_code_in_chinese(client, world):
    client.force_login(world.operator_a)
    response = client.post(
        "/enterprises/new/",
        {"name": "新企业", "credit_code": "91110108551385082a", "unit": world.district_a.pk},
    )
    assert response.status_code == 200
    assert "小写" in response.content.decode()
    assert not Enterprise.objects.filter(name="新企业").exists()


def test_revenue_post_by_viewer_is_denied_and_changes_nothing(client, world, firm):
    client.force_login(world.viewer_a)
    response = client.post(
        f"/enterprises/{firm.pk}/revenue/", {"year": 2024, "revenue_wan": "50000"}
    )
    assert response.status_code == 403
    assert not firm.revenues.exists()
    client.force_login(world.operator_a)
    client.post(f"/enterprises/{firm.pk}/revenue/", {"year": 2024, "revenue_wan": "150000"})
    firm.refresh_from_db()
    assert (firm.latest_revenue, firm.tier) == (15 * YI, Tier.GE_1BN)


def test_api_create_and_scope(client, world, firm):
    client.force_login(world.operator_a)
    bad = client.post(
        "/api/enterprises",
        {"name": "接口企业", "unit_id": world.district_a.pk, "credit_code": "91110108551385082"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "18 位" in bad.json()["detail"][0]
    ok = client.post(
        "/api/enterprises",
        {"name": "接口企业", "unit_id": world.district_a.pk, "credit_code": REAL_CODES[0]},
        content_type="application/json",
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["credit_code"] == REAL_CODES[0]
    client.force_login(world.operator_b)
    assert client.get(f"/api/enterprises/{firm.pk}").status_code == 404
    denied = client.post(
        f"/api/enterprises/{firm.pk}/revenues",
        {"year": 2024, "revenue": 10 * YI},
        content_type="application/json",
    )
    assert denied.status_code == 404
    assert not firm.revenues.exists()
    assert client.get("/api/enterprises").json()["count"] == 0
    member(world.district_b, Role.OPERATOR)  # unrelated people change nothing
    assert client.get("/api/enterprises").json()["count"] == 0
