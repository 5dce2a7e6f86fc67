"""Sheets in and out stay data: user text the product writes back (error sheets, lists,
templates) is text, never a formula or a link; an imported sheet holding a formula is
refused however its XML spells the formula."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
import xlsxwriter

from gongjian.kit.tabular import exports as X
from gongjian.kit.tabular import files
from gongjian.kit.tabular.files import BadFile, open_workbook
from gongjian.kit.tabular.imports import ErrorSheet, importers
from gongjian.projects.models import Project
from gongjian.projects.sheets import PROJECT_SCHEMA, projects_import
from tests.factories import ProjectFactory, build_city_world

HYPERLINK = '=HYPERLINK("https://evil.example/login","点此查看")'
DDE = "=cmd|' /C calc'!A0"
ARRAY = "{=SUM(A1:A9)}"
URL = "https://evil.example/login"
UNC = "external:\\\\evil.example\\share\\x.xlsx"
HOSTILE = [HYPERLINK, DDE, ARRAY, "+1+2", "@SUM(1)"]


def _cells(path) -> dict[str, list]:
    """Every non-empty cell of every sheet: (value, data type, formula?, hyperlink)."""
    book = openpyxl.load_workbook(path)
    found: dict[str, list] = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    found.setdefault(sheet.title, []).append(
                        (cell.value, cell.data_type, cell.hyperlink)
                    )
    return found


def _assert_text(path, texts) -> None:
    cells = [c for sheet in _cells(path).values() for c in sheet]
    for text in texts:
        matching = [c for c in cells if c[0] == text]
        assert matching, f"{text!r} is missing from the sheet"
        for value, data_type, link in matching:
            assert data_type == "s", f"{value!r} was written as {data_type!r}"
            assert link is None, f"{value!r} became a link to {link.target!r}"
    # nothing written as a formula anywhere
    assert not [c for c in cells if c[1] == "f"]


def _text_xlsx(path, rows):
    """An .xlsx whose cells are written as they are, "=…" as text (a user typing '=…)."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("项目")
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is not None:
                sheet.write(r, c, value)
    book.close()
    return path


# --- out: error sheets, lists, templates -------------------------------------------


@pytest.mark.django_db
def test_a_refused_rows_text_comes_back_as_text_in_the_error_sheet(tmp_path):
    world = build_city_world()
    head = [c.title for c in PROJECT_SCHEMA.columns if c.required]
    assert "项目名称" in head and "所属单位" in head
    rows = [head]
    for i, text in enumerate(HOSTILE):
        values = {t: f"X-{i}" for t in head}
        values.update({"项目名称": text, "所属单位": "不存在区"})
        rows.append([values[t] for t in head])
    result = projects_import(actor=world.office, path=_text_xlsx(tmp_path / "p.xlsx", rows))
    assert not result.saved and result.error_file is not None
    _assert_text(result.error_file, HOSTILE)


def test_the_error_sheet_writes_text_as_text():
    sheet = ErrorSheet(["项目编号", "项目名称"])
    sheet.add(2, ["所属单位不存在"], [DDE, HYPERLINK])
    sheet.add(3, [HYPERLINK], [ARRAY, "+1+2"])
    path = sheet.close()
    try:
        _assert_text(path, [DDE, HYPERLINK, ARRAY, "+1+2"])
    finally:
        path.unlink()


def test_the_error_sheet_writes_link_like_text_as_text():
    sheet = ErrorSheet(["项目名称"])
    sheet.add(2, ["错误"], [URL])
    sheet.add(3, ["错误"], [UNC])
    path = sheet.close()
    try:
        _assert_text(path, [URL, UNC])
    finally:
        path.unlink()


@pytest.mark.django_db
def test_the_project_list_export_writes_names_as_text():
    world = build_city_world()
    for text in [*HOSTILE, URL, UNC]:
        ProjectFactory(name=text, unit=world.district_a, enterprise_name=text)
    path = X.exporters["projects"].write(world.office, {})
    try:
        _assert_text(path, [*HOSTILE, URL, UNC])
    finally:
        path.unlink()


def test_write_table_writes_text_and_the_caption_as_text(tmp_path):
    rows = [{"name": t} for t in [*HOSTILE, URL, UNC]]
    path = X.write_table(
        "清单", [X.Col("名称", lambda r: r["name"])], rows, caption=f"{URL} {HYPERLINK}"
    )
    try:
        _assert_text(path, [*HOSTILE, URL, UNC, f"{URL} {HYPERLINK}"])
    finally:
        path.unlink()
    path = X.write_table("清单", [X.Col("名称", lambda r: r["name"])], rows, caption=URL)
    try:
        _assert_text(path, [URL])
    finally:
        path.unlink()


def test_the_import_template_writes_unit_names_as_text():
    path = X.write_template(PROJECT_SCHEMA, options={"unit": [DDE, HYPERLINK, URL, UNC]})
    try:
        cells = _cells(path)
        assert {c[0] for c in cells["下拉选项"]} >= {DDE, HYPERLINK, URL, UNC}
        _assert_text(path, [DDE, HYPERLINK, URL, UNC])
    finally:
        path.unlink()


@pytest.mark.django_db
def test_the_template_download_of_a_unit_named_like_a_link():
    world = build_city_world()
    world.district_a.name = URL
    world.district_a.save()
    path = importers[PROJECT_SCHEMA.key].template(world.office)
    try:
        _assert_text(path, [URL])
    finally:
        path.unlink()


# --- in: formulas, however spelled ----------------------------------------------------


def _book(*, hidden_first=False, formula=True) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    if hidden_first:
        other = book.add_worksheet("说明")
        other.write(0, 0, "隐藏的说明页")
        other.hide()
    sheet = book.add_worksheet("项目")
    sheet.write_row(0, 0, ["项目名称", "总投资(万元)"])
    sheet.write(1, 0, "凌河储能项目")
    if formula:
        sheet.write_formula(1, 1, "=1000*25", None, 25000)
    else:
        sheet.write_number(1, 1, 25000)
    if hidden_first:
        sheet.activate()
    book.close()
    return out.getvalue()


def _edit(data: bytes, change) -> bytes:
    """A copy of the zip ``data`` with ``change(name, bytes) -> (name, bytes)`` applied
    to every member."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            name, body = change(info.filename, src.read(info))
            dst.writestr(name, body)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def _in_sheet(transform, member=SHEET):
    def change(name, body):
        return (name, transform(body)) if name == member else (name, body)

    return change


def _prefixed(body: bytes) -> bytes:
    text = body.decode().replace(
        'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
    )
    return re.sub(r"<(/?)([A-Za-z]\w*)(?=[\s>/])", r"<\1x:\2", text).encode()


def _renamed(name, body):
    """The sheet's part under a name that is no ``sheetN.xml``."""
    if name == SHEET:
        return "xl/data/cells.xml", body
    if name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
        return name, body.replace(b"worksheets/sheet1.xml", b"data/cells.xml")
    return name, body


def _absolute_target(name, body):
    if name == "xl/_rels/workbook.xml.rels":
        return name, body.replace(b'Target="worksheets/', b'Target="/xl/worksheets/')
    return name, body


CRAFTED = {
    "single-quoted reference": _in_sheet(lambda b: b.replace(b'<c r="B2"', b"<c r='B2'")),
    "cell without a reference": _in_sheet(lambda b: b.replace(b'<c r="B2"', b"<c")),
    "reference after another attribute": _in_sheet(
        lambda b: b.replace(b'<c r="B2"', b'<c s="0"\n  r="B2"')
    ),
    "formula with attributes": _in_sheet(lambda b: b.replace(b"<f>", b"<f t='normal' aca=\"0\">")),
    "namespace prefix": _in_sheet(_prefixed),
    "blank inside the tags": _in_sheet(lambda b: b.replace(b"<f>", b"<f\n>")),
    "part under another name": _renamed,
    "absolute relationship target": _absolute_target,
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_a_formula_is_refused_however_the_sheet_xml_spells_it(name, tmp_path):
    path = tmp_path / "crafted.xlsx"
    path.write_bytes(_edit(_book(), CRAFTED[name]))
    # the reader does see the formula's cached value: the check must stop it first
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[1][1] == 25000
    with pytest.raises(BadFile, match="公式") as exc:
        open_workbook(path)
    if name != "cell without a reference":  # refused all the same, unnamed
        assert "B2" in str(exc.value)


def test_a_formula_in_the_visible_sheet_behind_a_hidden_first_sheet_is_refused(tmp_path):
    path = tmp_path / "two.xlsx"
    path.write_bytes(_book(hidden_first=True))
    with pytest.raises(BadFile, match="B2"):
        open_workbook(path)


def test_a_formula_on_a_sheet_that_is_not_imported_is_no_reason_to_refuse(tmp_path):
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet("项目").write_row(0, 0, ["项目名称", "总投资(万元)"])
    book.add_worksheet("汇总").write_formula(0, 0, "=1+1", None, 2)
    book.close()
    path = tmp_path / "summary.xlsx"
    path.write_bytes(out.getvalue())
    assert open_workbook(path).sheet_name == "项目"


def test_values_only_and_formula_lookalikes_pass(tmp_path):
    # elements whose names begin with f (formula1, filterColumn, …) are not formulas
    def lookalikes(body: bytes) -> bytes:
        return body.replace(
            b"</sheetData>",
            b'</sheetData><autoFilter ref="A1:B2"><filterColumn colId="0"><filters>'
            b'<filter val="x"/></filters></filterColumn></autoFilter>'
            b'<dataValidations count="1"><dataValidation type="whole" sqref="B2">'
            b"<formula1>0</formula1></dataValidation></dataValidations>",
        )

    path = tmp_path / "values.xlsx"
    path.write_bytes(_edit(_book(formula=False), _in_sheet(lookalikes)))
    book = open_workbook(path)
    assert list(book.rows())[1] == ["凌河储能项目", 25000.0]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 16, 64])
def test_a_formula_tag_cut_between_two_chunks_is_still_found(chunk, tmp_path, monkeypatch):
    monkeypatch.setattr(files, "SCAN_CHUNK", chunk)
    path = tmp_path / "prefixed.xlsx"
    path.write_bytes(_edit(_book(), _in_sheet(_prefixed)))
    with pytest.raises(BadFile, match="B2"):
        open_workbook(path)
    path.write_bytes(_edit(_book(formula=False), _in_sheet(_prefixed)))
    open_workbook(path).close()


def test_a_utf16_sheet_with_a_formula_is_refused(tmp_path):
    def utf16(body: bytes) -> bytes:
        return body.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")

    path = tmp_path / "utf16.xlsx"
    path.write_bytes(_edit(_book(), _in_sheet(utf16)))
    with pytest.raises(BadFile, match="公式"):
        open_workbook(path)


@pytest.mark.django_db
def test_the_import_refuses_a_crafted_formula_and_saves_nothing(tmp_path):
    world = build_city_world()
    head = [c.title for c in PROJECT_SCHEMA.columns if c.required]
    values = {t: "x" for t in head}
    values.update({"项目编号": "FORMULA-1", "项目名称": "凌河储能项目", "所属单位": "甲区"})
    path = _text_xlsx(tmp_path / "p.xlsx", [head, [values[t] for t in head]])
    column = head.index("项目名称")
    ref = f"{chr(65 + column)}2"
    crafted = _edit(
        path.read_bytes(),
        _in_sheet(
            lambda b: re.sub(
                rb'<c r="' + ref.encode() + rb'"[^>]*>.*?</c>',
                '<c t=\'str\'><f>"凌"&amp;"河"</f><v>凌河</v></c>'.encode(),
                b,
                count=1,
            )
        ),
    )
    path.write_bytes(crafted)
    with pytest.raises(BadFile, match="公式"):
        projects_import(actor=world.office, path=path)
    assert not Project.objects.filter(code="FORMULA-1").exists()
