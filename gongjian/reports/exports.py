"""Excel out: the import templates and every list (projects, progress, problems,
rankings, indicator tables), written by xlsxwriter in constant-memory mode to a
temporary file so that a 100,000-row list streams without being held in memory.

Amounts are integer 元 in the database and shown in 万元 (four decimals, so nothing
is lost and an exported sheet imports back to the same registry).
"""

from __future__ import annotations

import datetime as dt
import operator
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from pathlib import Path

import xlsxwriter
from django.db.models import QuerySet
from django.utils import timezone

from gongjian.common.money import WAN
from gongjian.projects.filters import problem_is_overdue
from gongjian.projects.models import Batch, Category, Problem, ProgressReport, Project, Stage, Tag
from gongjian.units.models import Unit, User

from . import sheets as S
from .imports import PROJECT_DATE_COLUMNS, PROJECT_SCHEMA, REPORT_SCHEMA

TEXT, INT, WAN_AMOUNT, DATE, DATETIME, NUMBER, PERCENT = (
    "text",
    "int",
    "wan",
    "date",
    "datetime",
    "number",
    "percent",
)


@dataclass
class Col:
    title: str
    get: Callable
    kind: str = TEXT
    width: int = 14


def _temp_path(prefix: str) -> Path:
    return Path(tempfile.mkstemp(prefix=f"gongjian-{prefix}-", suffix=".xlsx")[1])


def write_table(
    title: str, columns: list[Col], rows: Iterable, *, caption: str = "", path: Path | None = None
) -> Path:
    """Write ``rows`` (objects the columns' getters read) as one formatted sheet: a
    caption line, a frozen bold header, autofilter, widths, 万元 with thousands
    separators, dates."""
    path = path or _temp_path("export")
    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "default_date_format": "yyyy-mm-dd"}
    )
    sheet = book.add_worksheet(title[:31])
    formats = {
        "head": book.add_format(
            {
                "bold": True,
                "bg_color": "#E8EEF7",
                "border": 1,
                "text_wrap": True,
                "valign": "vcenter",
            }
        ),
        "caption": book.add_format({"bold": True, "font_size": 13}),
        WAN_AMOUNT: book.add_format({"num_format": "#,##0.00##"}),
        INT: book.add_format({"num_format": "#,##0"}),
        NUMBER: book.add_format({"num_format": "#,##0.##"}),
        PERCENT: book.add_format({"num_format": "0.0%"}),
        DATE: book.add_format({"num_format": "yyyy-mm-dd"}),
        DATETIME: book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    first = 0
    if caption:
        sheet.write(0, 0, caption, formats["caption"])
        first = 1
    for col, column in enumerate(columns):
        sheet.set_column(col, col, column.width)
    sheet.write_row(first, 0, [c.title for c in columns], formats["head"])
    sheet.freeze_panes(first + 1, 0)
    cells = [
        (col, column.get, _cell_writer(sheet, column.kind, formats))
        for col, column in enumerate(columns)
    ]
    row = first
    for obj in rows:
        row += 1
        for col, get, write in cells:
            value = get(obj)
            if value is None or value == "":
                continue
            write(row, col, value)
    sheet.autofilter(first, 0, max(row, first), len(columns) - 1)
    book.close()
    return path


def _cell_writer(sheet, kind: str, formats: dict) -> Callable[[int, int, object], None]:
    """The writer of one column's cells, its format chosen once."""
    if kind == WAN_AMOUNT:
        fmt = formats[WAN_AMOUNT]

        def wan(row: int, col: int, value) -> None:
            # int / int is correctly rounded: the nearest float to the exact 万元 amount
            number = value / WAN if type(value) is int else float(Decimal(value) / WAN)
            sheet.write_number(row, col, number, fmt)

        return wan
    if kind in (DATE, DATETIME):
        fmt = formats[kind]

        def date(row: int, col: int, value) -> None:
            if isinstance(value, dt.datetime):
                value = timezone.localtime(value).replace(tzinfo=None)
            sheet.write_datetime(row, col, value, fmt)

        return date
    if kind in (INT, NUMBER, PERCENT):
        fmt = formats[kind]

        def number(row: int, col: int, value) -> None:
            sheet.write_number(row, col, float(value), fmt)

        return number

    def text(row: int, col: int, value) -> None:
        sheet.write_string(row, col, value if type(value) is str else str(value))

    return text


# --- people and units as the import reads them back ---------------------------------


def person_ref(user: User | None) -> str:
    """``姓名(登录名)``: readable, and unambiguous when read back."""
    if user is None:
        return ""
    return f"{user.full_name}({user.username})" if user.full_name else user.username


def unit_ref(unit: Unit | None, ambiguous: set[str]) -> str:
    if unit is None:
        return ""
    if unit.name in ambiguous and unit.code:
        return unit.code
    return unit.name


def ambiguous_unit_names() -> set[str]:
    seen: set[str] = set()
    dup: set[str] = set()
    for name in Unit.objects.values_list("name", flat=True):
        (dup if name in seen else seen).add(name)
    return dup


# --- lists ---------------------------------------------------------------------------


def labels(choices) -> dict[str, str]:
    """Choice labels translated once per export rather than once per cell."""
    return {value: str(label) for value, label in choices.choices}


# What a project row is read from (one ``values_list`` query); the sheet's cells are
# computed from it with look-up tables loaded once per export.
_PROJECT_VALUES = [
    "pk",
    "code",
    "name",
    "unit_id",
    "category",
    "total_investment",
    "planned_investment",
    "stage",
    *(field for _s, field, _t, _a in PROJECT_DATE_COLUMNS),
    "responsible_unit_id",
    "leader_id",
    "industry_cluster",
    "enterprise_name",
    "latitude",
    "longitude",
    "description",
    "completed_investment",
]
EXPORT_CHUNK = 5000


def project_columns() -> list[Col]:
    """The project sheet: the import's columns in the import's order (so that an export
    imports back), then read-only extras. Each column reads its cell from the tuples
    ``project_rows`` yields, in this order."""
    columns = []
    for index, column in enumerate(PROJECT_SCHEMA.columns):
        get = operator.itemgetter(index)
        if column.kind == S.DATE:
            columns.append(Col(column.title, get, DATE, 12))
        elif column.kind == S.AMOUNT:
            columns.append(Col(f"{column.title}(万元)", get, WAN_AMOUNT, column.width))
        elif column.kind == S.DECIMAL:
            columns.append(Col(column.title, get, NUMBER, column.width))
        else:
            columns.append(Col(column.title, get, TEXT, column.width))
    get = operator.itemgetter(len(PROJECT_SCHEMA.columns))
    columns.append(Col("累计完成投资(万元)", get, WAN_AMOUNT, 14))
    return columns


def project_rows(qs: QuerySet[Project], chunk_size: int = EXPORT_CHUNK):
    """The cells of ``project_columns`` for each project of ``qs``, in its order: one
    ``values_list`` query read in chunks, two queries per chunk for its tags and
    batches, units / people / labels from tables read once."""
    dup = ambiguous_unit_names()
    units = {u.pk: unit_ref(u, dup) for u in Unit.objects.only("pk", "name", "code")}
    leaders = qs.filter(leader__isnull=False).values("leader_id")
    people = {u.pk: person_ref(u) for u in User.objects.filter(pk__in=leaders)}
    tag_names = dict(Tag.objects.values_list("pk", "name"))
    batch_codes = dict(Batch.objects.values_list("pk", "code"))
    categories, stages = labels(Category), labels(Stage)
    at = {name: i for i, name in enumerate(_PROJECT_VALUES)}
    dates = {f"date_{stage}": at[field] for stage, field, _t, _a in PROJECT_DATE_COLUMNS}
    plain = {  # schema column → index of the value written as it is
        "code": at["code"],
        "name": at["name"],
        "total_investment": at["total_investment"],
        "planned_investment": at["planned_investment"],
        "industry_cluster": at["industry_cluster"],
        "enterprise_name": at["enterprise_name"],
        "latitude": at["latitude"],
        "longitude": at["longitude"],
        "description": at["description"],
    }
    # a cell is either values[i] (plain) or computed[j] (look-ups): one index table
    computed_keys = ["unit", "category", "stage", "responsible_unit", "leader", "tags", "batches"]
    width = len(_PROJECT_VALUES)
    order = []
    for column in PROJECT_SCHEMA.columns:
        if column.key in plain:
            order.append(plain[column.key])
        elif column.key in computed_keys:
            order.append(width + computed_keys.index(column.key))
        else:
            order.append(dates[column.key])
    order.append(at["completed_investment"])
    pick = operator.itemgetter(*order)
    i_unit, i_cat, i_stage = at["unit_id"], at["category"], at["stage"]
    i_resp, i_leader = at["responsible_unit_id"], at["leader_id"]
    tag_through, batch_through = Project.tags.through, Project.batches.through
    rows = qs.values_list(*_PROJECT_VALUES).iterator(chunk_size=chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        ids = [r[0] for r in chunk]
        tags: dict[int, list[str]] = {}
        for pid, tid in (
            tag_through.objects.filter(project_id__in=ids)
            .order_by("tag_id")
            .values_list("project_id", "tag_id")
        ):
            tags.setdefault(pid, []).append(tag_names[tid])
        batches: dict[int, list[str]] = {}
        for pid, bid in batch_through.objects.filter(project_id__in=ids).values_list(
            "project_id", "batch_id"
        ):
            batches.setdefault(pid, []).append(batch_codes[bid])
        for r in chunk:
            pid = r[0]
            yield pick(
                (
                    *r,
                    units[r[i_unit]],
                    categories[r[i_cat]],
                    stages[r[i_stage]],
                    units.get(r[i_resp], ""),
                    people.get(r[i_leader], ""),
                    "、".join(tags.get(pid, ())),
                    "、".join(sorted(batches.get(pid, ()))),
                )
            )


def export_projects(qs: QuerySet[Project], caption: str = "") -> Path:
    return write_table("项目清单", project_columns(), project_rows(qs), caption=caption)


def export_reports(qs: QuerySet[ProgressReport], caption: str = "") -> Path:
    dup = ambiguous_unit_names()
    report_statuses = labels(ProgressReport.Status)
    columns = [
        Col("项目编号", lambda r: r.project.code, TEXT, 16),
        Col("项目名称", lambda r: r.project.name, TEXT, 30),
        Col("所属单位", lambda r: unit_ref(r.project.unit, dup), TEXT, 14),
        Col("期间开始", lambda r: r.period_start, DATE, 12),
        Col("期间结束", lambda r: r.period_end, DATE, 12),
        Col("本期完成投资(万元)", lambda r: r.investment_this_period, WAN_AMOUNT, 14),
        Col("累计完成投资(万元)", lambda r: r.cumulative_investment, WAN_AMOUNT, 14),
        Col("形象进度", lambda r: r.progress_text, TEXT, 36),
        Col("存在问题", lambda r: r.problems_text, TEXT, 30),
        Col("状态", lambda r: report_statuses[r.status], TEXT, 8),
        Col("报送人", lambda r: person_ref(r.submitted_by), TEXT, 14),
        Col("报送时间", lambda r: r.submitted_at, DATETIME, 17),
    ]
    rows = qs.select_related("project", "project__unit", "submitted_by").iterator(chunk_size=2000)
    return write_table("进度报告", columns, rows, caption=caption)


def export_problems(qs: QuerySet[Problem], caption: str = "") -> Path:
    dup = ambiguous_unit_names()
    kinds, statuses = labels(Problem.Kind), labels(Problem.Status)
    today = timezone.localdate()
    columns = [
        Col("项目编号", lambda p: p.project.code, TEXT, 16),
        Col("项目名称", lambda p: p.project.name, TEXT, 30),
        Col("所属单位", lambda p: unit_ref(p.project.unit, dup), TEXT, 14),
        Col("问题类型", lambda p: kinds[p.kind], TEXT, 10),
        Col("问题描述", lambda p: p.description, TEXT, 40),
        Col("责任单位", lambda p: unit_ref(p.owner_unit, dup), TEXT, 18),
        Col("包保领导", lambda p: person_ref(p.leader), TEXT, 14),
        Col("提出日期", lambda p: p.raised_on, DATE, 12),
        Col("办结时限", lambda p: p.deadline, DATE, 12),
        Col("状态", lambda p: statuses[p.status], TEXT, 8),
        Col("是否超期", lambda p: "超期" if problem_is_overdue(p, today) else "", TEXT, 8),
        Col("解决日期", lambda p: p.resolved_on, DATE, 12),
        Col("销号日期", lambda p: p.verified_on, DATE, 12),
        Col("办理情况", lambda p: p.resolution, TEXT, 40),
    ]
    rows = qs.select_related("project", "project__unit", "owner_unit", "leader").iterator(
        chunk_size=2000
    )
    return write_table("问题清单", columns, rows, caption=caption)


def export_ranking(scheme, rows, caption: str = "") -> Path:
    """赛马: one row per unit with its score and each weighted indicator's parts."""
    codes = list(rows[0].parts) if rows else []
    names = {c: rows[0].parts[c]["name"] for c in codes}
    columns = [
        Col("名次", lambda r: r.rank, INT, 6),
        Col("单位", lambda r: r.unit.name, TEXT, 18),
        Col("得分", lambda r: r.score, NUMBER, 8),
        Col("上月名次", lambda r: r.previous_rank, INT, 9),
        Col("名次变化", lambda r: r.movement, INT, 9),
    ]
    for code in codes:
        columns += [
            Col(f"{names[code]}·完成值", lambda r, c=code: r.parts[c]["value"], NUMBER, 14),
            Col(f"{names[code]}·目标", lambda r, c=code: r.parts[c]["target"], NUMBER, 10),
            Col(f"{names[code]}·完成率", lambda r, c=code: r.parts[c]["rate"], PERCENT, 10),
            Col(f"{names[code]}·得分", lambda r, c=code: r.parts[c]["weighted"], NUMBER, 10),
        ]
    return write_table("赛马排名", columns, rows, caption=caption or scheme.name)


def export_indicators(rows: list[dict], caption: str = "") -> Path:
    """Indicator table: rows are dicts from ``selectors.indicator_table``."""
    columns = [
        Col("指标代码", lambda r: r["code"], TEXT, 28),
        Col("指标名称", lambda r: r["name"], TEXT, 30),
        Col("完成值", lambda r: r["value_text"], TEXT, 18),
        Col("数值", lambda r: r["number"], NUMBER, 16),
        Col("计量单位", lambda r: r["display_unit"], TEXT, 8),
        Col("目标", lambda r: r["target"], NUMBER, 14),
        Col("完成率", lambda r: r["rate"], PERCENT, 9),
        Col("序时进度", lambda r: r["pro_rata"], PERCENT, 9),
        Col("快于序时", lambda r: {True: "是", False: "否"}.get(r["ahead"], ""), TEXT, 8),
    ]
    return write_table("指标", columns, rows, caption=caption)


# --- import templates -------------------------------------------------------------


def write_template(schema: S.SheetSchema, path: Path | None = None, units=None) -> Path:
    """The downloadable import template: Chinese headers, dropdowns for unit / category /
    stage (lists on a hidden sheet), an example row, a notes sheet."""
    path = path or _temp_path(f"template-{schema.key}")
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(schema.title)
    lists = book.add_worksheet("下拉选项")
    notes = book.add_worksheet("填写说明")
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    example = book.add_format({"italic": True, "font_color": "#7F7F7F"})
    example_date = book.add_format(
        {"italic": True, "font_color": "#7F7F7F", "num_format": "yyyy-mm-dd"}
    )
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    options: dict[str, list[str]] = {}
    if schema.key == "projects":
        units = Unit.objects.all() if units is None else units
        options["unit"] = list(
            units.filter(is_active=True).order_by("path").values_list("name", flat=True)
        )
    for column in schema.columns:
        if column.kind == S.CHOICE:
            options[column.key] = list(column.choices)
    list_col = 0
    ranges: dict[str, str] = {}
    for key, values in options.items():
        lists.write(0, list_col, schema.column(key).title)
        lists.write_column(1, list_col, values)
        letter = S.col_letter(list_col)
        ranges[key] = f"='下拉选项'!${letter}$2:${letter}${max(len(values), 1) + 1}"
        list_col += 1
    lists.hide()
    for col, column in enumerate(schema.columns):
        sheet.write(0, col, column.header(), required if column.required else head)
        sheet.set_column(col, col, column.width, date if column.kind == S.DATE else None)
        if column.help:
            sheet.write_comment(0, col, column.help)
        if isinstance(column.example, dt.date):
            sheet.write_datetime(
                1, col, dt.datetime.combine(column.example, dt.time()), example_date
            )
        elif column.example != "":
            sheet.write(1, col, column.example, example)
        if column.key in ranges:
            sheet.data_validation(
                1,
                col,
                100000,
                col,
                {
                    "validate": "list",
                    "source": ranges[column.key],
                    "error_title": "请从下拉列表中选择",
                    "error_message": f"{column.title}须为列表中的值",
                },
            )
        elif column.kind == S.DATE:
            sheet.data_validation(
                1,
                col,
                100000,
                col,
                {
                    "validate": "date",
                    "criteria": ">=",
                    "value": dt.date(1990, 1, 1),
                    "input_title": column.title,
                    "input_message": "日期,如 2024-03-05",
                },
            )
    sheet.freeze_panes(1, 0)
    notes.set_column(0, 0, 100)
    notes.write(0, 0, f"{schema.title}导入说明", head)
    for row, line in enumerate(schema.notes, start=1):
        notes.write(row, 0, f"{row}. {line}")
    notes.write(len(schema.notes) + 2, 0, "第 2 行为示例,导入前请删除或改写。")
    book.close()
    return path


TEMPLATES = {"projects": PROJECT_SCHEMA, "reports": REPORT_SCHEMA}
