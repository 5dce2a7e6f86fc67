"""The strategy's pages (pillars, the review's themes), the parks and the industrial
clusters. Thin: a scope, a selector or a service, a template; every figure from the
engine (``selectors``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongjian.enterprises.models import IndustryCluster
from gongjian.indicators.periods import resolve_scope
from gongjian.kit.errors import messages_of
from gongjian.kit.scope import Action, allows
from gongjian.policies.models import Policy
from gongjian.projects.models import Tag
from gongjian.units.models import Unit

from . import selectors, services
from .forms import LinkForm, ParkForm, PillarForm, ThemeForm, TrackForm
from .models import Park, Pillar, Theme


def _render_form(request, form, errors: list[str], title: str):
    response = render(request, "kit/form.html", {"form": form, "errors": errors, "title": title})
    if errors:
        response.status_code = 422
    return response


def _campaign_to_manage(request):
    scope = resolve_scope(request, require_unit=True)
    campaign = scope.campaign
    if campaign is None or not allows(request.user, Action.MANAGE, campaign.root_unit):
        raise PermissionDenied(_("只有攻坚办可以设定发展战略"))
    return campaign


@login_required
def home(request):
    """The campaign's pillars (each with its projects' figures in the chosen unit) and the
    review's themes."""
    scope = resolve_scope(request, require_unit=True)
    pillars = selectors.pillars_for(scope.campaign)
    figures = selectors.pillars_figures(pillars, scope.unit, scope.period)
    rows = list(zip(pillars, figures, strict=True))
    can_manage = scope.campaign is not None and allows(
        request.user, Action.MANAGE, scope.campaign.root_unit
    )
    return render(
        request,
        "strategy/home.html",
        {
            "scope": scope,
            "rows": rows,
            "themes": selectors.themes_for(scope.campaign),
            "can_manage": can_manage,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pillar_create(request):
    return _pillar_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def pillar_edit(request, pk: int):
    pillar = get_object_or_404(Pillar.objects.restrict(request.user, Action.VIEW), pk=pk)
    return _pillar_form(request, pillar)


def _pillar_form(request, pillar: Pillar | None):
    campaign = pillar.campaign if pillar else _campaign_to_manage(request)
    if not allows(request.user, Action.MANAGE, campaign.root_unit):
        raise PermissionDenied(_("只有攻坚办可以设定发展战略"))
    policies = Policy.objects.restrict(request.user, Action.VIEW).order_by("pk")
    initial = None
    if pillar is not None:
        initial = {
            "code": pillar.code,
            "name": pillar.name,
            "description": pillar.description,
            "sort_order": pillar.sort_order,
            "categories": pillar.categories,
            "tags": [t.slug for t in pillar.tags.all()],
            "indicators": "\n".join(i.code for i in pillar.indicators.all()),
            "policies": list(pillar.policies.values_list("pk", flat=True)),
        }
    form = PillarForm(
        request.POST or None,
        initial=initial,
        tags=Tag.objects.order_by("name"),
        policies=policies,
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.pillar_save(
                actor=request.user,
                campaign=campaign,
                pillar=pillar,
                categories=data.pop("categories"),
                tag_slugs=data.pop("tags"),
                indicator_codes=data.pop("indicators"),
                policies=list(data.pop("policies")),
                **data,
            )
        except (ValidationError, PermissionDenied) as exc:
            errors = messages_of(exc)
        else:
            return redirect("strategy:home")
    title = _("修改战略支柱") if pillar else _("新建战略支柱")
    return _render_form(request, form, errors, title)


@login_required
@require_http_methods(["GET", "POST"])
def theme_create(request):
    return _theme_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def theme_edit(request, pk: int):
    theme = get_object_or_404(Theme.objects.restrict(request.user, Action.VIEW), pk=pk)
    return _theme_form(request, theme)


def _theme_form(request, theme: Theme | None):
    campaign = theme.campaign if theme else _campaign_to_manage(request)
    if not allows(request.user, Action.MANAGE, campaign.root_unit):
        raise PermissionDenied(_("只有攻坚办可以设定发展战略"))
    initial = None
    if theme is not None:
        initial = {
            "name": theme.name,
            "terms": "、".join(theme.terms),
            "sort_order": theme.sort_order,
        }
    form = ThemeForm(request.POST or None, initial=initial)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.theme_save(
                actor=request.user, campaign=campaign, theme=theme, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            errors = messages_of(exc)
        else:
            return redirect("strategy:home")
    title = _("修改综述主题") if theme else _("新建综述主题")
    return _render_form(request, form, errors, title)


# --- parks ----------------------------------------------------------------------------


@login_required
def parks(request):
    scope = resolve_scope(request, require_unit=True)
    board = selectors.park_board(request.user, scope.unit, scope.period)
    return render(
        request,
        "strategy/parks.html",
        {
            "scope": scope,
            "board": board,
            "can_manage": bool(services.units_for_parks(request.user)),
        },
    )


def _manage_units(request):
    units = services.units_for_parks(request.user)
    if not units:
        raise PermissionDenied(_("只有攻坚办可以维护园区"))
    return Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("path")


@login_required
@require_http_methods(["GET", "POST"])
def park_create(request):
    return _park_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def park_edit(request, pk: int):
    park = get_object_or_404(Park.objects.restrict(request.user, Action.MANAGE), pk=pk)
    return _park_form(request, park)


def _park_form(request, park: Park | None):
    units = _manage_units(request)
    initial = None
    if park is not None:
        initial = {f: getattr(park, f) for f in services.PARK_FIELDS}
    form = ParkForm(request.POST or None, initial=initial, units=units, editing=park is not None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if park is not None:
            data.pop("code", None)
        elif Park.objects.filter(code=data["code"]).exists():
            errors = [_("园区编码“%(c)s”已存在") % {"c": data["code"]}]
        if not errors:
            try:
                saved = services.park_save(actor=request.user, park=park, **data)
            except (ValidationError, PermissionDenied) as exc:
                errors = messages_of(exc)
            else:
                return redirect("strategy:park_detail", pk=saved.pk)
    title = _("修改园区") if park else _("新建园区")
    return _render_form(request, form, errors, title)


@login_required
@require_http_methods(["GET", "POST"])
def park_detail(request, pk: int):
    """A park: its figures (from the engine), its projects and enterprises; its office
    links projects (by code) and enterprises (by credit code)."""
    park = get_object_or_404(
        Park.objects.restrict(request.user, Action.VIEW).select_related("unit"), pk=pk
    )
    scope = resolve_scope(request)
    can_manage = allows(request.user, Action.MANAGE, park.unit)
    errors: list[str] = []
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("只有攻坚办可以维护园区"))
        form = LinkForm(request.POST)
        which = request.POST.get("link")
        if which not in ("projects", "enterprises"):
            raise Http404
        if form.is_valid():
            codes = form.cleaned_data["codes"]
            try:
                if which == "projects":
                    services.park_link_projects(actor=request.user, park=park, codes=codes)
                else:
                    services.park_link_enterprises(
                        actor=request.user, park=park, credit_codes=codes
                    )
            except (ValidationError, PermissionDenied) as exc:
                errors = messages_of(exc)
            else:
                return redirect("strategy:park_detail", pk=park.pk)
    projects = park.projects.restrict(request.user, Action.VIEW).order_by("code")
    enterprises = park.enterprises.restrict(request.user, Action.VIEW).order_by("name")
    response = render(
        request,
        "strategy/park.html",
        {
            "park": park,
            "scope": scope,
            "figures": selectors.park_figures(park, park.unit, scope.period),
            "projects": projects[:200],
            "enterprises": enterprises[:200],
            "can_manage": can_manage,
            "errors": errors,
            "project_codes": "\n".join(projects.values_list("code", flat=True)),
            "credit_codes": "\n".join(enterprises.values_list("credit_code", flat=True)),
        },
    )
    if errors:
        response.status_code = 422
    return response


# --- clusters -------------------------------------------------------------------------


@login_required
def clusters(request):
    scope = resolve_scope(request, require_unit=True)
    board = selectors.cluster_board(request.user, scope.unit, scope.period)
    manageable = {
        c.pk
        for c, _f in board.rows
        if c.unit is not None and allows(request.user, Action.MANAGE, c.unit)
    }
    return render(
        request,
        "strategy/clusters.html",
        {
            "scope": scope,
            "board": board,
            "manageable": manageable,
            "tracks": TrackForm.base_fields["track"].choices,
        },
    )


@login_required
@require_POST
def cluster_track(request, pk: int):
    cluster = get_object_or_404(
        IndustryCluster.objects.restrict(request.user, Action.MANAGE), pk=pk
    )
    form = TrackForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("发展定位无效"), status=422, content_type="text/plain; charset=utf-8")
    services.cluster_track_set(
        actor=request.user, cluster=cluster, track=form.cleaned_data["track"]
    )
    return redirect("strategy:clusters")
