"""Which year and as-of date a page, API call, command or report shows — decided once.

Use ``resolve_year_as_of`` wherever figures are shown "as of" a date (pages, the JSON
API, ``gongjian kpi``, the 调度通报, the review), and ``resolve_scope`` on a page that
also picks a unit from the query string. Both judge at ``kit.clock.today()``, the one
clock of the instance, so a page, a deadline and a report agree on the date:

- the year: the one asked for; else the as-of date's year; else the latest campaign of
  the unit's tree that has begun by today (the demo: 2024); else today's year;
- the as-of date: the one asked for (it must lie in the year); else the campaign's
  reporting date (数据截止日期) when set; else today in the current year, the year's last
  day for a past year, its first day for a future one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from gongjian.kit.clock import today
from gongjian.kit.dates import Period, pro_rata
from gongjian.kit.scope import Action
from gongjian.units.models import Unit

from .models import Campaign

YEARS = (1990, 2100)


def check_year(year: int) -> int:
    """``year`` within ``YEARS``; else a ``ValidationError`` naming the field."""
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValidationError({"year": f"年度 {year} 超出范围({YEARS[0]}–{YEARS[1]})"})
    return year


def campaign_for(unit: Unit | None, year: int) -> Campaign | None:
    """The year's campaign whose root unit contains ``unit`` (the nearest one)."""
    if unit is None:
        return None
    campaigns = Campaign.objects.filter(year=year).select_related("root_unit")
    matching = [c for c in campaigns if unit.is_within(c.root_unit)]
    return max(matching, key=lambda c: c.root_unit.depth, default=None)


def latest_campaign(unit: Unit | None, until_year: int) -> Campaign | None:
    """The latest campaign of ``unit``'s tree whose year is ``until_year`` or earlier."""
    if unit is None:
        return None
    campaigns = Campaign.objects.filter(year__lte=until_year).select_related("root_unit")
    matching = [c for c in campaigns if unit.is_within(c.root_unit)]
    return max(matching, key=lambda c: (c.year, c.root_unit.depth), default=None)


class _YearToDate:
    """What a year and an as-of date give: the year to date and its share of the year."""

    year: int
    as_of: dt.date

    @property
    def period(self) -> Period:
        """1 January to the as-of date."""
        return Period.year_to_date(self.year, self.as_of)

    @property
    def pro_rata(self) -> float:
        """The share of the year elapsed by the as-of date (序时进度)."""
        return pro_rata(self.as_of)


@dataclass(frozen=True)
class YearAsOf(_YearToDate):
    """A year, the date figures are shown as of, and the unit's campaign of that year."""

    year: int
    as_of: dt.date
    campaign: Campaign | None = None


def resolve_year_as_of(
    *,
    unit: Unit | None = None,
    year: int | None = None,
    as_of: dt.date | None = None,
    default_year: int | None = None,
) -> YearAsOf:
    """The year and as-of date to show for ``unit`` (see the module's docstring); a year
    out of range or an as-of date outside the year is refused (``ValidationError``).
    ``default_year`` stands in for a missing year (e.g. a ranking scheme's own year)."""
    now = today()
    if year is None:
        if as_of is not None:
            year = as_of.year
        elif default_year is not None:
            year = default_year
        else:
            latest = latest_campaign(unit, now.year)
            year = latest.year if latest is not None else now.year
    check_year(year)
    campaign = campaign_for(unit, year)
    if as_of is None:
        if campaign is not None and campaign.reporting_date:
            as_of = campaign.reporting_date
        elif year == now.year:
            as_of = now
        elif year < now.year:
            as_of = dt.date(year, 12, 31)
        else:
            as_of = dt.date(year, 1, 1)
    if as_of.year != year:
        raise ValidationError({"as_of": f"截止日期 {as_of} 不在 {year} 年内"})
    return YearAsOf(year, as_of, campaign)


# --- a page's scope ------------------------------------------------------------------


@dataclass
class Scope(_YearToDate):
    """Year, as-of date and unit a page shows, chosen from the query string."""

    campaign: Campaign | None
    year: int
    as_of: dt.date
    unit: Unit | None
    units: list[Unit] = field(default_factory=list)


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def resolve_scope(request, *, require_unit: bool = False) -> Scope:
    """The page's unit (``?unit=`` by id or division code, default the user's top unit),
    year (``?year=``) and as-of date (``?as_of=``). An unknown or out-of-scope unit answers
    404, and so does a user with no unit to show when ``require_unit``; a year or date a
    page cannot use falls back to the default."""
    units = list(
        Unit.objects.restrict(request.user, Action.VIEW)
        .filter(is_active=True)
        .order_by("depth", "sort_order", "pk")
    )
    ref = request.GET.get("unit", "").strip()
    unit = units[0] if units else None
    if ref:
        by_ref = {str(u.pk): u for u in units} | {u.code: u for u in units if u.code}
        unit = by_ref.get(ref)
        if unit is None:
            raise Http404(_("没有这个单位"))
    year = _int(request.GET.get("year", ""))
    as_of = _date(request.GET.get("as_of", ""))
    try:
        chosen = resolve_year_as_of(unit=unit, year=year, as_of=as_of)
    except ValidationError:
        try:
            chosen = resolve_year_as_of(unit=unit, year=year)
        except ValidationError:
            chosen = resolve_year_as_of(unit=unit)
    if unit is None and require_unit:
        raise Http404(_("没有可查看的单位"))
    return Scope(chosen.campaign, chosen.year, chosen.as_of, unit, units)
