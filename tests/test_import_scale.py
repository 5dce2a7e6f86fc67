"""The import and the export at scale: the number of queries does not grow with the
number of rows, the history written in bulk is complete, and the fast checks derived
from the API schema and the model refuse exactly what the full validators refuse."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongjian.kit.tabular.imports import ModelChecker, schema_fast_check
from gongjian.projects import sheets as exports
from gongjian.projects.models import Project, StageTransition
from gongjian.projects.schemas import ProjectCreateIn, ReportIn
from gongjian.projects.sheets import projects_import
from tests.factories import build_city_world, read_xlsx, write_xlsx

pytestmark = pytest.mark.django_db

HEAD = [
    "项目编号",
    "项目名称",
    "所属单位",
    "项目类别",
    "总投资(万元)",
    "年度计划投资(万元)",
    "阶段",
    "签约日期",
    "开工日期",
    "包保领导",
    "标签",
    "批次",
    "责任部门",
]
# The same bound at every size: what one chunk of rows costs, whatever its length.
MAX_QUERIES = 40


@pytest.fixture
def world():
    return build_city_world()


def sheet(world, tmp_path, n: int, prefix: str = "SC", total=None):
    rows = [HEAD]
    for i in range(n):
        started = i % 3 != 0
        rows.append(
            [
                f"{prefix}-{i:05d}",
                f"规模测试项目{i}",
                "甲区" if i % 2 else "乙区",
                "工业" if i % 2 else "商贸服务",
                total if total is not None else 1000 + i + (i % 100) / 100,
                200 + i,
                "开工" if started else "签约",
                world.day(1 + i % 9, 1 + i % 28),
                world.day(1 + i % 9, 1 + i % 28) + dt.timedelta(days=20) if started else None,
                "王包保",
                world.tag.name,
                world.batch.code,
                "乙区",
            ]
        )
    return write_xlsx(tmp_path / f"{prefix}-{n}.xlsx", rows)


def count_import_queries(world, path) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        result = projects_import(actor=world.office, path=path)
    return len(queries), result


def test_import_queries_do_not_grow_with_the_rows(world, tmp_path, django_assert_max_num_queries):
    small, large = sheet(world, tmp_path, 20, "QS"), sheet(world, tmp_path, 400, "QL")
    with django_assert_max_num_queries(MAX_QUERIES):
        result = projects_import(actor=world.office, path=small)
    assert result.saved and result.created == 20
    with django_assert_max_num_queries(MAX_QUERIES):
        result = projects_import(actor=world.office, path=large)
    assert result.saved and result.created == 400
    assert Project.objects.filter(code__startswith="QL-").count() == 400
    # updates (a changed amount on every row) stay bounded as well
    changed = sheet(world, tmp_path, 400, "QL", total=9999)
    with django_assert_max_num_queries(MAX_QUERIES):
        result = projects_import(actor=world.office, path=changed)
    assert result.updated == 400


def test_query_count_is_the_same_at_two_sizes(world, tmp_path):
    few, _ = count_import_queries(world, sheet(world, tmp_path, 10, "QA"))
    many, result = count_import_queries(world, sheet(world, tmp_path, 300, "QB"))
    assert result.created == 300
    assert many <= few  # the first import may also read what later ones find cached


def test_bulk_history_is_complete(world, tmp_path):
    path = sheet(world, tmp_path, 30, "HI")
    result = projects_import(actor=world.operator_a, path=path, skip_bad_rows=True)
    # the operator of 甲区 may write only 甲区's rows: 乙区's are refused, not written
    assert result.created == 15 and result.bad_rows == 15
    assert {m for _r, _c, m in result.errors} == {"无权为“乙区”导入项目"}
    project = Project.objects.get(code="HI-00001")
    (created,) = project.history.all()
    assert created.history_type == "+"
    assert created.history_user == world.operator_a
    assert created.history_change_reason.startswith("Excel 导入")
    for field in ("code", "name", "unit_id", "total_investment", "stage", "signed_on", "version"):
        assert getattr(created, field) == getattr(project, field)
    assert StageTransition.objects.filter(project=project).count() == 2
    assert set(project.tags.all()) == {world.tag}
    assert project.leader == world.leader and project.responsible_unit == world.district_b

    # a second import changes the amount: a "~" row with the new value, the old kept
    again = sheet(world, tmp_path, 30, "HI", total=5000)
    result = projects_import(actor=world.operator_a, path=again, skip_bad_rows=True)
    assert result.updated == 15
    project.refresh_from_db()
    assert project.version == 2 and project.total_investment == 50_000_000
    latest, first = project.history.order_by("-history_id")[:2]
    assert latest.history_type == "~" and latest.history_user == world.operator_a
    assert (first.total_investment, latest.total_investment) == (10_010_100, 50_000_000)
    assert latest.history_date >= first.history_date


def test_export_queries_do_not_grow_with_the_rows(world, tmp_path):
    projects_import(actor=world.office, path=sheet(world, tmp_path, 300, "EX"))
    counts = []
    for n in (5, 300):
        codes = [f"EX-{i:05d}" for i in range(n)]
        with CaptureQueriesContext(connection) as queries:
            path = exports.export_projects(Project.objects.filter(code__in=codes))
        counts.append(len(queries))
        rows = read_xlsx(path)
        assert len(rows) == n + 1
    assert counts[1] <= counts[0]
    by_code = {r[0]: r for r in rows[1:]}
    head = rows[0]
    first = by_code["EX-00001"]
    assert first[head.index("总投资(万元)")] == pytest.approx(1001.01)
    assert first[head.index("标签")] == world.tag.name
    assert first[head.index("批次")] == world.batch.code
    assert first[head.index("包保领导")].startswith("王包保")


def test_wan_amounts_are_the_nearest_float():
    for yuan in (0, 1, 10_010_000, 123_456_789, 99_999_999_999_999, 7):
        assert yuan / 10_000 == float(Decimal(yuan) / 10_000)


# --- the fast checks refuse what the full validators refuse --------------------------


def test_schema_fast_check_passes_only_what_pydantic_accepts():
    ok = schema_fast_check(ProjectCreateIn)
    good = {
        "code": "A",
        "name": "甲",
        "unit_id": 1,
        "category": "industry",
        "total_investment": 5,
        "latitude": Decimal("41.1"),
    }
    assert ok(good)
    ProjectCreateIn.model_validate(good)
    for bad in (
        {**good, "category": "nonsense"},
        {**good, "total_investment": "5"},
        {**good, "unit_id": True},
        {**good, "latitude": Decimal("NaN")},
        {**good, "unknown": 1},
        {k: v for k, v in good.items() if k != "code"},
    ):
        assert not ok(bad)  # the full validator decides (and words the message)
    # a field with constraints (max_length) is never taken on the fast path
    assert not schema_fast_check(ReportIn)(
        {
            "period_start": dt.date(2024, 1, 1),
            "period_end": dt.date(2024, 1, 31),
            "investment_this_period": 1,
            "client_ref": "x",
        }
    )


@pytest.mark.parametrize(
    "change",
    [
        {"name": "长" * 201},
        {"name": ""},
        {"code": "x" * 41},
        {"total_investment": -1},
        {"planned_investment": -5},
        {"category": "nonsense"},
        {"stage": "nonsense"},
        {"latitude": Decimal("91")},
        {"longitude": Decimal("-180.0000001")},
        {"industry_cluster": "集" * 51},
    ],
)
def test_model_checker_refuses_with_full_clean_messages(world, change):
    exclude = ["unit", "responsible_unit", "leader"]
    checker = ModelChecker(Project, exclude)
    project = Project(code="MC-1", name="甲", unit=world.district_a, category="industry")
    project.total_investment = 100
    checker.full_clean(project)  # a good project passes
    for key, value in change.items():
        setattr(project, key, value)
    with pytest.raises(ValidationError) as fast:
        checker.full_clean(project)
    with pytest.raises(ValidationError) as full:
        project.full_clean(exclude=exclude, validate_unique=False)
    assert fast.value.message_dict == full.value.message_dict
