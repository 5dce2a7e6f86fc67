"""Forms of the leaders' pages: the city map's configuration."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class MapConfigForm(forms.Form):
    map_name = forms.CharField(label=_("地图名称"), max_length=50)
    package_map = forms.CharField(
        label=_("内置地图文件名"),
        max_length=80,
        required=False,
        help_text=_("echarts-china-cities-pypkg 中的文件名,如 liao2_ning2_jin3_zhou1"),
    )
    geojson_file = forms.FileField(label=_("或上传 GeoJSON"), required=False)

    def clean_geojson_file(self):
        f = self.cleaned_data.get("geojson_file")
        if not f:
            return ""
        if f.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("GeoJSON 文件不能超过 20MB"))
        try:
            return f.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("GeoJSON 须为 UTF-8 编码")) from exc
