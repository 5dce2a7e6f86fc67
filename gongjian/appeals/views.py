"""12345 pages: the board (every figure from the engine), the list, intake, an appeal's
page where each role does its step, the working-day calendar, Excel in and out."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.enterprises.models import Enterprise
from gongjian.indicators.periods import resolve_year_as_of
from gongjian.kit.clock import today
from gongjian.kit.errors import messages_of
from gongjian.kit.scope import Action, manages_shared
from gongjian.projects.models import Project
from gongjian.units.models import Unit
from gongjian.units.selectors import unit_visible_or_404

from . import selectors, services
from .forms import AppealForm, CalendarDayForm, StepForm
from .models import Appeal, AppealCategory, CalendarDay, Status
from .selectors import intake_unit_of
from .workdays import official_days, official_years


def _scoped(request):
    return Appeal.objects.restrict(request.user, Action.VIEW).select_related(
        "category", "unit", "intake_unit"
    )


@login_required
def board(request):
    unit = unit_visible_or_404(request.user, request.GET.get("unit"))
    shown = resolve_year_as_of(unit=unit)
    year, as_of = shown.year, shown.as_of
    view = selectors.board(unit, year, as_of)
    return render(
        request,
        "appeals/board.html",
        {
            "view": view,
            "units": Unit.objects.restrict(request.user, Action.VIEW).order_by(
                "depth", "sort_order", "pk"
            )[:200],
        },
    )


@login_required
def appeal_list(request):
    qs, filters = selectors.appeal_rows(request.user, request.GET)
    page = Paginator(qs.order_by("-received_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "appeals/list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": Status.choices,
            "categories": AppealCategory.objects.order_by("code"),
        },
    )


def _enterprise(user, text: str):
    if not text:
        return None
    found = (
        Enterprise.objects.restrict(user, Action.VIEW)
        .filter(Q(name=text) | Q(credit_code=text))
        .first()
    )
    if found is None:
        raise ValidationError({"enterprise": f"企业库中没有“{text}”"})
    return found


@login_required
def appeal_create(request):
    form = AppealForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            intake = intake_unit_of(request.user)
            if intake is None:
                raise PermissionDenied(_("没有可受理诉求的单位"))
            enterprise = _enterprise(request.user, data.pop("enterprise").strip())
            code = data.pop("project").strip()
            project = None
            if code:
                project = (
                    Project.objects.restrict(request.user, Action.VIEW).filter(code=code).first()
                )
                if project is None:
                    raise ValidationError({"project": f"项目编号“{code}”不存在"})
            appeal = services.appeal_receive(
                actor=request.user,
                intake_unit=intake,
                enterprise=enterprise,
                project=project,
                **data,
            )
        except ValidationError as exc:
            errors = messages_of(exc)
        except PermissionDenied as exc:
            errors = [str(exc)]
        else:
            return redirect("appeals:detail", pk=appeal.pk)
    return render(
        request, "appeals/form.html", {"form": form, "errors": errors, "title": _("受理诉求")}
    )


@login_required
def appeal_detail(request, pk: int, errors=None, form=None):
    appeal = get_object_or_404(_scoped(request), pk=pk)
    actions = services.allowed_actions(appeal, request.user)
    units = Unit.objects.filter(path__startswith=appeal.intake_unit.path, is_active=True).order_by(
        "path"
    )
    return render(
        request,
        "appeals/detail.html",
        {
            "appeal": appeal,
            "steps": appeal.steps.select_related("unit", "actor"),
            "actions": [(a, services.A(a).label) for a in actions],
            "suggested": services.suggested_unit(appeal.category),
            "units": units[:500],
            "form": form or StepForm(),
            "errors": errors or [],
        },
    )


@login_required
@require_POST
def appeal_step(request, pk: int):
    appeal = get_object_or_404(_scoped(request), pk=pk)
    form = StepForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        data = form.cleaned_data
        unit = None
        if data["unit"]:
            unit = Unit.objects.filter(
                pk=data["unit"], is_active=True, path__startswith=appeal.intake_unit.path
            ).first()
            if unit is None:
                raise Http404
        try:
            services.appeal_transition(
                actor=request.user,
                appeal=appeal,
                action=data["action"],
                unit=unit,
                reply=data["reply"],
                satisfaction=data["satisfaction"],
                note=data["note"],
            )
        except ValidationError as exc:
            errors = messages_of(exc)
        except PermissionDenied as exc:
            errors = [str(exc)]
        else:
            if Appeal.objects.restrict(request.user, Action.VIEW).filter(pk=pk).exists():
                return redirect("appeals:detail", pk=pk)
            return redirect("appeals:list")  # handed back: no longer this unit's
    else:
        errors = [f"{k}: {m}" for k, ms in form.errors.items() for m in ms]
    response = appeal_detail(request, pk, errors=errors, form=form)
    response.status_code = 422
    return response


@login_required
def calendar(request):
    form = CalendarDayForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST":
        if not manages_shared(request.user):
            raise PermissionDenied(_("只有攻坚办可以维护工作日历"))
        if form.is_valid():
            try:
                services.calendar_day_set(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                errors = messages_of(exc)
            else:
                return redirect("appeals:calendar")
    year = _calendar_year(request.GET.get("year"))
    first, last = official_years()
    overrides = {d.date: d for d in CalendarDay.objects.filter(date__year=year)}
    days = [
        {"date": day, "kind": kind, "name": name, "override": overrides.pop(day, None)}
        for day, kind, name in official_days(year)
    ]
    days += [{"date": d.date, "override": d} for d in overrides.values()]
    days.sort(key=lambda d: d["date"])
    return render(
        request,
        "appeals/calendar.html",
        {
            "year": year,
            "days": days,
            "known": first <= year <= last,
            "last_known": last,
            "form": form,
            "errors": errors,
            "can_edit": manages_shared(request.user),
        },
    )


def _calendar_year(text: str | None) -> int:
    try:
        year = int(text or "")
    except ValueError:
        return today().year
    return year if 2000 <= year <= 2099 else today().year
