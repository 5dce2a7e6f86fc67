"""The audit list's filter form: the same filter for the page and the Excel export."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongjian.kit.scope import Action
from gongjian.units.models import Unit, User
from gongjian.units.selectors import people_in_trees

from .selectors import ACTIONS, AuditFilter, sources


class AuditFilterForm(forms.Form):
    source = forms.ChoiceField(label=_("数据类型"), required=False)
    user = forms.ModelChoiceField(
        label=_("操作人"), queryset=User.objects.order_by("username"), required=False
    )
    unit = forms.ModelChoiceField(
        label=_("单位"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    date_from = forms.DateField(label=_("起始日期"), required=False)
    date_to = forms.DateField(label=_("截止日期"), required=False)
    action = forms.ChoiceField(
        label=_("操作"),
        required=False,
        choices=[("", _("全部"))] + [(k, _(v)) for k, v in ACTIONS.items()],
    )
    q = forms.CharField(label=_("对象名称"), required=False, max_length=100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people_in_trees(user).order_by("username")
        self.fields["unit"].queryset = Unit.objects.restrict(user, Action.MANAGE).filter(
            is_active=True
        )
        self.fields["source"].choices = [("", _("全部"))] + [
            (key, f"{src.label}({src.model._meta.app_config.verbose_name})")
            for key, src in sources().items()
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise ValidationError({"date_to": _("截止日期不能早于起始日期")})
        return data

    def to_filter(self) -> AuditFilter:
        data = self.cleaned_data
        return AuditFilter(
            source=data.get("source") or "",
            user=data.get("user"),
            unit=data.get("unit"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            action=data.get("action") or "",
            q=(data.get("q") or "").strip(),
        )
