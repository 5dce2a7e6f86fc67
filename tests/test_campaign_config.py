"""The rest of the campaign's configuration on pages: 调度频次规则, 赛马方案 and 指标定义.
The office adds and changes rows, each change recorded with its author; a bad value is
refused with the field named and changes nothing; a district's operator sees the pages
but cannot change them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gongjian.indicators.models import Indicator, RankingItem, RankingScheme
from gongjian.projects.models import Cadence, CadenceRule, Stage

from .test_campaign_settings import campaign_world, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return campaign_world()


def test_the_settings_page_links_the_three_pages(world):
    office = login(world.office)
    html = office.get(f"/indicators/settings/?unit={world.city.pk}&year={world.year}")
    html = html.content.decode()
    for url in ("/dispatch/cadence/", "/indicators/rankings/", "/indicators/definitions/"):
        assert url in html
        assert office.get(f"{url}?unit={world.city.pk}&year={world.year}").status_code == 200


# --- 调度频次规则 ------------------------------------------------------------------------


def _rule_post(**over):
    data = {
        "action": "save",
        "name": "在建项目按周调度",
        "cadence": Cadence.WEEKLY,
        "tag": "",
        "stage": Stage.STARTED,
        "priority": "5",
        "valid_from": "",
        "is_active": "on",
    }
    data.update(over)
    return data


def test_office_adds_changes_and_deletes_a_cadence_rule(world):
    office = login(world.office)
    url = f"/dispatch/cadence/?unit={world.city.pk}&year={world.year}"
    page = office.get(url)
    assert page.status_code == 200 and 'data-testid="cadence-form"' in page.content.decode()
    assert office.post(url, _rule_post()).status_code == 302
    rule = CadenceRule.objects.get(name="在建项目按周调度")
    assert rule.unit == world.city and rule.cadence == Cadence.WEEKLY
    assert rule.history.latest().history_user == world.office
    assert "在建项目按周调度" in office.get(url).content.decode()
    # neither a tag nor a stage: refused, the field named, nothing changed
    bad = office.post(url, _rule_post(pk=rule.pk, stage="", cadence=Cadence.QUARTERLY))
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "标签:请至少指定标签或阶段" in html
    rule.refresh_from_db()
    assert rule.cadence == Cadence.WEEKLY and rule.stage == Stage.STARTED
    bad = office.post(url, _rule_post(pk=rule.pk, priority="-1"))
    assert bad.status_code == 200 and "优先级" in bad.content.decode()
    rule.refresh_from_db()
    assert rule.priority == 5
    # changed
    assert office.post(url, _rule_post(pk=rule.pk, cadence=Cadence.QUARTERLY)).status_code == 302
    rule.refresh_from_db()
    assert rule.cadence == Cadence.QUARTERLY
    assert rule.history.latest().history_user == world.office
    # deleted, the deletion recorded with its author
    assert office.post(url, {"action": "delete", "pk": rule.pk}).status_code == 302
    assert not CadenceRule.objects.filter(pk=rule.pk).exists()
    gone = CadenceRule.history.filter(id=rule.pk).latest()
    assert gone.history_type == "-" and gone.history_user == world.office


def test_a_district_sees_the_cadence_rules_read_only(world):
    rule = CadenceRule.objects.create(
        name="谋划项目按季", unit=world.city, cadence=Cadence.QUARTERLY, stage=Stage.SIGNED
    )
    operator = login(world.operator_a)
    page = operator.get("/dispatch/cadence/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "谋划项目按季" in html and 'data-testid="cadence-readonly"' in html
    assert 'data-testid="cadence-form"' not in html
    assert operator.post("/dispatch/cadence/", _rule_post()).status_code == 403
    deleted = operator.post("/dispatch/cadence/", {"action": "delete", "pk": rule.pk})
    assert deleted.status_code == 403
    assert CadenceRule.objects.filter(pk=rule.pk).exists()
    assert not CadenceRule.objects.filter(name="在建项目按周调度").exists()


# --- 赛马方案 ----------------------------------------------------------------------------


def test_office_creates_a_ranking_scheme_and_its_items(world):
    office = login(world.office)
    url = f"/indicators/rankings/?unit={world.city.pk}&year={world.year}"
    assert office.get(url).status_code == 200
    before = RankingScheme.objects.count()
    response = office.post(url, {"action": "scheme", "code": "kaigong", "name": "开工赛马"})
    assert response.status_code == 302
    scheme = RankingScheme.objects.get(code="kaigong")
    assert scheme.parent_unit == world.city and scheme.year == world.year
    assert scheme.history.latest().history_user == world.office
    # a code that is not a slug: refused with the field named
    bad = office.post(url, {"action": "scheme", "code": "开 工", "name": "另一个"})
    assert bad.status_code == 200 and "标识:" in bad.content.decode()
    assert RankingScheme.objects.count() == before + 1
    started = world.indicators.started
    item = {
        "action": "item",
        "scheme": scheme.pk,
        "indicator": started.pk,
        "weight": "0",
        "scoring": RankingItem.Scoring.COMPLETION,
        "cap": "1.2",
        "min_sample": "0",
    }
    bad = office.post(url, item)
    assert bad.status_code == 200 and "权重:权重须大于 0" in bad.content.decode()
    assert not scheme.items.exists()
    assert office.post(url, {**item, "weight": "40"}).status_code == 302
    stored = scheme.items.get()
    assert stored.indicator == started and stored.weight == Decimal(40)
    assert stored.history.latest().history_user == world.office
    assert "新开工工业项目" in office.get(url).content.decode()
    # the same indicator twice: refused
    again = office.post(url, {**item, "weight": "10"})
    assert again.status_code == 200 and "未保存" in again.content.decode()
    assert scheme.items.count() == 1
    # removed, recorded
    assert office.post(url, {"action": "item_delete", "item": stored.pk}).status_code == 302
    assert not scheme.items.exists()
    assert RankingItem.history.filter(id=stored.pk).latest().history_user == world.office


def test_a_district_cannot_change_a_ranking_scheme(world):
    scheme = RankingScheme.objects.create(
        code="kaigong", name="开工赛马", year=world.year, parent_unit=world.district_a
    )
    before = RankingScheme.objects.count()
    operator = login(world.operator_a)
    url = f"/indicators/rankings/?unit={world.district_a.pk}&year={world.year}"
    page = operator.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "开工赛马" in html and 'data-testid="rankings-readonly"' in html
    response = operator.post(
        url,
        {
            "action": "item",
            "scheme": scheme.pk,
            "indicator": world.indicators.started.pk,
            "weight": "10",
            "scoring": RankingItem.Scoring.COMPLETION,
            "cap": "1.2",
            "min_sample": "0",
        },
    )
    assert response.status_code == 403
    assert operator.post(url, {"action": "scheme", "code": "x", "name": "x"}).status_code == 403
    assert not scheme.items.exists() and RankingScheme.objects.count() == before


# --- 指标定义 ----------------------------------------------------------------------------


def _define_post(**over):
    data = {
        "action": "define",
        "code": "test_config.started.big",
        "name": "新开工亿元以上项目",
        "registry": "projects",
        "period_mode": Indicator.PeriodMode.EVENT,
        "event": "started",
        "filters": '{"total_investment__gte": 100000000}',
        "measure": Indicator.Measure.COUNT,
        "measure_field": "",
        "display_unit": "个",
    }
    data.update(over)
    return data


def test_office_defines_and_toggles_an_indicator(world):
    office = login(world.office)
    url = "/indicators/definitions/"
    page = office.get(url)
    assert page.status_code == 200
    assert 'data-testid="indicator-define"' in page.content.decode()
    # invalid JSON, and a filter the registry does not allow: refused, field named
    bad = office.post(url, _define_post(filters="{stage: started}"))
    assert bad.status_code == 200 and "筛选条件:不是有效的 JSON" in bad.content.decode()
    bad = office.post(url, _define_post(filters='{"owner": "x"}'))
    assert bad.status_code == 200
    assert "筛选条件:未知的筛选条件“owner”" in bad.content.decode()
    bad = office.post(url, _define_post(event="nothing"))
    assert bad.status_code == 200 and "事件:" in bad.content.decode()
    assert not Indicator.objects.filter(code="test_config.started.big").exists()
    # defined
    assert office.post(url, _define_post()).status_code == 302
    indicator = Indicator.objects.get(code="test_config.started.big")
    assert indicator.kind == Indicator.Kind.COMPUTED
    assert indicator.filters == {"total_investment__gte": 100000000}
    assert indicator.history.latest().history_user == world.office
    # an existing code is not overwritten
    again = office.post(url, _define_post(name="改名"))
    assert again.status_code == 200 and "指标代码:" in again.content.decode()
    indicator.refresh_from_db()
    assert indicator.name == "新开工亿元以上项目"
    # deactivated, recorded
    toggle = {"action": "toggle", "code": indicator.code, "is_active": "0"}
    assert office.post(url, toggle).status_code == 302
    indicator.refresh_from_db()
    assert not indicator.is_active
    assert indicator.history.latest().history_user == world.office
    assert office.post(url, {**toggle, "is_active": "1"}).status_code == 302
    indicator.refresh_from_db()
    assert indicator.is_active


def test_a_district_sees_the_definitions_read_only(world):
    operator = login(world.operator_a)
    page = operator.get("/indicators/definitions/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="definitions-readonly"' in html and "新开工工业项目" in html
    assert operator.post("/indicators/definitions/", _define_post()).status_code == 403
    code = world.indicators.started.code
    toggle = {"action": "toggle", "code": code, "is_active": "0"}
    assert operator.post("/indicators/definitions/", toggle).status_code == 403
    assert Indicator.objects.get(code=code).is_active
    assert not Indicator.objects.filter(code="test_config.started.big").exists()


def test_the_office_creates_a_batch_and_a_district_cannot(world):
    from gongjian.projects.models import Batch

    office = login(world.office)
    url = f"/batches/?unit={world.city.pk}&year={world.year}"
    page = office.get(url)
    assert page.status_code == 200 and 'data-testid="batch-create"' in page.content.decode()
    bad = office.post(
        url,
        {
            "code": "spring",
            "name": "春季集中开工",
            "kind": "collective_start",
            "held_on": "1999-03-01",
        },
    )
    assert bad.status_code == 200 and "不在批次年度" in bad.content.decode()
    assert not Batch.objects.filter(code="spring").exists()
    response = office.post(
        url,
        {"code": "spring", "name": "春季集中开工", "kind": "collective_start", "place": "甲区"},
    )
    assert response.status_code == 302
    batch = Batch.objects.get(code="spring")
    assert (batch.unit, batch.year) == (world.city, world.year)
    assert batch.history.latest().history_user == world.office
    operator = login(world.operator_a)
    assert 'data-testid="batch-create"' not in operator.get("/batches/").content.decode()
    refused = operator.post("/batches/", {"code": "x", "name": "x", "kind": "collective_start"})
    assert refused.status_code == 403 and not Batch.objects.filter(code="x").exists()
