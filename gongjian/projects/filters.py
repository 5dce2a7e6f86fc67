"""Filter definitions for the project registry, shared by the API, the list pages and the
Excel export: build one from query parameters, then ``.apply()`` it to a queryset that is
already scoped (``Project.objects.restrict(user, Action.VIEW)``) — a filter never widens
the scope.
"""

import datetime as dt
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import QueryDict
from ninja import Field, Schema

from gongjian.kit.clock import today as clock_today
from gongjian.kit.dates import InRangeDate
from gongjian.units.selectors import unit_resolve

from .models import Problem, Project, Stage
from .schemas import CategoryValue, ProblemStatusValue, StageValue

UNIT_HELP = "单位:ID、6 位行政区划代码或名称,含其全部下级单位"


class QueryFilter(Schema):
    """Common behaviour: parse a page's ``request.GET`` the way the API parses its query."""

    @classmethod
    def from_querydict(cls, data: QueryDict):
        """Build from ``request.GET``; empty values are ignored; lists come from repeated
        keys. Raises ``pydantic.ValidationError`` on bad input."""
        values: dict[str, Any] = {}
        for name, field in cls.model_fields.items():
            if name not in data:
                continue
            if _is_list(field.annotation):
                items = [v for v in data.getlist(name) if v != ""]
                if items:
                    values[name] = items
            elif data.get(name, "") != "":
                values[name] = data.get(name)
        return cls.model_validate(values)


def _is_list(annotation) -> bool:
    origin = get_origin(annotation)
    if origin in (list, tuple, set):
        return True
    if origin in (Union, UnionType):
        return any(_is_list(arg) for arg in get_args(annotation))
    return False


def _unit_q(ref: str | None, field: str) -> Q | None:
    """Rows in the subtree of the unit ``ref`` names; an unknown unit matches nothing."""
    if ref is None or str(ref).strip() == "":
        return None
    unit = unit_resolve(ref)
    if unit is None:
        return Q(pk__in=[])
    return Q(**{f"{field}__startswith": unit.path})


STAGE_POSITION = Case(
    *(When(stage=value, then=Value(position)) for position, value in enumerate(Stage.values)),
    default=Value(len(Stage.values)),
    output_field=IntegerField(),
)

PROJECT_ORDERINGS: dict[str, tuple[str, ...]] = {
    "code": ("code",),
    "name": ("name", "code"),
    "total_investment": ("total_investment", "code"),
    "-total_investment": ("-total_investment", "code"),
    "stage": ("stage_position", "code"),
    "unit": ("unit__sort_order", "unit_id", "code"),
}

ProjectOrdering = Literal[tuple(PROJECT_ORDERINGS)]  # type: ignore[valid-type]


class ProjectFilter(QueryFilter):
    """The project list's filters."""

    unit: str | None = Field(None, description=UNIT_HELP)
    stage: list[StageValue] | None = Field(None, description="阶段,可重复(任一)")
    category: CategoryValue | None = Field(None, description="项目类别")
    tag: list[str] | None = Field(None, description="标签标识,可重复(须同时带有)")
    batch: str | None = Field(None, description="批次标识")
    min_amount: int | None = Field(None, ge=0, description="总投资不低于(元)")
    max_amount: int | None = Field(None, ge=0, description="总投资低于(元)")
    q: str | None = Field(
        None, max_length=100, description="在项目名称、编号、全国投资项目代码、建设单位中查找"
    )
    ordering: ProjectOrdering = Field("code", description="排序")

    def apply(self, qs: QuerySet[Project]) -> QuerySet[Project]:
        unit_q = _unit_q(self.unit, "unit__path")
        if unit_q is not None:
            qs = qs.filter(unit_q)
        if self.stage:
            qs = qs.filter(stage__in=self.stage)
        if self.category:
            qs = qs.filter(category=self.category)
        through_tags = Project.tags.through
        for slug in self.tag or ():
            qs = qs.filter(
                Exists(through_tags.objects.filter(project_id=OuterRef("pk"), tag__slug=slug))
            )
        if self.batch:
            qs = qs.filter(
                Exists(
                    Project.batches.through.objects.filter(
                        project_id=OuterRef("pk"), batch__code=self.batch
                    )
                )
            )
        if self.min_amount is not None:
            qs = qs.filter(total_investment__gte=self.min_amount)
        if self.max_amount is not None:
            qs = qs.filter(total_investment__lt=self.max_amount)
        if self.q and self.q.strip():
            text = self.q.strip()
            qs = qs.filter(
                Q(name__icontains=text)
                | Q(code__icontains=text)
                | Q(national_code__icontains=text)
                | Q(enterprise_name__icontains=text)
            )
        if self.ordering == "stage":
            qs = qs.annotate(stage_position=STAGE_POSITION)
        return qs.order_by(*PROJECT_ORDERINGS[self.ordering])


class ProgressReportFilter(QueryFilter):
    """Reports of a unit's projects whose period ends within ``[period_start, period_end]``
    (the same rule as the indicator engine's "reported in the period")."""

    unit: str | None = Field(None, description=UNIT_HELP)
    project: int | None = Field(None, ge=1, le=2**63 - 1, description="项目 ID")
    period_start: InRangeDate | None = Field(None, description="期间结束日期不早于")
    period_end: InRangeDate | None = Field(None, description="期间结束日期不晚于")

    def apply(self, qs: QuerySet) -> QuerySet:
        unit_q = _unit_q(self.unit, "project__unit__path")
        if unit_q is not None:
            qs = qs.filter(unit_q)
        if self.project is not None:
            qs = qs.filter(project_id=self.project)
        if self.period_start is not None:
            qs = qs.filter(period_end__gte=self.period_start)
        if self.period_end is not None:
            qs = qs.filter(period_end__lte=self.period_end)
        return qs.order_by("-period_end", "project__code", "pk")


OPEN_STATUSES = (Problem.Status.OPEN, Problem.Status.ASSIGNED)


def problem_is_overdue(problem: Problem, today: dt.date | None = None) -> bool:
    """Past its deadline and not yet resolved."""
    today = today or clock_today()
    return bool(problem.deadline and problem.deadline < today and problem.status in OPEN_STATUSES)


class ProblemFilter(QueryFilter):
    """The problem list's filters."""

    status: list[ProblemStatusValue] | None = Field(None, description="状态,可重复(任一)")
    unit: str | None = Field(None, description=UNIT_HELP + "(按项目所属单位)")
    project: int | None = Field(None, ge=1, le=2**63 - 1, description="项目 ID")
    overdue: bool | None = Field(None, description="true:只看已超期未解决的;false:排除它们")

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.status:
            qs = qs.filter(status__in=self.status)
        unit_q = _unit_q(self.unit, "project__unit__path")
        if unit_q is not None:
            qs = qs.filter(unit_q)
        if self.project is not None:
            qs = qs.filter(project_id=self.project)
        if self.overdue is not None:
            overdue = Q(deadline__lt=clock_today(), status__in=OPEN_STATUSES)
            qs = qs.filter(overdue) if self.overdue else qs.exclude(overdue)
        return qs.order_by(F("deadline").asc(nulls_last=True), "pk")
