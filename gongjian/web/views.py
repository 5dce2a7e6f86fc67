"""Pages: thin views over ``web.selectors`` (reads) and the apps' services (writes)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pydantic
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongjian.common.dates import Period
from gongjian.common.money import format_amount
from gongjian.indicators.engine import (
    campaign_for,
    completion,
    completion_by_month,
    evaluate_by_unit,
    ranking,
    warning_lights,
)
from gongjian.indicators.models import Indicator, RankingScheme, Target
from gongjian.projects import services as project_services
from gongjian.projects.cadence import next_period
from gongjian.projects.filters import ProjectFilter, problem_is_overdue
from gongjian.projects.models import (
    Batch,
    Cadence,
    Category,
    Problem,
    ProblemComment,
    ProgressReport,
    Project,
    Stage,
    StageTransition,
    Tag,
)
from gongjian.units.models import Unit, User
from gongjian.units.selectors import can_write_unit, is_office, units_visible_to

from . import selectors as sel
from .forms import MapConfigForm, ProblemActionForm, ProgressReportForm
from .maps import map_config_for, map_script
from .services import map_config_set

AMOUNT_PRESETS = [
    ("20000000", _("2000万元以上")),
    ("100000000", _("亿元以上")),
    ("1000000000", _("10亿元以上")),
]


def _scope_or_redirect(request):
    scope = sel.resolve_scope(request)
    if scope.unit is None:
        return scope, redirect("web:baobao")
    return scope, None


def _errors_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return ";".join(f"{' '.join(v)}" for v in exc.message_dict.values())
    return ";".join(exc.messages)


# --- 驾驶舱 --------------------------------------------------------------------------


@login_required
def dashboard(request):
    scope, away = _scope_or_redirect(request)
    if away:
        return away
    data = sel.dashboard(request.user, scope)
    others = data.others
    query = {"unit": scope.unit.pk, "year": scope.year, "as_of": scope.as_of.isoformat()}
    return render(
        request,
        "web/dashboard.html",
        {
            "scope": scope,
            "data": data,
            "others": others,
            "pro_rata_percent": f"{scope.pro_rata * 100:.1f}%",
            "charts": {"trend": data.trend, "compare": data.compare},
            "light_links": {
                color: "/projects/?" + urlencode({"unit": scope.unit.pk, "light": color})
                for color in ("red", "yellow")
            },
            "export_query": urlencode(query),
        },
    )


# --- 项目清单 ------------------------------------------------------------------------------


@login_required
def project_list(request):
    scope = sel.resolve_scope(request)
    error = ""
    try:
        flt = ProjectFilter.from_querydict(request.GET)
    except pydantic.ValidationError as exc:
        error = _("筛选条件有误:") + "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        flt = ProjectFilter()
    qs = flt.apply(Project.objects.visible_to(request.user))
    campaign = campaign_for(scope.unit, scope.year) if scope.unit else None
    light = request.GET.get("light", "")
    if light in ("red", "yellow", "green"):
        lights = warning_lights(qs, scope.as_of, campaign)
        qs = qs.filter(pk__in=[pk for pk, lt in lights.items() if lt.color == light])
    paginator = Paginator(qs.select_related("unit", "leader"), 50)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    lights = warning_lights(
        Project.objects.filter(pk__in=[p.pk for p in rows]), scope.as_of, campaign
    )
    for p in rows:
        p.light = lights.get(p.pk)
    query = request.GET.copy()
    query.pop("page", None)
    export_query = query.copy()
    export_query.pop("light", None)
    return render(
        request,
        "web/project_list.html",
        {
            "scope": scope,
            "filter": flt,
            "error": error,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "export_query": export_query.urlencode(),
            "units": units_visible_to(request.user).exclude(kind=Unit.Kind.DEPARTMENT),
            "stages": Stage.choices,
            "categories": Category.choices,
            "tags": Tag.objects.all(),
            "batches": Batch.objects.all(),
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
def project_detail(request, pk: int):
    project = get_object_or_404(
        Project.objects.visible_to(request.user)
        .select_related("unit", "responsible_unit", "leader")
        .prefetch_related(
            "tags",
            "batches",
            Prefetch("transitions", queryset=StageTransition.objects.order_by("occurred_on", "pk")),
        ),
        pk=pk,
    )
    campaign = campaign_for(project.unit, _latest_year())
    as_of = campaign.default_as_of(timezone.localdate()) if campaign else timezone.localdate()
    light = warning_lights(Project.objects.filter(pk=project.pk), as_of, campaign).get(project.pk)
    reports = list(project.reports.select_related("submitted_by").order_by("-period_start", "-pk"))
    problems = list(project.problems.select_related("owner_unit", "leader").order_by("-raised_on"))
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
        "web/project_detail.html",
        {
            "project": project,
            "light": light,
            "as_of": as_of,
            "reports": reports,
            "problems": problems,
            "can_edit": can_write_unit(request.user, project.unit),
            "is_office": is_office(request.user),
            "pin": pin,
            "map_config": map_config_for(project.unit) if pin else None,
            "money": {
                "total": format_amount(project.total_investment, "亿元"),
                "planned": format_amount(project.planned_investment, "万元"),
                "completed": format_amount(project.completed_investment, "万元"),
            },
            "today": timezone.localdate(),
        },
    )


def _latest_year() -> int:
    from gongjian.indicators.models import Campaign

    c = Campaign.objects.order_by("-year").first()
    return c.year if c else timezone.localdate().year


# --- 调度 ---------------------------------------------------------------------------------


@login_required
def dispatch(request):
    scope, away = _scope_or_redirect(request)
    if away:
        return away
    period = sel.dispatch_period(request, scope)
    deadline = scope.campaign.report_deadline(period.end) if scope.campaign else None
    projects = list(sel.due_projects(request.user, scope.unit, period).order_by("reported", "code"))
    for p in projects:
        p.cadence_label = Cadence(p.cadence).label
    missing = [p for p in projects if not p.reported]
    by_unit = sel.dispatch_status_by_unit(request.user, scope.unit, period)
    query = {"unit": scope.unit.pk, "period": f"{period.start:%Y-%m}"}
    months = [f"{scope.year}-{m:02d}" for m in range(1, 13)]
    return render(
        request,
        "web/dispatch.html",
        {
            "scope": scope,
            "period": period,
            "period_value": f"{period.start:%Y-%m}",
            "months": months,
            "deadline": deadline,
            "overdue": bool(deadline and timezone.localdate() > deadline),
            "projects": projects,
            "missing": missing,
            "by_unit": by_unit,
            "query": urlencode(query),
            "export_query": urlencode(
                {
                    "unit": scope.unit.pk,
                    "period_start": period.start.isoformat(),
                    "period_end": period.end.isoformat(),
                }
            ),
            "is_office": is_office(request.user),
        },
    )


@login_required
def dispatch_reminders(request):
    scope, away = _scope_or_redirect(request)
    if away:
        return away
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
        "web/dispatch_reminders.html",
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
        Project.objects.visible_to(request.user).select_related("unit"), pk=pk
    )
    if not Project.objects.editable_by(request.user).filter(pk=pk).exists():
        raise Http404(_("没有这个项目"))
    scope = sel.resolve_scope(request)
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
        form = ProgressReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():  # a refused photo leaves no report behind
                    report = project_services.progress_report_submit(
                        actor=request.user,
                        project=project,
                        period_start=period.start,
                        period_end=period.end,
                        investment_this_period=data["investment_this_period"],
                        cumulative_investment=data["cumulative_investment"],
                        progress_text=data["progress_text"],
                        problems_text=data["problems_text"],
                    )
                    if data.get("photo"):
                        project_services.progress_report_attach_photo(
                            actor=request.user, report=report, photo=data["photo"]
                        )
            except (ValidationError, PermissionDenied) as exc:
                message = _errors_text(exc) if isinstance(exc, ValidationError) else str(exc)
                form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("已报送“%(name)s” %(period)s 进度")
                    % {"name": project.name, "period": period.label},
                )
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
        form = ProgressReportForm(initial=initial)
    return render(
        request,
        "web/report_form.html",
        {
            "project": project,
            "period": period,
            "form": form,
            "existing": existing,
            "previous": previous,
            "previous_cumulative": format_amount(previous.cumulative_investment, "万元")
            if previous
            else format_amount(project.completed_investment, "万元"),
            "back": "/dispatch/?" + request.GET.urlencode(),
        },
    )


# --- 包保 -----------------------------------------------------------------------------------


@login_required
def baobao(request):
    leader = request.user
    leaders = []
    if is_office(request.user):
        leaders = list(
            User.objects.filter(led_projects__isnull=False).distinct().order_by("username")
        )
        ref = request.GET.get("leader", "")
        if ref:
            leader = get_object_or_404(User, username=ref)
    projects = list(
        Project.objects.visible_to(request.user)
        .filter(leader=leader)
        .select_related("unit")
        .order_by("-total_investment", "code")
    )
    as_of = _default_as_of()
    campaign = campaign_for(projects[0].unit, as_of.year) if projects else None
    lights = warning_lights(
        Project.objects.visible_to(request.user).filter(leader=leader), as_of, campaign
    )
    for p in projects:
        p.light = lights.get(p.pk)
        p.total_text = format_amount(p.total_investment, "亿元")
    problems = list(sel.leader_problems(request.user, leader))
    open_problems = [p for p in problems if p.is_open]
    return render(
        request,
        "web/baobao.html",
        {
            "leader": leader,
            "leaders": leaders,
            "projects": projects,
            "problems": problems,
            "open_count": len(open_problems),
            "overdue_count": sum(1 for p in problems if p.is_overdue),
            "as_of": as_of,
            "export_query": urlencode({"status": ["open", "assigned"]}, doseq=True),
            "today": timezone.localdate(),
        },
    )


def _default_as_of() -> dt.date:
    from gongjian.indicators.models import Campaign

    campaign = Campaign.objects.order_by("-year").first()
    today = timezone.localdate()
    return campaign.default_as_of(today) if campaign else today


@login_required
@require_http_methods(["GET", "POST"])
def problem_detail(request, pk: int):
    problem = get_object_or_404(
        Problem.objects.filter(
            project__in=Project.objects.visible_to(request.user).values("pk")
        ).select_related("project", "project__unit", "owner_unit", "leader"),
        pk=pk,
    )
    units = Unit.objects.filter(is_active=True).order_by("path")
    form = ProblemActionForm(request.POST or None, problem=problem, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project_services.problem_act(
                actor=request.user,
                problem=problem,
                to_status=data["to_status"],
                comment=data["comment"],
                owner_unit=data["owner_unit"],
            )
        except ValidationError as exc:
            form.add_error(None, _errors_text(exc))
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存办理记录"))
            return redirect("web:problem", pk=problem.pk)
    comments = list(
        ProblemComment.objects.filter(problem=problem)
        .select_related("author")
        .order_by("created_at")
    )
    return render(
        request,
        "web/problem_detail.html",
        {
            "problem": problem,
            "form": form,
            "comments": comments,
            "overdue": problem_is_overdue(problem),
            "statuses": Problem.Status.choices,
        },
    )


# --- 挂图作战 -----------------------------------------------------------------------------


@login_required
def map_page(request):
    scope, away = _scope_or_redirect(request)
    if away:
        return away
    indicators = list(
        Indicator.objects.filter(
            is_active=True, kind=Indicator.Kind.COMPUTED, fixed_unit=None
        ).order_by("sort_order", "code")
    )
    code = request.GET.get("indicator", "")
    indicator = next((i for i in indicators if i.code == code), None) or (
        indicators[0] if indicators else None
    )
    districts = [u for u in sel.compared_units(scope.unit) if u.code]
    values = evaluate_by_unit(indicator, districts, scope.period) if indicator and districts else {}
    config = map_config_for(scope.unit)
    projects = Project.objects.visible_to(request.user).in_subtree(scope.unit)
    lights = warning_lights(projects, scope.as_of, campaign_for(scope.unit, scope.year))
    points = [
        {
            "id": pk,
            "name": name,
            "value": [float(lon), float(lat)],
            "light": lights[pk].color if pk in lights else "",
        }
        for pk, name, lat, lon in projects.exclude(latitude=None)
        .exclude(longitude=None)
        .values_list("pk", "name", "latitude", "longitude")
    ]
    region_rows = [
        {
            "code": u.code,
            "name": u.name,
            "value": sel.chart_number(values.get(u.pk), indicator.display_unit),
            "text": sel.display(values.get(u.pk), indicator.display_unit),
            "unit": u.pk,
        }
        for u in districts
    ]
    return render(
        request,
        "web/map.html",
        {
            "scope": scope,
            "indicators": indicators,
            "indicator": indicator,
            "config": config,
            "can_configure": is_office(request.user),
            "map_data": {
                "map": config.map_name if config else "",
                "indicator": indicator.name if indicator else "",
                "unitLabel": _("亿元")
                if indicator and indicator.display_unit == "元"
                else (indicator.display_unit if indicator else ""),
                "regions": region_rows,
                "points": points,
                "lightNames": {k: str(v) for k, v in sel.LIGHT_LABELS.items()},
            },
            "regions": region_rows,
            "light_counts": {
                c: sum(1 for p in points if p["light"] == c) for c in ("red", "yellow", "green")
            },
        },
    )


@login_required
def map_shape(request, pk: int):
    """The configured district map as an ECharts map script (served from this host)."""
    from .models import MapConfig

    config = get_object_or_404(MapConfig, pk=pk)
    response = HttpResponse(map_script(config), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def map_settings(request):
    if not is_office(request.user):
        raise Http404
    scope = sel.resolve_scope(request)
    config = map_config_for(scope.unit) if scope.unit else None
    form = MapConfigForm(
        request.POST or None,
        request.FILES or None,
        initial={"map_name": config.map_name, "package_map": config.package_map} if config else {},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        geojson = data["geojson_file"]
        try:
            map_config_set(
                actor=request.user,
                unit=scope.unit,
                map_name=data["map_name"],
                package_map="" if geojson else data["package_map"].strip(),
                geojson=geojson,
            )
        except ValidationError as exc:
            form.add_error(None, _errors_text(exc))
        else:
            messages.success(request, _("地图已保存"))
            return redirect("web:map")
    return render(
        request, "web/map_settings.html", {"form": form, "scope": scope, "config": config}
    )


# --- 赛马 ---------------------------------------------------------------------------------


@login_required
def rankings(request):
    scope, away = _scope_or_redirect(request)
    if away:
        return away
    schemes = list(
        RankingScheme.objects.filter(
            year=scope.year, parent_unit__in=[u.pk for u in scope.units]
        ).order_by("code")
    )
    code = request.GET.get("scheme", "")
    scheme = next((s for s in schemes if s.code == code), schemes[0] if schemes else None)
    rows, previous, items = [], None, []
    if scheme is not None:
        prev_end = scope.as_of.replace(day=1) - dt.timedelta(days=1)
        previous = (
            Period.year_to_date(scope.year, prev_end) if prev_end.year == scope.year else None
        )
        rows = ranking(scheme, scope.period, previous)
        items = list(scheme.items.select_related("indicator").order_by("pk"))
        for row in rows:
            row.cells = []
            for item in items:
                part = row.parts.get(item.indicator.code, {})
                row.cells.append(
                    {
                        "value": sel.display(part.get("value"), item.indicator.display_unit),
                        "rate": "—" if part.get("rate") is None else f"{part['rate'] * 100:.1f}%",
                        "weighted": part.get("weighted"),
                    }
                )
    chart = {
        "units": [r.unit.name for r in rows],
        "series": [
            {
                "name": i.indicator.name,
                "values": [r.parts[i.indicator.code]["weighted"] for r in rows],
            }
            for i in items
        ],
    }
    return render(
        request,
        "web/rankings.html",
        {
            "scope": scope,
            "schemes": schemes,
            "scheme": scheme,
            "rows": rows,
            "items": items,
            "previous": previous,
            "chart": chart,
            "export_query": urlencode(
                {
                    "scheme": scheme.code if scheme else "",
                    "year": scope.year,
                    "as_of": scope.as_of.isoformat(),
                }
            ),
        },
    )


# --- 目标 ---------------------------------------------------------------------------------


@login_required
def targets(request):
    scope, away = _scope_or_redirect(request)
    if away:
        return away
    units = [scope.unit, *sel.compared_units(scope.unit)]
    rows = []
    all_targets = list(
        Target.objects.filter(unit__in=units, year=scope.year, indicator__is_active=True)
        .select_related("indicator", "indicator__fixed_unit", "indicator__base_indicator", "unit")
        .order_by("unit__depth", "unit__sort_order", "indicator__sort_order")
    )
    for t in all_targets:
        c = completion(t.indicator, t.unit, scope.year, scope.as_of, target=t)
        rows.append(
            {
                "unit": t.unit,
                "indicator": t.indicator,
                "value": sel.display(c.value, t.indicator.display_unit),
                "target": sel.display(c.target, t.indicator.display_unit),
                "rate": "—" if c.rate is None else f"{c.rate * 100:.1f}%",
                "bar": 0 if c.rate is None else max(0, min(100, round(c.rate * 100))),
                "ahead": c.ahead,
                "gap": None if c.rate is None else round((c.rate - c.pro_rata) * 100, 1),
            }
        )
    months = list(range(1, 13))
    own = [
        t
        for t in all_targets
        if t.unit_id == scope.unit.pk and t.indicator.kind == Indicator.Kind.COMPUTED
    ]
    series = []
    for t in own[:6]:
        values = completion_by_month(t.indicator, scope.unit, scope.year, scope.as_of, t.value)
        series.append({"name": t.indicator.name, "values": values})
    chart = {
        "months": [f"{m}月" for m in months],
        "series": series,
        "pro_rata": {
            "name": _("序时进度"),
            "values": [
                round(sel.pro_rata(Period.month(scope.year, m).end) * 100, 1) for m in months
            ],
        },
    }
    return render(
        request,
        "web/targets.html",
        {
            "scope": scope,
            "rows": rows,
            "chart": chart,
            "pro_rata_percent": f"{scope.pro_rata * 100:.1f}%",
            "export_query": urlencode(
                {"unit": scope.unit.pk, "year": scope.year, "as_of": scope.as_of.isoformat()}
            ),
        },
    )


# --- 集中开工 / 签约, 提级管理, 督办 --------------------------------------------------------


def _mechanism_scope(request):
    scope = sel.resolve_scope(request)
    if scope.unit is None:
        raise Http404(_("没有可查看的单位"))
    return scope


@login_required
def batches(request):
    from .mechanisms import batch_summary

    scope = _mechanism_scope(request)
    rows = [
        batch_summary(b, scope.unit)
        for b in Batch.objects.exclude(kind=Batch.Kind.KEY_LIST).order_by(
            "-year", "held_on", "code"
        )
    ]
    return render(request, "web/batches.html", {"scope": scope, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def batch_detail(request, code: str):
    from .forms import BatchEventForm
    from .mechanisms import batch_by_unit, batch_projects, batch_summary

    batch = get_object_or_404(Batch, code=code)
    scope = _mechanism_scope(request)
    office = is_office(request.user)
    form = None
    if office:
        form = BatchEventForm(
            request.POST or None, initial={"held_on": batch.held_on, "place": batch.place}
        )
        if request.method == "POST" and form.is_valid():
            try:
                project_services.batch_update(actor=request.user, batch=batch, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(
                    None, _errors_text(exc) if isinstance(exc, ValidationError) else str(exc)
                )
            else:
                messages.success(request, _("已保存日期和地点"))
                return redirect("web:batch", code=batch.code)
    elif request.method == "POST":
        raise Http404(_("没有这个页面"))
    projects = list(batch_projects(request.user, batch, scope.unit))
    for p in projects:
        p.total_text = format_amount(p.total_investment, "亿元")
    return render(
        request,
        "web/batch_print.html" if request.GET.get("print") else "web/batch_detail.html",
        {
            "scope": scope,
            "batch": batch,
            "summary": batch_summary(batch, scope.unit),
            "by_unit": batch_by_unit(batch, scope.unit),
            "projects": projects,
            "form": form,
            "query": urlencode({"unit": scope.unit.pk}),
        },
    )


@login_required
def escalated(request):
    from .mechanisms import escalated_projects, escalation_events

    projects = list(escalated_projects(request.user))
    for p in projects:
        p.total_text = format_amount(p.total_investment, "亿元")
    return render(
        request,
        "web/escalated.html",
        {"projects": projects, "events": escalation_events(request.user)},
    )


@login_required
def supervision(request):
    """督办: problems the deadline escalation moved up — the office's list, or a leader's."""
    from gongjian.projects.models import EscalationLevel

    from .mechanisms import supervision_problems

    office = is_office(request.user)
    level = EscalationLevel.OFFICE if office else EscalationLevel.LEADER
    if request.GET.get("level") in (EscalationLevel.LEADER, EscalationLevel.OFFICE):
        level = request.GET["level"]
    problems = list(supervision_problems(request.user, level))
    return render(
        request,
        "web/supervision.html",
        {
            "problems": problems,
            "level": level,
            "levels": [
                (EscalationLevel.OFFICE, _("市攻坚办督办")),
                (EscalationLevel.LEADER, _("包保领导及以上")),
            ],
            "today": timezone.localdate(),
        },
    )
