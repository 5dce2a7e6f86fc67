"""Reads for the service map and the 办件 pages: the public search (public fields only),
the office's lists from the scoped querysets, every figure from the indicator engine."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from gongjian.indicators.display import display
from gongjian.indicators.engine import evaluate_by_unit, evaluate_many
from gongjian.indicators.models import Indicator
from gongjian.kit.dates import Period
from gongjian.kit.scope import Action, path_ids
from gongjian.units.maps import map_config_for
from gongjian.units.models import MapConfig, Unit

from .models import ServiceItem, ServicePoint, Transaction

# the board's figures, each an indicator of the standard set
FIGURES = [
    "govservice.received",
    "govservice.completed",
    "govservice.avg_handling_minutes",
    "govservice.on_time_rate",
    "service_efficiency_gain",
]
EARTH_KM = 6371.0088
MAX_QUERY = 50


# --- the public map -------------------------------------------------------------------


def public_city(code: str | None) -> Unit | None:
    """The city whose map is shown: the top unit named by its code, or else the first top
    unit that has public points."""
    tops = Unit.objects.filter(parent__isnull=True, is_active=True).order_by("sort_order", "pk")
    if code:
        return tops.filter(code=code).first()
    with_points = ServicePoint.objects.filter(is_public=True).values_list("unit__path", flat=True)
    paths = set(with_points[:1000])
    return next((u for u in tops if any(p.startswith(u.path) for p in paths)), None)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


@dataclass
class PublicPoint:
    """What the public may know of a point."""

    code: str
    name: str
    kind: str
    unit: str
    address: str
    hours: str
    phone: str
    latitude: float | None
    longitude: float | None
    services: list[str]
    distance_km: float | None = None

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "unit": self.unit,
            "address": self.address,
            "value": [self.longitude, self.latitude] if self.latitude is not None else None,
        }


@dataclass
class Search:
    city: Unit | None
    query: str = ""
    items: list[ServiceItem] = field(default_factory=list)
    points: list[PublicPoint] = field(default_factory=list)
    located: bool = False
    map_config: MapConfig | None = None


def _terms(query: str) -> list[str]:
    return [t for t in query.replace(",", " ").replace(",", " ").split() if t][:5]


def public_search(
    city: Unit | None, query: str = "", lat: float | None = None, lon: float | None = None
) -> Search:
    """The public points of ``city`` — those handling a service matching every term of
    ``query`` (name, keywords, code or department), when one is given — nearest first
    when the visitor's location is given, else by district and name."""
    query = query.strip()[:MAX_QUERY]
    out = Search(city, query, located=lat is not None and lon is not None)
    if city is None:
        return out
    out.map_config = map_config_for(city)
    points: QuerySet = ServicePoint.objects.filter(
        is_public=True, unit__path__startswith=city.path
    ).select_related("unit")
    items = ServiceItem.objects.filter(is_active=True, unit__path__in=_paths_up_and_down(city))
    if query:
        for term in _terms(query):
            items = items.filter(
                Q(name__icontains=term)
                | Q(keywords__icontains=term)
                | Q(code__iexact=term)
                | Q(department__icontains=term)
            )
        out.items = list(items.order_by("name")[:30])
        points = points.filter(items__in=out.items).distinct()
    handled: dict[int, list[str]] = {}
    through = ServicePoint.items.through.objects.filter(
        servicepoint__in=points, serviceitem__is_active=True
    )
    if query:
        through = through.filter(serviceitem__in=out.items)
    for point_id, name in through.values_list("servicepoint_id", "serviceitem__name").order_by(
        "serviceitem__name"
    ):
        handled.setdefault(point_id, []).append(name)
    for p in points.order_by("unit__sort_order", "kind", "name"):
        lat_p = float(p.latitude) if p.latitude is not None else None
        lon_p = float(p.longitude) if p.longitude is not None else None
        row = PublicPoint(
            p.code,
            p.name,
            p.get_kind_display(),
            p.unit.name,
            p.address,
            p.hours,
            p.phone,
            lat_p,
            lon_p,
            handled.get(p.pk, []),
        )
        if out.located and lat_p is not None and lon_p is not None:
            assert lat is not None and lon is not None
            row.distance_km = round(distance_km(lat, lon, lat_p, lon_p), 1)
        out.points.append(row)
    if out.located:
        out.points.sort(key=lambda r: (r.distance_km is None, r.distance_km or 0))
    return out


def _paths_up_and_down(city: Unit) -> QuerySet:
    """The paths of the units whose catalogue applies in ``city``: those above and below."""
    ids = path_ids(city.path)
    return Unit.objects.filter(Q(pk__in=ids) | Q(path__startswith=city.path)).values("path")


def parse_location(lat: str | None, lon: str | None) -> tuple[float | None, float | None]:
    """A location from query parameters; (None, None) when missing or out of range."""
    try:
        la, lo = float(lat or ""), float(lon or "")
    except ValueError:
        return None, None
    if not (-90 <= la <= 90 and -180 <= lo <= 180) or math.isnan(la) or math.isnan(lo):
        return None, None
    return la, lo


# --- the office's pages ---------------------------------------------------------------


@dataclass
class Board:
    unit: Unit
    period: Period
    figures: list[tuple[str, str]] = field(default_factory=list)  # (name, text)
    columns: list[str] = field(default_factory=list)
    by_unit: list[dict] = field(default_factory=list)


def board(unit: Unit, year: int, as_of: dt.date, children: list[Unit]) -> Board:
    """The 办件 indicators of ``unit`` and of each unit below it, from the engine."""
    period = Period.year_to_date(year, as_of)
    out = Board(unit, period)
    defined = {
        i.code: i
        for i in Indicator.objects.filter(code__in=FIGURES, is_active=True).select_related(
            "base_indicator", "denominator", "fixed_unit"
        )
    }
    indicators = [defined[c] for c in FIGURES if c in defined]
    values = evaluate_many([(i, unit, period) for i in indicators])
    out.figures = [
        (i.name, display(v, i.display_unit)) for i, v in zip(indicators, values, strict=True)
    ]
    if children and indicators:
        per = {i.code: evaluate_by_unit(i, children, period) for i in indicators}
        for child in children:
            out.by_unit.append(
                {
                    "unit": child,
                    "values": [
                        display(per[i.code].get(child.pk), i.display_unit) for i in indicators
                    ],
                }
            )
    out.columns = [i.name for i in indicators]
    return out


def points_for(user, unit: Unit | None = None, query: str = "") -> QuerySet:
    qs = ServicePoint.objects.restrict(user, Action.VIEW).select_related("unit")
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if query:
        qs = qs.filter(
            Q(name__icontains=query) | Q(code__iexact=query) | Q(address__icontains=query)
        )
    return qs


def items_for(user, query: str = "") -> QuerySet:
    qs = ServiceItem.objects.restrict(user, Action.VIEW).select_related("unit")
    if query:
        qs = qs.filter(
            Q(name__icontains=query) | Q(keywords__icontains=query) | Q(code__iexact=query)
        )
    return qs


def transactions_for(user, params) -> tuple[QuerySet, dict]:
    qs = Transaction.objects.restrict(user, Action.VIEW).select_related(
        "point", "item", "point__unit"
    )
    filters = {k: (params.get(k) or "").strip() for k in ("point", "item", "q")}
    if filters["point"]:
        qs = qs.filter(point__code=filters["point"])
    if filters["item"]:
        qs = qs.filter(item__code=filters["item"])
    if filters["q"]:
        qs = qs.filter(number__icontains=filters["q"])
    return qs, filters
