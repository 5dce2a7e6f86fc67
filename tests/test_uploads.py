"""Uploads are checked by what they are, not by their names: crafted files
(billion laughs in an .xlsx/.docx, polyglots, decompression bombs, a JPEG with a GPS
position) are refused or cleaned, with a Chinese message, and change nothing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from PIL import Image

from gongjian.kit.tabular.files import BadFile, open_workbook
from gongjian.kit.uploads import (
    UploadError,
    check_ooxml,
    check_pdf,
    check_text,
    reencode_image,
    sniff,
)
from gongjian.projects import services as project_services
from gongjian.projects.models import ProgressReport, Stage
from gongjian.review.documents import read_document
from gongjian.units.models import Role

from .factories import CityFactory, ProjectFactory, UnitFactory, member

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
)
EXTERNAL_ENTITY = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'


# --- crafted files ---------------------------------------------------------------------


def xlsx_bytes(rows=(("项目编号", "项目名称"), ("A1", "测试"))) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            sheet.write(r, c, value)
    book.close()
    return out.getvalue()


def docx_bytes(text="营商环境持续优化") -> bytes:
    doc = Document()
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def with_part_replaced(data: bytes, member: str, transform) -> bytes:
    """A copy of the zip ``data`` whose ``member`` is ``transform(old xml)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == member:
                body = transform(body.decode()).encode()
            dst.writestr(info, body)
    return out.getvalue()


def _with_dtd(dtd: str, entity_ref: str):
    def transform(xml: str) -> str:
        body = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
        return dtd + body.replace("测试", entity_ref, 1).replace("营商环境持续优化", entity_ref, 1)

    return transform


def png_bytes(size=(64, 48), mode="RGB", color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (120, 80), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    gps = {1: "N", 2: (41.0, 7.0, 30.0), 3: "E", 4: (121.0, 8.0, 0.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"secret comment")
    return out.getvalue()


def huge_png_header(width=100_000, height=100_000) -> bytes:
    """A tiny file declaring 10 billion pixels (a decompression bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# --- sniffing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"PK\x03\x04rest", "zip"),
        (b"%PDF-1.7\n", "pdf"),
        (b"\x89PNG\r\n\x1a\nxxxx", "png"),
        (b"\xff\xd8\xff\xe0xxxx", "jpeg"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "html"),
        (b"\xef\xbb\xbf  <html lang=zh>", "html"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "html"),
        ("项目编号,项目名称\n".encode("gb18030"), "text"),
        (b"\x00\x01\x02\x03", "unknown"),
        (b"", "empty"),
    ],
)
def test_sniff_reads_the_bytes_not_the_name(data, kind):
    assert sniff(data) == kind


# --- .xlsx -----------------------------------------------------------------------------


def test_a_real_workbook_passes(tmp_path):
    path = tmp_path / "ok.xlsx"
    path.write_bytes(xlsx_bytes())
    book = open_workbook(path)
    try:
        assert [list(r) for r in book.rows()][:2] == [["项目编号", "项目名称"], ["A1", "测试"]]
    finally:
        book.close()


@pytest.mark.parametrize(
    "member",
    ["xl/sharedStrings.xml", "xl/workbook.xml", "[Content_Types].xml", "xl/worksheets/sheet1.xml"],
)
def test_billion_laughs_in_any_xlsx_part_is_refused(tmp_path, member):
    data = with_part_replaced(xlsx_bytes(), member, _with_dtd(BILLION_LAUGHS, "&lol9;"))
    path = tmp_path / "laughs.xlsx"
    path.write_bytes(data)
    with pytest.raises(BadFile, match="DTD/实体声明") as exc:
        open_workbook(path)
    assert member in str(exc.value)


def test_external_entity_in_an_xlsx_is_refused(tmp_path):
    data = with_part_replaced(
        xlsx_bytes(), "xl/sharedStrings.xml", _with_dtd(EXTERNAL_ENTITY, "&e;")
    )
    path = tmp_path / "xxe.xlsx"
    path.write_bytes(data)
    with pytest.raises(BadFile, match="DTD/实体声明"):
        open_workbook(path)


def test_a_dtd_hidden_behind_utf16_is_found(tmp_path):
    data = xlsx_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/sharedStrings.xml":
                text = body.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
                text = text.replace("?>", "?>" + BILLION_LAUGHS.split("?>", 1)[1], 1)
                body = text.encode("utf-16")
            dst.writestr(info, body)
    path = tmp_path / "utf16.xlsx"
    path.write_bytes(out.getvalue())
    with pytest.raises(BadFile, match="DTD/实体声明"):
        open_workbook(path)


def test_an_html_page_named_xlsx_is_refused(tmp_path):
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"<html><body><table><tr><td>A1</td></tr></table></body></html>")
    with pytest.raises(BadFile, match="网页"):
        open_workbook(path)


def test_too_many_members_is_refused(tmp_path, settings):
    settings.GONGJIAN = {**settings.GONGJIAN, "UPLOAD_MAX_MEMBERS": 20}
    data = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes())) as src, zipfile.ZipFile(data, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        for i in range(30):
            dst.writestr(f"xl/media/pad{i}.bin", b"x")
    path = tmp_path / "many.xlsx"
    path.write_bytes(data.getvalue())
    with pytest.raises(BadFile, match="部件"):
        open_workbook(path)


def test_a_zip_bomb_is_refused_before_decompressing():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<w:document>" + b" " * (50 * 1024 * 1024))
    with pytest.raises(UploadError, match="压缩炸弹"):
        check_ooxml(io.BytesIO(data.getvalue()), kind="docx", name="bomb.docx")


# --- .docx, .pdf, .txt (the review corpus) --------------------------------------------


def test_a_real_docx_is_read():
    assert read_document("ok.docx", docx_bytes()) == ("docx", "营商环境持续优化")


@pytest.mark.parametrize("member", ["word/document.xml", "word/styles.xml", "[Content_Types].xml"])
def test_billion_laughs_in_a_docx_is_refused(member):
    data = with_part_replaced(docx_bytes(), member, _with_dtd(BILLION_LAUGHS, "&lol9;"))
    with pytest.raises(ValidationError, match="DTD/实体声明"):
        read_document("laughs.docx", data)


@pytest.mark.parametrize(
    "name, data, fragment",
    [
        ("report.docx", xlsx_bytes(), "Excel 工作簿"),  # a workbook named .docx
        ("report.docx", b"<html><body>x</body></html>", "网页"),
        ("report.pdf", b"<html><body>x</body></html>", "不是 PDF"),
        ("report.pdf", b"PK\x03\x04" + b"\x00" * 64, "不是 PDF"),
        ("notes.txt", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "不是纯文本"),
        ("notes.txt", png_bytes(), "PNG 图片"),
    ],
    ids=["xlsx-as-docx", "html-as-docx", "html-as-pdf", "zip-as-pdf", "html-as-txt", "png-as-txt"],
)
def test_polyglots_and_renamed_files_are_refused(name, data, fragment):
    with pytest.raises(ValidationError, match=fragment):
        read_document(name, data)


def test_pdf_and_text_checks():
    check_pdf(b"%PDF-1.4\n%...", name="a.pdf")
    check_text("十大高频词".encode("gb18030"), name="a.txt")
    with pytest.raises(UploadError, match="a.pdf"):
        check_pdf(b"GIF89a....", name="a.pdf")


# --- images ----------------------------------------------------------------------------


def test_a_jpeg_loses_its_gps_and_camera_data_and_is_turned_upright():
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(0x8825)  # the crafted file does carry a position
    cleaned = reencode_image(SimpleUploadedFile("site.jpg", original))
    data = cleaned.read()
    assert cleaned.name == "site.jpg"
    with Image.open(io.BytesIO(data)) as after:
        assert after.format == "JPEG"
        assert dict(after.getexif()) == {}
        assert "exif" not in after.info and "comment" not in after.info
        assert after.size == (80, 120)  # orientation 6 applied, then the tag dropped
    assert b"TestCam" not in data and b"secret comment" not in data


def test_a_png_with_transparency_stays_png_and_trailing_bytes_are_dropped():
    data = png_bytes(mode="RGBA", color=(0, 0, 0, 0)) + b"PK\x03\x04<script>alert(1)</script>"
    cleaned = reencode_image(data, name="logo.png")
    body = cleaned.read()
    assert cleaned.name == "logo.png" and b"<script>" not in body
    with Image.open(io.BytesIO(body)) as image:
        assert image.format == "PNG" and image.mode == "RGBA"


def test_a_huge_dimension_png_is_refused_without_decoding():
    with pytest.raises(UploadError, match="像素"):
        reencode_image(huge_png_header(), name="bomb.png")


def test_the_pixel_cap_comes_from_settings(settings):
    settings.GONGJIAN = {**settings.GONGJIAN, "IMAGE_MAX_PIXELS": 1000}
    with pytest.raises(UploadError, match="1,000 像素"):
        reencode_image(png_bytes(size=(100, 100)), name="a.png")


def test_a_large_photo_is_scaled_down(settings):
    settings.GONGJIAN = {**settings.GONGJIAN, "IMAGE_MAX_SIDE": 100}
    cleaned = reencode_image(png_bytes(size=(400, 200)), name="wide.png")
    with Image.open(cleaned) as image:
        assert image.size == (100, 50)


@pytest.mark.parametrize(
    "name, data, fragment",
    [
        ("photo.png", xlsx_bytes(), "压缩包"),  # a zip named .png
        ("photo.jpg", b"<html><script>alert(1)</script></html>", "网页"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 200, "损坏"),
        ("photo.png", b"", "空文件"),
    ],
    ids=["zip-as-png", "html-as-jpg", "broken-jpg", "empty-png"],
)
def test_what_is_not_an_image_is_refused(name, data, fragment):
    with pytest.raises(UploadError, match=fragment):
        reencode_image(SimpleUploadedFile(name, data), name=name)


# --- where photos are accepted ---------------------------------------------------------


@pytest.fixture
def report(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    city = CityFactory()
    district = UnitFactory(parent=city)
    operator = member(district, Role.OPERATOR)
    project = ProjectFactory(
        unit=district,
        stage_events=[(Stage.SIGNED, dt.date(2024, 2, 1)), (Stage.STARTED, dt.date(2024, 4, 1))],
    )
    row = project_services.progress_report_submit(
        actor=operator,
        project=project,
        period_start=dt.date(2024, 5, 1),
        period_end=dt.date(2024, 5, 31),
        investment_this_period=1_000_000,
    )
    return operator, row


def test_the_progress_report_photo_is_stored_re_encoded(report):
    operator, row = report
    project_services.progress_report_attach_photo(
        actor=operator, report=row, photo=SimpleUploadedFile("现场.jpg", jpeg_with_gps())
    )
    row.refresh_from_db()
    assert row.photo.name.endswith(".jpg")
    with row.photo.open("rb") as fh:
        stored = fh.read()
    assert b"TestCam" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert dict(image.getexif()) == {}


def test_a_polyglot_photo_is_refused_and_changes_nothing(report):
    operator, row = report
    with pytest.raises(ValidationError) as exc:
        project_services.progress_report_attach_photo(
            actor=operator, report=row, photo=SimpleUploadedFile("site.png", xlsx_bytes())
        )
    assert "不是图片" in str(exc.value)
    assert not ProgressReport.objects.get(pk=row.pk).photo


def test_an_office_dispatch_template_goes_through_the_docx_checks(db, tmp_path, settings):
    from gongjian.kit.dates import Period
    from gongjian.reports.dispatch import ReportError, render_docx

    template = tmp_path / "通报模板.docx"
    template.write_bytes(
        with_part_replaced(docx_bytes(), "word/document.xml", _with_dtd(BILLION_LAUGHS, "&lol9;"))
    )
    settings.GONGJIAN = {**settings.GONGJIAN, "DISPATCH_TEMPLATE": str(template)}
    with pytest.raises(ReportError, match="DTD/实体声明"):
        render_docx(unit=CityFactory(), period=Period.month(2024, 10))


def test_the_report_page_refuses_an_oversized_photo_and_saves_no_report(
    client, db, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.GONGJIAN = {**settings.GONGJIAN, "IMAGE_MAX_PIXELS": 1000}
    city = CityFactory()
    district = UnitFactory(parent=city)
    operator = member(district, Role.OPERATOR)
    project = ProjectFactory(
        unit=district,
        stage_events=[(Stage.SIGNED, dt.date(2024, 2, 1)), (Stage.STARTED, dt.date(2024, 4, 1))],
    )
    client.force_login(operator)
    response = client.post(
        f"/dispatch/{project.pk}/report/?unit={district.pk}&period=2024-05",
        {
            "investment_this_period": "10",
            "progress_text": "主体施工",
            "photo": SimpleUploadedFile("现场.png", png_bytes(size=(100, 100))),
        },
    )
    assert response.status_code == 200
    assert "1,000 像素" in response.content.decode()
    assert not ProgressReport.objects.filter(project=project).exists()
