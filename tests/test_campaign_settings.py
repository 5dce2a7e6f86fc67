"""年度设置 and 目标分解 on pages: the office changes the year's thresholds and splits a
target across its units; each change recorded; a stale form, a bad value and a split
that does not add up change nothing; a district cannot."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from gongjian.indicators.models import Campaign, Target

from .factories import build_city_world, build_indicator_world

pytestmark = pytest.mark.django_db


def campaign_world():
    """A city world with indicators and the year's campaign."""
    world = build_city_world()
    world.indicators = build_indicator_world(world)
    world.campaign = Campaign.objects.create(
        year=world.year, name="测试攻坚年", root_unit=world.city
    )
    return world


@pytest.fixture
def world():
    return campaign_world()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _settings_post(world, **over):
    data = {
        "reporting_date": "",
        "yellow_points": "10",
        "red_points": "30",
        "start_red_months": "3",
        "stats_yellow_months": "1",
        "stats_red_months": "2",
        "funds_yellow_rate": "70",
        "funds_red_rate": "50",
        "report_due_days": "5",
        "problem_escalation_days": "7",
    }
    data.update(over)
    return data


def test_office_changes_the_settings_with_history(world):
    office = login(world.office)
    url = f"/indicators/settings/?unit={world.city.pk}&year={world.year}"
    page = office.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "资金支付灯" in html and 'name="funds_red_rate"' in html
    seen = page.context["form"]["seen"].value()
    response = office.post(url, _settings_post(world, funds_red_rate="40", seen=seen))
    assert response.status_code == 302
    world.campaign.refresh_from_db()
    assert world.campaign.funds_red_rate == Decimal(40)
    record = world.campaign.history.latest()
    assert record.history_user == world.office and record.funds_red_rate == Decimal(40)
    # the form opened before that save is refused and changes nothing
    stale = office.post(url, _settings_post(world, red_points="25", seen=seen))
    assert stale.status_code == 200
    assert "已被" in stale.content.decode() and "请刷新页面" in stale.content.decode()
    world.campaign.refresh_from_db()
    assert world.campaign.red_points == Decimal(30)
    # a yellow threshold above the red one: refused with the field named
    fresh = office.get(url).context["form"]["seen"].value()
    bad = office.post(url, _settings_post(world, funds_yellow_rate="30", seen=fresh))
    assert bad.status_code == 200 and "红灯的资金支付率须低于黄灯" in bad.content.decode()
    world.campaign.refresh_from_db()
    assert world.campaign.funds_yellow_rate == Decimal(70)


def test_a_district_sees_the_settings_read_only(world):
    operator = login(world.operator_a)
    url = f"/indicators/settings/?year={world.year}"
    page = operator.get(url)
    assert page.status_code == 200
    assert 'data-testid="settings-readonly"' in page.content.decode()
    assert operator.post(url, _settings_post(world)).status_code == 403
    # the menu entry is the office's: a district's operator is not offered it
    assert 'href="/indicators/settings/"' not in operator.get("/dashboard/").content.decode()
    assert 'href="/indicators/settings/"' in login(world.office).get("/dashboard/").content.decode()


def test_targets_split_adds_up_or_changes_nothing(world):
    office = login(world.office)
    code = world.indicators.started.code
    url = f"/indicators/targets/?unit={world.city.pk}&year={world.year}&indicator={code}"
    page = office.get(url)
    assert page.status_code == 200 and 'data-testid="target-split"' in page.content.decode()
    a, b, city = world.district_a, world.district_b, world.city
    before = set(Target.objects.filter(indicator__code=code).values_list("unit_id", "value"))
    # 2 + 2 is not the city's 5: refused, nothing written
    response = office.post(
        url, {"indicator": code, f"t_{city.pk}": "5", f"t_{a.pk}": "2", f"t_{b.pk}": "2"}
    )
    assert response.status_code == 200
    assert "各单位目标合计 4" in response.content.decode()
    assert set(Target.objects.filter(indicator__code=code).values_list("unit_id", "value")) == (
        before
    )
    # a value that is not a number names the unit
    response = office.post(url, {"indicator": code, f"t_{city.pk}": "5", f"t_{a.pk}": "五"})
    assert "甲区:目标“五”不是数值" in response.content.decode()
    # 3 + 2 = 5: saved, each target with its author
    response = office.post(
        url, {"indicator": code, f"t_{city.pk}": "5", f"t_{a.pk}": "3", f"t_{b.pk}": "2"}
    )
    assert response.status_code == 302
    stored = dict(
        Target.objects.filter(indicator__code=code, year=world.year).values_list("unit_id", "value")
    )
    assert stored == {city.pk: 5, a.pk: 3, b.pk: 2}
    target = Target.objects.get(indicator__code=code, unit=a, year=world.year)
    assert target.history.latest().history_user == world.office
    assert "5个" in office.get(url).content.decode()  # the units' total shown
    # a district's operator may not split
    operator = login(world.operator_a)
    response = operator.post(url, {"indicator": code, f"t_{a.pk}": "9"})
    assert response.status_code in (403, 404)
    assert Target.objects.get(indicator__code=code, unit=a, year=world.year).value == 3
