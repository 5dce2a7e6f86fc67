"""Writes to indicator definitions, targets and reported values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction

from gongjian.units.models import Unit, User
from gongjian.units.selectors import can_write_unit, is_office

from .models import Indicator, ReportedValue, Target


@transaction.atomic
def indicator_define(*, actor: User | None, code: str, **fields) -> Indicator:
    """Create or update an indicator definition by code (the office's configuration)."""
    if actor is not None and not is_office(actor):
        raise PermissionDenied("只有攻坚办可以定义指标")
    indicator = Indicator.objects.filter(code=code).first() or Indicator(code=code)
    for name, value in fields.items():
        setattr(indicator, name, value)
    indicator.full_clean()
    indicator._history_user = actor
    indicator.save()
    return indicator


@transaction.atomic
def target_set(
    *, actor: User | None, indicator: Indicator, unit: Unit, year: int, value: Decimal | int
) -> Target:
    if actor is not None and not is_office(actor):
        raise PermissionDenied("只有攻坚办可以下达目标任务")
    target = Target.objects.filter(indicator=indicator, unit=unit, year=year).first()
    target = target or Target(indicator=indicator, unit=unit, year=year)
    target.value = Decimal(value)
    target.full_clean()
    target._history_user = actor
    target.save()
    return target


@transaction.atomic
def reported_value_record(
    *,
    actor: User | None,
    indicator: Indicator,
    unit: Unit,
    as_of: dt.date,
    value: Decimal | int | float | str,
    note: str = "",
) -> ReportedValue:
    if indicator.kind != Indicator.Kind.REPORTED:
        from django.core.exceptions import ValidationError

        raise ValidationError({"indicator": f"“{indicator.name}”是计算指标,不能填报"})
    if actor is not None and not can_write_unit(actor, unit):
        raise PermissionDenied(f"无权为“{unit}”填报")
    row = ReportedValue.objects.filter(indicator=indicator, unit=unit, as_of=as_of).first()
    row = row or ReportedValue(indicator=indicator, unit=unit, as_of=as_of)
    row.value = Decimal(str(value))
    row.note = note
    row.full_clean()
    row._history_user = actor
    row.save()
    return row
