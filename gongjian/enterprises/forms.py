"""Page forms for the enterprise registry: the same rules as the API (the model's and the
service's), so both refuse the same input with the same Chinese message."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.units.models import Unit

from .models import Enterprise


class EnterpriseForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = ["name", "credit_code", "unit", "industry", "cluster", "region", "notes"]

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["credit_code"].help_text = _("18 位,大写字母与数字(GB 32100-2015)")

    def validate_unique(self):
        """Duplicates are the service's to refuse (with the clearer message)."""


class RevenueForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=1990, max_value=2100)
    revenue_wan = forms.DecimalField(
        label=_("营业收入(万元)"), min_value=0, max_digits=16, decimal_places=2
    )
