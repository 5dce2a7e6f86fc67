"""API shapes for policies, the policy calculator and grants."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from gongjian.units.schemas import UnitRef

from .models import Grant, Policy

ModeValue = Literal[tuple(Policy.Mode.values)]  # type: ignore[valid-type]
StatusValue = Literal[tuple(Policy.Status.values)]  # type: ignore[valid-type]


class Body(Schema):
    model_config = ConfigDict(extra="forbid")


class PolicyOut(Schema):
    id: int
    code: str
    name: str
    unit: UnitRef
    department: str
    mode: ModeValue
    mode_label: str
    status: StatusValue
    summary: str
    rules: dict[str, Any]
    benefit: dict[str, Any]
    benefit_text: str
    valid_from: dt.date
    valid_to: dt.date | None

    @staticmethod
    def resolve_mode_label(obj: Policy) -> str:
        return obj.get_mode_display()

    @staticmethod
    def resolve_benefit_text(obj: Policy) -> str:
        from .rules import describe_benefit

        return describe_benefit(obj.benefit)


class PolicyIn(Body):
    code: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=200)
    unit_id: int
    department: str = ""
    mode: ModeValue = Policy.Mode.AUTO
    summary: str = ""
    rules: dict[str, Any] = {}
    benefit: dict[str, Any]
    valid_from: dt.date
    valid_to: dt.date | None = None


class PolicyPatch(Body):
    name: str | None = None
    department: str | None = None
    mode: ModeValue | None = None
    summary: str | None = None
    rules: dict[str, Any] | None = None
    benefit: dict[str, Any] | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class StatusIn(Body):
    status: StatusValue


class LineOut(Schema):
    ok: bool
    text: str
    depth: int


class CheckOut(Schema):
    policy_id: int
    enterprise_id: int
    enterprise: str
    eligible: bool
    amount: int | None
    lines: list[LineOut]


class GrantOut(Schema):
    id: int
    policy_id: int
    policy_code: str = Field(..., alias="policy.code")
    enterprise_id: int
    enterprise: str = Field(..., alias="enterprise.name")
    year: int
    amount: int
    status: str
    status_label: str
    reason: str
    proposed_on: dt.date
    decided_on: dt.date | None
    note: str

    @staticmethod
    def resolve_status_label(obj: Grant) -> str:
        return obj.get_status_display()


class ProposeIn(Body):
    year: int = Field(ge=1990, le=2100, description="年度")


class DecideIn(Body):
    grant_ids: list[int] = Field(..., min_length=1)
    approve: bool
    note: str = ""
