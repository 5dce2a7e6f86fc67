"""Forms of the operations page: setting a city up, rolling a year over."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.indicators.periods import YEARS


def _year_field(label) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=YEARS[0], max_value=YEARS[1])


class CitySetupForm(forms.Form):
    """``gongjian setup-city`` on a page: the same three inputs, the same checks."""

    code = forms.CharField(
        label=_("地级市行政区划代码"),
        max_length=6,
        help_text=_("GB/T 2260 六位代码,以 00 结尾"),
    )
    year = _year_field(_("攻坚年度"))
    office_login = forms.CharField(
        label=_("攻坚办管理员登录名"),
        max_length=150,
        help_text=_("新建的登录名;初始密码只在设置完成后显示一次"),
    )
    reset_password = forms.BooleanField(label=_("登录名已存在时重置密码"), required=False)


class RolloverForm(forms.Form):
    """``gongjian campaign_rollover`` on a page, for a unit whose campaign the user manages."""

    unit = forms.TypedChoiceField(label=_("单位"), coerce=int)
    from_year = _year_field(_("原年度"))
    to_year = _year_field(_("新年度"))
    factor = forms.DecimalField(
        label=_("目标系数"),
        required=False,
        min_value=0.01,
        max_value=100,
        decimal_places=3,
        help_text=_("不填则不生成目标;填 1.1 即新目标 = 上年目标 × 1.1(取整),之后可在目标页调整"),
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]

    def clean(self):
        data = super().clean()
        start, end = data.get("from_year"), data.get("to_year")
        if start and end and end <= start:
            self.add_error("to_year", _("新年度须晚于原年度"))
        return data
