"""/api/units: the units the caller may see."""

from django.http import HttpRequest
from ninja import Router

from gongjian.kit.api import READ_ERRORS, get_or_404
from gongjian.kit.scope import Action

from .models import Unit
from .schemas import UnitOut

router = Router(tags=["单位"])


@router.get("/units", response={200: list[UnitOut], **READ_ERRORS}, summary="可见单位列表")
def unit_list(request: HttpRequest):
    """The units in the caller's scope, in tree order (a parent before its children)."""
    return Unit.objects.restrict(request.auth, Action.VIEW).order_by("path")


@router.get("/units/{unit_id}", response={200: UnitOut, **READ_ERRORS}, summary="单位详情")
def unit_detail(request: HttpRequest, unit_id: int):
    return get_or_404(Unit.objects.restrict(request.auth, Action.VIEW), pk=unit_id)
