"""Page forms for leads and outreach (types and required fields; the rules are the
services')."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.kit.forms import DateInput
from gongjian.projects.models import Category

from .models import LeadStage, Outreach


class LeadForm(forms.Form):
    enterprise = forms.CharField(
        label=_("企业"), help_text=_("企业库中的企业名称或统一社会信用代码"), max_length=200
    )
    name = forms.CharField(label=_("项目名称"), max_length=200)
    unit = forms.ModelChoiceField(label=_("责任单位"), queryset=None)
    intended_investment_wan = forms.DecimalField(
        label=_("意向投资额(万元)"), min_value=0, decimal_places=2
    )
    category = forms.ChoiceField(label=_("项目类别"), choices=Category.choices)
    industry_cluster = forms.CharField(label=_("产业集群"), max_length=50, required=False)
    contacted_on = forms.DateField(label=_("首次接洽日期"), widget=DateInput())
    expected_sign_on = forms.DateField(label=_("预计签约日期"), required=False, widget=DateInput())
    next_step = forms.CharField(label=_("下一步工作"), max_length=200, required=False)
    next_step_due = forms.DateField(label=_("下一步完成时限"), required=False, widget=DateInput())

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class TransitionForm(forms.Form):
    stage = forms.ChoiceField(label=_("推进到"), choices=LeadStage.choices)
    occurred_on = forms.DateField(label=_("日期"), widget=DateInput())
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    reason = forms.CharField(label=_("终止原因"), max_length=200, required=False)
    project_code = forms.CharField(
        label=_("关联已有清单项目(项目编号,可不填)"), max_length=40, required=False
    )


class OutreachForm(forms.Form):
    held_on = forms.DateField(label=_("日期"), widget=DateInput())
    kind = forms.ChoiceField(label=_("方式"), choices=Outreach.Kind.choices)
    theme = forms.ChoiceField(label=_("主题"), choices=Outreach.Theme.choices)
    title = forms.CharField(label=_("活动名称"), max_length=200)
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    unit = forms.ModelChoiceField(label=_("组织单位"), queryset=None)
    leader_name = forms.CharField(label=_("带队领导"), max_length=100, required=False)
    enterprises = forms.CharField(
        label=_("对接企业"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一家:企业库中的企业名称或统一社会信用代码"),
    )
    notes = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
