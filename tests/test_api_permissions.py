"""Permission matrix for every API endpoint (Saleor style).

Actors: anonymous, the other district's operator, the own district's operator, the
office admin, the own district's viewer, and the project's 包保 leader (a city leader:
he reads the city, as a viewer of it, and changes nothing but his projects' problems). An object outside a caller's scope answers
404 exactly like a missing one; a caller who may read but not write gets 403; and a
refused write changes nothing in the database.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from gongjian.projects.models import (
    Problem,
    ProgressReport,
    Project,
    StageTransition,
)
from gongjian.units.models import ApiToken
from tests.factories import CityWorld, build_city_world, build_indicator_world

pytestmark = pytest.mark.django_db

JSON = "application/json"
ACTORS = ["anonymous", "operator_b", "operator_a", "office", "viewer_a", "leader"]


@pytest.fixture
def world() -> CityWorld:
    return build_city_world()


@pytest.fixture
def indicators(world):
    return build_indicator_world(world)


def client_for(world: CityWorld, actor: str) -> Client:
    client = Client()
    if actor != "anonymous":
        client.force_login(getattr(world, actor))
    return client


def snapshot() -> dict[str, Any]:
    """Everything a write endpoint could touch, history included."""
    return {
        "projects": list(Project.objects.order_by("pk").values()),
        "project_tags": list(Project.tags.through.objects.order_by("pk").values()),
        "project_batches": list(Project.batches.through.objects.order_by("pk").values()),
        "transitions": list(StageTransition.objects.order_by("pk").values()),
        "reports": list(ProgressReport.objects.order_by("pk").values()),
        "problems": list(Problem.objects.order_by("pk").values()),
        "history": (
            Project.history.count(),
            ProgressReport.history.count(),
            Problem.history.count(),
        ),
        "tokens": list(ApiToken.objects.order_by("pk").values()),
    }


# --- reads -------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    name: str
    url: str  # formatted with the world and indicator world
    expected: dict[str, int]


OWN_READ = {
    "anonymous": 401,
    "operator_b": 404,
    "operator_a": 200,
    "office": 200,
    "viewer_a": 200,
    "leader": 200,
}
UNIT_READ = OWN_READ  # a city leader reads his city's units, figures and rankings

READS = [
    Read("unit_detail", "/api/units/{w.district_a.pk}", UNIT_READ),
    Read("project_detail", "/api/projects/{w.project_a.pk}", OWN_READ),
    Read("project_reports", "/api/projects/{w.project_a.pk}/reports", OWN_READ),
    Read(
        "indicator_value",
        "/api/indicators/{i.started.code}?unit={w.district_a.pk}&year={w.year}",
        UNIT_READ,
    ),
    Read("kpi", "/api/kpi?unit={w.district_a.pk}&year={w.year}", UNIT_READ),
    # a ranking is published to everyone whose scope lies in the competing units' tree
    Read(
        "ranking", "/api/rankings/{i.scheme.code}?year={w.year}", {**UNIT_READ, "operator_b": 200}
    ),
    Read("indicator_list", "/api/indicators", {**{a: 200 for a in ACTORS}, "anonymous": 401}),
    Read("unit_list", "/api/units", {**{a: 200 for a in ACTORS}, "anonymous": 401}),
    Read("project_list", "/api/projects", {**{a: 200 for a in ACTORS}, "anonymous": 401}),
    Read("report_list", "/api/reports", {**{a: 200 for a in ACTORS}, "anonymous": 401}),
    Read("problem_list", "/api/problems", {**{a: 200 for a in ACTORS}, "anonymous": 401}),
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("read", READS, ids=lambda r: r.name)
def test_read_matrix(world, indicators, read, actor):
    client = client_for(world, actor)
    before = snapshot()
    response = client.get(read.url.format(w=world, i=indicators))
    assert response.status_code == read.expected[actor], response.content
    if response.status_code == 404:
        assert response.json() == {"detail": "未找到"}
    if response.status_code == 401:
        assert response.json() == {"detail": "未登录,或 API 令牌无效、已撤销"}
    assert snapshot()["projects"] == before["projects"]


def test_404_outside_scope_is_the_same_as_missing(world):
    client = client_for(world, "operator_b")
    for url in (
        f"/api/projects/{world.project_a.pk}",
        "/api/projects/987654321",
        f"/api/units/{world.district_a.pk}",
        "/api/units/987654321",
    ):
        response = client.get(url)
        assert (response.status_code, response.json()) == (404, {"detail": "未找到"}), url


# Which of the world's rows each actor finds in each list.
SEES_A = {"operator_b": False, "operator_a": True, "office": True, "viewer_a": True, "leader": True}
SEES_B = {
    "operator_b": True,
    "operator_a": False,
    "office": True,
    "viewer_a": False,
    "leader": True,  # the city leader reads the whole city
}


def listed(client: Client, url: str, **params) -> set[int]:
    response = client.get(url, {"page_size": 500, **params})
    assert response.status_code == 200
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    return {item["id"] for item in items}


@pytest.mark.parametrize("actor", [a for a in ACTORS if a != "anonymous"])
def test_lists_are_scoped(world, actor):
    client = client_for(world, actor)
    # narrowed to this test's city, so rows the demo may have loaded stay out of the page
    projects = listed(client, "/api/projects", unit=world.city.pk)
    reports = listed(client, "/api/reports", unit=world.city.pk)
    problems = listed(client, "/api/problems", unit=world.city.pk)
    assert (world.project_a.pk in projects) is SEES_A[actor]
    assert (world.project_b.pk in projects) is SEES_B[actor]
    assert (world.report_a.pk in reports) is SEES_A[actor]
    assert (world.problem_a.pk in problems) is SEES_A[actor]
    assert (world.problem_b.pk in problems) is SEES_B[actor]

    units = listed(client, "/api/units")
    sees_unit_a = SEES_A[actor]
    sees_unit_b = SEES_B[actor]
    assert (world.district_a.pk in units) is sees_unit_a
    assert (world.district_b.pk in units) is sees_unit_b
    assert (world.city.pk in units) is (actor in ("office", "leader"))

    # a filter never widens the scope
    if actor != "office":
        assert listed(client, "/api/projects") == projects
    if not SEES_B[actor]:
        assert listed(client, "/api/projects", unit=world.district_b.code) == set()
        assert listed(client, "/api/problems", unit=world.district_b.pk) == set()
        assert listed(client, "/api/reports", unit=world.district_b.pk) == set()


# --- writes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    name: str
    method: str
    url: str
    body: dict
    expected: dict[str, int]


OWN_WRITE = {
    "anonymous": 401,
    "operator_b": 404,
    "operator_a": 200,
    "office": 200,
    "viewer_a": 403,
    "leader": 403,
}


def created(expected: dict[str, int]) -> dict[str, int]:
    return {actor: 201 if status == 200 else status for actor, status in expected.items()}


WRITES = [
    # the unit in the body is outside the caller's scope: refused like a missing unit (422)
    Write(
        "project_create",
        "post",
        "/api/projects",
        {
            "code": "MATRIX-1",
            "name": "矩阵测试项目",
            "unit_id": "{w.district_a.pk}",
            "category": "industry",
            "total_investment": 100_000_000,
        },
        # a reader of the unit (viewer, leader) is refused the write (403)
        {**created(OWN_WRITE), "operator_b": 422},
    ),
    Write(
        "project_update",
        "patch",
        "/api/projects/{w.project_a.pk}",
        {"name": "改名测试", "expected_version": 3},
        OWN_WRITE,
    ),
    Write(
        "project_transition",
        "post",
        "/api/projects/{w.project_a.pk}/transitions",
        {"stage": "completed", "occurred_on": "{w.year}-10-01"},
        created(OWN_WRITE),
    ),
    Write(
        "report_submit",
        "post",
        "/api/projects/{w.project_a.pk}/reports",
        {
            "period_start": "{w.year}-05-01",
            "period_end": "{w.year}-05-31",
            "investment_this_period": 5_000_000,
        },
        created(OWN_WRITE),
    ),
    Write(
        "problem_create",
        "post",
        "/api/projects/{w.project_a.pk}/problems",
        {"kind": "funds", "description": "资金未到位", "raised_on": "{w.year}-06-01"},
        created(OWN_WRITE),
    ),
    # the 包保 leader clears his projects' problems
    Write(
        "problem_transition",
        "post",
        "/api/problems/{w.problem_a.pk}/transition",
        {"status": "assigned", "on_date": "{w.year}-06-01", "comment": "交办"},
        {**OWN_WRITE, "leader": 200},
    ),
]


def _format(value, world):
    if isinstance(value, str):
        text = value.format(w=world)
        return int(text) if value.endswith(".pk}") else text
    return value


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_write_matrix(world, write, actor):
    client = client_for(world, actor)
    body = {key: _format(value, world) for key, value in write.body.items()}
    before = snapshot()
    response = getattr(client, write.method)(write.url.format(w=world), body, content_type=JSON)
    expected = write.expected[actor]
    assert response.status_code == expected, response.content
    after = snapshot()
    if expected < 300:
        assert after != before
    else:
        assert after == before, f"a refused {write.name} by {actor} changed the database"
        detail = response.json()["detail"]
        assert detail  # a message, in Chinese
        text = " ".join(detail) if isinstance(detail, list) else detail
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text


@pytest.mark.parametrize("actor", ["operator_b", "viewer_a", "leader", "operator_a"])
def test_problem_verification_needs_the_leader_or_a_superior(world, actor):
    """销号 (verify) is for the 包保 leader or the unit above the project's unit."""
    problem = world.problem_a
    office = client_for(world, "office")
    for status in ("assigned", "resolved"):
        response = office.post(
            f"/api/problems/{problem.pk}/transition",
            {"status": status, "on_date": f"{world.year}-06-01"},
            content_type=JSON,
        )
        assert response.status_code == 200
    before = snapshot()
    response = client_for(world, actor).post(
        f"/api/problems/{problem.pk}/transition",
        {"status": "verified", "on_date": f"{world.year}-06-02"},
        content_type=JSON,
    )
    expected = {"operator_b": 404, "viewer_a": 403, "leader": 200, "operator_a": 403}[actor]
    assert response.status_code == expected, response.content
    if expected != 200:
        assert snapshot() == before
    else:
        assert Problem.objects.get(pk=problem.pk).status == Problem.Status.VERIFIED


def test_token_user_has_the_same_scope(world):
    from tests.factories import api_key

    _, key = api_key(world.operator_b)
    client = Client()
    before = snapshot()
    response = client.patch(
        f"/api/projects/{world.project_a.pk}",
        {"name": "越权"},
        content_type=JSON,
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 404
    after = snapshot()
    after.pop("tokens"), before.pop("tokens")  # last_used_at moves, nothing else
    assert after == before
