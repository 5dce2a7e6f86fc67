"""Reads for the appeals pages and API: lists from the scoped queryset, every figure from
the indicator engine (per unit, per category, the 赛马 of units)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from gongjian.indicators.engine import evaluate, evaluate_by_unit, ranking, ratio_value
from gongjian.indicators.models import Indicator, RankingScheme
from gongjian.kit.dates import Period
from gongjian.kit.scope import Action
from gongjian.units.models import Unit
from gongjian.units.selectors import top_unit

from .models import AppealCategory

if TYPE_CHECKING:  # the type checker's package, not installed to run
    from django_stubs_ext import StrOrPromise

COUNTS = [
    ("appeals_received", _("受理量")),
    ("appeals_closed", _("办结量")),
    ("appeals_closed_on_time", _("按期办结量")),
    ("appeals_reopened", _("重办量")),
]
RATES = [
    ("appeals_resolution_rate", _("办结率")),
    ("appeals_on_time_rate", _("按期办结率")),
    ("appeals_satisfaction_rate", _("满意率")),
    ("appeals_reopen_rate", _("重办率")),
]
# (numerator event, denominator event) of each rate, for the per-category table
RATE_EVENTS = {
    "appeals_resolution_rate": ("closed", "received"),
    "appeals_on_time_rate": ("closed_on_time", "received"),
    "appeals_satisfaction_rate": ("satisfied", "closed"),  # every closed appeal was visited
    "appeals_reopen_rate": ("reopened", "closed"),
}


def _count(event: str, filters: dict) -> Indicator:
    """An (unsaved) count indicator over the appeals registry, evaluated by the engine."""
    return Indicator.adhoc(f"appeals.{event}", "appeals", event=event, filters=filters)


def _ratio(code: str, filters: dict) -> Indicator:
    numerator, denominator = RATE_EVENTS[code]
    return Indicator(
        code=code,
        name=code,
        kind=Indicator.Kind.RATIO,
        base_indicator=_count(numerator, filters),
        denominator=_count(denominator, filters),
    )


@dataclass
class Board:
    unit: Unit
    year: int
    as_of: dt.date
    figures: list[tuple[str, StrOrPromise, object]] = field(default_factory=list)
    by_category: list[dict] = field(default_factory=list)
    by_unit: list[dict] = field(default_factory=list)
    rankings: list[tuple[RankingScheme, list]] = field(default_factory=list)
    # the figures are those of the appeals taken in at ``unit`` (a 12345 centre)
    intake: bool = False


def _centres(units: list[Unit]) -> set[int]:
    """The ids of the 12345 centres among ``units``: the departments appeals were taken in
    at (a centre dispatches them to the units that answer for them), in one query."""
    from .models import Appeal

    departments = [u.pk for u in units if u.kind == Unit.Kind.DEPARTMENT]
    if not departments:
        return set()
    taken_in = Appeal.objects.filter(intake_unit__in=departments)
    return set(taken_in.values_list("intake_unit_id", flat=True).distinct())


def intake_centre(unit: Unit) -> bool:
    """Whether ``unit`` is a 12345 centre (``_centres``)."""
    return unit.pk in _centres([unit])


def board(unit: Unit, year: int, as_of: dt.date, *, with_rankings: bool = True) -> Board:
    """The figures of the appeals ``unit`` answers for (its subtree's); a 12345 centre's
    (``intake_centre``) are those of the appeals taken in at it, wherever in its parent's
    area they were sent."""
    period = Period.year_to_date(year, as_of)
    out = Board(unit, year, as_of)
    at, base = unit, {}
    if intake_centre(unit):
        at, base = unit.parent or unit, {"intake_unit": unit.pk}
        out.intake = True
    defined = {
        i.code: i
        for i in Indicator.objects.filter(
            code__in=[c for c, _ in COUNTS + RATES], is_active=True
        ).select_related("base_indicator", "denominator", "fixed_unit")
    }
    for code, label in COUNTS + RATES:
        indicator = (None if base else defined.get(code)) or (
            _ratio(code, base)
            if code in RATE_EVENTS
            else _count(code.removeprefix("appeals_"), base)
        )
        out.figures.append((code, label, evaluate(indicator, at, period)))
    for category in AppealCategory.objects.order_by("code"):
        filters = {**base, "category": category.code}
        counts = {"received": evaluate(_count("received", filters), at, period)}
        if not counts["received"]:
            continue
        row: dict[str, object] = {
            "code": category.code,
            "name": category.name,
            "received": counts["received"],
        }
        for code, _label in RATES:
            numerator, denominator = RATE_EVENTS[code]
            for event in (numerator, denominator):
                if event not in counts:
                    counts[event] = evaluate(_count(event, filters), at, period)
            row[code] = ratio_value(counts[numerator], counts[denominator])
        out.by_category.append(row)
    children = list(Unit.objects.filter(parent=unit, is_active=True).order_by("sort_order", "pk"))
    if children:
        received = evaluate_by_unit(_count("received", {}), children, period)
        rates = {
            code: evaluate_by_unit(defined.get(code) or _ratio(code, {}), children, period)
            for code, _ in RATES
        }
        for child in children:
            if not received[child.pk]:
                continue
            unit_row: dict[str, object] = {"unit": child, "received": received[child.pk]}
            unit_row.update({code: rates[code][child.pk] for code, _ in RATES})
            out.by_unit.append(unit_row)
    if with_rankings:
        schemes = RankingScheme.objects.filter(
            year=year,
            parent_unit__path__startswith=unit.path,
            items__indicator__code__startswith="appeals_",
        ).distinct()
        for scheme in schemes:
            out.rankings.append((scheme, ranking(scheme, period)))
    return out


def hotline_clerk(user) -> bool:
    """A 12345 centre's own user: every unit they belong to is a centre (``_centres``).
    Their home is the 诉求 board (a centre has no targets)."""
    units = [m.unit for m in user.memberships.select_related("unit")]
    return bool(units) and _centres(units) == {u.pk for u in units}


def intake_unit_of(user) -> Unit | None:
    """The 12345 point ``user`` receives appeals at: the top unit they may write in."""
    return top_unit(user, Action.CHANGE)


def appeal_rows(user, query) -> tuple:
    """The appeal list's rows — the user's scope, then ``status``, ``category`` and ``q``
    (number, title or appellant) from ``query`` — with the filters used; the list and its
    export read the same rows."""
    from django.db.models import Q

    from .models import Appeal, Status

    qs = Appeal.objects.restrict(user, Action.VIEW).select_related(
        "category", "unit", "intake_unit"
    )
    status = query.get("status", "")
    category = query.get("category", "")
    q = query.get("q", "").strip()
    if status in Status.values:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category__code=category)
    if q:
        qs = qs.filter(Q(number=q) | Q(title__icontains=q) | Q(appellant_name=q))
    return qs, {"status": status, "category": category, "q": q}
