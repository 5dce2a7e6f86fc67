"""Enterprise pages: the registry list, a profile, registering an enterprise (Excel in
and out is the one import page and export view of ``reports``)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from gongjian.kit.errors import messages_of
from gongjian.kit.http import list_query
from gongjian.kit.money import to_yuan
from gongjian.kit.scope import Action, allows, restrict
from gongjian.units.models import Unit

from . import services
from .forms import EnterpriseForm, RevenueForm
from .models import Enterprise, Tier
from .selectors import enterprise_rows


def writable_units(user):
    return Unit.objects.restrict(user, Action.CHANGE).filter(is_active=True)


@login_required
def enterprise_list(request):
    qs, q, tier = enterprise_rows(request.user, request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "enterprises/list.html",
        {
            "page": page,
            "q": q,
            "tier": tier,
            "tiers": Tier.choices,
            "unit": request.GET.get("unit", ""),
            "query": list_query(request),
        },
    )


@login_required
def enterprise_detail(request, pk: int):
    enterprise = get_object_or_404(
        Enterprise.objects.restrict(request.user, Action.VIEW).select_related("unit"), pk=pk
    )
    # the attraction app's rows about this enterprise, through the reverse relations
    leads = (
        restrict(enterprise.leads.all(), request.user, Action.VIEW)
        .select_related("project", "unit")
        .order_by("-contacted_on")
    )
    meetings = (
        restrict(enterprise.outreach_contacts.all(), request.user, Action.VIEW)
        .select_related("outreach", "outreach__unit")
        .order_by("-outreach__held_on")[:50]
    )
    # the policies app's grants (兑现, 拨付) and the appeals app's 12345 appeals about it
    grants = (
        restrict(enterprise.grants.all(), request.user, Action.VIEW)
        .select_related("policy")
        .order_by("-year", "-pk")
        if hasattr(enterprise, "grants")
        else []
    )
    appeals = (
        restrict(enterprise.appeals.all(), request.user, Action.VIEW)
        .select_related("unit")
        .order_by("-received_at")[:50]
        if hasattr(enterprise, "appeals")
        else []
    )
    return render(
        request,
        "enterprises/detail.html",
        {
            "enterprise": enterprise,
            "grants": grants,
            "appeals": appeals,
            "leads": leads,
            "projects": [lead.project for lead in leads if lead.project_id],
            "revenues": enterprise.revenues.order_by("-year"),
            "contacts": enterprise.contacts.all(),
            "meetings": meetings,
            "revenue_form": RevenueForm(),
            "can_edit": allows(request.user, Action.CHANGE, enterprise),
        },
    )


@login_required
def enterprise_create(request):
    units = writable_units(request.user)
    form = EnterpriseForm(request.POST or None, units=units)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enterprise = services.enterprise_create(actor=request.user, **data)
        except ValidationError as exc:
            errors = messages_of(exc)
        except PermissionDenied as exc:
            errors = [str(exc)]
        else:
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(request, "enterprises/form.html", {"form": form, "errors": errors})


@login_required
@require_POST
def enterprise_revenue(request, pk: int):
    enterprise = get_object_or_404(Enterprise.objects.restrict(request.user, Action.VIEW), pk=pk)
    form = RevenueForm(request.POST)
    if form.is_valid():
        try:
            services.enterprise_revenue_set(
                actor=request.user,
                enterprise=enterprise,
                year=form.cleaned_data["year"],
                revenue=to_yuan(form.cleaned_data["revenue_wan"], "万元"),
            )
        except PermissionDenied:
            raise
        except (ValidationError, ValueError):
            pass
    return redirect("enterprises:detail", pk=pk)
