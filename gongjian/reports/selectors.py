"""Reads for exports and reports: indicator tables from the engine."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils.translation import gettext as _

from gongjian.indicators import engine
from gongjian.indicators.models import Indicator, Target
from gongjian.kit.scope import Action
from gongjian.units.models import Unit, User
from gongjian.units.selectors import top_unit, unit_resolve

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


def dispatch_units(user: User) -> list[Unit]:
    """The units whose 调度通报 ``user`` may make, for the page's list: the areas (city,
    districts, counties, zones) ``user`` may see, in tree order, and the user's own top
    unit when it is a department."""
    visible = Unit.objects.restrict(user, Action.VIEW).filter(is_active=True)
    units = list(visible.exclude(kind=Unit.Kind.DEPARTMENT).order_by("path"))
    own = top_unit(user)
    if own is not None and own not in units:
        units.insert(0, own)
    return units


def dispatch_unit_or_404(user: User, ref: str | None) -> Unit:
    """The unit ``ref`` (id, division code or name) names if ``user`` may see it — else a
    404 that says so in Chinese, the same for a unit that does not exist and for one
    outside the user's scope; without ``ref``, the user's own top unit."""
    ref = (ref or "").strip()
    unit = (
        unit_resolve(ref, Unit.objects.restrict(user, Action.VIEW).filter(is_active=True))
        if ref
        else top_unit(user)
    )
    if unit is None:
        if ref:
            raise Http404(
                _("没有这个单位:“%(unit)s”(或不在您可查看的范围内),请从列表中选择单位。")
                % {"unit": ref[:40]}
            )
        raise Http404(_("您还没有可查看的单位"))
    return unit
