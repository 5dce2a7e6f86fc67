"""How an indicator's value is shown: one formatting for pages, the CLI and documents."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gongjian.kit.money import show_amount

# An English page's measure words: a count needs none; 亿元 reads as billions of yuan.
ENGLISH_UNITS = {
    "个": "",
    "户": " firms",
    "家": " firms",
    "人": " people",
    "公里": " km",
    "批次": " batches",
    "项": " items",
    "件": " cases",
}


def display(value, display_unit: str) -> str:
    """A value as the pages (and ``gongjian kpi``) show it: 元 as 亿元, rates as %; on an
    English page 元 as billions of yuan and the measure words in English."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    english = (get_language() or "").startswith("en")
    if display_unit == "元":
        return show_amount(int(value), "亿元")
    if display_unit == "比率":
        return f"{Decimal(value) * 100:.1f}%"
    number = Decimal(value)
    text = f"{int(number):,}" if number == number.to_integral_value() else f"{number:,.2f}"
    if english:
        return f"{text}{ENGLISH_UNITS.get(display_unit, display_unit)}"
    return f"{text}{display_unit}"


def chart_number(value, display_unit: str):
    """A number for a chart axis: 元 in 亿元, everything else as is."""
    if value is None:
        return None
    if display_unit == "元":
        return round(float(value) / 100_000_000, 2)
    return float(value)


# What a person types for a reported value: 元 in 亿元, rates in %, else the unit itself.
ENTRY_UNITS = {"元": ("亿元", Decimal(100_000_000)), "比率": ("%", Decimal("0.01"))}


def entry_unit(display_unit: str) -> str:
    """The unit a form or a sheet asks a reported value in."""
    return ENTRY_UNITS.get(display_unit, (display_unit, Decimal(1)))[0]


def from_entry(value, display_unit: str) -> Decimal:
    """A typed value (in ``entry_unit``) as stored: 12.5 亿元 → 1,250,000,000 元,
    8.6 % → 0.086. Raises ArithmeticError (decimal.InvalidOperation) for text."""
    factor = ENTRY_UNITS.get(display_unit, (display_unit, Decimal(1)))[1]
    number = Decimal(str(value).strip().replace(",", "").rstrip("%"))
    if not number.is_finite():
        raise ArithmeticError(value)
    return number * factor


def to_entry(value, display_unit: str) -> str:
    """A stored value as typed back into a form (the inverse of ``from_entry``)."""
    if value is None:
        return ""
    factor = ENTRY_UNITS.get(display_unit, (display_unit, Decimal(1)))[1]
    number = (Decimal(value) / factor).normalize()
    return f"{number:f}"
