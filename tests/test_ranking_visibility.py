"""What a district sees of the 赛马: every competing unit's rank and scores, the underlying
figures (value, target, completion rate) only of its own — the same on the page, the API,
the Excel export and the 通报."""

import io

import openpyxl
import pytest
from django.test import Client

from gongjian.kit.dates import Period
from gongjian.reports import dispatch

from .factories import build_city_world, build_indicator_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_city_world()


@pytest.fixture
def indicators(world):
    return build_indicator_world(world)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(client, world, indicators):
    response = client.get(
        f"/api/rankings/{indicators.scheme.code}", {"as_of": f"{world.year}-06-30"}
    )
    assert response.status_code == 200, response.content
    return {row["unit"]["name"]: row for row in response.json()["rows"]}


def test_api_hides_other_units_figures_but_not_their_rank(world, indicators):
    code = indicators.started.code
    rows = _api(login(world.operator_a), world, indicators)
    assert [(n, r["rank"], r["score"]) for n, r in rows.items()] == [
        ("甲区", 1, 50.0),
        ("乙区", 2, 0.0),
    ]
    own, other = rows["甲区"], rows["乙区"]
    assert own["hidden"] is False
    assert own["parts"][code]["value"] == 1 and own["parts"][code]["target"] == 2
    assert other["hidden"] is True
    assert other["parts"][code]["value"] is None
    assert other["parts"][code]["target"] is None and other["parts"][code]["rate"] is None
    assert other["parts"][code]["weighted"] == 0.0  # the score itself is published
    # the office sees every unit's figures
    office_rows = _api(login(world.office), world, indicators)
    assert office_rows["乙区"]["hidden"] is False
    assert office_rows["乙区"]["parts"][code]["target"] == 1


def test_page_shows_the_city_race_to_a_district(world, indicators):
    response = login(world.operator_a).get(
        "/rankings/", {"year": world.year, "as_of": f"{world.year}-06-30"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "测试赛马" in html and "乙区" in html  # the race is shown, not "没有赛马方案"
    assert 'data-testid="ranking-hidden"' in html
    table = html.split('data-testid="ranking"')[1].split("</table>")[0]
    own, other = table.split("<tr>")[2], table.split("<tr>")[3]
    assert "甲区" in own and "50.0%" in own  # its own completion rate
    assert "乙区" in other and "%" not in other  # only the other unit's score
    office = login(world.office).get(
        "/rankings/", {"year": world.year, "as_of": f"{world.year}-06-30"}
    )
    assert 'data-testid="ranking-hidden"' not in office.content.decode()


def test_export_hides_other_units_figures(world, indicators):
    response = login(world.operator_a).get(
        "/reports/export/rankings.xlsx",
        {"scheme": indicators.scheme.code, "year": world.year, "as_of": f"{world.year}-06-30"},
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = next(r for r in rows if r and r[0] == "名次")
    target = header.index("新开工工业项目·目标")
    by_unit = {r[1]: r for r in rows if r and r[1] in {"甲区", "乙区"}}
    assert by_unit["甲区"][target] == 2
    assert by_unit["乙区"][target] is None
    assert by_unit["乙区"][2] == 0  # its score is there


def test_dispatch_context_ranks_all_units_with_scores_only(world, indicators):
    period = Period.year_to_date(world.year, world.day(6, 30))
    context = dispatch.dispatch_context(unit=world.district_a, period=period, user=world.operator_a)
    race = context["rankings"][0]
    assert [(r["unit"], r["mark"]) for r in race["rows"]] == [("甲区", "本单位"), ("乙区", "")]
    assert all(set(r) == {"rank", "unit", "score", "mark"} for r in race["rows"])
