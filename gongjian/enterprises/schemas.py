"""API shapes for the enterprise registry. Bodies check types; the credit-code rule, the
duplicate rules and ranges are the model's and service's, returned as 422 in Chinese."""

from ninja import Field, Schema
from pydantic import ConfigDict

from gongjian.units.schemas import UnitRef

from .models import Enterprise


class Body(Schema):
    model_config = ConfigDict(extra="forbid")


class ContactOut(Schema):
    name: str
    title: str
    phone: str


class RevenueOut(Schema):
    year: int
    revenue: int = Field(description="营业收入(元)")


class EnterpriseItem(Schema):
    id: int
    name: str
    credit_code: str | None
    industry: str
    cluster: str
    region: str
    unit: UnitRef
    latest_revenue: int | None = Field(description="最近年度营收(元)")
    revenue_year: int | None
    tier: str = Field(description="21152 矩阵档次:ge_10bn、ge_5bn、ge_1bn、high_growth 或空")
    tier_label: str

    @staticmethod
    def resolve_tier_label(obj: Enterprise) -> str:
        return obj.get_tier_display() if obj.tier else ""


class EnterpriseDetail(EnterpriseItem):
    notes: str
    contacts: list[ContactOut]
    revenues: list[RevenueOut]

    @staticmethod
    def resolve_contacts(obj: Enterprise):
        return list(obj.contacts.all())

    @staticmethod
    def resolve_revenues(obj: Enterprise):
        return list(obj.revenues.order_by("-year"))


class ContactIn(Body):
    name: str
    title: str = ""
    phone: str = ""


class EnterpriseIn(Body):
    name: str
    unit_id: int
    credit_code: str | None = None
    industry: str = ""
    cluster: str = ""
    region: str = ""
    notes: str = ""
    contacts: list[ContactIn] = []


class RevenueIn(Body):
    year: int
    revenue: int = Field(ge=0, description="营业收入(元)")
