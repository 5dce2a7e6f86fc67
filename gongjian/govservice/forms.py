"""Page forms for the service map; the services apply the rules (the same as Excel's)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.kit.forms import latitude_field, longitude_field

from .models import ServiceItem, ServicePoint


class SearchForm(forms.Form):
    q = forms.CharField(label=_("要办什么事"), max_length=50, required=False)


class ItemForm(forms.Form):
    code = forms.CharField(label=_("事项编码"), max_length=40)
    name = forms.CharField(label=_("事项名称"), max_length=200)
    keywords = forms.CharField(label=_("关键词"), max_length=300, required=False)
    department = forms.CharField(label=_("主管部门"), max_length=100, required=False)
    time_limit_days = forms.IntegerField(
        label=_("承诺办结时限(工作日)"), min_value=0, max_value=365, initial=0
    )
    unit = forms.ModelChoiceField(queryset=None, label=_("维护单位"))
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, units, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if editing:
            self.fields["code"].disabled = True


class PointForm(forms.Form):
    code = forms.CharField(label=_("网点编码"), max_length=40)
    name = forms.CharField(label=_("网点名称"), max_length=200)
    kind = forms.ChoiceField(choices=ServicePoint.Kind.choices, label=_("网点类型"))
    unit = forms.ModelChoiceField(queryset=None, label=_("所属单位"))
    address = forms.CharField(label=_("地址"), max_length=200)
    latitude = latitude_field()
    longitude = longitude_field()
    hours = forms.CharField(label=_("办公时间"), max_length=200, required=False)
    phone = forms.CharField(label=_("咨询电话"), max_length=50, required=False)
    items = forms.ModelMultipleChoiceField(
        queryset=ServiceItem.objects.none(),
        label=_("可办事项"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_public = forms.BooleanField(label=_("在服务地图公开"), required=False, initial=True)
    note = forms.CharField(label=_("内部备注"), max_length=300, required=False)

    def __init__(self, *args, units, items, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["items"].queryset = items
        if editing:
            self.fields["code"].disabled = True
