"""API shapes for outreach batches and leads."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from gongjian.projects.models import Category
from gongjian.units.schemas import UnitRef

from .models import Lead, LeadStage, Outreach

KindValue = Literal[tuple(Outreach.Kind.values)]  # type: ignore[valid-type]
ThemeValue = Literal[tuple(Outreach.Theme.values)]  # type: ignore[valid-type]
LeadStageValue = Literal[tuple(LeadStage.values)]  # type: ignore[valid-type]
CategoryValue = Literal[tuple(Category.values)]  # type: ignore[valid-type]


class Body(Schema):
    model_config = ConfigDict(extra="forbid")


class EnterpriseRef(Schema):
    id: int
    name: str


class OutreachOut(Schema):
    id: int
    held_on: dt.date
    kind: KindValue
    kind_label: str
    theme: ThemeValue
    theme_label: str
    title: str
    place: str
    unit: UnitRef
    leader_name: str
    notes: str
    enterprises: list[EnterpriseRef]

    @staticmethod
    def resolve_kind_label(obj: Outreach) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_theme_label(obj: Outreach) -> str:
        return obj.get_theme_display()

    @staticmethod
    def resolve_enterprises(obj: Outreach):
        return list(obj.enterprises.all())


class OutreachIn(Body):
    held_on: dt.date
    kind: KindValue
    theme: ThemeValue
    title: str
    unit_id: int
    place: str = ""
    leader_name: str = ""
    notes: str = ""
    enterprise_ids: list[int] = []


class HistoryOut(Schema):
    stage: str
    label: str
    on: dt.date
    note: str


class LeadOut(Schema):
    id: int
    name: str
    enterprise: EnterpriseRef
    intended_investment: int = Field(description="意向投资额(元)")
    category: CategoryValue
    industry_cluster: str
    unit: UnitRef
    official_name: str | None
    stage: LeadStageValue = Field(description="当前阶段(签约后取自清单项目)")
    stage_label: str
    contacted_on: dt.date
    signed_on: dt.date | None = Field(description="签约日期,取自清单项目的阶段记录")
    terminated_reason: str
    expected_sign_on: dt.date | None
    expected_start_on: dt.date | None
    next_step: str
    next_step_due: dt.date | None
    project_id: int | None
    version: int

    @staticmethod
    def resolve_official_name(obj: Lead) -> str | None:
        return (obj.official.full_name or obj.official.username) if obj.official else None

    @staticmethod
    def resolve_stage(obj: Lead) -> str:
        return obj.current_stage

    @staticmethod
    def resolve_stage_label(obj: Lead) -> str:
        return obj.current_stage_label


class LeadDetail(LeadOut):
    history: list[HistoryOut]

    @staticmethod
    def resolve_history(obj: Lead):
        from .services import lead_history

        return lead_history(obj)


class LeadIn(Body):
    enterprise_id: int
    name: str
    unit_id: int
    intended_investment: int = Field(ge=0)
    contacted_on: dt.date
    category: CategoryValue = Category.INDUSTRY
    industry_cluster: str = ""
    official_id: int | None = None
    expected_sign_on: dt.date | None = None
    expected_start_on: dt.date | None = None
    next_step: str = ""
    next_step_due: dt.date | None = None


class LeadTransitionIn(Body):
    stage: LeadStageValue
    occurred_on: dt.date
    note: str = ""
    reason: str = Field("", description="终止原因(终止时必填)")
    project_id: int | None = Field(None, description="签约时关联已有的清单项目;不填则新建")
