"""The 拉练 results registry: lets a 赛马 scheme include tour scores as an indicator.

A unit scored in several tours of a period gets the mean of its scores weighted by
the tours' ``weight``, never their sum. The registry's rows are the units' results
(``UnitResult``) of closed tours, event ``held``; two measures make the weighted mean
as a ratio indicator (``Indicator.Kind.RATIO``):

- numerator: ``sum(weighted_score_centi)`` — each result's score in 0.01 points times
  its tour's weight;
- denominator: ``sum(weight_centi)`` — the tour's weight times 100;

so the ratio is the weighted mean score in points (two tours scoring 80 and 90 with
weights 1 and 2 give (8000 + 18000) / 300 = 86.6667). ``score_centi`` still sums the
raw scores, for a single tour's figure.
"""

from __future__ import annotations

from django.db.models import F, Q

from gongjian.indicators.registries import Event, FilterSpec, RegistrySpec, as_list
from gongjian.indicators.registries import register as register_registry
from gongjian.kit.dates import Period

WEIGHTED_SCORE = "weighted_score_centi"
WEIGHT = "weight_centi"


def tour_result_registry() -> RegistrySpec:
    from .models import UnitResult

    def held(period: Period) -> Q:
        return Q(held_on__gte=period.start, held_on__lte=period.end)

    def rows():
        return UnitResult.objects.annotate(
            **{
                WEIGHTED_SCORE: F("score_centi") * F("tour__weight"),
                WEIGHT: F("tour__weight") * 100,
            }
        )

    return RegistrySpec(
        key="tour_results",
        label="拉练成绩",
        queryset=rows,
        unit_path="unit__path",
        measure_fields={
            "score_centi": "拉练得分(0.01分)",
            WEIGHTED_SCORE: "拉练得分×权重(0.01分)",
            WEIGHT: "拉练权重(×100)",
            "project_count": "观摩项目数",
        },
        events={"held": Event("拉练", within=held)},
        filters={
            "quarter": FilterSpec("季度", (int, list), lambda v: Q(tour__quarter__in=as_list(v))),
            "tour": FilterSpec("拉练编号", (int, list), lambda v: Q(tour_id__in=as_list(v))),
        },
    )


def register() -> None:
    register_registry(tour_result_registry())
