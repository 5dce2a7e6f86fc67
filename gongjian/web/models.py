"""Page configuration: the city map used by 挂图作战."""

from __future__ import annotations

import json
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjian.common.history import HistoricalRecords
from gongjian.units.models import Unit

PACKAGE_MAP_RE = re.compile(r"^[a-z0-9_]+$")


class MapConfig(models.Model):
    """The district map of a campaign's root unit: a map from ``echarts-china-cities-pypkg``
    (by its file name, e.g. ``liao2_ning2_jin3_zhou1`` for 锦州) or an uploaded GeoJSON whose
    feature ids are the districts' GB/T 2260 codes."""

    unit = models.OneToOneField(
        Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="map_config"
    )
    map_name = models.CharField(_("地图名称"), max_length=50, help_text=_("如“锦州”"))
    package_map = models.CharField(
        _("内置地图文件"),
        max_length=80,
        blank=True,
        help_text=_(
            "echarts-china-cities-pypkg 中的地图文件名(不含 .js),如 liao2_ning2_jin3_zhou1"
        ),
    )
    geojson = models.TextField(
        _("GeoJSON"),
        blank=True,
        help_text=_("上传的 GeoJSON;要素 id 或 properties.code 为区划代码"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("城市地图")
        verbose_name_plural = _("城市地图")

    def __str__(self) -> str:
        return f"{self.unit} · {self.map_name}"

    def clean(self) -> None:
        if not self.package_map and not self.geojson:
            raise ValidationError(_("请填写内置地图文件名或上传 GeoJSON"))
        if self.package_map and not PACKAGE_MAP_RE.match(self.package_map):
            raise ValidationError({"package_map": _("地图文件名只能包含小写字母、数字和下划线")})
        if self.package_map and self.geojson:
            raise ValidationError(_("内置地图与上传的 GeoJSON 只能选一个"))
        if self.package_map:
            from .maps import package_map_path

            if package_map_path(self.package_map) is None:
                raise ValidationError(
                    {"package_map": _("内置地图中没有“%(name)s”") % {"name": self.package_map}}
                )
        if self.geojson:
            try:
                data = json.loads(self.geojson)
            except ValueError as exc:
                raise ValidationError({"geojson": _("不是有效的 JSON:%(e)s") % {"e": exc}}) from exc
            if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
                raise ValidationError({"geojson": _("GeoJSON 须为 FeatureCollection")})
