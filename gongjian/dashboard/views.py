"""The leaders' pages: the dashboard (领导驾驶舱), the map (挂图作战), the 赛马 rankings and
the targets. Thin: a scope, the engine's figures (``selectors``), a template."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongjian.appeals.selectors import hotline_clerk
from gongjian.finance.selectors import only_institution_staff
from gongjian.indicators.display import chart_number, display
from gongjian.indicators.engine import completion, completion_by_month, evaluate_by_unit, ranking
from gongjian.indicators.models import Indicator, RankingScheme, Target
from gongjian.indicators.periods import resolve_scope
from gongjian.kit.dates import Period, pro_rata
from gongjian.kit.http import errors_text
from gongjian.kit.scope import Action, allows, principal
from gongjian.projects.lights import warning_light_counts, warning_lights
from gongjian.projects.models import Project
from gongjian.strategy.selectors import park_points, pillars_for
from gongjian.units.maps import map_config_for, map_script
from gongjian.units.models import MapConfig, Role
from gongjian.units.selectors import compared_units
from gongjian.units.services import map_config_set

from . import selectors as sel
from .forms import MapConfigForm

# --- 驾驶舱 --------------------------------------------------------------------------


@login_required
def home(request):
    """Each role's home: a 包保 leader's is their 包保 page (the dashboard is one menu
    entry away); a 12345 centre's clerk's the 诉求 board; everyone else's the dashboard."""
    if principal(request.user).roles == {Role.LEADER}:
        return redirect("projects:baobao")
    if only_institution_staff(request.user):  # a 金融机构's own account: its platform
        return redirect("finance:home")
    if hotline_clerk(request.user):
        return redirect("appeals:board")
    return dashboard(request)


@login_required
def dashboard(request):
    scope = resolve_scope(request, require_unit=True)
    pillars = pillars_for(scope.campaign, prefetch=())  # a chosen one reads its indicators
    code = request.GET.get("pillar", "")
    pillar = next((p for p in pillars if p.code == code), None)
    if code and pillar is None:
        raise Http404(_("没有该战略支柱"))
    data = sel.dashboard(request.user, scope, pillar=pillar)
    others = data.others
    query = {"unit": scope.unit.pk, "year": scope.year, "as_of": scope.as_of.isoformat()}
    return render(
        request,
        "dashboard/dashboard.html",
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
            "nav_active": "dashboard",  # at the home page too
            "pillars": pillars,
            "pillar": pillar,
            "pillar_query": urlencode(query),
        },
    )


# --- 挂图作战 -----------------------------------------------------------------------------


@login_required
def map_page(request):
    scope = resolve_scope(request, require_unit=True)
    indicators = list(
        Indicator.objects.filter(
            is_active=True, kind=Indicator.Kind.COMPUTED, fixed_unit=None
        ).order_by("sort_order", "code")
    )
    code = request.GET.get("indicator", "")
    indicator = next((i for i in indicators if i.code == code), None) or (
        indicators[0] if indicators else None
    )
    districts = [u for u in compared_units(scope.unit) if u.code]  # the map's regions
    values = evaluate_by_unit(indicator, districts, scope.period) if indicator and districts else {}
    config = map_config_for(scope.unit)
    projects = Project.objects.restrict(request.user, Action.VIEW).in_subtree(scope.unit)
    located = projects.exclude(latitude=None).exclude(longitude=None)
    lights = warning_lights(located, scope.as_of, scope.campaign)
    # each point names the district it lies in: at city zoom the map shows one bubble a
    # district (its count), the points themselves once zoomed in
    compared = compared_units(scope.unit)
    by_path = sorted(((u.path, u.pk) for u in compared), key=lambda pc: -len(pc[0]))
    points = [
        {
            "id": pk,
            "name": name,
            "value": [float(lon), float(lat)],
            "light": lights[pk].color if pk in lights else "",
            "district": next((pk for p, pk in by_path if path.startswith(p)), None),
        }
        for pk, name, lat, lon, path in located.values_list(
            "pk", "name", "latitude", "longitude", "unit__path"
        )
    ]
    parks = park_points(request.user, scope.unit)  # the parks layer
    region_rows = [
        {
            "code": u.code,
            "name": u.name,
            "value": chart_number(values.get(u.pk), indicator.display_unit),
            "text": display(values.get(u.pk), indicator.display_unit),
            "unit": u.pk,
        }
        for u in districts
    ]
    return render(
        request,
        "dashboard/map.html",
        {
            "scope": scope,
            "indicators": indicators,
            "indicator": indicator,
            "config": config,
            "can_configure": allows(request.user, Action.MANAGE, scope.unit),
            "map_data": {
                "map": config.map_name if config else "",
                "indicator": indicator.name if indicator else "",
                "unitLabel": _("亿元")
                if indicator and indicator.display_unit == "元"
                else (indicator.display_unit if indicator else ""),
                "regions": region_rows,
                "points": points,
                "lightNames": {k: str(v) for k, v in sel.LIGHT_LABELS.items()},
                "clusterName": _("项目(按区县汇总,放大地图查看各项目)"),
                "clusterUnits": {u.pk: u.name for u in compared},
                "parks": parks,
                "parksName": _("园区"),
            },
            "regions": region_rows,
            "parks": parks,
            "light_counts": warning_light_counts(projects, scope.as_of, scope.campaign),
        },
    )


@login_required
def map_shape(request, pk: int):
    """The configured district map as an ECharts map script (served from this host)."""
    config = get_object_or_404(MapConfig, pk=pk)
    response = HttpResponse(map_script(config), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def map_settings(request):
    scope = resolve_scope(request, require_unit=True)
    if not allows(request.user, Action.MANAGE, scope.unit):
        raise Http404
    config = map_config_for(scope.unit)
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
            form.add_error(None, errors_text(exc))
        else:
            messages.success(request, _("地图已保存"))
            return redirect("dashboard:map")
    return render(
        request, "dashboard/map_settings.html", {"form": form, "scope": scope, "config": config}
    )


# --- 赛马 ---------------------------------------------------------------------------------


@login_required
def rankings(request):
    scope = resolve_scope(request, require_unit=True)
    # the schemes the shown unit competes in or runs: a district sees the city's 赛马
    schemes = [
        s
        for s in RankingScheme.objects.restrict(request.user, Action.VIEW)
        .filter(year=scope.year)
        .select_related("parent_unit")
        .order_by("code")
        if s.parent_unit.is_within(scope.unit) or scope.unit.is_within(s.parent_unit)
    ]
    code = request.GET.get("scheme", "")
    scheme = next((s for s in schemes if s.code == code), schemes[0] if schemes else None)
    rows, previous, items = [], None, []
    if scheme is not None:
        prev_end = scope.as_of.replace(day=1) - dt.timedelta(days=1)
        previous = (
            Period.year_to_date(scope.year, prev_end) if prev_end.year == scope.year else None
        )
        rows = ranking(scheme, scope.period, previous, viewer=request.user)
        items = list(scheme.items.select_related("indicator").order_by("pk"))
        for row in rows:
            row.cells = []
            for item in items:
                part = row.parts.get(item.indicator.code, {})
                row.cells.append(
                    {
                        "value": ""
                        if row.hidden
                        else display(part.get("value"), item.indicator.display_unit),
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
        "dashboard/rankings.html",
        {
            "scope": scope,
            "schemes": schemes,
            "scheme": scheme,
            "rows": rows,
            "items": items,
            "previous": previous,
            "chart": chart,
            "hidden_rows": any(r.hidden for r in rows),
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
    scope = resolve_scope(request, require_unit=True)
    units = [scope.unit, *compared_units(scope.unit)]
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
                "value": display(c.value, t.indicator.display_unit),
                "target": display(c.target, t.indicator.display_unit),
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
            "values": [round(pro_rata(Period.month(scope.year, m).end) * 100, 1) for m in months],
        },
    }
    return render(
        request,
        "dashboard/targets.html",
        {
            "scope": scope,
            "rows": rows,
            "chart": chart,
            "pro_rata_percent": f"{scope.pro_rata * 100:.1f}%",
            "may_split": allows(request.user, Action.MANAGE, scope.unit),
            "export_query": urlencode(
                {"unit": scope.unit.pk, "year": scope.year, "as_of": scope.as_of.isoformat()}
            ),
        },
    )
