"""A small declarative "sheet schema": the columns of an import sheet, how a person may
head them, and how each cell is read.

A ``SheetSchema`` lists ``Column``s (key, Chinese title, aliases, type, required,
amount unit, lookup). ``match_headers`` finds the header row and maps every sheet
column to a schema column, tolerating spaces, full-width characters, column order,
"*" markers and the amount unit written in the header (``总投资(万元)``). Cell
parsers turn what a person typed into Python values or raise ``CellError`` with a
Chinese message. Every domain's import (projects, reports, enterprises, outreach, leads,
appeals, policies) declares its sheet this way.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from gongjian.kit.cleaning import CONTROL_CHARS, text_problem
from gongjian.kit.money import NEGATIVE_AMOUNT, UNIT_FACTORS, to_yuan


class CellError(ValueError):
    """A cell that cannot be read; the message is Chinese and names the problem."""


class HeaderError(ValueError):
    """The header row is missing, incomplete or ambiguous."""


TEXT, INT, DECIMAL, AMOUNT, DATE, CHOICE, LOOKUP, LIST = (
    "text",
    "int",
    "decimal",
    "amount",
    "date",
    "choice",
    "lookup",
    "list",
)


@dataclass
class Column:
    """One column of an import sheet.

    ``choices``: label → value for a dropdown column (values are accepted too);
    ``choice_aliases``: other spellings a city's own sheet uses → value (accepted, not
    offered in the dropdown);
    ``lookup``: the name of a resolver the importer supplies (unit, user, tag …);
    ``default_unit``: the amount unit when the header names none.
    """

    key: str
    title: str
    kind: str = TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    default_unit: str = "万元"
    choices: dict[str, str] = field(default_factory=dict)
    choice_aliases: dict[str, str] = field(default_factory=dict)
    lookup: str = ""
    max_length: int | None = None
    help: str = ""
    example: object = ""
    width: int = 14

    def header(self) -> str:
        """The header the downloadable template uses."""
        title = f"{self.title}({self.default_unit})" if self.kind == AMOUNT else self.title
        return f"*{title}" if self.required else title


@dataclass
class SheetSchema:
    """An import sheet: its columns and the notes of its template. ``fields`` maps the
    name of a field in a service's error (``unit_id``, ``occurred_on``) to the column
    the user should look at, where the two differ."""

    key: str
    title: str
    columns: list[Column]
    notes: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def column_for_field(self, name: str) -> Column | None:
        """The column a service's error about field ``name`` belongs to."""
        key = self.fields.get(name, name)
        if key.endswith("_id") and key not in {c.key for c in self.columns}:
            key = key[:-3]
        return next((c for c in self.columns if c.key == key), None)


# --- headers ---------------------------------------------------------------------

_UNIT_RE = re.compile(r"^(?P<name>.*?)[\(\[【]?(?P<unit>亿元|万元|元)[\)\]】]?$")
_TRAILING_RE = re.compile(r"[(\[【_/-]+$")
_SPACE_RE = re.compile(r"[\s\u3000\u00a0\u200b]+")


def normalize(text: object) -> str:
    """Fold full-width characters (NFKC), drop every kind of space and "*"; lower-case."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    folded = _SPACE_RE.sub("", value).replace("*", "").replace("※", "")
    if folded != value:
        # a dropped space or mark may join a letter and a combining mark ("e ́" → "é"):
        # fold again so that folding a folded header changes nothing
        folded = unicodedata.normalize("NFKC", folded)
    return folded.lower()


def split_unit(header: str) -> tuple[str, str | None]:
    """``"总投资(万元)"`` → ``("总投资", "万元")``; no unit → ``(header, None)``."""
    h = normalize(header)
    m = _UNIT_RE.match(h)
    if m and m.group("name"):
        return _TRAILING_RE.sub("", m.group("name")), m.group("unit")
    return h, None


@dataclass
class HeaderMatch:
    row_index: int  # 0-based index of the header row in the sheet
    positions: dict[str, int]  # column key → 0-based sheet column
    units: dict[str, str]  # amount column key → unit of the sheet's header
    headers: list[str]  # the sheet's header cells as written
    unmatched: list[str]  # sheet headers no column took


def _names(column: Column) -> set[str]:
    return {split_unit(n)[0] for n in (column.title, column.key, *column.aliases)}


def match_row(
    schema: SheetSchema, cells: list, mapping: dict[str, str] | None = None
) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Match one row of header cells; ``mapping`` (sheet header → column key) wins."""
    by_name: dict[str, Column] = {}
    for each in schema.columns:
        for name in _names(each):
            by_name.setdefault(name, each)
    norm_mapping = {split_unit(k)[0]: v for k, v in (mapping or {}).items()}
    norm_mapping.update({normalize(k): v for k, v in (mapping or {}).items()})
    positions: dict[str, int] = {}
    units: dict[str, str] = {}
    unmatched: list[str] = []
    for index, cell in enumerate(cells):
        if cell is None or str(cell).strip() == "":
            continue
        name, unit = split_unit(str(cell))
        column: Column | None = None
        key = norm_mapping.get(normalize(cell)) or norm_mapping.get(name)
        if key:
            column = next((c for c in schema.columns if c.key == key), None)
        if column is None:
            column = by_name.get(name) or by_name.get(normalize(cell))
        if column is None:
            unmatched.append(str(cell))
            continue
        if column.key in positions:
            raise HeaderError(
                f"表头中“{column.title}”出现了两次(第 {col_letter(positions[column.key])} 列和第 {col_letter(index)} 列)"
            )
        positions[column.key] = index
        if column.kind == AMOUNT:
            units[column.key] = unit or column.default_unit
    return positions, units, unmatched


def match_headers(
    schema: SheetSchema, rows: Iterable[list], mapping: dict[str, str] | None = None, scan: int = 10
) -> HeaderMatch:
    """Find the header row among the first ``scan`` rows (titles above it are skipped)."""
    best: tuple[int, int, list, tuple] | None = None
    required = [c for c in schema.columns if c.required]
    for row_index, cells in enumerate(rows):
        if row_index >= scan:
            break
        positions, units, unmatched = match_row(schema, list(cells), mapping)
        if best is None or len(positions) > best[0]:
            best = (len(positions), row_index, list(cells), (positions, units, unmatched))
        if all(c.key in positions for c in required):
            return HeaderMatch(row_index, positions, units, [_s(c) for c in cells], unmatched)
    if best is None or best[0] == 0:
        raise HeaderError(
            "没有找到表头:前 10 行中没有一行含有“"
            + "”“".join(c.title for c in required)
            + "”等列名。请使用下载的模板,或保存一个列名对照。"
        )
    positions = best[3][0]
    missing = [c.title for c in required if c.key not in positions]
    raise HeaderError(
        f"第 {best[1] + 1} 行的表头缺少必填列:"
        + "、".join(missing)
        + "。"
        + (f"未识别的列:{'、'.join(best[3][2])}。" if best[3][2] else "")
        + "可保存一个列名对照,把表中的列名对应到这些列。"
    )


def _s(value) -> str:
    return "" if value is None else str(value)


def col_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --- cells -----------------------------------------------------------------------


BLANK_CHARS = " \t\r\n\u3000\u00a0\u200b"


def is_blank(value) -> bool:
    # str.strip() also removes full-width (U+3000) and no-break spaces
    return value is None or (isinstance(value, str) and not value.strip(BLANK_CHARS))


def check_plain(text: str) -> str:
    """``text`` when it holds no control character (``kit.cleaning``), else a
    ``CellError`` saying which: the row is refused, naming row and column."""
    if CONTROL_CHARS.search(text) is not None:
        raise CellError(text_problem(text))
    return text


def parse_text(value, column: Column) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        raise CellError("应为文字,却是日期")
    text = unicodedata.normalize("NFC", str(value)).strip().replace("\u3000", " ").strip()
    check_plain(text)
    if column.max_length and len(text) > column.max_length:
        raise CellError(f"超过 {column.max_length} 个字")
    return text


_NUMBER_RE = re.compile(r"^[+-]?\d+(\.\d+)?$")
_CELL_UNIT_RE = re.compile(r"^(?P<num>.*?)(?P<unit>亿元|万元|元|亿|万)?$")


def parse_decimal(value) -> Decimal:
    if isinstance(value, bool):
        raise CellError("不是数字")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError("不是数字")
        return Decimal(repr(value))
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        raise CellError("不是数字(单元格为日期格式)")
    text = normalize(value).replace(",", "").replace("，", "")
    if not _NUMBER_RE.match(text):
        raise CellError(f"“{value}”不是数字")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise CellError(f"“{value}”不是数字") from None


def parse_int(value) -> int:
    number = parse_decimal(value)
    if number != number.to_integral_value():
        raise CellError(f"“{value}”应为整数")
    return int(number)


# The largest amount a BigIntegerField (integer 元) holds.
MAX_YUAN = 2**63 - 1


def parse_amount(value, unit: str) -> int:
    """An amount in ``unit`` (元/万元/亿元, from the header) → integer 元. A cell may
    carry its own unit (``3.5亿元``)."""
    if isinstance(value, str):
        m = _CELL_UNIT_RE.match(normalize(value))
        if m and m.group("unit"):
            unit = {"亿": "亿元", "万": "万元"}.get(m.group("unit"), m.group("unit"))
            value = m.group("num")
    number = parse_decimal(value)
    if number < 0:
        raise CellError(NEGATIVE_AMOUNT)
    if number.adjusted() >= 19:
        raise CellError(f"金额 {value} 过大")
    try:
        yuan = to_yuan(number, unit)
    except ValueError:
        raise CellError(
            f"{number}{unit} 换算为元后有小数(最多精确到 1 元,即 {unit} 的小数点后 {len(str(UNIT_FACTORS[unit])) - 1} 位)"
        ) from None
    if yuan > MAX_YUAN:
        raise CellError(f"金额 {value}{unit} 过大(最多 {MAX_YUAN} 元)")
    return yuan


_DATE_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
]


def parse_date(value) -> dt.date:
    """Dates as Excel stores them, or as text a person types: 2024-03-05, 2024/3/5,
    2024.3.5, 2024年3月5日, 20240305. Two-digit years, day-first orders (05/03/2024)
    and bare serial numbers are ambiguous and refused."""
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise CellError(f"“{value}”含有时间,应为日期")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(f"“{value:g}”是数字而不是日期:请把单元格设为日期格式,或写成 2024-03-05")
    text = normalize(value)
    text = text.split(" ")[0] if " " in text else text
    if text.endswith("00:00:00") and len(text) > 10:
        text = text[: -len("00:00:00")]
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError:
                raise CellError(f"“{value}”不是有效日期") from None
    raise CellError(f"无法确定“{value}”是哪一天:请写成 2024-03-05 或 2024年3月5日")


def parse_choice(value, column: Column) -> str:
    text = normalize(check_plain(str(value)))
    for label, code in column.choices.items():
        if text in (normalize(label), normalize(code)):
            return code
    for alias, code in column.choice_aliases.items():
        if text == normalize(alias):
            return code
    raise CellError(f"“{value}”不是可选值(" + "、".join(column.choices) + ")")


def parse_list(value) -> list[str]:
    if is_blank(value):
        return []
    text = check_plain(unicodedata.normalize("NFKC", str(value)))
    return [p.strip() for p in re.split(r"[,;、;\n]+", text) if p.strip()]


def parse_cell(
    column: Column, value, unit: str | None, lookups: dict[str, Callable[[str], object]]
):
    """Read one cell; blank → None (the importer decides whether it is required)."""
    if is_blank(value):
        return None
    if column.kind == TEXT:
        return parse_text(value, column)
    if column.kind == INT:
        return parse_int(value)
    if column.kind == DECIMAL:
        return parse_decimal(value)
    if column.kind == AMOUNT:
        return parse_amount(value, unit or column.default_unit)
    if column.kind == DATE:
        return parse_date(value)
    if column.kind == CHOICE:
        return parse_choice(value, column)
    if column.kind == LIST:
        items = parse_list(value)
        if column.lookup:
            return [lookups[column.lookup](item) for item in items]
        return items
    if column.kind == LOOKUP:
        return lookups[column.lookup](parse_text(value, column))
    raise AssertionError(column.kind)


# --- the compiled row reader -------------------------------------------------------

# Kinds whose cells repeat a lot (a district, a category, a date …) and whose reading
# depends only on the cell: their results, errors included, are remembered per import.
_MEMO_KINDS = (CHOICE, LOOKUP, LIST, DATE)
MEMO_MAX = 50_000


def _memoized(read: Callable):
    memo: dict = {}

    def cached(value):
        key = (type(value), value)
        try:
            hit = memo.get(key)
        except TypeError:  # an unhashable cell: read it as it is
            return read(value)
        if hit is None:
            try:
                hit = (True, read(value))
            except CellError as exc:
                hit = (False, str(exc))
            if len(memo) < MEMO_MAX:
                memo[key] = hit
        if hit[0]:
            return hit[1]
        raise CellError(hit[1])

    return cached


def cell_reader(column: Column, unit: str | None, lookups: dict[str, Callable[[str], object]]):
    """``parse_cell`` for one column, with the kind dispatch and the amount unit decided
    once: the same rules and messages, read faster. Repetitive kinds remember each
    distinct cell (a list's items are copied so that no caller shares one)."""

    def read(value):
        return parse_cell(column, value, unit, lookups)

    if column.kind == TEXT:
        limit = column.max_length

        def text(value):
            # a string cell as parse_text reads it; anything else is left to parse_cell
            if type(value) is not str or not value.strip(BLANK_CHARS):
                return read(value)
            out = check_plain(
                unicodedata.normalize("NFC", value).strip().replace("\u3000", " ").strip()
            )
            if limit and len(out) > limit:
                raise CellError(f"超过 {limit} 个字")
            return out

        return text
    if column.kind == AMOUNT:
        factor = UNIT_FACTORS[unit or column.default_unit]

        def amount(value):
            # numbers as Excel stores them: the product in 元 when it is a whole,
            # non-negative number; anything else is left to parse_amount and its message
            kind = type(value)
            if kind is int and 0 <= value * factor <= MAX_YUAN:
                return value * factor
            if kind is float and value.is_integer() and 0 <= value < 2**53:
                # a whole number below 2**53 is exactly what its repr says
                yuan = int(value) * factor
                if yuan <= MAX_YUAN:
                    return yuan
            if kind is float and math.isfinite(value):
                exact = Decimal(repr(value)) * factor
                if 0 <= exact <= MAX_YUAN and exact == exact.to_integral_value():
                    return int(exact)
            return read(value)

        return amount
    if column.kind not in _MEMO_KINDS:
        return read
    cached = _memoized(read)
    if column.kind == LIST:
        return lambda value: list(cached(value))
    return cached


class CompiledColumn(NamedTuple):
    key: str
    position: int
    title: str
    required: bool
    read: Callable


def compile_columns(
    schema: SheetSchema,
    header: HeaderMatch,
    lookups: dict[str, Callable[[str], object]],
    title: Callable[[Column], str],
) -> list[CompiledColumn]:
    """The sheet's columns, each with its position, the title its errors name and its
    reader, computed once per import."""
    return [
        CompiledColumn(
            column.key,
            header.positions[column.key],
            title(column),
            column.required,
            cell_reader(column, header.units.get(column.key), lookups),
        )
        for column in schema.columns
        if column.key in header.positions
    ]


def read_row(columns: list[CompiledColumn], cells: list) -> tuple[dict | None, list]:
    """(values, problems) of one row as ``parse_cell`` reads it; (None, []) when the row
    is empty. ``problems`` are (column title, message)."""
    # is_blank, inlined: this runs for every cell of every row
    for cell in cells:
        if cell is not None and (not isinstance(cell, str) or cell.strip(BLANK_CHARS)):
            break
    else:
        return None, []
    values: dict = {}
    problems: list[tuple[str, str]] = []
    width = len(cells)
    for key, position, title, required, read in columns:
        raw = cells[position] if position < width else None
        if raw is None or (isinstance(raw, str) and not raw.strip(BLANK_CHARS)):
            value = None
        else:
            try:
                value = read(raw)
            except CellError as exc:
                problems.append((title, str(exc)))
                continue
        if value is None and required:
            problems.append((title, "必须填写"))
            continue
        values[key] = value
    return values, problems
