"""Opening an uploaded spreadsheet safely.

Before python-calamine reads a sheet, ``open_workbook`` refuses, with a Chinese
message, what is not a usable .xlsx: a file over the size limit, an old .xls, a
CSV or an HTML page under an .xlsx name, a password-protected workbook, a zip bomb
(the decompressed size is capped and so is the compression ratio), an XML part
declaring a DTD or entities (billion laughs), a zip that is not a workbook, and a
sheet holding formulas instead of values. The zip and XML checks are
``gongjian.kit.uploads.check_ooxml``, shared with every .docx upload.

The formula check reads the part of the very sheet the import reads (found through the
workbook's relationships, whatever the part is called) and refuses any ``f`` element in
it, whatever its namespace prefix, attributes or quoting, and whether or not its cell
names a reference: the cached value of a formula is never imported.
"""

from __future__ import annotations

import codecs
import posixpath
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from defusedxml import ElementTree as SafeET
from django.conf import settings
from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

from gongjian.kit.uploads import UploadError, check_ooxml, sniff

MB = 1024 * 1024
DEFAULTS = {
    "IMPORT_MAX_BYTES": 50 * MB,  # the uploaded file
    "IMPORT_MAX_UNCOMPRESSED_BYTES": 500 * MB,  # all members of the .xlsx together
    "IMPORT_MAX_RATIO": 200,  # uncompressed / compressed, per member over 1 MB
}


def limit(name: str) -> int:
    return int(getattr(settings, "GONGJIAN", {}).get(name, DEFAULTS[name]))


class BadFile(UploadError):
    """The file cannot be imported; the message says why, in Chinese."""


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# An element named ``f`` with any namespace prefix (``<f>``, ``<f t='shared'/>``,
# ``<x:f>``): the name runs from ``<`` to the first blank, ``>`` or ``/``.
_NAME_CHARS = rb"[^\s<>/!?=\"']"
_FORMULA_TAG = re.compile(rb"<(?:" + _NAME_CHARS + rb"*:)?f[\s/>]")
# quick searches first (a literal start is found fast): an unprefixed formula, and
# whether anything could be a prefixed one at all
_PLAIN_F = re.compile(rb"<f[\s/>]")
_PREFIXED_F = re.compile(rb":f[\s/>]")
_OPEN_NAME = re.compile(rb"<" + _NAME_CHARS + rb"*\Z")
# the cell a formula is in: the last cell start tag before it, its reference in either quote
_CELL_TAG = re.compile(rb"<(?:" + _NAME_CHARS + rb"*:)?c[\s/>]")
_REF_ATTRIBUTE = re.compile(rb"""\sr\s*=\s*(["'])([A-Za-z]{1,3}[0-9]{1,7})\1""")
_CONTEXT = 64 * 1024
SCAN_CHUNK = 4 * MB
_MAX_STRUCTURE_BYTES = 2 * MB  # xl/workbook.xml and its relationships
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _sniff(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        raise BadFile("文件是空的")
    if size > limit("IMPORT_MAX_BYTES"):
        raise BadFile(
            f"文件有 {size / MB:.1f} MB,超过了 {limit('IMPORT_MAX_BYTES') / MB:.0f} MB 的上限,请拆分后分批导入"
        )
    with path.open("rb") as fh:
        head = fh.read(8)
        if head == OLE_MAGIC:
            fh.seek(0)
            data = fh.read(min(size, 4 * MB))
            if "EncryptedPackage".encode("utf-16-le") in data:
                raise BadFile("文件设置了打开密码,请在 Excel/WPS 中取消密码后再导入")
            raise BadFile(
                "这是旧版 Excel(.xls)文件,请在 Excel/WPS 中“另存为”Excel 工作簿(.xlsx)后再导入"
            )
    if head[:4] != ZIP_MAGIC:
        with path.open("rb") as fh:
            sample = fh.read(4096)
        if sniff(sample) == "html":
            raise BadFile(
                "这是网页(HTML)文件而不是 Excel 工作簿,请在 Excel/WPS 中另存为 .xlsx 后再导入"
            )
        if _looks_like_text(sample):
            raise BadFile(
                "这是文本/CSV 文件而不是 Excel 工作簿,请在 Excel/WPS 中另存为 .xlsx 后再导入"
            )
        raise BadFile("这不是 Excel 工作簿(.xlsx)文件")


def _looks_like_text(data: bytes) -> bool:
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
            return b"\x00" not in data
        except UnicodeDecodeError:
            continue
    return False


def _check_zip(path: Path) -> list[str]:
    """Refuse zip bombs, DTDs and non-workbooks (``kit.uploads.check_ooxml``, the same
    check as every .docx upload); return the archive's member names."""
    try:
        return check_ooxml(
            path,
            kind="xlsx",
            limits={
                "UPLOAD_MAX_BYTES": limit("IMPORT_MAX_BYTES"),
                "UPLOAD_MAX_UNCOMPRESSED_BYTES": limit("IMPORT_MAX_UNCOMPRESSED_BYTES"),
                "UPLOAD_MAX_RATIO": limit("IMPORT_MAX_RATIO"),
            },
        )
    except UploadError as exc:
        raise BadFile(str(exc)) from None


# --- formulas ----------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _small_xml(archive: zipfile.ZipFile, member: str):
    if archive.getinfo(member).file_size > _MAX_STRUCTURE_BYTES:
        raise BadFile(f"工作簿的 {member} 过大,格式异常")
    try:
        return SafeET.fromstring(archive.read(member), forbid_dtd=True)
    except Exception:  # a DTD (refused before) or broken XML
        raise BadFile(f"工作簿的 {member} 无法读取,文件已损坏") from None


def _targets(target: str) -> set[str]:
    """The archive members a relationship's ``Target`` may name: as the OPC rules resolve
    it (relative to ``xl/``, or from the root) and as lenient readers take it."""
    bare = target.replace("\\", "/").lstrip("/")
    return {
        posixpath.normpath(posixpath.join("xl", target.replace("\\", "/"))).lstrip("/"),
        bare,
        "xl/" + bare,
    }


def _sheet_parts(path: Path | str, names: list[str] | None = None) -> list[tuple[str, set[str]]]:
    """The workbook's sheets in order: (name, the archive members its part may be)."""
    with zipfile.ZipFile(path) as archive:
        present = set(names if names is not None else archive.namelist())
        rels: dict[str, str] = {}
        if "xl/_rels/workbook.xml.rels" in present:
            for rel in _small_xml(archive, "xl/_rels/workbook.xml.rels"):
                if _local(rel.tag) == "Relationship" and rel.get("Id"):
                    rels[rel.get("Id", "")] = rel.get("Target", "")
        sheets = []
        for element in _small_xml(archive, "xl/workbook.xml").iter():
            if _local(element.tag) != "sheet":
                continue
            rel_id = element.get(f"{{{_REL_NS}}}id") or next(
                (v for k, v in element.attrib.items() if _local(k) == "id"), ""
            )
            target = rels.get(rel_id, "")
            sheets.append(
                (element.get("name", ""), _targets(target) & present if target else set())
            )
        return sheets


def _read_parts(path: Path, names: list[str], sheet_name: str) -> list[str]:
    """The members to check for the sheet ``sheet_name``; every worksheet-like member
    where the workbook does not say clearly which part that sheet is."""
    sheets = _sheet_parts(path, names)
    parts = set().union(*(found for name, found in sheets if name == sheet_name))
    if not parts:
        parts = set().union(*(found for _name, found in sheets)) | {
            n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")
        }
    return sorted(parts)


def _chunks(fh: IO[bytes]) -> Iterator[bytes]:
    """A part in chunks, a UTF-16 part as UTF-8 (in every other encoding an XML reader
    accepts, ``<``, ``:``, ``f``, blanks, ``/`` and ``>`` are their ASCII bytes)."""
    first = fh.read(SCAN_CHUNK)
    encoding = None
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif len(first) > 1 and first[0] == 0 and first[1] != 0:
        encoding = "utf-16-be"
    elif len(first) > 1 and first[1] == 0 and first[0] != 0:
        encoding = "utf-16-le"
    if encoding is None:
        yield first
        while chunk := fh.read(SCAN_CHUNK):
            yield chunk
        return
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    yield decoder.decode(first).encode()
    while chunk := fh.read(SCAN_CHUNK):
        yield decoder.decode(chunk).encode()
    yield decoder.decode(b"", final=True).encode()


def _formulas_in(archive: zipfile.ZipFile, member: str, first: int) -> list[str] | None:
    """``None`` when the part holds no ``f`` element; else the references of the first
    cells holding one in the chunk where the first turns up (a cell without a readable
    ``r`` is refused all the same, unnamed). Streamed: a tag cut between two chunks is
    carried over, shortened to what decides the match."""
    tail = context = b""
    with archive.open(member) as fh:
        for chunk in _chunks(fh):
            data = tail + chunk
            if _PLAIN_F.search(data) or (_PREFIXED_F.search(data) and _FORMULA_TAG.search(data)):
                found: list[str] = []
                for match in _FORMULA_TAG.finditer(data):
                    at = max(0, match.start() - len(tail))  # where it starts in ``chunk``
                    before = chunk[max(0, at - _CONTEXT) : at]
                    if len(before) < _CONTEXT:
                        before = context[-(_CONTEXT - len(before)) :] + before
                    ref = _cell_ref(before)
                    if ref and ref not in found:
                        found.append(ref)
                    if len(found) >= first:
                        break
                return found
            cut = data.rfind(b"<")
            tail = b""
            if cut >= 0 and _OPEN_NAME.match(data, cut):
                name = data[cut + 1 :]
                tail = b"<" + (name if len(name) <= 2 else name[-2:])
            # the bytes before the next chunk, as they are (``tail`` is shortened)
            context = chunk[-_CONTEXT:] if len(chunk) >= _CONTEXT else (context + chunk)[-_CONTEXT:]
    return None


def _cell_ref(before: bytes) -> str:
    """The ``r`` of the last cell start tag in ``before`` (either quote), or ""."""
    last = None
    for last in _CELL_TAG.finditer(before):  # noqa: B007 (the last one is wanted)
        pass
    if last is None:
        return ""
    end = before.find(b">", last.start())
    attribute = _REF_ATTRIBUTE.search(before, last.end() - 1, end if end >= 0 else len(before))
    return attribute.group(2).decode().upper() if attribute else ""


def _formula_cells(path: Path | str, members: list[str], first: int = 5) -> list[str] | None:
    """``None`` when no member holds a formula; else the references of the first cells
    holding one (possibly none: a formula is refused even where no cell names it)."""
    with zipfile.ZipFile(path) as archive:
        for member in members:
            found = _formulas_in(archive, member, first)
            if found is not None:
                return found
    return None


@dataclass
class Workbook:
    path: Path
    book: CalamineWorkbook
    sheet_name: str
    _sheet: object = None

    def sheet(self):
        """The sheet, loaded once (calamine loads a whole sheet on each request)."""
        if self._sheet is None:
            self._sheet = self.book.get_sheet_by_name(self.sheet_name)
        return self._sheet

    def merged_ranges(self) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        try:
            return list(self.sheet().merged_cell_ranges or [])
        except (AttributeError, CalamineError):
            return []

    def rows(self) -> Iterator[list]:
        """Rows as lists of Python values (str, float, int, bool, date, datetime, None)."""
        sheet = self.sheet()
        start_row = sheet.start[0] if sheet.start else 0
        for _ in range(start_row):
            yield []
        yield from sheet.iter_rows()

    def close(self) -> None:
        self._sheet = None
        self.book.close()


def open_workbook(path: str | Path, *, allow_formulas: bool = False) -> Workbook:
    """Check ``path`` and open its first visible sheet, or raise ``BadFile``."""
    path = Path(path)
    _sniff(path)
    names = _check_zip(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several error types for broken files
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise BadFile("文件设置了打开密码,请取消密码后再导入") from None
        raise BadFile(f"无法读取该 Excel 文件({type(exc).__name__})") from None
    visible = [
        m.name for m in book.sheets_metadata if m.visible == SheetVisibleEnum.Visible
    ] or book.sheet_names
    if not visible:
        book.close()
        raise BadFile("工作簿中没有工作表")
    if not allow_formulas:
        try:
            cells = _formula_cells(path, _read_parts(path, names, visible[0]))
        except BadFile:
            book.close()
            raise
        if cells is not None:
            book.close()
            where = "(" + "、".join(cells) + " 等单元格)" if cells else ""
            raise BadFile(
                f"表中含有公式{where}:请先把公式转为数值(全选→复制→选择性粘贴→数值)再导入"
            )
    return Workbook(path, book, visible[0])


def import_upload(upload, run, **options) -> dict:
    """Run an importer ``run(path=..., **options)`` on an uploaded .xlsx; a file the
    readers refuse (``BadFile``, header errors) comes back as ``{"message", "errors"}``."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        try:
            return run(path=tmp.name, **options)
        except ValueError as exc:
            return {"message": str(exc), "errors": []}
