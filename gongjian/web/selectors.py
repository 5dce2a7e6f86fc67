"""Reads behind the pages. Every figure comes from ``gongjian.indicators.engine``; every
row from the scoped querysets (``Project.objects.visible_to``, ``units_visible_to``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.common.dates import Period, pro_rata
from gongjian.common.money import format_amount
from gongjian.indicators.engine import (
    campaign_for,
    checkpoint_requests,
    checkpoint_statuses,
    completion_by_month,
    completion_many,
    effective_unit,
    evaluate_many,
    monthly_requests,
    warning_light_counts,
)
from gongjian.indicators.models import Campaign, Indicator, Target
from gongjian.projects.filters import OPEN_STATUSES
from gongjian.projects.models import Problem, Project
from gongjian.units.models import Unit, User
from gongjian.units.selectors import units_visible_to

LIGHT_LABELS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "": "—"}
CHECKPOINTS = [
    (Indicator.Checkpoint.Q1, "开门红"),
    (Indicator.Checkpoint.H1, "双过半"),
    (Indicator.Checkpoint.Q3, "跑赢三季度"),
    (Indicator.Checkpoint.EARLY, "提前完成"),
]


def display(value, display_unit: str) -> str:
    """A value as the pages (and ``gongjian kpi``) show it: 元 as 亿元, rates as %."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if display_unit == "元":
        return format_amount(int(value), "亿元")
    if display_unit == "比率":
        return f"{Decimal(value) * 100:.1f}%"
    number = Decimal(value)
    text = f"{int(number):,}" if number == number.to_integral_value() else f"{number:,.2f}"
    return f"{text}{display_unit}"


def chart_number(value, display_unit: str):
    """A number for a chart axis: 元 in 亿元, everything else as is."""
    if value is None:
        return None
    if display_unit == "元":
        return round(float(value) / 100_000_000, 2)
    return float(value)


@dataclass
class Scope:
    """Year, as-of date and unit a page shows, chosen from the query string."""

    campaign: Campaign | None
    year: int
    as_of: dt.date
    unit: Unit | None
    units: list[Unit]

    @property
    def period(self) -> Period:
        return Period.year_to_date(self.year, self.as_of)

    @property
    def pro_rata(self) -> float:
        return pro_rata(self.as_of)


def resolve_scope(request) -> Scope:
    """The page's scope; an unknown or out-of-scope ``unit`` answers 404."""
    user = request.user
    units = list(
        units_visible_to(user).filter(is_active=True).order_by("depth", "sort_order", "pk")
    )
    ref = request.GET.get("unit", "").strip()
    unit = units[0] if units else None
    if ref:
        by_ref = {str(u.pk): u for u in units} | {u.code: u for u in units if u.code}
        unit = by_ref.get(ref)
        if unit is None:
            raise Http404(_("没有这个单位"))
    campaigns = Campaign.objects.order_by("-year").select_related("root_unit")
    year_text = request.GET.get("year", "").strip()
    campaign = None
    if year_text.isdigit():
        campaign = campaigns.filter(year=int(year_text)).first()
    if campaign is None:
        campaign = (
            campaign_for(unit, int(year_text)) if unit and year_text.isdigit() else None
        ) or (campaigns.first())
    today = timezone.localdate()
    year = int(year_text) if year_text.isdigit() else (campaign.year if campaign else today.year)
    as_of = campaign.default_as_of(today) if campaign and campaign.year == year else None
    if as_of is None:
        as_of = today if today.year == year else dt.date(year, 12, 31)
    as_of_text = request.GET.get("as_of", "").strip()
    if as_of_text:
        try:
            picked = dt.date.fromisoformat(as_of_text)
        except ValueError:
            picked = None
        if picked and picked.year == year:
            as_of = picked
    return Scope(campaign, year, as_of, unit, units)


def compared_units(unit: Unit) -> list[Unit]:
    """The units a page compares side by side: the unit's children that are areas
    (districts, counties, zones), not departments."""
    return list(
        Unit.objects.filter(parent=unit, is_active=True)
        .exclude(kind=Unit.Kind.DEPARTMENT)
        .order_by("sort_order", "pk")
    )


# --- dashboard ----------------------------------------------------------------------


@dataclass
class Tile:
    indicator: Indicator
    value: object
    value_text: str
    target_text: str
    rate: float | None
    pro_rata: float
    ahead: bool | None

    @property
    def rate_percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"

    @property
    def bar_width(self) -> int:
        return 0 if self.rate is None else max(0, min(100, round(self.rate * 100)))


@dataclass
class Dashboard:
    tiles: list[Tile]
    checkpoints: list[tuple[str, bool | None]]
    trend: dict
    compare: dict
    lights: dict[str, int]
    others: list[tuple[Indicator, str]] = field(default_factory=list)


def dashboard(user: User, scope: Scope) -> Dashboard:
    """The dashboard's figures from a bounded number of grouped queries, whatever the
    number of projects: the tiles in one evaluation, the four checkpoints in one more,
    each trend line in one query grouped by date, the warning lights in one aggregate."""
    unit, year, as_of = scope.unit, scope.year, scope.as_of
    targets = list(
        Target.objects.filter(unit=unit, year=year, indicator__is_active=True)
        .select_related(
            "indicator",
            "indicator__fixed_unit",
            "indicator__base_indicator",
            "indicator__denominator",
        )
        .order_by("indicator__sort_order", "indicator__code")
    )
    # every figure of the page in one batch: one aggregate query per registry
    memo: dict = {}
    period = Period.year_to_date(year, as_of)
    kinds = [kind for kind, _label in CHECKPOINTS]
    judged = [t for t in targets if t.indicator.in_checkpoints]  # checkpoint_targets' rows
    others = _other_indicators(unit)
    charted = [t for t in targets if t.indicator.kind == Indicator.Kind.COMPUTED][:6]
    children = compared_units(unit)
    compared = [(t.indicator, child, period) for t in charted for child in children]
    evaluate_many(
        [(t.indicator, unit, period) for t in targets]
        + checkpoint_requests(judged, unit, year, as_of, kinds)
        + [(i, unit, period) for i in others]
        + [r for t in charted for r in monthly_requests(t.indicator, unit, year, as_of)]
        + compared,
        memo,
    )
    tiles = [
        Tile(
            target.indicator,
            c.value,
            display(c.value, target.indicator.display_unit),
            display(c.target, target.indicator.display_unit),
            c.rate,
            c.pro_rata,
            c.ahead,
        )
        for target, c in zip(
            targets, completion_many(targets, unit, year, as_of, memo), strict=True
        )
    ]
    statuses = checkpoint_statuses(unit, year, as_of, kinds, targets=judged, memo=memo)
    checkpoints = [(label, statuses[kind]) for kind, label in CHECKPOINTS]
    # monthly trend: year-to-date value at each month end, against target × 序时进度
    months = list(range(1, as_of.month + 1))
    series = []
    for target in charted:
        values = completion_by_month(target.indicator, unit, year, as_of, target.value, memo)
        series.append({"name": target.indicator.name, "values": values[: len(months)]})
    pro_rata_line = [
        round(pro_rata(min(Period.month(year, m).end, as_of)) * 100, 1) for m in months
    ]
    trend = {
        "months": [f"{m}月" for m in months],
        "series": series,
        "pro_rata": {"name": _("序时进度"), "values": pro_rata_line},
    }
    # units side by side on the targeted computed indicators (in the batch above)
    compare = {"units": [u.name for u in children], "series": []}
    if children:
        values = iter(evaluate_many(compared, memo))
        for target in charted:
            ind = target.indicator
            compare["series"].append(
                {
                    "name": ind.name + (_("(亿元)") if ind.display_unit == "元" else ""),
                    "values": [chart_number(next(values), ind.display_unit) for _u in children],
                }
            )
    projects = Project.objects.visible_to(user).in_subtree(unit)
    counts = warning_light_counts(projects, as_of, campaign_for(unit, year))
    values = evaluate_many([(i, unit, period) for i in others], memo)  # already in the memo
    other_values = [(i, display(v, i.display_unit)) for i, v in zip(others, values, strict=True)]
    return Dashboard(tiles, checkpoints, trend, compare, counts, other_values)


def _other_indicators(unit: Unit) -> list[Indicator]:
    return [
        i
        for i in Indicator.objects.filter(
            is_active=True, kind__in=[Indicator.Kind.COMPUTED, Indicator.Kind.REPORTED]
        ).select_related("fixed_unit", "base_indicator", "denominator")
        if effective_unit(i, unit) is not None
    ]


# --- 调度 dispatch --------------------------------------------------------------------


def dispatch_period(request, scope: Scope) -> Period:
    """The dispatch month: ``?period=2024-10``, default the as-of month."""
    text = request.GET.get("period", "").strip()
    if text:
        try:
            period = Period.parse(text)
            if period.start.month == period.end.month:
                return period
        except ValueError:
            pass
    return Period.month(scope.as_of.year, scope.as_of.month)


def due_projects(user: User, unit: Unit, period: Period):
    """Projects of ``unit``'s subtree that owe reports in the month ``period`` under their
    双高 cadence (``projects.cadence``): under construction (开工/复工, not 停缓建) by the
    period's end or at a stage a cadence rule names; annotated with ``cadence``,
    ``due_count``, ``reported_count`` and ``reported`` (everything owed is in)."""
    from gongjian.projects.cadence import with_cadence

    return with_cadence(Project.objects.visible_to(user).in_subtree(unit), period).select_related(
        "unit"
    )


def dispatch_status_by_unit(user: User, unit: Unit, period: Period) -> list[dict]:
    """Per compared unit: projects due, reported, missing (one grouped read)."""
    children = compared_units(unit) or [unit]
    rows = due_projects(user, unit, period).values_list("unit__path", "reported")
    stats = {u.pk: {"unit": u, "due": 0, "reported": 0} for u in children}
    for path, reported in rows:
        for u in children:
            if path.startswith(u.path):
                stats[u.pk]["due"] += 1
                stats[u.pk]["reported"] += int(bool(reported))
                break
    for s in stats.values():
        s["missing"] = s["due"] - s["reported"]
        s["rate"] = f"{s['reported'] * 100 / s['due']:.0f}%" if s["due"] else "—"
    return list(stats.values())


# --- 包保 -------------------------------------------------------------------------------


def leader_problems(user: User, leader: User):
    """Problems of ``leader``'s projects (or assigned to them), open ones first, overdue first."""
    today = timezone.localdate()
    return (
        Problem.objects.filter(project__in=Project.objects.visible_to(user).values("pk"))
        .filter(Q(leader=leader) | Q(project__leader=leader))
        .select_related("project", "project__unit", "owner_unit")
        .annotate(
            is_open=ExpressionWrapper(Q(status__in=OPEN_STATUSES), output_field=BooleanField()),
            is_overdue=ExpressionWrapper(
                Q(status__in=OPEN_STATUSES, deadline__lt=today), output_field=BooleanField()
            ),
        )
        .order_by("-is_overdue", "-is_open", "deadline", "pk")
    )
