"""Checking uploaded files before anything parses them.

One place for the rules every upload follows, whatever the page:

- ``sniff``: what a file really is, from its first bytes, never from its name
  (a zip named .png, an HTML page named .xlsx are told apart from the real thing);
- ``check_ooxml``: an .xlsx or .docx (both zip archives of XML parts): size, member
  count, total uncompressed size and compression ratio (zip bombs), the part that
  makes it a workbook or a document, and no DTD or entity declaration in any XML
  part (billion laughs / external entities), the structural parts parsed with
  defusedxml;
- ``check_pdf`` / ``check_text``: the magic bytes and the encoding;
- ``reencode_image``: every uploaded photo is decoded by Pillow (pixel count capped
  before decoding: decompression bombs) and written again as a plain JPEG or PNG,
  without EXIF (GPS position, camera), XMP or any trailing bytes.

Every refusal is an ``UploadError`` with a Chinese message naming the file.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path
from typing import BinaryIO

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.core.files.base import ContentFile

MB = 1024 * 1024
DEFAULTS = {
    "UPLOAD_MAX_BYTES": 50 * MB,  # an uploaded .xlsx/.docx/.pdf
    "UPLOAD_MAX_UNCOMPRESSED_BYTES": 500 * MB,  # all members of a zip together
    "UPLOAD_MAX_RATIO": 200,  # uncompressed / compressed, per member over 1 MB
    "UPLOAD_MAX_MEMBERS": 10_000,  # parts in one .xlsx/.docx
    "IMAGE_MAX_BYTES": 20 * MB,  # an uploaded photo
    "IMAGE_MAX_PIXELS": 40_000_000,  # width × height (a 40-megapixel camera)
    "IMAGE_MAX_SIDE": 4096,  # the stored photo is scaled down to this longest side
}

# The parts whose absence means "not this kind of document".
OOXML_MAIN_PART = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}
OOXML_LABEL = {"xlsx": "Excel 工作簿(.xlsx)", "docx": "Word 文档(.docx)"}
# Small structural parts parsed in full with defusedxml (the big sheet/document parts
# are only scanned for a DTD in their prolog: parsing 100,000 rows twice costs seconds).
_STRUCTURAL_PARTS = ("[Content_Types].xml", "xl/workbook.xml", "_rels/.rels")
_PROLOG_SCAN_BYTES = 64 * 1024
_PARSE_IN_FULL_BYTES = 2 * MB


def limit(name: str) -> int:
    """A limit from ``settings.GONGJIAN`` (same key), else the default above."""
    return int(getattr(settings, "GONGJIAN", {}).get(name, DEFAULTS[name]))


class UploadError(ValueError):
    """The upload is refused; the message says why, in Chinese."""


# --- what a file really is ----------------------------------------------------------

_MAGIC = [
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty zip
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),  # .xls/.doc, or an encrypted .xlsx/.docx
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
]
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml")


def sniff(head: bytes) -> str:
    """The kind of a file from its first bytes (read at least 2 KB): ``zip``, ``ole``,
    ``pdf``, ``png``, ``jpeg``, ``gif``, ``bmp``, ``webp``, ``html`` (HTML, SVG or other
    markup), ``text``, ``empty`` or ``unknown``."""
    if not head:
        return "empty"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    # PDF allows up to 1 KB of junk before the header
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if _looks_like_text(head):
        lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if any(lowered.startswith(m) for m in _HTML_MARKERS) or b"<html" in lowered[:1024]:
            return "html"
        return "text"
    return "unknown"


def _looks_like_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            # a multi-byte character cut at the end of the sample is still text
            if exc.start >= len(data) - 3:
                return True
            continue
    return False


def _described(kind: str) -> str:
    return {
        "zip": "压缩包",
        "ole": "旧版 Office 文件(.xls/.doc)或加密文件",
        "pdf": "PDF 文档",
        "png": "PNG 图片",
        "jpeg": "JPEG 图片",
        "gif": "GIF 图片",
        "bmp": "BMP 图片",
        "webp": "WebP 图片",
        "html": "网页(HTML/SVG)文件",
        "text": "文本文件",
        "empty": "空文件",
    }.get(kind, "无法识别的文件")


# --- .xlsx / .docx ------------------------------------------------------------------


def check_ooxml(
    source: str | Path | BinaryIO,
    *,
    kind: str,
    name: str = "",
    limits: dict[str, int] | None = None,
) -> list[str]:
    """Refuse an .xlsx/.docx that is not one, is too big, is a zip bomb or carries a DTD.

    ``source`` is a path or a binary file object; ``limits`` overrides some of the
    ``UPLOAD_*`` limits (the Excel import has its own). Returns the archive's member names.
    """
    limits = limits or {}
    label = OOXML_LABEL[kind]
    shown = f"文件“{name}”" if name else "文件"
    fh, close = _open(source)
    try:
        fh.seek(0, io.SEEK_END)
        size = fh.tell()
        fh.seek(0)
        if size == 0:
            raise UploadError(f"{shown}是空的")
        max_bytes = limits.get("UPLOAD_MAX_BYTES") or limit("UPLOAD_MAX_BYTES")
        if size > max_bytes:
            raise UploadError(f"{shown}有 {size / MB:.1f} MB,超过了 {max_bytes / MB:.0f} MB 的上限")
        found = sniff(fh.read(4096))
        fh.seek(0)
        if found != "zip":
            raise UploadError(f"{shown}不是有效的 {label},而是{_described(found)}")
        try:
            archive = zipfile.ZipFile(fh)
        except zipfile.BadZipFile:
            raise UploadError(f"{shown}已损坏,不是有效的 {label}") from None
        with archive:
            return _check_archive(archive, kind=kind, shown=shown, limits=limits)
    finally:
        if close:
            fh.close()


def _open(source) -> tuple[BinaryIO, bool]:
    if isinstance(source, str | Path):
        return open(source, "rb"), True  # noqa: SIM115 (closed by the caller's finally)
    return source, False


def _check_archive(
    archive: zipfile.ZipFile, *, kind: str, shown: str, limits: dict[str, int]
) -> list[str]:
    def lim(key: str) -> int:
        return limits.get(key) or limit(key)

    label = OOXML_LABEL[kind]
    infos = archive.infolist()
    if len(infos) > lim("UPLOAD_MAX_MEMBERS"):
        raise UploadError(f"{shown}包含 {len(infos)} 个部件,数量异常,已拒绝")
    names = {i.filename for i in infos}
    main = OOXML_MAIN_PART[kind]
    if main not in names:
        other = next((k for k, part in OOXML_MAIN_PART.items() if part in names), None)
        if other:
            raise UploadError(f"{shown}是{OOXML_LABEL[other]},不是{label}")
        raise UploadError(f"{shown}不是{label}")
    if any(i.flag_bits & 0x1 for i in infos):
        raise UploadError(f"{shown}设置了密码,请取消密码后再上传")
    total = sum(i.file_size for i in infos)
    if total > lim("UPLOAD_MAX_UNCOMPRESSED_BYTES"):
        raise UploadError(
            f"{shown}解压后有 {total / MB:.0f} MB,超过了 "
            f"{lim('UPLOAD_MAX_UNCOMPRESSED_BYTES') / MB:.0f} MB 的上限"
        )
    for info in infos:
        if info.file_size > MB and info.file_size > lim("UPLOAD_MAX_RATIO") * max(
            info.compress_size, 1
        ):
            raise UploadError(f"{shown}的压缩比异常(疑似压缩炸弹),已拒绝")
    for info in infos:
        if info.filename.endswith((".xml", ".rels")) or info.filename == "[Content_Types].xml":
            _check_xml_part(archive, info, shown=shown)
    return sorted(names)


def _check_xml_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, shown: str) -> None:
    """No DTD (so no entity) in the part; small structural parts parsed with defusedxml."""
    with archive.open(info) as part:
        head = part.read(_PROLOG_SCAN_BYTES)
    text = _xml_head_text(head)
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise UploadError(
            f"{shown}的内容无法读取:{info.filename} 含有 DTD/实体声明(XML 实体攻击),已拒绝"
        )
    root_at = _root_element_at(text)
    if root_at < 0 and len(head) >= _PROLOG_SCAN_BYTES:
        raise UploadError(f"{shown}的 {info.filename} 格式异常,已拒绝")
    if info.filename in _STRUCTURAL_PARTS or (
        info.filename.endswith(".rels") and info.file_size <= _PARSE_IN_FULL_BYTES
    ):
        if info.file_size > _PARSE_IN_FULL_BYTES:
            raise UploadError(f"{shown}的 {info.filename} 过大,格式异常,已拒绝")
        try:
            SafeET.fromstring(archive.read(info), forbid_dtd=True)
        except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
            raise UploadError(
                f"{shown}的内容无法读取:{info.filename} 含有 DTD/实体声明(XML 实体攻击),已拒绝"
            ) from None
        except SafeET.ParseError:
            raise UploadError(f"{shown}的 {info.filename} 不是有效的 XML,文件已损坏") from None


def _xml_head_text(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    if len(head) > 1 and head[0] == 0 and head[1] != 0:
        return head.decode("utf-16-be", errors="ignore")
    if len(head) > 1 and head[1] == 0 and head[0] != 0:
        return head.decode("utf-16-le", errors="ignore")
    return head.decode("utf-8", errors="ignore")


def _root_element_at(text: str) -> int:
    """Where the root element starts (after the XML declaration, comments, PIs), or -1."""
    at = 0
    while True:
        at = text.find("<", at)
        if at < 0 or at + 1 >= len(text):
            return -1
        nxt = text[at + 1]
        if nxt == "?":
            end = text.find("?>", at)
        elif text.startswith("<!--", at):
            end = text.find("-->", at)
        elif nxt == "!":
            return at  # a declaration (refused above) counts as the start
        else:
            return at
        if end < 0:
            return -1
        at = end + 2


# --- .pdf / .txt --------------------------------------------------------------------


def check_pdf(data: bytes, *, name: str = "") -> None:
    shown = f"文件“{name}”" if name else "文件"
    found = sniff(data[:4096])
    if found != "pdf":
        raise UploadError(f"{shown}不是 PDF 文档,而是{_described(found)}")


def check_text(data: bytes, *, name: str = "") -> None:
    """A plain UTF-8 or GB18030 text: no binary file, no HTML page under a .txt name."""
    shown = f"文件“{name}”" if name else "文件"
    found = sniff(data[:4096])
    if found not in ("text", "empty"):
        raise UploadError(f"{shown}不是纯文本文件,而是{_described(found)}")


# --- images -------------------------------------------------------------------------

IMAGE_KINDS = {"png", "jpeg", "gif", "bmp", "webp"}


def reencode_image(upload, *, name: str = "") -> ContentFile:
    """Decode ``upload`` (a file object or bytes) with Pillow and write it again.

    Refused: anything whose first bytes are not an image (whatever its name), more
    than ``IMAGE_MAX_PIXELS`` pixels (checked from the header, before decoding), a
    file over ``IMAGE_MAX_BYTES``, a truncated or broken image. Kept: the picture,
    turned upright by its EXIF orientation and scaled to ``IMAGE_MAX_SIDE``. Dropped:
    EXIF (GPS, camera), XMP, ICC, comments and any bytes after the image. Photos come
    back as JPEG, images with transparency as PNG.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = name or getattr(upload, "name", "") or "photo"
    shown = f"图片“{Path(name).name}”"
    data = upload if isinstance(upload, bytes) else _read_all(upload)
    if len(data) > limit("IMAGE_MAX_BYTES"):
        raise UploadError(f"{shown}超过 {limit('IMAGE_MAX_BYTES') / MB:.0f} MB 的上限")
    found = sniff(data[:4096])
    if found not in IMAGE_KINDS:
        raise UploadError(f"{shown}不是图片文件,而是{_described(found)}")
    max_pixels = limit("IMAGE_MAX_PIXELS")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if width * height > max_pixels:
                    raise UploadError(
                        f"{shown}有 {width}×{height} 像素,超过了 {max_pixels:,} 像素的上限"
                    )
                if (probe.format or "").lower() not in {"png", "jpeg", "mpo", "gif", "bmp", "webp"}:
                    raise UploadError(f"{shown}的格式({probe.format})不受支持")
                probe.seek(0)  # first frame of an animation
                probe.load()
                image = ImageOps.exif_transpose(probe)
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadError(f"{shown}的像素数量异常(疑似解压炸弹),已拒绝") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadError(f"{shown}已损坏或不是有效的图片") from None

    side = limit("IMAGE_MAX_SIDE")
    if max(image.size) > side:
        image.thumbnail((side, side))
    transparent = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    out = io.BytesIO()
    stem = Path(name).stem[:80] or "photo"
    if transparent:
        clean = image.convert("RGBA")
        clean.info = {}  # nothing of the original's metadata is written back
        clean.save(out, format="PNG", optimize=True)
        filename = f"{stem}.png"
    else:
        clean = image.convert("RGB")
        clean.info = {}
        clean.save(out, format="JPEG", quality=85, optimize=True)
        filename = f"{stem}.jpg"
    return ContentFile(out.getvalue(), name=filename)


def _read_all(upload) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    if hasattr(upload, "chunks"):
        return b"".join(upload.chunks())
    return upload.read()
