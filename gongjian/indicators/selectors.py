"""Reads for reporting the reported indicators: which period each is reported for, when
it is due, what a unit has entered and what awaits the office's approval."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from gongjian.kit.scope import Action, path_ids
from gongjian.units.models import Actor, Unit

from .models import Indicator, ReportedValue
from .periods import campaign_for

MONTHS_PER_PERIOD = {
    Indicator.Cadence.MONTH: 1,
    Indicator.Cadence.QUARTER: 3,
    Indicator.Cadence.HALF: 6,
    Indicator.Cadence.YEAR: 12,
}


def period_ends(cadence: str, year: int) -> list[dt.date]:
    """The ends of the year's reporting periods at ``cadence`` (month ends for monthly)."""
    step = MONTHS_PER_PERIOD[Indicator.Cadence(cadence)]
    return [
        dt.date(year, month, calendar.monthrange(year, month)[1]) for month in range(step, 13, step)
    ]


def period_for(indicator: Indicator, as_of: dt.date) -> dt.date | None:
    """The end of the latest reporting period of ``indicator`` ended by ``as_of`` (the
    period a unit reports now), None before the year's first one has ended."""
    ended = [end for end in period_ends(indicator.report_cadence, as_of.year) if end <= as_of]
    return ended[-1] if ended else None


def due_date(unit: Unit, period_end: dt.date) -> dt.date:
    """The day a period's values are due: the campaign's reporting time limit after the
    period's end (the same limit as the progress reports)."""
    campaign = campaign_for(unit, period_end.year)
    if campaign is None:
        return period_end + dt.timedelta(days=5)
    return campaign.report_deadline(period_end)


def reported_indicators(user: Actor, unit: Unit) -> QuerySet[Indicator]:
    """The active reported indicators ``unit`` reports: those for every unit and those
    fixed to a unit at or above it."""
    above = path_ids(unit.path)
    return (
        Indicator.objects.restrict(user, Action.VIEW)
        .filter(kind=Indicator.Kind.REPORTED, is_active=True)
        .filter(Q(fixed_unit__isnull=True) | Q(fixed_unit_id__in=above))
        .order_by("sort_order", "code")
    )


@dataclass
class SheetRow:
    """One indicator on a unit's reporting form for its current period."""

    indicator: Indicator
    period_end: dt.date
    due: dt.date
    approved: ReportedValue | None  # the figure the engine reads for this period
    open: ReportedValue | None  # a draft, submitted or returned version
    previous: ReportedValue | None  # the latest approved value of an earlier period

    @property
    def overdue(self) -> bool:
        return self.approved is None and self.open is None

    @property
    def status(self) -> str:
        if self.open is not None:
            return self.open.get_status_display()
        if self.approved is not None:
            return str(ReportedValue.Status.APPROVED.label)
        return gettext("未填报")


def reporting_sheet(user: Actor, unit: Unit, as_of: dt.date) -> list[SheetRow]:
    """Each reported indicator of ``unit`` with its current period (the latest ended by
    ``as_of``), its due date, the approved and the open versions and the last value."""
    indicators = [
        (indicator, end)
        for indicator in reported_indicators(user, unit)
        if (end := period_for(indicator, as_of)) is not None
    ]
    values = (
        ReportedValue.objects.filter(
            unit=unit,
            indicator__in=[i for i, _end in indicators],
            as_of__gte=dt.date(as_of.year, 1, 1),
            as_of__lte=as_of,
        )
        .select_related("indicator")
        .order_by("-as_of", "-version")
    )
    by_indicator: dict[int, list[ReportedValue]] = {}
    for value in values:
        by_indicator.setdefault(value.indicator_id, []).append(value)
    rows = []
    approved_status = ReportedValue.Status.APPROVED
    # one campaign look-up per period end, not one per indicator
    dues = {end: due_date(unit, end) for end in {end for _i, end in indicators}}
    for indicator, end in indicators:
        mine = by_indicator.get(indicator.pk, [])
        this = [v for v in mine if v.as_of == end]
        rows.append(
            SheetRow(
                indicator=indicator,
                period_end=end,
                due=dues[end],
                approved=next((v for v in this if v.status == approved_status), None),
                open=next((v for v in this if v.status != approved_status), None),
                previous=next(
                    (v for v in mine if v.as_of < end and v.status == approved_status), None
                ),
            )
        )
    return rows


def awaiting_review(user: Actor) -> QuerySet[ReportedValue]:
    """Submitted values of the units whose office ``user`` is (the approval queue)."""
    return (
        ReportedValue.objects.restrict(user, Action.MANAGE)
        .filter(status=ReportedValue.Status.SUBMITTED)
        .select_related("indicator", "unit")
        .order_by("as_of", "unit__path", "indicator__sort_order")
    )
