"""Enterprise pages: the registry list, a profile, registering an enterprise."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from gongjian.attraction.models import Lead
from gongjian.common.errors import messages_of
from gongjian.common.money import to_yuan
from gongjian.units.models import Unit
from gongjian.units.selectors import WRITE_ROLES, is_office, path_q, scope_paths

from . import services
from .forms import EnterpriseForm, RevenueForm
from .models import Enterprise, Tier


def writable_units(user):
    if is_office(user):
        return Unit.objects.filter(is_active=True)
    return Unit.objects.filter(path_q(scope_paths(user, WRITE_ROLES), field="path"), is_active=True)


@login_required
def enterprise_list(request):
    qs = Enterprise.objects.visible_to(request.user).select_related("unit")
    q = request.GET.get("q", "").strip()
    tier = request.GET.get("tier", "")
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(credit_code=q)
    if tier in Tier.values:
        qs = qs.filter(tier=tier)
    page = Paginator(qs.order_by("name", "pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "enterprises/list.html",
        {"page": page, "q": q, "tier": tier, "tiers": Tier.choices},
    )


@login_required
def enterprise_detail(request, pk: int):
    enterprise = get_object_or_404(
        Enterprise.objects.visible_to(request.user).select_related("unit"), pk=pk
    )
    leads = (
        Lead.objects.visible_to(request.user)
        .filter(enterprise=enterprise)
        .select_related("project", "unit")
        .order_by("-contacted_on")
    )
    meetings = (
        enterprise.outreach_contacts.filter(outreach__in=_visible_outreach(request.user))
        .select_related("outreach", "outreach__unit")
        .order_by("-outreach__held_on")[:50]
    )
    return render(
        request,
        "enterprises/detail.html",
        {
            "enterprise": enterprise,
            "leads": leads,
            "projects": [lead.project for lead in leads if lead.project_id],
            "revenues": enterprise.revenues.order_by("-year"),
            "contacts": enterprise.contacts.all(),
            "meetings": meetings,
            "revenue_form": RevenueForm(),
            "can_edit": Enterprise.objects.editable_by(request.user).filter(pk=pk).exists(),
        },
    )


def _visible_outreach(user):
    from gongjian.attraction.models import Outreach

    return Outreach.objects.visible_to(user).values("pk")


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
    enterprise = get_object_or_404(Enterprise.objects.visible_to(request.user), pk=pk)
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
