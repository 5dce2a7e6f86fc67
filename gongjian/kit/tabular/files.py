"""Opening an uploaded spreadsheet safely.

Before python-calamine reads a byte, ``open_workbook`` refuses, with a Chinese
message, what is not a usable .xlsx: a file over the size limit, an old .xls, a
CSV or an HTML page under an .xlsx name, a password-protected workbook, a zip bomb
(the decompressed size is capped and so is the compression ratio), an XML part
declaring a DTD or entities (billion laughs), a zip that is not a workbook, and a
sheet holding formulas instead of values. The zip and XML checks are
``gongjian.kit.uploads.check_ooxml``, shared with every .docx upload.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
_FORMULA_RE = re.compile(
    rb"<c\b[^>]*?\br=\"([A-Z]+\d+)\"[^>]*>(?:(?!</c>).)*?<(?:\w+:)?f[\s>/]", re.S
)


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


def _check_zip(path: Path) -> str:
    """Refuse zip bombs, DTDs and non-workbooks (``common.uploads.check_ooxml``, the same
    check as every .docx upload); return the first sheet's member name."""
    try:
        names = check_ooxml(
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
    sheets = sorted(
        (n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
        key=lambda n: int(re.sub(r"\D", "", n.rsplit("/", 1)[1])),
    )
    return sheets[0] if sheets else ""


def _formula_cells(path: Path, member: str, first: int = 5) -> list[str]:
    """References of the first cells holding a formula (scanned in streaming chunks)."""
    if not member:
        return []
    found: list[str] = []
    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(member) as fh:
        while True:
            chunk = fh.read(4 * MB)
            if not chunk:
                break
            data = tail + chunk
            if b"<f" in data:
                for m in _FORMULA_RE.finditer(data):
                    ref = m.group(1).decode()
                    if ref not in found:
                        found.append(ref)
                    if len(found) >= first:
                        return found
            cut = data.rfind(b"<c ")
            tail = data[cut:] if cut >= 0 and len(data) - cut < 65536 else b""
    return found


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
    member = _check_zip(path)
    if not allow_formulas:
        cells = _formula_cells(path, member)
        if cells:
            raise BadFile(
                "表中含有公式(" + "、".join(cells) + " 等单元格):请先把公式转为数值"
                "(全选→复制→选择性粘贴→数值)再导入"
            )
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
        raise BadFile("工作簿中没有工作表")
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
