"""Excel in and out for reported indicators, on ``kit.tabular``: one row per unit ×
indicator × period, values in the unit a form asks them in (亿元, %, 个 …), each row
through ``reported_value_record`` — the page's and the API's write path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

from gongjian.kit.scope import Action
from gongjian.kit.tabular import exports as X
from gongjian.kit.tabular import schema as S
from gongjian.kit.tabular.exports import Exporter, register_exporter
from gongjian.kit.tabular.imports import (
    Importer,
    ImportResult,
    ImportSession,
    SheetRow,
    register_importer,
)
from gongjian.units.models import Actor, Unit

from . import services
from .display import entry_unit, from_entry, to_entry
from .models import Indicator, ReportedValue

SCHEMA = S.SheetSchema(
    key="reported_values",
    title="填报指标",
    columns=[
        S.Column("unit", "填报单位", S.LOOKUP, required=True, lookup="unit"),
        S.Column(
            "indicator",
            "指标代码",
            S.TEXT,
            required=True,
            max_length=120,
            width=30,
            example="old_communities_renovated",
        ),
        S.Column("name", "指标名称", S.TEXT, width=24),
        S.Column("as_of", "期末", S.DATE, required=True, example=dt.date(2024, 10, 31)),
        S.Column("value", "数值", S.DECIMAL, required=True, example="12.5"),
        S.Column("entry_unit", "计量单位", S.TEXT),
        S.Column("note", "说明", S.TEXT, max_length=200, width=30),
        S.Column("submit", "提交审核", S.TEXT, example="是"),
    ],
    notes=[
        "每行一个单位、一个指标、一期(期末为月末、季末等);数值按“计量单位”填写:金额为亿元,比率为 %(填 8.6 表示 8.6%)。",
        "“提交审核”填“是”则直接提交上级攻坚办审核,否则保存为草稿;攻坚办填报本级及下级的数值即为已审核。",
        "任何一行有错误时整批不导入(可选择跳过错误行)。",
    ],
)


def reported_values_import(*, actor: Actor, **options: Any) -> ImportResult:
    """Each row through ``reported_value_record``, each in its own savepoint."""
    session = ImportSession(SCHEMA, actor=actor, **options)
    indicators = {
        i.code: i
        for i in Indicator.objects.restrict(actor, Action.VIEW).filter(
            kind=Indicator.Kind.REPORTED, is_active=True
        )
    }

    def row(r: SheetRow) -> str:
        v = r.values
        indicator = indicators.get(str(v["indicator"]).strip())
        if indicator is None:
            raise ValidationError({"indicator": f"没有可填报的指标“{v['indicator']}”"})
        typed = v.get("entry_unit") or ""
        wanted = entry_unit(indicator.display_unit)
        if typed and typed.strip() != wanted:
            raise ValidationError(
                {"entry_unit": f"“{indicator.name}”按“{wanted}”填写,不是“{typed}”"}
            )
        try:
            value = from_entry(v["value"], indicator.display_unit)
        except ArithmeticError:
            raise ValidationError({"value": f"数值“{v['value']}”无效"}) from None
        before = ReportedValue.objects.filter(
            indicator=indicator, unit=v["unit"], as_of=v["as_of"]
        ).count()
        services.reported_value_record(
            actor=actor,
            indicator=indicator,
            unit=v["unit"],
            as_of=v["as_of"],
            value=value,
            note=v.get("note") or "",
            submit=str(v.get("submit") or "").strip() in ("是", "yes", "Y", "y", "1"),
        )
        after = ReportedValue.objects.filter(
            indicator=indicator, unit=v["unit"], as_of=v["as_of"]
        ).count()
        return "created" if after > before else "updated"

    return session.run_rows(row)


def export_reported_values(qs, caption: str = "") -> Path:
    """The values as the import sheet reads them back (an exported sheet re-imports)."""
    columns = [
        X.Col("填报单位", lambda r: r.unit.name),
        X.Col("指标代码", lambda r: r.indicator.code, width=30),
        X.Col("指标名称", lambda r: r.indicator.name, width=24),
        X.Col("期末", lambda r: r.as_of, X.DATE),
        X.Col("数值", lambda r: to_entry(r.value, r.indicator.display_unit)),
        X.Col("计量单位", lambda r: entry_unit(r.indicator.display_unit)),
        X.Col("说明", lambda r: r.note, width=30),
        X.Col("版本", lambda r: r.version, X.INT),
        X.Col("状态", lambda r: r.get_status_display()),
    ]
    rows = qs.select_related("unit", "indicator").order_by(
        "as_of", "unit__path", "indicator__sort_order", "version"
    )
    return X.write_table("填报指标", columns, rows.iterator(), caption=caption)


def _export(user, query) -> Path:
    qs = ReportedValue.objects.restrict(user, Action.VIEW)
    year = str(query.get("year", "")).strip()
    if year.isdigit():
        qs = qs.filter(as_of__year=int(year))
    return export_reported_values(qs)


def register() -> None:
    """Offer the sheet on the import page and the values on the export view."""
    register_importer(
        Importer(
            SCHEMA,
            reported_values_import,
            lambda user: Unit.objects.restrict(user, Action.CHANGE),
            back_url="/indicators/",
        )
    )
    register_exporter(Exporter("reported_values", "填报指标", _export))
