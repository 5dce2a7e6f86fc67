"""Page forms for the strategy and the parks; the services apply the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.enterprises.models import IndustryCluster
from gongjian.kit.forms import latitude_field, longitude_field
from gongjian.projects.models import Category

from .models import Park


def _lines(text: str) -> list[str]:
    for sep in "、,,;;\r\t ":
        text = text.replace(sep, "\n")
    return [t for t in (line.strip() for line in text.split("\n")) if t]


class PillarForm(forms.Form):
    code = forms.SlugField(label=_("标识"), max_length=40)
    name = forms.CharField(label=_("名称"), max_length=60)
    description = forms.CharField(label=_("说明"), max_length=300, required=False)
    sort_order = forms.IntegerField(label=_("排序"), min_value=0, max_value=999, initial=0)
    categories = forms.MultipleChoiceField(
        label=_("项目类别"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.MultipleChoiceField(
        label=_("项目标签"), required=False, widget=forms.CheckboxSelectMultiple
    )
    indicators = forms.CharField(
        label=_("指标代码"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一个指标代码"),
    )
    policies = forms.ModelMultipleChoiceField(
        label=_("政策"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, tags, policies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = [(t.slug, t.name) for t in tags]
        self.fields["policies"].queryset = policies

    def clean_indicators(self) -> list[str]:
        return _lines(self.cleaned_data["indicators"])


class ThemeForm(forms.Form):
    name = forms.CharField(label=_("标题"), max_length=60)
    terms = forms.CharField(
        label=_("高频词"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("该标题下的高频词,以顿号或换行分隔"),
    )
    sort_order = forms.IntegerField(label=_("排序"), min_value=0, max_value=999, initial=0)

    def clean_terms(self) -> list[str]:
        return _lines(self.cleaned_data["terms"])


class ParkForm(forms.Form):
    code = forms.SlugField(label=_("园区编码"), max_length=40)
    name = forms.CharField(label=_("园区名称"), max_length=100)
    level = forms.ChoiceField(label=_("级别"), choices=Park.Level.choices)
    area_km2 = forms.DecimalField(
        label=_("规划面积(平方公里)"), max_digits=8, decimal_places=2, min_value=0
    )
    unit = forms.ModelChoiceField(label=_("所属单位"), queryset=None)
    latitude = latitude_field()
    longitude = longitude_field()
    clusters = forms.CharField(label=_("主导产业集群"), max_length=200, required=False)

    def __init__(self, *args, units, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if editing:
            self.fields["code"].disabled = True


class LinkForm(forms.Form):
    codes = forms.CharField(
        label=_("编码"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("每行一个;留空则清除"),
    )

    def clean_codes(self) -> list[str]:
        return _lines(self.cleaned_data["codes"])


class TrackForm(forms.Form):
    track = forms.ChoiceField(
        label=_("发展定位"), choices=[("", "—"), *IndustryCluster.Track.choices], required=False
    )
