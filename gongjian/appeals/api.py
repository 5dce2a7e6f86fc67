"""/api/appeals: 12345 appeals, scoped to the caller's units, walked through the loop."""

import datetime as dt

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from gongjian.enterprises.models import Enterprise
from gongjian.indicators.periods import resolve_year_as_of
from gongjian.kit.api import READ_ERRORS, WRITE_ERRORS, Pages, as_number, get_or_404, reference
from gongjian.kit.clock import today as clock_today
from gongjian.kit.scope import Action
from gongjian.projects.models import Project
from gongjian.units.models import Unit
from gongjian.units.selectors import unit_visible_or_404

from . import selectors, services
from .models import Appeal, AppealCategory
from .schemas import AppealDetail, AppealIn, AppealOut, CategoryOut, StatsOut, StepIn
from .selectors import intake_unit_of

router = Router(tags=["12345诉求"])


def _appeals(user):
    return Appeal.objects.restrict(user, Action.VIEW).select_related(
        "category", "intake_unit", "unit"
    )


def _detail(user, pk: int) -> Appeal:
    appeal = get_or_404(_appeals(user), pk=pk)
    appeal.allowed_actions = services.allowed_actions(appeal, user)
    return appeal


@router.get(
    "/appeal-categories", response={200: list[CategoryOut], **READ_ERRORS}, summary="诉求类别"
)
def appeal_category_list(request: HttpRequest):
    return AppealCategory.objects.filter(is_active=True).select_related("default_unit")


@router.get("/appeals", response={200: list[AppealOut], **READ_ERRORS}, summary="诉求工单")
@paginate(Pages, page_size=50, max_page_size=500)
def appeal_list(
    request: HttpRequest,
    status: str | None = None,
    category: str | None = None,
    unit: str | None = None,
    overdue: bool = False,
):
    """Appeals received or handled in the caller's units, newest first."""
    qs = _appeals(request.auth)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category__code=category)
    if unit:
        scope = unit_visible_or_404(request.auth, unit)
        qs = qs.filter(unit__path__startswith=scope.path)
    if overdue:
        qs = qs.exclude(status="closed").filter(due_on__lt=clock_today())
    return qs.order_by("-received_at", "-pk")


@router.get("/appeals/stats", response={200: StatsOut, **READ_ERRORS}, summary="诉求办理指标")
def appeal_stats(
    request: HttpRequest,
    unit: str | None = None,
    year: int | None = None,
    as_of: dt.date | None = None,
):
    """办结率、按期办结率、满意率、重办率 for a unit (and by category and by sub-unit), all
    from the indicator engine."""
    scope = unit_visible_or_404(request.auth, unit)
    shown = resolve_year_as_of(unit=scope, year=year, as_of=as_of)
    board = selectors.board(scope, shown.year, shown.as_of, with_rankings=False)

    def clean(row: dict) -> dict:
        out = {}
        for key, value in row.items():
            out[key] = (
                {"id": value.pk, "name": value.name}
                if isinstance(value, Unit)
                else as_number(value)
            )
        return out

    return {
        "unit": scope,
        "year": shown.year,
        "as_of": shown.as_of,
        "intake": board.intake,
        "figures": [
            {"code": c, "name": str(n), "value": as_number(v)} for c, n, v in board.figures
        ],
        "by_category": [clean(r) for r in board.by_category],
        "by_unit": [clean(r) for r in board.by_unit],
    }


@router.get("/appeals/{appeal_id}", response={200: AppealDetail, **READ_ERRORS}, summary="工单详情")
def appeal_detail(request: HttpRequest, appeal_id: int):
    return _detail(request.auth, appeal_id)


@router.post("/appeals", response={201: AppealDetail, **WRITE_ERRORS}, summary="受理诉求")
def appeal_create(request: HttpRequest, payload: AppealIn):
    user = request.auth
    data = payload.model_dump()
    category = AppealCategory.objects.filter(code=data.pop("category"), is_active=True).first()
    if category is None:
        from django.core.exceptions import ValidationError

        raise ValidationError({"category": f"诉求类别“{payload.category}”不存在"})
    intake_id = data.pop("intake_unit_id")
    intake = (
        reference(
            Unit, intake_id, "intake_unit", "受理单位", Unit.objects.restrict(user, Action.VIEW)
        )
        if intake_id
        else intake_unit_of(user)
    )
    if intake is None:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("没有可受理诉求的单位")
    enterprise = reference(
        Enterprise,
        data.pop("enterprise_id"),
        "enterprise",
        "企业",
        Enterprise.objects.restrict(user, Action.VIEW),
    )
    project = reference(
        Project,
        data.pop("project_id"),
        "project",
        "项目",
        Project.objects.restrict(user, Action.VIEW),
    )
    appeal = services.appeal_receive(
        actor=user,
        intake_unit=intake,
        category=category,
        enterprise=enterprise,
        project=project,
        **data,
    )
    return Status(201, _detail(user, appeal.pk))


@router.post(
    "/appeals/{appeal_id}/steps", response={200: AppealDetail, **WRITE_ERRORS}, summary="办理环节"
)
def appeal_step(request: HttpRequest, appeal_id: int, payload: StepIn):
    """派单 → 签收 → 办理 → 答复 → 回访 → 办结, or 退单 / 转办 / 重办. A move the loop does
    not allow from the current status answers 422; a user of the wrong unit 403."""
    user = request.auth
    appeal = get_or_404(_appeals(user), pk=appeal_id)
    unit = reference(Unit, payload.unit_id, "unit", "承办单位", Unit.objects.filter(is_active=True))
    services.appeal_transition(
        actor=user,
        appeal=appeal,
        action=payload.action,
        at=payload.at,
        unit=unit,
        note=payload.note,
        reply=payload.reply,
        satisfaction=payload.satisfaction,
    )
    return _detail(user, appeal.pk)
