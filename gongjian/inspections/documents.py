"""Printable 拉练 files: the tour sheet (.docx) and the results table (.xlsx)."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.shared import Pt

from gongjian.kit.cleaning import xml_text
from gongjian.kit.money import format_amount
from gongjian.kit.tabular.exports import INT, NUMBER, TEXT, Col, write_table

from .models import Tour
from .selectors import Results, num


def tour_sheet_docx(tour: Tour, stops) -> bytes:
    """The tour sheet the panel carries: route, panel, stops and a blank scoring grid.
    Every stored text goes in through ``kit.cleaning.xml_text`` (a control character in a
    name would make the document unwritable)."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(10.5)
    doc.add_heading(xml_text(tour.name), level=1)
    doc.add_paragraph(
        f"{tour.year}年第{tour.quarter}季度 · {tour.starts_on:%Y-%m-%d} 至 {tour.ends_on:%Y-%m-%d}"
    )
    if tour.route:
        doc.add_paragraph(xml_text(f"路线:{tour.route}"))
    panel = "、".join(str(u) for u in tour.panel.order_by("username"))
    doc.add_paragraph(xml_text(f"评分组:{panel or '—'}"))
    criteria = list(tour.form.criteria.all())
    doc.add_paragraph(
        xml_text(
            f"评分表:{tour.form.name}("
            + ";".join(
                f"{c.name} {num(c.min_score)}–{num(c.max_score)}分,权重{num(c.weight)}"
                for c in criteria
            )
            + ")"
        )
    )
    doc.add_heading("观摩项目", level=2)
    table = doc.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells,
        ["序号", "推荐单位", "项目名称", "类别", "总投资", "建设单位"],
        strict=True,
    ):
        cell.text = text
    for number, stop in enumerate(stops, start=1):
        row = table.add_row().cells
        row[0].text = str(number)
        row[1].text = xml_text(stop.unit.name)
        row[2].text = xml_text(stop.project.name)
        row[3].text = stop.get_kind_display()
        row[4].text = format_amount(stop.project.total_investment, "亿元")
        row[5].text = xml_text(stop.project.enterprise_name)
    doc.add_heading("评分栏", level=2)
    grid = doc.add_table(rows=1, cols=len(criteria) + 3)
    grid.style = "Table Grid"
    head = ["序号", "项目名称"] + [xml_text(f"{c.name}({num(c.max_score)})") for c in criteria]
    head.append("评语")
    for cell, text in zip(grid.rows[0].cells, head, strict=True):
        cell.text = text
    for number, stop in enumerate(stops, start=1):
        row = grid.add_row().cells
        row[0].text = str(number)
        row[1].text = xml_text(stop.project.name)
    doc.add_paragraph("评分人(签字):________________    日期:________________")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def results_xlsx(results: Results) -> Path:
    """One row per visited project, with its unit's score and rank alongside."""
    unit_of = {row.unit.pk: row for row in results.units}
    columns = [
        Col("项目名次", lambda r: r.rank, INT, 8),
        Col("推荐单位", lambda r: r.stop.unit.name, TEXT, 16),
        Col("项目名称", lambda r: r.stop.project.name, TEXT, 30),
        Col("类别", lambda r: r.stop.get_kind_display(), TEXT, 8),
        Col("评分人数", lambda r: len(r.sheet_scores), INT, 8),
        Col("项目得分", lambda r: r.score, NUMBER, 10),
        Col("单位得分", lambda r: unit_of[r.stop.unit_id].score, NUMBER, 10),
        Col("单位名次", lambda r: unit_of[r.stop.unit_id].rank, INT, 8),
    ]
    caption = f"{results.tour.name} 成绩({results.submitted}/{results.expected} 份评分已提交)"
    return write_table("拉练成绩", columns, results.stops, caption=caption)
