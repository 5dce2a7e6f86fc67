"""Reads of the strategy and the parks: the rows from the scoped querysets, every figure
from the indicator engine (unsaved indicators over the ``projects``, ``enterprises``,
``parks`` and ``industry_clusters`` registries, evaluated in one batch a page)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gongjian.enterprises.models import IndustryCluster
from gongjian.indicators.display import display
from gongjian.indicators.engine import evaluate_many
from gongjian.indicators.models import Campaign, Indicator
from gongjian.kit.dates import Period
from gongjian.kit.scope import Action
from gongjian.units.models import Unit

from .models import Park, Pillar, Theme

# 千亿级产业集群 of the standard set (its threshold is the indicator's own filter)
CLUSTERS_100BN = "matrix_21152.clusters_ge_100bn"


def pillars_for(
    campaign: Campaign | None, prefetch: tuple[str, ...] = ("indicators", "tags", "policies")
) -> list[Pillar]:
    """``campaign``'s pillars with ``prefetch`` (the dashboard needs none)."""
    if campaign is None:
        return []
    return list(Pillar.objects.filter(campaign=campaign).prefetch_related(*prefetch))


def themes_for(campaign: Campaign | None) -> list[Theme]:
    """The review's headings the office set for ``campaign``, in order (none: the review
    keeps its own order)."""
    if campaign is None:
        return []
    return list(Theme.objects.filter(campaign=campaign))


# --- pillar figures -------------------------------------------------------------------


def _projects(code: str, filters: dict, *, measure_field: str = "", event: str = "") -> Indicator:
    return Indicator.adhoc(
        code, "projects", measure_field=measure_field, event=event, filters=filters
    )


# (label, display unit, measure field, event) of the figures shown per pillar and per park
PROJECT_FIGURES = [
    ("项目数", "个", "", ""),
    ("总投资", "元", "total_investment", ""),
    ("本年开复工项目", "个", "", "started_or_resumed"),
    ("累计完成投资", "元", "completed_investment", ""),
]


@dataclass
class Figure:
    label: str
    value: object
    text: str


def pillar_requests(pillar: Pillar, unit: Unit, period: Period) -> list:
    filters = {"pillar": pillar.pk}
    return [
        (_projects(f"pillar.{pillar.pk}.{n}", filters, measure_field=m, event=e), unit, period)
        for n, (_label, _u, m, e) in enumerate(PROJECT_FIGURES)
    ]


def pillar_figures(pillar: Pillar, unit: Unit, period: Period) -> list[Figure]:
    """The pillar's projects (its categories and tags) in ``unit``'s subtree: how many,
    their total investment, how many started or resumed in the period, the investment
    completed — from the engine."""
    return pillars_figures([pillar], unit, period)[0]


def pillars_figures(pillars: list[Pillar], unit: Unit, period: Period) -> list[list[Figure]]:
    """``pillar_figures`` of each of ``pillars``, in one engine batch."""
    values = evaluate_many([r for p in pillars for r in pillar_requests(p, unit, period)])
    n = len(PROJECT_FIGURES)
    return [
        [
            Figure(label, v, display(v, du))
            for (label, du, _m, _e), v in zip(
                PROJECT_FIGURES, values[k * n : k * n + n], strict=True
            )
        ]
        for k in range(len(pillars))
    ]


# --- parks ----------------------------------------------------------------------------


@dataclass
class ParkRow:
    park: Park
    figures: list[Figure]


@dataclass
class ParkBoard:
    totals: list[Figure] = field(default_factory=list)
    rows: list[ParkRow] = field(default_factory=list)


def parks_for(user, unit: Unit):
    return (
        Park.objects.restrict(user, Action.VIEW)
        .filter(unit__path__startswith=unit.path)
        .select_related("unit")
    )


def _park_indicators(park: Park) -> list[tuple[str, str, Indicator]]:
    """(label, display unit, indicator) of a park's figures: its projects' and its
    enterprises'."""
    filters = {"park": park.code}
    return [
        *[
            (label, du, _projects(f"park.{park.code}.{n}", filters, measure_field=m, event=e))
            for n, (label, du, m, e) in enumerate(PROJECT_FIGURES)
        ],
        (
            "入园企业",
            "户",
            Indicator.adhoc(f"park.{park.code}.enterprises", "enterprises", filters=filters),
        ),
    ]


def park_figures(park: Park, unit: Unit, period: Period) -> list[Figure]:
    """One park's figures (as on the parks board), counted in ``unit``'s subtree."""
    indicators = _park_indicators(park)
    values = evaluate_many([(i, unit, period) for _l, _u, i in indicators])
    return [
        Figure(label, v, display(v, du))
        for (label, du, _i), v in zip(indicators, values, strict=True)
    ]


def park_board(user, unit: Unit, period: Period) -> ParkBoard:
    """Every park of ``unit``'s subtree the user may see, with its projects' figures and
    its enterprises, and the parks' totals (count by level, area) — one engine batch."""
    parks = list(parks_for(user, unit))
    levels = [(str(label), value) for value, label in Park.Level.choices]
    totals = [
        ("园区数", "个", Indicator.adhoc("parks.count", "parks")),
        *[
            (f"{label}园区", "个", Indicator.adhoc(f"parks.{v}", "parks", filters={"level": v}))
            for label, v in levels
        ],
        ("规划面积", "平方公里", Indicator.adhoc("parks.area", "parks", measure_field="area_km2")),
    ]
    per_park = [(park, _park_indicators(park)) for park in parks]
    figures, rows = _board_figures(totals, per_park, unit, period)
    return ParkBoard(figures, [ParkRow(park, row) for park, row in rows])


def _board_figures(totals: list, per_row: list, unit: Unit, period: Period):
    """A board's figures in one engine batch: ``totals`` ((label, display unit,
    indicator) each) and, per row object, its own list of such; (the totals' figures,
    [(row object, its figures)])."""
    requests = [(i, unit, period) for _l, _u, i in totals] + [
        (i, unit, period) for _o, inds in per_row for _l, _u, i in inds
    ]
    values = iter(evaluate_many(requests))

    def figures(specs: list) -> list[Figure]:
        out = []
        for label, du, _i in specs:
            v = next(values)
            out.append(Figure(str(label), v, display(v, du)))
        return out

    head = figures(totals)
    return head, [(obj, figures(inds)) for obj, inds in per_row]


def park_points(user, unit: Unit) -> list[dict]:
    """The parks with a location, for the map's parks layer (name, level, unit)."""
    return [
        {
            "name": p.name,
            "value": [float(p.longitude), float(p.latitude)],
            "level": p.get_level_display(),
            "unit": p.unit.name,
        }
        for p in parks_for(user, unit).exclude(latitude=None).exclude(longitude=None)
    ]


# --- clusters -------------------------------------------------------------------------


@dataclass
class ClusterBoard:
    totals: list[Figure] = field(default_factory=list)
    rows: list[tuple[IndustryCluster, list[Figure]]] = field(default_factory=list)


def cluster_board(user, unit: Unit, period: Period) -> ClusterBoard:
    """The industrial clusters the user sees (a city's, shown in its districts too): per
    cluster its projects, their investment, its members' revenue; the clusters by track
    and the 千亿级 count — one engine batch, counted in ``unit``'s subtree."""
    clusters = list(IndustryCluster.objects.restrict(user, Action.VIEW).select_related("unit"))
    totals = [
        ("产业集群", "个", Indicator.adhoc("clusters.count", "industry_clusters")),
        *[
            (
                f"{label}产业集群",
                "个",
                Indicator.adhoc(f"clusters.{v}", "industry_clusters", filters={"track": v}),
            )
            for v, label in IndustryCluster.Track.choices
        ],
    ]
    hundred_bn = Indicator.objects.filter(code=CLUSTERS_100BN, is_active=True).first()
    if hundred_bn is not None:
        totals.append((hundred_bn.name, "个", hundred_bn))
    per_cluster = []
    for cluster in clusters:
        projects = {"industry_cluster": cluster.name}
        per_cluster.append(
            (
                cluster,
                [
                    ("项目数", "个", _projects(f"cluster.{cluster.pk}.n", projects)),
                    (
                        "总投资",
                        "元",
                        _projects(
                            f"cluster.{cluster.pk}.ti", projects, measure_field="total_investment"
                        ),
                    ),
                    (
                        "集群企业营收",
                        "元",
                        Indicator.adhoc(
                            f"cluster.{cluster.pk}.revenue",
                            "industry_clusters",
                            measure_field="revenue",
                            filters={"name": cluster.name},
                        ),
                    ),
                ],
            )
        )
    figures, rows = _board_figures(totals, per_cluster, unit, period)
    return ClusterBoard(figures, rows)
