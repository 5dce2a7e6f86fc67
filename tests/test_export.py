"""Excel out: the same filters and scope as the API, formatted, and importable back."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client

from gongjian.projects.models import Project
from gongjian.projects.sheets import projects_import
from tests.factories import build_city_world, build_indicator_world
from tests.factories import registry_snapshot as snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_city_world()


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def sheet_of(response) -> list[list]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return book.worksheets[0]


def codes(ws) -> set[str]:
    return {r[0] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}


@pytest.mark.parametrize(
    "actor, expected",
    [
        ("office", {"a", "b"}),
        ("operator_a", {"a"}),
        ("operator_b", {"b"}),
        ("viewer_a", {"a"}),
        ("leader", {"a", "b"}),  # a city leader reads the city
    ],
)
def test_project_export_scope(world, actor, expected):
    ws = sheet_of(client_for(getattr(world, actor)).get("/reports/export/projects.xlsx"))
    mine = {"a": world.project_a.code, "b": world.project_b.code}
    assert codes(ws) & set(mine.values()) == {mine[k] for k in expected}


def test_exports_need_a_sign_in(world):
    for kind in ("projects", "reports", "problems", "indicators"):
        assert Client().get(f"/reports/export/{kind}.xlsx").status_code == 302


def test_project_export_uses_the_api_filters_and_formats(world):
    client = client_for(world.office)
    ws = sheet_of(client.get("/reports/export/projects.xlsx?unit=甲区&min_amount=100000000"))
    assert codes(ws) == {world.project_a.code}
    ws = sheet_of(client.get(f"/reports/export/projects.xlsx?tag={world.tag.slug}"))
    assert codes(ws) == {world.project_a.code}
    header = [c.value for c in ws[1]]
    assert header[:5] == ["项目编号", "项目名称", "所属单位", "项目类别", "总投资(万元)"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    amount = ws.cell(row=2, column=5)
    assert amount.value == 30000 and amount.number_format == "#,##0.00##"
    assert ws.column_dimensions["B"].width > 30
    started = ws.cell(row=2, column=header.index("开工日期") + 1)
    assert started.is_date and started.value.date() == world.project_a.started_on
    bad = client.get("/reports/export/projects.xlsx?stage=flying")
    assert bad.status_code == 400 and "stage" in bad.content.decode()


def test_reports_and_problems_exports(world):
    client = client_for(world.operator_a)
    ws = sheet_of(client.get("/reports/export/reports.xlsx"))
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [world.project_a.code]
    assert rows[0][5] == 1000  # 10,000,000 元 = 1000 万元
    ws = sheet_of(client.get("/reports/export/problems.xlsx?overdue=true"))
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[4] for r in rows] == ["施工用电未接入"] and rows[0][10] == "超期"
    ws = sheet_of(client_for(world.operator_b).get("/reports/export/problems.xlsx"))
    assert [r[4] for r in ws.iter_rows(min_row=2, values_only=True)] == ["乙区项目审批手续"]


def test_ranking_and_indicator_exports_come_from_the_engine(world):
    from gongjian.indicators import engine
    from gongjian.kit.dates import Period

    ind = build_indicator_world(world)
    client = client_for(world.office)
    as_of = f"{world.year}-12-31"
    ws = sheet_of(
        client.get(f"/reports/export/rankings.xlsx?scheme={ind.scheme.code}&as_of={as_of}")
    )
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True)]
    expected = engine.ranking(ind.scheme, Period.year_to_date(world.year))
    assert [(r[0], r[1], r[2]) for r in rows] == [(e.rank, e.unit.name, e.score) for e in expected]
    ws = sheet_of(client.get(f"/reports/export/indicators.xlsx?unit=甲区&as_of={as_of}"))
    by_code = {r[0]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    started = by_code[ind.started.code]
    value = engine.evaluate(ind.started, world.district_a, Period.year_to_date(world.year))
    assert started[3] == value and started[5] == 2 and started[6] == value / 2
    # another district's unit is a 404, like a missing one
    assert (
        client_for(world.operator_b)
        .get(f"/reports/export/indicators.xlsx?unit=甲区&as_of={as_of}")
        .status_code
        == 404
    )
    assert client.get("/reports/export/rankings.xlsx?scheme=nope").status_code == 404


def test_export_then_import_gives_the_same_registry(world, tmp_path):
    client = client_for(world.office)
    response = client.get("/reports/export/projects.xlsx?unit=测试市")
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    before = snapshot()
    result = projects_import(actor=world.office, path=path)
    assert result.saved and result.unchanged == 2 and result.updated == 0, result.errors
    assert snapshot() == before
    # change one amount in the exported sheet: exactly that project changes
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    ws.cell(row=2, column=5).value = 31234.5678
    book.save(path)
    result = projects_import(actor=world.office, path=path)
    assert result.updated == 1
    assert Project.objects.get(code=ws.cell(row=2, column=1).value).total_investment == 312_345_678


def test_import_template_has_dropdowns_example_and_notes(world):
    response = client_for(world.operator_a).get("/reports/template/projects.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["项目清单", "下拉选项", "填写说明"]
    ws = book["项目清单"]
    assert ws["A1"].value == "*项目编号" and ws["E1"].value == "*总投资(万元)"
    lists = {
        next(iter(dv.sqref.ranges)).coord.split(":")[0]: dv.formula1
        for dv in ws.data_validations.dataValidation
    }
    assert "下拉选项" in lists["C2"] and "下拉选项" in lists["D2"] and "下拉选项" in lists["G2"]
    units = [c.value for c in book["下拉选项"]["A"]]
    assert "甲区" in units and "乙区" not in units  # the operator's own units only
    assert ws["B2"].value  # an example row
    assert "万元" in book["填写说明"]["A3"].value
