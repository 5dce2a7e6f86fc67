"""Pages of the project domain: the list (清单) and each project, 调度 (the period's
reports, the phone form, reminders), 包保 and problems, the mechanism pages (集中开工/签约
batches, 提级管理, 督办), and the edit pages that never lose an update.

Thin: validate → call a service or selector → render. An edit form carries the version the
user opened; when someone else saved in between, the service refuses the save
(``ConflictError``) and the page comes back with the user's input kept, who saved and
when, and each field that changed (``kit.http.conflict_context``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pydantic
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from pydantic import ValidationError as PydanticError

from gongjian.indicators.periods import resolve_scope, resolve_year_as_of
from gongjian.kit.clock import today
from gongjian.kit.errors import messages_of
from gongjian.kit.http import add_errors, errors_text, form_errors, versioned_save
from gongjian.kit.money import show_amount
from gongjian.kit.scope import Action, allows, holds, path_ids
from gongjian.units.maps import map_config_for
from gongjian.units.models import Unit, User
from gongjian.units.selectors import units_in_trees

from . import selectors as sel
from . import services
from .cadence import next_period
from .filters import ProjectFilter, problem_is_overdue
from .forms import (
    BatchCreateForm,
    BatchEventForm,
    ProblemActionForm,
    ProblemRaiseForm,
    ProgressReportForm,
    ProjectEditForm,
    ReportCorrectForm,
    ReportEditForm,
)
from .lights import warning_lights, with_light
from .models import (
    Batch,
    Cadence,
    Category,
    EscalationLevel,
    EscalationRule,
    Problem,
    ProblemComment,
    ProgressReport,
    Project,
    Stage,
    StageTransition,
    Tag,
)
from .schemas import ReportIn

AMOUNT_PRESETS = [
    ("20000000", _("2000万元以上")),
    ("100000000", _("亿元以上")),
    ("1000000000", _("10亿元以上")),
]


# --- 项目清单 ------------------------------------------------------------------------------


@login_required
def project_list(request):
    scope = resolve_scope(request)
    error = ""
    try:
        flt = ProjectFilter.from_querydict(request.GET)
    except pydantic.ValidationError as exc:
        error = _("筛选条件有误:") + "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        flt = ProjectFilter()
    qs = flt.apply(Project.objects.restrict(request.user, Action.VIEW))
    light = request.GET.get("light", "")
    if light in ("red", "yellow", "green"):
        qs = with_light(qs, light, scope.as_of, scope.campaign)
    paginator = Paginator(qs.select_related("unit", "leader"), 50)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    lights = warning_lights(
        Project.objects.filter(pk__in=[p.pk for p in rows]), scope.as_of, scope.campaign
    )
    for p in rows:
        p.light = lights.get(p.pk)
    query = request.GET.copy()
    query.pop("page", None)
    export_query = query.copy()
    export_query.pop("light", None)
    return render(
        request,
        "projects/project_list.html",
        {
            "scope": scope,
            "filter": flt,
            "error": error,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "export_query": export_query.urlencode(),
            "units": Unit.objects.restrict(request.user, Action.VIEW).exclude(
                kind=Unit.Kind.DEPARTMENT
            ),
            "stages": Stage.choices,
            "categories": Category.choices,
            "tags": Tag.objects.all(),
            "batches": Batch.objects.restrict(request.user, Action.VIEW),
            "amount_presets": AMOUNT_PRESETS,
            "light": light,
            "orderings": [
                ("code", _("编号")),
                ("-total_investment", _("总投资从高到低")),
                ("total_investment", _("总投资从低到高")),
                ("stage", _("阶段")),
                ("unit", _("单位")),
                ("name", _("名称")),
            ],
            "saved_link": request.get_full_path(),
        },
    )


@login_required
def report_photo(request, pk: int, report_pk: int):
    """A report's site photo, to whoever may see the report (uploaded files are not
    served from a public folder); a superseded version's photo too, as the project page
    lists every version."""
    report = get_object_or_404(
        ProgressReport.all_versions.restrict(request.user, Action.VIEW),
        pk=report_pk,
        project_id=pk,
    )
    if not report.photo:
        raise Http404(_("这份报告没有现场照片"))
    try:
        handle = report.photo.open("rb")
    except FileNotFoundError:
        raise Http404(_("照片文件不存在")) from None
    return FileResponse(handle, filename=Path(report.photo.name).name)


@login_required
def project_detail(request, pk: int):
    project = get_object_or_404(
        Project.objects.restrict(request.user, Action.VIEW)
        .select_related("unit", "responsible_unit", "leader")
        .prefetch_related(
            "tags",
            "batches",
            Prefetch("transitions", queryset=StageTransition.objects.order_by("occurred_on", "pk")),
        ),
        pk=pk,
    )
    shown = resolve_year_as_of(unit=project.unit)
    as_of = shown.as_of
    light = warning_lights(Project.objects.filter(pk=project.pk), as_of, shown.campaign).get(
        project.pk
    )
    reports = list(project.reports.select_related("submitted_by").order_by("-period_start", "-pk"))
    problems = list(
        project.problems.select_related("owner_unit", "leader").order_by("-raised_on", "-pk")
    )
    can_edit = allows(request.user, Action.CHANGE, project)
    pin = None
    if project.latitude is not None and project.longitude is not None:
        config = map_config_for(project.unit)
        pin = {
            "name": project.name,
            "lat": float(project.latitude),
            "lon": float(project.longitude),
            "map": config.map_name if config else "",
            "color": (light.color if light else "") or "blue",
        }
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "light": light,
            "as_of": as_of,
            "completed_early": project.is_completed_early(as_of),
            "reports": reports,
            "problems": problems,
            "can_edit": can_edit,
            "is_office": allows(request.user, Action.MANAGE, project),
            # 提出问题: operators and the office; a leader or a viewer reads the list only
            "raise_form": ProblemRaiseForm(project=project, user=request.user)
            if can_edit
            else None,
            "pin": pin,
            "map_config": map_config_for(project.unit) if pin else None,
            "money": {
                "total": show_amount(project.total_investment, "亿元"),
                "planned": show_amount(project.planned_investment, "万元"),
                "completed": show_amount(project.completed_investment, "万元"),
            },
            "today": today(),
        },
    )


# --- 调度 ---------------------------------------------------------------------------------


@login_required
def dispatch(request):
    scope = resolve_scope(request, require_unit=True)
    period = sel.dispatch_period(request, scope)
    deadline = scope.campaign.report_deadline(period.end) if scope.campaign else None
    projects = list(sel.due_projects(request.user, scope.unit, period).order_by("reported", "code"))
    missing = [p for p in projects if not p.reported]
    # the cards 50 to a page, those not yet reported first
    page = Paginator(projects, 50).get_page(request.GET.get("page"))
    for p in page.object_list:
        p.cadence_label = Cadence(p.cadence).label
    # the projects this user may report for (a viewer or a leader reads the list only)
    writable = set(
        Project.objects.restrict(request.user, Action.CHANGE)
        .filter(pk__in=[p.pk for p in page.object_list])
        .values_list("pk", flat=True)
    )
    by_unit = sel.dispatch_status_by_unit(scope.unit, period)
    query = {"unit": scope.unit.pk, "period": f"{period.start:%Y-%m}"}
    months = [f"{scope.year}-{m:02d}" for m in range(1, 13)]
    return render(
        request,
        "projects/dispatch.html",
        {
            "scope": scope,
            "period": period,
            "period_value": f"{period.start:%Y-%m}",
            "months": months,
            "deadline": deadline,
            "overdue": bool(deadline and today() > deadline),
            "projects": projects,
            "page": page,
            "missing": missing,
            "writable": writable,
            "by_unit": by_unit,
            "query": urlencode(query),
            "export_query": urlencode(
                {
                    "unit": scope.unit.pk,
                    "period_start": period.start.isoformat(),
                    "period_end": period.end.isoformat(),
                }
            ),
            "is_office": allows(request.user, Action.MANAGE, scope.unit),
        },
    )


@login_required
def dispatch_reminders(request):
    scope = resolve_scope(request, require_unit=True)
    period = sel.dispatch_period(request, scope)
    deadline = scope.campaign.report_deadline(period.end) if scope.campaign else None
    missing = list(
        sel.due_projects(request.user, scope.unit, period)
        .filter(reported=False)
        .select_related("unit", "leader")
        .order_by("unit__path", "code")
    )
    groups: dict[str, list[Project]] = {}
    for p in missing:
        groups.setdefault(p.unit.name, []).append(p)
    lines = [
        _("【催报】%(period)s 重点项目进度报送截止 %(deadline)s,以下项目尚未报送:")
        % {"period": period.label, "deadline": deadline or "—"}
    ]
    for name, items in groups.items():
        lines.append(f"{name}({len(items)}):" + "、".join(p.name for p in items))
    return render(
        request,
        "projects/dispatch_reminders.html",
        {
            "scope": scope,
            "period": period,
            "deadline": deadline,
            "groups": groups,
            "message": "\n".join(lines),
            "count": len(missing),
            "back": "/dispatch/?"
            + urlencode({"unit": scope.unit.pk, "period": f"{period.start:%Y-%m}"}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_submit(request, pk: int):
    project = get_object_or_404(
        Project.objects.restrict(request.user, Action.CHANGE).select_related("unit"), pk=pk
    )
    scope = resolve_scope(request)
    month = sel.dispatch_period(request, scope)
    try:
        week = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        week = None
    # 双高 cadence: a weekly project reports a week, a quarterly one the quarter
    period = next_period(project, month, week)
    existing = ProgressReport.objects.filter(project=project, period_start=period.start).first()
    previous = (
        ProgressReport.objects.filter(project=project, period_start__lt=period.start)
        .order_by("-period_start")
        .first()
    )
    if request.method == "POST":
        form = ProgressReportForm(request.POST, request.FILES, project=project, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            problem = None
            try:
                # the one input of a report, as the API and an Excel row give it
                payload = ReportIn.model_validate(
                    {
                        "period_start": period.start,
                        "period_end": period.end,
                        **{k: data[k] for k in ProgressReportForm.REPORT_FIELDS},
                    }
                )
                # one transaction: a refused photo or problem leaves no report behind
                with transaction.atomic():
                    report = services.progress_report_submit(
                        actor=request.user, project=project, **payload.model_dump()
                    )
                    if data.get("photo"):
                        services.progress_report_attach_photo(
                            actor=request.user, report=report, photo=data["photo"]
                        )
                    if data.get("track_problem"):
                        problem = _raise_problem(
                            request.user, project, form.problem_values(), REPORT_PROBLEM
                        )
            except (ValidationError, PermissionDenied, PydanticError) as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已报送“%(name)s” %(period)s 进度")
                    % {"name": project.name, "period": period.label},
                )
                if problem is not None:
                    messages.success(request, _("已将存在问题作为问题跟踪,交包保领导督办"))
                return redirect(
                    "/dispatch/?"
                    + urlencode(
                        {"unit": request.GET.get("unit", ""), "period": f"{month.start:%Y-%m}"}
                    )
                )
    else:
        initial = {}
        if existing:
            initial = {
                "investment_this_period": existing.investment_this_period / 10_000,
                "progress_text": existing.progress_text,
                "problems_text": existing.problems_text,
            }
        form = ProgressReportForm(initial=initial, project=project, user=request.user)
    return render(
        request,
        "projects/report_form.html",
        {
            "project": project,
            "period": period,
            "form": form,
            "raise_url": reverse("projects:problem_raise", args=[project.pk]),
            "existing": existing,
            "previous": previous,
            "previous_cumulative": show_amount(previous.cumulative_investment, "万元")
            if previous
            else show_amount(project.completed_investment, "万元"),
            "back": "/dispatch/?" + request.GET.urlencode(),
        },
    )


# the problem_create fields as the report form names them (存在问题 is the description)
REPORT_PROBLEM = {
    "kind": "problem_kind",
    "description": "problems_text",
    "leader": "problem_leader",
    "deadline": "problem_deadline",
}


def _raise_problem(user, project: Project, values: dict, fields: dict | None = None):
    """``problem_create`` raised today by ``user``; a refusal's messages are put on the
    form's own fields (``fields``: the service's field → the form's)."""
    try:
        return services.problem_create(actor=user, project=project, raised_on=today(), **values)
    except ValidationError as exc:
        if fields and hasattr(exc, "error_dict"):
            exc = ValidationError(
                {fields.get(name, name): errors for name, errors in exc.error_dict.items()}
            )
        raise exc from None


@login_required
@require_http_methods(["GET", "POST"])
def problem_raise(request, pk: int):
    """提出问题: a tracked problem on a project, by who may change it (the project page's
    form posts here; a refused form comes back here with the input kept)."""
    project = get_object_or_404(
        Project.objects.restrict(request.user, Action.CHANGE).select_related(
            "unit", "leader", "responsible_unit"
        ),
        pk=pk,
    )
    form = ProblemRaiseForm(request.POST or None, project=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            problem = _raise_problem(request.user, project, form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("已提出问题“%(problem)s”,交%(leader)s督办")
                % {"problem": problem, "leader": problem.leader or _("责任单位")},
            )
            return redirect("projects:project", pk=project.pk)
    return render(
        request,
        "projects/problem_raise.html",
        {"project": project, "form": form},
    )


# --- 包保 -----------------------------------------------------------------------------------


@login_required
def baobao(request):
    leader = request.user
    leaders = []
    if holds(request.user, Action.MANAGE):
        led = Project.objects.restrict(request.user, Action.MANAGE).values("leader")
        leaders = list(User.objects.filter(pk__in=led).order_by("username"))
        ref = request.GET.get("leader", "")
        if ref:
            leader = next((u for u in leaders if u.username == ref), None)
            if leader is None:
                raise Http404(_("没有这位包保领导"))
    projects = list(
        Project.objects.restrict(request.user, Action.VIEW)
        .filter(leader=leader)
        .select_related("unit")
        .order_by("-total_investment", "code")
    )
    shown = resolve_year_as_of(unit=projects[0].unit if projects else None)
    as_of = shown.as_of
    lights = warning_lights(
        Project.objects.restrict(request.user, Action.VIEW).filter(leader=leader),
        as_of,
        shown.campaign,
    )
    for p in projects:
        p.light = lights.get(p.pk)
        p.total_text = show_amount(p.total_investment, "亿元")
    problems = list(sel.leader_problems(request.user, leader))
    open_problems = [p for p in problems if p.is_open]
    return render(
        request,
        "projects/baobao.html",
        {
            "leader": leader,
            "leaders": leaders,
            "projects": projects,
            "problems": problems,
            "open_count": len(open_problems),
            "overdue_count": sum(1 for p in problems if p.is_overdue),
            "as_of": as_of,
            "export_query": urlencode({"status": ["open", "assigned"]}, doseq=True),
            "today": today(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def problem_detail(request, pk: int):
    problem = get_object_or_404(
        Problem.objects.restrict(request.user, Action.VIEW).select_related(
            "project", "project__unit", "owner_unit", "leader"
        ),
        pk=pk,
    )
    units = units_in_trees(request.user).order_by("path")
    form = ProblemActionForm(request.POST or None, problem=problem, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.problem_act(
                actor=request.user,
                problem=problem,
                to_status=data["to_status"],
                comment=data["comment"],
                owner_unit=data["owner_unit"],
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, errors_text(exc))
        else:
            messages.success(request, _("已保存办理记录"))
            return redirect("projects:problem", pk=problem.pk)
    comments = list(
        ProblemComment.objects.filter(problem=problem)
        .select_related("author")
        .order_by("created_at")
    )
    return render(
        request,
        "projects/problem_detail.html",
        {
            "problem": problem,
            "form": form,
            "comments": comments,
            "overdue": problem_is_overdue(problem),
            "statuses": Problem.Status.choices,
        },
    )


# --- 集中开工 / 签约, 提级管理, 督办 --------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def batches(request):
    """集中开工/签约 events and 重点项目名单 the viewer sees; the unit's office adds one."""
    scope = resolve_scope(request, require_unit=True)
    office = allows(request.user, Action.MANAGE, scope.unit)
    form = BatchCreateForm(request.POST or None) if office else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("只有攻坚办可以新建批次"))
        if form.is_valid():
            try:
                batch = services.batch_create(
                    actor=request.user, unit=scope.unit, year=scope.year, **form.cleaned_data
                )
            except (ValidationError, PermissionDenied) as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("已新建批次“%(n)s”") % {"n": batch.name})
                return redirect("projects:batch", code=batch.code)
    rows = [
        sel.batch_summary(b, scope.unit)
        for b in Batch.objects.restrict(request.user, Action.VIEW)
        .exclude(kind=Batch.Kind.KEY_LIST)
        .order_by("-year", "held_on", "code")
    ]
    return render(request, "projects/batches.html", {"scope": scope, "rows": rows, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def batch_detail(request, code: str):
    batch = get_object_or_404(Batch.objects.restrict(request.user, Action.VIEW), code=code)
    scope = resolve_scope(request, require_unit=True)
    office = allows(request.user, Action.MANAGE, batch)
    form = None
    if office:
        form = BatchEventForm(
            request.POST or None, initial={"held_on": batch.held_on, "place": batch.place}
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.batch_update(actor=request.user, batch=batch, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, errors_text(exc))
            else:
                messages.success(request, _("已保存日期和地点"))
                return redirect("projects:batch", code=batch.code)
    elif request.method == "POST":
        raise Http404(_("没有这个页面"))
    projects = list(sel.batch_projects(request.user, batch, scope.unit))
    for p in projects:
        p.total_text = show_amount(p.total_investment, "亿元")
    return render(
        request,
        "projects/batch_print.html" if request.GET.get("print") else "projects/batch_detail.html",
        {
            "scope": scope,
            "batch": batch,
            "summary": sel.batch_summary(batch, scope.unit),
            "by_unit": sel.batch_by_unit(batch, scope.unit),
            "projects": projects,
            "form": form,
            "query": urlencode({"unit": scope.unit.pk}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def escalated(request):
    """提级: the escalated projects, the rules (the office changes a rule's threshold or
    stops it here: every rule is re-applied at once) and the moves they made."""
    rules = list(
        EscalationRule.objects.restrict(request.user, Action.VIEW)
        .select_related("unit", "tag")
        .order_by("name")
    )
    if request.method == "POST":
        rule = next((r for r in rules if str(r.pk) == request.POST.get("rule")), None)
        if rule is None:
            raise Http404(_("没有这条提级规则"))
        if not allows(request.user, Action.MANAGE, rule):
            raise PermissionDenied(_("只有攻坚办可以调整提级规则"))
        text = request.POST.get("min_total_investment", "").strip()
        try:
            amount = None if not text else int(Decimal(text) * 100_000_000)
        except ArithmeticError:
            messages.error(request, _("总投资门槛“%(t)s”不是有效的亿元数") % {"t": text})
        else:
            try:
                services.escalation_rule_save(
                    actor=request.user,
                    rule=rule,
                    min_total_investment=amount,
                    is_active=request.POST.get("is_active") == "on",
                )
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, errors_text(exc))
            else:
                messages.success(request, _("已保存提级规则,并对全部项目重新适用"))
            return redirect("projects:escalated")
    projects = list(sel.escalated_projects(request.user))
    for p in projects:
        p.total_text = show_amount(p.total_investment, "亿元")
    for rule in rules:
        rule.can_edit = allows(request.user, Action.MANAGE, rule)
        rule.threshold = (
            "" if rule.min_total_investment is None else f"{rule.min_total_investment / 10**8:g}"
        )
        rule.text = services.rule_text(rule)
    return render(
        request,
        "projects/escalated.html",
        {"projects": projects, "rules": rules, "events": sel.escalation_events(request.user)},
    )


@login_required
def supervision(request):
    """督办: problems the deadline escalation moved up — the office's list, or a leader's."""
    office = holds(request.user, Action.MANAGE)
    level = EscalationLevel.OFFICE if office else EscalationLevel.LEADER
    if request.GET.get("level") in (EscalationLevel.LEADER, EscalationLevel.OFFICE):
        level = request.GET["level"]
    problems = list(sel.supervision_problems(request.user, level))
    return render(
        request,
        "projects/supervision.html",
        {
            "problems": problems,
            "level": level,
            "levels": [
                (EscalationLevel.OFFICE, _("市攻坚办督办")),
                (EscalationLevel.LEADER, _("包保领导及以上")),
            ],
            "today": today(),
        },
    )


# --- project ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk: int):
    project = get_object_or_404(
        Project.objects.restrict(request.user, Action.CHANGE).select_related("unit"), pk=pk
    )
    conflict = None
    if request.method == "POST":
        form = ProjectEditForm(request.POST, user=request.user)
        if form.is_valid():
            changes = form.changes(project)
            saved, conflict = versioned_save(
                form,
                Project,
                lambda: services.project_update(
                    actor=request.user,
                    project=project,
                    expected_version=form.cleaned_data["version"],
                    **changes,
                ),
            )
            if saved is not None:
                if changes:
                    messages.success(request, _("已保存“%(name)s”") % {"name": project.name})
                else:
                    messages.info(request, _("没有修改任何内容"))
                return redirect("projects:project", pk=pk)
    else:
        form = ProjectEditForm(initial=ProjectEditForm.initial_of(project), user=request.user)
    return render(
        request,
        "projects/project_edit.html",
        {
            "project": project,
            "form": form,
            "conflict": conflict,
            "is_office": allows(request.user, Action.MANAGE, project),
        },
    )


# --- progress reports ------------------------------------------------------------------


def _report_or_404(request, pk: int, report_pk: int) -> tuple[Project, ProgressReport]:
    project = get_object_or_404(
        Project.objects.restrict(request.user, Action.CHANGE).select_related("unit"), pk=pk
    )
    report = get_object_or_404(ProgressReport.all_versions.filter(project=project), pk=report_pk)
    return project, report


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request, pk: int, report_pk: int):
    """Change a report not yet approved."""
    project, report = _report_or_404(request, pk, report_pk)
    if not report.is_current or report.status == ProgressReport.Status.APPROVED:
        messages.error(request, _("该报告已审核或已被更正,不能直接修改"))
        return redirect("projects:project", pk=pk)
    conflict = None
    if request.method == "POST":
        form = ReportEditForm(request.POST)
        if form.is_valid():
            saved, conflict = versioned_save(
                form,
                ProgressReport,
                lambda: services.progress_report_update(
                    actor=request.user,
                    report=report,
                    expected_version=form.cleaned_data["version"],
                    **form.values(),
                ),
            )
            if saved is not None:
                messages.success(
                    request,
                    _("已保存 %(period)s 的进度报告") % {"period": f"{report.period_start:%Y-%m}"},
                )
                return redirect("projects:project", pk=pk)
    else:
        form = ReportEditForm(initial=ReportEditForm.initial_of(report))
    return render(
        request,
        "projects/report_edit.html",
        {
            "project": project,
            "report": report,
            "form": form,
            "conflict": conflict,
            "correct": False,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_correct(request, pk: int, report_pk: int):
    """Correct an approved report with a new version that supersedes it."""
    project, report = _report_or_404(request, pk, report_pk)
    if request.method == "POST":
        form = ReportCorrectForm(request.POST)
        if form.is_valid():
            try:
                services.progress_report_correct(
                    actor=request.user,
                    report=report,
                    reason=form.cleaned_data["reason"],
                    **form.values(),
                )
            except (ValidationError, PermissionDenied) as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("已提交更正版本,等待审核"))
                return redirect("projects:project", pk=pk)
    else:
        form = ReportCorrectForm(initial=ReportEditForm.initial_of(report))
    return render(
        request,
        "projects/report_edit.html",
        {"project": project, "report": report, "form": form, "conflict": None, "correct": True},
    )


@login_required
@require_POST
def report_approve(request, pk: int, report_pk: int):
    project, report = _report_or_404(request, pk, report_pk)
    try:
        services.progress_report_approve(actor=request.user, report=report)
    except ValidationError as exc:
        messages.error(request, ";".join(messages_of(exc)))
    else:
        messages.success(
            request, _("已审核 %(period)s 的进度报告") % {"period": f"{report.period_start:%Y-%m}"}
        )
    return redirect("projects:project", pk=project.pk)


# --- 调度频次规则 ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cadence_rules(request):
    """调度频次规则: the rules that apply to the shown unit (its own and those of the units
    above it) and those of its units; the unit's office adds, changes and deletes its
    rules, anyone else sees them."""
    from django.db.models import Q

    from gongjian.kit.scope import manages_shared

    from .forms import CadenceRuleForm
    from .models import CadenceRule

    scope = resolve_scope(request, require_unit=True)
    unit = scope.unit
    assert unit is not None  # require_unit
    back = f"{reverse('projects:cadence_rules')}?unit={unit.pk}&year={scope.year}"
    may_change = allows(request.user, Action.MANAGE, unit)
    rules = list(
        CadenceRule.objects.restrict(request.user, Action.VIEW)
        .filter(
            Q(unit__in=path_ids(unit.path))
            | Q(unit__path__startswith=unit.path)
            | Q(unit__isnull=True)
        )
        .select_related("unit", "tag")
        .order_by("priority", "pk")
    )
    for rule in rules:
        # a rule without a unit applies everywhere: the office of a top unit manages it
        rule.may_change = may_change and (
            allows(request.user, Action.MANAGE, rule.unit)
            if rule.unit is not None
            else manages_shared(request.user)
        )

    def editable(pk: str) -> CadenceRule:
        rule = next((r for r in rules if str(r.pk) == pk), None)
        if rule is None:
            raise Http404(_("没有这条规则"))
        if not rule.may_change:
            raise PermissionDenied(_("只有规则所属单位的攻坚办可以修改"))
        return rule

    editing = None
    form = None
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied(_("只有本级攻坚办可以设置调度频次规则"))
        pk = request.POST.get("pk", "").strip()
        if request.POST.get("action") == "delete":
            rule = editable(pk)
            services.cadence_rule_delete(actor=request.user, rule=rule)
            messages.success(request, _("已删除规则“%(n)s”") % {"n": rule.name})
            return redirect(back)
        editing = editable(pk) if pk else None
        # the form is bound to a copy: a refused save leaves the stored row as it is
        instance = CadenceRule.objects.get(pk=editing.pk) if editing else CadenceRule(unit=unit)
        form = CadenceRuleForm(request.POST, instance=instance)
        if form.is_valid():
            try:
                services.cadence_rule_save(
                    actor=request.user,
                    rule=editing,
                    unit=editing.unit if editing else unit,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("调度频次规则已保存"))
                return redirect(back)
    elif may_change:
        pk = request.GET.get("edit", "").strip()
        editing = editable(pk) if pk else None
        form = CadenceRuleForm(instance=editing)
    return render(
        request,
        "projects/cadence_rules.html",
        {
            "scope": scope,
            "rules": rules,
            "form": form,
            "errors": form_errors(form) if form is not None and form.is_bound else [],
            "editing": editing,
            "may_change": may_change,
            "nav_active": "settings",
        },
    )
