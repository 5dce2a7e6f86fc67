"""/api/enterprises: the enterprise registry, scoped to the caller's units."""

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from gongjian.kit.api import READ_ERRORS, WRITE_ERRORS, Pages, get_or_404, reference
from gongjian.kit.scope import Action
from gongjian.units.models import Unit
from gongjian.units.selectors import unit_resolve

from . import services
from .models import Enterprise
from .schemas import EnterpriseDetail, EnterpriseIn, EnterpriseItem, RevenueIn

router = Router(tags=["企业库"])


def _enterprises(user):
    return Enterprise.objects.restrict(user, Action.VIEW).select_related("unit")


def _detail(user, pk: int) -> Enterprise:
    return get_or_404(_enterprises(user).prefetch_related("contacts", "revenues"), pk=pk)


@router.get("/enterprises", response={200: list[EnterpriseItem], **READ_ERRORS}, summary="企业库")
@paginate(Pages, page_size=50, max_page_size=500)
def enterprise_list(
    request: HttpRequest, q: str | None = None, tier: str | None = None, unit: str | None = None
):
    """Enterprises in the caller's scope; ``q`` matches name or credit code."""
    qs = _enterprises(request.auth)
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(credit_code=q.strip())
    if tier:
        qs = qs.filter(tier=tier)
    if unit:
        found = unit_resolve(unit, Unit.objects.restrict(request.auth, Action.VIEW))
        qs = qs.filter(unit__path__startswith=found.path) if found else qs.none()
    return qs.order_by("name", "pk")


@router.get(
    "/enterprises/{enterprise_id}",
    response={200: EnterpriseDetail, **READ_ERRORS},
    summary="企业详情",
)
def enterprise_detail(request: HttpRequest, enterprise_id: int):
    return _detail(request.auth, enterprise_id)


@router.post("/enterprises", response={201: EnterpriseDetail, **WRITE_ERRORS}, summary="登记企业")
def enterprise_create(request: HttpRequest, payload: EnterpriseIn):
    """Register an enterprise; a bad 统一社会信用代码 or a duplicate (same code or same
    normalised name) is refused with 422."""
    user = request.auth
    data = payload.model_dump()
    unit = reference(
        Unit, data.pop("unit_id"), "unit", "跟踪服务单位", Unit.objects.restrict(user, Action.VIEW)
    )
    enterprise = services.enterprise_create(actor=user, unit=unit, **data)
    return Status(201, _detail(user, enterprise.pk))


@router.post(
    "/enterprises/{enterprise_id}/revenues",
    response={200: EnterpriseDetail, **WRITE_ERRORS},
    summary="登记年度营收",
)
def enterprise_revenue_set(request: HttpRequest, enterprise_id: int, payload: RevenueIn):
    """Record a year's revenue; the 21152 tier follows the latest year."""
    user = request.auth
    enterprise = get_or_404(_enterprises(user), pk=enterprise_id)
    services.enterprise_revenue_set(actor=user, enterprise=enterprise, **payload.model_dump())
    return _detail(user, enterprise.pk)
