"""Page forms of the financing platform: the same rules as the API (the model's and the
service's), so both refuse the same input with the same Chinese message."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.enterprises.models import Tier

from .models import Collateral, NeedKind, Stage


class NeedForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("企业"), queryset=None)  # type: ignore[arg-type]
    kind = forms.ChoiceField(label=_("需求类型"), choices=NeedKind.choices)
    title = forms.CharField(label=_("需求标题"), max_length=200)
    posted_on = forms.DateField(label=_("发布日期"), required=False)
    amount_wan = forms.DecimalField(
        label=_("融资金额(万元)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    term = forms.IntegerField(label=_("期限(月)"), required=False, min_value=1, max_value=600)
    purpose = forms.CharField(label=_("资金用途"), max_length=200, required=False)
    collateral = forms.ChoiceField(
        label=_("可提供的担保方式"), choices=Collateral.choices, required=False
    )
    offering = forms.CharField(label=_("产品或服务"), max_length=200, required=False)
    customers = forms.CharField(label=_("目标客户"), max_length=200, required=False)
    roles = forms.CharField(label=_("岗位"), max_length=200, required=False)
    headcount = forms.IntegerField(label=_("人数"), required=False, min_value=1)
    notes = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises


class ProductForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("金融机构"), queryset=None)  # type: ignore[arg-type]
    name = forms.CharField(label=_("产品名称"), max_length=100)
    amount_min_wan = forms.DecimalField(
        label=_("最低额度(万元)"), min_value=0, max_digits=14, decimal_places=2, initial=0
    )
    amount_max_wan = forms.DecimalField(
        label=_("最高额度(万元)"), min_value=0, max_digits=14, decimal_places=2
    )
    term_min = forms.IntegerField(label=_("最短期限(月)"), min_value=1, max_value=600, initial=1)
    term_max = forms.IntegerField(label=_("最长期限(月)"), min_value=1, max_value=600, initial=12)
    rate_min = forms.DecimalField(
        label=_("最低年利率(%)"), min_value=0, max_value=100, decimal_places=2, initial=0
    )
    rate_max = forms.DecimalField(
        label=_("最高年利率(%)"), min_value=0, max_value=100, decimal_places=2, initial=0
    )
    industries = forms.CharField(
        label=_("适用行业"), required=False, help_text=_("多个行业用顿号分隔;不填为不限")
    )
    tiers = forms.MultipleChoiceField(
        label=_("适用企业档次"),
        choices=Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选为不限"),
    )
    collateral = forms.ChoiceField(label=_("担保方式"), choices=Collateral.choices)
    requirements = forms.CharField(
        label=_("准入条件"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    is_active = forms.BooleanField(label=_("在售"), required=False, initial=True)

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions


class StepForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("进展"), choices=[c for c in Stage.choices if c[0] != Stage.MATCHED]
    )
    occurred_on = forms.DateField(label=_("日期"), required=False)
    amount_wan = forms.DecimalField(
        label=_("金额(万元)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    note = forms.CharField(label=_("说明(未通过时填原因)"), max_length=200, required=False)


class ConsentForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("金融机构"), queryset=None)  # type: ignore[arg-type]
    granted_on = forms.DateField(label=_("授权日期"), required=False)
    note = forms.CharField(label=_("授权依据"), max_length=200, required=False)

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions


class InstitutionForm(forms.Form):
    name = forms.CharField(label=_("机构名称"), max_length=100)
    kind = forms.ChoiceField(label=_("机构类型"), choices=[])
    contact = forms.CharField(label=_("联系人"), max_length=50, required=False)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)

    def __init__(self, *args, **kwargs):
        from .models import Institution

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Institution.Kind.choices


def split_list(text: str) -> list[str]:
    """“制造业、新材料, 化工” → ["制造业", "新材料", "化工"]."""
    for sep in (",", ",", ";", ";", " "):
        text = text.replace(sep, "、")
    return [part.strip() for part in text.split("、") if part.strip()]
