"""Page forms for appeals; the services apply the rules (the same as the API's)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.kit.forms import DateInput

from .models import AppealCategory, AppealStep, AppellantKind, CalendarDay, Channel, Satisfaction


class AppealForm(forms.Form):
    category = forms.ModelChoiceField(
        AppealCategory.objects.filter(is_active=True), label=_("诉求类别")
    )
    channel = forms.ChoiceField(choices=Channel.choices, label=_("来源渠道"))
    appellant_kind = forms.ChoiceField(choices=AppellantKind.choices, label=_("诉求人类型"))
    appellant_name = forms.CharField(label=_("诉求人"), max_length=100, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    enterprise = forms.CharField(
        label=_("涉及企业(名称或统一社会信用代码)"), max_length=200, required=False
    )
    project = forms.CharField(label=_("涉及项目编号"), max_length=40, required=False)
    title = forms.CharField(label=_("标题"), max_length=200)
    content = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 4}))
    address = forms.CharField(label=_("地点"), max_length=200, required=False)


class StepForm(forms.Form):
    action = forms.ChoiceField(
        choices=[c for c in AppealStep.Action.choices if c[0] != "receive"], label=_("办理环节")
    )
    unit = forms.IntegerField(label=_("承办单位"), required=False)
    reply = forms.CharField(
        label=_("答复内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    satisfaction = forms.ChoiceField(
        choices=[("", "—"), *Satisfaction.choices], label=_("满意度"), required=False
    )
    note = forms.CharField(label=_("说明"), required=False)


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DateInput())
    kind = forms.ChoiceField(choices=CalendarDay.Kind.choices, label=_("类型"))
    name = forms.CharField(label=_("名称"), max_length=50, required=False)
