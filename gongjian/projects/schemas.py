"""API shapes for the project registry: what goes in (validated) and what comes out.

Bodies only check types and required fields; ranges, lengths, uniqueness and
stage rules are the models' and services' (one rule, written once), whose
Chinese messages the API returns as 422.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import ConfigDict, ValidationInfo, model_validator

from gongjian.kit.dates import InRangeDate
from gongjian.units.schemas import UnitRef

from .models import Batch, Category, Problem, ProgressReport, Project, Stage, StageTransition

StageValue = Literal[tuple(Stage.values)]  # type: ignore[valid-type]
CategoryValue = Literal[tuple(Category.values)]  # type: ignore[valid-type]
ProblemKindValue = Literal[tuple(Problem.Kind.values)]  # type: ignore[valid-type]
ProblemStatusValue = Literal[tuple(Problem.Status.values)]  # type: ignore[valid-type]
ReportStatusValue = Literal[tuple(ProgressReport.Status.values)]  # type: ignore[valid-type]


def _person(user) -> str | None:
    return (user.full_name or user.username) if user is not None else None


class Body(Schema):
    """A request body: unknown fields are refused rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


# --- out ---------------------------------------------------------------------------


class ProjectRef(Schema):
    id: int
    code: str
    name: str


class PersonRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return _person(obj)


class BatchRef(Schema):
    code: str
    name: str
    kind: Literal[tuple(Batch.Kind.values)]  # type: ignore[valid-type]
    year: int
    held_on: dt.date | None


class TransitionOut(Schema):
    stage: StageValue
    stage_label: str
    occurred_on: dt.date
    note: str

    @staticmethod
    def resolve_stage_label(obj: StageTransition) -> str:
        return obj.get_stage_display()


CATEGORY_LABELS = dict(Category.choices)
STAGE_LABELS = dict(Stage.choices)


class ProjectItem(Schema):
    """A row of the project list."""

    # (The docstring is the OpenAPI description.) The list API builds its rows as finished
    # dicts (``api._project_rows``); ``ProjectDetail`` resolves the same fields from a Project.

    id: int
    code: str
    national_code: str | None = Field(description="全国投资项目代码(GB/T 40058-2021)")
    name: str
    unit: UnitRef
    category: CategoryValue
    category_label: str
    stage: StageValue
    stage_label: str
    total_investment: int = Field(description="总投资(元)")
    planned_investment: int = Field(description="年度计划投资(元)")
    completed_investment: int = Field(description="累计完成投资(元)")
    tags: list[str] = Field(description="标签标识")
    leader_name: str | None = Field(description="包保领导")

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler, info: ValidationInfo) -> Any:
        # A plain dict is validated by pydantic itself; anything else (a ``Project``) goes
        # through ninja's ``DjangoGetter`` and the resolvers, as for every ``Schema``.
        if type(values) is dict:
            return handler(values)
        return super()._run_root_validator(values, handler, info)


class ProjectDetail(ProjectItem):
    """A project with every field, its stage dates and its stage history."""

    responsible_unit: UnitRef | None
    leader: PersonRef | None
    industry_cluster: str
    enterprise_name: str
    signed_on: dt.date | None
    landed_on: dt.date | None
    started_on: dt.date | None
    resumed_on: dt.date | None
    stalled_on: dt.date | None
    completed_on: dt.date | None
    in_production_on: dt.date | None
    first_event_on: dt.date | None
    planned_start_on: dt.date | None = Field(description="计划开工日期")
    planned_completion_on: dt.date | None = Field(description="计划竣工日期")
    planned_in_stats_on: dt.date | None = Field(description="计划入库日期")
    in_stats_on: dt.date | None = Field(description="入库(纳统)日期")
    completed_early: bool = Field(description="提前竣工:竣工日期早于计划竣工日期")
    batches: list[BatchRef]
    latitude: float | None
    longitude: float | None
    description: str
    version: int = Field(description="修改时作为 expected_version 传回,防止覆盖他人的修改")
    created_at: dt.datetime
    updated_at: dt.datetime
    transitions: list[TransitionOut] = Field(description="阶段变更记录,按日期排序")

    # A dict lookup, not ``get_FOO_display()``: that one hashes every lazy choice label
    # (a gettext each) on every call.
    @staticmethod
    def resolve_category_label(obj: Project) -> str:
        return str(CATEGORY_LABELS.get(obj.category, obj.category))

    @staticmethod
    def resolve_stage_label(obj: Project) -> str:
        return str(STAGE_LABELS.get(obj.stage, obj.stage))

    @staticmethod
    def resolve_tags(obj: Project) -> list[str]:
        return [tag.slug for tag in obj.tags.all()]

    @staticmethod
    def resolve_leader_name(obj: Project) -> str | None:
        return _person(obj.leader)

    @staticmethod
    def resolve_created_at(obj: Project) -> dt.datetime:
        return timezone.localtime(obj.created_at)

    @staticmethod
    def resolve_updated_at(obj: Project) -> dt.datetime:
        return timezone.localtime(obj.updated_at)

    @staticmethod
    def resolve_completed_early(obj: Project) -> bool:
        return obj.is_completed_early()

    @staticmethod
    def resolve_batches(obj: Project) -> list[Batch]:
        return list(obj.batches.all())

    @staticmethod
    def resolve_transitions(obj: Project) -> list[StageTransition]:
        return list(obj.transitions.all())


class ReportOut(Schema):
    id: int
    project: ProjectRef
    period_start: dt.date
    period_end: dt.date
    investment_this_period: int = Field(description="本期完成投资(元)")
    cumulative_investment: int = Field(description="累计完成投资(元)")
    funds_paid: int | None = Field(description="累计资金支付(元);未填报为 null")
    progress_text: str
    problems_text: str
    status: ReportStatusValue
    status_label: str
    submitted_by_name: str | None
    submitted_at: dt.datetime
    version: int = Field(description="修改时作为 expected_version 或 If-Match 传回")
    is_current: bool = Field(description="是否现行版本;被更正版本取代的报告为 false")
    supersedes_id: int | None = Field(description="本报告更正的原报告 ID")

    @staticmethod
    def resolve_status_label(obj: ProgressReport) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_submitted_by_name(obj: ProgressReport) -> str | None:
        return _person(obj.submitted_by)

    @staticmethod
    def resolve_submitted_at(obj: ProgressReport) -> dt.datetime:
        return timezone.localtime(obj.submitted_at)


class ProblemOut(Schema):
    id: int
    project: ProjectRef
    kind: ProblemKindValue
    kind_label: str
    description: str
    owner_unit: UnitRef | None
    leader_name: str | None
    deadline: dt.date | None
    status: ProblemStatusValue
    status_label: str
    raised_on: dt.date
    resolved_on: dt.date | None
    verified_on: dt.date | None
    resolution: str
    overdue: bool = Field(description="已过办结时限且尚未解决")

    @staticmethod
    def resolve_kind_label(obj: Problem) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_status_label(obj: Problem) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_leader_name(obj: Problem) -> str | None:
        return _person(obj.leader)

    @staticmethod
    def resolve_overdue(obj: Problem) -> bool:
        from .filters import problem_is_overdue

        return problem_is_overdue(obj)


# --- in ----------------------------------------------------------------------------


class StageEventIn(Body):
    stage: StageValue
    occurred_on: dt.date


class ProjectCreateIn(Body):
    code: str
    national_code: str | None = Field(
        None, description="全国投资项目代码:24 位,如 2104-210703-04-01-528179,校验码须正确"
    )
    name: str
    unit_id: int = Field(description="所属单位 ID")
    category: CategoryValue
    total_investment: int = Field(description="总投资(元)")
    planned_investment: int = Field(0, description="年度计划投资(元)")
    responsible_unit_id: int | None = Field(None, description="责任部门 ID")
    leader_id: int | None = Field(None, description="包保领导(用户 ID)")
    industry_cluster: str = ""
    enterprise_name: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    description: str = ""
    planned_start_on: dt.date | None = Field(None, description="计划开工日期")
    planned_completion_on: dt.date | None = Field(
        None, description="计划竣工日期,不得早于计划开工日期"
    )
    planned_in_stats_on: dt.date | None = Field(
        None, description="计划入库日期,不得早于计划开工日期"
    )
    in_stats_on: dt.date | None = Field(
        None, description="入库(纳统)日期,不得早于开工日期,不得晚于今天"
    )
    tags: list[str] = Field([], description="标签标识")
    batches: list[str] = Field([], description="批次标识")
    stage_events: list[StageEventIn] = Field(
        [], description="已发生的阶段(如签约、落地),按日期先后登记"
    )


class ProjectUpdateIn(Body):
    """Only the fields sent are changed."""

    name: str | None = None
    national_code: str | None = Field(None, description="全国投资项目代码;传 null 清除")
    unit_id: int | None = None
    category: CategoryValue | None = None
    total_investment: int | None = None
    planned_investment: int | None = None
    responsible_unit_id: int | None = None
    leader_id: int | None = None
    industry_cluster: str | None = None
    enterprise_name: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    description: str | None = None
    planned_start_on: dt.date | None = Field(None, description="计划开工日期;传 null 清除")
    planned_completion_on: dt.date | None = Field(None, description="计划竣工日期")
    planned_in_stats_on: dt.date | None = Field(None, description="计划入库日期")
    in_stats_on: dt.date | None = Field(None, description="入库(纳统)日期")
    expected_version: int | None = Field(
        None, description="读取时的 version;已被他人修改则返回 409,不做任何修改"
    )


class TransitionIn(Body):
    stage: StageValue
    occurred_on: dt.date
    note: str = Field("", max_length=200)


class ReportIn(Body):
    """A progress report for one period — the one input of ``progress_report_submit``,
    whether it comes from the 调度 page, the API or an Excel row. The period must be one
    the project owes under its cadence (the service checks it)."""

    period_start: InRangeDate
    period_end: InRangeDate
    investment_this_period: int = Field(description="本期完成投资(元)")
    cumulative_investment: int | None = Field(
        None, description="自开工累计完成投资(元);不填则按上期累计加本期计算"
    )
    funds_paid: int | None = Field(None, ge=0, description="自开工累计资金支付(元),可不填")
    progress_text: str = ""
    problems_text: str = ""
    client_ref: str | None = Field(
        None,
        max_length=64,
        description="客户端提交编号(如 UUID):重试同一编号的请求返回已保存的报告,不会重复写入",
    )


class ReportUpdateIn(Body):
    """Change a report not yet approved; only the fields sent are changed."""

    period_end: InRangeDate | None = None
    investment_this_period: int | None = Field(None, description="本期完成投资(元)")
    cumulative_investment: int | None = Field(None, description="累计完成投资(元)")
    funds_paid: int | None = Field(None, ge=0, description="累计资金支付(元)")
    progress_text: str | None = None
    problems_text: str | None = None
    expected_version: int | None = Field(
        None, description="读取时的 version(或用 If-Match 头);已被他人修改则不做任何修改"
    )


class ReportCorrectIn(Body):
    """Correct an approved report: a new version with the fields sent replaces it."""

    reason: str = Field(max_length=80, description="更正原因")
    period_end: InRangeDate | None = None
    investment_this_period: int | None = Field(None, description="本期完成投资(元)")
    cumulative_investment: int | None = Field(None, description="累计完成投资(元)")
    funds_paid: int | None = Field(None, ge=0, description="累计资金支付(元)")
    progress_text: str | None = None
    problems_text: str | None = None


class ProblemIn(Body):
    kind: ProblemKindValue
    description: str
    raised_on: dt.date
    deadline: dt.date | None = None
    owner_unit_id: int | None = Field(None, description="责任单位 ID")
    leader_id: int | None = Field(None, description="包保领导(用户 ID),默认为项目的包保领导")


class ProblemTransitionIn(Body):
    status: ProblemStatusValue
    on_date: dt.date
    comment: str = ""
    owner_unit_id: int | None = Field(None, description="交办时的责任单位 ID")
