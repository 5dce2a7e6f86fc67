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
from .selectors import period_ends


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


def indicator_sums(indicator: Indicator) -> bool:
    """Does the indicator add up the unit tree (a count or a sum, a reported value rolled
    up by sum)? Then a unit's target is split across its units (分解) to the unit."""
    if indicator.kind == Indicator.Kind.COMPUTED:
        return indicator.measure in (Indicator.Measure.COUNT, Indicator.Measure.SUM)
    if indicator.kind == Indicator.Kind.REPORTED:
        return indicator.rollup == Indicator.Rollup.SUM
    return False


@transaction.atomic
def targets_split(
    *,
    actor: Actor,
    indicator: Indicator,
    parent: Unit,
    year: int,
    values: dict[Unit, Decimal | None],
    describe=str,
) -> None:
    """Set ``parent``'s target and its units' for the year at once (目标分解); ``None``
    removes a target. Where the indicator adds up the unit tree, the units' targets must
    add up to ``parent``'s: exactly once every unit has one, never beyond it before.
    Nothing is written when a value is refused. ``describe`` formats a value for the
    message (the page passes the indicator's display)."""
    for unit in values:
        if not (unit == parent or unit.parent_id == parent.pk):
            raise ValidationError({"unit": f"“{unit.name}”不是{parent.name}或其下属单位"})
        if not _office_over(actor, unit):
            raise PermissionDenied("只有攻坚办可以下达目标任务")
    own = values.get(parent)
    given = [v for u, v in values.items() if u != parent and v is not None]
    if indicator_sums(indicator) and own is not None and given:
        total = sum(given, Decimal(0))
        units = [u for u in values if u != parent]
        if len(given) == len(units) and total != own:
            raise ValidationError(
                {
                    "__all__": f"各单位目标合计 {describe(total)},与{parent.name}目标 "
                    f"{describe(own)} 不一致:请调整后再保存"
                }
            )
        if total > own:
            raise ValidationError(
                {
                    "__all__": f"已分解的目标合计 {describe(total)} 超过{parent.name}目标 "
                    f"{describe(own)}"
                }
            )
    for unit, value in values.items():
        current = Target.objects.filter(indicator=indicator, unit=unit, year=year).first()
        if value is None:
            if current is not None:
                record_actor(current, actor)
                current.delete()
            continue
        if current is not None and current.value == value:
            continue
        target_set(actor=actor, indicator=indicator, unit=unit, year=year, value=value)


def _require_reporter(actor: Actor, indicator: Indicator, unit: Unit) -> None:
    if indicator.kind != Indicator.Kind.REPORTED:
        raise ValidationError({"indicator": f"“{indicator.name}”是计算指标,不能填报"})
    if not principal(actor).covers(Action.CHANGE, unit.path):
        raise PermissionDenied(f"无权为“{unit}”填报")
    fixed = indicator.fixed_unit
    if fixed is not None and not unit.path.startswith(fixed.path):
        raise ValidationError(
            {"unit": f"“{indicator.name}”只由“{indicator.fixed_unit}”及其下级填报"}
        )


def may_approve(actor: Actor, unit: Unit) -> bool:
    """The office over (or at) ``unit`` approves its reported values."""
    return _office_over(actor, unit)


R = ReportedValue.Status
OPEN = (R.DRAFT, R.SUBMITTED, R.RETURNED)


@transaction.atomic
def reported_value_record(
    *,
    actor: Actor,
    indicator: Indicator,
    unit: Unit,
    as_of: dt.date,
    value: Decimal | int | float | str,
    note: str = "",
    submit: bool = False,
) -> ReportedValue:
    """Enter ``unit``'s value of a reported indicator for the period ending ``as_of``.

    The open version (draft, submitted or returned) is updated, or a new version opened —
    a correction of an approved value is a new version, the approved one stays the figure
    until the correction is approved. An office entering a value for a unit it oversees
    (or the system) approves it at once; a unit's operator saves a draft, or submits it
    with ``submit``."""
    _require_reporter(actor, indicator, unit)
    if as_of not in period_ends(indicator.report_cadence, as_of.year):
        raise ValidationError(
            {
                "as_of": f"“{indicator.name}”{indicator.get_report_cadence_display()}填报,"
                f"截止日期须为期末(如 {period_ends(indicator.report_cadence, as_of.year)[0]}),"
                f"不能是 {as_of}"
            }
        )
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise ValidationError({"value": f"“{value}”不是有效的数值"}) from None
    if not amount.is_finite():
        raise ValidationError({"value": f"“{value}”不是有效的数值"})
    versions = ReportedValue.objects.select_for_update().filter(
        indicator=indicator, unit=unit, as_of=as_of
    )
    row = versions.filter(status__in=OPEN).order_by("-version").first()
    if row is None:
        last = versions.order_by("-version").first()
        row = ReportedValue(
            indicator=indicator, unit=unit, as_of=as_of, version=last.version + 1 if last else 1
        )
    row.value = amount
    row.note = note
    if may_approve(actor, unit):
        row.status = R.APPROVED
        row.review_note = ""
    else:
        row.status = R.SUBMITTED if submit else R.DRAFT
    row.full_clean()
    record_actor(row, actor)
    row.save()
    return row


@transaction.atomic
def reported_value_submit(*, actor: Actor, row: ReportedValue) -> ReportedValue:
    """Send a draft (or a returned value) to the office for approval."""
    _require_reporter(actor, row.indicator, row.unit)
    if row.status not in (R.DRAFT, R.RETURNED):
        raise ValidationError({"status": f"“{row.get_status_display()}”的填报值不能再提交"})
    row.status = R.SUBMITTED
    record_actor(row, actor)
    row.save(update_fields=["status"])
    return row


@transaction.atomic
def reported_value_review(
    *, actor: Actor, row: ReportedValue, approve: bool, note: str = ""
) -> ReportedValue:
    """The office approves a submitted value (it becomes the unit's figure) or returns it
    with a reason (the unit corrects it and submits again)."""
    if not may_approve(actor, row.unit):
        raise PermissionDenied(f"只有“{row.unit}”的上级攻坚办可以审核填报值")
    if row.status != R.SUBMITTED:
        raise ValidationError({"status": f"“{row.get_status_display()}”的填报值不在待审核状态"})
    if not approve and not note.strip():
        raise ValidationError({"review_note": "退回须写明原因"})
    row.status = R.APPROVED if approve else R.RETURNED
    row.review_note = note.strip()
    record_actor(row, actor)
    row.save(update_fields=["status", "review_note"])
    return row


# --- 赛马 schemes ------------------------------------------------------------------------


@transaction.atomic
def ranking_scheme_save(*, actor: Actor, scheme=None, **fields):
    """Create a ranking scheme or change one (the office of its parent unit, before and
    after the change)."""
    from .models import RankingScheme

    if scheme is None:
        scheme = RankingScheme()
    else:
        require(actor, Action.MANAGE, scheme.parent_unit)
    for name, value in fields.items():
        setattr(scheme, name, value)
    if scheme.parent_unit_id is None:
        raise ValidationError({"parent_unit": "请指定参赛单位的上级"})
    require(actor, Action.MANAGE, scheme.parent_unit)
    scheme.full_clean()
    record_actor(scheme, actor)
    scheme.save()
    return scheme


@transaction.atomic
def ranking_item_save(*, actor: Actor, scheme, item=None, **fields):
    """Add a weighted indicator to a scheme, or change one (the scheme's office)."""
    from .models import RankingItem

    require(actor, Action.MANAGE, scheme.parent_unit)
    if item is None:
        item = RankingItem(scheme=scheme)
    elif item.scheme_id != scheme.pk:
        raise ValidationError({"scheme": "该指标不属于这个赛马方案"})
    for name, value in fields.items():
        setattr(item, name, value)
    item.full_clean()
    record_actor(item, actor)
    item.save()
    return item


@transaction.atomic
def ranking_item_delete(*, actor: Actor, item) -> None:
    """Remove a weighted indicator from its scheme (the scheme's office); recorded."""
    require(actor, Action.MANAGE, item.scheme.parent_unit)
    record_actor(item, actor)
    item.delete()
