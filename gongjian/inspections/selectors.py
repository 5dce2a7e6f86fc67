"""Reads for 拉练: who sees which tours and stops, and the scoring arithmetic.

A sheet's score is out of 100: each criterion contributes its weight times the
share of its range reached, ``(value - min) / (max - min)``, and the weights are
normalised: ``100 × Σ share·weight / Σ weight``. A project's score is the mean
of its submitted sheets; a unit's score the mean of its scored projects.
Everything is rounded to 0.01 once, at the end of each level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet

from gongjian.kit.scope import Action, allows
from gongjian.projects.models import Project
from gongjian.units.models import Unit, User

from .models import Criterion, Mark, Sheet, Stop, Tour

CENT = Decimal("0.01")


def num(value: Decimal) -> str:
    """A Decimal without trailing zeros: 10.00 → "10", 7.50 → "7.5"."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def sheet_score(values: dict[int, Decimal], criteria: Iterable[Criterion]) -> Decimal | None:
    """A sheet's 100-point score from ``{criterion_id: value}``; None while incomplete."""
    criteria = list(criteria)
    total_weight = sum((c.weight for c in criteria), Decimal(0))
    if not criteria or not total_weight:
        return None
    reached = Decimal(0)
    for c in criteria:
        if values.get(c.pk) is None:
            return None
        reached += (Decimal(values[c.pk]) - c.min_score) / (c.max_score - c.min_score) * c.weight
    return q2(reached / total_weight * 100)


def mean(values: list[Decimal]) -> Decimal | None:
    return q2(sum(values, Decimal(0)) / len(values)) if values else None


# --- scope ------------------------------------------------------------------------------


def is_panel_member(user: User, tour: Tour) -> bool:
    return user.is_authenticated and tour.panel.filter(pk=user.pk).exists()


def stops_visible_to(user: User, tour: Tour) -> QuerySet[Stop]:
    """The office and the tour's panel see every stop; others the stops of projects in
    their own scope."""
    qs = Stop.objects.filter(tour=tour).select_related("project", "unit", "project__unit")
    if allows(user, Action.MANAGE, tour) or is_panel_member(user, tour):
        return qs
    return qs.filter(project__in=Project.objects.restrict(user, Action.VIEW).values("pk"))


# --- results ----------------------------------------------------------------------------


@dataclass
class StopResult:
    stop: Stop
    sheet_scores: list[Decimal] = field(default_factory=list)
    score: Decimal | None = None
    rank: int | None = None


@dataclass
class UnitRow:
    unit: Unit
    stops: list[StopResult]
    score: Decimal | None = None
    rank: int | None = None


@dataclass
class Results:
    tour: Tour
    stops: list[StopResult]
    units: list[UnitRow]
    submitted: int
    expected: int


def _rank(rows: list, key) -> None:
    scored = sorted((r for r in rows if key(r) is not None), key=lambda r: -key(r))
    previous, previous_rank = None, 0
    for position, row in enumerate(scored, start=1):
        row.rank = previous_rank if key(row) == previous else position
        previous, previous_rank = key(row), row.rank


def tour_results(tour: Tour) -> Results:
    """Per-stop and per-unit scores and ranks from the submitted sheets (a few queries)."""
    criteria = list(tour.form.criteria.all())
    stops = list(Stop.objects.filter(tour=tour).select_related("project", "unit"))
    values: dict[int, dict[int, Decimal]] = {}
    for sheet_id, criterion_id, value in Mark.objects.filter(
        sheet__stop__tour=tour, sheet__status=Sheet.Status.SUBMITTED
    ).values_list("sheet_id", "criterion_id", "value"):
        values.setdefault(sheet_id, {})[criterion_id] = value
    by_stop: dict[int, StopResult] = {s.pk: StopResult(stop=s) for s in stops}
    submitted = 0
    for sheet_id, stop_id in Sheet.objects.filter(
        stop__tour=tour, status=Sheet.Status.SUBMITTED
    ).values_list("pk", "stop_id"):
        score = sheet_score(values.get(sheet_id, {}), criteria)
        if score is not None:
            by_stop[stop_id].sheet_scores.append(score)
            submitted += 1
    results = list(by_stop.values())
    for r in results:
        r.score = mean(r.sheet_scores)
    _rank(results, lambda r: r.score)
    units: dict[int, UnitRow] = {}
    for r in results:
        units.setdefault(r.stop.unit_id, UnitRow(unit=r.stop.unit, stops=[])).stops.append(r)
    unit_rows = list(units.values())
    for row in unit_rows:
        row.score = mean([s.score for s in row.stops if s.score is not None])
    _rank(unit_rows, lambda r: r.score)
    unit_rows.sort(key=lambda r: (r.rank or 10**6, r.unit.sort_order, r.unit.pk))
    results.sort(key=lambda r: (r.rank or 10**6, r.stop.visit_order, r.stop.pk))
    expected = len(stops) * tour.panel.count()
    return Results(tour, results, unit_rows, submitted, expected)


def member_stops(user: User, tour: Tour) -> list[tuple[Stop, Sheet | None]]:
    """A panel member's stops in visiting order with their own sheet (or None)."""
    sheets = {s.stop_id: s for s in Sheet.objects.filter(stop__tour=tour, member=user)}
    stops = Stop.objects.filter(tour=tour).select_related("project", "unit")
    return [(s, sheets.get(s.pk)) for s in stops.order_by("visit_order", "pk")]


def nominable_projects(user: User, tour: Tour) -> QuerySet[Project]:
    """Projects the user may put on the tour: editable by them and not yet on it."""
    return (
        Project.objects.restrict(user, Action.CHANGE)
        .exclude(pk__in=tour.stops.values("project_id"))
        .filter(~Q(stage="planned"))
        .select_related("unit")
        .order_by("unit__path", "code")
    )


SEARCH_LIMIT = 50


def search_nominable(
    user: User, tour: Tour, q: str, limit: int = SEARCH_LIMIT
) -> tuple[list[Project], bool]:
    """Up to ``limit`` of the projects ``user`` may put on the tour whose name or code
    contains ``q`` (none for an empty ``q``), and whether more matched."""
    q = q.strip()
    if not q:
        return [], False
    found = list(
        nominable_projects(user, tour).filter(Q(name__icontains=q) | Q(code__icontains=q))[
            : limit + 1
        ]
    )
    return found[:limit], len(found) > limit


def on_a_panel(user: User) -> bool:
    """Whether ``user`` scores on a tour's panel (the menu shows them 拉练)."""
    return bool(user.is_authenticated) and Tour.objects.filter(panel=user).exists()
