"""Writes to indicator definitions, targets and reported values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from gongjian.kit.history import record_actor
from gongjian.kit.scope import Action, manages_shared, principal, require
from gongjian.units.models import Actor, Unit

from .models import Indicator, ReportedValue, Target


def _require_definer(actor: Actor, indicator: Indicator) -> None:
    """An indicator counting one unit's subtree is defined by that unit's office; one that
    counts for every unit (no fixed unit), by the office of a top unit (or the system)."""
    if indicator.fixed_unit_id is not None:
        require(actor, Action.MANAGE, indicator.fixed_unit)
        return
    if not manages_shared(actor):
        raise PermissionDenied("只有攻坚办可以定义指标")


@transaction.atomic
def indicator_define(*, actor: Actor, code: str, **fields) -> Indicator:
    """Create or update an indicator definition by code (the office's configuration)."""
    indicator = Indicator.objects.filter(code=code).first() or Indicator(code=code)
    if indicator.pk:
        _require_definer(actor, indicator)
    for name, value in fields.items():
        setattr(indicator, name, value)
    _require_definer(actor, indicator)
    indicator.full_clean()
    record_actor(indicator, actor)
    indicator.save()
    return indicator


def _office_over(actor: Actor, unit: Unit) -> bool:
    return principal(actor).covers(Action.MANAGE, unit.path)


@transaction.atomic
def target_set(
    *, actor: Actor, indicator: Indicator, unit: Unit, year: int, value: Decimal | int
) -> Target:
    """Set ``unit``'s target for the year (the office above or at the unit)."""
    if not _office_over(actor, unit):
        raise PermissionDenied("只有攻坚办可以下达目标任务")
    target = Target.objects.filter(indicator=indicator, unit=unit, year=year).first()
    target = target or Target(indicator=indicator, unit=unit, year=year)
    target.value = Decimal(value)
    target.full_clean()
    record_actor(target, actor)
    target.save()
    return target


@transaction.atomic
def reported_value_record(
    *,
    actor: Actor,
    indicator: Indicator,
    unit: Unit,
    as_of: dt.date,
    value: Decimal | int | float | str,
    note: str = "",
) -> ReportedValue:
    if indicator.kind != Indicator.Kind.REPORTED:
        raise ValidationError({"indicator": f"“{indicator.name}”是计算指标,不能填报"})
    if not principal(actor).covers(Action.CHANGE, unit.path):
        raise PermissionDenied(f"无权为“{unit}”填报")
    row = ReportedValue.objects.filter(indicator=indicator, unit=unit, as_of=as_of).first()
    row = row or ReportedValue(indicator=indicator, unit=unit, as_of=as_of)
    row.value = Decimal(str(value))
    row.note = note
    row.full_clean()
    record_actor(row, actor)
    row.save()
    return row
