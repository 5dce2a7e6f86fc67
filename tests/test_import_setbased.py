"""The set-based import: a chunk read column by column and, when every row of it is a
new project whose cells and rules all pass, checked and written set-wise (a staging
table and ``INSERT … SELECT`` into the registry, its history and its stage
transitions). Whatever the path, the outcome must be the one the row-by-row path gives:
the same projects, history rows, transitions and, for bad rows, the same messages."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from gongjian.kit.tabular import imports
from gongjian.kit.tabular import schema as S
from gongjian.projects import services
from gongjian.projects.models import Project, StageTransition
from gongjian.projects.sheets import PROJECT_SCHEMA, projects_import
from tests.factories import build_city_world, write_xlsx

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
    "落地日期",
    "开工日期",
    "计划开工日期",
    "计划竣工日期",
    "产业集群",
    "建设单位/企业",
    "项目简介",
]


@pytest.fixture
def world():
    return build_city_world()


def rows_of(world, n: int, prefix: str) -> list[list]:
    rows = []
    for i in range(n):
        signed = world.day(1 + i % 9, 1 + i % 28)
        landed = signed + dt.timedelta(days=5) if i % 3 else None
        started = signed + dt.timedelta(days=9) if i % 3 == 2 else None
        rows.append(
            [
                f"{prefix}-{i:04d}",
                f"集合导入项目 {i}",
                "甲区" if i % 2 else "乙区",
                ["工业", "文旅", "农业农村"][i % 3],
                1000 + i * 1.25,
                i % 7 or None,
                ["签约", "落地", "开工"][i % 3] if i % 4 else None,
                signed,
                landed,
                started,
                world.day(3, 1) if i % 5 == 0 else None,
                world.day(12, 1) if i % 5 == 0 else None,
                "新材料" if i % 2 else None,
                f"企业{i % 13}",
                "建设厂房" if i % 3 else None,
            ]
        )
    return rows


def registry(prefix: str) -> dict:
    """Everything the import wrote for the codes starting with ``prefix``, ids and
    timestamps left out, in the order it was written."""
    skip = {"id", "created_at", "updated_at", "history_id", "history_date", "recorded_at"}
    projects = Project.all_objects.filter(code__startswith=prefix)
    codes = dict(projects.values_list("id", "code"))
    return {
        "projects": [
            {k: v for k, v in row.items() if k not in skip}
            for row in projects.order_by("id").values()
        ],
        "history": [
            {k: v for k, v in row.items() if k not in skip}
            for row in Project.history.filter(code__startswith=prefix)
            .order_by("history_id")
            .values()
        ],
        "transitions": [
            (codes[p], stage, day, note, by)
            for p, stage, day, note, by in StageTransition.objects.filter(project__in=projects)
            .order_by("id")
            .values_list("project_id", "stage", "occurred_on", "note", "recorded_by_id")
        ],
    }


def run_both(monkeypatch, world, path, prefix, **options):
    """The import of ``path`` set-wise, then (rolled back in between) row by row: both
    results and what each wrote, and how many chunks went set-wise."""
    from django.db import transaction

    taken = []
    create_set = services.ProjectBulk.create_set

    def counting(self, *args, **kwargs):
        done = create_set(self, *args, **kwargs)
        taken.append(done)
        return done

    monkeypatch.setattr(services.ProjectBulk, "create_set", counting)
    outcomes = []
    for mode in ("set", "rows"):
        with monkeypatch.context() as m:
            if mode == "rows":
                m.setattr(imports, "read_columns", lambda *a: None)
            sid = transaction.savepoint()
            result = projects_import(actor=world.office, path=path, file_name="t.xlsx", **options)
            outcomes.append((result, registry(prefix)))
            transaction.savepoint_rollback(sid)
    return outcomes, taken


def summary(result):
    return (
        result.rows_total,
        result.created,
        result.updated,
        result.bad_rows,
        result.errors,
        result.saved,
        result.message,
    )


def test_a_clean_sheet_is_written_set_wise_exactly_as_row_by_row(world, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "COLUMN_CHUNK", 7)
    path = write_xlsx(tmp_path / "clean.xlsx", [HEAD, *rows_of(world, 30, "SB")])
    (set_wise, rows), taken = run_both(monkeypatch, world, path, "SB")
    assert taken and all(taken)  # every chunk went set-wise
    assert summary(set_wise[0]) == summary(rows[0])
    assert set_wise[0].created == 30
    assert set_wise[1] == rows[1]
    written = set_wise[1]
    assert len(written["projects"]) == 30
    assert len(written["history"]) == 30
    history = written["history"][0]
    assert history["history_type"] == "+"
    assert history["history_user_id"] == world.office.pk
    assert history["history_change_reason"] == "Excel 导入 t.xlsx"
    assert history["history_object_repr"] == "SB-0000 集合导入项目 0"
    assert history["history_unit_path"] == world.district_b.path
    # each dated stage a transition, a project's in the order they happened
    assert [t[:2] for t in written["transitions"] if t[0] == "SB-0002"] == [
        ("SB-0002", "signed"),
        ("SB-0002", "landed"),
        ("SB-0002", "started"),
    ]


def test_an_empty_row_between_rows_is_skipped_set_wise_too(world, tmp_path, monkeypatch):
    rows = rows_of(world, 12, "SB")
    path = write_xlsx(tmp_path / "gap.xlsx", [HEAD, *rows[:5], [None] * len(HEAD), *rows[5:]])
    (set_wise, by_rows), taken = run_both(monkeypatch, world, path, "SB")
    assert taken == [True]
    assert summary(set_wise[0]) == summary(by_rows[0])
    assert set_wise[0].rows_total == set_wise[0].created == 12
    assert set_wise[1] == by_rows[1]


@pytest.mark.parametrize(
    "bad_cell",
    [
        (2, "不存在的区", "所属单位"),  # an unknown unit
        (0, "SB-0001", "项目编号"),  # a code repeated in the sheet
        (9, "2099-01-01", "开工日期"),  # a stage date in the future
        (6, "开工", "阶段"),  # a stage the dates do not lead to
        (1, "名" * 201, "项目名称"),  # too long
        (4, -5, "总投资"),  # a negative amount
    ],
)
def test_a_bad_row_gets_the_row_by_row_message(world, tmp_path, monkeypatch, bad_cell):
    column, value, title = bad_cell
    monkeypatch.setattr(imports, "COLUMN_CHUNK", 5)
    rows = rows_of(world, 12, "SB")
    rows[3][column] = value
    if column == 6:
        rows[3][8] = rows[3][9] = None
    path = write_xlsx(tmp_path / "bad.xlsx", [HEAD, *rows])
    for options in ({}, {"skip_bad_rows": True}):
        (set_wise, by_rows), taken = run_both(monkeypatch, world, path, "SB", **options)
        assert summary(set_wise[0]) == summary(by_rows[0])
        assert set_wise[1] == by_rows[1]
        assert set_wise[0].bad_rows == 1
        assert set_wise[0].errors[0][0] == 5  # the sheet's row number
        assert title in set_wise[0].errors[0][1]
        # the chunks without the bad row went set-wise all the same
        assert True in taken
        if not options:
            assert set_wise[1]["projects"] == []  # refused: nothing written


def test_an_importer_writes_only_within_its_scope(world, tmp_path, monkeypatch):
    rows = rows_of(world, 6, "SB")
    path = write_xlsx(tmp_path / "scope.xlsx", [HEAD, *rows])
    result = projects_import(actor=world.operator_a, path=path, skip_bad_rows=True)
    # the rows of 乙区 are refused with the row-by-row path's message
    assert result.bad_rows == 3
    assert all("无权为“乙区”导入项目" in message for _r, _c, message in result.errors)
    assert set(Project.objects.filter(code__startswith="SB").values_list("unit", flat=True)) == {
        world.district_a.pk
    }


def test_an_existing_code_goes_row_by_row(world, tmp_path, monkeypatch):
    rows = rows_of(world, 4, "SB")
    rows[1][0] = world.project_a.code
    path = write_xlsx(tmp_path / "update.xlsx", [HEAD, *rows])
    (set_wise, by_rows), taken = run_both(monkeypatch, world, path, "SB")
    assert summary(set_wise[0]) == summary(by_rows[0])
    assert set_wise[1] == by_rows[1]
    assert taken == []  # an update is never written set-wise


def compiled(path):
    from gongjian.kit.tabular.files import open_workbook

    rows = [list(r) for r in open_workbook(path).rows()]
    header = S.match_headers(PROJECT_SCHEMA, rows[:1])
    lookups = {"unit": lambda text: text, "any_unit": lambda text: text, "user": str}
    columns = S.compile_columns(PROJECT_SCHEMA, header, lookups, lambda c: c.title)
    return columns, rows[1:]


@pytest.mark.parametrize(
    ("cell", "by_columns"),
    [
        ("普通文字", True),
        ("Café 项目", True),
        (12345, True),  # a number in a text column: read by the column's own reader
        (12345.0, True),
        ("  前后有空格 ", False),  # the rest are read row by row
        ("全角\u3000空格", False),
        (unicodedata.normalize("NFD", "Café 项目"), False),
        ("控制\x07字符", False),
        ("", False),  # a required cell blank
        (" ", False),
        (None, False),
        ("名" * 201, False),
    ],
)
def test_columns_read_as_rows_read_or_not_at_all(world, tmp_path, cell, by_columns):
    """``read_columns`` gives what ``read_row`` gives for every row, or None (then the
    rows are read one by one): never a different value."""
    rows = rows_of(world, 4, "RC")
    rows[2][1] = cell  # 项目名称, required text
    rows[1][12] = cell  # 产业集群, optional text
    path = write_xlsx(tmp_path / "cells.xlsx", [HEAD, *rows])
    columns, data = compiled(path)
    readers = imports.column_readers(PROJECT_SCHEMA, columns)
    read = imports.read_columns(readers, data)
    assert (read is not None) is by_columns
    if read is None:
        return
    for i, cells in enumerate(data):
        values, problems = S.read_row(columns, cells)
        assert not problems
        assert {key: read[key][i] for key in read} == values


def test_numbers_of_several_types_in_one_column_are_read_one_by_one(world, tmp_path):
    rows = rows_of(world, 3, "RC")
    rows[0][4], rows[1][4], rows[2][4] = 1, 1.0, 2.5
    path = write_xlsx(tmp_path / "numbers.xlsx", [HEAD, *rows])
    columns, data = compiled(path)
    readers = imports.column_readers(PROJECT_SCHEMA, columns)
    by_columns = imports.read_columns(readers, data)
    expected = [S.read_row(columns, cells)[0]["total_investment"] for cells in data]
    assert by_columns is not None
    assert by_columns["total_investment"] == expected == [10_000, 10_000, 25_000]


def test_a_set_wise_import_draws_its_units_stamps_once_and_keeps_every_trigger(
    world, tmp_path, monkeypatch
):
    """The chunks written set-wise draw their units' stamps once (on SQLite the row
    triggers are dropped for the chunk and created again in the same transaction,
    ``stamps.drawn_once``): the written units' stamps are new, the others' unchanged,
    and every trigger is there afterwards — after a saved import and a refused one —
    and still draws a stamp on the next write."""
    from gongjian.projects import stamps
    from gongjian.units.models import Unit, UnitStamp

    def stamps_now() -> dict[int, int]:
        return dict(UnitStamp.objects.values_list("unit_id", "stamp"))

    monkeypatch.setattr(imports, "COLUMN_CHUNK", 7)
    taken = []
    create_set = services.ProjectBulk.create_set

    def counting(self, *args, **kwargs):
        taken.append(create_set(self, *args, **kwargs))
        return taken[-1]

    monkeypatch.setattr(services.ProjectBulk, "create_set", counting)
    before = stamps_now()
    path = write_xlsx(tmp_path / "ok.xlsx", [HEAD, *rows_of(world, 20, "ST")])
    result = projects_import(actor=world.office, path=path, file_name="t.xlsx")
    assert result.saved and result.created == 20
    assert taken and all(taken)  # every chunk went set-wise
    written = {world.district_a.pk, world.district_b.pk}
    after = stamps_now()
    assert {u for u in after if after[u] != before.get(u)} == written
    assert stamps.expected_triggers() <= stamps.installed_triggers()

    # refused (a bad row, nothing saved): the triggers are there all the same
    rows = rows_of(world, 20, "SR")
    rows[15][2] = "不存在的区"
    refused = projects_import(
        actor=world.office, path=write_xlsx(tmp_path / "bad.xlsx", [HEAD, *rows])
    )
    assert not refused.saved and not Project.objects.filter(code__startswith="SR").exists()
    assert stamps.expected_triggers() <= stamps.installed_triggers()

    # and they draw: a project written past every service draws its unit's stamp
    project = Project.objects.filter(code__startswith="ST").first()
    other = Unit.objects.exclude(pk=project.unit_id).values_list("pk", flat=True).first()
    now = stamps_now()
    StageTransition.objects.create(project=project, stage="signed", occurred_on=world.day(1, 2))
    later = stamps_now()
    assert later[project.unit_id] != now[project.unit_id]
    assert later.get(other) == now.get(other)
