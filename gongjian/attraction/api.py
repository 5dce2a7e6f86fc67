"""/api/outreach and /api/leads: 招商 batches and leads, scoped to the caller's units."""

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from gongjian.enterprises.models import Enterprise
from gongjian.kit.api import READ_ERRORS, WRITE_ERRORS, Pages, get_or_404, reference
from gongjian.kit.scope import Action
from gongjian.projects.models import Project
from gongjian.units.models import Unit, User

from . import services
from .models import Lead, Outreach, stage_q
from .schemas import LeadDetail, LeadIn, LeadOut, LeadTransitionIn, OutreachIn, OutreachOut

router = Router(tags=["招商引资"])


def _outreach(user):
    return Outreach.objects.restrict(user, Action.VIEW).select_related("unit")


def _leads(user):
    return Lead.objects.restrict(user, Action.VIEW).select_related(
        "unit", "enterprise", "official", "project"
    )


@router.get("/outreach", response={200: list[OutreachOut], **READ_ERRORS}, summary="招商活动")
@paginate(Pages, page_size=50, max_page_size=500)
def outreach_list(request: HttpRequest, month: str | None = None):
    """Outreach batches in the caller's scope, newest first; ``month`` as ``2024-10``."""
    qs = _outreach(request.auth).prefetch_related("enterprises")
    if month:
        year, _, mon = month.partition("-")
        if year.isdigit() and mon.isdigit():
            qs = qs.filter(held_on__year=int(year), held_on__month=int(mon))
    return qs.order_by("-held_on", "-pk")


@router.post("/outreach", response={201: OutreachOut, **WRITE_ERRORS}, summary="登记招商活动")
def outreach_create(request: HttpRequest, payload: OutreachIn):
    user = request.auth
    data = payload.model_dump()
    unit = reference(
        Unit, data.pop("unit_id"), "unit", "组织单位", Unit.objects.restrict(user, Action.VIEW)
    )
    ids = data.pop("enterprise_ids")
    enterprises = [
        reference(
            Enterprise, pk, "enterprise_ids", "企业", Enterprise.objects.restrict(user, Action.VIEW)
        )
        for pk in ids
    ]
    outreach = services.outreach_create(actor=user, unit=unit, enterprises=enterprises, **data)
    return Status(201, _outreach(user).get(pk=outreach.pk))


@router.get("/leads", response={200: list[LeadOut], **READ_ERRORS}, summary="招商线索")
@paginate(Pages, page_size=50, max_page_size=500)
def lead_list(request: HttpRequest, stage: str | None = None):
    qs = _leads(request.auth)
    if stage:
        qs = qs.filter(stage_q([stage]))
    return qs.order_by("-contacted_on", "-pk")


@router.get("/leads/{lead_id}", response={200: LeadDetail, **READ_ERRORS}, summary="线索详情")
def lead_detail(request: HttpRequest, lead_id: int):
    return get_or_404(_leads(request.auth), pk=lead_id)


@router.post("/leads", response={201: LeadDetail, **WRITE_ERRORS}, summary="新建招商线索")
def lead_create(request: HttpRequest, payload: LeadIn):
    user = request.auth
    data = payload.model_dump()
    unit = reference(
        Unit, data.pop("unit_id"), "unit", "责任单位", Unit.objects.restrict(user, Action.VIEW)
    )
    enterprise = reference(
        Enterprise,
        data.pop("enterprise_id"),
        "enterprise",
        "企业",
        Enterprise.objects.restrict(user, Action.VIEW),
    )
    official = reference(
        User, data.pop("official_id"), "official", "用户", User.objects.filter(is_active=True)
    )
    lead = services.lead_create(
        actor=user, unit=unit, enterprise=enterprise, official=official, **data
    )
    return Status(201, _leads(user).get(pk=lead.pk))


@router.post(
    "/leads/{lead_id}/transitions",
    response={200: LeadDetail, **WRITE_ERRORS},
    summary="推进线索阶段",
)
def lead_transition(request: HttpRequest, lead_id: int, payload: LeadTransitionIn):
    """接洽 → 洽谈 → 签约 (creates or links the registry project) → 落地 → 开工 → 投产, or
    终止 with a reason."""
    user = request.auth
    lead = get_or_404(_leads(user), pk=lead_id)
    project = reference(
        Project, payload.project_id, "project", "项目", Project.objects.restrict(user, Action.VIEW)
    )
    services.lead_transition(
        actor=user,
        lead=lead,
        to_stage=payload.stage,
        on_date=payload.occurred_on,
        note=payload.note,
        reason=payload.reason,
        project=project,
    )
    return _leads(user).get(pk=lead.pk)
