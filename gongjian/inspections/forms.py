"""Page forms for 拉练; the rules themselves live in ``services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.kit.forms import DateInput
from gongjian.kit.scope import Action

from .models import ScoreForm, Stop
from .selectors import num


class ScoreFormForm(forms.Form):
    name = forms.CharField(label=_("评分表名称"), max_length=100)
    description = forms.CharField(label=_("说明"), max_length=300, required=False)
    criteria = forms.CharField(
        label=_("评分项(每行:名称,权重,最高分[,最低分])"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class TourForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("季度"), choices=[(q, f"Q{q}") for q in range(1, 5)], coerce=int
    )
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("结束日期"), widget=DateInput())
    form = forms.ModelChoiceField(label=_("评分表"), queryset=ScoreForm.objects.none())
    route = forms.CharField(
        label=_("路线"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    weight = forms.IntegerField(
        label=_("权重"),
        min_value=1,
        max_value=100,
        initial=1,
        required=False,
        help_text=_("年度拉练得分为各次拉练得分的加权平均"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].queryset = ScoreForm.objects.restrict(user, Action.VIEW)

    def clean_weight(self) -> int:
        weight = self.cleaned_data.get("weight")
        return 1 if weight is None else weight


class NominateForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=None)
    kind = forms.ChoiceField(label=_("类别"), choices=Stop.Kind.choices)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        self.fields["project"].label_from_instance = lambda p: f"{p.unit.name} · {p.name}"


class PanelForm(forms.Form):
    members = forms.CharField(
        label=_("评分组成员(用户名,逗号或换行分隔)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class SheetForm(forms.Form):
    """One number field per criterion, sized for a phone keypad."""

    comment = forms.CharField(
        label=_("评语"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        comment = self.fields.pop("comment")
        for c in self.criteria:
            self.fields[f"c{c.pk}"] = forms.DecimalField(
                label=f"{c.name}({num(c.min_score)}–{num(c.max_score)})",
                required=False,
                max_digits=6,
                decimal_places=2,
                widget=forms.NumberInput(
                    attrs={
                        "inputmode": "decimal",
                        "step": "0.5",
                        "min": f"{num(c.min_score)}",
                        "max": f"{num(c.max_score)}",
                        "data-weight": f"{c.weight}",
                        "data-min": f"{c.min_score}",
                        "data-max": f"{c.max_score}",
                        "class": "gj-score",
                    }
                ),
            )
        self.fields["comment"] = comment

    def values(self) -> dict:
        return {c.pk: self.cleaned_data.get(f"c{c.pk}") for c in self.criteria}
