"""API shapes for appeals (the same rules as the page forms and the import rows)."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from gongjian.kit.dates import InRangeDateTime
from gongjian.units.schemas import UnitRef

from .models import Appeal, AppealStep, AppellantKind, Channel, Satisfaction, Status

ChannelValue = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
KindValue = Literal[tuple(AppellantKind.values)]  # type: ignore[valid-type]
StatusValue = Literal[tuple(Status.values)]  # type: ignore[valid-type]
ActionValue = Literal[tuple(a for a in AppealStep.Action.values if a != "receive")]  # type: ignore[valid-type]
SatisfactionValue = Literal[tuple(Satisfaction.values)]  # type: ignore[valid-type]


class Body(Schema):
    model_config = ConfigDict(extra="forbid")


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    sla_days: int
    sign_days: int
    for_enterprises: bool
    default_unit: UnitRef | None = None


class StepOut(Schema):
    action: str
    action_label: str
    from_status: str
    to_status: str
    unit: UnitRef
    actor: str | None
    at: dt.datetime
    note: str

    @staticmethod
    def resolve_action_label(obj: AppealStep) -> str:
        return obj.get_action_display()

    @staticmethod
    def resolve_actor(obj: AppealStep) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class AppealOut(Schema):
    id: int
    number: str
    channel: ChannelValue
    appellant_kind: KindValue
    appellant_name: str
    category: str = Field(..., alias="category.code")
    category_name: str = Field(..., alias="category.name")
    title: str
    content: str
    address: str
    enterprise_id: int | None
    project_id: int | None
    intake_unit: UnitRef
    unit: UnitRef
    status: StatusValue
    status_label: str
    received_at: dt.datetime
    due_on: dt.date
    replied_on: dt.date | None
    closed_on: dt.date | None
    satisfaction: str
    reopen_count: int

    @staticmethod
    def resolve_status_label(obj: Appeal) -> str:
        return obj.get_status_display()


class AppealDetail(AppealOut):
    reply: str
    steps: list[StepOut]
    allowed_actions: list[str] = []

    @staticmethod
    def resolve_steps(obj: Appeal):
        return list(obj.steps.select_related("unit", "actor"))


class AppealIn(Body):
    """受理 an appeal."""

    category: str = Field(..., description="诉求类别代码", min_length=1)
    title: str = Field(..., min_length=1, max_length=200)
    content: str = Field(..., min_length=1)
    channel: ChannelValue = Channel.HOTLINE
    appellant_kind: KindValue = AppellantKind.CITIZEN
    appellant_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=30)
    enterprise_id: int | None = None
    project_id: int | None = None
    address: str = Field("", max_length=200)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    intake_unit_id: int | None = Field(None, description="受理单位,默认本人所在的最上级单位")
    received_at: InRangeDateTime | None = None


class StepIn(Body):
    """One move of the loop: dispatch / sign / return / transfer / handle / reply / visit /
    close / reopen."""

    action: ActionValue
    unit_id: int | None = Field(None, description="派单、转办的承办单位;派单时默认按类别建议")
    note: str = ""
    reply: str = ""
    satisfaction: SatisfactionValue | Literal[""] = ""
    at: InRangeDateTime | None = None


class RateOut(Schema):
    code: str
    name: str
    value: float | int | None


class StatsOut(Schema):
    unit: UnitRef
    year: int
    as_of: dt.date
    # true: the figures are of the appeals taken in at ``unit`` (a 12345 centre), not of
    # those its subtree answers for
    intake: bool = False
    figures: list[RateOut]
    by_category: list[dict]
    by_unit: list[dict]
