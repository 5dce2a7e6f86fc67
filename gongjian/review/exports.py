"""The year review as a Word document (python-docx)."""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Pt

from gongjian.kit.cleaning import xml_text


def _source(quote: dict) -> str:
    """A quote's document as the draft names it: 《label》(source, unit, date)."""
    label = quote.get("label") or ""
    label = label if "《" in label else f"《{label}》"
    details = "，".join(
        str(x) for x in (quote.get("source"), quote.get("unit"), quote.get("dated_on")) if x
    )
    return f"{label}（{details}）" if details else label


def review_docx(title: str, as_of_label: str, items: list[dict]) -> bytes:
    """``items``: dicts with ``term``, ``paragraph`` and ``quotes`` (each with its source).
    Every text goes in through ``kit.cleaning.xml_text``: a control character in a title,
    a paragraph or a quoted document is dropped instead of failing the download."""
    title, as_of_label, items = xml_text((title, as_of_label, items))
    doc = Document()
    doc.add_heading(title, level=0)
    doc.add_paragraph(
        f"数据截至{as_of_label}。文中数字或由平台指标引擎按截止日期计算(注明“据平台指标统计”),"
        "或引自本年度的文件并注明出处。"
    )
    for item in items:
        doc.add_heading(item["term"], level=1)
        paragraph = item.get("paragraph", "")
        doc.add_paragraph(paragraph)
        # a paragraph the office rewrote may no longer name where its quotes come from
        unnamed = [
            _source(q) for q in item.get("quotes", []) if (q.get("label") or "") not in paragraph
        ]
        if unnamed:
            note = doc.add_paragraph()
            run = note.add_run("引文来源:" + ";".join(dict.fromkeys(unnamed)))
            run.font.size = Pt(9)
        figures = item.get("figures", [])
        if figures:
            note = doc.add_paragraph()
            run = note.add_run(
                f"平台指标(截至{as_of_label}):"
                + ";".join(f"{f['name']} {f.get('value', '')}".strip() for f in figures)
            )
            run.font.size = Pt(9)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
