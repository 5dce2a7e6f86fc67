"""The JSON API: lists, filters, paging, details, writes and their errors, auth, schema.

Every test builds its own small city (tests.factories.build_city_world) and asserts
only about its own units, so rows other tests or the demo may have loaded do not
matter.
"""

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongjian.indicators.engine import Period, evaluate
from gongjian.projects.models import Problem, ProgressReport, Project, Stage, StageTransition
from gongjian.units.models import ApiToken, Role
from gongjian.units.services import api_token_revoke
from tests.factories import (
    ProjectFactory,
    TagFactory,
    UnitFactory,
    api_key,
    build_city_world,
    build_indicator_world,
    member,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
JSON = "application/json"


@pytest.fixture
def world():
    return build_city_world()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def office(world) -> Client:
    return login(world.office)


@pytest.fixture
def operator_a(world) -> Client:
    return login(world.operator_a)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def is_chinese_error(response, status: int = 422) -> list[str]:
    """The response is ``status`` with Chinese messages; returns them."""
    assert response.status_code == status, response.content
    detail = response.json()["detail"]
    messages = detail if isinstance(detail, list) else [detail]
    assert messages and all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages), messages
    return messages


def project_state(project: Project) -> dict:
    return {
        "row": Project.objects.filter(pk=project.pk).values().get(),
        "transitions": list(StageTransition.objects.filter(project=project).values()),
        "reports": list(ProgressReport.objects.filter(project=project).values()),
        "problems": list(Problem.objects.filter(project=project).values()),
        "history": Project.history.filter(id=project.pk).count(),
        "tags": sorted(project.tags.values_list("pk", flat=True)),
    }


# --- units -------------------------------------------------------------------------


def test_units_list_and_detail(world, office):
    units = {u["id"]: u for u in office.get("/api/units").json()}
    assert units[world.city.pk] == {
        "id": world.city.pk,
        "name": "测试市",
        "code": world.city.code,
        "kind": "city",
        "kind_label": "市",
        "parent_id": None,
        "depth": 0,
    }
    assert units[world.district_a.pk]["parent_id"] == world.city.pk
    assert units[world.district_a.pk]["depth"] == 1

    response = office.get(f"/api/units/{world.district_b.pk}")
    assert response.status_code == 200
    assert response.json()["name"] == "乙区"
    assert office.get("/api/units/987654321").status_code == 404


# --- project list ------------------------------------------------------------------


def test_project_list_item_fields(world, office):
    response = office.get("/api/projects", {"unit": world.district_a.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"] == [
        {
            "id": world.project_a.pk,
            "code": world.project_a.code,
            "national_code": None,
            "name": "甲区新材料产业园",
            "unit": {"id": world.district_a.pk, "name": "甲区"},
            "category": "industry",
            "category_label": "工业",
            "stage": "started",
            "stage_label": "开工",
            "total_investment": 300_000_000,
            "planned_investment": 100_000_000,
            "completed_investment": 10_000_000,
            "tags": [world.tag.slug],
            "leader_name": "王包保",
        }
    ]


def test_project_list_rows_match_the_schema_of_the_project(world, office):
    """The list builds its rows as dicts from ``.values()``; each must equal what
    ``ProjectItem``'s fields of the project give through the schema's resolvers (the
    detail), on mixed rows: several tags, no leader, a leader without a full name."""
    from gongjian.projects.schemas import ProjectItem

    nameless = member(world.city, Role.LEADER, full_name="")
    ProjectFactory(unit=world.district_b, leader=nameless, tags=[TagFactory(), world.tag])
    ProjectFactory(unit=world.district_a, category="commerce", tags=[TagFactory(), TagFactory()])
    ProjectFactory(unit=world.district_a, leader=world.leader, stage_events=[])
    pages = [
        office.get("/api/projects", {"unit": world.city.pk, "page_size": 2, "page": page}).json()
        for page in (1, 2, 3)
    ]
    assert [page["count"] for page in pages] == [5, 5, 5]
    items = [item for page in pages for item in page["items"]]
    assert len(items) == 5
    seen_leaders = set()
    for item in items:
        detail = office.get(f"/api/projects/{item['id']}").json()
        assert item == {field: detail[field] for field in ProjectItem.model_fields}
        assert list(item) == list(ProjectItem.model_fields)
        seen_leaders.add(item["leader_name"])
    assert {None, nameless.username, "王包保"} <= seen_leaders
    assert any(len(item["tags"]) == 2 for item in items)


def test_project_list_has_no_n_plus_one(world, office):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = office.get("/api/projects", {"unit": world.city.pk})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    before = count_queries()
    leader = member(world.city, Role.LEADER)
    for _ in range(5):
        ProjectFactory(unit=world.district_b, leader=leader, tags=[TagFactory(), world.tag])
    assert office.get("/api/projects", {"unit": world.city.pk}).json()["count"] == 7
    assert count_queries() == before
    # session, user, memberships, unit filter, count, page, tags, leaders' names
    assert before <= 8


@pytest.mark.parametrize("url", ["/api/reports", "/api/problems"])
def test_report_and_problem_lists_have_no_n_plus_one(world, operator_a, url):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = operator_a.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    before = count_queries()
    for month in (5, 6, 7):
        operator_a.post(
            f"/api/projects/{world.project_a.pk}/reports",
            {
                "period_start": f"{world.year}-{month:02d}-01",
                "period_end": Period.month(world.year, month).end.isoformat(),
                "investment_this_period": 1_000_000,
            },
            content_type=JSON,
        )
        operator_a.post(
            f"/api/projects/{world.project_a.pk}/problems",
            {
                "kind": "land",
                "description": f"问题{month}",
                "raised_on": f"{world.year}-{month:02d}-01",
                "owner_unit_id": world.district_a.pk,
            },
            content_type=JSON,
        )
    assert operator_a.get(url).json()["count"] == 4
    assert count_queries() == before


def test_project_filter_reads_a_page_querydict(world):
    from django.http import QueryDict

    from gongjian.projects.filters import ProjectFilter

    filters = ProjectFilter.from_querydict(
        QueryDict(
            "unit=&stage=started&stage=planned&tag=&min_amount=100000000&q=%E7%94%B2&ordering=-total_investment"
        )
    )
    assert filters.unit is None and filters.tag is None
    assert filters.stage == ["started", "planned"]
    assert filters.min_amount == 100_000_000
    found = filters.apply(Project.objects.filter(unit__path__startswith=world.city.path))
    assert list(found) == [world.project_a]


@pytest.mark.parametrize("unit_ref", ["id", "code", "name"])
def test_filter_unit_means_subtree(world, office, unit_ref):
    zone = UnitFactory(name="甲区工业园", parent=world.district_a, kind="zone")
    in_zone = ProjectFactory(unit=zone)
    ref = {"id": world.district_a.pk, "code": world.district_a.code, "name": "甲区"}[unit_ref]
    assert sorted(ids(office.get("/api/projects", {"unit": ref}))) == sorted(
        [world.project_a.pk, in_zone.pk]
    )
    assert ids(office.get("/api/projects", {"unit": zone.pk})) == [in_zone.pk]
    city = set(ids(office.get("/api/projects", {"unit": world.city.code})))
    assert city == {world.project_a.pk, world.project_b.pk, in_zone.pk}


def test_filter_unknown_unit_matches_nothing(world, office):
    assert ids(office.get("/api/projects", {"unit": "没有这个区"})) == []
    assert ids(office.get("/api/projects", {"unit": 987654321})) == []


def test_filters(world, office):
    year = world.year
    other_tag = TagFactory()
    planned = ProjectFactory(
        unit=world.district_b,
        name="乙区谋划项目",
        total_investment=100_000_000,
        category="infrastructure",
        tags=[world.tag, other_tag],
    )
    landed = ProjectFactory(
        unit=world.district_b,
        code="LANDED-1",
        total_investment=99_999_999,
        enterprise_name="锦程科技股份有限公司",
        batches=[world.batch],
        stage_events=[(Stage.SIGNED, dt.date(year, 1, 5)), (Stage.LANDED, dt.date(year, 2, 5))],
    )

    def found(**params) -> set[int]:
        return set(ids(office.get("/api/projects", {"unit": world.city.pk, **params})))

    a, b = world.project_a.pk, world.project_b.pk
    assert found(stage="planned") == {planned.pk}
    assert found(stage=["planned", "landed"]) == {planned.pk, landed.pk}
    assert found(stage="started") == {a, b}
    assert found(category="commerce") == {b}
    assert found(tag=world.tag.slug) == {a, planned.pk}
    assert found(tag=[world.tag.slug, other_tag.slug]) == {planned.pk}
    assert found(tag="no-such-tag") == set()
    assert found(batch=world.batch.code) == {a, landed.pk}
    # min inclusive, max exclusive, integer 元
    assert found(min_amount=100_000_000) == {a, planned.pk}
    assert found(max_amount=100_000_000) == {b, landed.pk}
    assert found(min_amount=99_999_999, max_amount=100_000_001) == {landed.pk, planned.pk}
    assert found(q="物流") == {b}
    assert found(q="landed-") == {landed.pk}
    assert found(q="锦程科技") == {landed.pk}
    assert found(q="甲区", stage="started", category="industry", min_amount=1) == {a}


def test_filter_errors_are_chinese_422(world, office):
    response = office.get(
        "/api/projects", {"stage": "bogus", "min_amount": "很多", "ordering": "random"}
    )
    messages = is_chinese_error(response)
    assert any(m.startswith("min_amount: 须为整数") for m in messages)
    assert any("stage" in m and "planned" in m for m in messages)
    assert any(m.startswith("ordering:") for m in messages)
    assert is_chinese_error(office.get("/api/projects", {"min_amount": -1}))


def test_ordering(world, office):
    extra = [
        ProjectFactory(unit=world.district_b, code="ZZ-1", name="A 丙项目", total_investment=5),
        ProjectFactory(
            unit=world.district_a,
            code="AA-1",
            name="C 丁项目",
            total_investment=900_000_000,
            stage_events=[(Stage.SIGNED, dt.date(world.year, 1, 2))],
        ),
    ]
    a, b = world.project_a.pk, world.project_b.pk
    z, aa = extra[0].pk, extra[1].pk

    def order(ordering: str) -> list[int]:
        return ids(office.get("/api/projects", {"unit": world.city.pk, "ordering": ordering}))

    by_code = sorted([world.project_a, world.project_b, *extra], key=lambda p: p.code)
    assert order("code") == [p.pk for p in by_code]
    assert order("total_investment") == [z, b, a, aa]
    assert order("-total_investment") == [aa, a, b, z]
    # 谋划 < 签约 < 开工; ties by code
    started = sorted([world.project_a, world.project_b], key=lambda p: p.code)
    assert order("stage") == [z, aa, *(p.pk for p in started)]
    # 甲区 (sort_order 1) before 乙区 (2), then by code
    everything = Project.objects.filter(pk__in=[a, b, z, aa]).select_related("unit")
    assert order("unit") == [
        p.pk for p in sorted(everything, key=lambda p: (p.unit.sort_order, p.unit_id, p.code))
    ]
    names = order("name")
    assert names.index(z) < names.index(aa)


def test_paging(world, office):
    for _ in range(53):
        ProjectFactory(unit=world.district_b)
    first = office.get("/api/projects", {"unit": world.city.pk}).json()
    assert first["count"] == 55
    assert len(first["items"]) == 50
    second = office.get("/api/projects", {"unit": world.city.pk, "page": 2}).json()
    assert len(second["items"]) == 5
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    small = office.get("/api/projects", {"unit": world.city.pk, "page_size": 20, "page": 3}).json()
    assert len(small["items"]) == 15
    assert (
        len(
            office.get("/api/projects", {"unit": world.city.pk, "page_size": 100000}).json()[
                "items"
            ]
        )
        == 55
    )
    assert office.get("/api/projects", {"page": 0}).status_code == 422


# --- project detail ----------------------------------------------------------------


def test_project_detail(world, office):
    body = office.get(f"/api/projects/{world.project_a.pk}").json()
    assert body["id"] == world.project_a.pk
    assert body["leader"] == {"id": world.leader.pk, "name": "王包保"}
    assert body["enterprise_name"] == "甲区新材料有限公司"
    assert body["signed_on"] == f"{world.year}-03-01"
    assert body["started_on"] == f"{world.year}-04-10"
    assert body["landed_on"] is None
    assert body["first_event_on"] == f"{world.year}-03-01"
    assert body["tags"] == [world.tag.slug]
    assert body["batches"] == [
        {
            "code": world.batch.code,
            "name": world.batch.name,
            "kind": "collective_start",
            "year": world.year,
            "held_on": None,
        }
    ]
    assert body["version"] == world.project_a.version == 3
    assert body["transitions"] == [
        {
            "stage": "signed",
            "stage_label": "签约",
            "occurred_on": f"{world.year}-03-01",
            "note": "",
        },
        {
            "stage": "started",
            "stage_label": "开工",
            "occurred_on": f"{world.year}-04-10",
            "note": "",
        },
    ]
    assert body["created_at"].endswith("+08:00")
    assert office.get("/api/projects/987654321").status_code == 404
    assert is_chinese_error(office.get("/api/projects/abc")) == ["project_id: 须为整数"]


# --- project writes ----------------------------------------------------------------


def new_project_body(world, **overrides) -> dict:
    body = {
        "code": "API-NEW-1",
        "name": "甲区新建智能制造项目",
        "unit_id": world.district_a.pk,
        "category": "industry",
        "total_investment": 150_000_000,
        "planned_investment": 30_000_000,
        "enterprise_name": "甲区智造有限公司",
        "leader_id": world.leader.pk,
        "responsible_unit_id": world.city.pk,
        "tags": [world.tag.slug],
        "batches": [world.batch.code],
        "latitude": 41.1234,
        "longitude": 121.5,
        "stage_events": [
            {"stage": "signed", "occurred_on": f"{world.year}-06-01"},
            {"stage": "landed", "occurred_on": f"{world.year}-07-01"},
        ],
    }
    body.update(overrides)
    return body


def test_project_create(world, operator_a):
    response = operator_a.post("/api/projects", new_project_body(world), content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    project = Project.objects.get(code="API-NEW-1")
    assert body["id"] == project.pk
    assert body["stage"] == "landed" and body["landed_on"] == f"{world.year}-07-01"
    assert [t["stage"] for t in body["transitions"]] == ["signed", "landed"]
    assert body["responsible_unit"] == {"id": world.city.pk, "name": "测试市"}
    assert body["latitude"] == 41.1234
    assert project.unit == world.district_a and project.leader == world.leader
    assert project.history.earliest().history_user == world.operator_a


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"total_investment": -1}, "total_investment: "),
        ({"code": "DUPLICATE"}, "已存在"),
        ({"tags": ["no-such-tag"]}, "标签“no-such-tag”不存在"),
        ({"batches": ["no-such-batch"]}, "批次“no-such-batch”不存在"),
        ({"unit_id": 987654321}, "所属单位“987654321”不存在"),
        ({"leader_id": 987654321}, "用户“987654321”不存在"),
        ({"category": "spaceport"}, "category: 须为以下之一:industry、"),
        ({"total_investment": "一亿"}, "total_investment: 须为整数"),
        ({"total_investment": 1.5}, "total_investment: 须为整数"),
        ({"name": None}, "name: 须为文本"),
        ({"colour": "red"}, "colour: 不允许的字段"),
        ({"stage_events": [{"stage": "signed", "occurred_on": "2999-01-01"}]}, "晚于今天"),
        (
            {
                "stage_events": [
                    {"stage": "started", "occurred_on": "2020-05-01"},
                    {"stage": "signed", "occurred_on": "2020-06-01"},
                ]
            },
            "阶段只能向前推进",
        ),
        ({"stage_events": [{"stage": "signed", "occurred_on": "去年"}]}, "须为日期"),
    ],
)
def test_project_create_errors_change_nothing(world, operator_a, overrides, expected):
    ProjectFactory(unit=world.district_a, code="DUPLICATE")
    before = Project.objects.count(), StageTransition.objects.count()
    body = new_project_body(world, **overrides)
    if "code" not in overrides:
        body["code"] = "API-BAD-1"
    response = operator_a.post("/api/projects", body, content_type=JSON)
    messages = is_chinese_error(response)
    assert any(expected in m for m in messages), messages
    assert (Project.objects.count(), StageTransition.objects.count()) == before
    assert not Project.objects.filter(code="API-BAD-1").exists()


def test_project_create_missing_fields(world, operator_a):
    response = operator_a.post("/api/projects", {"name": "只有名称"}, content_type=JSON)
    messages = is_chinese_error(response)
    assert {"code: 必填", "unit_id: 必填", "category: 必填", "total_investment: 必填"} <= set(
        messages
    )
    response = operator_a.post("/api/projects", "{not json", content_type=JSON)
    assert is_chinese_error(response, 400) == ["请求体无法解析,须为有效的 JSON"]


def test_project_update(world, operator_a):
    response = operator_a.patch(
        f"/api/projects/{world.project_a.pk}",
        {"name": "甲区新材料产业园(二期)", "total_investment": 350_000_000, "expected_version": 3},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "甲区新材料产业园(二期)"
    assert body["version"] == 4
    world.project_a.refresh_from_db()
    assert world.project_a.total_investment == 350_000_000
    assert world.project_a.history.latest().history_user == world.operator_a
    # naming no version is refused (428) and changes nothing: it would save over others
    before = project_state(world.project_a)
    response = operator_a.patch(
        f"/api/projects/{world.project_a.pk}", {"leader_id": None}, content_type=JSON
    )
    assert response.status_code == 428
    assert (
        "If-Match" in response.json()["detail"] and "expected_version" in response.json()["detail"]
    )
    assert project_state(world.project_a) == before
    # If-Match: * saves over any version, knowingly
    response = operator_a.patch(
        f"/api/projects/{world.project_a.pk}",
        {"leader_id": None},
        content_type=JSON,
        headers={"If-Match": "*"},
    )
    assert response.status_code == 200
    assert response.json()["leader"] is None and response.json()["version"] == 5


def test_project_update_stale_version_is_409_and_changes_nothing(world, operator_a):
    before = project_state(world.project_a)
    response = operator_a.patch(
        f"/api/projects/{world.project_a.pk}",
        {"name": "别人的旧版本", "expected_version": 1},
        content_type=JSON,
    )
    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == 3
    assert body["detail"].startswith("此项目已被") and "以下字段与您打开时不同" in body["detail"]
    assert project_state(world.project_a) == before


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"stage": "completed"}, "stage: 不允许的字段"),
        ({"code": "NEW-CODE"}, "code: 不允许的字段"),
        ({"unit_id": None}, "所属单位不能为空"),
        ({}, "没有要修改的字段"),
        ({"total_investment": -5}, "total_investment"),
        ({"latitude": 123}, "latitude"),
        ({"unit_id": 987654321}, "所属单位“987654321”不存在"),
    ],
)
def test_project_update_errors_change_nothing(world, operator_a, body, expected):
    before = project_state(world.project_a)
    response = operator_a.patch(
        f"/api/projects/{world.project_a.pk}", {**body, "expected_version": 3}, content_type=JSON
    )
    assert response.status_code == 422, response.content
    assert any(expected in m for m in response.json()["detail"]), response.json()
    assert project_state(world.project_a) == before


def test_project_move_to_unit_outside_write_scope_is_refused(world, operator_a):
    before = project_state(world.project_a)
    response = operator_a.patch(
        f"/api/projects/{world.project_a.pk}",
        {"unit_id": world.district_b.pk, "expected_version": 3},
        content_type=JSON,
    )
    # 乙区 is not even visible to 甲区's operator: reported like a missing unit
    assert response.status_code == 422
    assert project_state(world.project_a) == before


def test_transition(world, operator_a):
    url = f"/api/projects/{world.project_a.pk}/transitions"
    response = operator_a.post(
        url,
        {"stage": "completed", "occurred_on": f"{world.year}-11-30", "note": "主体完工"},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stage"] == "completed" and body["stage_label"] == "竣工"
    assert body["completed_on"] == f"{world.year}-11-30"
    assert body["version"] == 4
    assert body["transitions"][-1] == {
        "stage": "completed",
        "stage_label": "竣工",
        "occurred_on": f"{world.year}-11-30",
        "note": "主体完工",
    }
    assert (
        StageTransition.objects.get(project=world.project_a, stage="completed").recorded_by
        == world.operator_a
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"stage": "signed", "occurred_on": "{year}-12-01"}, "阶段只能向前推进"),
        ({"stage": "started", "occurred_on": "{year}-12-01"}, "项目已处于“开工”阶段"),
        ({"stage": "completed", "occurred_on": "{year}-01-01"}, "早于上一阶段"),
        ({"stage": "completed", "occurred_on": "2999-01-01"}, "晚于今天"),
        ({"stage": "resumed", "occurred_on": "{year}-12-01"}, "复工只适用于往年已开工"),
        ({"stage": "demolished", "occurred_on": "{year}-12-01"}, "stage: 须为以下之一"),
        ({"stage": "completed"}, "occurred_on: 必填"),
        (
            {"stage": "completed", "occurred_on": "{year}-12-01", "note": "长" * 201},
            "note: 不能超过 200 个字符",
        ),
    ],
)
def test_transition_errors_change_nothing(world, operator_a, body, expected):
    body = {k: v.format(year=world.year) if isinstance(v, str) else v for k, v in body.items()}
    before = project_state(world.project_a)
    response = operator_a.post(
        f"/api/projects/{world.project_a.pk}/transitions", body, content_type=JSON
    )
    messages = is_chinese_error(response)
    assert any(expected in m for m in messages), messages
    assert project_state(world.project_a) == before


# --- progress reports --------------------------------------------------------------


def test_project_reports(world, operator_a):
    url = f"/api/projects/{world.project_a.pk}/reports"
    response = operator_a.post(
        url,
        {
            "period_start": f"{world.year}-05-01",
            "period_end": f"{world.year}-05-31",
            "investment_this_period": 20_000_000,
            "progress_text": "钢结构吊装",
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["cumulative_investment"] == 30_000_000
    assert body["submitted_by_name"] == "甲区填报员"
    assert body["project"] == {
        "id": world.project_a.pk,
        "code": world.project_a.code,
        "name": "甲区新材料产业园",
    }
    listed = operator_a.get(url).json()
    assert [r["period_start"] for r in listed] == [f"{world.year}-04-01", f"{world.year}-05-01"]
    world.project_a.refresh_from_db()
    assert world.project_a.completed_investment == 30_000_000


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"investment_this_period": 400_000_000}, "超过总投资"),
        ({"investment_this_period": -1}, "investment_this_period"),
        ({"period_end": "{year}-04-01"}, "早于开始日期"),
        ({"investment_this_period": 12.5}, "须为整数"),
    ],
)
def test_report_errors_change_nothing(world, operator_a, body, expected):
    payload = {
        "period_start": f"{world.year}-05-01",
        "period_end": f"{world.year}-05-31",
        "investment_this_period": 1_000_000,
    }
    payload.update(
        {k: v.format(year=world.year) if isinstance(v, str) else v for k, v in body.items()}
    )
    before = project_state(world.project_a)
    response = operator_a.post(
        f"/api/projects/{world.project_a.pk}/reports", payload, content_type=JSON
    )
    messages = is_chinese_error(response)
    assert any(expected in m for m in messages), messages
    assert project_state(world.project_a) == before


def test_report_list_filters(world, office):
    later = office.post(
        f"/api/projects/{world.project_b.pk}/reports",
        {
            "period_start": f"{world.year}-06-01",
            "period_end": f"{world.year}-06-30",
            "investment_this_period": 1_000_000,
        },
        content_type=JSON,
    )
    assert later.status_code == 201
    b_report = later.json()["id"]

    def found(**params) -> list[int]:
        return ids(office.get("/api/reports", {"unit": world.city.pk, **params}))

    assert found() == [b_report, world.report_a.pk]  # latest period first
    assert found(unit=world.district_a.code) == [world.report_a.pk]
    assert found(period_start=f"{world.year}-05-01") == [b_report]
    assert found(period_end=f"{world.year}-05-31") == [world.report_a.pk]
    assert found(period_start=f"{world.year}-04-30", period_end=f"{world.year}-04-30") == [
        world.report_a.pk
    ]
    assert found(project=world.project_b.pk) == [b_report]


# --- problems ----------------------------------------------------------------------


def test_problem_list_filters(world, office):
    def found(**params) -> set[int]:
        return set(ids(office.get("/api/problems", {"unit": world.city.pk, **params})))

    a, b = world.problem_a.pk, world.problem_b.pk
    assert found() == {a, b}
    assert found(unit=world.district_b.pk) == {b}
    assert found(overdue="true") == {a}
    assert found(overdue="false") == {b}
    assert found(status="open") == {a, b}
    assert found(status=["assigned", "resolved"]) == set()
    item = office.get("/api/problems", {"unit": world.district_a.pk}).json()["items"][0]
    assert item["overdue"] is True
    assert item["leader_name"] == "王包保"
    assert item["status_label"] == "待交办"


def test_problem_create_and_flow(world, operator_a, office):
    response = operator_a.post(
        f"/api/projects/{world.project_a.pk}/problems",
        {
            "kind": "funds",
            "description": "配套资金缺口 2000 万元",
            "raised_on": f"{world.year}-06-01",
            "deadline": f"{world.year}-07-01",
            "owner_unit_id": world.city.pk,
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    problem = response.json()
    assert problem["kind_label"] == "资金"
    assert problem["owner_unit"] == {"id": world.city.pk, "name": "测试市"}
    assert problem["leader_name"] == "王包保"  # the project's 包保 leader by default

    url = f"/api/problems/{problem['id']}/transition"
    for status in ("assigned", "resolved"):
        response = operator_a.post(
            url,
            {"status": status, "on_date": f"{world.year}-06-20", "comment": "已协调"},
            content_type=JSON,
        )
        assert response.status_code == 200, response.content
        assert response.json()["status"] == status
    assert response.json()["resolved_on"] == f"{world.year}-06-20"
    assert "已协调" in response.json()["resolution"]

    # 销号 belongs to the 包保 leader or the superior unit, not the district itself
    before = Problem.objects.filter(pk=problem["id"]).values().get()
    denied = operator_a.post(
        url, {"status": "verified", "on_date": f"{world.year}-06-21"}, content_type=JSON
    )
    assert is_chinese_error(denied, 403) == ["只有包保领导或上级单位可以销号"]
    assert Problem.objects.filter(pk=problem["id"]).values().get() == before

    done = office.post(
        url, {"status": "verified", "on_date": f"{world.year}-06-21"}, content_type=JSON
    )
    assert done.status_code == 200 and done.json()["verified_on"] == f"{world.year}-06-21"


@pytest.mark.parametrize(
    ("url", "body", "expected"),
    [
        (
            "transition",
            {"status": "verified", "on_date": "{year}-06-01"},
            "问题不能从“待交办”变为“已销号”",
        ),
        ("transition", {"status": "closed", "on_date": "{year}-06-01"}, "status: 须为以下之一"),
        (
            "create",
            {
                "kind": "land",
                "description": "x",
                "raised_on": "{year}-06-01",
                "deadline": "{year}-05-01",
            },
            "早于提出日期",
        ),
        (
            "create",
            {"kind": "weather", "description": "x", "raised_on": "{year}-06-01"},
            "kind: 须为以下之一",
        ),
        ("create", {"kind": "land", "raised_on": "{year}-06-01"}, "description: 必填"),
    ],
)
def test_problem_errors_change_nothing(world, operator_a, url, body, expected):
    body = {k: v.format(year=world.year) for k, v in body.items()}
    path = (
        f"/api/problems/{world.problem_a.pk}/transition"
        if url == "transition"
        else f"/api/projects/{world.project_a.pk}/problems"
    )
    before = project_state(world.project_a), Problem.history.count()
    messages = is_chinese_error(operator_a.post(path, body, content_type=JSON))
    assert any(expected in m for m in messages), messages
    assert (project_state(world.project_a), Problem.history.count()) == before


# --- indicators --------------------------------------------------------------------


@pytest.fixture
def indicators(world):
    return build_indicator_world(world)


def test_indicator_list(world, indicators, office):
    listed = {i["code"]: i for i in office.get("/api/indicators").json()}
    assert listed[indicators.started.code] == {
        "code": indicators.started.code,
        "name": "新开工工业项目",
        "kind": "computed",
        "kind_label": "计算指标",
        "display_unit": "个",
        "quote": "",
    }
    assert listed[indicators.half_year.code]["kind"] == "checkpoint"


def test_indicator_value_with_dotted_chinese_code(world, indicators, office):
    code = indicators.started.code
    assert "." in code and "工业" in code
    response = office.get(
        f"/api/indicators/{code}",
        {"unit": world.district_a.code, "year": world.year, "as_of": f"{world.year}-12-31"},
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "code": code,
        "name": "新开工工业项目",
        "kind": "computed",
        "display_unit": "个",
        "unit": {"id": world.district_a.pk, "name": "甲区"},
        "year": world.year,
        "as_of": f"{world.year}-12-31",
        "value": 1,
        "target": 2,
        "completion_rate": 0.5,
        "pro_rata": 1.0,
    }
    # the same number the engine gives
    assert evaluate(indicators.started, world.district_a, Period.year_to_date(world.year)) == 1
    # a percent-encoded code works too
    encoded = office.get(
        "/api/indicators/" + code.replace("工业", "%E5%B7%A5%E4%B8%9A"),
        {"unit": world.district_a.pk, "year": world.year},
    )
    assert encoded.json()["value"] == 1


def test_indicator_value_types(world, indicators, office):
    params = {"unit": world.district_a.pk, "year": world.year, "as_of": f"{world.year}-12-31"}

    def value(indicator):
        response = office.get(f"/api/indicators/{indicator.code}", params)
        assert response.status_code == 200, response.content
        return response.json()

    amount = value(indicators.amount)
    assert amount["value"] == 300_000_000 and isinstance(amount["value"], int)
    assert amount["target"] is None and amount["completion_rate"] is None
    assert value(indicators.reported)["value"] == 12.5
    # 甲区 started 1 industrial project of its target 2 by 30 June: 双过半 reached
    assert value(indicators.half_year)["value"] is True
    # 乙区 started none of its target 1 (its project is 商贸): not reached
    b_half = office.get(
        f"/api/indicators/{indicators.half_year.code}", {**params, "unit": world.district_b.pk}
    ).json()
    assert b_half["value"] is False
    none = office.get(
        f"/api/indicators/{indicators.half_year.code}", {**params, "unit": world.city.pk}
    ).json()
    assert none["value"] is None  # the city has no targets of its own


def test_indicator_value_defaults_and_errors(world, indicators, office, operator_a):
    code = indicators.started.code
    response = office.get(f"/api/indicators/{code}")
    assert response.status_code == 200
    body = response.json()
    assert body["unit"]["id"] == world.city.pk  # the top of the office's own scope
    assert body["year"] == timezone.localdate().year
    assert body["as_of"] == timezone.localdate().isoformat()
    # an operator's default is the top of their own scope
    assert operator_a.get(f"/api/indicators/{code}").json()["unit"]["id"] == world.district_a.pk
    past = office.get(f"/api/indicators/{code}", {"year": world.year, "unit": world.city.pk})
    assert past.json()["as_of"] == f"{world.year}-12-31"

    assert office.get("/api/indicators/no.such.indicator").status_code == 404
    assert office.get(f"/api/indicators/{code}", {"unit": "没有这个区"}).status_code == 404
    wrong_year = office.get(
        f"/api/indicators/{code}", {"year": world.year, "as_of": f"{world.year + 1}-01-05"}
    )
    assert any("不在" in m for m in is_chinese_error(wrong_year))


def test_kpi(world, indicators, office):
    response = office.get(
        "/api/kpi",
        {"unit": world.district_a.pk, "year": world.year, "as_of": f"{world.year}-12-31"},
    )
    assert response.status_code == 200
    values = response.json()
    assert values[indicators.started.code] == 1
    assert values[indicators.amount.code] == 300_000_000
    assert values[indicators.reported.code] == 12.5
    assert values[indicators.half_year.code] is True


def test_ranking(world, indicators, office):
    response = office.get(
        f"/api/rankings/{indicators.scheme.code}", {"as_of": f"{world.year}-06-30"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["year"] == world.year
    assert body["previous_as_of"] == f"{world.year}-05-30"
    # 甲区: 1 industrial project started of target 2 (50); 乙区: 0 of target 1 (0)
    assert [
        (row["unit"]["name"], row["score"], row["rank"], row["previous_rank"], row["movement"])
        for row in body["rows"]
    ] == [("甲区", 50.0, 1, 1, 0), ("乙区", 0.0, 2, 2, 0)]
    part = body["rows"][0]["parts"][indicators.started.code]
    assert part["value"] == 1 and part["target"] == 2 and part["rate"] == 0.5
    assert part["name"] == "新开工工业项目"

    january = office.get(
        f"/api/rankings/{indicators.scheme.code}", {"as_of": f"{world.year}-01-15"}
    ).json()
    assert january["previous_as_of"] is None
    assert all(row["previous_rank"] is None for row in january["rows"])
    assert office.get("/api/rankings/no-such-scheme").status_code == 404


# --- auth, encoding, schema ----------------------------------------------------------


def test_token_auth(world):
    token, key = api_key(world.operator_a)
    client = Client()
    assert token.last_used_at is None
    response = client.get(f"/api/projects/{world.project_a.pk}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    # writes with a token need no CSRF token
    response = client.post(
        f"/api/projects/{world.project_a.pk}/transitions",
        {"stage": "completed", "occurred_on": f"{world.year}-10-01"},
        content_type=JSON,
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 201
    assert (
        StageTransition.objects.get(project=world.project_a, stage="completed").recorded_by
        == world.operator_a
    )
    # the scope is the token owner's
    assert (
        client.get(
            f"/api/projects/{world.project_b.pk}", HTTP_AUTHORIZATION=f"Bearer {key}"
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    "header",
    [
        "Bearer gj_not-a-real-key",
        "Bearer ",
        "Token {key}",
        "{key}",
        "Bearer revoked",
        "Bearer inactive",
    ],
)
def test_token_auth_refused(world, header):
    token, key = api_key(world.operator_a)
    if header == "Bearer revoked":
        api_token_revoke(token=token)
        header = f"Bearer {key}"
    if header == "Bearer inactive":
        world.operator_a.is_active = False
        world.operator_a.save()
        header = f"Bearer {key}"
    client = Client()
    before = project_state(world.project_a)
    assert client.get("/api/projects", HTTP_AUTHORIZATION=header.format(key=key)).status_code == 401
    response = client.post(
        f"/api/projects/{world.project_a.pk}/transitions",
        {"stage": "completed", "occurred_on": f"{world.year}-10-01"},
        content_type=JSON,
        HTTP_AUTHORIZATION=header.format(key=key),
    )
    assert is_chinese_error(response, 401)
    assert project_state(world.project_a) == before


def test_revoked_token_keeps_no_last_use(world):
    token, key = api_key(world.operator_a)
    api_token_revoke(token=token)
    Client().get("/api/units", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert ApiToken.objects.get(pk=token.pk).last_used_at is None


def test_session_writes_need_csrf(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.operator_a)
    url = f"/api/projects/{world.project_a.pk}"
    assert client.get(url).status_code == 200  # safe methods need no token
    before = project_state(world.project_a)
    response = client.patch(url, {"name": "没有 CSRF"}, content_type=JSON)
    assert is_chinese_error(response, 403)
    assert project_state(world.project_a) == before

    client.get("/admin/login/")  # sets the csrftoken cookie
    csrf = client.cookies["csrftoken"].value
    response = client.patch(
        url, {"name": "带 CSRF", "expected_version": 3}, content_type=JSON, HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 200, response.content


def test_chinese_is_not_escaped(world, office):
    response = office.get(f"/api/projects/{world.project_a.pk}")
    assert response["Content-Type"].startswith("application/json")
    assert "甲区新材料产业园".encode() in response.content
    assert b"\\u" not in response.content
    error = office.post("/api/projects", {"name": "缺字段"}, content_type=JSON)
    assert "必填".encode() in error.content and b"\\u" not in error.content


def test_docs_are_served_offline(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    # every script, style sheet and image from this server: no other host (a CDN) named
    # (not a search for "cdn", which the page's random CSRF token may spell)
    sources = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html)
    assert sources, html
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    assert not re.search(r"https?://", html), html
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "gongjian 攻坚 API"


def test_openapi_schema_is_committed():
    from gongjian.api.management.commands.openapi import openapi_text

    committed = ROOT / "docs" / "openapi.json"
    current = openapi_text()
    assert committed.exists() and committed.read_text(encoding="utf-8") == current, (
        "docs/openapi.json is out of date; regenerate it with "
        "`gongjian openapi > docs/openapi.json` and commit the result"
    )
    assert json.loads(current)["paths"]["/api/indicators/{code}"]
