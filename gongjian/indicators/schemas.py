"""API shapes for indicators, their values and rankings (赛马)."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from gongjian.units.schemas import UnitRef

from .models import Indicator

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
    parts: dict[str, RankingPartOut] = Field(description="按指标代码的得分明细")


class RankingOut(Schema):
    code: str
    name: str
    year: int
    as_of: dt.date
    previous_as_of: dt.date | None = Field(description="对比的上月同期;1 月份没有")
    rows: list[RankingRowOut]
