"""Page forms of the project domain. Amounts are typed in 万元 and converted to integer 元.

The edit forms guard against lost updates: each carries the version the user opened (a
hidden field) back to the service, which refuses a stale save."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjian.kit.forms import DateInput, WanField, latitude_field, longitude_field
from gongjian.kit.scope import Action
from gongjian.kit.validators import normalize_national_project_code
from gongjian.units.models import Unit, User
from gongjian.units.selectors import leaders_for, units_in_trees

from .models import Batch, CadenceRule, Category, Problem, ProgressReport, Project, Tag
from .services import PLAN_DATE_FIELDS, PROBLEM_FLOW, problem_leaders_of


def _leader_field() -> forms.ModelChoiceField:
    """A problem's 包保 leader, chosen among the project's own (the view sets the queryset)."""
    return forms.ModelChoiceField(
        label=_("包保领导"),
        queryset=User.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("所选包保领导不存在")},
    )


def _deadline_field() -> forms.DateField:
    return forms.DateField(label=_("办结时限"), required=False, widget=DateInput())


class ProgressReportForm(forms.Form):
    """The 调度 page's report form: its figures go through ``ReportIn``, the input the API
    and an Excel row give ``progress_report_submit``."""

    REPORT_FIELDS = (
        "investment_this_period",
        "cumulative_investment",
        "funds_paid",
        "progress_text",
        "problems_text",
    )

    investment_this_period = WanField(label=_("本期完成投资(万元)"))
    cumulative_investment = WanField(
        label=_("自开工累计完成投资(万元)"),
        required=False,
        help_text=_("不填则按上期累计加本期计算"),
    )
    funds_paid = WanField(
        label=_("自开工累计资金支付(万元)"),
        required=False,
        help_text=_("可不填;填写后按支付与完成投资之比亮资金支付灯"),
    )
    progress_text = forms.CharField(
        label=_("形象进度"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    problems_text = forms.CharField(
        label=_("存在问题"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    photo = forms.ImageField(label=_("现场照片(可选)"), required=False)
    # 存在问题 tracked as a problem in the same submit (problem_create)
    track_problem = forms.BooleanField(label=_("作为问题跟踪"), required=False)
    problem_kind = forms.ChoiceField(
        label=_("问题类型"), choices=[("", "—"), *Problem.Kind.choices], required=False
    )
    problem_leader = _leader_field()
    problem_deadline = _deadline_field()

    PROBLEM_FIELDS = ("track_problem", "problem_kind", "problem_leader", "problem_deadline")

    def __init__(self, *args, project: Project, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        offer_problem_leaders(self.fields["problem_leader"], project, user)

    def report_fields(self):
        return [self[name] for name in self.fields if name not in self.PROBLEM_FIELDS]

    def problem_fields(self):
        return [self[name] for name in self.PROBLEM_FIELDS[1:]]

    def clean(self):
        data = super().clean() or {}
        if data.get("track_problem"):
            if not (data.get("problems_text") or "").strip():
                self.add_error("problems_text", _("勾选“作为问题跟踪”时须填写存在问题"))
            if not data.get("problem_kind"):
                self.add_error("problem_kind", _("勾选“作为问题跟踪”时须选择问题类型"))
        return data

    def problem_values(self) -> dict:
        """The ``problem_create`` arguments of a tracked 存在问题 (its owner unit the
        service's default)."""
        data = self.cleaned_data
        return {
            "kind": data["problem_kind"],
            "description": data["problems_text"],
            "leader": data["problem_leader"],
            "deadline": data["problem_deadline"],
        }


def offer_problem_leaders(field: Any, project: Project, user: User) -> None:
    """A leader select offering only ``project``'s 包保 leaders (``problem_leaders_of``),
    the project's own first and by default. Any leader ``user`` may name is read back, so
    that a forged choice reaches the service and is refused there with its message."""
    field.queryset = leaders_for(user)
    leaders = problem_leaders_of(project)
    field.widget.choices = [(u.pk, f"{u} {u.title}".strip()) for u in leaders] or [
        ("", _("项目未设包保领导"))
    ]
    if leaders:
        field.initial = leaders[0].pk


class ProblemRaiseForm(forms.Form):
    """提出问题 on a project: the tracked problem row ``problem_create`` writes."""

    kind = forms.ChoiceField(label=_("问题类型"), choices=[("", "—"), *Problem.Kind.choices])
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 3}))
    owner_unit = forms.ModelChoiceField(
        label=_("责任单位"),
        queryset=Unit.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("所选责任单位不存在")},
    )
    leader = _leader_field()
    deadline = _deadline_field()

    def __init__(self, *args, project: Project, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        owner_unit = cast(forms.ModelChoiceField, self.fields["owner_unit"])
        owner_unit.queryset = units_in_trees(user).order_by("path")
        owner_unit.initial = project.responsible_unit_id
        offer_problem_leaders(self.fields["leader"], project, user)


class ProblemActionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("办理动作"), required=False)
    owner_unit = forms.ModelChoiceField(label=_("交办给"), queryset=None, required=False)
    comment = forms.CharField(
        label=_("办理意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    ACTION_LABELS = {
        Problem.Status.ASSIGNED: _("交办"),
        Problem.Status.RESOLVED: _("已解决"),
        Problem.Status.VERIFIED: _("销号"),
    }

    def __init__(self, *args, problem: Problem, units, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("仅填写意见"))]
        for status in sorted(PROBLEM_FLOW[Problem.Status(problem.status)]):
            label = self.ACTION_LABELS[status]
            if status == Problem.Status.ASSIGNED and problem.status == Problem.Status.RESOLVED:
                label = _("退回重办")
            choices.append((status, label))
        self.fields["to_status"].choices = choices
        self.fields["owner_unit"].queryset = units


class BatchCreateForm(forms.Form):
    """A new batch: its code (used in the project sheet), name, kind, date and place."""

    code = forms.SlugField(
        label=_("标识"),
        max_length=60,
        help_text=_("项目清单“批次”列填写的代码,如 2025-spring-start"),
    )
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Batch.Kind.choices)
    held_on = forms.DateField(label=_("日期"), required=False, widget=DateInput())
    place = forms.CharField(label=_("地点"), max_length=100, required=False)


class BatchEventForm(forms.Form):
    """Date and place of a 集中开工/签约 event."""

    held_on = forms.DateField(label=_("日期"), required=False, widget=DateInput())
    place = forms.CharField(label=_("地点"), max_length=100, required=False)


# form field → the model field the service changes (amounts typed in 万元)
PROJECT_FORM_FIELDS = (
    "name",
    "national_code",
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
    *PLAN_DATE_FIELDS,
)


def _date_field(label) -> forms.DateField:
    # an <input type="date"> reads its value as ISO only (the zh-hans format is 2024/04/01:
    # shown empty, and saved back empty)
    return forms.DateField(
        label=label,
        required=False,
        widget=DateInput(),
    )


class ProjectEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("项目名称"), max_length=200)
    national_code = forms.CharField(
        label=_("全国投资项目代码"),
        max_length=30,
        required=False,
        empty_value=None,
        help_text=_("全国投资项目在线审批监管平台赋予的 24 位项目代码,如 2104-210703-04-01-528179"),
    )
    unit = forms.ModelChoiceField(label=_("所属单位"), queryset=Unit.objects.none())
    category = forms.ChoiceField(label=_("项目类别"), choices=Category.choices)
    total_investment = WanField(label=_("总投资(万元)"))
    planned_investment = WanField(label=_("年度计划投资(万元)"))
    responsible_unit = forms.ModelChoiceField(
        label=_("责任部门"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    leader = forms.ModelChoiceField(
        label=_("包保领导"),
        queryset=User.objects.none(),
        required=False,
    )
    industry_cluster = forms.CharField(label=_("产业集群"), max_length=50, required=False)
    enterprise_name = forms.CharField(label=_("建设单位/企业"), max_length=200, required=False)
    latitude = latitude_field()
    longitude = longitude_field()
    description = forms.CharField(
        label=_("项目简介"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    # the plan the warning light judges against (开工/入库 axes), and the actual 入库
    planned_start_on = _date_field(_("计划开工日期"))
    planned_completion_on = _date_field(_("计划竣工日期"))
    planned_in_stats_on = _date_field(_("计划入库日期"))
    in_stats_on = _date_field(_("入库日期"))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            Unit.objects.restrict(user, Action.CHANGE).filter(is_active=True).order_by("path")
        )
        self.fields["leader"].queryset = leaders_for(user).order_by("username")
        self.fields["responsible_unit"].queryset = units_in_trees(user).order_by("path")

    @classmethod
    def initial_of(cls, project: Project) -> dict:
        return {
            "version": project.version,
            "name": project.name,
            "national_code": project.national_code,
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
            **{name: getattr(project, name) for name in PLAN_DATE_FIELDS},
        }

    def changes(self, project: Project) -> dict:
        """The fields whose value differs from the project as stored now."""
        data = self.cleaned_data
        out = {}
        for name in PROJECT_FORM_FIELDS:
            value = data.get(name)
            if name in {"industry_cluster", "enterprise_name", "description"}:
                value = value or ""
            elif name == "national_code":
                value = normalize_national_project_code(value)
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


# --- 调度频次规则 ------------------------------------------------------------------------


class CadenceRuleForm(forms.ModelForm):
    """A 调度频次 rule of the page's unit (the view sets the unit on the instance)."""

    class Meta:
        model = CadenceRule
        fields = ["name", "cadence", "tag", "stage", "priority", "valid_from", "is_active"]
        widgets = {"valid_from": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "cadence_%s")
        super().__init__(*args, **kwargs)
        tag = cast(forms.ModelChoiceField, self.fields["tag"])
        tag.queryset = Tag.objects.order_by("pk")
        tag.error_messages["invalid_choice"] = _("所选标签不存在")
