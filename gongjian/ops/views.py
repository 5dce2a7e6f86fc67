"""The operations page (``/ops/``): a new city for a superuser or a province's office
(``setup.city_setup``), a new year for an office (``indicators.standard.campaign_rollover``).
Thin: a form, the service, its lines shown once."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongjian.indicators.models import Campaign
from gongjian.indicators.standard import campaign_rollover
from gongjian.kit import jobs
from gongjian.kit.clock import today
from gongjian.kit.http import errors_text
from gongjian.kit.scope import Action, holds, manages_shared
from gongjian.units.models import Unit

from . import schedules as sched
from .forms import CitySetupForm, RolloverForm
from .setup import SetupError, city_setup, may_set_up_cities


def _rollover_units(user) -> list[Unit]:
    """The units whose campaigns ``user`` manages (a city office: its city)."""
    roots = Campaign.objects.restrict(user, Action.MANAGE).values("root_unit")
    return list(Unit.objects.filter(pk__in=roots).order_by("path"))


def _campaigns(units: list[Unit]) -> list[Campaign]:
    return list(
        Campaign.objects.filter(root_unit__in=units)
        .select_related("root_unit")
        .order_by("root_unit__path", "-year")
    )


def _rollover_initial(campaigns: list[Campaign], units: list[Unit]) -> dict:
    if not units:
        return {}
    latest = max((c.year for c in campaigns if c.root_unit_id == units[0].pk), default=None)
    start = latest or today().year
    return {"unit": units[0].pk, "from_year": start, "to_year": start + 1}


def _page(request, *, setup_form=None, setup_result=None, rollover_form=None, rolled=None):
    user = request.user
    can_setup = may_set_up_cities(user)
    units = _rollover_units(user)
    if not can_setup and not holds(user, Action.MANAGE):
        raise Http404
    campaigns = _campaigns(units)
    if setup_form is None and can_setup:
        setup_form = CitySetupForm(initial={"year": today().year})
    if rollover_form is None and units:
        rollover_form = RolloverForm(units=units, initial=_rollover_initial(campaigns, units))
    response = render(
        request,
        "ops/index.html",
        {
            "can_setup": can_setup,
            "setup_form": setup_form,
            "setup_result": setup_result,
            "rollover_form": rollover_form if units else None,
            "rolled": rolled,
            "campaigns": campaigns,
        },
    )
    add_never_cache_headers(response)  # a generated password is shown once
    return response


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    """GET: the page; POST: set a city up (a superuser or a province's office)."""
    if request.method != "POST":
        return _page(request)
    if not may_set_up_cities(request.user):
        raise Http404
    form = CitySetupForm(request.POST)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = city_setup(
                actor=request.user,
                code=data["code"],
                year=data["year"],
                office=data["office_login"],
                reset_password=data["reset_password"],
            )
        except SetupError as exc:
            form.add_error(None, str(exc))
    return _page(request, setup_form=form, setup_result=result)


@login_required
@require_POST
def rollover(request):
    """Roll the campaign of a unit the office manages over into a new year."""
    units = _rollover_units(request.user)
    if not units:
        raise Http404
    form = RolloverForm(request.POST, units=units)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        unit = next(u for u in units if u.pk == data["unit"])
        try:
            result = campaign_rollover(
                actor=request.user,
                from_year=data["from_year"],
                to_year=data["to_year"],
                unit=unit,
                factor=data["factor"],
            )
        except ValidationError as exc:
            form.add_error(None, errors_text(exc))
    return _page(request, rollover_form=form, rolled=result)


@login_required
@require_http_methods(["GET", "POST"])
def schedules(request):
    """定时任务: what runs by itself, when it last ran and how it went; the office sets
    the time of day and switches each on or off."""
    can_edit = manages_shared(request.user)
    error = ""
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("只有攻坚办可以设置定时任务"))
        name = request.POST.get("name", "")
        if request.POST.get("action") == "run":
            if name not in {d.name for d in sched.DEFAULTS}:
                raise Http404
            job = jobs.job_start(
                user=request.user,
                kind="schedule",
                params={"name": name},
                title=f"立即运行:{name}",
            )
            return redirect("jobs:detail", job.pk)
        text = request.POST.get("at", "").strip()
        day_text = request.POST.get("day", "0").strip() or "0"
        try:
            at = dt.time.fromisoformat(text)
        except ValueError:
            error = _("时间“%(t)s”无效,请写成 06:30") % {"t": text}
        else:
            try:
                sched.schedule_change(
                    actor=request.user,
                    name=name,
                    at=at,
                    enabled=request.POST.get("enabled") == "on",
                    day=int(day_text) if day_text.isdigit() else -1,
                )
            except ValidationError as exc:
                error = errors_text(exc)
            else:
                messages.success(request, _("定时任务已保存"))
                return redirect("ops:schedules")
    return render(
        request,
        "ops/schedules.html",
        {"rows": sched.rows(), "can_edit": can_edit, "error": error, "nav_active": "ops"},
    )
