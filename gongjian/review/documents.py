"""Reading uploaded documents into text: .txt (UTF-8 or GB18030), .docx (its XML read
with defusedxml, never python's plain parser), .pdf (the text layer, via pypdf)."""

from __future__ import annotations

import io
import zipfile

from defusedxml import ElementTree
from django.core.exceptions import ValidationError

from gongjian.kit.uploads import UploadError, check_ooxml, check_pdf, check_text

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000
MAX_DOCX_XML_BYTES = 50 * 1024 * 1024  # uncompressed: refuses zip bombs
FORMATS = ("txt", "docx", "pdf")

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def file_format(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in FORMATS:
        raise ValidationError({"file": f"文件“{name}”的格式不受支持,只接受 .txt、.docx、.pdf"})
    return suffix


def _txt(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError({"file": f"文件“{name}”不是 UTF-8 或 GB18030 编码的文本"})


def _docx(data: bytes, name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > MAX_DOCX_XML_BYTES:
                raise ValidationError({"file": f"文件“{name}”解压后过大"})
            xml = archive.read(info)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise ValidationError({"file": f"文件“{name}”不是有效的 Word(.docx)文档"}) from exc
    try:
        root = ElementTree.fromstring(xml)
    except Exception as exc:  # defusedxml refuses entities, DTDs, malformed XML
        raise ValidationError({"file": f"文件“{name}”的内容无法读取:{exc}"}) from exc
    paragraphs = []
    for paragraph in root.iter(f"{_W}p"):
        paragraphs.append("".join(node.text or "" for node in paragraph.iter(f"{_W}t")))
    return "\n".join(paragraphs)


def _pdf(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise ValidationError({"file": f"文件“{name}”不是有效的 PDF 文档"}) from exc
    if not text.strip():
        raise ValidationError({"file": f"文件“{name}”没有文字层(可能是扫描件),无法提取文字"})
    return text


def read_document(name: str, data: bytes) -> tuple[str, str]:
    """(format, text) of an uploaded file; a clear Chinese ``ValidationError`` otherwise."""
    fmt = file_format(name)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {"file": f"文件“{name}”超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB 的上限"}
        )
    if not data:
        raise ValidationError({"file": f"文件“{name}”是空文件"})
    try:  # what the bytes are, not the name: zip bombs, DTDs, HTML under a .txt name
        if fmt == "docx":
            check_ooxml(io.BytesIO(data), kind="docx", name=name)
        else:
            (check_pdf if fmt == "pdf" else check_text)(data, name=name)
    except UploadError as exc:
        raise ValidationError({"file": str(exc)}) from None
    text = {"txt": _txt, "docx": _docx, "pdf": _pdf}[fmt](data, name)
    text = text.replace("\r\n", "\n").replace("\x00", "").strip()
    if not text:
        raise ValidationError({"file": f"文件“{name}”没有文字内容"})
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationError({"file": f"文件“{name}”的文字超过 {MAX_TEXT_CHARS:,} 字的上限"})
    return fmt, text
