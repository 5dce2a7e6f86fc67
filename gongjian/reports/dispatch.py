"""The 调度通报 (dispatch report): a .docx for a period and a unit, and its PDF.

Every figure comes from the indicator engine (``evaluate_many`` / ``completion_many`` /
``checkpoint_statuses`` / ``ranking`` / ``flagged_lights``). The layout is a docxtpl
template (``templates/reports/dispatch.docx``, or the file named by
``settings.GONGJIAN["DISPATCH_TEMPLATE"]``) that the office can replace in Word
without touching code; ``build_default_template`` writes the bundled one.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docxtpl import DocxTemplate, InlineImage

from gongjian.indicators import engine
from gongjian.indicators.models import Indicator, RankingScheme, Target
from gongjian.indicators.periods import campaign_for
from gongjian.kit.clock import today as clock_today
from gongjian.kit.dates import Period, pro_rata
from gongjian.kit.money import format_amount
from gongjian.kit.scope import SYSTEM, Action
from gongjian.projects.filters import OPEN_STATUSES
from gongjian.projects.lights import flagged_lights, warning_light_counts
from gongjian.projects.models import Problem, Project
from gongjian.units.models import Actor, Unit

from .charts import bar_chart

DEFAULT_TEMPLATE = Path(__file__).parent / "templates" / "reports" / "dispatch.docx"
BODY_FONT, TITLE_FONT, LATIN_FONT = "仿宋", "黑体", "Times New Roman"
CN_DIGITS = "〇一二三四五六七八九"


def template_path() -> Path:
    configured = getattr(settings, "GONGJIAN", {}).get("DISPATCH_TEMPLATE")
    return Path(configured) if configured else DEFAULT_TEMPLATE


class ReportError(ValueError):
    """The report cannot be made (bad period, unit, missing converter); Chinese message."""


# --- figures -----------------------------------------------------------------------


def value_text(value, indicator: Indicator) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if indicator.display_unit == "元":
        return format_amount(int(value), "亿元")
    if indicator.display_unit == "比率":
        return f"{float(value) * 100:.1f}%"
    number = int(value) if float(value).is_integer() else float(value)
    return f"{number:,}{indicator.display_unit}"


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _scope_label(unit: Unit) -> str:
    if unit.kind == Unit.Kind.CITY:
        return "全市"
    if unit.kind in (Unit.Kind.PROVINCE,):
        return "全省"
    return unit.name


def dispatch_context(*, unit: Unit, period: Period, user: Actor = SYSTEM) -> dict:
    """Everything the template shows, computed by the engine for ``unit`` over the year to
    the end of ``period`` — or to the instance's today (``kit.clock``) while the period is
    still running — from the rows ``user`` may see."""
    as_of = min(period.end, max(period.start, clock_today()))
    year = as_of.year
    ytd = Period.year_to_date(year, as_of)
    indicators = list(
        Indicator.objects.restrict(user, Action.VIEW)
        .filter(is_active=True)
        .select_related("fixed_unit", "base_indicator")
    )
    scope = _scope_label(unit)
    targets = {
        t.indicator_id: t
        for t in Target.objects.filter(unit=unit, year=year).select_related(
            "indicator",
            "indicator__fixed_unit",
            "indicator__base_indicator",
            "indicator__denominator",
        )
    }
    applicable = [i for i in indicators if engine.effective_unit(i, unit) is not None]
    judged = [i for i in applicable if i.kind == Indicator.Kind.CHECKPOINT]
    kinds = [i.checkpoint for i in judged]
    targeted = [
        targets[i.pk] for i in applicable if i.kind != Indicator.Kind.CHECKPOINT and i.pk in targets
    ]
    quoted = [
        i
        for i in applicable
        if i.pk not in targets and i.quote and i.kind == Indicator.Kind.COMPUTED
    ]
    # every figure of the report in one grouped evaluation (one query per registry)
    memo: dict = {}
    checkpoint_targets = engine.checkpoint_targets(unit, year)
    engine.evaluate_many(
        [(t.indicator, unit, ytd) for t in targeted]
        + engine.checkpoint_requests(checkpoint_targets, unit, year, as_of, kinds)
        + [(i, unit, ytd) for i in quoted],
        memo,
    )
    completions = {
        c.indicator.pk: c for c in engine.completion_many(targeted, unit, year, as_of, memo)
    }
    statuses = engine.checkpoint_statuses(
        unit, year, as_of, kinds, targets=checkpoint_targets, memo=memo
    )
    quoted_values = dict(
        zip(quoted, engine.evaluate_many([(i, unit, ytd) for i in quoted], memo), strict=True)
    )
    kpis, statements, checkpoints = [], [], []
    for indicator in applicable:
        if indicator.kind == Indicator.Kind.CHECKPOINT:
            status = statuses[indicator.checkpoint]
            checkpoints.append(
                {
                    "name": indicator.name,
                    "status": "未到节点" if status is None else "已实现" if status else "未实现",
                }
            )
            continue
        if indicator.pk in completions:
            result = completions[indicator.pk]
            kpis.append(
                {
                    "name": indicator.name,
                    "value": value_text(result.value, indicator),
                    "target": value_text(result.target, indicator),
                    "rate": _pct(result.rate),
                    "pro_rata": _pct(result.pro_rata),
                    "ahead": "快于序时"
                    if result.ahead
                    else "慢于序时"
                    if result.ahead is False
                    else "—",
                    "rate_number": result.rate,
                }
            )
            value = result.value
        elif indicator in quoted_values:
            value = quoted_values[indicator]
        else:
            continue
        if indicator.quote and indicator.kind == Indicator.Kind.COMPUTED:
            who = scope if indicator.fixed_unit_id is None else indicator.fixed_unit.name
            if indicator.name.startswith(who):
                who = ""
            statements.append(f"{who}{indicator.name}{value_text(value, indicator)}")
    # 赛马
    rankings = []
    schemes = RankingScheme.objects.restrict(user, Action.VIEW).filter(year=year)
    for scheme in schemes.select_related("parent_unit"):
        if not (scheme.parent_unit.is_within(unit) or unit.is_within(scheme.parent_unit)):
            continue
        rows = engine.ranking(scheme, ytd)
        rankings.append(
            {
                "name": scheme.name,
                "rows": [
                    {
                        "rank": r.rank,
                        "unit": r.unit.name,
                        "score": f"{r.score:.2f}",
                        "mark": "(本单位)" if r.unit == unit else "",
                    }
                    for r in rows
                ],
                "_rows": rows,
            }
        )
    # 红黄绿灯
    projects = Project.objects.restrict(user, Action.VIEW).in_subtree(unit)
    campaign = campaign_for(unit, year)
    flagged, flagged_total = flagged_lights(projects, as_of, campaign, limit=30)
    ids = [pk for pk, _light in flagged]
    about = {
        pk: (name, unit_name)
        for pk, name, unit_name in Project.objects.filter(pk__in=ids).values_list(
            "pk", "name", "unit__name"
        )
    }
    light_rows = [
        {
            "light": "红灯" if light.color == "red" else "黄灯",
            "name": about[pk][0],
            "unit": about[pk][1],
            "planned": format_amount(light.planned, "万元", 0),
            "done": format_amount(light.done, "万元", 0),
            "behind": "停缓建" if light.behind_points is None else f"{light.behind_points:.1f}",
        }
        for pk, light in flagged
    ]
    counts = warning_light_counts(projects, as_of, campaign)
    # overdue problems as of the report date
    overdue_qs = (
        Problem.objects.filter(
            project__in=projects.values("pk"), deadline__lt=as_of, status__in=OPEN_STATUSES
        )
        .filter(Q(raised_on__lte=as_of))
        .select_related("project", "owner_unit")
    )
    overdue_total = overdue_qs.count()
    overdue = [
        {
            "project": p.project.name,
            "kind": p.get_kind_display(),
            "description": p.description[:60],
            "owner": p.owner_unit.name if p.owner_unit else "",
            "deadline": f"{p.deadline:%Y-%m-%d}",
            "days": (as_of - p.deadline).days,
        }
        for p in overdue_qs.order_by("deadline", "pk")[:30]
    ]
    number = as_of.month
    return {
        "title": f"{unit.name}重点项目建设调度通报",
        "doc_number": f"{unit.name[:2]}攻坚调度〔{year}〕{number}号",
        "issue_date": f"{year}年{as_of.month}月{as_of.day}日",
        "period_label": ytd.label,
        "as_of": as_of,
        "scope": scope,
        "pro_rata": _pct(pro_rata(as_of)),
        "statements": statements,
        "kpis": kpis,
        "checkpoints": checkpoints,
        "rankings": rankings,
        "light_counts": counts,
        "lights": light_rows,
        "lights_more": max(0, flagged_total - len(light_rows)),
        "overdue": overdue,
        "overdue_total": overdue_total,
        "overdue_more": max(0, overdue_total - len(overdue)),
    }


def _charts(context: dict) -> dict[str, bytes]:
    charts = {}
    rated = [k for k in context["kpis"] if k["rate_number"] is not None]
    if rated:
        charts["chart_kpi"] = bar_chart(
            "目标任务完成率(%)",
            [k["name"] for k in rated],
            [k["rate_number"] * 100 for k in rated],
            marker=pro_rata(context["as_of"]) * 100,
            marker_label=f"序时进度 {context['pro_rata']}",
            colors=[
                "#2F6DB5"
                if (k["rate_number"] * 100) >= pro_rata(context["as_of"]) * 100
                else "#E67E22"
                for k in rated
            ],
        )
    if context["rankings"]:
        rows = context["rankings"][0]["_rows"]
        charts["chart_ranking"] = bar_chart(
            f"{context['rankings'][0]['name']}得分",
            [r.unit.name for r in rows],
            [r.score for r in rows],
        )
    return charts


def render_docx(
    *, unit: Unit, period: Period, user: Actor = SYSTEM, template: Path | None = None
) -> bytes:
    """The report as .docx bytes."""
    template = template or template_path()
    if not template.exists():
        raise ReportError(f"找不到通报模板 {template.name}")
    if template != DEFAULT_TEMPLATE:  # an office's own template: the .docx upload checks
        from gongjian.kit.uploads import UploadError, check_ooxml

        try:
            check_ooxml(template, kind="docx", name=template.name)
        except UploadError as exc:
            raise ReportError(f"通报模板不可用:{exc}") from None
    doc = DocxTemplate(str(template))
    context = dispatch_context(unit=unit, period=period, user=user)
    for key, png in _charts(context).items():
        context[key] = InlineImage(doc, io.BytesIO(png), width=Mm(160))
    context.setdefault("chart_kpi", "")
    context.setdefault("chart_ranking", "")
    doc.render(context, autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- PDF through LibreOffice ------------------------------------------------------


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


FONTCONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <alias binding="same"><family>仿宋</family><prefer><family>FangSong</family><family>Noto Serif CJK SC</family><family>Noto Sans CJK SC</family></prefer></alias>
  <alias binding="same"><family>黑体</family><prefer><family>SimHei</family><family>Noto Sans CJK SC</family></prefer></alias>
  <alias binding="same"><family>仿宋_GB2312</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
</fontconfig>
"""


def docx_to_pdf(docx: bytes, timeout: int = 180) -> bytes:
    """Convert with LibreOffice headless; 仿宋/黑体 fall back to Noto CJK when absent."""
    binary = soffice()
    if binary is None:
        raise ReportError(
            "本机未安装 LibreOffice,无法生成 PDF:请下载 Word 版(.docx),"
            "或由管理员安装 LibreOffice(Debian: apt-get install libreoffice-writer)"
        )
    with tempfile.TemporaryDirectory(prefix="gongjian-pdf-") as tmp:
        work = Path(tmp)
        source = work / "dispatch.docx"
        source.write_bytes(docx)
        (work / "fonts.conf").write_text(FONTCONF, encoding="utf-8")
        env = {**os.environ, "HOME": str(work), "FONTCONFIG_FILE": str(work / "fonts.conf")}
        try:
            subprocess.run(
                [
                    binary,
                    "--headless",
                    "--norestore",
                    f"-env:UserInstallation=file://{work}/profile",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(work),
                    str(source),
                ],
                check=True,
                capture_output=True,
                timeout=timeout,
                env=env,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise ReportError(f"LibreOffice 转换 PDF 失败:{exc}") from None
        pdf = work / "dispatch.pdf"
        if not pdf.exists():
            raise ReportError("LibreOffice 没有生成 PDF")
        return pdf.read_bytes()


# --- the bundled template ------------------------------------------------------------


def _fonts(run_or_style, east_asia: str, size: float | None = None, bold: bool = False) -> None:
    font = run_or_style.font
    font.name = LATIN_FONT
    if size:
        font.size = Pt(size)
    font.bold = bold
    element = run_or_style.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


def _para(doc, text: str, *, font=BODY_FONT, size=16, bold=False, align=None, style=None):
    p = doc.add_paragraph(style=style)
    if align is not None:
        p.alignment = align
    if text.startswith("{{ chart_"):
        p.paragraph_format.line_spacing = 1.0  # an exact line height would clip the image
    run = p.add_run(text)
    _fonts(run, font, size, bold)
    return p


def _page_number(section) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, field in (("— ", None), (None, "PAGE"), (" —", None)):
        run = p.add_run()
        _fonts(run, BODY_FONT, 12)
        if field:
            for kind, instr in (("begin", None), (None, field), ("end", None)):
                if kind:
                    el = OxmlElement("w:fldChar")
                    el.set(qn("w:fldCharType"), kind)
                else:
                    el = OxmlElement("w:instrText")
                    el.set(qn("xml:space"), "preserve")
                    el.text = instr
                run._r.append(el)
        else:
            run.text = text


def _table(doc, headers: list[str], loop: str, cells: list[str], widths: list[int]):
    table = doc.add_table(rows=3, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    for i, h in enumerate(headers):
        cell = table.rows[0].cells[i]
        cell.text = ""
        _fonts(cell.paragraphs[0].add_run(h), TITLE_FONT, 12)
    table.rows[1].cells[0].text = ""
    _fonts(
        table.rows[1].cells[0].paragraphs[0].add_run(f"{{%tr for row in {loop} %}}"), BODY_FONT, 12
    )
    for i, c in enumerate(cells):
        cell = table.rows[2].cells[i]
        _fonts(cell.paragraphs[0].add_run(f"{{{{ row.{c} }}}}"), BODY_FONT, 12)
    row3 = table.add_row()
    _fonts(row3.cells[0].paragraphs[0].add_run("{%tr endfor %}"), BODY_FONT, 12)
    for row in table.rows:
        for i, w in enumerate(widths):
            row.cells[i].width = Mm(w)
    return table


def build_default_template(path: Path = DEFAULT_TEMPLATE) -> Path:
    """Write the bundled template: A4, 仿宋 body / 黑体 headings (w:eastAsia), page
    numbers, and docxtpl tags an office can move or restyle in Word."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    _fonts(normal, BODY_FONT, 16)
    normal.paragraph_format.line_spacing = Pt(28)
    _page_number(section)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, "{{ title }}", font=TITLE_FONT, size=22, bold=True, align=center)
    _para(doc, "{{ doc_number }}", size=16, align=center)
    _para(doc, "统计期间:{{ period_label }}(序时进度 {{ pro_rata }})", size=14)
    _para(doc, "一、总体情况", font=TITLE_FONT, size=16)
    _para(doc, "{%p for s in statements %}", size=16)
    _para(doc, "    {{ s }}。", size=16)
    _para(doc, "{%p endfor %}", size=16)
    _para(doc, "二、目标任务完成情况", font=TITLE_FONT, size=16)
    _table(
        doc,
        ["指标", "完成", "目标", "完成率", "序时进度", "进度"],
        "kpis",
        ["name", "value", "target", "rate", "pro_rata", "ahead"],
        [46, 26, 26, 20, 20, 18],
    )
    _para(doc, "{{ chart_kpi }}", align=center)
    _para(
        doc,
        "节点目标:{%for c in checkpoints %}{{ c.name }}{{ c.status }}{% if not loop.last %};{% endif %}{% endfor %}。",
        size=16,
    )
    _para(doc, "三、赛马排名", font=TITLE_FONT, size=16)
    _para(doc, "{%p for r in rankings %}", size=16)
    _para(doc, "{{ r.name }}", font=TITLE_FONT, size=14)
    _para(doc, "{%p for row in r.rows %}", size=14)
    _para(doc, "    第{{ row.rank }}名  {{ row.unit }}  {{ row.score }}分{{ row.mark }}", size=14)
    _para(doc, "{%p endfor %}", size=14)
    _para(doc, "{%p endfor %}", size=16)
    _para(doc, "{{ chart_ranking }}", align=center)
    _para(doc, "四、红黄灯项目", font=TITLE_FONT, size=16)
    _para(
        doc,
        "    红灯项目{{ light_counts.red }}个,黄灯项目{{ light_counts.yellow }}个,"
        "绿灯项目{{ light_counts.green }}个。",
        size=16,
    )
    _table(
        doc,
        ["灯", "项目名称", "单位", "年度计划", "已完成", "落后(百分点)"],
        "lights",
        ["light", "name", "unit", "planned", "done", "behind"],
        [12, 58, 24, 24, 24, 18],
    )
    _para(doc, "{%p if lights_more %}", size=12)
    _para(doc, "    另有{{ lights_more }}个红黄灯项目未列出。", size=12)
    _para(doc, "{%p endif %}", size=12)
    _para(doc, "五、超期未解决问题", font=TITLE_FONT, size=16)
    _para(doc, "    超期未解决问题{{ overdue_total }}个。", size=16)
    _table(
        doc,
        ["项目", "类型", "问题", "责任单位", "时限", "超期天数"],
        "overdue",
        ["project", "kind", "description", "owner", "deadline", "days"],
        [40, 16, 50, 22, 20, 12],
    )
    _para(doc, "{{ issue_date }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
