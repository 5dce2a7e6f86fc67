"""招商 pages: the funnel, outreach list and calendar, the lead board and a lead's page
(where it is walked 接洽 → 投产). Thin: scoped querysets in, services for writes, the
engine for every figure."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.api.common import visible_unit_or_404
from gongjian.common.errors import messages_of
from gongjian.common.money import to_yuan
from gongjian.enterprises.models import Enterprise
from gongjian.enterprises.views import import_page, list_query, writable_units, xlsx_file
from gongjian.projects.models import Project
from gongjian.units.selectors import units_visible_to

from . import selectors, services
from .forms import LeadForm, OutreachForm, TransitionForm
from .models import Lead, LeadStage, Outreach
from .sheets import (
    export_leads,
    export_outreach,
    lead_template,
    leads_import,
    outreach_template,
)
from .sheets import outreach_import as outreach_import_rows


def _unit(request):
    return visible_unit_or_404(request.user, request.GET.get("unit"))


@login_required
def funnel(request):
    unit = _unit(request)
    year, as_of = selectors.as_of_for(unit)
    view = selectors.funnel(unit, year, as_of)
    chart = [{"name": s["name"], "value": s["value"]} for s in view.steps]
    return render(
        request,
        "attraction/funnel.html",
        {
            "view": view,
            "chart": chart,
            "units": units_visible_to(request.user).order_by("depth", "sort_order", "pk")[:200],
        },
    )


def _outreach_filtered(request):
    """The list's rows: the user's scope, then the page's filters (a unit out of scope
    answers 404)."""
    qs = Outreach.objects.visible_to(request.user).select_related("unit")
    month = request.GET.get("month", "")
    if month:
        year, _sep, mon = month.partition("-")
        if year.isdigit() and mon.isdigit() and 1 <= int(mon) <= 12:
            qs = qs.filter(held_on__year=int(year), held_on__month=int(mon))
    if request.GET.get("unit", "").strip():
        qs = qs.filter(unit__path__startswith=_unit(request).path)
    return qs.order_by("-held_on", "-pk"), month


@login_required
def outreach_list(request):
    qs, month = _outreach_filtered(request)
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
def outreach_export(request):
    qs, _month = _outreach_filtered(request)
    return xlsx_file(export_outreach(qs), "招商活动.xlsx")


@login_required
def outreach_import(request):
    return import_page(
        request,
        outreach_import_rows,
        title=_("Excel 导入招商活动"),
        template_url=reverse("attraction:outreach_import_template"),
        back_url=reverse("attraction:outreach_list"),
    )


@login_required
def outreach_import_template(request):
    return xlsx_file(outreach_template(writable_units(request.user)), "招商活动导入模板.xlsx")


@login_required
def outreach_calendar(request):
    unit = _unit(request)
    _year, as_of = selectors.as_of_for(unit)
    try:
        year, mon = (int(x) for x in request.GET.get("month", "").split("-"))
        first = dt.date(year, mon, 1)
    except ValueError:
        first = as_of.replace(day=1)
    weeks = selectors.month_calendar(
        Outreach.objects.visible_to(request.user), first.year, first.month
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
        e = Enterprise.objects.visible_to(user).filter(Q(name=line) | Q(credit_code=line)).first()
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
        "attraction/form.html",
        {"form": form, "errors": errors, "title": _("登记招商活动")},
    )


@login_required
def lead_board(request):
    unit = _unit(request)
    _year, as_of = selectors.as_of_for(unit)
    leads = selectors.visible_leads(request.user).filter(unit__path__startswith=unit.path)
    columns = selectors.lead_board(leads, unit, as_of)
    return render(
        request,
        "attraction/lead_board.html",
        {"columns": columns, "unit": unit, "as_of": as_of, "query": list_query(request)},
    )


@login_required
def lead_export(request):
    """The board's leads (the same unit) as a sheet, the stage read from the project."""
    unit = _unit(request)
    leads = selectors.visible_leads(request.user).filter(unit__path__startswith=unit.path)
    return xlsx_file(export_leads(leads.order_by("-contacted_on", "-pk")), "招商线索.xlsx")


@login_required
def lead_import(request):
    return import_page(
        request,
        leads_import,
        title=_("Excel 导入招商线索"),
        template_url=reverse("attraction:lead_import_template"),
        back_url=reverse("attraction:lead_board"),
    )


@login_required
def lead_import_template(request):
    return xlsx_file(lead_template(writable_units(request.user)), "招商线索导入模板.xlsx")


def _lead(request, pk: int) -> Lead:
    return get_object_or_404(selectors.visible_leads(request.user), pk=pk)


@login_required
def lead_detail(request, pk: int, form=None, errors=None):
    lead = _lead(request, pk)
    can_edit = Lead.objects.editable_by(request.user).filter(pk=pk).exists()
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
                Project.objects.visible_to(request.user).filter(code=data["project_code"]).first()
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
        "attraction/form.html",
        {"form": form, "errors": errors, "title": _("新建招商线索")},
    )
