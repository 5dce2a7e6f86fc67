"""Periods, 序时进度 (the share of the year elapsed), and the dates a record may carry."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Annotated, TypeVar

from django.utils.translation import get_language
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from .errors import pydantic_message

# --- the dates a record may carry ----------------------------------------------------
#
# A date or time that comes in (an appeal's 受理时间, a report's period) lies between
# these days. ``0`` in JSON is a valid date to pydantic (1970-01-01, the Unix epoch) and
# year 9999 overflows when it is moved to UTC: neither is a date of this campaign.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)

D = TypeVar("D", dt.date, dt.datetime)


def _outside(value: dt.date | dt.datetime) -> dict | None:
    """The pydantic error (type and context) for a date, or a time by its own calendar
    day, outside ``EARLIEST``–``LATEST``; None inside."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if day < EARLIEST:
        return {"type": "greater_than_equal", "ctx": {"ge": EARLIEST.isoformat()}}
    if day > LATEST:
        return {"type": "less_than_equal", "ctx": {"le": LATEST.isoformat()}}
    return None


def out_of_range(value: dt.date | dt.datetime) -> str:
    """The Chinese message the API gives for a date outside ``EARLIEST``–``LATEST``
    ("须大于或等于 2000-01-01"), for input read without a schema; "" inside."""
    error = _outside(value)
    return "" if error is None else pydantic_message(error)


def check_in_range(value: D) -> D:
    """The schema check: ``value``, or a pydantic error that ``kit.errors`` words as
    ``out_of_range`` does, under the field's name (an API body, a page form and an Excel
    row read it alike)."""
    error = _outside(value)
    if error is not None:
        raise PydanticCustomError(
            error["type"], f"Input should lie between {EARLIEST} and {LATEST}", error["ctx"]
        )
    return value


# A date / a time of an input schema, between ``EARLIEST`` and ``LATEST``.
InRangeDate = Annotated[dt.date, AfterValidator(check_in_range)]
InRangeDateTime = Annotated[dt.datetime, AfterValidator(check_in_range)]


def _label(chinese: str, english: str) -> str:
    """A period's label in the active language (Chinese unless the page is English)."""
    return english if (get_language() or "").startswith("en") else chinese


@dataclass(frozen=True)
class Period:
    """A closed date interval ``[start, end]`` that an indicator is evaluated over."""

    start: dt.date
    end: dt.date
    label: str = ""

    @property
    def year(self) -> int:
        return self.end.year

    @classmethod
    def year_to_date(cls, year: int, as_of: dt.date | None = None) -> Period:
        end = dt.date(year, 12, 31)
        if as_of is not None:
            if as_of.year != year:
                raise ValueError(f"截止日期 {as_of} 不在 {year} 年内")
            end = as_of
        return cls(
            dt.date(year, 1, 1),
            end,
            _label(
                f"{year}年1月1日至{end.month}月{end.day}日",
                f"1 January to {end.day} {calendar.month_name[end.month]} {year}",
            ),
        )

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if quarter not in (1, 2, 3, 4):
            raise ValueError("季度须为 1–4")
        first_month = 3 * (quarter - 1) + 1
        last_month = first_month + 2
        return cls(
            dt.date(year, first_month, 1),
            dt.date(year, last_month, calendar.monthrange(year, last_month)[1]),
            _label(f"{year}年第{quarter}季度", f"Q{quarter} {year}"),
        )

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(
            dt.date(year, month, 1),
            dt.date(year, month, calendar.monthrange(year, month)[1]),
            _label(f"{year}年{month}月", f"{calendar.month_name[month]} {year}"),
        )

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``2024``, ``2024-Q3``, ``2024-10`` into a period."""
        text = text.strip()
        try:
            if len(text) == 4:
                return cls.year_to_date(int(text))
            year_part, rest = text.split("-", 1)
            if rest.upper().startswith("Q"):
                return cls.quarter(int(year_part), int(rest[1:]))
            return cls.month(int(year_part), int(rest))
        except ValueError as exc:
            raise ValueError(f"无法识别的期间“{text}”,应为 2024、2024-Q3 或 2024-10") from exc


def pro_rata(as_of: dt.date) -> float:
    """序时进度: the share of ``as_of``'s year elapsed at the end of that day."""
    days_in_year = 366 if calendar.isleap(as_of.year) else 365
    return as_of.timetuple().tm_yday / days_in_year


def quarter_end(year: int, quarter: int) -> dt.date:
    return Period.quarter(year, quarter).end


def month_earlier(day: dt.date) -> dt.date | None:
    """The same day one month earlier (clamped to the month's end); None across a year."""
    if day.month == 1:
        return None
    month = day.month - 1
    return day.replace(month=month, day=min(day.day, calendar.monthrange(day.year, month)[1]))
