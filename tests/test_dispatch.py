"""The 调度通报: figures from the engine, Chinese fonts, A4 with page numbers, a replaceable
template, .docx from the page and the CLI, and a PDF LibreOffice can make and render."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import Client
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from PIL import Image, ImageDraw
from pypdf import PdfReader

from gongjian.demo.loader import FACTS_FILE
from gongjian.indicators import engine, periods
from gongjian.indicators.models import Indicator, RankingScheme
from gongjian.kit import clock
from gongjian.kit.dates import Period
from gongjian.kit.scope import SYSTEM
from gongjian.projects import lights as light_rules
from gongjian.projects.models import Problem, ProgressReport, Project
from gongjian.projects.selectors import due_projects, problem_indicator
from gongjian.reports import charts, dispatch
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


OCTOBER = Period.month(2024, 10)
YTD = Period.year_to_date(2024, dt.date(2024, 10, 31))


def _table(docx: bytes, header: str) -> list[list[str]]:
    """The rows of the first table whose header row has a cell containing ``header``."""
    for table in Document(io.BytesIO(docx)).tables:
        rows = [[c.text for c in r.cells] for r in table.rows]
        if rows and any(header in cell for cell in rows[0]):
            return rows
    raise AssertionError(f"no table with “{header}”")


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
    assert f"1|{rows[0].unit.name}|{rows[0].score:.2f}|" in text
    assert f"{rows[-1].rank}|{rows[-1].unit.name}|{rows[-1].score:.2f}|" in text
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
            # an indicator fixed to a unit is quoted by that unit's report (and those of
            # units below it) only, never by the city's
            if indicator.fixed_unit_id is not None:
                if not unit.is_within(indicator.fixed_unit):
                    continue
            elif engine.effective_unit(indicator, unit) is None:
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
                name = indicator.name
                if indicator.display_unit not in ("元", "比率"):  # the unit word once
                    name = name.removesuffix(indicator.display_unit) or name
                expected_statements.append(f"{who}{name}{dispatch.value_text(value, indicator)}")
        assert [(k["name"], k["value"], k["rate_number"]) for k in context["kpis"]] == (
            expected_kpis
        )
        labels = {None: "未到节点", True: "已实现", False: "未实现"}
        assert [(c["name"], c["status"]) for c in context["checkpoints"]] == [
            (name, labels[status]) for name, status in expected_checkpoints
        ]
        assert context["statements"] == expected_statements
        assert expected_kpis or expected_statements  # the demo gives the report figures


def test_the_city_report_quotes_no_district_only_indicator(demo, october):
    """An indicator fixed to 凌河区 (``linghe_*``) belongs to 凌河区's report, not to the
    city's 总体情况 — though the engine could count it within the city."""
    fixed = list(Indicator.objects.filter(fixed_unit__code="210703", is_active=True))
    assert fixed
    text = _text(october)
    for indicator in fixed:
        assert indicator.name not in text, indicator.code
    context = dispatch.dispatch_context(unit=demo, period=OCTOBER)
    assert not [s for s in context["statements"] if s.startswith("凌河区")]
    linghe = Unit.objects.get(code="210703")
    statements = dispatch.dispatch_context(unit=linghe, period=OCTOBER)["statements"]
    signed = next(i for i in fixed if i.code == "linghe_signed.count")
    value = engine.evaluate(signed, linghe, YTD)
    assert f"凌河区签约项目{value}个" in statements


def test_a_statement_names_its_unit_word_once(demo, october):
    batches = Indicator.objects.get(code="outreach_batches")
    assert batches.name.endswith(batches.display_unit)  # "招商活动批次" … "批次"
    value = engine.evaluate(batches, demo, YTD)
    text = _text(october)
    assert f"全市招商活动{value:,}批次" in text
    assert f"批次{value:,}批次" not in text


def test_the_missing_reports_section_lists_the_units_and_projects_that_did_not_report(demo):
    """A 凌河区 project that reported for October loses its report: the section counts it
    for 凌河区 and the city, and lists it by name under its unit."""
    linghe = Unit.objects.get(code="210703")
    before = dispatch.dispatch_context(unit=demo, period=OCTOBER)["dispatch"]
    project = (
        due_projects(SYSTEM, linghe, OCTOBER)
        .filter(reported=True, cadence="monthly")
        .order_by("code")
        .first()
    )
    assert project is not None
    assert project.name not in [p["name"] for p in before["projects"]]
    ProgressReport._base_manager.filter(project=project, period_start=OCTOBER.start).delete()

    after = dispatch.dispatch_context(unit=demo, period=OCTOBER)["dispatch"]
    assert (after["due"], after["missing"]) == (before["due"], before["missing"] + 1)
    was = next(u for u in before["units"] if u["unit"] == "凌河区")
    now = next(u for u in after["units"] if u["unit"] == "凌河区")
    assert (now["due"], now["missing"]) == (was["due"], was["missing"] + 1)
    assert f"凌河区{now['missing']}个" in after["lagging"]
    listed = [p for p in after["projects"] if p["name"] == project.name]
    assert listed == [
        {
            "n": listed[0]["n"],
            "unit": "凌河区",
            "name": project.name,
            "cadence": "每月",
            "count": "0/1",
        }
    ]
    # the district's own report: its count and the project, in the printed table
    docx = dispatch.render_docx(unit=linghe, period=OCTOBER)
    text = _text(docx)
    assert "五、调度报送情况" in text
    assert f"未报送{now['missing']}个" in text
    rows = _table(docx, "调度频次")
    assert ["凌河区", project.name, "每月", "0/1"] in [row[1:] for row in rows[1:]]


def test_the_red_light_table_says_why_each_light_is_lit(october):
    rows = _table(october, "亮灯原因")
    header, body = rows[0], rows[1:]
    reason = header.index("亮灯原因")
    stage = header.index("阶段")
    assert body
    for row in body:
        assert row[reason], row  # every red or yellow light says why
        for money in (header.index("年度计划\n(万元)"), header.index("已完成\n(万元)")):
            assert re.fullmatch(r"[\d,]+", row[money]), row
        if row[stage] == "停缓建":
            assert "项目停缓建" in row[reason]
    assert any(row[stage] == "停缓建" for row in body)  # the demo has stalled red lights
    assert any("落后序时进度" in row[reason] for row in body)
    assert any("资金支付率" in row[reason] for row in body)  # the fund payment axis


def test_the_problems_section_counts_through_the_engine(demo):
    linghe = Unit.objects.get(code="210703")

    def figures():
        return dispatch.dispatch_context(unit=linghe, period=OCTOBER)["problems"]

    before = figures()
    assert before["open"] == engine.evaluate(problem_indicator("unresolved"), linghe, YTD)
    assert before["overdue"] == engine.evaluate(problem_indicator("overdue"), linghe, YTD)
    assert before["verified"] == engine.evaluate(problem_indicator("verified"), linghe, OCTOBER)
    # a hand-built problem: open and a month past its deadline …
    project = Project.objects.in_subtree(linghe).order_by("code").first()
    problem = Problem.objects.create(
        project=project,
        kind=Problem.Kind.LAND,
        description="测试:用地指标未落实",
        raised_on=dt.date(2024, 9, 1),
        deadline=dt.date(2024, 9, 30),
        status=Problem.Status.ASSIGNED,
    )
    during = figures()
    assert (during["open"], during["overdue"]) == (before["open"] + 1, before["overdue"] + 1)
    assert {
        "project": project.name,
        "description": "【用地】测试:用地指标未落实",
        "owner": "—",
        "deadline": "2024-09-30",
        "days": 31,
    } in during["overdue_rows"]
    text = _text(dispatch.render_docx(unit=linghe, period=OCTOBER))
    assert f"在办问题{during['open']}个,其中超期未解决{during['overdue']}个" in text
    assert "【用地】测试:用地指标未落实" in text
    # … then solved and closed (销号) in October
    Problem.objects.filter(pk=problem.pk).update(
        status=Problem.Status.VERIFIED,
        resolved_on=dt.date(2024, 10, 8),
        verified_on=dt.date(2024, 10, 10),
    )
    after = figures()
    assert (after["open"], after["overdue"]) == (before["open"], before["overdue"])
    assert after["verified"] == before["verified"] + 1
    assert after["verified_ytd"] == before["verified_ytd"] + 1


def test_an_unknown_unit_answers_a_chinese_404_page(demo):
    client = Client()
    client.force_login(member(demo, Role.OFFICE))
    for url in ("/reports/dispatch.docx", "/reports/dispatch.pdf", "/reports/dispatch/"):
        response = client.get(url, {"period": "2024-10", "unit": "凌河"})
        assert response.status_code == 404, url
        body = response.content.decode()
        assert response["Content-Type"].startswith("text/html")
        assert "没有这个单位" in body and "凌河" in body, url
        assert "Traceback" not in body and "Page not found" not in body
    # a unit outside the user's scope reads exactly like a missing one
    operator = member(Unit.objects.get(code="210703"), Role.OPERATOR)
    client.force_login(operator)
    response = client.get("/reports/dispatch.docx", {"period": "2024-10", "unit": "太和区"})
    assert response.status_code == 404 and "没有这个单位" in response.content.decode()


def test_the_page_offers_the_units_the_user_may_see(demo):
    client = Client()
    client.force_login(member(Unit.objects.get(code="210703"), Role.OPERATOR))
    page = client.get("/reports/dispatch/").content.decode()
    assert '<select name="unit"' in page
    assert "凌河区</option>" in page and "太和区" not in page and "锦州市</option>" not in page
    client.force_login(member(demo, Role.OFFICE))
    page = client.get("/reports/dispatch/").content.decode()
    for name in ("锦州市", "凌河区", "太和区", "锦州经济技术开发区"):
        assert f"{name}</option>" in page
    assert "市发展和改革委员会" not in page  # departments make no 调度通报 of their own
    # a bad period comes back to the form with the reason, not a bare text page
    response = client.get("/reports/dispatch.docx", {"period": "2024-13", "unit": demo.pk})
    assert response.status_code == 400
    assert "无法识别的期间" in response.content.decode()
    assert '<select name="unit"' in response.content.decode()


def test_headings_keep_with_next_and_tables_span_the_text_width(october):
    doc = Document(io.BytesIO(october))
    assert doc.styles["Heading 1"].paragraph_format.keep_with_next
    assert doc.styles["Heading 2"].paragraph_format.keep_with_next
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "一、总体情况",
        "二、目标任务完成情况",
        "三、赛马排名",
        "四、红黄灯项目",
        "五、调度报送情况",
        "六、问题办理情况",
    ]
    section = doc.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    assert len(doc.tables) >= 6
    for table in doc.tables:
        grid = table._tbl.tblGrid.findall(qn("w:gridCol"))
        width = sum(int(g.get(qn("w:w"))) for g in grid) * 635  # twips → EMU
        assert abs(width - text_width) < Mm(1)
        assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"


def test_charts_round_their_ticks_and_never_cut_or_overlap_names():
    assert charts.nice_ticks(175.3) == [0, 50, 100, 150, 200]
    assert charts.nice_ticks(8.4) == [0, 2.5, 5, 7.5, 10]
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    font = charts.cjk_font(30)
    lines = charts.wrap(draw, "锦州经济技术开发区", font, 100)
    assert "".join(lines) == "锦州经济技术开发区" and len(lines) > 1
    assert all(draw.textlength(line, font=font) <= 100 for line in lines)
    names = ["新落地2000万元以上项目总投资", "开复工项目", "老旧小区管网改造"] * 2
    flat = Image.open(io.BytesIO(charts.bar_chart("完成率(%)", names, [89.3, 93.0, 152.4] * 2)))
    upright = Image.open(io.BytesIO(charts.bar_chart("得分(分)", ["凌河区", "义县"], [1.0, 2.0])))
    # long names lay the bars flat (a short, wide chart); short ones stand them up
    assert flat.height < upright.height
