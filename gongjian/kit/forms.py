"""Form fields every app's pages share."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .money import to_yuan


class WanField(forms.DecimalField):
    """An amount typed in 万元, cleaned to integer 元 (whether it may be negative is the
    model's rule, ``kit.money.non_negative_amount``, so that the page says what the API and
    a sheet say)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault("max_digits", 16)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return None if value is None else to_yuan(value, "万元")


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is always ISO (``2024-04-01``): a localised
    value (``2024/04/01`` in Chinese) is one the picker cannot read, so a stored date
    would show empty and be lost on the next save."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def latitude_field() -> forms.DecimalField:
    """纬度 in degrees, optional (a point on the map)."""
    return forms.DecimalField(
        label=_("纬度"), max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False
    )


def longitude_field() -> forms.DecimalField:
    """经度 in degrees, optional (a point on the map)."""
    return forms.DecimalField(
        label=_("经度"),
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
    )
