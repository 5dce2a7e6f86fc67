"""Forms of the edit pages that guard against lost updates: each carries the version the
user opened (a hidden field) back to the service, which refuses a stale save."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.projects.models import Category, ProgressReport, Project
from gongjian.units.models import Unit, User
from gongjian.units.selectors import WRITE_ROLES, is_office, path_q, scope_paths

from .forms import WanField

# form field → the model field the service changes (amounts typed in 万元)
PROJECT_FORM_FIELDS = (
    "name",
    "unit",
    "category",
    "total_investment",
    "planned_investment",
    "responsible_unit",
    "leader",
    "industry_cluster",
    "enterprise_name",
    "latitude",
    "longitude",
    "description",
)


class ProjectEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("项目名称"), max_length=200)
    unit = forms.ModelChoiceField(label=_("所属单位"), queryset=Unit.objects.none())
    category = forms.ChoiceField(label=_("项目类别"), choices=Category.choices)
    total_investment = WanField(label=_("总投资(万元)"))
    planned_investment = WanField(label=_("年度计划投资(万元)"))
    responsible_unit = forms.ModelChoiceField(
        label=_("责任部门"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    leader = forms.ModelChoiceField(
        label=_("包保领导"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
    )
    industry_cluster = forms.CharField(label=_("产业集群"), max_length=50, required=False)
    enterprise_name = forms.CharField(label=_("建设单位/企业"), max_length=200, required=False)
    latitude = forms.DecimalField(
        label=_("纬度"), max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False
    )
    longitude = forms.DecimalField(
        label=_("经度"),
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
    )
    description = forms.CharField(
        label=_("项目简介"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(is_active=True)
        if not is_office(user):
            units = units.filter(path_q(scope_paths(user, WRITE_ROLES), field="path"))
        self.fields["unit"].queryset = units.order_by("path")

    @classmethod
    def initial_of(cls, project: Project) -> dict:
        return {
            "version": project.version,
            "name": project.name,
            "unit": project.unit_id,
            "category": project.category,
            "total_investment": project.total_investment / 10_000,
            "planned_investment": project.planned_investment / 10_000,
            "responsible_unit": project.responsible_unit_id,
            "leader": project.leader_id,
            "industry_cluster": project.industry_cluster,
            "enterprise_name": project.enterprise_name,
            "latitude": project.latitude,
            "longitude": project.longitude,
            "description": project.description,
        }

    def changes(self, project: Project) -> dict:
        """The fields whose value differs from the project as stored now."""
        data = self.cleaned_data
        out = {}
        for name in PROJECT_FORM_FIELDS:
            value = data.get(name)
            if name in {"industry_cluster", "enterprise_name", "description"}:
                value = value or ""
            current = getattr(project, name)
            if current != value:
                out[name] = value
        return out


class ReportEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    investment_this_period = WanField(label=_("本期完成投资(万元)"))
    cumulative_investment = WanField(label=_("自开工累计完成投资(万元)"))
    progress_text = forms.CharField(
        label=_("形象进度"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    problems_text = forms.CharField(
        label=_("存在问题"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    FIELDS = ("investment_this_period", "cumulative_investment", "progress_text", "problems_text")

    @classmethod
    def initial_of(cls, report: ProgressReport) -> dict:
        return {
            "version": report.version,
            "investment_this_period": report.investment_this_period / 10_000,
            "cumulative_investment": report.cumulative_investment / 10_000,
            "progress_text": report.progress_text,
            "problems_text": report.problems_text,
        }

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class ReportCorrectForm(ReportEditForm):
    reason = forms.CharField(label=_("更正原因"), max_length=80)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["version"]
