"""Reads for the 招商 pages: the funnel, the lead board, the outreach calendar. Every figure
comes from the indicator engine; lists come from the scoped querysets."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Q, Value, When

from gongjian.indicators.engine import completion, evaluate, evaluate_many
from gongjian.indicators.models import Indicator
from gongjian.kit.dates import Period
from gongjian.kit.scope import Action
from gongjian.units.models import Unit

from .models import LEAD_CHAIN, Lead, LeadStage, Outreach, stage_q

# (indicator code, stage) — the lead funnel of one cohort: the leads first contacted in
# the period, and of those, the ones that have reached each later stage (or a later one
# still) by the as-of date. Each step counts a subset of the step before it (the lead
# registry's ``contacted_then_<stage>`` events), so the funnel narrows by construction;
# signings or landings in the period of leads contacted earlier are not in it (the
# tiles and the rates count those).
FUNNEL = [
    ("leads_contacted", LeadStage.CONTACT),
    ("lead_cohort.contacted_signed", LeadStage.SIGNED),
    ("lead_cohort.contacted_landed", LeadStage.LANDED),
    ("lead_cohort.contacted_started", LeadStage.STARTED),
    ("lead_cohort.contacted_in_production", LeadStage.IN_PRODUCTION),
]
TILES = ["outreach_batches", "enterprises_contacted", "leads_signed_amount"]
RATES = ["lead_conversion.signed", "lead_conversion.landed", "lead_conversion.started"]
MATRIX_PREFIX = "matrix_21152."


@dataclass
class FunnelView:
    unit: Unit
    year: int
    as_of: dt.date
    steps: list[dict] = field(default_factory=list)
    tiles: list[tuple[Indicator, object]] = field(default_factory=list)
    rates: list[tuple[Indicator, object]] = field(default_factory=list)
    matrix: list = field(default_factory=list)


def funnel(unit: Unit, year: int, as_of: dt.date) -> FunnelView:
    period = Period.year_to_date(year, as_of)
    codes = [c for c, _ in FUNNEL] + TILES + RATES
    by_code = {
        i.code: i
        for i in Indicator.objects.filter(
            Q(code__in=codes) | Q(code__startswith=MATRIX_PREFIX), is_active=True
        ).select_related("fixed_unit", "base_indicator", "denominator")
    }
    view = FunnelView(unit=unit, year=year, as_of=as_of)
    steps = [(code, stage) for code, stage in FUNNEL if code in by_code]
    tiles = [by_code[c] for c in TILES if c in by_code]
    rates = [by_code[c] for c in RATES if c in by_code]
    shown = [by_code[code] for code, _stage in steps] + tiles + rates
    # one batch: the funnel, tiles and rates share the lead registry's one query
    values = iter(evaluate_many([(indicator, unit, period) for indicator in shown]))
    view.steps = [
        {"code": code, "name": stage.label, "value": next(values)} for code, stage in steps
    ]
    view.tiles = [(indicator, next(values)) for indicator in tiles]
    view.rates = [(indicator, next(values)) for indicator in rates]
    view.matrix = [
        completion(indicator, unit, year, as_of)
        for code, indicator in sorted(by_code.items(), key=lambda kv: kv[1].sort_order)
        if code.startswith(MATRIX_PREFIX)
    ]
    return view


def stage_count(stage: str, unit: Unit, period: Period) -> int:
    """How many leads of ``unit``'s subtree are at ``stage`` now — through the engine."""
    indicator = Indicator.adhoc(f"leads_by_stage.{stage}", "leads", filters={"stage": stage})
    return int(evaluate(indicator, unit, period) or 0)


BOARD_COLUMNS = [*LEAD_CHAIN, LeadStage.TERMINATED]


def lead_board(leads, unit: Unit, as_of: dt.date, per_column: int = 30) -> list[dict]:
    """Columns of the board: each stage's leads (overdue next steps first) and its count."""
    period = Period.year_to_date(as_of.year, as_of)
    overdue = Case(
        When(next_step_due__lt=as_of, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    columns = []
    for stage in BOARD_COLUMNS:
        rows = list(
            leads.filter(stage_q([stage]))
            .annotate(overdue_rank=overdue)
            .order_by("overdue_rank", "next_step_due", "-contacted_on", "pk")[:per_column]
        )
        for lead in rows:
            lead.is_overdue = bool(
                lead.next_step_due and lead.next_step_due < as_of and stage not in _DONE
            )
        columns.append(
            {
                "stage": stage,
                "label": LeadStage(stage).label,
                "count": stage_count(stage, unit, period),
                "leads": rows,
            }
        )
    return columns


_DONE = {LeadStage.IN_PRODUCTION, LeadStage.TERMINATED}


def month_calendar(outreach, year: int, month: int) -> list[list[dict]]:
    """Weeks (Monday first) of ``month``, each day with the outreach batches held on it."""
    rows = outreach.filter(held_on__year=year, held_on__month=month).order_by("held_on", "pk")
    by_day: dict[dt.date, list[Outreach]] = {}
    for row in rows:
        by_day.setdefault(row.held_on, []).append(row)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append(
            [{"day": d, "in_month": d.month == month, "items": by_day.get(d, [])} for d in week]
        )
    return weeks


def visible_leads(user):
    return Lead.objects.restrict(user, Action.VIEW).select_related("unit", "enterprise", "project")


def outreach_rows(user, query) -> tuple:
    """The outreach list's rows — the user's scope, then ``month`` (YYYY-MM) and ``unit``
    (out of scope: 404) from ``query`` — and the month used; the list and its export read
    the same rows."""
    from gongjian.units.selectors import unit_visible_or_404

    from .models import Outreach

    qs = Outreach.objects.restrict(user, Action.VIEW).select_related("unit")
    month = query.get("month", "")
    if month:
        year, _sep, mon = month.partition("-")
        if year.isdigit() and mon.isdigit() and 1 <= int(mon) <= 12:
            qs = qs.filter(held_on__year=int(year), held_on__month=int(mon))
    if query.get("unit", "").strip():
        qs = qs.filter(unit__path__startswith=unit_visible_or_404(user, query["unit"]).path)
    return qs.order_by("-held_on", "-pk"), month


def lead_rows(user, query):
    """The lead board's leads: the user's scope within ``unit`` (default the user's top
    unit; out of scope: 404); the board and its export read the same rows."""
    from gongjian.units.selectors import unit_visible_or_404

    unit = unit_visible_or_404(user, query.get("unit"))
    return visible_leads(user).filter(unit__path__startswith=unit.path)
