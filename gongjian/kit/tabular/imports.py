"""The one import driver every sheet import runs on (five loops became one).

Use ``ImportSession`` to import a sheet of any registry: it opens the file safely
(``files.open_workbook``), matches the headers (``schema.match_headers``), reads the rows
in chunks (``schema.read_row``), keeps each bad row's problems as (row, column, message)
and in an error sheet with the user's own columns, and decides the outcome: the import is
one transaction, rolled back when a row is bad unless ``skip_bad_rows``. A domain's
importer either hands it one function per row (``run_rows``: each row in its own
savepoint, through the domain's service) or one per chunk (``run_chunks``: a bulk service
validating and writing a chunk at once).

A chunk is read column by column first (``read_columns``: a text column checked on its
joined cells at C speed, any other column read once per distinct cell); a chunk where a
cell is in doubt is read row by row, which says what is wrong. A bulk service may then
check a chunk set-wise too (``SheetChunk.columns``, ``schema_columns_check``,
``ModelChecker.columns_ok``) and write it with set-based statements
(``Inserter.insert_columns``: the rows staged in one bulk step and moved by one
``INSERT … SELECT``; ``history_insert_select``: the history rows by ``INSERT … SELECT``
from the rows written); at any doubt it hands the chunk to its row-by-row path, so that
a bad row gets the very message it always got.

Also here, for bulk services: predicates derived once from an input schema and a model
that accept a good row without paying for the full validators (``schema_fast_check``,
``ModelChecker``), unsaved instances without ``__init__`` (``new_instance``), and the bulk
writer (``Inserter``, ``history_rows``: plain multi-row INSERT / COPY with history rows).

An app makes its import available on the one import page by registering an
``Importer`` in ``importers`` from its ``AppConfig.ready()``.
"""

from __future__ import annotations

import datetime as dt
import gc
import tempfile
import time
import types
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, NamedTuple, Union, get_args, get_origin

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
from ninja import Schema
from pydantic import ValidationError as PydanticError

from ..bulk import bulk_writes, in_keys, param_sql, staged_insert, write_rows
from ..cleaning import CONTROL_CHARS
from ..errors import pydantic_message
from ..history import unit_path_of
from ..registration import Registry
from . import schema as S
from .exports import TEXT_ONLY
from .files import open_workbook

CHUNK = 2000
# rows read column by column at once (``read_columns``) and handed on as one chunk: a
# set-wise write costs less per row in bigger statements (the indexes' pages)
COLUMN_CHUNK = 10_000
# seconds between two progress reports while rows are read
PROGRESS_EVERY = 0.5
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


# --- look-ups ------------------------------------------------------------------------


class Lookup:
    """Resolves a cell's text to one row of ``queryset`` by any of ``keys`` (compared
    after folding width and spaces), the table read once at the first cell. ``parse``
    may pick the part of the text to look up (e.g. the login in ``姓名(登录名)``)."""

    def __init__(
        self,
        queryset,
        keys: tuple[str, ...],
        label: str,
        hint: str = "",
        parse: Callable[[str], tuple[str, bool]] | None = None,
    ):
        self.queryset = queryset
        self.keys = keys
        self.label = label
        self.hint = hint
        self.parse = parse
        self._index: dict[str, list] | None = None

    def _load(self) -> dict[str, list]:
        index: dict[str, list] = {}
        for row in self.queryset:
            for key in self.keys:
                value = getattr(row, key)
                if value:
                    index.setdefault(S.normalize(value), []).append(row)
        return index

    def __call__(self, text: str):
        if self._index is None:
            self._index = self._load()
        hint = self.hint
        if self.parse is not None:
            text, exact = self.parse(text)
            if exact:
                hint = ""
        found = {r.pk: r for r in self._index.get(S.normalize(text), [])}
        if not found:
            raise S.CellError(f"{self.label}“{text}”不存在")
        if len(found) > 1:
            raise S.CellError(f"有多个{self.label}叫“{text}”{hint}")
        return next(iter(found.values()))


# --- reading a sheet -----------------------------------------------------------------


class SheetRow(NamedTuple):
    number: int  # the row number Excel shows
    raw: list
    values: dict


class SheetChunk(list):
    """A chunk of good rows (``SheetRow``). When every cell of the chunk was read
    column by column (``read_columns``), ``columns`` holds the values by column key, one
    list per column in the rows' order, for a bulk service that checks and writes a
    chunk set-wise; otherwise ``columns`` is None."""

    columns: dict[str, list] | None = None


class ErrorSheet:
    """The bad rows as a sheet (the user's own columns plus 错误说明), written as they come."""

    def __init__(self, headers: list[str]):
        self.path = Path(tempfile.mkstemp(prefix="gongjian-import-errors-", suffix=".xlsx")[1])
        self.book = xlsxwriter.Workbook(str(self.path), {"constant_memory": True, **TEXT_ONLY})
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


# --- reading a chunk column by column ------------------------------------------------

_SEPARATOR = "\n"  # joins a column's texts for the checks made on all at once
_EMPTY_CELLS = frozenset({None, ""})
_NUMBER_TYPES = frozenset({int, float, bool})


@dataclass
class ColumnReader:
    key: str
    position: int
    required: bool
    kind: str
    max_length: int | None
    read: Callable  # the column's cell reader (``schema.cell_reader``)


def column_readers(schema: S.SheetSchema, columns: list[S.CompiledColumn]) -> list[ColumnReader]:
    return [
        ColumnReader(
            c.key,
            c.position,
            c.required,
            schema.column(c.key).kind,
            schema.column(c.key).max_length,
            c.read,
        )
        for c in columns
    ]


def _text_column(reader: ColumnReader, cells: tuple) -> list | None:
    """A text column whose cells are all strings already as ``parse_text`` leaves them
    (NFC, no edge spaces, no ideographic space, no control character, within the
    length): the cells themselves, checked on the joined column at C speed."""
    texts = [c for c in cells if c]  # an empty cell is None or "" (read as None)
    if len(texts) < len(cells) and reader.required:
        return None
    joined = _SEPARATOR.join(texts)
    if (
        CONTROL_CHARS.search(joined) is not None  # (the separator is not one)
        or "\u3000" in joined
        or not unicodedata.is_normalized("NFC", joined)
        or list(map(str.strip, texts)) != texts  # no space at either end
        or (reader.max_length and texts and max(map(len, texts)) > reader.max_length)
    ):
        return None
    return list(cells) if len(texts) == len(cells) else [c or None for c in cells]


def _table_column(reader: ColumnReader, cells: tuple, types: set) -> list | None:
    """Any other column: each distinct cell read once by the column's own reader, the
    column mapped through the table; None when a cell is unreadable or a required one
    blank."""
    if len(types & _NUMBER_TYPES) > 1:
        return None  # 1, 1.0 and True are one key of a table: read them one by one
    read = reader.read
    table = {}
    try:
        for value in set(cells):
            table[value] = None if S.is_blank(value) else read(value)
    except (S.CellError, TypeError):
        return None
    if reader.required and any(v is None for v in table.values()):
        return None
    values = list(map(table.__getitem__, cells))
    if reader.kind == S.LIST:  # no two rows share one list
        values = [None if v is None else list(v) for v in values]
    return values


def read_columns(readers: list[ColumnReader], rows: list[list]) -> dict[str, list] | None:
    """The values of ``rows`` by column key, each column read at once: what
    ``schema.read_row`` gives row by row when every row is readable. None when any row
    may be blank or bad (a required cell blank, a cell unreadable): read those rows one
    by one."""
    if not rows or not any(r.required for r in readers):
        return None
    width = max(map(len, rows))
    if min(map(len, rows)) != width:
        rows = [list(r) + [None] * (width - len(r)) for r in rows]
    transposed = list(zip(*rows, strict=True))
    out: dict[str, list] = {}
    for reader in readers:
        if reader.position >= width:
            if reader.required:
                return None
            out[reader.key] = [None] * len(rows)
            continue
        cells = transposed[reader.position]
        types = set(map(type, cells))
        values = None
        if reader.kind == S.TEXT and types <= {str, type(None)}:
            values = _text_column(reader, cells)
        else:
            values = _table_column(reader, cells, types)
        if values is None:
            return None
        out[reader.key] = values
    return out


ProgressFn = Callable[[int, int], None]


def _read(schema: S.SheetSchema, path, mapping):
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


# The look-ups every sheet may use (units, people), for an actor: registered by the units
# app (``set_default_lookups``), extended by a domain's own (tags, batches …).
_default_lookups: list[Callable[[Any], dict]] = []


def set_default_lookups(make: Callable[[Any], dict]) -> None:
    """Register how the unit and person columns of every sheet are resolved for an actor."""
    _default_lookups[:] = [make]


class ImportSession:
    """One import of one sheet: reading, bad rows, the transaction, the outcome.

    ``actor`` is passed on to the domain's services (a user or ``kit.scope.SYSTEM``);
    ``lookups`` resolve the cells of look-up columns (``{"unit": fn(text) -> row}``) beside
    the default ones (units and people the actor may name); ``progress(done, total)`` is
    called after each chunk. A domain's import takes these as keyword arguments and hands
    them on: ``ImportSession(SCHEMA, **options)``."""

    def __init__(
        self,
        schema: S.SheetSchema,
        *,
        actor: Any,
        path,
        skip_bad_rows: bool = False,
        mapping: dict[str, str] | None = None,
        progress: ProgressFn | None = None,
        lookups: dict[str, Callable[[str], object]] | None = None,
        file_name: str = "",
    ):
        self.schema = schema
        self.actor = actor
        self.skip = skip_bad_rows
        self.file_name = file_name
        self.progress = progress or (lambda done, total: None)
        defaults = _default_lookups[0](actor) if _default_lookups else {}
        self.lookups = {**defaults, **(lookups or {})}
        self.result = ImportResult(schema.key)
        self.book, self.header, self.rows, self.total = _read(schema, path, mapping)
        self.errors: ErrorSheet | None = None

    # --- the user's own column titles and the problems of a row ---------------------

    def title(self, key: str) -> str:
        """The title of column ``key`` as the user's sheet heads it."""
        column = self.schema.column(key)
        header = self.header
        if column.key in header.positions:
            written = header.headers[header.positions[column.key]].strip()
            if written:
                return written.replace("*", "").strip()
        return column.title

    def _field_title(self, name: str) -> str:
        if name in ("", "__all__"):
            return ""
        column = self.schema.column_for_field(name)
        return self.title(column.key) if column is not None else name

    def problems(self, exc: Exception) -> list[tuple[str, str]]:
        """A refusal of a service, schema or model as ``[(column title, message)]``."""
        if isinstance(exc, RowProblems):
            return exc.problems
        if isinstance(exc, ValidationError):
            if hasattr(exc, "error_dict"):
                return [
                    (self._field_title(f), m) for f, msgs in exc.message_dict.items() for m in msgs
                ]
            return [("", m) for m in exc.messages]
        if isinstance(exc, PydanticError):
            return [
                (self._field_title(str(e["loc"][0]) if e["loc"] else ""), pydantic_message(e))
                for e in exc.errors()
            ]
        if isinstance(exc, PermissionDenied):
            return [("", str(exc))]
        raise exc

    def problem(self, key: str, message: str) -> RowProblems:
        """A row's problem in column ``key``, to raise."""
        return RowProblems([(self.title(key), message)])

    # --- reading ---------------------------------------------------------------------

    def bad(self, number: int, raw: list, problems: list[tuple[str, str]]) -> None:
        """Keep a bad row: its problems, and the row itself in the error sheet."""
        self.result.bad_rows += 1
        for column, message in problems:
            self.result.add_error(number, column, message)
        if self.errors is None:
            self.errors = ErrorSheet(self.header.headers)
        self.errors.add(number, [f"{c}:{m}" if c else m for c, m in problems], list(raw))

    def chunks(self, size: int | None = None) -> Iterator[SheetChunk]:
        """The readable rows, in chunks; a row whose cells cannot be read is kept as bad.

        Each chunk of sheet rows is read column by column first (``read_columns``: every
        cell of a column checked at once, each distinct cell read once); a chunk where
        any cell is in doubt — blank, unreadable, a required cell missing — is read row
        by row instead (``schema.read_row``), which says what is wrong."""
        columns = S.compile_columns(
            self.schema, self.header, self.lookups, lambda c: self.title(c.key)
        )
        readers = column_readers(self.schema, columns)
        size = size or COLUMN_CHUNK
        buffer: list[tuple[int, list]] = []
        pending = SheetChunk()
        self._last_progress = time.monotonic()
        for number, cells in self.rows:
            buffer.append((number, cells))
            if len(buffer) >= size:
                yield from self._read_buffer(columns, readers, buffer, pending)
                buffer = []
        if buffer:
            yield from self._read_buffer(columns, readers, buffer, pending)
        if pending:
            yield pending

    def _read_buffer(self, columns, readers, buffer, pending: SheetChunk) -> Iterator[SheetChunk]:
        # rows of empty cells only (a gap in the sheet) are skipped as ``read_row`` skips
        # them, without costing the chunk its column-wise reading
        buffer = [row for row in buffer if any(row[1]) or not _EMPTY_CELLS.issuperset(row[1])]
        values = read_columns(readers, [cells for _n, cells in buffer])
        if values is not None:
            if pending:  # rows read one by one before: their own chunk, in order
                yield SheetChunk(pending)
                pending.clear()
            self.result.rows_total += len(buffer)
            keys = list(values)
            chunk = SheetChunk(
                map(
                    SheetRow._make,
                    zip(
                        [number for number, _c in buffer],
                        [cells for _n, cells in buffer],
                        [
                            dict(zip(keys, row, strict=True))
                            for row in zip(*values.values(), strict=True)
                        ],
                        strict=True,
                    ),
                )
            )
            chunk.columns = values
            yield chunk
            return
        read_row = S.read_row
        for number, cells in buffer:
            row_values, problems = read_row(columns, cells)
            if row_values is None:
                continue
            self.result.rows_total += 1
            if (
                not self.result.rows_total % 250
                and time.monotonic() - self._last_progress > PROGRESS_EVERY
            ):
                # rows read count as progress too, so that the bar moves between chunks
                self.progress(self.result.rows_total, self.total)
                self._last_progress = time.monotonic()
            if problems:
                self.bad(number, cells, problems)
                continue
            pending.append(SheetRow(number, cells, row_values))
            if len(pending) >= CHUNK:
                yield SheetChunk(pending)
                pending.clear()

    @property
    def refused(self) -> bool:
        """Whether nothing will be saved: a bad row and no "skip bad rows"."""
        return bool(self.result.bad_rows) and not self.skip

    # --- the loops ---------------------------------------------------------------------

    def run_rows(self, handle: Callable[[SheetRow], str]) -> ImportResult:
        """Each row through ``handle`` (which calls the domain's service and returns
        ``created``, ``updated`` or ``unchanged``) in its own savepoint, the whole import
        in one transaction: a refused row is kept as bad and changes nothing."""

        def per_chunk(chunk: list[SheetRow]) -> None:
            for row in chunk:
                try:
                    with transaction.atomic():
                        outcome = handle(row)
                except (RowProblems, ValidationError, PydanticError, PermissionDenied) as exc:
                    self.bad(row.number, row.raw, self.problems(exc))
                    continue
                self.count(outcome)

        # chunks of the usual size: each row costs a service call, and progress is told
        # after each chunk
        return self.run_chunks(per_chunk, chunk_rows=CHUNK)

    def run_chunks(
        self,
        handle: Callable[[list[SheetRow]], None],
        *,
        after: Callable[[], None] | None = None,
        chunk_rows: int | None = None,
    ) -> ImportResult:
        """Each chunk through ``handle`` (a bulk service validating and writing a chunk;
        it reports bad rows with ``bad`` and counts with ``count``), then ``after`` once,
        all in one transaction rolled back when the import is refused. Once a row is bad
        and bad rows are not skipped, the chunks are still read and checked, so that the
        user gets every problem at once, but nothing is written. The sheet is read
        ``chunk_rows`` rows at a time (``COLUMN_CHUNK`` unless told; ``chunks``)."""
        try:
            with collector_paused(), bulk_writes(), transaction.atomic():
                for chunk in self.chunks(chunk_rows):
                    handle(chunk)
                    self.progress(self.result.rows_total, self.total)
                if self.refused:
                    raise Abort
                if after is not None:
                    after()
        except Abort:
            pass
        return self.finish()

    def count(self, outcome: str) -> None:
        if outcome == "created":
            self.result.created += 1
        elif outcome == "updated":
            self.result.updated += 1
        else:
            self.result.unchanged += 1

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


def run_upload(upload, run: Callable[..., Any], **options) -> Any:
    """Run an importer ``run(path=..., **options)`` on an uploaded .xlsx kept in a
    temporary file; a file the readers refuse (``BadFile``, header errors) raises as it
    is (a ``ValueError`` with a Chinese message)."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        return run(path=tmp.name, **options)


# --- the import registry -------------------------------------------------------------


@dataclass(frozen=True)
class Importer:
    """An import the one import page offers (``reports``): its sheet and the function
    running it — ``run(actor=, path=, skip_bad_rows=, mapping=, progress=, file_name=)``
    returning an ``ImportResult``. ``template_units(user)`` gives the units the
    template's dropdown offers (those the user may import for); ``back_url`` is the
    list the page returns to."""

    schema: S.SheetSchema
    run: Callable[..., ImportResult]
    template_units: Callable[[Any], Any] | None = None
    back_url: str = ""
    # the sheet the template is written from, where it offers less than the import reads
    # (e.g. only the stages an import may set)
    template_schema: S.SheetSchema | None = None

    @property
    def key(self) -> str:
        return self.schema.key

    def template(self, user: Any) -> Path:
        """The downloadable template for ``user``: the unit column offers the units the
        user may import for."""
        from .exports import write_template

        options = {}
        if self.template_units is not None:
            units = self.template_units(user).filter(is_active=True).order_by("path")
            options["unit"] = list(units.values_list("name", flat=True))
        return write_template(self.template_schema or self.schema, options=options)

    @property
    def title(self) -> str:
        return self.schema.title


importers: Registry[Importer] = Registry("importers")


def register_importer(importer: Importer) -> Importer:
    """Offer ``importer`` on the import page (an app calls it in ``ready()``)."""
    return importers.register(importer.key, importer)


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
    if annotation is dt.date:
        return lambda v: type(v) is dt.date
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


def _schema_plan(schema_cls, type_check: Callable) -> tuple[set[str], dict, bool] | None:
    """What a fast check of ``schema_cls`` tests: its required fields, a check per field
    (``type_check`` of its annotation; none for a field with constraints) and whether
    other keys are refused. None when the schema has validators of its own (always the
    full path)."""
    base = Schema.__pydantic_decorators__
    decorators = schema_cls.__pydantic_decorators__
    for kind in ("validators", "field_validators", "root_validators", "model_validators"):
        if set(getattr(decorators, kind)) != set(getattr(base, kind)):
            return None
    checks: dict[str, Callable] = {}
    required: set[str] = set()
    for name, info in schema_cls.model_fields.items():
        if info.is_required():
            required.add(name)
        check = None if info.metadata else type_check(info.annotation)
        if check is not None:
            checks[name] = check
    return required, checks, schema_cls.model_config.get("extra") == "forbid"


def schema_fast_check(schema_cls) -> Callable[[dict], bool]:
    """``data`` → True when ``schema_cls.model_validate(data)`` certainly succeeds."""
    plan = _schema_plan(schema_cls, _type_check)
    if plan is None:
        return lambda data: False
    required, checks, forbid = plan

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


def _type_column_check(annotation) -> Callable[[list], bool] | None:
    """``_type_check`` over a whole column of non-None values at C speed (types and
    sets compared at once); None where ``_type_check`` is None."""
    origin = get_origin(annotation)
    if annotation in (str, int, dt.date):
        return lambda vs: set(map(type, vs)) <= {annotation}
    if annotation is Decimal:
        return lambda vs: set(map(type, vs)) <= {Decimal} and all(map(Decimal.is_finite, vs))
    if origin is Literal:
        allowed = frozenset(get_args(annotation))
        if not all(type(a) is str for a in allowed):
            return None
        return lambda vs: set(map(type, vs)) <= {str} and set(vs) <= allowed
    if origin in (Union, types.UnionType):
        args = get_args(annotation)
        others = [a for a in args if a is not type(None)]
        if len(others) != 1 or len(args) != 2:
            return None
        return _type_column_check(others[0])  # the None values are left out already
    return None


def schema_columns_check(schema_cls) -> Callable[[dict[str, list]], bool]:
    """``columns`` (field → one value per row; None: the row leaves the field out) →
    True when ``schema_fast_check`` would pass every row: each column checked at once."""
    plan = _schema_plan(schema_cls, _type_column_check)
    if plan is None:
        return lambda columns: False
    required, checks, forbid = plan

    def ok(columns: dict[str, list]) -> bool:
        if not required.issubset(columns):
            return False
        for key, values in columns.items():
            if key in required and None in values:
                return False
            if None in values:
                values = [v for v in values if v is not None]  # left out of those rows
            if not values:
                continue
            check = checks.get(key)
            if check is None:
                if forbid or key in schema_cls.model_fields:
                    return False
                continue
            if not check(values):
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

        def texts_ok(vs: list) -> bool:
            return (
                set(map(type, vs)) <= {str}
                and (limit is None or not vs or max(map(len, vs)) <= limit)
                and "\x00" not in "".join(vs)
                and (allowed is None or set(vs) <= allowed)
                and (blank or "" not in vs)
            )

        return _with_column(text_ok, texts_ok)
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

        def ints_ok(vs: list) -> bool:
            return set(map(type, vs)) <= {int} and (
                not vs or ((low is None or min(vs) >= low) and (high is None or max(vs) <= high))
            )

        return _with_column(int_ok, ints_ok)
    if type(field) is models.DateField and not validators:
        return _with_column(
            lambda v: type(v) is dt.date, lambda vs: set(map(type, vs)) <= {dt.date}
        )
    return None


def _with_column(check: Callable[[object], bool], column: Callable[[list], bool]):
    """``check`` with ``check.column``: the same predicate over a list of values at once."""
    check.column = column  # type: ignore[attr-defined]
    return check


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

    def columns_ok(self, columns: dict[str, list], defaults: dict) -> bool:
        """Whether ``full_clean`` would accept every row of ``columns`` (attname → one
        value per row; a field not given takes its value in ``defaults``) unchanged: each
        field's predicate over its column, the model's own ``clean`` on each row. False
        at any doubt: the caller checks those rows one by one."""
        if self.constraints:
            return False
        for _f, attname, blank, empty, check in self.fields:
            values = columns.get(attname)
            if values is None:
                values = [defaults[attname]]
            if blank and None in values:
                values = [v for v in values if v is not None]  # not checked, as full_clean
            if not values:
                continue
            if check is None:
                return False
            column = getattr(check, "column", None)
            if column is not None and column(values):
                continue
            if not all(check(v) or (blank and v in empty) for v in values):
                return False
        if self.own_clean:
            names = list(columns)
            scratch = new_instance(self.model, defaults)
            state = scratch.__dict__
            clean = scratch.clean
            try:
                for row in zip(*columns.values(), strict=True):
                    state.update(zip(names, row, strict=True))
                    clean()
            except ValidationError:
                return False
        return True


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
    """Many rows of one model written in bulk (``kit.bulk.write_rows``: COPY on
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
        make: Callable[[object], tuple] = names["make"]  # type: ignore[assignment]
        return make

    def insert(self, rows: list[tuple]) -> None:
        if rows:
            columns = [f.column for f in self.fields]
            write_rows(self.model._meta.db_table, columns, rows, self.connection)

    def insert_columns(self, columns: dict[str, object], n: int, key: str) -> dict:
        """Insert ``n`` rows given column-wise (attname → a list of one value per row,
        or one value for every row; a field not given takes its default) set-wise:
        the lists staged in one bulk step, the rows written by one ``INSERT … SELECT``
        (``kit.bulk.staged_insert``). Returns ``{key value: id}``."""
        varying, lists, constants = [], [], []
        for f, convert in zip(self.fields, self.convert, strict=True):
            source = columns.get(f.attname, self.defaults[f.attname])
            if isinstance(source, list):
                varying.append(f.column)
                lists.append(source if convert is None else list(map(convert, source)))
            else:
                value = source if convert is None else convert(source)
                constants.append((f.column, param_sql(f, self.connection), value))
        if not n:
            return {}
        return staged_insert(
            self.model._meta.db_table,
            varying,
            zip(*lists, strict=True),
            constants,
            self.model._meta.get_field(key).column,
            self.connection,
        )


def history_rows(model, objs, *, history_type: str, actor, reason: str, now) -> None:
    """Write one simple-history row per object (who, when, why, and every tracked
    field as it now is) with plain INSERTs, as ``bulk_history_create`` would."""
    history = model.history.model
    inserter = Inserter(history, now)
    tracked = {f.attname for f in history.tracked_fields}
    values: dict = {
        "history_date": now,
        "history_type": history_type,
        "history_user_id": getattr(actor, "pk", None),
        "history_change_reason": reason,
    }
    for attname in tracked:
        values[attname] = ATTR
    names = {f.attname for f in inserter.fields}
    # the context columns the history signal fills for single saves (unit, name)
    if "history_unit_path" in names:
        values["history_unit_path"] = lambda o: unit_path_of(o)[:255]
    if "history_object_repr" in names:
        repr_max = history._meta.get_field("history_object_repr").max_length
        values["history_object_repr"] = lambda o: str(o)[:repr_max]
    make = inserter.row_maker(values)
    inserter.insert([make(o) for o in objs])


def _history_paths(model) -> list | None:
    """The expressions giving the owning unit's path of a row of ``model`` (as
    ``unit_path_of``: the first of its ownership's units that has one), by joins; None
    when a unit is not a single join away (then only ``history_rows`` will do)."""
    from django.core.exceptions import FieldDoesNotExist
    from django.db.models import F
    from django.db.models.functions import Substr

    from ..scope import Ownership

    own = getattr(model, "ownership", None)
    paths: list = []
    if not isinstance(own, Ownership):
        return paths
    for lookup in own.units:
        if "__" in lookup:
            return None
        try:
            target = model if lookup == "self" else model._meta.get_field(lookup).related_model
            target._meta.get_field("path")
        except (FieldDoesNotExist, AttributeError):
            return None
        paths.append(Substr(F("path" if lookup == "self" else f"{lookup}__path"), 1, 255))
    return paths


def history_insert_supported(model) -> bool:
    """Whether ``history_insert_select`` can write ``model``'s history rows."""
    return _history_paths(model) is not None


def history_insert_select(
    model, ids: list, *, history_type: str, actor, reason: str, now, object_repr
) -> None:
    """``history_rows`` for the rows ``ids`` of ``model`` just written, set-wise: one
    ``INSERT … SELECT`` from the model's table into its history table (who, when, why,
    every tracked field as it now is, the owning unit's path by a join, the object's
    name by ``object_repr``, an expression equal to ``str(obj)``). Only for a model
    ``history_insert_supported`` accepts."""
    from django.db.models import F, Value
    from django.db.models.expressions import RawSQL
    from django.db.models.functions import Cast, Coalesce

    paths = _history_paths(model)
    if paths is None:
        raise ValueError(f"{model.__name__}: the owning unit is not one join away")
    if not ids:
        return
    history = model.history.model
    connection = connections[router.db_for_write(history)]
    tracked = {f.attname for f in history.tracked_fields}
    fields = [
        f
        for f in history._meta.concrete_fields
        if not (f.primary_key and isinstance(f, AutoFieldMixin))
    ]
    constants = {
        "history_date": now,
        "history_type": history_type,
        "history_user_id": getattr(actor, "pk", None),
        "history_change_reason": reason,
    }
    annotations = {}
    for i, f in enumerate(fields):
        expr: Any
        if f.attname in tracked:
            expr = F(f.attname)
        elif f.attname == "history_unit_path":
            expr = Coalesce(*paths, Value("")) if paths else Value("")
        elif f.attname == "history_object_repr":
            expr = object_repr
        else:
            value = constants.get(f.attname, f.get_default())
            expr = Value(value, output_field=f)
            if connection.vendor != "sqlite":
                expr = Cast(expr, output_field=f)
        annotations[f"h{i}"] = expr
    qn = connection.ops.quote_name
    # the ids as one parameter (``kit.bulk.in_keys``), not one per id
    where, where_params = in_keys(
        f"{qn(model._meta.db_table)}.{qn(model._meta.pk.column)}", ids, connection
    )
    query = (
        model._base_manager.using(connection.alias)
        .filter(RawSQL(where, where_params, output_field=models.BooleanField()))
        .order_by("pk")
        .annotate(**annotations)
        .values(*annotations)
    )
    sql, params = query.query.sql_with_params()
    names = ", ".join(qn(f.column) for f in fields)
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {qn(history._meta.db_table)} ({names}) {sql}", params)
