"""/api/finance: needs, products, matches and credit profiles, scoped like the pages (an
institution's staff see its products and the matches to them)."""

from django.http import Http404, HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from gongjian.enterprises.models import Enterprise
from gongjian.kit.api import NOT_FOUND, READ_ERRORS, WRITE_ERRORS, Pages, get_or_404, reference
from gongjian.kit.scope import Action

from . import services
from .models import Institution, Match, Need
from .schemas import (
    ConsentIn,
    CreditProfileOut,
    MatchOut,
    NeedIn,
    NeedOut,
    ProductIn,
    ProductOut,
    StepIn,
)
from .selectors import credit_profile, match_rows, may_read_profile, need_rows, product_rows

router = Router(tags=["融资信用服务"])


@router.get("/finance/needs", response={200: list[NeedOut], **READ_ERRORS}, summary="企业需求")
@paginate(Pages, page_size=50, max_page_size=500)
def need_list(request: HttpRequest, kind: str = "", status: str = "", q: str = ""):
    return need_rows(request.auth, {"kind": kind, "status": status, "q": q})[0]


@router.post("/finance/needs", response={201: NeedOut, **WRITE_ERRORS}, summary="发布企业需求")
def need_create(request: HttpRequest, payload: NeedIn):
    user = request.auth
    data = payload.model_dump(exclude_none=True)
    enterprise = reference(
        Enterprise,
        data.pop("enterprise_id"),
        "enterprise",
        "企业",
        Enterprise.objects.restrict(user, Action.VIEW),
    )
    need = services.need_create(actor=user, enterprise=enterprise, **data)
    return Status(201, need)


@router.post(
    "/finance/needs/{need_id}/match",
    response={200: list[MatchOut], **WRITE_ERRORS},
    summary="匹配金融产品",
)
def need_match(request: HttpRequest, need_id: int):
    """Match a 资金 need to the products that fit it; returns the new matches."""
    need = get_or_404(Need.objects.restrict(request.auth, Action.VIEW), pk=need_id)
    return services.need_match(actor=request.auth, need=need)


@router.get(
    "/finance/products", response={200: list[ProductOut], **READ_ERRORS}, summary="金融产品"
)
@paginate(Pages, page_size=50, max_page_size=500)
def product_list(request: HttpRequest, institution: str = "", q: str = ""):
    return product_rows(request.auth, {"institution": institution, "q": q})[0]


@router.post(
    "/finance/products", response={201: ProductOut, **WRITE_ERRORS}, summary="登记金融产品"
)
def product_create(request: HttpRequest, payload: ProductIn):
    user = request.auth
    data = payload.model_dump()
    institution = reference(
        Institution,
        data.pop("institution_id"),
        "institution",
        "金融机构",
        Institution.objects.restrict(user, Action.VIEW),
    )
    return Status(201, services.product_create(actor=user, institution=institution, **data))


@router.get("/finance/matches", response={200: list[MatchOut], **READ_ERRORS}, summary="融资对接")
@paginate(Pages, page_size=50, max_page_size=500)
def match_list(request: HttpRequest, stage: str = "", institution: str = ""):
    return match_rows(request.auth, {"stage": stage, "institution": institution})[0]


@router.post(
    "/finance/matches/{match_id}/steps",
    response={200: MatchOut, **WRITE_ERRORS},
    summary="记录对接进展",
)
def match_step(request: HttpRequest, match_id: int, payload: StepIn):
    """对接 → 受理 → 授信 (amount) → 放款 (amount), or 未通过 with the reason in ``note``."""
    match = get_or_404(
        Match.objects.restrict(request.auth, Action.VIEW).select_related(
            "need", "product__institution"
        ),
        pk=match_id,
    )
    data = payload.model_dump()
    return services.match_advance(
        actor=request.auth,
        match=match,
        stage=data["stage"],
        on=data["occurred_on"],
        amount=data["amount"],
        note=data["note"],
    )


@router.post(
    "/finance/enterprises/{enterprise_id}/consents",
    response={200: dict, **WRITE_ERRORS},
    summary="登记企业信用信息授权",
)
def consent_grant(request: HttpRequest, enterprise_id: int, payload: ConsentIn):
    user = request.auth
    enterprise = get_or_404(Enterprise.objects.restrict(user, Action.VIEW), pk=enterprise_id)
    institution = reference(
        Institution,
        payload.institution_id,
        "institution",
        "金融机构",
        Institution.objects.restrict(user, Action.VIEW),
    )
    consent = services.consent_grant(
        actor=user,
        enterprise=enterprise,
        institution=institution,
        granted_on=payload.granted_on,
        note=payload.note,
    )
    return {"id": consent.pk, "granted_on": consent.granted_on.isoformat()}


@router.get(
    "/finance/enterprises/{enterprise_id}/credit-profile",
    response={200: CreditProfileOut, **READ_ERRORS},
    summary="企业信用画像",
)
def profile(request: HttpRequest, enterprise_id: int):
    """An enterprise's credit profile: its own units read it; an institution's staff only
    with the enterprise's consent (else 404, like a missing enterprise)."""
    enterprise = get_or_404(Enterprise.objects.all(), pk=enterprise_id)
    if not may_read_profile(request.auth, enterprise):
        raise Http404(NOT_FOUND)
    p = credit_profile(enterprise)
    return {
        "enterprise_id": enterprise.pk,
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "tier": p.tier,
        "latest_revenue": p.latest_revenue,
        "labels": p.labels,
        "grants": p.grants,
        "appeals": p.appeals,
        "projects": p.projects,
        "financing": p.financing,
    }
