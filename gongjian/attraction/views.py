"""招商 pages: the funnel, outreach list and calendar, the lead board and a lead's page
(where it is walked 接洽 → 投产). Thin: scoped querysets in, services for writes, the
engine for every figure."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.enterprises.models import Enterprise
from gongjian.indicators.periods import resolve_year_as_of
from gongjian.kit.errors import messages_of
from gongjian.kit.http import list_query
from gongjian.kit.money import to_yuan
from gongjian.kit.scope import Action, allows
from gongjian.projects.models import Project
from gongjian.units.models import Unit
from gongjian.units.selectors import unit_visible_or_404

from . import selectors, services
from .forms import LeadForm, OutreachForm, TransitionForm
from .models import Lead, LeadStage, Outreach


def writable_units(user):
    return Unit.objects.restrict(user, Action.CHANGE).filter(is_active=True)


def _unit(request):
    return unit_visible_or_404(request.user, request.GET.get("unit"))


@login_required
def funnel(request):
    unit = _unit(request)
    shown = resolve_year_as_of(unit=unit)
    year, as_of = shown.year, shown.as_of
    view = selectors.funnel(unit, year, as_of)
    chart = [{"name": s["name"], "value": s["value"]} for s in view.steps]
    return render(
        request,
        "attraction/funnel.html",
        {
            "view": view,
            "chart": chart,
            "units": Unit.objects.restrict(request.user, Action.VIEW).order_by(
                "depth", "sort_order", "pk"
            )[:200],
        },
    )


@login_required
def outreach_list(request):
    qs, month = selectors.outreach_rows(request.user, request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "attraction/outreach_list.html",
        {
            "page": page,
            "month": month,
            "unit": request.GET.get("unit", ""),
            "query": list_query(request),
        },
    )


@login_required
def outreach_calendar(request):
    unit = _unit(request)
    as_of = resolve_year_as_of(unit=unit).as_of
    try:
        year, mon = (int(x) for x in request.GET.get("month", "").split("-"))
        first = dt.date(year, mon, 1)
    except ValueError:
        first = as_of.replace(day=1)
    weeks = selectors.month_calendar(
        Outreach.objects.restrict(request.user, Action.VIEW), first.year, first.month
    )
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=31)).replace(day=1)
    return render(
        request,
        "attraction/outreach_calendar.html",
        {"weeks": weeks, "first": first, "previous": previous, "following": following},
    )


def _enterprises_named(user, text: str) -> list[Enterprise]:
    found, missing = [], []
    for line in [t.strip() for t in text.splitlines() if t.strip()]:
        e = (
            Enterprise.objects.restrict(user, Action.VIEW)
            .filter(Q(name=line) | Q(credit_code=line))
            .first()
        )
        (found.append(e) if e else missing.append(line))
    if missing:
        raise ValidationError({"enterprises": [f"企业库中没有“{m}”" for m in missing]})
    return found


@login_required
def outreach_create(request):
    form = OutreachForm(request.POST or None, units=writable_units(request.user))
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            data["enterprises"] = _enterprises_named(request.user, data["enterprises"])
            services.outreach_create(actor=request.user, **data)
        except ValidationError as exc:
            errors = messages_of(exc)
        except PermissionDenied as exc:
            errors = [str(exc)]
        else:
            return redirect("attraction:outreach_list")
    return render(
        request,
        "kit/form.html",
        {"form": form, "errors": errors, "title": _("登记招商活动")},
    )


@login_required
def lead_board(request):
    unit = _unit(request)
    as_of = resolve_year_as_of(unit=unit).as_of
    leads = selectors.lead_rows(request.user, request.GET)
    columns = selectors.lead_board(leads, unit, as_of)
    return render(
        request,
        "attraction/lead_board.html",
        {"columns": columns, "unit": unit, "as_of": as_of, "query": list_query(request)},
    )


def _lead(request, pk: int) -> Lead:
    return get_object_or_404(selectors.visible_leads(request.user), pk=pk)


@login_required
def lead_detail(request, pk: int, form=None, errors=None):
    lead = _lead(request, pk)
    can_edit = allows(request.user, Action.CHANGE, lead)
    return render(
        request,
        "attraction/lead_detail.html",
        {
            "lead": lead,
            "history": services.lead_history(lead),
            "form": form or TransitionForm(initial={"stage": _next_stage(lead)}),
            "errors": errors or [],
            "can_edit": can_edit,
        },
        status=422 if errors else 200,
    )


def _next_stage(lead: Lead) -> str:
    chain = [s for s in LeadStage.values if s != LeadStage.TERMINATED]
    current = lead.current_stage
    if current in chain and chain.index(current) + 1 < len(chain):
        return chain[chain.index(current) + 1]
    return current


@login_required
@require_POST
def lead_transition(request, pk: int):
    lead = _lead(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return lead_detail(request, pk, form=form, errors=[_("请检查填写的内容")])
    data = form.cleaned_data
    try:
        project = None
        if data["project_code"]:
            project = (
                Project.objects.restrict(request.user, Action.VIEW)
                .filter(code=data["project_code"])
                .first()
            )
            if project is None:
                raise ValidationError({"project": f"项目“{data['project_code']}”不存在"})
        services.lead_transition(
            actor=request.user,
            lead=lead,
            to_stage=data["stage"],
            on_date=data["occurred_on"],
            note=data["note"],
            reason=data["reason"],
            project=project,
        )
    except ValidationError as exc:
        return lead_detail(request, pk, form=form, errors=messages_of(exc))
    return redirect("attraction:lead_detail", pk=pk)


@login_required
def lead_create(request):
    form = LeadForm(request.POST or None, units=writable_units(request.user))
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            found = _enterprises_named(request.user, data.pop("enterprise"))
            lead = services.lead_create(
                actor=request.user,
                enterprise=found[0],
                intended_investment=to_yuan(data.pop("intended_investment_wan"), "万元"),
                **data,
            )
        except ValidationError as exc:
            errors = messages_of(exc)
        except (PermissionDenied, ValueError) as exc:
            errors = [str(exc)]
        else:
            return redirect("attraction:lead_detail", pk=lead.pk)
    return render(
        request,
        "kit/form.html",
        {"form": form, "errors": errors, "title": _("新建招商线索")},
    )
