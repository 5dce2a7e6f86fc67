"""One write path per entity: the page form, the API body and the Excel row go through the
same input schema and the same service, so the same bad input is refused with the same
message whichever way it came in — and changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from gongjian.kit.money import NEGATIVE_AMOUNT
from gongjian.projects.models import Problem, ProblemComment, ProgressReport, Project
from gongjian.projects.sheets import projects_import, reports_import
from tests.factories import build_city_world, write_xlsx

pytestmark = pytest.mark.django_db

JSON = "application/json"
REPORT_HEADER = ["项目编号", "期间开始", "期间结束", "本期完成投资(万元)", "累计完成投资(万元)"]


@pytest.fixture
def world():
    return build_city_world()


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _reports_of(project) -> list:
    return list(ProgressReport.all_versions.filter(project=project).order_by("pk").values())


def _three_ways(world, tmp_path, *, start, end, this_wan, cumulative_wan=None, page=True):
    """Submit one May report of 甲区's project by the page, the API and a sheet; returns
    what each way answered (the page's response, the API's, the import's result)."""
    project = world.project_a
    operator = world.operator_a
    client = _login(operator)
    answer = None
    if page:
        answer = client.post(
            f"/dispatch/{project.pk}/report/?period={start:%Y-%m}",
            {
                "investment_this_period": str(this_wan),
                "cumulative_investment": "" if cumulative_wan is None else str(cumulative_wan),
            },
        )
    body = {
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "investment_this_period": int(Decimal(this_wan) * 10_000),
    }
    if cumulative_wan is not None:
        body["cumulative_investment"] = int(Decimal(cumulative_wan) * 10_000)
    api = client.post(f"/api/projects/{project.pk}/reports", body, content_type=JSON)
    path = write_xlsx(
        tmp_path / "r.xlsx",
        [REPORT_HEADER, [project.code, start, end, this_wan, cumulative_wan]],
    )
    sheet = reports_import(actor=operator, path=path)
    return answer, api, sheet


def test_a_report_below_the_previous_cumulative_is_refused_alike(world, tmp_path):
    before = _reports_of(world.project_a)
    may = (world.day(5, 1), world.day(5, 31))
    page, api, sheet = _three_ways(
        world, tmp_path, start=may[0], end=may[1], this_wan=100, cumulative_wan="0.0001"
    )
    message = api.json()["fields"]["cumulative_investment"][0]
    assert api.status_code == 422 and "少于上期累计加本期完成投资" in message
    assert page.status_code == 200 and message in page.content.decode()
    assert (2, "累计完成投资(万元)", message) in sheet.errors and not sheet.saved
    assert _reports_of(world.project_a) == before


def test_a_negative_amount_is_refused_alike(world, tmp_path):
    before = _reports_of(world.project_a)
    page, api, sheet = _three_ways(
        world, tmp_path, start=world.day(5, 1), end=world.day(5, 31), this_wan=-5
    )
    assert api.status_code == 422
    assert api.json()["fields"]["investment_this_period"] == [NEGATIVE_AMOUNT]
    assert NEGATIVE_AMOUNT in page.content.decode()
    assert (2, "本期完成投资(万元)", NEGATIVE_AMOUNT) in sheet.errors
    assert _reports_of(world.project_a) == before


def test_a_report_over_the_total_investment_is_refused_alike(world, tmp_path):
    before = _reports_of(world.project_a)
    page, api, sheet = _three_ways(
        world,
        tmp_path,
        start=world.day(5, 1),
        end=world.day(5, 31),
        this_wan=1,
        cumulative_wan=50_000,
    )
    message = api.json()["fields"]["cumulative_investment"][0]
    assert "超过总投资" in message
    assert message in page.content.decode()
    assert (2, "累计完成投资(万元)", message) in sheet.errors
    assert _reports_of(world.project_a) == before


def test_a_period_the_cadence_does_not_owe_is_refused_by_the_api_and_the_sheet(world, tmp_path):
    """The page offers only the period the project owes; the API and a sheet are held to
    the same cadence (a monthly project reports calendar months)."""
    before = _reports_of(world.project_a)
    _page, api, sheet = _three_ways(
        world, tmp_path, start=world.day(5, 1), end=world.day(5, 15), this_wan=10, page=False
    )
    message = api.json()["fields"]["period_start"][0]
    assert "按每月调度" in message and "自然月" in message
    assert (2, "期间开始", message) in sheet.errors
    assert _reports_of(world.project_a) == before


def test_a_problem_step_through_the_api_keeps_the_trail_the_page_keeps(world):
    problem = world.problem_a
    leader = _login(world.leader)
    r = leader.post(
        f"/api/problems/{problem.pk}/transition",
        {"status": "assigned", "on_date": world.day(3, 6).isoformat(), "comment": "请甲区办理"},
        content_type=JSON,
    )
    assert r.status_code == 200
    trail = list(ProblemComment.objects.filter(problem=problem).values_list("status", "text"))
    assert trail == [("assigned", "请甲区办理")]
    # the page writes the same trail entry for the next step
    page = leader.post(f"/problems/{problem.pk}/", {"to_status": "resolved", "comment": "已接电"})
    assert page.status_code == 302
    trail = list(ProblemComment.objects.filter(problem=problem).values_list("status", "text"))
    assert trail == [("assigned", "请甲区办理"), ("resolved", "已接电")]


def test_a_problem_step_refused_alike_by_the_page_and_the_api(world):
    """An operator of the project's own district may not 销号 (only the leader or the unit
    above): the same refusal on the page and through the API, nothing changed."""
    problem = world.problem_a
    Problem.objects.filter(pk=problem.pk).update(status=Problem.Status.RESOLVED)
    operator = _login(world.operator_a)
    api = operator.post(
        f"/api/problems/{problem.pk}/transition",
        {"status": "verified", "on_date": world.day(5, 1).isoformat()},
        content_type=JSON,
    )
    assert api.status_code == 403
    message = api.json()["detail"]
    assert message == "只有包保领导或上级单位可以销号"
    page = operator.post(f"/problems/{problem.pk}/", {"to_status": "verified", "comment": "x"})
    assert page.status_code == 200 and message in page.content.decode()
    problem.refresh_from_db()
    assert problem.status == Problem.Status.RESOLVED
    assert not ProblemComment.objects.filter(problem=problem).exists()


def test_a_negative_total_investment_is_refused_alike_by_the_api_and_the_sheet(world, tmp_path):
    count = Project.all_objects.count()
    operator = _login(world.operator_a)
    api = operator.post(
        "/api/projects",
        {
            "code": "WP-001",
            "name": "负数项目",
            "unit_id": world.district_a.pk,
            "category": "industry",
            "total_investment": -1,
        },
        content_type=JSON,
    )
    assert api.status_code == 422
    assert api.json()["fields"]["total_investment"] == [NEGATIVE_AMOUNT]
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [
            ["项目编号", "项目名称", "所属单位", "项目类别", "总投资(元)"],
            ["WP-001", "负数项目", "甲区", "工业", -1],
        ],
    )
    sheet = projects_import(actor=world.operator_a, path=path)
    assert (2, "总投资(元)", NEGATIVE_AMOUNT) in sheet.errors
    # the page edit says the same of an existing project
    page = operator.post(
        f"/projects/{world.project_a.pk}/edit/",
        {
            "version": world.project_a.version,
            "name": world.project_a.name,
            "unit": world.district_a.pk,
            "category": world.project_a.category,
            "total_investment": "-0.0001",
            "planned_investment": "0",
        },
    )
    assert page.status_code == 200 and NEGATIVE_AMOUNT in page.content.decode()
    assert Project.all_objects.count() == count
    world.project_a.refresh_from_db()
    assert world.project_a.total_investment == 300_000_000


def test_dates_are_judged_at_the_instance_clock(world, tmp_path):
    """A stage date after the instance's today is refused — the page, the API and a sheet
    all ask ``kit.clock`` what today is."""
    from gongjian.kit import clock

    operator = _login(world.operator_a)
    with clock.override(world.day(6, 30)):
        api = operator.post(
            f"/api/projects/{world.project_b.pk}/transitions",
            {"stage": "completed", "occurred_on": world.day(7, 1).isoformat()},
            content_type=JSON,
        )
    assert api.status_code == 404  # another district's project
    with clock.override(world.day(6, 30)):
        own = operator.post(
            f"/api/projects/{world.project_a.pk}/transitions",
            {"stage": "completed", "occurred_on": world.day(7, 1).isoformat()},
            content_type=JSON,
        )
    assert own.status_code == 422 and "晚于今天" in own.json()["detail"][0]
    assert Project.objects.get(pk=world.project_a.pk).stage == "started"
