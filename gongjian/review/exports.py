"""The year review as a Word document (python-docx)."""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Pt

from gongjian.kit.cleaning import xml_text


def review_docx(title: str, as_of_label: str, items: list[dict]) -> bytes:
    """``items``: dicts with ``term``, ``paragraph`` and ``quotes`` (each with its source).
    Every text goes in through ``kit.cleaning.xml_text``: a control character in a title,
    a paragraph or a quoted document is dropped instead of failing the download."""
    title, as_of_label, items = xml_text((title, as_of_label, items))
    doc = Document()
    doc.add_heading(title, level=0)
    doc.add_paragraph(f"数据截至{as_of_label};数字均由指标引擎计算,引文均出自本年度语料。")
    for item in items:
        doc.add_heading(item["term"], level=1)
        doc.add_paragraph(item.get("paragraph", ""))
        sources = [
            f"{q['source']}·{q['label']}({q['unit']} {q['dated_on']})".strip()
            for q in item.get("quotes", [])
        ]
        if sources:
            note = doc.add_paragraph()
            run = note.add_run("引文来源:" + ";".join(sources))
            run.font.size = Pt(9)
        figures = item.get("figures", [])
        if figures:
            note = doc.add_paragraph()
            run = note.add_run(
                "数字来源(指标代码):" + ";".join(f"{f['name']}({f['code']})" for f in figures)
            )
            run.font.size = Pt(9)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
