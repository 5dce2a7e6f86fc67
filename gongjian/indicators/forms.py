"""Page forms of the indicator domain: the year's settings (年度设置)."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.kit.forms import DateInput

from .models import Campaign, Indicator, RankingItem, RankingScheme
from .registries import REGISTRIES
from .standard import CAMPAIGN_SETTINGS


class CampaignSettingsForm(forms.ModelForm):
    """The thresholds of the four light axes, the report and escalation deadlines and
    the data date; ``seen`` carries the settings' mark as the form was opened, so that a
    save over someone else's change is refused (``campaign_update``)."""

    seen = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Campaign
        fields = list(CAMPAIGN_SETTINGS)
        widgets = {"reporting_date": DateInput()}

    GROUPS = (
        (_("数据日期与时限"), ("reporting_date", "report_due_days", "problem_escalation_days")),
        (_("投资进度灯(落后序时进度)"), ("yellow_points", "red_points")),
        (_("开工灯与入库纳统灯"), ("start_red_months", "stats_yellow_months", "stats_red_months")),
        (_("资金支付灯"), ("funds_yellow_rate", "funds_red_rate")),
    )

    def groups(self):
        return [(title, [self[name] for name in names]) for title, names in self.GROUPS]


# --- 赛马方案 and 指标定义 ----------------------------------------------------------------


class RankingSchemeForm(forms.ModelForm):
    """A new ranking scheme: its code and name (the view sets the unit and the year)."""

    class Meta:
        model = RankingScheme
        fields = ["code", "name"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "scheme_%s")
        super().__init__(*args, **kwargs)


class RankingItemForm(forms.ModelForm):
    """One weighted indicator of a scheme, chosen among the active indicators."""

    class Meta:
        model = RankingItem
        fields = ["indicator", "weight", "scoring", "cap", "min_sample"]

    def __init__(self, *args, **kwargs):
        scheme = kwargs.pop("scheme")
        kwargs.setdefault("auto_id", f"item{scheme.pk}_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["indicator"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Indicator.objects.filter(is_active=True).order_by("sort_order", "code")
        field.error_messages["invalid_choice"] = _("所选指标不存在或未启用")


def registry_choices() -> list[tuple[str, str]]:
    return [(key, spec.label) for key, spec in REGISTRIES.items()]


class IndicatorDefineForm(forms.Form):
    """A new computed indicator: what it counts (registry, event, filters) and how."""

    code = forms.CharField(label=_("指标代码"), max_length=120)
    name = forms.CharField(label=_("指标名称"), max_length=200)
    registry = forms.ChoiceField(label=_("数据清单"), choices=())
    period_mode = forms.ChoiceField(
        label=_("期间方式"),
        choices=Indicator.PeriodMode.choices,
        initial=Indicator.PeriodMode.EVENT,
    )
    event = forms.CharField(label=_("事件"), max_length=40, required=False)
    filters = forms.CharField(
        label=_("筛选条件"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('JSON 对象,如 {"stage": "started"};只能使用数据清单允许的筛选条件'),
    )
    measure = forms.ChoiceField(label=_("度量"), choices=Indicator.Measure.choices)
    measure_field = forms.CharField(label=_("求和字段"), max_length=60, required=False)
    display_unit = forms.CharField(label=_("计量单位"), max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "define_%s")
        super().__init__(*args, **kwargs)
        registry = self.fields["registry"]
        assert isinstance(registry, forms.ChoiceField)
        registry.choices = registry_choices()

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if Indicator.objects.filter(code=code).exists():
            raise forms.ValidationError(_("指标代码“%(c)s”已存在") % {"c": code})
        return code

    def clean_filters(self) -> dict:
        text = self.cleaned_data["filters"].strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(_("不是有效的 JSON:%(e)s") % {"e": exc.msg}) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_('须为 JSON 对象,如 {"stage": "started"}'))
        return value
