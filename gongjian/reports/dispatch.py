"""The 调度通报 (dispatch report): a .docx for a period and a unit, and its PDF.

Every figure comes from the indicator engine (``evaluate_many`` / ``completion_many`` /
``checkpoint_statuses`` / ``ranking`` / ``flagged_lights``; 未报送 from the project
registry's ``dispatch_due`` / ``dispatch_reported`` events, problems from the problems
registry's ``unresolved`` / ``overdue`` / ``raised`` / ``verified`` events). A unit's
report quotes only the indicators that apply to it (``applies_to``). The layout is a docxtpl
template (``templates/reports/dispatch.docx``, or the file named by
``settings.GONGJIAN["DISPATCH_TEMPLATE"]``) that the office can replace in Word
without touching code; ``build_default_template`` writes the bundled one.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docxtpl import DocxTemplate, InlineImage
from jinja2 import Environment

from gongjian.indicators import cube, engine
from gongjian.indicators.models import Indicator, RankingScheme, Target
from gongjian.indicators.periods import campaign_for
from gongjian.indicators.registries import get_registry
from gongjian.kit.cleaning import docx_finalize
from gongjian.kit.clock import today as clock_today
from gongjian.kit.dates import Period, pro_rata
from gongjian.kit.money import format_amount
from gongjian.kit.scope import SYSTEM, Action
from gongjian.projects.lights import flagged_lights
from gongjian.projects.models import Cadence, Problem, Project, Stage
from gongjian.projects.selectors import (
    dispatch_status,
    due_projects,
    problem_indicator,
)
from gongjian.units.models import Actor, Unit
from gongjian.units.selectors import compared_units

from .charts import bar_chart

DEFAULT_TEMPLATE = Path(__file__).parent / "templates" / "reports" / "dispatch.docx"
BODY_FONT, TITLE_FONT, KAI_FONT, LATIN_FONT = "仿宋", "黑体", "楷体", "Times New Roman"
CN_DIGITS = "〇一二三四五六七八九"
# the longest lists the report prints in full (a note counts the rest)
LIGHTS_LISTED, MISSING_LISTED, OVERDUE_LISTED = 30, 60, 50


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


def applies_to(indicator: Indicator, unit: Unit) -> bool:
    """Whether ``unit``'s report quotes ``indicator``: one with a fixed unit (凌河区's own
    targets) belongs to that unit's report and to the reports of the units below it, not
    to the city's, even though the engine could count it within the city."""
    if indicator.fixed_unit_id is None:
        return engine.effective_unit(indicator, unit) is not None
    return unit.is_within(indicator.fixed_unit)


def statement_text(who: str, indicator: Indicator, value) -> str:
    """One sentence of 总体情况: scope, name, value with its unit — the unit word once
    ("招商活动1,080批次", not "招商活动批次1,080批次")."""
    name = indicator.name
    if name.startswith(who):
        who = ""
    word = indicator.display_unit
    if word not in ("", "元", "比率") and name.endswith(word) and len(name) > len(word):
        name = name[: -len(word)]
    return f"{who}{name}{value_text(value, indicator)}"


def _wan(yuan: int | None) -> str:
    """An amount as a number of 万元 (the column header names the unit)."""
    return format_amount(yuan, "万元", 0).removesuffix("万元")


def _dispatch_section(*, unit: Unit, month: Period, user: Actor) -> dict:
    """未报送: the units and projects that owed 调度 reports in ``month`` and did not send
    them all (the engine's ``dispatch_due`` / ``dispatch_reported`` events, and the 调度
    page's own list of due projects)."""
    by_unit, total = dispatch_status(unit, month)
    total_due, total_reported = total["due"], total["reported"]
    units = [
        {
            "unit": s["unit"].name,
            "due": s["due"],
            "reported": s["reported"],
            "missing": s["missing"],
            "rate": s["rate"],
        }
        for s in by_unit
        if s["unit"] != unit
    ]
    missing_qs = (
        due_projects(user, unit, month)
        .filter(reported=False)
        .select_related("unit")
        .order_by("unit__path", "code")
    )
    missing = [
        {
            "n": n,
            "unit": p.unit.name,
            "name": p.name,
            "cadence": Cadence(p.cadence).label,
            "count": f"{p.reported_count}/{p.due_count}",
        }
        for n, p in enumerate(missing_qs[:MISSING_LISTED], start=1)
    ]
    lagging = [u for u in units if u["missing"]]
    return {
        "month": month.label,
        "due": total_due,
        "reported": total_reported,
        "missing": total_due - total_reported,
        "rate": f"{total_reported * 100 / total_due:.1f}%" if total_due else "—",
        "units": units,
        "lagging": "、".join(f"{u['unit']}{u['missing']}个" for u in lagging),
        "lagging_count": len(lagging),
        "projects": missing,
        "more": max(0, total_due - total_reported - len(missing)),
    }


def _problem_section(
    *, unit: Unit, projects, as_of: dt.date, this_period: Period, ytd: Period, user: Actor
) -> dict:
    """Open, overdue, raised and 销号 problems: figures from the engine, by unit for a
    unit with areas below it, and the overdue ones listed."""
    # ``unresolved``/``overdue`` are judged at their period's end: the report's date
    unresolved, overdue = problem_indicator("unresolved"), problem_indicator("overdue")
    verified = problem_indicator("verified")
    children = [u for u in compared_units(unit) if u != unit]
    requests = [
        (unresolved, unit, ytd),
        (overdue, unit, ytd),
        (problem_indicator("raised"), unit, this_period),
        (verified, unit, this_period),
        (verified, unit, ytd),
    ]
    for child in children:
        requests += [
            (unresolved, child, ytd),
            (overdue, child, ytd),
            (verified, child, this_period),
        ]
    values = [int(v or 0) for v in engine.evaluate_many(requests)]
    by_unit = [
        {
            "unit": child.name,
            "open": values[5 + 3 * n],
            "overdue": values[6 + 3 * n],
            "verified": values[7 + 3 * n],
        }
        for n, child in enumerate(children)
    ]
    # the rows the overdue figure counts (the registry's own condition), worst first
    overdue_within = get_registry("problems").events["overdue"].within
    assert overdue_within is not None
    overdue_rows = (
        Problem.objects.restrict(user, Action.VIEW)
        .filter(project__in=projects.values("pk"))
        .filter(overdue_within(ytd))
        .select_related("project", "owner_unit")
        .order_by("deadline", "pk")
    )
    overdue = [
        {
            "project": p.project.name,
            "description": f"【{p.get_kind_display()}】{p.description[:60]}",
            "owner": p.owner_unit.name if p.owner_unit else "—",
            "deadline": f"{p.deadline:%Y-%m-%d}",
            "days": (as_of - p.deadline).days,
        }
        for p in overdue_rows[:OVERDUE_LISTED]
    ]
    return {
        "open": values[0],
        "overdue": values[1],
        "raised": values[2],
        "verified": values[3],
        "verified_ytd": values[4],
        "period": this_period.label,
        "units": by_unit,
        "overdue_rows": overdue,
        "overdue_more": max(0, values[1] - len(overdue)),
    }


@cube.one_reading()
def dispatch_context(*, unit: Unit, period: Period, user: Actor = SYSTEM) -> dict:
    """Everything the template shows, computed by the engine for ``unit`` over the year to
    the end of ``period`` — or to the instance's today (``kit.clock``) while the period is
    still running — from the rows ``user`` may see (the units' stamps read once:
    ``cube.one_reading``)."""
    as_of = min(period.end, max(period.start, clock_today()))
    year = as_of.year
    ytd = Period.year_to_date(year, as_of)
    if as_of == period.end:
        this_period = Period(period.start, as_of, period.label)
    else:
        this_period = Period(
            period.start,
            as_of,
            f"{period.start.month}月{period.start.day}日至{as_of.month}月{as_of.day}日",
        )
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
    applicable = [i for i in indicators if applies_to(i, unit)]
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
            statements.append(statement_text(who, indicator, value))
    # 赛马
    rankings = []
    schemes = RankingScheme.objects.restrict(user, Action.VIEW).filter(year=year)
    for scheme in schemes.select_related("parent_unit"):
        if not (scheme.parent_unit.is_within(unit) or unit.is_within(scheme.parent_unit)):
            continue
        rows = engine.ranking(scheme, ytd, viewer=user)
        rankings.append(
            {
                "name": scheme.name,
                "rows": [
                    {
                        "rank": r.rank,
                        "unit": r.unit.name,
                        "score": f"{r.score:.2f}",
                        "mark": "本单位" if r.unit == unit else "",
                    }
                    for r in rows
                ],
                "_rows": rows,
            }
        )
    # 红黄绿灯
    projects = Project.objects.restrict(user, Action.VIEW).in_subtree(unit)
    campaign = campaign_for(unit, year)
    flagged, counts = flagged_lights(projects, as_of, campaign, limit=LIGHTS_LISTED)
    flagged_total = counts["red"] + counts["yellow"]
    ids = [pk for pk, _light in flagged]
    about = {
        pk: (name, unit_name, stage)
        for pk, name, unit_name, stage in Project.objects.filter(pk__in=ids).values_list(
            "pk", "name", "unit__name", "stage"
        )
    }
    light_rows = [
        {
            "light": "红灯" if light.color == "red" else "黄灯",
            "name": about[pk][0],
            "unit": about[pk][1],
            "stage": Stage(about[pk][2]).label,
            "planned": _wan(light.planned),
            "done": _wan(light.done),
            # a number or "—" (a stalled or late-to-start project is lit for its stage or
            # its start, not for an investment gap)
            "behind": "—" if light.behind_points is None else f"{light.behind_points:.1f}",
            # why it is lit: the sentence of each red or yellow axis, the worst first
            "reason": ";".join(r for c, r in light.explained if c in ("red", "yellow")),
        }
        for pk, light in flagged
    ]
    number = as_of.month
    return {
        "title": f"{unit.name}重点项目建设调度通报",
        "doc_number": f"{unit.name[:2]}攻坚调度〔{year}〕{number}号",
        "issue_date": f"{year}年{as_of.month}月{as_of.day}日",
        "period_label": ytd.label,
        "as_of": as_of,
        "as_of_label": f"{as_of.month}月{as_of.day}日",
        "scope": scope,
        "pro_rata": _pct(pro_rata(as_of)),
        "statements": statements,
        "kpis": kpis,
        "checkpoints": checkpoints,
        "rankings": rankings,
        "light_counts": counts,
        "lights": light_rows,
        "lights_more": max(0, flagged_total - len(light_rows)),
        "dispatch": _dispatch_section(
            unit=unit, month=Period.month(as_of.year, as_of.month), user=user
        ),
        "problems": _problem_section(
            unit=unit,
            projects=projects,
            as_of=as_of,
            this_period=this_period,
            ytd=ytd,
            user=user,
        ),
    }


def _charts(context: dict) -> dict[str, bytes]:
    """The charts: completion rates (%) against 序时进度, and the first race's scores (分) —
    one quantity, one unit, per chart."""
    charts = {}
    rated = [k for k in context["kpis"] if k["rate_number"] is not None]
    line = pro_rata(context["as_of"]) * 100
    if rated:
        charts["chart_kpi"] = bar_chart(
            "目标任务完成率(%)",
            [k["name"] for k in rated],
            [k["rate_number"] * 100 for k in rated],
            marker=line,
            marker_label=f"序时进度 {context['pro_rata']}",
            colors=["#2F6DB5" if k["rate_number"] * 100 >= line else "#E67E22" for k in rated],
        )
    if context["rankings"]:
        rows = context["rankings"][0]["_rows"]
        charts["chart_ranking"] = bar_chart(
            f"{context['rankings'][0]['name']}得分(分)",
            [r.unit.name for r in rows],
            [r.score for r in rows],
            value_format="{:.2f}",
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
    # every {{ … }} goes into the XML through kit.cleaning: a control character in a
    # project's name or a problem's text is dropped instead of breaking the document
    doc.render(context, jinja_env=Environment(finalize=docx_finalize), autoescape=True)
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
  <alias binding="same"><family>楷体</family><prefer><family>KaiTi</family><family>AR PL UKai CN</family><family>Noto Serif CJK SC</family></prefer></alias>
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


TEXT_WIDTH_MM = 210 - 28 - 26  # A4 less the left and right margins
TABLE_SIZE = 10.5  # 五号
CELL_MARGIN_MM = 1.0


def _heading_styles(doc) -> None:
    """Headings as Word heading styles (the navigation pane, the outline) in 黑体 / 楷体,
    black, and kept with the paragraph that follows: never alone at a page's foot."""
    for name, east_asia, size in (
        ("Heading 1", TITLE_FONT, 16),
        ("Heading 2", KAI_FONT, 16),
    ):
        style = doc.styles[name]
        _fonts(style, east_asia, size, bold=False)
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        fmt = style.paragraph_format
        fmt.keep_with_next = True
        fmt.keep_together = True
        fmt.space_before, fmt.space_after = Pt(6), Pt(0)
        fmt.line_spacing = Pt(28)
        fmt.first_line_indent = Pt(32)


def _para(
    doc,
    text: str,
    *,
    font=BODY_FONT,
    size=16,
    bold=False,
    align=None,
    style=None,
    indent: bool = False,
    keep_with_next: bool = False,
):
    p = doc.add_paragraph(style=style)
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    if keep_with_next:
        p.paragraph_format.keep_with_next = True
    if text.startswith("{{ chart_"):
        p.paragraph_format.line_spacing = 1.0  # an exact line height would clip the image
    run = p.add_run(text)
    _fonts(run, font, size, bold)
    return p


def _heading(doc, text: str, level: int = 1):
    p = doc.add_paragraph(style=f"Heading {level}")
    run = p.add_run(text)
    _fonts(run, TITLE_FONT if level == 1 else KAI_FONT, 16)
    return p


def _tag(doc, tag: str):
    """A paragraph holding only a docxtpl ``{%p … %}`` tag (docxtpl removes it)."""
    return _para(doc, tag, size=12)


def _note(doc, text: str):
    return _para(doc, text, size=12, indent=True)


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


def _set(parent, tag: str, **attrs) -> None:
    """Set (or replace) the child ``tag`` of an OOXML properties element."""
    for old in parent.findall(qn(tag)):
        parent.remove(old)
    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), str(value))
    parent.append(el)


def _twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def _cell_text(cell, text: str, *, font: str, align, shade: str = "", keep: bool = False) -> None:
    p = cell.paragraphs[0]
    p.alignment = align
    fmt = p.paragraph_format
    fmt.keep_with_next = keep
    fmt.line_spacing = 1.0
    fmt.first_line_indent = Pt(0)
    fmt.space_before = fmt.space_after = Pt(1)
    _fonts(p.add_run(text), font, TABLE_SIZE)
    tc_pr = cell._tc.get_or_add_tcPr()
    _set(tc_pr, "w:vAlign", val="center")
    if shade:
        _set(tc_pr, "w:shd", val="clear", color="auto", fill=shade)


def _table(
    doc,
    headers: list[str],
    loop: str,
    cells: list[str],
    widths: list[float],
    left: tuple[str, ...] = ("name", "description", "project", "unit", "owner"),
    keep: bool = False,
):
    """A full-width table (fixed layout, column widths in mm adding up to the text width)
    whose middle row docxtpl repeats for each item of ``loop``; the header row repeats
    on every page and no row breaks across pages; with ``keep``, a short table is kept
    on one page (each row kept with the next)."""
    assert abs(sum(widths) - TEXT_WIDTH_MM) < 0.5, (headers, sum(widths))
    table = doc.add_table(rows=3, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl_pr = table._tbl.tblPr
    _set(tbl_pr, "w:tblW", w=_twips(sum(widths)), type="dxa")
    _set(tbl_pr, "w:tblLayout", type="fixed")
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(_twips(CELL_MARGIN_MM)))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    for old in tbl_pr.findall(qn("w:tblCellMar")):
        tbl_pr.remove(old)
    tbl_pr.append(margins)
    for col, w in zip(table.columns, widths, strict=True):
        col.width = Mm(w)
    center, flush = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    for i, h in enumerate(headers):
        _cell_text(
            table.rows[0].cells[i], h, font=TITLE_FONT, align=center, shade="E7E6E6", keep=True
        )
    _cell_text(table.rows[1].cells[0], f"{{%tr for row in {loop} %}}", font=BODY_FONT, align=flush)
    for i, c in enumerate(cells):
        _cell_text(
            table.rows[2].cells[i],
            f"{{{{ row.{c} }}}}",
            font=BODY_FONT,
            align=flush if c in left else center,
            keep=keep,
        )
    row3 = table.add_row()
    _cell_text(row3.cells[0], "{%tr endfor %}", font=BODY_FONT, align=flush)
    for n, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        _set(tr_pr, "w:cantSplit")
        if n == 0:
            _set(tr_pr, "w:tblHeader")
        for i, w in enumerate(widths):
            row.cells[i].width = Mm(w)
    # a short paragraph after the table, so that two tables never merge
    _para(doc, "", size=6).paragraph_format.line_spacing = Pt(8)
    return table


def _listed_table(doc, heading: str, headers, lists: tuple[str, str, str], cells, widths):
    """A level-2 heading and a table of the rows of ``lists[0]`` (shown only when there
    are any), with a note of how many more ``lists[2]`` the ``lists[1]`` count left out."""
    rows, more, what = lists
    _tag(doc, f"{{%p if {rows} %}}")
    _heading(doc, heading, level=2)
    _table(doc, headers, rows, cells, widths)
    _tag(doc, f"{{%p if {more} %}}")
    _note(doc, f"另有{{{{ {more} }}}}个{what}未列出。")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endif %}")


def build_default_template(path: Path = DEFAULT_TEMPLATE) -> Path:
    """Write the bundled template: A4, 仿宋 body / 黑体 headings (w:eastAsia), page
    numbers, full-width tables, and docxtpl tags an office can move or restyle in Word."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    _fonts(normal, BODY_FONT, 16)
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.widow_control = True
    _heading_styles(doc)
    _page_number(section)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, "{{ title }}", font=TITLE_FONT, size=22, bold=True, align=center)
    _para(doc, "{{ doc_number }}", size=16, align=center)
    _para(doc, "统计期间:{{ period_label }}(序时进度 {{ pro_rata }})", size=14, align=center)

    _heading(doc, "一、总体情况")
    _tag(doc, "{%p for s in statements %}")
    _para(doc, "{{ s }}。", indent=True)
    _tag(doc, "{%p endfor %}")

    _heading(doc, "二、目标任务完成情况")
    _tag(doc, "{%p if kpis %}")
    _table(
        doc,
        ["指标", "完成", "目标", "完成率", "序时进度", "进度"],
        "kpis",
        ["name", "value", "target", "rate", "pro_rata", "ahead"],
        [57, 24, 24, 15, 18, 18],
    )
    _para(doc, "{{ chart_kpi }}", align=center)
    _tag(doc, "{%p else %}")
    _para(doc, "本单位本年度未下达目标任务。", indent=True)
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p if checkpoints %}")
    _para(
        doc,
        "节点目标:{%for c in checkpoints %}{{ c.name }}{{ c.status }}"
        "{% if not loop.last %};{% endif %}{% endfor %}。",
        indent=True,
    )
    _tag(doc, "{%p endif %}")

    _heading(doc, "三、赛马排名")
    _tag(doc, "{%p for r in rankings %}")
    _heading(doc, "{{ r.name }}", level=2)
    _table(
        doc,
        ["名次", "单位", "得分(分)", "备注"],
        "r.rows",
        ["rank", "unit", "score", "mark"],
        [22, 70, 32, 32],
        keep=True,
    )
    _tag(doc, "{%p endfor %}")
    _para(doc, "{{ chart_ranking }}", align=center)

    _heading(doc, "四、红黄灯项目")
    _para(
        doc,
        "红灯项目{{ light_counts.red }}个,黄灯项目{{ light_counts.yellow }}个,"
        "绿灯项目{{ light_counts.green }}个。"
        "{% if lights %}红黄灯项目见下表,亮灯原因按开工、投资进度、入库纳统、资金支付"
        "各项判定,取最差的一项定灯色。{% endif %}",
        indent=True,
        keep_with_next=True,
    )
    _tag(doc, "{%p if lights %}")
    _table(
        doc,
        [
            "灯",
            "项目名称",
            "单位",
            "阶段",
            "年度计划\n(万元)",
            "已完成\n(万元)",
            "亮灯原因",
        ],
        "lights",
        ["light", "name", "unit", "stage", "planned", "done", "reason"],
        [10, 42, 17, 16, 16, 16, 39],
    )
    _tag(doc, "{%p if lights_more %}")
    _note(doc, "另有{{ lights_more }}个红黄灯项目未列出。")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endif %}")

    _heading(doc, "五、调度报送情况")
    _para(
        doc,
        "{{ dispatch.month }}应报送项目{{ dispatch.due }}个,已报送{{ dispatch.reported }}个,"
        "未报送{{ dispatch.missing }}个,报送率{{ dispatch.rate }}"
        "{% if dispatch.lagging %};未报送项目涉及{{ dispatch.lagging_count }}个单位:"
        "{{ dispatch.lagging }}{% endif %}。",
        indent=True,
        keep_with_next=True,
    )
    _tag(doc, "{%p if dispatch.units %}")
    _table(
        doc,
        ["单位", "应报送(个)", "已报送(个)", "未报送(个)", "报送率"],
        "dispatch.units",
        ["unit", "due", "reported", "missing", "rate"],
        [52, 26, 26, 26, 26],
    )
    _tag(doc, "{%p endif %}")
    _listed_table(
        doc,
        "未报送项目名单",
        ["序号", "单位", "项目名称", "调度频次", "已报/应报"],
        ("dispatch.projects", "dispatch.more", "未报送项目"),
        ["n", "unit", "name", "cadence", "count"],
        [12, 36, 72, 18, 18],
    )

    _heading(doc, "六、问题办理情况")
    _para(
        doc,
        "截至{{ as_of_label }},在办问题{{ problems.open }}个,"
        "其中超期未解决{{ problems.overdue }}个;{{ problems.period }}新增问题"
        "{{ problems.raised }}个,销号{{ problems.verified }}个;"
        "年内累计销号{{ problems.verified_ytd }}个。",
        indent=True,
        keep_with_next=True,
    )
    _tag(doc, "{%p if problems.units %}")
    _table(
        doc,
        ["单位", "在办问题(个)", "其中超期(个)", "本期销号(个)"],
        "problems.units",
        ["unit", "open", "overdue", "verified"],
        [56, 34, 33, 33],
    )
    _tag(doc, "{%p endif %}")
    _listed_table(
        doc,
        "超期未解决问题",
        ["项目", "问题", "责任单位", "办结时限", "超期\n(天)"],
        ("problems.overdue_rows", "problems.overdue_more", "超期未解决问题"),
        ["project", "description", "owner", "deadline", "days"],
        [44, 50, 28, 21, 13],
    )
    _para(
        doc,
        "请各有关单位对照本通报,抓紧整改落实。",
        indent=True,
        keep_with_next=True,  # the date never stands alone on the last page
    )
    _para(doc, "{{ issue_date }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
