"""API shapes for indicators, their values and rankings (赛马)."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from gongjian.units.schemas import UnitRef

from .models import Indicator, ReportedValue

# An indicator's value: a count (int), a sum or reported value (number), a checkpoint
# (开门红 … as a boolean), or null when it does not apply.
IndicatorValue = bool | int | float | None
Number = int | float | None


class IndicatorOut(Schema):
    code: str
    name: str
    kind: Literal[tuple(Indicator.Kind.values)]  # type: ignore[valid-type]
    kind_label: str
    display_unit: str
    quote: str = Field(description="口径说明")

    @staticmethod
    def resolve_kind_label(obj: Indicator) -> str:
        return obj.get_kind_display()


class IndicatorValueOut(Schema):
    code: str
    name: str
    kind: Literal[tuple(Indicator.Kind.values)]  # type: ignore[valid-type]
    display_unit: str
    unit: UnitRef
    year: int
    as_of: dt.date
    value: IndicatorValue
    target: Number = Field(description="该单位本年度目标任务")
    completion_rate: float | None = Field(description="完成率(1 = 100%)")
    pro_rata: float = Field(description="序时进度(1 = 全年)")


class RankingPartOut(Schema):
    name: str
    value: IndicatorValue
    target: Number
    rate: float | None
    score: float
    weight: float
    weighted: float


class RankingRowOut(Schema):
    unit: UnitRef
    score: float
    rank: int
    previous_rank: int | None
    movement: int | None = Field(description="名次变化:正数为上升")
    hidden: bool = Field(
        False, description="该单位不在调用者范围内:完成值、目标和完成率不公开(为 null)"
    )
    parts: dict[str, RankingPartOut] = Field(description="按指标代码的得分明细")


class RankingOut(Schema):
    code: str
    name: str
    year: int
    as_of: dt.date
    previous_as_of: dt.date | None = Field(description="对比的上月同期;1 月份没有")
    rows: list[RankingRowOut]


class ReportedValueIn(Schema):
    indicator: str = Field(description="填报指标代码")
    unit: str = Field(description="填报单位:ID、6 位行政区划代码或名称")
    as_of: dt.date = Field(description="期末(月末、季末等,按指标的填报频次)")
    value: float | str = Field(description="数值,按存储单位:金额为元,比率为小数(8.6% 即 0.086)")
    note: str = ""
    submit: bool = Field(False, description="直接提交上级攻坚办审核(否则为草稿)")


class ReviewIn(Schema):
    approve: bool
    note: str = Field("", description="退回时必填:退回原因")


class ReportedValueOut(Schema):
    id: int
    indicator: str
    indicator_name: str
    unit: UnitRef
    as_of: dt.date
    version: int
    status: Literal[tuple(ReportedValue.Status.values)]  # type: ignore[valid-type]
    status_label: str
    value: float
    note: str
    review_note: str

    @staticmethod
    def resolve_indicator(obj: ReportedValue) -> str:
        return obj.indicator.code

    @staticmethod
    def resolve_indicator_name(obj: ReportedValue) -> str:
        return obj.indicator.name

    @staticmethod
    def resolve_status_label(obj: ReportedValue) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_value(obj: ReportedValue) -> float:
        return float(obj.value)
