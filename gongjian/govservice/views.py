"""政务(便民)服务地图 pages.

- The public map (``map``, ``map_shape``): no sign-in, read-only (GET only), rate-limited;
  it shows the public fields of the public points only. A search finds the services by
  name or keyword and lists the points handling them, nearest first when the browser gave
  a location (``lat``/``lon``, sent by the page's script or typed in the URL). The list is
  the map's text alternative and works without JavaScript.
- The office's pages: the 办件 board (every figure from the engine), the points and the
  services (kept by the office, on pages and by Excel), the 办件 list.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gongjian.indicators.periods import resolve_year_as_of
from gongjian.kit.errors import messages_of
from gongjian.kit.ratelimit import rate_limited
from gongjian.kit.scope import Action, holds
from gongjian.units.maps import map_config_for, map_script
from gongjian.units.selectors import compared_units, unit_visible_or_404

from . import selectors, services
from .forms import ItemForm, PointForm, SearchForm
from .models import ServiceItem, ServicePoint


@require_GET
@rate_limited("service-map")
def public_map(request):
    city = selectors.public_city(request.GET.get("city"))
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    lat, lon = selectors.parse_location(request.GET.get("lat"), request.GET.get("lon"))
    found = selectors.public_search(city, query, lat, lon)
    data = {
        "map": found.map_config.map_name if found.map_config else "",
        "points": [p.as_json() for p in found.points if p.latitude is not None],
        "here": [lon, lat] if found.located else None,
        "hereName": _("您的位置"),
    }
    return render(
        request,
        "govservice/public_map.html",
        {
            "city": city,
            "form": form,
            "found": found,
            "map_data": data,
            "lat": lat,
            "lon": lon,
        },
    )


@require_GET
@rate_limited("service-map")
def public_shape(request):
    """The city's district boundaries as an ECharts map script (geography only)."""
    city = selectors.public_city(request.GET.get("city"))
    config = map_config_for(city) if city else None
    if config is None:
        raise Http404
    response = HttpResponse(map_script(config), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --- the office's pages ---------------------------------------------------------------


def _can_manage(user) -> bool:
    return holds(user, Action.MANAGE)


@login_required
def board(request):
    unit = unit_visible_or_404(request.user, request.GET.get("unit"))
    shown = resolve_year_as_of(unit=unit)
    view = selectors.board(unit, shown.year, shown.as_of, compared_units(unit))
    return render(request, "govservice/board.html", {"view": view, "unit": unit})


@login_required
def point_list(request):
    query = request.GET.get("q", "").strip()[:50]
    qs = selectors.points_for(request.user, query=query).prefetch_related("items")
    page = Paginator(qs.order_by("unit__sort_order", "kind", "code"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "govservice/points.html",
        {"page": page, "q": query, "can_manage": _can_manage(request.user)},
    )


@login_required
def item_list(request):
    query = request.GET.get("q", "").strip()[:50]
    qs = selectors.items_for(request.user, query).prefetch_related("points")
    page = Paginator(qs.order_by("code"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "govservice/items.html",
        {"page": page, "q": query, "can_manage": _can_manage(request.user)},
    )


@login_required
def transaction_list(request):
    qs, filters = selectors.transactions_for(request.user, request.GET)
    page = Paginator(qs.order_by("-received_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(request, "govservice/transactions.html", {"page": page, "filters": filters})


def _manage_units(request):
    units = services.units_for_points(request.user)
    if not units.exists():
        raise PermissionDenied(_("只有攻坚办可以维护政务服务网点和事项"))
    return units.order_by("depth", "sort_order")


def _render_form(request, template: str, form, errors: list[str], title: str):
    response = render(request, template, {"form": form, "errors": errors, "title": title})
    if errors:
        response.status_code = 422
    return response


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request):
    return _item_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int):
    item = get_object_or_404(ServiceItem.objects.restrict(request.user, Action.MANAGE), pk=pk)
    return _item_form(request, item)


def _item_form(request, item: ServiceItem | None):
    units = _manage_units(request)
    initial = None
    if item is not None:
        initial = {f: getattr(item, f) for f in ("code", *services.ITEM_FIELDS)}
    form = ItemForm(request.POST or None, initial=initial, units=units, editing=item is not None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code = item.code if item else data.pop("code")
        data.pop("code", None)
        if item is None and ServiceItem.objects.filter(code=code).exists():
            errors = [_("事项编码“%(c)s”已存在") % {"c": code}]
        else:
            try:
                services.item_save(actor=request.user, code=code, **data)
            except (ValidationError, PermissionDenied) as exc:
                errors = messages_of(exc)
            else:
                return redirect("govservice:items")
    title = _("修改事项") if item else _("新建事项")
    return _render_form(request, "kit/form.html", form, errors, title)


@login_required
@require_http_methods(["GET", "POST"])
def point_create(request):
    return _point_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def point_edit(request, pk: int):
    point = get_object_or_404(ServicePoint.objects.restrict(request.user, Action.MANAGE), pk=pk)
    return _point_form(request, point)


def _point_form(request, point: ServicePoint | None):
    units = _manage_units(request)
    items = ServiceItem.objects.restrict(request.user, Action.VIEW).filter(is_active=True)
    initial = None
    if point is not None:
        initial = {f: getattr(point, f) for f in ("code", *services.POINT_FIELDS)}
        initial["items"] = list(point.items.values_list("pk", flat=True))
    form = PointForm(
        request.POST or None,
        initial=initial,
        units=units,
        items=items.order_by("code"),
        editing=point is not None,
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = list(data.pop("items"))
        code = point.code if point else data.pop("code")
        data.pop("code", None)
        if point is None and ServicePoint.objects.filter(code=code).exists():
            errors = [_("网点编码“%(c)s”已存在") % {"c": code}]
        else:
            try:
                services.point_save(actor=request.user, code=code, items=chosen, **data)
            except (ValidationError, PermissionDenied) as exc:
                errors = messages_of(exc)
            else:
                return redirect("govservice:points")
    title = _("修改网点") if point else _("新建网点")
    return _render_form(request, "kit/form.html", form, errors, title)
