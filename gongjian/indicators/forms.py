"""Page forms of the indicator domain: the year's settings (年度设置)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.kit.forms import DateInput

from .models import Campaign
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
