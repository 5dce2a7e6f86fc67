"""Display helpers for rates the engine computed."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """0.9950 → "99.5%"; None → "—"."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(str(value)) * 100:.1f}%"
