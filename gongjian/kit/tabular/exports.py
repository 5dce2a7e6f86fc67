"""Excel out, once: every list, error sheet and import template is written here.

``write_table`` writes rows as one formatted sheet with xlsxwriter in constant-memory mode
to a temporary file, so that a 100,000-row list streams without being held in memory;
text is always written as text, never a formula nor a link, whatever it begins with
(``TEXT_ONLY``: an "=HYPERLINK(…)" project name stays a name). Amounts are integer 元 in
the database and shown in 万元 (four decimals, so nothing is lost and an exported sheet
imports back to the same registry). ``write_template`` writes an import sheet's
downloadable template.

An app makes a list downloadable from the one export view by registering an ``Exporter``
in ``exporters`` from its ``AppConfig.ready()``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from django.utils import timezone

from ..money import WAN
from ..registration import Registry
from . import schema as S

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


# Workbook options of every sheet the product writes: a string is a string (xlsxwriter's
# write() otherwise turns "=…" into a formula and "https://…"/"external:…" into a link).
TEXT_ONLY = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


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
        str(path),
        {
            "constant_memory": True,
            "default_date_format": "yyyy-mm-dd",
            **TEXT_ONLY,
        },
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
        sheet.write_string(0, 0, caption, formats["caption"])
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


def person_ref(user: Any) -> str:
    """``姓名(登录名)``: readable, and unambiguous when read back."""
    if user is None:
        return ""
    return f"{user.full_name}({user.username})" if user.full_name else user.username


def unit_ref(unit: Any, ambiguous: set[str]) -> str:
    """A unit as a sheet names it: its name, or its division code where the name is
    shared by several units (``ambiguous``)."""
    if unit is None:
        return ""
    if unit.name in ambiguous and unit.code:
        return unit.code
    return unit.name


def labels(choices) -> dict[str, str]:
    """Choice labels translated once per export rather than once per cell."""
    return {value: str(label) for value, label in choices.choices}


# --- import templates -------------------------------------------------------------


def write_template(
    schema: S.SheetSchema, path: Path | None = None, options: dict[str, list[str]] | None = None
) -> Path:
    """The downloadable import template: Chinese headers, dropdowns for the choice columns
    and for the columns ``options`` lists values of (e.g. ``{"unit": [names]}``, on a
    hidden sheet), an example row, a notes sheet."""
    path = path or _temp_path(f"template-{schema.key}")
    book = xlsxwriter.Workbook(str(path), dict(TEXT_ONLY))
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
    options = dict(options or {})
    for column in schema.columns:
        if column.kind == S.CHOICE:
            options[column.key] = list(column.choices)
    list_col = 0
    ranges: dict[str, str] = {}
    for key, values in options.items():
        lists.write(0, list_col, schema.column(key).title)
        for row, value in enumerate(values, start=1):
            lists.write_string(row, list_col, str(value))
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


# --- the export registry ---------------------------------------------------------------


@dataclass(frozen=True)
class Exporter:
    """A list the one export view (``reports``) writes: ``write(user, query)`` gets the
    rows ``user`` may see (``kit.scope``), applies the list's filters from the query string
    (the same filter definition as the list page and the API) and returns the written
    sheet; a filter it cannot use raises ``ValidationError`` / pydantic's error."""

    key: str
    title: str
    write: Callable[[Any, Any], Path]
    # the rows ``write`` would write (a queryset), for a long list: the export view counts
    # them and hands a large one to the job workers (``kit.jobs``)
    rows: Callable[[Any, Any], Any] | None = None


exporters: Registry[Exporter] = Registry("exporters")


def register_exporter(exporter: Exporter) -> Exporter:
    """Make a list downloadable from the export view (an app calls it in ``ready()``)."""
    return exporters.register(exporter.key, exporter)
