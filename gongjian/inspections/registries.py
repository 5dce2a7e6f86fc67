"""The 拉练 results registry: lets a 赛马 scheme include tour scores as an indicator.

A computed indicator ``sum(score_centi)`` over ``tour_results`` with event
``held`` gives each unit its tour score (in 0.01 points) for tours closed in
the period; with several tours in the period the scores add up.
"""

from __future__ import annotations

from django.db.models import Q

from gongjian.indicators.registries import Event, FilterSpec, RegistrySpec, as_list
from gongjian.indicators.registries import register as register_registry
from gongjian.kit.dates import Period


def tour_result_registry() -> RegistrySpec:
    from .models import UnitResult

    def held(period: Period) -> Q:
        return Q(held_on__gte=period.start, held_on__lte=period.end)

    return RegistrySpec(
        key="tour_results",
        label="拉练成绩",
        queryset=lambda: UnitResult.objects.all(),
        unit_path="unit__path",
        measure_fields={
            "score_centi": "拉练得分(0.01分)",
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
