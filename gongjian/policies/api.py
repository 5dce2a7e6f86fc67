"""/api/policies and /api/grants: 免申即享 policies, the policy calculator, grant lists."""

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from gongjian.enterprises.models import Enterprise
from gongjian.kit.api import READ_ERRORS, WRITE_ERRORS, Pages, get_or_404, reference
from gongjian.kit.scope import Action
from gongjian.units.models import Unit

from . import services
from .models import Grant, Policy
from .schemas import (
    CheckOut,
    DecideIn,
    GrantOut,
    PolicyIn,
    PolicyOut,
    PolicyPatch,
    ProposeIn,
    StatusIn,
)

router = Router(tags=["免申即享政策"])


def _policies(user):
    return Policy.objects.restrict(user, Action.VIEW).select_related("unit")


def _grants(user):
    return Grant.objects.restrict(user, Action.VIEW).select_related("policy", "enterprise")


@router.get("/policies", response={200: list[PolicyOut], **READ_ERRORS}, summary="惠企政策")
@paginate(Pages, page_size=50, max_page_size=500)
def policy_list(request: HttpRequest, mode: str | None = None, status: str | None = None):
    qs = _policies(request.auth)
    if mode:
        qs = qs.filter(mode=mode)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-valid_from", "code")


@router.get("/policies/{policy_id}", response={200: PolicyOut, **READ_ERRORS}, summary="政策详情")
def policy_detail(request: HttpRequest, policy_id: int):
    return get_or_404(_policies(request.auth), pk=policy_id)


@router.post("/policies", response={201: PolicyOut, **WRITE_ERRORS}, summary="新建政策")
def policy_create(request: HttpRequest, payload: PolicyIn):
    """Rules and benefit are JSON in the rule language; an invalid rule answers 422 with
    the problem named (``条件 1.2:…``)."""
    user = request.auth
    data = payload.model_dump()
    unit = reference(
        Unit, data.pop("unit_id"), "unit", "发布单位", Unit.objects.restrict(user, Action.VIEW)
    )
    policy = services.policy_create(actor=user, unit=unit, **data)
    return Status(201, policy)


@router.patch(
    "/policies/{policy_id}", response={200: PolicyOut, **WRITE_ERRORS}, summary="修改政策"
)
def policy_update(request: HttpRequest, policy_id: int, payload: PolicyPatch):
    user = request.auth
    policy = get_or_404(_policies(user), pk=policy_id)
    fields = payload.model_dump(exclude_unset=True)
    return services.policy_update(actor=user, policy=policy, **fields)


@router.post(
    "/policies/{policy_id}/status",
    response={200: PolicyOut, **WRITE_ERRORS},
    summary="发布或废止政策",
)
def policy_status(request: HttpRequest, policy_id: int, payload: StatusIn):
    user = request.auth
    policy = get_or_404(_policies(user), pk=policy_id)
    return services.policy_set_status(actor=user, policy=policy, status=payload.status)


@router.get(
    "/policies/{policy_id}/check/{enterprise_id}",
    response={200: CheckOut, **READ_ERRORS},
    summary="政策计算器",
)
def policy_check(request: HttpRequest, policy_id: int, enterprise_id: int):
    """Is the enterprise eligible, why (condition by condition), and for how much."""
    user = request.auth
    policy = get_or_404(_policies(user), pk=policy_id)
    enterprise = get_or_404(
        services.enterprises_for_matching(Enterprise.objects.restrict(user, Action.VIEW)),
        pk=enterprise_id,
    )
    result = services.check(policy, enterprise)
    return {
        "policy_id": policy.pk,
        "enterprise_id": enterprise.pk,
        "enterprise": enterprise.name,
        "eligible": result.explanation.eligible,
        "amount": result.amount,
        "lines": [vars(line) for line in result.explanation.lines],
    }


@router.post(
    "/policies/{policy_id}/grants",
    response={201: list[GrantOut], **WRITE_ERRORS},
    summary="生成兑现名单",
)
def grant_propose(request: HttpRequest, policy_id: int, payload: ProposeIn):
    user = request.auth
    policy = get_or_404(_policies(user), pk=policy_id)
    grants = services.grants_propose(actor=user, policy=policy, year=payload.year)
    return Status(201, list(_grants(user).filter(pk__in=[g.pk for g in grants])))


@router.get("/grants", response={200: list[GrantOut], **READ_ERRORS}, summary="政策兑现")
@paginate(Pages, page_size=50, max_page_size=500)
def grant_list(
    request: HttpRequest,
    policy_id: int | None = None,
    status: str | None = None,
    year: int | None = None,
):
    qs = _grants(request.auth)
    if policy_id:
        qs = qs.filter(policy_id=policy_id)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("policy__code", "enterprise__name", "pk")


@router.post("/grants/decide", response={200: list[GrantOut], **WRITE_ERRORS}, summary="审核兑现")
def grant_decide(request: HttpRequest, payload: DecideIn):
    user = request.auth
    grants = [get_or_404(_grants(user), pk=pk) for pk in payload.grant_ids]
    services.grant_decide(actor=user, grants=grants, approve=payload.approve, note=payload.note)
    return list(_grants(user).filter(pk__in=payload.grant_ids))
