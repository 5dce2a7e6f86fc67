"""The 调度通报: figures from the engine, Chinese fonts, A4 with page numbers, a replaceable
template, .docx from the page and the CLI, and a PDF LibreOffice can make and render."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import zipfile

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import Client
from docx import Document
from pypdf import PdfReader

from gongjian.demo.loader import FACTS_FILE
from gongjian.indicators import engine, periods
from gongjian.indicators.models import Indicator, RankingScheme
from gongjian.kit import clock
from gongjian.kit.dates import Period
from gongjian.projects import lights as light_rules
from gongjian.reports import dispatch
from gongjian.units.models import Role, Unit
from tests.factories import member, soffice

pytestmark = pytest.mark.django_db

FACT = next(
    f
    for f in yaml.safe_load(FACTS_FILE.read_text(encoding="utf-8"))["facts"]
    if f["id"] == "signed_ge_100m"
)


def _text(docx: bytes) -> str:
    doc = Document(io.BytesIO(docx))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append("|".join(c.text for c in row.cells))
    return "\n".join(parts)


@pytest.fixture
def october(demo):
    return dispatch.render_docx(unit=demo, period=Period.month(2024, 10))


def test_figures_come_from_the_engine(demo, october):
    text = _text(october)
    indicator = Indicator.objects.get(code="signed_ge_100m")
    value = engine.evaluate(indicator, demo, Period.year_to_date(2024, dt.date(2024, 10, 31)))
    assert value == FACT["value"]
    assert f"全市新签约亿元以上项目{value}个" in text
    assert "锦州市重点项目建设调度通报" in text and "〔2024〕10号" in text
    scheme = RankingScheme.objects.get(code="2024-county-race")
    rows = engine.ranking(scheme, Period.year_to_date(2024, dt.date(2024, 10, 31)))
    assert f"第1名  {rows[0].unit.name}  {rows[0].score:.2f}分" in text
    assert f"第{rows[-1].rank}名  {rows[-1].unit.name}" in text
    lights = light_rules.warning_lights(
        demo.projects.model.objects.in_subtree(demo),
        dt.date(2024, 10, 31),
        periods.campaign_for(demo, 2024),
    )
    reds = sum(1 for x in lights.values() if x.color == "red")
    assert f"红灯项目{reds}个" in text
    result = engine.completion(indicator, demo, 2024, dt.date(2024, 10, 31))
    assert f"{result.rate * 100:.1f}%" in text


def test_a4_chinese_fonts_page_numbers_and_charts(october):
    doc = Document(io.BytesIO(october))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    with zipfile.ZipFile(io.BytesIO(october)) as z:
        styles = z.read("word/styles.xml").decode()
        body = z.read("word/document.xml").decode()
        footer = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/footer"))
        media = [n for n in z.namelist() if n.startswith("word/media/") and n.endswith(".png")]
    assert 'w:eastAsia="仿宋"' in styles
    assert 'w:eastAsia="黑体"' in body
    assert "PAGE" in footer
    assert len(media) == 2  # completion rates and the 赛马 scores


def test_a_districts_report_is_its_own(demo):
    linghe = Unit.objects.get(code="210703")
    text = _text(dispatch.render_docx(unit=linghe, period=Period.month(2024, 10)))
    indicator = Indicator.objects.get(code="signed_ge_100m")
    value = engine.evaluate(indicator, linghe, Period.year_to_date(2024, dt.date(2024, 10, 31)))
    assert f"凌河区新签约亿元以上项目{value}个" in text
    assert "全市新签约" not in text


def test_the_office_can_replace_the_template(demo, tmp_path, settings):
    custom = Document()
    custom.add_paragraph("自定义模板:{{ title }};{{ statements[0] }}")
    path = tmp_path / "mine.docx"
    custom.save(path)
    settings.GONGJIAN = {**settings.GONGJIAN, "DISPATCH_TEMPLATE": str(path)}
    text = _text(dispatch.render_docx(unit=demo, period=Period.month(2024, 10)))
    assert text.startswith("自定义模板:锦州市重点项目建设调度通报;全市新签约亿元以上项目421个")


def test_page_permissions(demo):
    linghe = Unit.objects.get(code="210703")
    taihe = Unit.objects.get(code="210711")
    operator = member(linghe, Role.OPERATOR)
    client = Client()
    client.force_login(operator)
    assert client.get("/reports/dispatch/").status_code == 200
    response = client.get("/reports/dispatch.docx?period=2024-10")
    assert response.status_code == 200
    assert "凌河区重点项目建设调度通报" in _text(response.content)
    assert client.get(f"/reports/dispatch.docx?period=2024-10&unit={taihe.code}").status_code == 404
    assert client.get("/reports/dispatch.docx?period=2024-13").status_code == 400
    assert Client().get("/reports/dispatch.docx?period=2024-10").status_code == 302


def test_cli_docx_and_a_clear_message_without_libreoffice(demo, tmp_path, monkeypatch, capsys):
    out = tmp_path / "d.docx"
    call_command(
        "report", "dispatch", "--period", "2024-10", "--format", "docx", "--output", str(out)
    )
    assert "全市新签约亿元以上项目421个" in _text(out.read_bytes())
    monkeypatch.setattr(dispatch.shutil, "which", lambda name: None)
    with pytest.raises(CommandError, match="未安装 LibreOffice"):
        call_command(
            "report",
            "dispatch",
            "--period",
            "2024-10",
            "--format",
            "pdf",
            "--output",
            str(tmp_path / "d.pdf"),
        )
    with pytest.raises(CommandError, match="无法识别的期间"):
        call_command("report", "dispatch", "--period", "十月")


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_pdf_opens_and_renders(demo, tmp_path):
    out = tmp_path / "d.pdf"
    call_command(
        "report", "dispatch", "--period", "2024-10", "--format", "pdf", "--output", str(out)
    )
    reader = PdfReader(out)
    assert len(reader.pages) >= 3
    assert reader.pages[0].mediabox.width == pytest.approx(595, abs=2)  # A4 in points
    first = reader.pages[0].extract_text().replace(" ", "")
    assert "新签约亿元以上项目421个" in first
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "page")],
            check=True,
            timeout=120,
        )
        from PIL import Image, ImageStat

        pages = sorted(tmp_path.glob("page-*.png"))
        assert len(pages) == len(reader.pages)
        ink = ImageStat.Stat(Image.open(pages[0]).convert("L")).mean[0]
        assert ink < 250  # not a blank page


@pytest.mark.parametrize(
    "as_of", [dt.date(2024, 3, 31), dt.date(2024, 10, 31), dt.date(2024, 12, 31)]
)
def test_grouped_figures_equal_the_engine_indicator_by_indicator(demo, as_of):
    """The report evaluates its figures grouped (``evaluate_many``); each one equals what
    the engine gives for that indicator alone, for the city and for a district."""
    year = as_of.year
    ytd = Period.year_to_date(year, as_of)
    district = Unit.objects.get(parent=demo, name="凌河区")
    for unit in (demo, district):
        # the report is judged at the instance's date: a day by which its period is over
        with clock.override(as_of):
            context = dispatch.dispatch_context(
                unit=unit, period=Period(dt.date(year, 1, 1), as_of)
            )
        expected_kpis, expected_checkpoints, expected_statements = [], [], []
        targets = {t.indicator_id: t for t in unit.targets.filter(year=year)}
        scope = dispatch._scope_label(unit)
        for indicator in Indicator.objects.filter(is_active=True):
            if engine.effective_unit(indicator, unit) is None:
                continue
            if indicator.kind == Indicator.Kind.CHECKPOINT:
                status = engine.checkpoint_status(indicator.checkpoint, unit, year, as_of)
                expected_checkpoints.append((indicator.name, status))
                continue
            if indicator.pk in targets:
                result = engine.completion(indicator, unit, year, as_of, targets[indicator.pk])
                expected_kpis.append(
                    (indicator.name, dispatch.value_text(result.value, indicator), result.rate)
                )
                value = result.value
            elif indicator.quote and indicator.kind == Indicator.Kind.COMPUTED:
                value = engine.evaluate(indicator, unit, ytd)
            else:
                continue
            if indicator.quote and indicator.kind == Indicator.Kind.COMPUTED:
                who = scope if indicator.fixed_unit_id is None else indicator.fixed_unit.name
                who = "" if indicator.name.startswith(who) else who
                expected_statements.append(
                    f"{who}{indicator.name}{dispatch.value_text(value, indicator)}"
                )
        assert [(k["name"], k["value"], k["rate_number"]) for k in context["kpis"]] == (
            expected_kpis
        )
        labels = {None: "未到节点", True: "已实现", False: "未实现"}
        assert [(c["name"], c["status"]) for c in context["checkpoints"]] == [
            (name, labels[status]) for name, status in expected_checkpoints
        ]
        assert context["statements"] == expected_statements
        assert expected_kpis or expected_statements  # the demo gives the report figures
