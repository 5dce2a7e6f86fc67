"""A province of cities on one instance: `setup-province`, then `setup-city` for two of
its cities; each city's office sees its own city only, the province's office sees both
and their roll-up, and a 赛马 scheme of the province ranks the cities."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from gongjian.indicators import engine
from gongjian.indicators.models import Indicator, RankingItem, RankingScheme
from gongjian.kit.dates import Period
from gongjian.projects import services as project_services
from gongjian.units.models import Unit, User

from .test_setup_city import empty  # noqa: F401 - the empty-instance fixture

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _projects(city_code: str, county_code: str, n: int, office: str) -> None:
    unit = Unit.objects.get(code=county_code)
    for i in range(n):
        project_services.project_create(
            actor=User.objects.get(username=office),
            code=f"{city_code}-{i}",
            name=f"{unit.name}项目{i}",
            unit=unit,
            category="industry",
            total_investment=2 * 10**8,
            stage_events=[("signed", dt.date(2025, 3, 1)), ("started", dt.date(2025, 4, 1))],
        )


@pytest.fixture
def province(empty):  # noqa: F811 - the fixture above
    out = run("setup_province", "210000", "--office", "ln_office")
    assert "辽宁省(210000):已创建" in out and "初始密码" in out
    run("setup_city", "211400", "--year", "2025", "--office", "hld_office")
    run("setup_city", "211300", "--year", "2025", "--office", "cy_office")
    _projects("HLD", "211402", 3, "hld_office")  # 连山区
    _projects("CY", "211302", 2, "cy_office")  # 朝阳市双塔区
    return Unit.objects.get(code="210000")


def test_the_cities_go_below_the_province(province):
    assert set(Unit.objects.filter(parent=province).values_list("code", flat=True)) == {
        "211400",
        "211300",
    }
    again = run("setup_province", "210000", "--office", "ln_office")
    assert "已存在" in again and "初始密码" not in again


def test_each_office_sees_its_own_and_the_province_sees_both(province):
    def codes(client):
        return {p["code"] for p in client.get("/api/projects?page_size=100").json()["items"]}

    assert codes(login("hld_office")) == {"HLD-0", "HLD-1", "HLD-2"}
    assert codes(login("cy_office")) == {"CY-0", "CY-1"}
    assert codes(login("ln_office")) == {"HLD-0", "HLD-1", "HLD-2", "CY-0", "CY-1"}
    page = login("cy_office").get("/projects/").content.decode()
    assert "双塔区项目0" in page and "连山区项目0" not in page


def test_the_province_rolls_its_cities_up(province):
    def kpi(unit: str) -> dict:
        return json.loads(
            run(
                "kpi", "--unit", unit, "--year", "2025", "--as-of", "2025-06-30", "--format", "json"
            )
        )

    assert kpi("葫芦岛市")["started_or_resumed"] == 3
    assert kpi("朝阳市")["started_or_resumed"] == 2
    assert kpi("辽宁省")["started_or_resumed"] == 5
    assert kpi("辽宁省")["signed_ge_100m"] == 5
    # a city's office cannot read the province's figures
    assert login("hld_office").get("/api/kpi", {"unit": province.pk}).status_code == 404


def test_a_province_scheme_ranks_its_cities(province):
    scheme = RankingScheme.objects.create(
        code="ln-2025-cities", name="全省城市赛马", year=2025, parent_unit=province
    )
    RankingItem.objects.create(
        scheme=scheme, indicator=Indicator.objects.get(code="started_or_resumed"), weight=1
    )
    rows = engine.ranking(scheme, Period.year_to_date(2025, dt.date(2025, 6, 30)))
    assert [(r.unit.name, r.rank) for r in rows] == [("葫芦岛市", 1), ("朝阳市", 2)]
    page = login("ln_office").get("/rankings/", {"year": 2025, "as_of": "2025-06-30"})
    assert "全省城市赛马" in page.content.decode()
    # a city sees the race it runs in: both ranks, only its own figures
    body = login("cy_office").get("/api/rankings/ln-2025-cities?year=2025&as_of=2025-06-30").json()
    hidden = {row["unit"]["name"]: row["hidden"] for row in body["rows"]}
    assert hidden == {"葫芦岛市": True, "朝阳市": False}


def test_setup_province_refuses_what_is_not_a_province(empty):  # noqa: F811
    for code, message in [("211400", "不是省级行政区划"), ("999999", "不存在")]:
        with pytest.raises(CommandError, match=message):
            run("setup_province", code, "--office", "x_office")
    assert not Unit.objects.exists()
