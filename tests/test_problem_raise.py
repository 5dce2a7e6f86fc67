"""Problems raised where they arise: 提出问题 on the project page and with the progress
report, put to one of the project's own 包保 leaders (page and API refuse anyone else),
shown on the leader's 包保 page, and counted by the engine on the dashboard at the
page's as-of date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from gongjian.indicators.engine import evaluate
from gongjian.kit.dates import Period
from gongjian.projects import services
from gongjian.projects.models import Problem, ProgressReport, Project
from gongjian.projects.selectors import PROBLEM_FIGURES, problem_indicator
from gongjian.units.models import Role, User
from tests.factories import build_city_world, member

JSON = "application/json"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def raise_url(project: Project) -> str:
    return f"/projects/{project.pk}/problems/new/"


def problem_rows(project: Project) -> tuple[list[dict], int]:
    """The project's problems and the problems' history rows: what a refusal must not change."""
    return list(Problem.objects.filter(project=project).values()), Problem.history.count()


# --- the demo: the district operator, li_qiang ---------------------------------------


@pytest.fixture
def linghe_op(demo):
    return User.objects.get(username="linghe_op")


@pytest.fixture
def li_qiang(demo):
    return User.objects.get(username="li_qiang")


@pytest.fixture
def li_project(demo, li_qiang):
    """A 凌河区 project 包保 by li_qiang (the 常务副市长)."""
    return Project.objects.filter(unit__name="凌河区", leader=li_qiang).order_by("pk").first()


def test_operator_raises_a_problem_on_the_project_page_and_it_reaches_the_leader(
    linghe_op, li_qiang, li_project
):
    client = login(linghe_op)
    page = client.get(f"/projects/{li_project.pk}/").content.decode()
    assert 'data-testid="problem-raise"' in page and "提出问题" in page
    # the leader select offers the project's own 包保 leader only
    assert f'<option value="{li_qiang.pk}" selected>' in page
    assert page.count('<select name="leader"') == 1
    response = client.post(
        raise_url(li_project),
        {
            "kind": "land",
            "description": "用地指标尚未落实,影响二期开工",
            "owner_unit": li_project.responsible_unit_id or "",
            "leader": li_qiang.pk,
            "deadline": "2024-11-30",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/projects/{li_project.pk}/"
    problem = Problem.objects.get(project=li_project, description="用地指标尚未落实,影响二期开工")
    assert (problem.kind, problem.leader, problem.status) == ("land", li_qiang, "open")
    assert problem.raised_on == dt.date(2024, 10, 31)  # the kit's clock (the demo's date)
    assert problem.deadline == dt.date(2024, 11, 30)
    history = problem.history.get()
    assert (history.history_type, history.history_user) == ("+", linghe_op)
    # the same form sent twice (a double click) is one problem
    client.post(
        raise_url(li_project),
        {
            "kind": "land",
            "description": "用地指标尚未落实,影响二期开工",
            "owner_unit": li_project.responsible_unit_id or "",
            "leader": li_qiang.pk,
            "deadline": "2024-11-30",
        },
    )
    assert Problem.objects.filter(project=li_project, description=problem.description).count() == 1

    baobao = login(li_qiang).get("/baobao/").content.decode()
    assert "用地指标尚未落实,影响二期开工" in baobao
    assert f'href="/problems/{problem.pk}/"' in baobao


def test_page_refuses_a_leader_who_does_not_baobao_the_project(demo, linghe_op, li_project):
    other = User.objects.get(username="linghe_leader1")  # a leader, not of this project
    assert li_project.leader != other
    before = problem_rows(li_project)
    response = login(linghe_op).post(
        raise_url(li_project),
        {"kind": "funds", "description": "配套资金缺口", "leader": other.pk},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"“{other}”不是项目“{li_project.name}”的包保领导" in html
    assert "配套资金缺口" in html  # the input is kept
    assert problem_rows(li_project) == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "", "description": "x"}, "kind", "这个字段是必填项"),
        ({"kind": "land", "description": ""}, "description", "这个字段是必填项"),
        (
            {"kind": "land", "description": "x", "deadline": "2024-10-01"},
            "deadline",
            "办结时限 2024-10-01 早于提出日期 2024-10-31",
        ),
        ({"kind": "land", "description": "x", "deadline": "明天"}, "deadline", "有效的日期"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(
    demo, linghe_op, li_project, data, field, message
):
    before = problem_rows(li_project)
    response = login(linghe_op).post(raise_url(li_project), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    assert problem_rows(li_project) == before


def test_viewer_and_leader_see_no_raise_action_and_cannot_post(demo, li_qiang, li_project):
    viewer = User.objects.get(username="viewer")
    before = problem_rows(li_project)
    for user in (viewer, li_qiang):
        client = login(user)
        page = client.get(f"/projects/{li_project.pk}/")
        assert page.status_code == 200
        assert "提出问题" not in page.content.decode(), user
        response = client.post(raise_url(li_project), {"kind": "land", "description": "越权"})
        assert response.status_code == 404, user
    assert problem_rows(li_project) == before


def test_report_and_problem_in_one_submit(linghe_op, li_qiang, li_project):
    client = login(linghe_op)
    url = f"/dispatch/{li_project.pk}/report/"
    page = client.get(url).content.decode()
    assert "作为问题跟踪" in page and 'name="problem_leader"' in page
    reports = ProgressReport.objects.filter(project=li_project).count()
    response = client.post(
        url,
        {
            "investment_this_period": "100",
            "problems_text": "施工用电未接入",
            "track_problem": "on",
            "problem_kind": "utilities",
            "problem_leader": li_qiang.pk,
            "problem_deadline": "2024-12-15",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    report = ProgressReport.objects.filter(project=li_project).latest("pk")
    assert ProgressReport.objects.filter(project=li_project).count() == reports + 1
    assert report.problems_text == "施工用电未接入"
    problem = Problem.objects.get(project=li_project, description="施工用电未接入")
    assert (problem.kind, problem.leader, problem.deadline, problem.owner_unit) == (
        "utilities",
        li_qiang,
        dt.date(2024, 12, 15),
        # the project's 责任部门, or for a 提级 project the rule's city department
        getattr(services.escalation_rule_of(li_project), "department", None)
        or li_project.responsible_unit,
    )
    assert problem.history.get().history_user == linghe_op
    assert "施工用电未接入" in login(li_qiang).get("/baobao/").content.decode()


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"problem_kind": ""}, "problem_kind", "须选择问题类型"),
        ({"problems_text": ""}, "problems_text", "须填写存在问题"),
        ({"problem_leader": "OTHER"}, "problem_leader", "包保领导只能从该项目的包保领导中选择"),
        ({"problem_deadline": "2024-10-01"}, "problem_deadline", "早于提出日期"),
    ],
)
def test_a_refused_problem_leaves_no_report_behind(
    demo, linghe_op, li_project, extra, field, message
):
    other = User.objects.get(username="linghe_leader1")
    data = {
        "investment_this_period": "100",
        "problems_text": "施工用电未接入",
        "track_problem": "on",
        "problem_kind": "utilities",
        "problem_deadline": "2024-12-15",
    }
    data.update({k: other.pk if v == "OTHER" else v for k, v in extra.items()})
    reports = list(ProgressReport.all_versions.filter(project=li_project).values())
    completed = Project.objects.get(pk=li_project.pk).completed_investment
    before = problem_rows(li_project)
    response = login(linghe_op).post(f"/dispatch/{li_project.pk}/report/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in e for e in errors[field]), errors
    assert list(ProgressReport.all_versions.filter(project=li_project).values()) == reports
    assert Project.objects.get(pk=li_project.pk).completed_investment == completed
    assert problem_rows(li_project) == before


def test_an_unchecked_box_keeps_the_text_untracked(demo, linghe_op, li_project):
    before = problem_rows(li_project)
    response = login(linghe_op).post(
        f"/dispatch/{li_project.pk}/report/",
        {"investment_this_period": "100", "problems_text": "只是说明", "problem_kind": "land"},
    )
    assert response.status_code == 302
    assert problem_rows(li_project) == before


def test_dashboard_problem_figures_are_the_engines_at_the_as_of_date(demo):
    client = login(User.objects.get(username="office"))
    seen = {}
    for as_of in (dt.date(2024, 10, 31), dt.date(2024, 6, 30)):
        response = client.get("/", {"unit": demo.pk, "year": 2024, "as_of": as_of.isoformat()})
        assert response.status_code == 200
        html = response.content.decode()
        period = Period.year_to_date(2024, as_of)
        figures = {}
        for event, _label in PROBLEM_FIGURES:
            value = int(evaluate(problem_indicator(event), demo, period) or 0)
            assert f'data-testid="problems-{event}">{value}</b>' in html, event
            figures[event] = value
        # the engine's figures are the rows as they stood at the as-of date
        rows = Problem.objects.filter(project__unit__path__startswith=demo.path)
        open_then = [
            p
            for p in rows
            if p.raised_on <= as_of
            and not (p.status in ("resolved", "verified") and p.resolved_on <= as_of)
        ]
        assert figures["unresolved"] == len(open_then) > 0
        assert figures["overdue"] == sum(1 for p in open_then if p.deadline and p.deadline < as_of)
        assert figures["verified"] == sum(
            1 for p in rows if p.verified_on and dt.date(2024, 1, 1) <= p.verified_on <= as_of
        )
        seen[as_of] = figures
    assert seen[dt.date(2024, 10, 31)] != seen[dt.date(2024, 6, 30)]  # not today's figures


# --- a small city: the API and the service ---------------------------------------------


@pytest.fixture
def world(db):
    return build_city_world()


def test_api_refuses_a_leader_who_does_not_baobao_the_project(world):
    stranger = member(world.district_b, Role.LEADER, full_name="乙区包保")
    client = login(world.operator_a)
    url = f"/api/projects/{world.project_a.pk}/problems"
    body = {"kind": "funds", "description": "配套资金缺口", "raised_on": f"{world.year}-06-01"}
    before = problem_rows(world.project_a)
    refused = client.post(url, {**body, "leader_id": stranger.pk}, content_type=JSON)
    assert refused.status_code == 422, refused.content
    assert refused.json()["fields"]["leader"] == [
        "“乙区包保”不是项目“甲区新材料产业园”的包保领导,包保领导只能从该项目的包保领导中选择"
    ]
    assert problem_rows(world.project_a) == before
    # the project's own 包保 leader is taken, and sees it
    taken = client.post(url, {**body, "leader_id": world.leader.pk}, content_type=JSON)
    assert taken.status_code == 201, taken.content
    assert taken.json()["leader_name"] == "王包保"
    assert "配套资金缺口" in login(world.leader).get("/baobao/").content.decode()


def test_service_names_every_refused_field_at_once(world):
    stranger = member(world.district_b, Role.LEADER, full_name="乙区包保")
    with pytest.raises(Exception) as caught:
        services.problem_create(
            actor=world.operator_a,
            project=world.project_a,
            kind="land",
            description=" ",
            raised_on=dt.date(world.year, 6, 1),
            deadline=dt.date(world.year, 5, 1),
            leader=stranger,
        )
    assert set(caught.value.message_dict) == {"leader", "deadline", "description"}
    # a project without a 包保 leader takes none but the default (none)
    assert world.project_b.leader is None
    with pytest.raises(Exception, match="不是项目“乙区物流中心”的包保领导"):
        services.problem_create(
            actor=world.operator_b,
            project=world.project_b,
            kind="land",
            description="x",
            raised_on=dt.date(world.year, 6, 1),
            leader=world.leader,
        )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("operator_b", 404),
        ("viewer_a", 404),
        ("leader", 404),
        ("operator_a", 302),
        ("office", 302),
    ],
)
def test_raise_permission_matrix(world, who, status):
    client = Client() if who == "anonymous" else login(getattr(world, who))
    before = problem_rows(world.project_a)
    response = client.post(
        raise_url(world.project_a),
        {"kind": "land", "description": f"{who}提出的问题", "leader": world.leader.pk},
    )
    assert response.status_code == status
    created = Problem.objects.filter(description=f"{who}提出的问题")
    if who in ("operator_a", "office"):
        assert response["Location"] == f"/projects/{world.project_a.pk}/"
        assert created.get().leader == world.leader
    else:
        assert not created.exists() and problem_rows(world.project_a) == before
        if who == "anonymous":
            assert "/accounts/login/" in response["Location"]
