"""Page forms for policies: the rules and the benefit are edited as JSON in the rule
language and validated by the model (Chinese messages naming the condition)."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.kit.forms import DateInput

from .models import Policy

RULES_HELP = _(
    '例如 {"all": [{"field": "tier", "op": "in", "value": ["ge_1bn"]}, '
    '{"field": "labels", "op": "has", "value": "高新技术企业"}]};留空表示所有企业适用'
)
BENEFIT_HELP = _(
    '固定金额 {"amount": 200000}(元),或公式 {"formula": {"base": "latest_revenue", "rate": "0.001", "max": 500000}}'
)


class JSONText(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 6, "class": "gj-mono"})

    def prepare_value(self, value):
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False, indent=2)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if not value or not value.strip():
            return {}
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("不是有效的 JSON(第 %(line)s 行第 %(col)s 列:%(msg)s)"),
                params={"line": exc.lineno, "col": exc.colno, "msg": exc.msg},
            ) from None


class PolicyForm(forms.Form):
    code = forms.CharField(label=_("政策编号"), max_length=40)
    name = forms.CharField(label=_("政策名称"), max_length=200)
    unit = forms.ModelChoiceField(queryset=None, label=_("发布单位"))
    department = forms.CharField(label=_("兑现部门"), max_length=100, required=False)
    mode = forms.ChoiceField(choices=Policy.Mode.choices, label=_("兑现方式"))
    summary = forms.CharField(
        label=_("政策内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    rules = JSONText(label=_("适用条件(JSON)"), required=False, help_text=RULES_HELP)
    benefit = JSONText(label=_("兑现标准(JSON)"), help_text=BENEFIT_HELP)
    valid_from = forms.DateField(label=_("有效期起"), widget=DateInput())
    valid_to = forms.DateField(label=_("有效期止"), widget=DateInput(), required=False)

    def __init__(self, *args, units=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if editing:
            self.fields["code"].disabled = True


class CheckForm(forms.Form):
    enterprise = forms.CharField(label=_("企业名称或统一社会信用代码"), max_length=200)


class PayForm(forms.Form):
    """拨付: the amount paid (元), the date, the payment voucher."""

    amount = forms.IntegerField(label=_("拨付金额(元)"), min_value=1)
    paid_on = forms.DateField(label=_("拨付日期"), widget=DateInput())
    voucher = forms.CharField(label=_("拨付凭证号"), max_length=100)
