"""How an indicator's value is shown: one formatting for pages, the CLI and documents."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from gongjian.kit.money import format_amount


def display(value, display_unit: str) -> str:
    """A value as the pages (and ``gongjian kpi``) show it: 元 as 亿元, rates as %."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if display_unit == "元":
        return format_amount(int(value), "亿元")
    if display_unit == "比率":
        return f"{Decimal(value) * 100:.1f}%"
    number = Decimal(value)
    text = f"{int(number):,}" if number == number.to_integral_value() else f"{number:,.2f}"
    return f"{text}{display_unit}"


def chart_number(value, display_unit: str):
    """A number for a chart axis: 元 in 亿元, everything else as is."""
    if value is None:
        return None
    if display_unit == "元":
        return round(float(value) / 100_000_000, 2)
    return float(value)
