"""Page forms. Amounts are typed in 万元 and converted to integer 元."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.common.money import to_yuan
from gongjian.projects.models import Problem
from gongjian.projects.services import PROBLEM_FLOW


class WanField(forms.DecimalField):
    """An amount typed in 万元, cleaned to integer 元."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault("max_digits", 16)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return None if value is None else to_yuan(value, "万元")


class ProgressReportForm(forms.Form):
    investment_this_period = WanField(label=_("本期完成投资(万元)"))
    cumulative_investment = WanField(
        label=_("自开工累计完成投资(万元)"),
        required=False,
        help_text=_("不填则按上期累计加本期计算"),
    )
    progress_text = forms.CharField(
        label=_("形象进度"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    problems_text = forms.CharField(
        label=_("存在问题"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    photo = forms.ImageField(label=_("现场照片(可选)"), required=False)


class ProblemActionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("办理动作"), required=False)
    owner_unit = forms.ModelChoiceField(label=_("交办给"), queryset=None, required=False)
    comment = forms.CharField(
        label=_("办理意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    ACTION_LABELS = {
        Problem.Status.ASSIGNED: _("交办"),
        Problem.Status.RESOLVED: _("已解决"),
        Problem.Status.VERIFIED: _("销号"),
    }

    def __init__(self, *args, problem: Problem, units, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("仅填写意见"))]
        for status in sorted(PROBLEM_FLOW[Problem.Status(problem.status)]):
            label = self.ACTION_LABELS[status]
            if status == Problem.Status.ASSIGNED and problem.status == Problem.Status.RESOLVED:
                label = _("退回重办")
            choices.append((status, label))
        self.fields["to_status"].choices = choices
        self.fields["owner_unit"].queryset = units


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


class BatchEventForm(forms.Form):
    """Date and place of a 集中开工/签约 event."""

    held_on = forms.DateField(
        label=_("日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
