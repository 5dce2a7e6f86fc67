"""Importing the project list and progress reports from real .xlsx files."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from gongjian.kit.tabular import imports
from gongjian.kit.tabular.files import OLE_MAGIC, BadFile
from gongjian.kit.tabular.schema import HeaderError
from gongjian.projects.models import ProgressReport, Project, Stage, StageTransition
from gongjian.projects.sheets import projects_import, reports_import
from gongjian.reports.models import ColumnMapping, ImportRun
from tests.factories import (
    build_city_world,
    libreoffice_convert,
    read_xlsx,
    soffice,
    write_xlsx,
)
from tests.factories import (
    registry_snapshot as snapshot,
)

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
]


@pytest.fixture
def world():
    return build_city_world()


def row(world, code="IMP-001", **over):
    values = {
        "项目编号": code,
        "项目名称": "甲区储能电池项目",
        "所属单位": "甲区",
        "项目类别": "工业",
        "总投资(万元)": 25000,
        "年度计划投资(万元)": 8000.5,
        "阶段": "开工",
        "签约日期": world.day(3, 5),
        "开工日期": world.day(4, 10),
        "包保领导": "王包保",
        "标签": world.tag.name,
    }
    values.update(over)
    return [values[h] for h in HEAD]


# --- the happy path ----------------------------------------------------------------


def test_new_projects_are_created_with_stage_history_and_audit(world, tmp_path):
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [
            HEAD,
            row(world),
            row(
                world,
                "IMP-002",
                **{"所属单位": "乙区", "阶段": "签约", "开工日期": None, "标签": None},
            ),
        ],
    )
    result = projects_import(actor=world.office, path=path)
    assert result.saved and (result.created, result.updated, result.bad_rows) == (2, 0, 0)
    p = Project.objects.get(code="IMP-001")
    assert p.unit == world.district_a and p.leader == world.leader
    assert p.total_investment == 250_000_000 and p.planned_investment == 80_005_000
    assert p.stage == Stage.STARTED and p.started_on == world.day(4, 10)
    assert list(p.transitions.values_list("stage", flat=True)) == ["signed", "started"]
    assert StageTransition.objects.filter(project=p, recorded_by=world.office).count() == 2
    assert list(p.tags.all()) == [world.tag]
    record = p.history.latest()
    assert record.history_user == world.office and record.history_type == "+"
    assert Project.objects.get(code="IMP-002").stage == Stage.SIGNED


def test_update_or_create_by_code_records_before_and_after(world, tmp_path):
    a = world.project_a
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [
            HEAD,
            row(
                world,
                a.code,
                **{
                    "项目名称": "甲区新材料产业园(二期)",
                    "总投资(万元)": 30000,
                    "年度计划投资(万元)": 10000,
                    "签约日期": world.day(3, 1),
                    "开工日期": world.day(4, 10),
                    "包保领导": "王包保",
                },
            ),
        ],
    )
    result = projects_import(actor=world.operator_a, path=path)
    assert (result.created, result.updated) == (0, 1), result.errors
    a.refresh_from_db()
    assert a.name == "甲区新材料产业园(二期)" and a.version == 4
    new, old = a.history.order_by("-history_id")[:2]
    assert new.history_user == world.operator_a
    assert old.name == "甲区新材料产业园" and new.name == "甲区新材料产业园(二期)"
    # the same sheet again changes nothing
    again = projects_import(actor=world.operator_a, path=path)
    assert (again.updated, again.unchanged) == (0, 1)


def test_new_stage_dates_on_an_existing_project_are_appended(world, tmp_path):
    a = world.project_a
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [
            [
                "项目编号",
                "项目名称",
                "所属单位",
                "项目类别",
                "总投资(亿元)",
                "签约日期",
                "开工日期",
                "竣工日期",
            ],
            [
                a.code,
                a.name,
                "甲区",
                "工业",
                3,
                world.day(3, 1),
                world.day(4, 10),
                world.day(11, 30),
            ],
        ],
    )
    result = projects_import(actor=world.office, path=path)
    assert result.updated == 1, result.errors
    a.refresh_from_db()
    assert a.stage == Stage.COMPLETED and a.completed_on == world.day(11, 30)


# --- bad rows ------------------------------------------------------------------------


def test_one_bad_row_saves_nothing_and_names_row_column_problem(world, tmp_path):
    before = snapshot()
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [
            HEAD,
            row(world),
            row(world, "IMP-002", **{"项目类别": "航天", "签约日期": "2024/13/1"}),
            row(world, "IMP-003", **{"总投资(万元)": "很多"}),
        ],
    )
    result = projects_import(actor=world.office, path=path)
    assert not result.saved and result.bad_rows == 2
    assert (
        3,
        "项目类别",
        "“航天”不是可选值(工业、商贸服务、基础设施、社会民生、农业农村、文旅、其他)",
    ) in result.errors
    assert any(r == 3 and c == "签约日期" for r, c, _m in result.errors)
    assert (4, "总投资(万元)", "“很多”不是数字") in result.errors
    assert snapshot() == before
    sheet = read_xlsx(result.error_file)
    assert sheet[0][:3] == ["行号", "错误说明", "项目编号"]
    assert [r[0] for r in sheet[1:]] == [3, 4] and "项目类别" in sheet[1][1]


def test_skip_bad_rows_imports_the_rest_and_returns_the_bad_ones(world, tmp_path):
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [
            HEAD,
            row(world),
            row(world, "IMP-002", **{"所属单位": "不存在区"}),
            row(world, "IMP-003"),
        ],
    )
    result = projects_import(actor=world.office, path=path, skip_bad_rows=True)
    assert result.saved and (result.created, result.bad_rows) == (2, 1)
    assert result.errors == [(3, "所属单位", "单位“不存在区”不存在")]
    assert set(Project.objects.filter(code__startswith="IMP-").values_list("code", flat=True)) == {
        "IMP-001",
        "IMP-003",
    }
    assert read_xlsx(result.error_file)[1][2] == "IMP-002"


@pytest.mark.parametrize(
    "over, column, fragment",
    [
        ({"阶段": "竣工"}, "阶段", "请填写竣工日期"),
        ({"开工日期": None, "签约日期": None}, "阶段", "请填写开工日期"),
        ({"签约日期": dt.date(2999, 1, 1), "开工日期": None, "阶段": None}, "签约日期", "晚于今天"),
        ({"项目名称": None}, "项目名称", "必须填写"),
        ({"项目名称": "名" * 201}, "项目名称", "200"),
        ({"包保领导": "查无此人"}, "包保领导", "不存在"),
        ({"总投资(万元)": -5}, "总投资(万元)", "负数"),
    ],
)
def test_row_rules_are_the_form_and_service_rules(world, tmp_path, over, column, fragment):
    before = snapshot()
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD, row(world, **over)])
    result = projects_import(actor=world.office, path=path)
    assert not result.saved
    assert any(c == column and fragment in m for _r, c, m in result.errors), result.errors
    assert snapshot() == before


def test_duplicate_code_in_the_file(world, tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD, row(world), row(world)])
    result = projects_import(actor=world.office, path=path)
    assert result.errors == [(3, "项目编号", "项目编号“IMP-001”在表中重复")]


def test_the_code_of_a_deleted_project_is_refused_with_a_hint(world, tmp_path):
    from gongjian.projects import services

    services.project_delete(actor=world.office, project=world.project_a)
    before = snapshot()
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD, row(world, world.project_a.code)])
    result = projects_import(actor=world.office, path=path)
    assert not result.saved
    assert result.errors == [
        (2, "项目编号", f"项目编号“{world.project_a.code}”属于已删除的项目,请先在回收站恢复")
    ]
    assert snapshot() == before


def test_a_district_operator_cannot_import_into_another_district(world, tmp_path):
    before = snapshot()
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [
            HEAD,
            row(world, **{"所属单位": "乙区"}),
            row(world, world.project_b.code, **{"所属单位": "甲区"}),
        ],
    )
    result = projects_import(actor=world.operator_a, path=path)
    assert not result.saved
    assert (2, "所属单位", "无权为“乙区”导入项目") in result.errors
    assert (
        3,
        "项目编号",
        f"项目编号“{world.project_b.code}”已被其他单位的项目使用",
    ) in result.errors
    assert snapshot() == before


def test_rows_are_written_in_chunks(world, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK", 3)
    rows = [HEAD] + [row(world, f"IMP-{i:03d}") for i in range(10)]
    result = projects_import(actor=world.office, path=write_xlsx(tmp_path / "p.xlsx", rows))
    assert result.created == 10
    bad = (
        [HEAD]
        + [row(world, f"IMP-{i:03d}") for i in range(20, 28)]
        + [row(world, "IMP-099", **{"项目类别": "?"})]
    )
    before = snapshot()
    assert not projects_import(actor=world.office, path=write_xlsx(tmp_path / "b.xlsx", bad)).saved
    assert snapshot() == before  # chunks written before the bad row were rolled back


# --- bad files -----------------------------------------------------------------------


def _zip_bomb(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<sheetData>" + b"0" * (60 * 1024 * 1024))
    return path


def _docx(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<document/>")
    return path


BAD_FILES = {
    "csv renamed": (
        lambda p: p.write_text("项目编号,项目名称\nA1,测试\n", encoding="utf-8"),
        "CSV",
    ),
    "old xls": (lambda p: p.write_bytes(OLE_MAGIC + b"\x00" * 4096), ".xls"),
    "password": (
        lambda p: p.write_bytes(OLE_MAGIC + b"\x00" * 512 + "EncryptedPackage".encode("utf-16-le")),
        "密码",
    ),
    "word document": (_docx, "Word"),
    "not a spreadsheet": (
        lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
        "不是 Excel",
    ),
    "empty": (lambda p: p.write_bytes(b""), "空"),
    "truncated": (lambda p: p.write_bytes(b"PK\x03\x04" + b"\x00" * 100), "损坏"),
    "zip bomb": (_zip_bomb, "压缩"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_files_are_refused_and_change_nothing(world, tmp_path, name):
    make, fragment = BAD_FILES[name]
    path = tmp_path / "bad.xlsx"
    make(path)
    before = snapshot()
    with pytest.raises(BadFile) as exc:
        projects_import(actor=world.office, path=path)
    assert fragment in str(exc.value)
    assert snapshot() == before


def test_file_over_the_size_limit(world, tmp_path, settings):
    settings.GONGJIAN = {**settings.GONGJIAN, "IMPORT_MAX_BYTES": 1000}
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD] + [row(world, f"X{i}") for i in range(50)])
    with pytest.raises(BadFile, match="上限"):
        projects_import(actor=world.office, path=path)


def test_formulas_instead_of_values(world, tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD, row(world, **{"总投资(万元)": "=1000*25"})])
    with pytest.raises(BadFile, match="E2"):
        projects_import(actor=world.office, path=path)


def test_merged_header_cells(world, tmp_path):
    rows = [HEAD, row(world)]
    path = write_xlsx(tmp_path / "p.xlsx", rows, merge=(0, 4, 0, 5, "投资(万元)"))
    before = snapshot()
    with pytest.raises(HeaderError, match="合并单元格 E1:F1"):
        projects_import(actor=world.office, path=path)
    assert snapshot() == before


def test_a_merged_title_above_the_header_is_fine(world, tmp_path):
    rows = [[None] * len(HEAD), HEAD, row(world)]
    path = write_xlsx(tmp_path / "p.xlsx", rows, merge=(0, 0, 0, 5, "2025年重点项目清单"))
    assert projects_import(actor=world.office, path=path).created == 1


def test_wrong_headers(world, tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [["姓名", "电话"], ["张三", "123"]])
    with pytest.raises(HeaderError, match="没有找到表头"):
        projects_import(actor=world.office, path=path)


# --- a sheet saved by LibreOffice, as a new user makes it ---------------------------


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_sheet_saved_by_libreoffice_with_real_world_quirks(world, tmp_path):
    rows = [
        ["2025年甲区重点项目表", None, None, None, None, None],
        ["项目　编号", "项目名称 ", "所属县区", "类别", "计划总投资（万元）", "签约时间"],
        ["LO-001", "甲区光伏组件项目", "甲区", "工业", "12,000", f"{world.year}年3月5日"],
        ["LO-002", "甲区冷链物流中心", "甲区", "商贸服务", 8000.25, f"{world.year}.4.1"],
    ]
    source = write_xlsx(tmp_path / "source.xlsx", rows)
    saved = libreoffice_convert(source, "xlsx", tmp_path / "lo")
    result = projects_import(actor=world.operator_a, path=saved)
    assert result.saved and result.created == 2, result.errors
    lo2 = Project.objects.get(code="LO-002")
    assert lo2.total_investment == 80_002_500 and lo2.signed_on == world.day(4, 1)
    assert Project.objects.get(code="LO-001").total_investment == 120_000_000


# --- progress reports ------------------------------------------------------------------

REPORT_HEAD = ["项目编号", "期间开始", "期间结束", "本期完成投资(万元)", "形象进度"]


def test_progress_reports_go_through_the_report_service(world, tmp_path):
    a = world.project_a
    path = write_xlsx(
        tmp_path / "r.xlsx",
        [
            REPORT_HEAD,
            [a.code, world.day(4, 1), world.day(4, 30), 800, "改报"],
            [a.code, world.day(5, 1), world.day(5, 31), 500, "主体封顶"],
            [a.code, world.day(3, 1), world.day(3, 31), 100, "补报更早的一期"],
        ],
    )
    result = reports_import(actor=world.operator_a, path=path, skip_bad_rows=True)
    assert (result.created, result.updated) == (1, 1), result.errors
    assert result.errors == [(4, "期间开始", "已有更晚期间的进度报告,不能再报送或修改本期")]
    may = ProgressReport.objects.get(project=a, period_start=world.day(5, 1))
    assert may.investment_this_period == 5_000_000 and may.submitted_by == world.operator_a
    assert may.cumulative_investment == 8_000_000 + 5_000_000


def test_progress_report_errors_and_scope(world, tmp_path):
    before = snapshot()
    path = write_xlsx(
        tmp_path / "r.xlsx",
        [
            REPORT_HEAD,
            [world.project_a.code, world.day(6, 1), world.day(5, 1), 10, ""],
            [world.project_b.code, world.day(6, 1), world.day(6, 30), 10, ""],
        ],
    )
    result = reports_import(actor=world.operator_a, path=path)
    assert not result.saved
    assert any(r == 2 and c == "期间结束" for r, c, _m in result.errors), result.errors
    assert (3, "项目编号", f"项目编号“{world.project_b.code}”不存在") in result.errors
    assert snapshot() == before


# --- the page and the CLI ---------------------------------------------------------------


@pytest.fixture
def inline(settings, tmp_path):
    settings.GONGJIAN = {**settings.GONGJIAN, "IMPORT_IN_BACKGROUND": False}
    settings.MEDIA_ROOT = tmp_path / "media"


def test_import_page_shows_errors_and_offers_the_error_sheet(world, tmp_path, inline):
    client = Client()
    client.force_login(world.operator_a)
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD, row(world, **{"项目类别": "航天"})])
    with path.open("rb") as fh:
        response = client.post("/reports/import/projects/", {"file": fh})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.REFUSED and run.created_by == world.operator_a
    page = client.get(response.url).content.decode()
    assert "项目类别" in page and "航天" in page and "未导入任何数据" in page
    errors = client.get(f"/reports/imports/{run.pk}/errors.xlsx")
    assert errors.status_code == 200
    progress = client.get(f"/reports/imports/{run.pk}/progress.json").json()
    assert progress["finished"] and progress["status"] == "refused"
    other = Client()
    other.force_login(world.operator_b)
    assert other.get(response.url).status_code == 404
    assert other.get(f"/reports/imports/{run.pk}/errors.xlsx").status_code == 404
    assert Client().get("/reports/import/projects/").status_code == 302  # sign in first


def test_import_page_success_and_bad_file(world, tmp_path, inline):
    client = Client()
    client.force_login(world.operator_a)
    path = write_xlsx(tmp_path / "p.xlsx", [HEAD, row(world)])
    with path.open("rb") as fh:
        client.post("/reports/import/projects/", {"file": fh, "skip_bad_rows": "on"})
    assert ImportRun.objects.get().status == ImportRun.Status.DONE
    assert Project.objects.filter(code="IMP-001").exists()
    bad = tmp_path / "bad.xlsx"
    bad.write_text("a,b\n1,2\n")
    with bad.open("rb") as fh:
        response = client.post("/reports/import/projects/", {"file": fh}, follow=True)
    assert "CSV" in response.content.decode()
    assert ImportRun.objects.filter(status=ImportRun.Status.FAILED).count() == 1


def test_saved_column_mapping(world, tmp_path, inline):
    client = Client()
    client.force_login(world.office)
    response = client.post(
        "/reports/import/projects/mappings/",
        {
            "name": "甲区格式",
            "header": ["编码", "工程名", "区县", "类型", "投资额(万元)"],
            "column": ["code", "name", "unit", "category", "total_investment"],
        },
    )
    assert response.status_code == 302
    mapping = ColumnMapping.objects.get(name="甲区格式")
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [
            ["编码", "工程名", "区县", "类型", "投资额(万元)"],
            ["MAP-1", "映射项目", "甲区", "工业", 100],
        ],
    )
    with path.open("rb") as fh:
        client.post("/reports/import/projects/", {"file": fh, "mapping": mapping.pk})
    assert Project.objects.get(code="MAP-1").total_investment == 1_000_000


def test_cli_import(world, tmp_path, capsys):
    good = write_xlsx(tmp_path / "p.xlsx", [HEAD, row(world)])
    call_command("import", "projects", str(good), "--user", world.operator_a.username)
    assert "新增 1 行" in capsys.readouterr().out
    bad = write_xlsx(tmp_path / "b.xlsx", [HEAD, row(world, "IMP-9", **{"所属单位": "乙区"})])
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import", "projects", str(bad), "--user", world.operator_a.username)
    err = capsys.readouterr().err
    assert "第 2 行,所属单位:无权为“乙区”导入项目" in err
    assert (tmp_path / "b-错误行.xlsx").exists()
    with pytest.raises(CommandError, match="CSV"):
        (tmp_path / "c.xlsx").write_text("x,y\n")
        call_command("import", "projects", str(tmp_path / "c.xlsx"))


def test_pages_render(world, inline, tmp_path):
    client = Client()
    client.force_login(world.operator_a)
    index = client.get("/reports/")
    assert index.status_code == 200 and "导入项目清单" in index.content.decode()
    form = client.get("/reports/import/reports/").content.decode()
    assert "*本期完成投资(万元)" in form and "跳过错误行" in form
    assert client.get("/reports/import/no-such-sheet/").status_code == 404
    empty = client.post("/reports/import/projects/", {})
    assert empty.status_code == 400 and "请选择" in empty.content.decode()
    assert "<script>" not in form  # scripts come from static files only


@pytest.mark.django_db(transaction=True)
def test_a_save_during_an_import_is_not_overwritten(tmp_path, monkeypatch):
    """A page save made while an import holds a project waits for the import and lands on
    top of it; without the lock the import's write would silently undo it."""
    import threading

    from django.db import connection, connections

    from gongjian.projects import services

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: each transaction takes the write lock first")
    world = build_city_world()
    a = world.project_a
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [HEAD, row(world, a.code, **{"项目名称": "导入的名称", "签约日期": world.day(3, 1)})],
    )
    saved: list[object] = []

    def page_save():
        try:
            project = Project.objects.get(pk=a.pk)
            services.project_update(actor=world.office, project=project, leader=None)
            saved.append("ok")
        except Exception as exc:  # noqa: BLE001 - recorded for the assertion
            saved.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=page_save)
    prepare = services.ProjectBulk.prepare

    def prepare_then_save(self, *args, **kwargs):
        out = prepare(self, *args, **kwargs)
        if not thread.is_alive() and not saved:
            thread.start()
            thread.join(timeout=2)  # the save waits on the import's lock
        return out

    monkeypatch.setattr(services.ProjectBulk, "prepare", prepare_then_save)
    result = projects_import(actor=world.office, path=path)
    thread.join(timeout=20)
    assert result.updated == 1, result.errors
    assert saved == ["ok"]
    a.refresh_from_db()
    # both changes are there: the import's name and, after it, the page's leader
    assert a.name == "导入的名称" and a.leader is None
    assert list(a.history.order_by("history_id").values_list("history_user_id", flat=True))[
        -2:
    ] == [world.office.pk, world.office.pk]


def test_a_city_sheet_with_its_own_headers_imports_as_it_is(world, tmp_path):
    """A city's own sheet — its headers, amounts in the unit its header names, the stage
    as 当前阶段 — imports without editing; stage dates become the dated history."""
    head = [
        "项目编号",
        "项目名称",
        "所在地区",
        "项目类别",
        "总投资(亿元)",
        "年度计划投资(万元)",
        "签约日期",
        "开工日期",
        "当前阶段",
    ]
    path = write_xlsx(
        tmp_path / "city.xlsx",
        [
            head,
            [
                "CS-1",
                "城市表项目一",
                "甲区",
                "工业",
                2.5,
                8000,
                world.day(2, 1),
                world.day(3, 5),
                "开工",
            ],
            ["CS-2", "城市表项目二", "乙区", "服务业", 0.8, None, world.day(4, 1), None, "签约"],
            ["CS-3", "城市表项目三", "丙区", "工业", 1, None, world.day(4, 1), None, "签约"],
        ],
    )
    before = snapshot()
    refused = projects_import(actor=world.office, path=path)
    assert not refused.saved and snapshot() == before
    # a unit not in the importing city: the row and the column named
    assert [(n, col) for n, col, _m in refused.errors] == [(4, "所在地区")]
    path = write_xlsx(tmp_path / "city2.xlsx", [head, *read_xlsx(path)[1:3]])
    result = projects_import(actor=world.office, path=path)
    assert (result.created, result.bad_rows) == (2, 0), result.errors
    one = Project.objects.get(code="CS-1")
    assert one.unit == world.district_a and one.total_investment == 250_000_000
    assert one.planned_investment == 80_000_000
    assert list(one.transitions.order_by("occurred_on").values_list("stage", "occurred_on")) == [
        ("signed", world.day(2, 1)),
        ("started", world.day(3, 5)),
    ]
    two = Project.objects.get(code="CS-2")
    assert two.stage == Stage.SIGNED and two.total_investment == 80_000_000
