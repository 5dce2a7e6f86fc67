"""Form fields every app's pages share."""

from __future__ import annotations

from django import forms

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
