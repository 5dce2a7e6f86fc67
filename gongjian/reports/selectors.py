"""Reads for exports and reports: indicator tables from the engine."""

from __future__ import annotations

import datetime as dt

from gongjian.indicators import engine
from gongjian.indicators.models import Indicator, Target
from gongjian.units.models import Unit

from .dispatch import value_text


def indicator_table(unit: Unit, year: int, as_of: dt.date) -> list[dict]:
    """Every active indicator for ``unit``: value, target, completion, 序时进度."""
    targets = {t.indicator_id: t for t in Target.objects.filter(unit=unit, year=year)}
    rows = []
    for indicator in Indicator.objects.filter(is_active=True).select_related(
        "fixed_unit", "base_indicator", "denominator"
    ):
        if engine.effective_unit(indicator, unit) is None:
            continue
        if indicator.kind == Indicator.Kind.CHECKPOINT:
            status = engine.checkpoint_status(indicator.checkpoint, unit, year, as_of)
            result = engine.Completion(indicator, status, None, None, engine.pro_rata(as_of), None)
        else:
            result = engine.completion(
                indicator, unit, year, as_of, target=targets.get(indicator.pk)
            )
        value = result.value
        rows.append(
            {
                "code": indicator.code,
                "name": indicator.name,
                "value_text": value_text(value, indicator),
                "number": None if value is None or isinstance(value, bool) else value,
                "display_unit": indicator.display_unit,
                "target": result.target,
                "rate": result.rate,
                "pro_rata": result.pro_rata,
                "ahead": result.ahead,
            }
        )
    return rows
