"""The lists this app writes itself: the 赛马 ranking and a unit's indicator table (both
read from the indicator engine). Every other list is a domain's ``Exporter``
(``kit.tabular.exports``), written by the one export view."""

from __future__ import annotations

from pathlib import Path

from gongjian.kit.tabular.exports import INT, NUMBER, PERCENT, TEXT, Col, write_table


def export_ranking(scheme, rows, caption: str = "") -> Path:
    """赛马: one row per unit with its score and each weighted indicator's parts."""
    codes = list(rows[0].parts) if rows else []
    names = {c: rows[0].parts[c]["name"] for c in codes}
    columns = [
        Col("名次", lambda r: r.rank, INT, 6),
        Col("单位", lambda r: r.unit.name, TEXT, 18),
        Col("得分", lambda r: r.score, NUMBER, 8),
        Col("上月名次", lambda r: r.previous_rank, INT, 9),
        Col("名次变化", lambda r: r.movement, INT, 9),
    ]
    for code in codes:
        columns += [
            Col(f"{names[code]}·完成值", lambda r, c=code: r.parts[c]["value"], NUMBER, 14),
            Col(f"{names[code]}·目标", lambda r, c=code: r.parts[c]["target"], NUMBER, 10),
            Col(f"{names[code]}·完成率", lambda r, c=code: r.parts[c]["rate"], PERCENT, 10),
            Col(f"{names[code]}·得分", lambda r, c=code: r.parts[c]["weighted"], NUMBER, 10),
        ]
    return write_table("赛马排名", columns, rows, caption=caption or scheme.name)


def export_indicators(rows: list[dict], caption: str = "") -> Path:
    """Indicator table: rows are dicts from ``selectors.indicator_table``."""
    columns = [
        Col("指标代码", lambda r: r["code"], TEXT, 28),
        Col("指标名称", lambda r: r["name"], TEXT, 30),
        Col("完成值", lambda r: r["value_text"], TEXT, 18),
        Col("数值", lambda r: r["number"], NUMBER, 16),
        Col("计量单位", lambda r: r["display_unit"], TEXT, 8),
        Col("目标", lambda r: r["target"], NUMBER, 14),
        Col("完成率", lambda r: r["rate"], PERCENT, 9),
        Col("序时进度", lambda r: r["pro_rata"], PERCENT, 9),
        Col("快于序时", lambda r: {True: "是", False: "否"}.get(r["ahead"], ""), TEXT, 8),
    ]
    return write_table("指标", columns, rows, caption=caption)
