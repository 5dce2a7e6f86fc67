"""Enterprise pages: the registry list, a profile, registering an enterprise, Excel in
and out."""

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.api.common import visible_unit_or_404
from gongjian.attraction.models import Lead
from gongjian.common.errors import messages_of
from gongjian.common.money import to_yuan
from gongjian.reports.files import import_upload
from gongjian.units.models import Unit
from gongjian.units.selectors import WRITE_ROLES, is_office, path_q, scope_paths

from . import services
from .forms import EnterpriseForm, ImportForm, RevenueForm
from .models import Enterprise, Tier
from .sheets import enterprise_template, enterprises_import, export_enterprises

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_file(path: Path, name: str) -> FileResponse:
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=XLSX)


def list_query(request) -> str:
    """The page's filters as a query string (without the page number), for the export link."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def import_page(request, run, *, title: str, template_url: str, back_url: str):
    """The shared import page: upload, run the importer as the user, show the row errors.
    A user who may write to no unit gets 403."""
    if not writable_units(request.user).exists():
        raise PermissionDenied(_("没有可导入数据的单位"))
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = import_upload(
            form.cleaned_data["file"],
            run,
            actor=request.user,
            skip_bad_rows=form.cleaned_data["skip_bad_rows"],
        )
    return render(
        request,
        "enterprises/import.html",
        {
            "form": form,
            "result": result,
            "title": title,
            "template_url": template_url,
            "back_url": back_url,
        },
    )


def writable_units(user):
    if is_office(user):
        return Unit.objects.filter(is_active=True)
    return Unit.objects.filter(path_q(scope_paths(user, WRITE_ROLES), field="path"), is_active=True)


def _filtered(request):
    """The list's rows: the user's scope, then the page's filters (a unit out of scope
    answers 404)."""
    qs = Enterprise.objects.visible_to(request.user).select_related("unit")
    q = request.GET.get("q", "").strip()
    tier = request.GET.get("tier", "")
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(credit_code=q)
    if tier in Tier.values:
        qs = qs.filter(tier=tier)
    if request.GET.get("unit", "").strip():
        unit = visible_unit_or_404(request.user, request.GET["unit"])
        qs = qs.filter(unit__path__startswith=unit.path)
    return qs.order_by("name", "pk"), q, tier


@login_required
def enterprise_list(request):
    qs, q, tier = _filtered(request)
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
def enterprise_export(request):
    qs, _q, _tier = _filtered(request)
    return xlsx_file(export_enterprises(qs), "企业库.xlsx")


@login_required
def enterprise_import(request):
    return import_page(
        request,
        enterprises_import,
        title=_("Excel 导入企业"),
        template_url=reverse("enterprises:import_template"),
        back_url=reverse("enterprises:list"),
    )


@login_required
def enterprise_import_template(request):
    return xlsx_file(enterprise_template(writable_units(request.user)), "企业库导入模板.xlsx")


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
