"""/api/indicators, /api/kpi, /api/rankings over the indicator engine; /api/reported-values: units report the reported indicators, the office approves."""

import datetime as dt

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from gongjian.kit.api import READ_ERRORS, WRITE_ERRORS, as_number, get_or_404
from gongjian.kit.dates import Period, month_earlier
from gongjian.kit.scope import Action
from gongjian.units.selectors import unit_visible_or_404

from . import engine, selectors, services
from .models import Indicator, RankingScheme, ReportedValue
from .periods import check_year, resolve_year_as_of
from .schemas import (
    IndicatorOut,
    IndicatorValue,
    IndicatorValueOut,
    RankingOut,
    ReportedValueIn,
    ReportedValueOut,
    ReviewIn,
)

router = Router(tags=["指标"])

UNIT_HELP = "单位:ID、6 位行政区划代码或名称;默认为本人权限范围的最高单位(攻坚办为全市)"


def _active_indicators(user):
    return (
        Indicator.objects.restrict(user, Action.VIEW)
        .filter(is_active=True)
        .select_related("fixed_unit")
    )


@router.get("/indicators", response={200: list[IndicatorOut], **READ_ERRORS}, summary="指标定义")
def indicator_list(request: HttpRequest):
    return _active_indicators(request.auth).order_by("sort_order", "code")


@router.get(
    "/reported-values",
    response={200: list[ReportedValueOut], **READ_ERRORS},
    summary="填报值(各版本)",
)
def reported_value_list(
    request: HttpRequest,
    indicator: str | None = None,
    unit: str | None = None,
    year: int | None = None,
    status: str | None = None,
):
    """The reported values the caller may see, every version, filtered by indicator code,
    unit (its subtree), year and status (draft/submitted/returned/approved)."""
    qs = ReportedValue.objects.restrict(request.auth, Action.VIEW).select_related(
        "indicator", "unit"
    )
    if indicator:
        qs = qs.filter(indicator__code=indicator)
    if unit:
        qs = qs.filter(unit__path__startswith=unit_visible_or_404(request.auth, unit).path)
    if year:
        qs = qs.filter(as_of__year=check_year(year))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("as_of", "unit__path", "indicator__sort_order", "version")[:5000]


@router.post(
    "/reported-values",
    response={201: ReportedValueOut, **WRITE_ERRORS},
    summary="填报(新建或更正)",
)
def reported_value_create(request: HttpRequest, payload: ReportedValueIn):
    """The page's write path: the open version is updated or a new one opened (a
    correction of an approved value); an office entering for a unit it oversees approves
    it at once, an operator's value is a draft or, with ``submit``, awaits approval."""
    user = request.auth
    indicator = get_or_404(
        Indicator.objects.restrict(user, Action.VIEW).filter(kind=Indicator.Kind.REPORTED),
        code=payload.indicator,
    )
    row = services.reported_value_record(
        actor=user,
        indicator=indicator,
        unit=unit_visible_or_404(user, payload.unit),
        as_of=payload.as_of,
        value=payload.value,
        note=payload.note,
        submit=payload.submit,
    )
    return Status(201, row)


@router.post(
    "/reported-values/{value_id}/submit",
    response={200: ReportedValueOut, **WRITE_ERRORS},
    summary="提交审核",
)
def reported_value_submit(request: HttpRequest, value_id: int):
    row = get_or_404(ReportedValue.objects.restrict(request.auth, Action.CHANGE), pk=value_id)
    return services.reported_value_submit(actor=request.auth, row=row)


@router.post(
    "/reported-values/{value_id}/review",
    response={200: ReportedValueOut, **WRITE_ERRORS},
    summary="审核(通过或退回)",
)
def reported_value_review(request: HttpRequest, value_id: int, payload: ReviewIn):
    row = get_or_404(selectors.awaiting_review(request.auth), pk=value_id)
    return services.reported_value_review(
        actor=request.auth, row=row, approve=payload.approve, note=payload.note
    )


@router.get(
    "/indicators/{path:code}", response={200: IndicatorValueOut, **READ_ERRORS}, summary="指标值"
)
def indicator_value(
    request: HttpRequest,
    code: str,
    unit: str | None = None,
    year: int | None = None,
    as_of: dt.date | None = None,
):
    """The indicator for a unit's subtree from 1 January to ``as_of``, with the unit's
    target, completion rate and 序时进度. Codes may contain dots and Chinese characters."""
    indicator = get_or_404(_active_indicators(request.auth), code=code)
    scope = unit_visible_or_404(request.auth, unit)
    year, as_of = _year_as_of(scope, year, as_of)
    result = engine.completion(indicator, scope, year, as_of)
    return {
        "code": indicator.code,
        "name": indicator.name,
        "kind": indicator.kind,
        "display_unit": indicator.display_unit,
        "unit": scope,
        "year": year,
        "as_of": as_of,
        "value": as_number(result.value),
        "target": as_number(result.target),
        "completion_rate": result.rate,
        "pro_rata": result.pro_rata,
    }


@router.get("/kpi", response={200: dict[str, IndicatorValue], **READ_ERRORS}, summary="全部指标值")
def kpi(
    request: HttpRequest,
    unit: str | None = None,
    year: int | None = None,
    as_of: dt.date | None = None,
):
    """``{指标代码: 值}`` for every active indicator that applies to the unit."""
    scope = unit_visible_or_404(request.auth, unit)
    year, as_of = _year_as_of(scope, year, as_of)
    values = engine.evaluate_all(
        scope, Period.year_to_date(year, as_of), _active_indicators(request.auth)
    )
    return {code: as_number(value) for code, value in values.items()}


def _year_as_of(unit, year, as_of, default_year=None) -> tuple[int, dt.date]:
    shown = resolve_year_as_of(unit=unit, year=year, as_of=as_of, default_year=default_year)
    return shown.year, shown.as_of


@router.get(
    "/rankings/{scheme_code}", response={200: RankingOut, **READ_ERRORS}, summary="赛马排名"
)
def ranking(
    request: HttpRequest, scheme_code: str, year: int | None = None, as_of: dt.date | None = None
):
    """Units ranked on the scheme's weighted indicators from 1 January to ``as_of``, each
    with its rank one month earlier and the movement since. Every competing unit's rank
    and scores are shown; the value, target and rate only of units in the caller's scope
    (the others' rows have ``hidden: true`` and those fields null)."""
    scheme = get_or_404(
        RankingScheme.objects.restrict(request.auth, Action.VIEW).select_related("parent_unit"),
        code=scheme_code,
    )
    year, as_of = _year_as_of(scheme.parent_unit, year, as_of, default_year=scheme.year)
    before = month_earlier(as_of)
    rows = engine.ranking(
        scheme,
        Period.year_to_date(year, as_of),
        previous=Period.year_to_date(year, before) if before else None,
        viewer=request.auth,
    )
    return {
        "code": scheme.code,
        "name": scheme.name,
        "year": year,
        "as_of": as_of,
        "previous_as_of": before,
        "rows": [
            {
                "unit": row.unit,
                "score": row.score,
                "rank": row.rank,
                "previous_rank": row.previous_rank,
                "movement": row.movement,
                "hidden": row.hidden,
                "parts": {
                    code: {
                        **part,
                        "value": as_number(part["value"]),
                        "target": as_number(part["target"]),
                    }
                    for code, part in row.parts.items()
                },
            }
            for row in rows
        ],
    }
