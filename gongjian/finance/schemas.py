"""API shapes of the financing platform. Bodies check types; the rules (which fields a
need of each kind needs, ranges, who may do what) are the model's and the service's,
answered as 422 / 403 in Chinese."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema
from pydantic import ConfigDict


class Body(Schema):
    model_config = ConfigDict(extra="forbid")


class InstitutionOut(Schema):
    id: int
    name: str
    kind: str


class ProductOut(Schema):
    id: int
    institution: InstitutionOut
    name: str
    amount_min: int = Field(description="最低额度(元)")
    amount_max: int = Field(description="最高额度(元)")
    term_min: int = Field(description="最短期限(月)")
    term_max: int = Field(description="最长期限(月)")
    rate_min: Decimal = Field(description="最低年利率(%)")
    rate_max: Decimal = Field(description="最高年利率(%)")
    industries: list[str]
    tiers: list[str]
    collateral: str
    requirements: str
    is_active: bool


class ProductIn(Body):
    institution_id: int
    name: str
    amount_min: int = Field(0, ge=0, description="最低额度(元)")
    amount_max: int = Field(ge=0, description="最高额度(元)")
    term_min: int = Field(1, ge=1, le=600)
    term_max: int = Field(12, ge=1, le=600)
    rate_min: Decimal = Field(Decimal(0), ge=0, le=100)
    rate_max: Decimal = Field(Decimal(0), ge=0, le=100)
    industries: list[str] = []
    tiers: list[str] = []
    collateral: str = "credit"
    requirements: str = ""
    is_active: bool = True


class NeedOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    unit_id: int
    kind: str
    title: str
    posted_on: dt.date
    status: str
    amount: int | None = Field(description="融资金额(元)")
    term: int | None = Field(description="期限(月)")
    purpose: str
    collateral: str
    offering: str
    customers: str
    roles: str
    headcount: int | None
    notes: str

    @staticmethod
    def resolve_enterprise_name(obj) -> str:
        return obj.enterprise.name


class NeedIn(Body):
    enterprise_id: int
    kind: str = Field(description="funds(找资金)、market(找市场/订单)、talent(找人才)")
    title: str
    posted_on: dt.date | None = None
    amount: int | None = Field(None, ge=0, description="融资金额(元)")
    term: int | None = Field(None, ge=1, le=600, description="期限(月)")
    purpose: str = ""
    collateral: str = "credit"
    offering: str = ""
    customers: str = ""
    roles: str = ""
    headcount: int | None = Field(None, ge=1)
    notes: str = ""


class MatchOut(Schema):
    id: int
    need_id: int
    enterprise_name: str
    product: ProductOut
    reason: str
    matched_on: dt.date
    stage: str
    contacted_on: dt.date | None
    credit_amount: int | None = Field(description="授信金额(元)")
    credit_on: dt.date | None
    loan_amount: int | None = Field(description="放款金额(元)")
    loan_on: dt.date | None
    declined_reason: str

    @staticmethod
    def resolve_enterprise_name(obj) -> str:
        return obj.need.enterprise.name


class StepIn(Body):
    stage: str = Field(
        description="contacted(对接)、accepted(受理)、granted(授信)、loaned(放款)、declined(未通过)"
    )
    occurred_on: dt.date | None = None
    amount: int | None = Field(None, ge=0, description="授信或放款金额(元)")
    note: str = Field("", description="说明;未通过时为原因")


class ConsentIn(Body):
    institution_id: int
    granted_on: dt.date | None = None
    note: str = ""


class CreditProfileOut(Schema):
    enterprise_id: int
    name: str
    credit_code: str | None
    tier: str
    latest_revenue: str
    labels: list[str]
    grants: dict
    appeals: dict
    projects: list[dict]
    financing: dict
