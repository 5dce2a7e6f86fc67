"""The parks as the indicator engine sees them, and the filters this app adds to the
other registries: a project's or an enterprise's park (``park``: park codes) and a
project's pillar (``pillar``: a pillar's id — its categories or tags)."""

from __future__ import annotations

from django.db.models import Q

from gongjian.indicators.registries import FilterSpec, RegistrySpec, as_list, get_registry
from gongjian.indicators.registries import register as register_registry


def park_registry() -> RegistrySpec:
    """The registry ``parks``: count the parks (by level), or sum their planned area."""
    from .models import Park

    return RegistrySpec(
        key="parks",
        label="园区",
        queryset=lambda: Park.objects.all(),
        unit_path="unit__path",
        measure_fields={"area_km2": "规划面积(平方公里)"},
        events={},
        filters={
            "level": FilterSpec("园区级别", (str, list), lambda v: Q(level__in=as_list(v))),
            "code": FilterSpec("园区编码", (str, list), lambda v: Q(code__in=as_list(v))),
        },
    )


def in_parks(codes) -> Q:
    """The projects in any of the parks ``codes`` (an uncorrelated subquery)."""
    from .models import Park

    through = Park.projects.through.objects.filter(park__code__in=as_list(codes))
    return Q(pk__in=through.values("project_id"))


def enterprises_in_parks(codes) -> Q:
    from .models import Park

    through = Park.enterprises.through.objects.filter(park__code__in=as_list(codes))
    return Q(pk__in=through.values("enterprise_id"))


def in_pillar(pk) -> Q:
    """The projects of a pillar: of its categories, or carrying any of its tags."""
    from gongjian.projects.models import Project

    from .models import Pillar

    pillar = Pillar.objects.filter(pk=pk).values_list("categories", flat=True).first()
    categories = list(pillar or [])
    tags = Pillar.tags.through.objects.filter(pillar_id=pk).values("tag_id")
    tagged = Project.tags.through.objects.filter(tag_id__in=tags).values("project_id")
    return Q(category__in=categories) | Q(pk__in=tagged)


def register() -> None:
    register_registry(park_registry())
    get_registry("projects").add_filter("park", FilterSpec("所在园区", (str, list), in_parks))
    get_registry("projects").add_filter("pillar", FilterSpec("战略支柱", (int,), in_pillar))
    get_registry("enterprises").add_filter(
        "park", FilterSpec("所在园区", (str, list), enterprises_in_parks)
    )
