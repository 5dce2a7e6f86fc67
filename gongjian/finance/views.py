"""Pages of the financing platform: thin — validate, call a service or selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from gongjian.enterprises.models import Enterprise
from gongjian.indicators.periods import resolve_year_as_of
from gongjian.kit.errors import messages_of
from gongjian.kit.http import list_query
from gongjian.kit.money import to_yuan
from gongjian.kit.scope import Action, allows, holds, principal
from gongjian.units.models import Unit
from gongjian.units.selectors import unit_visible_or_404

from . import selectors, services
from .forms import ConsentForm, InstitutionForm, NeedForm, ProductForm, StepForm, split_list
from .models import Institution, Need, NeedKind, Product, Stage


def _uses_platform(request) -> None:
    if not selectors.uses_platform(request.user):
        raise Http404("未找到")


def _maintainable_institutions(user):
    """Institutions whose products ``user`` may keep: their own, or those the office manages."""
    ids = selectors.institution_ids(user)
    managed = Institution.objects.restrict(user, Action.MANAGE).values_list("pk", flat=True)
    return Institution.objects.filter(pk__in=[*ids, *managed], is_active=True).order_by("name")


@login_required
def home(request):
    _uses_platform(request)
    staff_of = selectors.institution_ids(request.user)
    if principal(request.user).grants:
        unit = unit_visible_or_404(request.user, request.GET.get("unit"))
        shown = resolve_year_as_of(unit=unit)
        view = selectors.figures(unit, shown.year, shown.as_of)
        institution = None
    else:
        institution = get_object_or_404(Institution, pk=staff_of[0])
        shown = resolve_year_as_of(unit=institution.unit)
        view = selectors.institution_figures(institution, shown.year, shown.as_of)
    recent = selectors.match_rows(request.user, {})[0][:10]
    return render(
        request,
        "finance/home.html",
        {
            "view": view,
            "year": shown.year,
            "as_of": shown.as_of,
            "institution": institution,
            "recent": recent,
            "units": Unit.objects.restrict(request.user, Action.VIEW)
            .filter(is_active=True)
            .exclude(kind=Unit.Kind.DEPARTMENT)
            .order_by("depth", "sort_order", "pk")[:200],
            "may_post": holds(request.user, Action.CHANGE),
        },
    )


# --- needs -----------------------------------------------------------------------------------


@login_required
def need_list(request):
    _uses_platform(request)
    qs, filters = selectors.need_rows(request.user, request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "finance/needs.html",
        {
            "page": page,
            "filters": filters,
            "kinds": NeedKind.choices,
            "statuses": Need.Status.choices,
            "query": list_query(request),
            "may_post": holds(request.user, Action.CHANGE),
        },
    )


@login_required
def need_create(request):
    enterprises = Enterprise.objects.restrict(request.user, Action.CHANGE).order_by("name")
    if not holds(request.user, Action.CHANGE):
        raise PermissionDenied("只有单位填报员或攻坚办可以发布企业需求")
    form = NeedForm(request.POST or None, enterprises=enterprises, initial=request.GET.dict())
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        amount = data.pop("amount_wan")
        data["amount"] = to_yuan(amount, "万元") if amount is not None else None
        if not data["posted_on"]:
            data.pop("posted_on")
        try:
            need = services.need_create(actor=request.user, **data)
        except (ValidationError, PermissionDenied) as exc:
            errors = messages_of(exc)
        else:
            return redirect("finance:need", pk=need.pk)
    return render(
        request, "finance/form.html", {"form": form, "errors": errors, "title": "发布企业需求"}
    )


@login_required
def need_detail(request, pk: int):
    need = get_object_or_404(
        Need.objects.restrict(request.user, Action.VIEW).select_related("enterprise", "unit"), pk=pk
    )
    matches = selectors.match_rows(request.user, {})[0].filter(need=need).prefetch_related("steps")
    may_change = allows(request.user, Action.CHANGE, need)
    return render(
        request,
        "finance/need.html",
        {
            "need": need,
            "matches": [
                (m, services.may_follow(request.user, m, Stage.CONTACTED)) for m in matches
            ],
            "may_change": may_change,
            "may_profile": selectors.may_read_profile(request.user, need.enterprise),
            "step_form": StepForm(),
            "consent_form": ConsentForm(institutions=selectors.visible_institutions(request.user)),
            "consents": need.enterprise.credit_consents.select_related("institution"),
        },
    )


@login_required
@require_POST
def need_match(request, pk: int):
    need = get_object_or_404(Need.objects.restrict(request.user, Action.VIEW), pk=pk)
    try:
        services.need_match(actor=request.user, need=need)
    except ValidationError as exc:
        return render(
            request, "finance/refused.html", {"errors": messages_of(exc), "back": need}, status=422
        )
    return redirect("finance:need", pk=pk)


@login_required
@require_POST
def consent_grant(request, pk: int):
    need = get_object_or_404(
        Need.objects.restrict(request.user, Action.VIEW).select_related("enterprise__unit"), pk=pk
    )
    form = ConsentForm(request.POST, institutions=selectors.visible_institutions(request.user))
    if not form.is_valid():
        return render(
            request,
            "finance/refused.html",
            {"errors": [str(e) for e in form.errors.values()], "back": need},
            status=422,
        )
    try:
        services.consent_grant(actor=request.user, enterprise=need.enterprise, **form.cleaned_data)
    except ValidationError as exc:
        return render(
            request, "finance/refused.html", {"errors": messages_of(exc), "back": need}, status=422
        )
    return redirect("finance:need", pk=pk)


# --- matches ---------------------------------------------------------------------------------


@login_required
def match_list(request):
    _uses_platform(request)
    qs, filters = selectors.match_rows(request.user, request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "finance/matches.html",
        {"page": page, "filters": filters, "stages": Stage.choices, "query": list_query(request)},
    )


@login_required
def match_detail(request, pk: int):
    match = get_object_or_404(selectors.match_rows(request.user, {})[0], pk=pk)
    form = StepForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        amount = data["amount_wan"]
        try:
            services.match_advance(
                actor=request.user,
                match=match,
                stage=data["stage"],
                on=data["occurred_on"],
                amount=to_yuan(amount, "万元") if amount is not None else None,
                note=data["note"],
            )
        except (ValidationError, PermissionDenied) as exc:
            errors = messages_of(exc)
        else:
            return redirect("finance:match", pk=pk)
    final = match.stage in (Stage.LOANED, Stage.DECLINED)
    return render(
        request,
        "finance/match.html",
        {
            "match": match,
            "steps": match.steps.select_related("by"),
            "form": form,
            "errors": errors,
            "may_follow": not final and services.may_follow(request.user, match, Stage.CONTACTED),
            "may_profile": selectors.may_read_profile(request.user, match.need.enterprise),
        },
    )


# --- products and institutions ---------------------------------------------------------------


@login_required
def product_list(request):
    _uses_platform(request)
    qs, filters = selectors.product_rows(request.user, request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "finance/products.html",
        {
            "page": page,
            "filters": filters,
            "institutions": selectors.visible_institutions(request.user).order_by("name"),
            "may_maintain": _maintainable_institutions(request.user).exists(),
            "query": list_query(request),
        },
    )


def _product_fields(data: dict) -> dict:
    data = dict(data)
    data["amount_min"] = to_yuan(data.pop("amount_min_wan"), "万元")
    data["amount_max"] = to_yuan(data.pop("amount_max_wan"), "万元")
    data["industries"] = split_list(data.get("industries") or "")
    data["tiers"] = list(data.get("tiers") or [])
    return data


@login_required
def product_edit(request, pk: int | None = None):
    institutions = _maintainable_institutions(request.user)
    product = None
    initial: dict = {}
    if pk is not None:
        product = get_object_or_404(Product.objects.restrict(request.user, Action.VIEW), pk=pk)
        if not selectors.works_for(request.user, product.institution):
            raise PermissionDenied("只有本机构工作人员或攻坚办可以修改产品")
        initial = {
            "institution": product.institution_id,
            "name": product.name,
            "amount_min_wan": product.amount_min / 10_000,
            "amount_max_wan": product.amount_max / 10_000,
            "term_min": product.term_min,
            "term_max": product.term_max,
            "rate_min": product.rate_min,
            "rate_max": product.rate_max,
            "industries": "、".join(product.industries),
            "tiers": product.tiers,
            "collateral": product.collateral,
            "requirements": product.requirements,
            "is_active": product.is_active,
        }
    elif not institutions.exists():
        raise PermissionDenied("只有金融机构工作人员或攻坚办可以登记产品")
    form = ProductForm(request.POST or None, institutions=institutions, initial=initial)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = _product_fields(form.cleaned_data)
        institution = data.pop("institution")
        try:
            if product is None:
                product = services.product_create(
                    actor=request.user, institution=institution, **data
                )
            else:
                product = services.product_update(actor=request.user, product=product, **data)
        except (ValidationError, PermissionDenied) as exc:
            errors = messages_of(exc)
        else:
            return redirect("finance:products")
    title = "修改金融产品" if pk else "登记金融产品"
    return render(request, "finance/form.html", {"form": form, "errors": errors, "title": title})


@login_required
def institution_list(request):
    _uses_platform(request)
    may_manage = holds(request.user, Action.MANAGE)
    form = InstitutionForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied("只有攻坚办可以登记金融机构")
        if form.is_valid():
            unit = unit_visible_or_404(request.user, None)
            try:
                services.institution_create(actor=request.user, unit=unit, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                errors = messages_of(exc)
            else:
                return redirect("finance:institutions")
    return render(
        request,
        "finance/institutions.html",
        {
            "institutions": selectors.visible_institutions(request.user).order_by("name"),
            "form": form if may_manage else None,
            "errors": errors,
        },
    )


# --- the credit profile ----------------------------------------------------------------------


@login_required
def credit_profile(request, enterprise_id: int):
    enterprise = get_object_or_404(Enterprise.objects.select_related("unit"), pk=enterprise_id)
    if not selectors.may_read_profile(request.user, enterprise):
        raise Http404("未找到")
    return render(
        request, "finance/profile.html", {"profile": selectors.credit_profile(enterprise)}
    )
