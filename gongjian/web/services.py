"""Writes of the web app's own configuration."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from gongjian.units.models import Unit, User
from gongjian.units.selectors import is_office

from .models import MapConfig


@transaction.atomic
def map_config_set(
    *,
    actor: User | None,
    unit: Unit,
    map_name: str,
    package_map: str = "",
    geojson: str = "",
) -> MapConfig:
    """Set the district map of ``unit`` (a package map name or an uploaded GeoJSON)."""
    if actor is not None and not is_office(actor):
        raise PermissionDenied("只有攻坚办可以配置地图")
    config = MapConfig.objects.filter(unit=unit).first() or MapConfig(unit=unit)
    config.map_name = map_name
    config.package_map = package_map
    config.geojson = geojson
    config.full_clean()
    config._history_user = actor
    config.save()
    return config
