"""The warning light's axes — 开工 (start lag), 投资进度 (progress), 入库纳统 (statistics
register), 资金支付 (fund payment) — each alone, their thresholds the campaign's, the worst winning, the counts agreeing with the lights, and the
planned dates set through the import, the API and the edit page under one rule."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from gongjian.indicators import engine
from gongjian.indicators.models import Campaign
from gongjian.indicators.services import indicator_define
from gongjian.kit.dates import Period
from gongjian.kit.scope import SYSTEM
from gongjian.projects import lights as light_rules
from gongjian.projects.models import Project
from gongjian.projects.services import progress_report_submit, project_create, project_update
from gongjian.projects.sheets import projects_import
from gongjian.units.services import unit_create
from tests.factories import build_city_world, project_edit_form, write_xlsx

pytestmark = pytest.mark.django_db

D = dt.date
YI = 100_000_000
_seq = iter(range(1, 10_000))


@pytest.fixture
def area():
    city = unit_create(actor=SYSTEM, name="轴测市", kind="city", code="640100")
    unit = unit_create(actor=SYSTEM, name="轴测区", kind="district", parent=city, code="640104")
    campaign = Campaign.objects.create(year=2024, name="测试", root_unit=city)
    return unit, campaign


def make(unit, events=(), **kw) -> Project:
    return project_create(
        actor=SYSTEM,
        code=f"AX{next(_seq):05d}",
        name=kw.pop("name", "轴测项目"),
        unit=unit,
        category="industry",
        total_investment=kw.pop("total_investment", 10 * YI),
        stage_events=list(events),
        **kw,
    )


def done_in_june(project: Project, pct: int) -> None:
    progress_report_submit(
        actor=SYSTEM,
        project=project,
        period_start=D(2024, 6, 1),
        period_end=D(2024, 6, 30),
        investment_this_period=pct * project.planned_investment // 100,
    )


def light_of(project: Project, as_of: dt.date, campaign=None) -> light_rules.Light | None:
    return light_rules.warning_lights(Project.objects.filter(pk=project.pk), as_of, campaign).get(
        project.pk
    )


# --- each axis alone --------------------------------------------------------------------


def test_start_axis_alone(area):
    unit, campaign = area
    late = make(unit, [("signed", D(2024, 1, 10))], planned_start_on=D(2024, 3, 1))
    cases = {
        D(2024, 2, 29): ("", []),  # not yet due
        D(2024, 3, 15): ("yellow", ["计划3月开工,尚未开工"]),
        D(2024, 5, 31): ("yellow", ["计划3月开工,已滞后2个月"]),
        D(2024, 6, 30): ("yellow", ["计划3月开工,已滞后3个月"]),
        D(2024, 7, 1): ("red", ["计划3月开工,已滞后4个月"]),
    }
    for as_of, (color, reasons) in cases.items():
        light = light_of(late, as_of, campaign)
        assert (light.color, light.reasons) == (color, reasons), as_of
    assert light_of(late, D(2024, 7, 1), campaign).axes == {"start": "red"}
    # a plan of a past year names the year
    old = make(unit, [("signed", D(2023, 9, 1))], planned_start_on=D(2023, 11, 20))
    assert light_of(old, D(2024, 1, 31)).reasons == ["计划2023年11月开工,已滞后2个月"]
    # judged at the as-of date: started in April, it was late at the end of March only
    started = make(
        unit,
        [("signed", D(2024, 1, 10)), ("started", D(2024, 4, 10))],
        planned_start_on=D(2024, 3, 1),
    )
    assert light_of(started, D(2024, 3, 31)).color == "yellow"
    assert light_of(started, D(2024, 5, 31)).color == ""  # started; no plan, no other axis
    # no planned start: no start axis
    assert light_of(make(unit, [("signed", D(2023, 1, 10))]), D(2024, 10, 31)).color == ""


def test_progress_axis_alone(area):
    unit, campaign = area
    as_of = D(2024, 6, 30)  # 序时进度 49.7 %
    paces = {"red": 10, "yellow": 30, "green": 60}
    made = {}
    for color, pct in paces.items():
        made[color] = make(unit, [("started", D(2024, 1, 10))], planned_investment=YI)
        done_in_june(made[color], pct)
    lights = light_rules.warning_lights(Project.objects.filter(unit=unit), as_of, campaign)
    assert {c: lights[p.pk].color for c, p in made.items()} == {c: c for c in paces}
    assert lights[made["red"].pk].reasons == ["投资完成10.0%,落后序时进度39.7个百分点"]
    assert lights[made["yellow"].pk].reasons == ["投资完成30.0%,落后序时进度19.7个百分点"]
    assert lights[made["green"].pk].reasons == ["投资完成60.0%,超过序时进度10.3个百分点"]
    assert lights[made["yellow"].pk].axes == {"progress": "yellow"}
    stalled = make(unit, [("started", D(2023, 5, 1)), ("stalled", D(2024, 2, 1))])
    assert (light_of(stalled, as_of).color, light_of(stalled, as_of).reasons) == (
        "red",
        ["项目停缓建"],
    )


def test_stats_axis_alone(area):
    unit, campaign = area
    p = make(
        unit,
        [("signed", D(2024, 1, 5)), ("started", D(2024, 3, 10))],
        planned_in_stats_on=D(2024, 4, 1),
    )
    cases = {
        D(2024, 3, 5): ("", []),  # not started yet
        D(2024, 3, 31): ("green", ["本月开工,尚未入库"]),
        D(2024, 4, 30): ("yellow", ["开工已1个月未入库"]),
        D(2024, 5, 31): ("red", ["开工已2个月未入库"]),
    }
    for as_of, (color, reasons) in cases.items():
        light = light_of(p, as_of, campaign)
        assert (light.color, light.reasons) == (color, reasons), as_of
    project_update(actor=SYSTEM, project=p, in_stats_on=D(2024, 5, 20))
    assert light_of(p, D(2024, 5, 31)).reasons == ["已入库纳统"]
    assert light_of(p, D(2024, 5, 31)).color == "green"
    assert light_of(p, D(2024, 5, 10)).color == "red"  # at that date not yet 入库
    # completed and 入库: nothing left to judge
    done = make(
        unit,
        [("started", D(2024, 1, 10)), ("completed", D(2024, 8, 1))],
        in_stats_on=D(2024, 2, 5),
    )
    assert light_of(done, D(2024, 6, 30)).color == "green"  # still under construction
    assert light_of(done, D(2024, 10, 31)).color == ""
    # 入库 not tracked (no planned or actual date): no stats axis
    untracked = make(unit, [("started", D(2024, 1, 10))])
    assert light_of(untracked, D(2024, 10, 31)).color == ""


def test_funds_axis_alone(area):
    unit, campaign = area
    as_of = D(2024, 6, 30)
    rates = {"red": 40, "yellow": 60, "green": 80}
    made = {}
    for color, pct in rates.items():
        p = make(unit, [("started", D(2024, 1, 10))])
        progress_report_submit(
            actor=SYSTEM,
            project=p,
            period_start=D(2024, 5, 1),
            period_end=D(2024, 5, 31),
            investment_this_period=YI,
            cumulative_investment=YI,
            funds_paid=pct * YI // 100,
        )
        made[color] = p
    lights = light_rules.warning_lights(Project.objects.filter(unit=unit), as_of, campaign)
    assert {c: lights[p.pk].axes for c, p in made.items()} == {c: {"funds": c} for c in rates}
    assert lights[made["yellow"].pk].reasons == [
        "资金支付率60.0%(累计支付6,000万元/累计完成投资10,000万元)"
    ]
    # a later report without the paid amount keeps the last one that gave it
    progress_report_submit(
        actor=SYSTEM,
        project=made["red"],
        period_start=D(2024, 6, 1),
        period_end=D(2024, 6, 30),
        investment_this_period=0,
    )
    assert light_of(made["red"], as_of, campaign).axes == {"funds": "red"}
    assert light_of(made["red"], D(2024, 4, 30), campaign).color == ""  # nothing reported yet
    # the campaign's thresholds: 40 % paid is only yellow when red starts below 30 %
    campaign.funds_red_rate, campaign.funds_yellow_rate = 30, 50
    campaign.full_clean()
    assert light_of(made["red"], as_of, campaign).color == "yellow"
    assert light_of(made["yellow"], as_of, campaign).color == "green"
    campaign.funds_red_rate = 60
    with pytest.raises(ValidationError):
        campaign.full_clean()
    # more paid than the project's total investment is refused, naming the field
    with pytest.raises(ValidationError) as refused:
        progress_report_submit(
            actor=SYSTEM,
            project=made["green"],
            period_start=D(2024, 6, 1),
            period_end=D(2024, 6, 30),
            investment_this_period=0,
            funds_paid=11 * YI,
        )
    assert "funds_paid" in refused.value.message_dict


def test_start_and_stats_months_come_from_the_campaign(area):
    unit, campaign = area
    late = make(unit, [("signed", D(2024, 1, 10))], planned_start_on=D(2024, 3, 1))
    assert light_of(late, D(2024, 6, 30), campaign).color == "yellow"  # 3 months: not > 3
    campaign.start_red_months = 2
    assert light_of(late, D(2024, 6, 30), campaign).color == "red"
    p = make(
        unit,
        [("signed", D(2024, 1, 5)), ("started", D(2024, 3, 10))],
        planned_in_stats_on=D(2024, 4, 1),
    )
    assert light_of(p, D(2024, 5, 31), campaign).color == "red"  # 2 months
    campaign.stats_yellow_months, campaign.stats_red_months = 2, 4
    assert light_of(p, D(2024, 4, 30), campaign).color == "green"
    assert light_of(p, D(2024, 5, 31), campaign).color == "yellow"


def test_the_worst_axis_wins_and_explains_first(area):
    unit, campaign = area
    p = make(
        unit,
        [("started", D(2024, 1, 10))],
        planned_investment=YI,
        planned_start_on=D(2024, 1, 1),
        planned_in_stats_on=D(2024, 2, 1),
    )
    done_in_june(p, 30)  # progress yellow; not 入库 five months after the start: red
    light = light_of(p, D(2024, 6, 30), campaign)
    assert light.color == "red"
    assert light.axes == {"progress": "yellow", "stats": "red"}
    assert light.reasons == ["开工已5个月未入库", "投资完成30.0%,落后序时进度19.7个百分点"]
    assert light.explained[0] == ("red", "开工已5个月未入库")
    assert light.reason_text == "开工已5个月未入库;投资完成30.0%,落后序时进度19.7个百分点"
    project_update(actor=SYSTEM, project=p, in_stats_on=D(2024, 2, 20))
    light = light_of(p, D(2024, 6, 30), campaign)
    assert light.color == "yellow" and light.reason_colors == ["yellow", "green"]


def test_counts_filters_and_flagged_agree_with_the_lights(area, django_assert_max_num_queries):
    unit, campaign = area
    make(unit, [("signed", D(2024, 1, 10))], planned_start_on=D(2024, 2, 1))
    make(unit, [("signed", D(2024, 1, 10))], planned_start_on=D(2024, 5, 1))
    make(unit, [("started", D(2024, 2, 10))], planned_in_stats_on=D(2024, 3, 1))
    for pct in (10, 30, 60):
        done_in_june(make(unit, [("started", D(2024, 1, 10))], planned_investment=YI), pct)
    make(unit, [("started", D(2023, 5, 1)), ("stalled", D(2024, 2, 1))])
    make(unit)  # 谋划, no plan: no light
    projects = Project.objects.filter(unit=unit)
    for as_of in (D(2024, 3, 31), D(2024, 5, 31), D(2024, 6, 30), D(2024, 10, 31)):
        lights = light_rules.warning_lights(projects, as_of, campaign)
        counted = Counter(light.color for light in lights.values() if light.color)
        with django_assert_max_num_queries(1):
            counts = light_rules.warning_light_counts(projects, as_of, campaign)
        assert counts == {c: counted.get(c, 0) for c in light_rules.COLORS}, as_of
        for color in light_rules.COLORS:
            filtered = set(
                light_rules.with_light(projects, color, as_of, campaign).values_list(
                    "pk", flat=True
                )
            )
            assert filtered == {pk for pk, light in lights.items() if light.color == color}
        flagged, flagged_counts = light_rules.flagged_lights(projects, as_of, campaign)
        assert flagged_counts == counts
        assert all(lights[pk] == light for pk, light in flagged)
    assert light_rules.warning_light_counts(projects, D(2024, 10, 31), campaign)["red"] >= 3


# --- 提前竣工 ------------------------------------------------------------------------------


def test_completed_early(area):
    unit, _campaign = area
    events = [("started", D(2023, 3, 1)), ("completed", D(2024, 5, 10))]
    early = make(unit, events, planned_completion_on=D(2024, 6, 28))
    late = make(unit, events, planned_completion_on=D(2024, 4, 28))
    make(unit, events)  # no plan: not judged
    assert early.is_completed_early() and not late.is_completed_early()
    assert not early.is_completed_early(D(2024, 5, 1))  # not yet completed then
    assert list(Project.objects.filter(unit=unit).completed_early()) == [early]
    assert not Project.objects.filter(unit=unit).completed_early(D(2024, 5, 1)).exists()
    counted = indicator_define(
        actor=SYSTEM,
        code="t_completed_early",
        name="提前竣工项目数",
        kind="computed",
        registry="projects",
        measure="count",
        event="completed_early",
    )
    assert engine.evaluate(counted, unit, Period.year_to_date(2024, D(2024, 10, 31))) == 1
    assert engine.evaluate(counted, unit, Period.year_to_date(2024, D(2024, 4, 30))) == 0


# --- one rule for the import, the API and the edit page ----------------------------------

HEAD = ["项目编号", "项目名称", "所属单位", "项目类别", "总投资(万元)", "签约日期", "开工日期"]
PLAN_HEAD = ["计划开工日期", "计划竣工日期", "计划入库日期", "入库日期"]


@pytest.fixture
def world():
    return build_city_world()


def _sheet_row(world, code, plan):
    return [code, "计划日期项目", "甲区", "工业", 20000, world.day(3, 5), world.day(4, 10), *plan]


def test_import_sets_planned_dates_and_refuses_bad_ones(world, tmp_path):
    y = world.year
    good = [D(y, 4, 1), D(y + 2, 6, 30), D(y, 5, 1), D(y, 5, 20)]
    path = write_xlsx(tmp_path / "ok.xlsx", [HEAD + PLAN_HEAD, _sheet_row(world, "PL-001", good)])
    result = projects_import(actor=world.office, path=path)
    assert result.saved and result.created == 1, result.errors
    p = Project.objects.get(code="PL-001")
    assert (p.planned_start_on, p.planned_completion_on, p.planned_in_stats_on, p.in_stats_on) == (
        tuple(good)
    )
    before = Project.objects.count()
    bad = [
        _sheet_row(world, "PL-002", [D(y, 6, 1), D(y, 5, 1), None, None]),
        _sheet_row(world, "PL-003", [None, None, None, D(y, 3, 1)]),  # 入库 before 开工
        _sheet_row(world, "PL-001", [D(y, 4, 1), D(y, 3, 1), None, None]),  # an update
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", [HEAD + PLAN_HEAD, *bad])
    result = projects_import(actor=world.office, path=path)
    assert not result.saved and result.bad_rows == 3
    columns = {(r, c) for r, c, _m in result.errors}
    assert {(2, "计划竣工日期"), (3, "入库日期"), (4, "计划竣工日期")} <= columns
    messages = [m for _r, _c, m in result.errors]
    assert any("早于计划开工日期" in m for m in messages)
    assert any("早于开工日期" in m for m in messages)
    assert Project.objects.count() == before  # nothing saved
    p.refresh_from_db()
    assert p.planned_completion_on == good[1]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_api_sets_planned_dates_and_refuses_bad_ones(world):
    client = _client(world.operator_a)
    y = world.year
    body = {
        "code": "PL-API-1",
        "name": "接口计划项目",
        "unit_id": world.district_a.pk,
        "category": "industry",
        "total_investment": YI,
        "planned_start_on": f"{y}-03-01",
        "planned_completion_on": f"{y + 1}-12-31",
        "planned_in_stats_on": f"{y}-04-01",
    }
    response = client.post("/api/projects", body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["planned_start_on"], data["planned_in_stats_on"]) == (f"{y}-03-01", f"{y}-04-01")
    assert data["in_stats_on"] is None and data["completed_early"] is False
    bad = {**body, "code": "PL-API-2", "planned_completion_on": f"{y}-01-31"}
    response = client.post("/api/projects", bad, content_type="application/json")
    assert response.status_code == 422
    assert "计划竣工日期" in response.content.decode()
    assert not Project.objects.filter(code="PL-API-2").exists()
    # PATCH: a bad date changes nothing
    project = Project.objects.get(code="PL-API-1")
    url = f"/api/projects/{project.pk}"
    response = client.patch(
        url,
        {"planned_in_stats_on": f"{y}-02-01"},
        content_type="application/json",
        headers={"If-Match": "*"},
    )
    assert response.status_code == 422 and "计划入库日期" in response.content.decode()
    response = client.patch(
        url,
        {"in_stats_on": f"{y}-05-01"},
        content_type="application/json",
        headers={"If-Match": "1"},
    )
    assert response.status_code == 200 and response.json()["in_stats_on"] == f"{y}-05-01"
    project.refresh_from_db()
    assert project.planned_in_stats_on == D(y, 4, 1) and project.version == 2


def _edit_form(project: Project, **changes) -> dict:
    return project_edit_form(project, version=project.version, **changes)


def test_edit_page_sets_planned_dates_and_refuses_bad_ones(world):
    project = world.project_a
    url = f"/projects/{project.pk}/edit/"
    client = _client(world.operator_a)
    y = world.year
    page = client.get(url).content.decode()
    assert 'name="planned_start_on"' in page and 'name="in_stats_on"' in page
    version = project.version
    response = client.post(
        url,
        _edit_form(project, planned_start_on=f"{y}-05-01", planned_completion_on=f"{y}-04-01"),
    )
    assert response.status_code == 200
    assert "早于计划开工日期" in response.content.decode()
    project.refresh_from_db()
    assert project.version == version and project.planned_start_on is None
    response = client.post(
        url,
        _edit_form(
            project, planned_start_on=f"{y}-03-01", in_stats_on=f"{y}-03-01"
        ),  # 入库 before the start (April 10)
    )
    assert response.status_code == 200 and "早于开工日期" in response.content.decode()
    response = client.post(
        url,
        _edit_form(
            project,
            planned_start_on=f"{y}-03-01",
            planned_completion_on=f"{y + 1}-10-31",
            planned_in_stats_on=f"{y}-04-01",
            in_stats_on=f"{y}-05-15",
        ),
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.planned_start_on, project.in_stats_on) == (D(y, 3, 1), D(y, 5, 15))
    assert project.version == version + 1
    # the date inputs show the stored dates (ISO, as <input type="date"> reads them)
    page = client.get(url).content.decode()
    assert f'name="planned_start_on" value="{y}-03-01"' in page


def test_pages_show_the_reasons(world):
    client = _client(world.office)
    project_update(actor=SYSTEM, project=world.project_a, planned_in_stats_on=world.day(5, 1))
    detail = client.get(f"/projects/{world.project_a.pk}/").content.decode()
    assert 'data-testid="light-reasons"' in detail
    assert "开工已" in detail and "个月未入库" in detail and "落后序时进度" in detail
    listing = client.get("/projects/").content.decode()
    titles = re.findall(r'class="gj-light red" title="([^"]*)"', listing)
    assert any("落后序时进度" in t and "个月未入库" in t for t in titles), titles
