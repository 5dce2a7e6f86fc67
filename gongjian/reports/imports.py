"""Importers of the project list and of progress reports, built on ``sheets``.

Each row goes through the same rules as the page form and the API: the API's input
schema (``projects.schemas.ProjectCreateIn`` / ``ReportIn``), the model's
``full_clean()`` and the services' stage and report rules. The import is one
transaction: when a row is bad nothing is saved, unless ``skip_bad_rows``, and then
the skipped rows come back as an error sheet. Rows are streamed from python-calamine
and written in chunks of plain multi-row INSERTs with their history rows (who, when,
why, every field) in the same transaction, so a 100,000-row sheet never sits in
memory as model objects.
"""

from __future__ import annotations

import datetime as dt
import gc
import operator
import re
import tempfile
import types
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal, Union, get_args, get_origin

import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.db import connections, models, router, transaction
from django.db.models.base import ModelState
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone
from ninja import Schema
from pydantic import ValidationError as PydanticError

from gongjian.common.bulk import write_rows
from gongjian.projects.models import (
    STAGE_CHAIN,
    STAGE_DATE_FIELD,
    Batch,
    Category,
    ProgressReport,
    Project,
    Stage,
    StageTransition,
    Tag,
)
from gongjian.projects.schemas import ProjectCreateIn, ReportIn
from gongjian.projects.services import (
    EDITABLE_FIELDS,
    _apply_stage,
    escalation_apply_all,
    progress_report_submit,
    validate_transition,
)
from gongjian.units.models import Unit, User
from gongjian.units.selectors import can_write_unit

from . import sheets as S
from .files import open_workbook

CHUNK = 5000
_PERSON_RE = re.compile(r"^(.+?)\s*\((.+)\)$")
MAX_STORED_ERRORS = 1000


class Abort(Exception):
    """Raised inside the transaction to roll everything back."""


class RowProblems(Exception):
    """Every problem found in one row: ``[(column title, message)]``."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems)
        self.problems = problems


@dataclass
class ImportResult:
    schema: str
    rows_total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_rows: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, message)
    error_count: int = 0
    error_file: Path | None = None
    saved: bool = False
    message: str = ""

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append((row, column, message))


# --- schemas ---------------------------------------------------------------------

STAGE_CHOICES = {str(label): value for value, label in Stage.choices}
CATEGORY_CHOICES = {str(label): value for value, label in Category.choices}

PROJECT_DATE_COLUMNS = [
    (Stage.SIGNED, "signed_on", "签约日期", ("签约时间",)),
    (Stage.LANDED, "landed_on", "落地日期", ("落地时间", "注册落地日期")),
    (Stage.STARTED, "started_on", "开工日期", ("开工时间",)),
    (Stage.RESUMED, "resumed_on", "复工日期", ("最近复工日期", "复工时间")),
    (Stage.STALLED, "stalled_on", "停缓建日期", ()),
    (Stage.COMPLETED, "completed_on", "竣工日期", ("竣工时间",)),
    (Stage.IN_PRODUCTION, "in_production_on", "投产日期", ("投产时间",)),
]

PROJECT_SCHEMA = S.SheetSchema(
    key="projects",
    title="项目清单",
    columns=[
        S.Column(
            "code",
            "项目编号",
            required=True,
            aliases=("编号", "项目代码"),
            max_length=40,
            example="JZ2024-0001",
            width=16,
        ),
        S.Column(
            "name",
            "项目名称",
            required=True,
            aliases=("名称",),
            max_length=200,
            example="锦州新材料产业园项目",
            width=36,
        ),
        S.Column(
            "unit",
            "所属单位",
            S.LOOKUP,
            required=True,
            lookup="unit",
            aliases=("县区", "所属县区", "单位", "所在地区"),
            example="凌河区",
            width=18,
        ),
        S.Column(
            "category",
            "项目类别",
            S.CHOICE,
            required=True,
            choices=CATEGORY_CHOICES,
            aliases=("类别", "行业类别"),
            example="工业",
            width=12,
        ),
        S.Column(
            "total_investment",
            "总投资",
            S.AMOUNT,
            required=True,
            aliases=("计划总投资", "项目总投资"),
            example=25000,
            width=14,
        ),
        S.Column(
            "planned_investment",
            "年度计划投资",
            S.AMOUNT,
            aliases=("本年计划投资", "年度计划"),
            example=8000,
            width=14,
        ),
        S.Column(
            "stage",
            "阶段",
            S.CHOICE,
            choices=STAGE_CHOICES,
            aliases=("项目阶段", "建设阶段", "当前阶段"),
            example="开工",
            width=10,
            help="不填则按阶段日期推定",
        ),
        *[
            S.Column(
                f"date_{stage}",
                title,
                S.DATE,
                aliases=aliases,
                width=12,
                example=dt.date(2024, 3, 5)
                if stage == Stage.SIGNED
                else dt.date(2024, 4, 10)
                if stage == Stage.STARTED
                else "",
            )
            for stage, _field, title, aliases in PROJECT_DATE_COLUMNS
        ],
        S.Column(
            "responsible_unit",
            "责任部门",
            S.LOOKUP,
            lookup="any_unit",
            aliases=("责任单位", "牵头部门"),
            example="市工业和信息化局",
            width=20,
        ),
        S.Column(
            "leader",
            "包保领导",
            S.LOOKUP,
            lookup="user",
            aliases=("包保市领导",),
            example="",
            width=10,
        ),
        S.Column("industry_cluster", "产业集群", max_length=50, example="新材料", width=14),
        S.Column(
            "enterprise_name",
            "建设单位/企业",
            aliases=("建设单位", "企业名称", "项目单位"),
            max_length=200,
            example="锦州某某新材料有限公司",
            width=28,
        ),
        S.Column(
            "tags",
            "标签",
            S.LIST,
            lookup="tag",
            aliases=("项目标签",),
            help="多个用顿号或逗号分隔",
            width=16,
        ),
        S.Column("batches", "批次", S.LIST, lookup="batch", aliases=("所属批次",), width=16),
        S.Column("latitude", "纬度", S.DECIMAL, width=10),
        S.Column("longitude", "经度", S.DECIMAL, width=10),
        S.Column("description", "项目简介", aliases=("建设内容", "简介"), width=40),
    ],
    notes=[
        "带 * 的列必须填写;列的顺序可以调整,表头前可以有标题行。",
        "金额按表头写明的单位(元、万元或亿元)读取;表头未写单位时按万元。单元格也可写“3.5亿元”。",
        "日期可以是 Excel 日期,也可以写成 2024-03-05、2024/3/5、2024.3.5 或 2024年3月5日。",
        "项目编号已存在的行会更新该项目,否则新增项目;阶段日期按先后顺序登记,已登记的日期不能在导入中修改。",
        "所属单位、项目类别、阶段请从下拉列表中选择;包保领导填姓名或登录名。",
        "请不要合并单元格,也不要使用公式(请先转为数值)。",
        "任何一行有错误时整个文件都不会导入;勾选“跳过错误行”则导入其余各行,错误行可下载修改后再导入。",
    ],
)

REPORT_SCHEMA = S.SheetSchema(
    key="reports",
    title="进度报告",
    columns=[
        S.Column(
            "code", "项目编号", required=True, aliases=("编号",), example="JZ2024-0001", width=16
        ),
        S.Column("name", "项目名称", aliases=("名称",), help="仅供核对,不导入", width=30),
        S.Column(
            "period_start",
            "期间开始",
            S.DATE,
            required=True,
            aliases=("开始日期", "报告期开始"),
            example=dt.date(2024, 10, 1),
            width=12,
        ),
        S.Column(
            "period_end",
            "期间结束",
            S.DATE,
            required=True,
            aliases=("结束日期", "报告期结束", "截止日期"),
            example=dt.date(2024, 10, 31),
            width=12,
        ),
        S.Column(
            "investment_this_period",
            "本期完成投资",
            S.AMOUNT,
            required=True,
            aliases=("本月完成投资", "本期投资"),
            example=1200,
            width=14,
        ),
        S.Column(
            "cumulative_investment",
            "累计完成投资",
            S.AMOUNT,
            aliases=("自开工累计完成投资", "累计投资"),
            help="不填则按上期累计加本期计算",
            width=14,
        ),
        S.Column(
            "progress_text",
            "形象进度",
            aliases=("项目进展", "进展情况"),
            example="主体结构施工",
            width=36,
        ),
        S.Column("problems_text", "存在问题", aliases=("问题",), width=30),
    ],
    notes=[
        "带 * 的列必须填写;每个项目每个期间一行,期间以“期间开始”区分。",
        "金额按表头写明的单位(元、万元或亿元)读取;表头未写单位时按万元。",
        "同一期间已报送且未审核的,导入会替换原报告;已审核的不能修改。",
        "任何一行有错误时整个文件都不会导入;勾选“跳过错误行”则导入其余各行。",
    ],
)

SCHEMAS = {"projects": PROJECT_SCHEMA, "reports": REPORT_SCHEMA}


# --- look-ups --------------------------------------------------------------------


class Lookups:
    """Resolve names in cells to rows, loading each small table once."""

    def __init__(self):
        self._units = None
        self._users = None
        self._tags = None
        self._batches = None

    def _index(self, rows, *keys) -> dict[str, list]:
        index: dict[str, list] = {}
        for row in rows:
            for key in keys:
                value = getattr(row, key)
                if value:
                    index.setdefault(S.normalize(value), []).append(row)
        return index

    def _one(self, index, text: str, label: str, hint: str = ""):
        found = {r.pk: r for r in index.get(S.normalize(text), [])}
        if not found:
            raise S.CellError(f"{label}“{text}”不存在")
        if len(found) > 1:
            raise S.CellError(f"有多个{label}叫“{text}”{hint}")
        return next(iter(found.values()))

    def unit(self, text: str) -> Unit:
        if self._units is None:
            self._units = self._index(Unit.objects.filter(is_active=True), "name", "code")
        return self._one(self._units, text, "单位", ",请填写 6 位行政区划代码")

    def user(self, text: str) -> User:
        """A user by name, login name, or ``姓名(登录名)`` as the export writes it."""
        if self._users is None:
            self._users = self._index(User.objects.filter(is_active=True), "full_name", "username")
        m = _PERSON_RE.match(unicodedata.normalize("NFKC", text))
        if m:
            return self._one(self._users, m.group(2), "用户")
        return self._one(self._users, text, "用户", ",请填写登录名")

    def tag(self, text: str) -> Tag:
        if self._tags is None:
            self._tags = self._index(Tag.objects.all(), "name", "slug")
        return self._one(self._tags, text, "标签")

    def batch(self, text: str) -> Batch:
        if self._batches is None:
            self._batches = self._index(Batch.objects.all(), "name", "code")
        return self._one(self._batches, text, "批次")

    def as_dict(self) -> dict[str, Callable]:
        return {
            "unit": self.unit,
            "any_unit": self.unit,
            "user": self.user,
            "tag": self.tag,
            "batch": self.batch,
        }


# --- the shared driver -------------------------------------------------------------


@dataclass
class SheetRow:
    number: int  # the row number Excel shows
    raw: list
    values: dict


class ErrorSheet:
    """The bad rows as a sheet (the user's own columns plus 错误说明), written as they come."""

    def __init__(self, headers: list[str]):
        self.path = Path(tempfile.mkstemp(prefix="gongjian-import-errors-", suffix=".xlsx")[1])
        self.book = xlsxwriter.Workbook(str(self.path), {"constant_memory": True})
        self.sheet = self.book.add_worksheet("错误行")
        bold = self.book.add_format({"bold": True, "bg_color": "#FDE9E7"})
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.sheet.write_row(0, 0, ["行号", "错误说明", *headers], bold)
        self.sheet.freeze_panes(1, 0)
        self.sheet.set_column(1, 1, 60)
        self.row = 1

    def add(self, number: int, messages: list[str], raw: list) -> None:
        self.sheet.write(self.row, 0, number)
        self.sheet.write(self.row, 1, ";".join(messages))
        for col, value in enumerate(raw, start=2):
            if isinstance(value, dt.datetime | dt.date):
                self.sheet.write_datetime(self.row, col, value, self.date)
            elif value is not None:
                self.sheet.write(self.row, col, value)
        self.row += 1

    def close(self) -> Path:
        self.book.close()
        return self.path


ProgressFn = Callable[[int, int], None]


def _read(schema: S.SheetSchema, path, mapping, result: ImportResult):
    """Open, match headers, refuse merged cells; return (workbook, header, rows iterator,
    total rows)."""
    book = open_workbook(path)
    rows = book.rows()
    head: list[list] = []
    for cells in rows:
        head.append(list(cells))
        if len(head) >= 10:
            break
    merged = book.merged_ranges()
    try:
        header = S.match_headers(schema, head, mapping)
    except S.HeaderError:
        for (r1, c1), (r2, c2) in merged:
            if r1 < len(head):  # a merged header is the likelier cause: say so
                raise S.HeaderError(
                    f"表头有合并单元格 {S.col_letter(c1)}{r1 + 1}:{S.col_letter(c2)}{r2 + 1}:"
                    "请取消合并,让每一列都有自己的列名后再导入"
                ) from None
        raise
    for (r1, c1), (r2, c2) in merged:
        if r2 >= header.row_index:
            where = "表头" if r1 <= header.row_index else "数据区"
            raise S.HeaderError(
                f"{where}有合并单元格 {S.col_letter(c1)}{r1 + 1}:{S.col_letter(c2)}{r2 + 1}:"
                "请取消合并并在每个单元格中填写内容后再导入"
            )
    sheet = book.sheet()
    total = max(0, (sheet.start[0] if sheet.start else 0) + sheet.height - header.row_index - 1)

    def data():
        for index, cells in enumerate(head[header.row_index + 1 :], start=header.row_index + 1):
            yield index + 1, cells
        for index, cells in enumerate(rows, start=len(head)):
            yield index + 1, cells

    return book, header, data(), total


def _title(column: S.Column, header: S.HeaderMatch) -> str:
    if column.key in header.positions:
        written = header.headers[header.positions[column.key]].strip()
        if written:
            return written.replace("*", "").strip()
    return column.title


def _field_title(schema: S.SheetSchema, header: S.HeaderMatch, name: str) -> str:
    """A model/schema field name → the column title the user sees."""
    key = {
        "unit_id": "unit",
        "responsible_unit_id": "responsible_unit",
        "leader_id": "leader",
        "occurred_on": "stage",
        "__all__": "",
    }.get(name, name)
    for stage, date_field, _t, _a in PROJECT_DATE_COLUMNS:
        if key == date_field:
            key = f"date_{stage}"
    for column in schema.columns:
        if column.key == key:
            return _title(column, header)
    return "" if not key else key


def _problems_of(exc: Exception, schema, header) -> list[tuple[str, str]]:
    if isinstance(exc, RowProblems):
        return exc.problems
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return [
                (_field_title(schema, header, f), m)
                for f, msgs in exc.message_dict.items()
                for m in msgs
            ]
        return [("", m) for m in exc.messages]
    if isinstance(exc, PydanticError):
        return [
            (_field_title(schema, header, str(e["loc"][0]) if e["loc"] else ""), e["msg"])
            for e in exc.errors()
        ]
    if isinstance(exc, PermissionDenied):
        return [("", str(exc))]
    raise exc


class _Run:
    def __init__(self, schema, actor, path, skip_bad_rows, mapping, progress):
        self.schema = schema
        self.actor = actor
        self.skip = skip_bad_rows
        self.progress = progress or (lambda done, total: None)
        self.result = ImportResult(schema.key)
        self.book, self.header, self.rows, self.total = _read(schema, path, mapping, self.result)
        self.lookups = Lookups()
        self.errors: ErrorSheet | None = None

    def bad(self, number: int, raw: list, problems: list[tuple[str, str]]) -> None:
        self.result.bad_rows += 1
        for column, message in problems:
            self.result.add_error(number, column, message)
        if self.errors is None:
            self.errors = ErrorSheet(self.header.headers)
        self.errors.add(number, [f"{c}:{m}" if c else m for c, m in problems], list(raw))

    def chunks(self):
        columns = S.compile_columns(
            self.schema, self.header, self.lookups.as_dict(), lambda c: _title(c, self.header)
        )
        read_row = S.read_row
        chunk: list[SheetRow] = []
        for number, cells in self.rows:
            values, problems = read_row(columns, cells)
            if values is None:
                continue
            self.result.rows_total += 1
            if problems:
                self.bad(number, cells, problems)
                continue
            chunk.append(SheetRow(number, cells, values))
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def finish(self) -> ImportResult:
        self.book.close()
        result = self.result
        if self.errors is not None:
            result.error_file = self.errors.close()
        if result.bad_rows and not self.skip:
            result.saved = False
            result.created = result.updated = result.unchanged = 0
            result.message = (
                f"共 {result.rows_total} 行,其中 {result.bad_rows} 行有错误,未导入任何数据"
            )
        else:
            result.saved = True
            result.message = (
                f"共 {result.rows_total} 行:新增 {result.created} 行,更新 {result.updated} 行,"
                f"无变化 {result.unchanged} 行"
                + (f",跳过错误行 {result.bad_rows} 行" if result.bad_rows else "")
            )
        return result


# --- fast paths generated from the schema and the model ----------------------------
#
# A row is checked first by predicates derived from the API schema's annotations and
# the model fields' own max_length / choices / null / blank / validators. A row they
# pass is valid by those very rules; a row they do not pass goes through the original
# validator (pydantic ``model_validate``, ``full_clean``), which raises its own message.
# The rules stay where they are written; this only avoids paying for them on good rows.


def _type_check(annotation) -> Callable[[object], bool] | None:
    """A predicate sufficient for a pydantic annotation to accept a value unchanged;
    None when the annotation is not one of the simple shapes handled here."""
    origin = get_origin(annotation)
    if annotation is str:
        return lambda v: type(v) is str
    if annotation is int:
        return lambda v: type(v) is int
    if annotation is Decimal:
        return lambda v: type(v) is Decimal and v.is_finite()
    if origin is Literal:
        allowed = frozenset(get_args(annotation))
        if not all(type(a) is str for a in allowed):
            return None
        return lambda v: type(v) is str and v in allowed
    if origin in (Union, types.UnionType):
        args = get_args(annotation)
        others = [a for a in args if a is not type(None)]
        if len(others) != 1 or len(args) != 2:
            return None
        inner = _type_check(others[0])
        if inner is None:
            return None
        return lambda v: v is None or inner(v)
    return None


def schema_fast_check(schema_cls) -> Callable[[dict], bool]:
    """``data`` → True when ``schema_cls.model_validate(data)`` certainly succeeds."""
    base = Schema.__pydantic_decorators__
    decorators = schema_cls.__pydantic_decorators__
    for kind in ("validators", "field_validators", "root_validators", "model_validators"):
        if set(getattr(decorators, kind)) != set(getattr(base, kind)):
            return lambda data: False  # own validators: always the full path
    checks: dict[str, Callable] = {}
    required: set[str] = set()
    for name, info in schema_cls.model_fields.items():
        if info.is_required():
            required.add(name)
        check = None if info.metadata else _type_check(info.annotation)
        if check is not None:
            checks[name] = check
    forbid = schema_cls.model_config.get("extra") == "forbid"

    def ok(data: dict) -> bool:
        if not required.issubset(data):
            return False
        for key, value in data.items():
            check = checks.get(key)
            if check is None:
                if forbid or key in schema_cls.model_fields:
                    return False
                continue
            if not check(value):
                return False
        return True

    return ok


_INT_FIELDS = (models.IntegerField, models.BigIntegerField, models.SmallIntegerField)
_TEXT_FIELDS = (models.CharField, models.TextField)


def _field_check(field) -> Callable[[object], bool] | None:
    """A predicate sufficient for ``field.clean(value)`` to accept ``value`` unchanged
    (after ``clean_fields`` skipped blank values); None: call ``field.clean``."""
    if field.choices is not None or field.is_relation:
        if not isinstance(field, _TEXT_FIELDS) or field.is_relation:
            return None
    validators = list(field.validators)
    if isinstance(field, _TEXT_FIELDS) and type(field) in (models.CharField, models.TextField):
        known = (MaxLengthValidator, ProhibitNullCharactersValidator)
        if any(not isinstance(v, known) for v in validators):
            return None
        limit = field.max_length
        allowed = frozenset(str(k) for k, _label in field.flatchoices) if field.choices else None
        blank = field.blank

        def text_ok(v) -> bool:
            return (
                isinstance(v, str)  # as CharField.to_python takes it (choices are str)
                and (limit is None or len(v) <= limit)
                and "\x00" not in v
                and (allowed is None or v in allowed)
                and (blank or v != "")
            )

        return text_ok
    if isinstance(field, _INT_FIELDS) and not isinstance(field, AutoFieldMixin):
        low, high = None, None
        for v in validators:
            limit = v.limit_value
            if callable(limit):
                return None
            if isinstance(v, MinValueValidator):
                low = limit if low is None else max(low, limit)
            elif isinstance(v, MaxValueValidator):
                high = limit if high is None else min(high, limit)
            else:
                return None

        def int_ok(v) -> bool:
            return type(v) is int and (low is None or v >= low) and (high is None or v <= high)

        return int_ok
    if type(field) is models.DateField and not validators:
        return lambda v: type(v) is dt.date
    return None


class ModelChecker:
    """``obj.full_clean(exclude=…, validate_unique=False)`` with the per-field work
    decided once: good rows pass on derived predicates, any doubt runs the real thing."""

    def __init__(self, model, exclude: list[str]):
        self.model = model
        self.exclude = exclude
        self.fields = []
        for f in model._meta.fields:
            if f.name in exclude or f.generated:
                continue
            self.fields.append((f, f.attname, f.blank, f.empty_values, _field_check(f)))
        self.own_clean = model.clean is not models.Model.clean
        self.constraints = bool(model._meta.constraints)

    def full_clean(self, obj) -> None:
        for f, attname, blank, empty, check in self.fields:
            value = getattr(obj, attname)
            # a blank field's empty value is not checked (as full_clean skips it); the
            # list of empty values is compared only with what the predicate refused
            if value is None and blank:
                continue
            if check is not None and check(value):
                continue
            if blank and value in empty:
                continue
            if check is not None:
                # a value the predicate doubts: let full_clean say what is wrong
                obj.full_clean(exclude=self.exclude, validate_unique=False)
                return
            try:
                setattr(obj, attname, f.clean(value, obj))
            except ValidationError:
                # every field's errors, shaped and worded as full_clean gives them
                obj.full_clean(exclude=self.exclude, validate_unique=False)
                raise
        if self.own_clean:
            obj.clean()
        if self.constraints:
            obj.validate_constraints(exclude=set(self.exclude))


def new_instance(model, defaults: dict):
    """An unsaved model instance with every field at its default, without running
    ``Model.__init__`` (signals and keyword parsing) for each of 100,000 rows."""
    obj = model.__new__(model)
    obj.__dict__.update(defaults)
    obj._state = ModelState()
    return obj


def field_defaults(model) -> dict:
    return {f.attname: f.get_default() for f in model._meta.concrete_fields}


# --- bulk writes -------------------------------------------------------------------


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a bulk import runs.

    An import allocates millions of short-lived objects (cells, rows, model instances,
    row tuples) and keeps a chunk of them alive at a time, which sets off a full
    collection over the whole process heap every few chunks: a sixth of a 100,000-row
    import's CPU time, for nothing, since the import makes next to no reference
    cycles. Reference counting frees everything as usual; the collector is switched
    back on afterwards (if it was on), whatever happens."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


ATTR = object()  # Inserter.row_maker: "the object's value of the field"


def _db_value(field, connection) -> Callable[[object], object] | None:
    """How a Python value goes to the database for ``field``: None where the driver
    takes it as it is, else Django's own ``get_db_prep_save``."""
    plain = (
        models.CharField,
        models.TextField,
        models.IntegerField,
        models.BigIntegerField,
        models.SmallIntegerField,
        models.BooleanField,
    )
    if isinstance(field, plain) and not isinstance(field, models.GenericIPAddressField):
        return None
    if field.is_relation and isinstance(field.target_field, (models.AutoField, *plain)):
        return None
    if type(field) in (models.DateField, models.DateTimeField):
        # a sheet's dates repeat, and so does the import's time: each converted once (on
        # SQLite to the text the driver would otherwise make by calling back into Python
        # for every date of every row)
        return _Converted(lambda v: field.get_db_prep_save(v, connection)).__getitem__
    last: list = [object(), None]  # rows repeat a value: convert once

    def prepare(v):
        if v is not last[0]:
            last[0], last[1] = v, field.get_db_prep_save(v, connection)
        return last[1]

    return prepare


class _Converted(dict):
    """value → its database form, each distinct value converted once."""

    def __init__(self, convert: Callable[[object], object]):
        super().__init__()
        self.convert = convert

    def __missing__(self, value):
        self[value] = converted = self.convert(value)
        return converted


class Inserter:
    """Many rows of one model written in bulk (``common.bulk.write_rows``: COPY on
    PostgreSQL, one prepared INSERT by ``executemany`` elsewhere) inside the caller's
    transaction. ``values`` maps an attname to a value or a function of the row; every
    other column takes its default."""

    def __init__(self, model, now):
        self.model = model
        self.connection = connections[router.db_for_write(model)]
        self.fields = [
            f
            for f in model._meta.concrete_fields
            if not (f.primary_key and isinstance(f, AutoFieldMixin))
        ]
        self.convert = [_db_value(f, self.connection) for f in self.fields]
        self.defaults = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            else:
                self.defaults[f.attname] = f.get_default()

    def row_maker(self, values: dict) -> Callable[[object], tuple]:
        """A function object → row tuple. A value in ``values`` is a constant, a
        function of the object, or ``ATTR`` (the object's value of that field, read
        from its ``__dict__`` as the objects here are loaded in full: a foreign key's
        descriptor would cost a Python call per row); the function is compiled once so
        that a row costs one call."""
        names: dict[str, object] = {}
        parts = []
        for i, (f, convert) in enumerate(zip(self.fields, self.convert, strict=True)):
            source = values.get(f.attname, self.defaults[f.attname])
            if source is ATTR:
                expr = f"d[{f.attname!r}]"
            elif callable(source):
                names[f"g{i}"] = source
                expr = f"g{i}(o)"
            else:
                names[f"c{i}"] = source if convert is None else convert(source)
                parts.append(f"c{i}")
                continue
            if convert is not None:
                names[f"p{i}"] = convert
                expr = f"p{i}({expr})"
            parts.append(expr)
        body = "    d = o.__dict__\n" if any(v is ATTR for v in values.values()) else ""
        code = f"def make(o):\n{body}    return ({', '.join(parts)},)\n"
        exec(compile(code, f"<insert {self.model._meta.db_table}>", "exec"), names)  # noqa: S102
        return names["make"]

    def insert(self, rows: list[tuple]) -> None:
        if rows:
            columns = [f.column for f in self.fields]
            write_rows(self.model._meta.db_table, columns, rows, self.connection)


def history_rows(model, objs, *, history_type: str, actor, reason: str, now) -> None:
    """Write one simple-history row per object (who, when, why, and every tracked
    field as it now is) with plain INSERTs, as ``bulk_history_create`` would."""
    history = model.history.model
    inserter = Inserter(history, now)
    tracked = {f.attname for f in history.tracked_fields}
    values: dict = {
        "history_date": now,
        "history_type": history_type,
        "history_user_id": actor.pk if actor is not None else None,
        "history_change_reason": reason,
    }
    for attname in tracked:
        values[attname] = ATTR
    names = {f.attname for f in inserter.fields}
    # the context columns the history signal fills for single saves (unit, name)
    if "history_unit_path" in names and hasattr(model, "unit"):
        values["history_unit_path"] = lambda o: (o.unit.path or "")[:255]
    if "history_object_repr" in names:
        repr_max = history._meta.get_field("history_object_repr").max_length
        values["history_object_repr"] = lambda o: str(o)[:repr_max]
    make = inserter.row_maker(values)
    inserter.insert([make(o) for o in objs])


# --- projects ----------------------------------------------------------------------

# compared by attname: a foreign key's id, never the related row (no query per row)
COMPARED = [
    Project._meta.get_field(f).attname
    for f in [*EDITABLE_FIELDS, "stage", *STAGE_DATE_FIELD.values(), "first_event_on"]
]


_EVENT_ORDER = {
    s: i for i, s in enumerate([*STAGE_CHAIN[:4], Stage.STALLED, Stage.RESUMED, *STAGE_CHAIN[4:]])
}
_DATE_KEYS = [(stage, f"date_{stage}") for stage, _f, _t, _a in PROJECT_DATE_COLUMNS]


def _events_of(values: dict, keys=_DATE_KEYS) -> list[tuple[str, dt.date]]:
    events = [(stage, values[key]) for stage, key in keys if values.get(key)]
    if len(events) < 2:
        return events
    return sorted(events, key=lambda e: (e[1], _EVENT_ORDER[e[0]]))


_FOREIGN_KEYS = {
    f.name: f.attname for f in Project._meta.concrete_fields if f.many_to_one and f.editable
}


# Columns the API schema takes when the sheet has them and the cell is not empty.
_OPTIONAL_INPUT = (
    "planned_investment",
    "industry_cluster",
    "enterprise_name",
    "description",
    "latitude",
    "longitude",
)
# Fields a row sets: always, or (the optional ones) when the sheet has the column, an
# empty cell storing the default given here.
_REQUIRED_FIELDS = ("name", "unit", "category", "total_investment")
_OPTIONAL_FIELDS = (
    ("planned_investment", 0),
    ("industry_cluster", ""),
    ("enterprise_name", ""),
    ("description", ""),
    ("latitude", None),
    ("longitude", None),
    ("responsible_unit", None),
    ("leader", None),
)


class _ProjectRules:
    """What every row of one import shares: the fast checks generated from the API
    schema and the model, the model's defaults, the actor's write scope per unit, and
    which of the optional columns the sheet has."""

    def __init__(self, actor, present: dict[str, int]):
        self.actor = actor
        self.schema_ok = schema_fast_check(ProjectCreateIn)
        self.checker = ModelChecker(Project, ["unit", "responsible_unit", "leader"])
        self.defaults = field_defaults(Project)
        self._writable: dict[int, bool] = {}
        self.input_keys = [key for key in _OPTIONAL_INPUT if key in present]
        # (key, value of an empty cell, attname when a foreign key)
        self.assigned = [(key, None, _FOREIGN_KEYS.get(key)) for key in _REQUIRED_FIELDS] + [
            (key, default, _FOREIGN_KEYS.get(key))
            for key, default in _OPTIONAL_FIELDS
            if key in present
        ]
        self.date_keys = [(stage, key) for stage, key in _DATE_KEYS if key in present]

    def validate_input(self, data: dict) -> None:
        if not self.schema_ok(data):
            ProjectCreateIn.model_validate(data)  # the API's own input rules and messages

    def can_write(self, unit: Unit) -> bool:
        if unit.pk not in self._writable:
            self._writable[unit.pk] = can_write_unit(self.actor, unit)
        return self._writable[unit.pk]

    def new(self, code: str) -> Project:
        project = new_instance(Project, self.defaults)
        project.code = code
        return project


def _project_row(
    run: _Run, row: SheetRow, existing: Project | None, today: dt.date, rules: _ProjectRules
):
    """Validate one row into an unsaved (or changed) Project; returns (project, events,
    tags, batches, changed)."""
    v = row.values
    actor = run.actor
    data = {
        "code": v["code"],
        "name": v["name"],
        "unit_id": v["unit"].pk,
        "category": v["category"],
        "total_investment": v["total_investment"],
    }
    for key in rules.input_keys:
        value = v.get(key)
        if value is not None:
            data[key] = value
    rules.validate_input(data)  # the API's own input rules
    if actor is not None and not rules.can_write(v["unit"]):
        raise RowProblems(
            [(_title(PROJECT_SCHEMA.column("unit"), run.header), f"无权为“{v['unit']}”导入项目")]
        )
    if existing is not None and actor is not None and not rules.can_write(existing.unit):
        raise RowProblems(
            [
                (
                    _title(PROJECT_SCHEMA.column("code"), run.header),
                    f"项目编号“{v['code']}”已被其他单位的项目使用",
                )
            ]
        )
    project = existing or rules.new(v["code"])
    before = {f: getattr(project, f) for f in COMPARED} if existing else None
    for key, empty, fk_attname in rules.assigned:
        value = v.get(key)
        if value is None:
            value = empty
        if fk_attname is not None:
            # what the descriptor does for a row the look-ups already loaded
            project.__dict__[fk_attname] = None if value is None else value.pk
            project._state.fields_cache[key] = value
        else:
            setattr(project, key, value)
    # stage history: replay the dated events the project does not have yet
    events = _events_of(v, rules.date_keys)
    new_events = []
    last = None
    if existing is not None:
        dates = [getattr(existing, f) for f in STAGE_DATE_FIELD.values() if getattr(existing, f)]
        last = max(dates) if dates else None
    for stage, day in events:
        date_field = STAGE_DATE_FIELD[stage]
        current = getattr(project, date_field) if existing is not None else None
        if current == day:
            continue
        if current is not None and current > day:
            raise RowProblems(
                [
                    (
                        _title(PROJECT_SCHEMA.column(f"date_{stage}"), run.header),
                        f"与已登记的 {current} 不一致:阶段日期请在项目页登记变更",
                    )
                ]
            )
        try:
            validate_transition(project, stage, day, last, today=today)
        except ValidationError as exc:
            msgs = exc.message_dict.get("stage", []) + exc.message_dict.get("occurred_on", [])
            raise RowProblems(
                [(_title(PROJECT_SCHEMA.column(f"date_{stage}"), run.header), m) for m in msgs]
            ) from None
        _apply_stage(project, stage, day)
        new_events.append((stage, day))
        last = day
    if v.get("stage") and v["stage"] != project.stage:
        want = Stage(v["stage"]).label
        raise RowProblems(
            [
                (
                    _title(PROJECT_SCHEMA.column("stage"), run.header),
                    f"阶段为“{want}”,但按填写的阶段日期应为“{Stage(project.stage).label}”"
                    f":请填写{want}日期",
                )
            ]
        )
    # The foreign keys were resolved from the database by the look-ups above, so their
    # per-row existence queries are skipped; code uniqueness is checked per chunk.
    rules.checker.full_clean(project)
    present = run.header.positions
    tags = v.get("tags") if "tags" in present else None
    batches = v.get("batches") if "batches" in present else None
    changed = (
        existing is None
        or bool(new_events)
        or any(before[f] != getattr(project, f) for f in COMPARED)
    )
    return project, new_events, tags, batches, changed


def _set_links(through, owner_field: str, other_field: str, wanted: dict[int, set[int]]):
    """Make each project's links exactly ``wanted[project_id]``; returns projects changed."""
    if not wanted:
        return set()
    have: dict[int, set[int]] = {pk: set() for pk in wanted}
    for pid, oid in through.objects.filter(**{f"{owner_field}__in": list(wanted)}).values_list(
        owner_field, other_field
    ):
        have[pid].add(oid)
    remove = [(pid, oid) for pid, oids in have.items() for oid in oids - wanted[pid]]
    add = [(pid, oid) for pid, oids in wanted.items() for oid in oids - have[pid]]
    for pid, oid in remove:
        through.objects.filter(**{owner_field: pid, other_field: oid}).delete()
    through.objects.bulk_create(
        [through(**{owner_field: pid, other_field: oid}) for pid, oid in add], batch_size=1000
    )
    return {pid for pid, _ in remove} | {pid for pid, _ in add}


def projects_import(
    *,
    actor: User | None,
    path,
    skip_bad_rows: bool = False,
    mapping: dict[str, str] | None = None,
    progress: ProgressFn | None = None,
    file_name: str = "",
) -> ImportResult:
    """Import (update-or-create by 项目编号) the project sheet at ``path``."""
    run = _Run(PROJECT_SCHEMA, actor, path, skip_bad_rows, mapping, progress)
    today = timezone.localdate()
    seen: set[str] = set()
    reason = f"Excel 导入 {file_name}".strip()
    code_title = _title(PROJECT_SCHEMA.column("code"), run.header)
    rules = _ProjectRules(actor, run.header.positions)
    try:
        with collector_paused(), transaction.atomic():
            for chunk in run.chunks():
                # the chunk's codes already taken, live projects and deleted ones in one query;
                # a code held by a soft-deleted project: restore it from the recycle bin first
                existing: dict[str, Project] = {}
                deleted: set[str] = set()
                for found in Project.all_objects.filter(
                    code__in=[r.values["code"] for r in chunk]
                ).select_related("unit"):
                    if found.deleted_at is None:
                        existing[found.code] = found
                    else:
                        deleted.add(found.code)
                creates, updates, links = [], [], []
                for row in chunk:
                    code = row.values["code"]
                    if code in seen:
                        run.bad(row.number, row.raw, [(code_title, f"项目编号“{code}”在表中重复")])
                        continue
                    seen.add(code)
                    if code in deleted:
                        run.bad(
                            row.number,
                            row.raw,
                            [(code_title, f"项目编号“{code}”属于已删除的项目,请先在回收站恢复")],
                        )
                        continue
                    try:
                        project, events, tags, batches, changed = _project_row(
                            run, row, existing.get(code), today, rules
                        )
                    except (RowProblems, ValidationError, PydanticError, PermissionDenied) as exc:
                        run.bad(row.number, row.raw, _problems_of(exc, PROJECT_SCHEMA, run.header))
                        continue
                    links.append((project, events, tags, batches))
                    if project.pk is None:
                        creates.append(project)
                    elif changed:
                        updates.append(project)
                    else:
                        run.result.unchanged += 1
                if run.result.bad_rows and not skip_bad_rows:
                    continue  # keep validating; nothing will be written
                _write_projects(run, creates, updates, links, reason)
                run.progress(run.result.rows_total, run.total)
            if run.result.bad_rows and not skip_bad_rows:
                raise Abort
            escalation_apply_all()
    except Abort:
        pass
    return run.finish()


def _write_projects(run: _Run, creates, updates, links, reason: str) -> None:
    """Write one chunk: new projects, changed projects, a history row for each (who,
    when, why, every field as it now is), their new stage transitions and links, in
    a bounded number of statements and inside the import's transaction."""
    actor = run.actor
    now = timezone.now()
    if creates:
        for project in creates:
            project.created_at = project.updated_at = now
        inserter = Inserter(Project, now)
        make = inserter.row_maker({f.attname: ATTR for f in inserter.fields})
        inserter.insert([make(p) for p in creates])
        ids = dict(
            Project.objects.filter(code__in=[p.code for p in creates]).values_list("code", "pk")
        )
        for project in creates:
            project.id = ids[project.code]
            project._state.adding = False
            project._state.db = inserter.connection.alias
        history_rows(Project, creates, history_type="+", actor=actor, reason=reason, now=now)
        run.result.created += len(creates)
    if updates:
        for project in updates:
            project.version += 1
            project.updated_at = now
        Project.objects.bulk_update(
            updates,
            fields=[
                *EDITABLE_FIELDS,
                "stage",
                *STAGE_DATE_FIELD.values(),
                "first_event_on",
                "version",
                "updated_at",
            ],
            batch_size=1000,
        )
        history_rows(Project, updates, history_type="~", actor=actor, reason=reason, now=now)
        run.result.updated += len(updates)
    inserter = Inserter(StageTransition, now)
    make = inserter.row_maker(
        {
            "project_id": operator.itemgetter(0),
            "stage": operator.itemgetter(1),
            "occurred_on": operator.itemgetter(2),
            "note": reason[:200],
            "recorded_by_id": actor.pk if actor is not None else None,
        }
    )
    inserter.insert(
        [make((p.pk, stage, day)) for p, events, _t, _b in links for stage, day in events]
    )
    tag_sets = {p.pk: {t.pk for t in tags} for p, _e, tags, _b in links if tags is not None}
    batch_sets = {p.pk: {b.pk for b in bs} for p, _e, _t, bs in links if bs is not None}
    _set_links(Project.tags.through, "project_id", "tag_id", tag_sets)
    _set_links(Project.batches.through, "project_id", "batch_id", batch_sets)


# --- progress reports --------------------------------------------------------------


def reports_import(
    *,
    actor: User | None,
    path,
    skip_bad_rows: bool = False,
    mapping: dict[str, str] | None = None,
    progress: ProgressFn | None = None,
    file_name: str = "",
) -> ImportResult:
    """Import progress reports; each row goes through ``progress_report_submit``, the same
    service the page and the API call, in its own savepoint."""
    run = _Run(REPORT_SCHEMA, actor, path, skip_bad_rows, mapping, progress)
    code_title = _title(REPORT_SCHEMA.column("code"), run.header)
    visible = Project.objects.visible_to(actor) if actor is not None else Project.objects.all()
    try:
        with transaction.atomic():
            for chunk in run.chunks():
                codes = {r.values["code"] for r in chunk}
                projects = {
                    p.code: p for p in visible.filter(code__in=codes).select_related("unit")
                }
                for row in chunk:
                    v = row.values
                    project = projects.get(v["code"])
                    if project is None:
                        run.bad(row.number, row.raw, [(code_title, f"项目编号“{v['code']}”不存在")])
                        continue
                    try:
                        payload = ReportIn.model_validate(
                            {
                                k: v.get(k) if v.get(k) is not None else ""
                                for k in (
                                    "period_start",
                                    "period_end",
                                    "investment_this_period",
                                    "progress_text",
                                    "problems_text",
                                )
                            }
                        )
                        with transaction.atomic():
                            existed = ProgressReport.objects.filter(
                                project=project, period_start=payload.period_start
                            ).exists()
                            progress_report_submit(
                                actor=actor,
                                project=project,
                                cumulative_investment=v.get("cumulative_investment"),
                                **payload.model_dump(),
                            )
                    except (ValidationError, PydanticError, PermissionDenied) as exc:
                        run.bad(row.number, row.raw, _problems_of(exc, REPORT_SCHEMA, run.header))
                        continue
                    if existed:
                        run.result.updated += 1
                    else:
                        run.result.created += 1
                run.progress(run.result.rows_total, run.total)
            if run.result.bad_rows and not skip_bad_rows:
                raise Abort
    except Abort:
        pass
    return run.finish()


IMPORTERS = {"projects": projects_import, "reports": reports_import}
