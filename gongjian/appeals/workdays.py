"""Working-day arithmetic for deadlines (SLA): Monday–Friday, except the public holidays,
and with the worked weekend days (调休) — every year's arrangement of the State Council
from the ``chinesecalendar`` package (its maintainers add each year's as it is
published), overridden day by day by the office (``CalendarDay`` rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    """A working-day calendar: weekday rule plus exceptions (holidays, 调休 workdays)."""

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    @classmethod
    def load(cls) -> WorkCalendar:
        """The official arrangement of every year the package knows, with the office's
        overrides (a day it marks wins over the package's)."""
        from chinese_calendar import constants as official

        from .models import CalendarDay

        holidays = set(official.holidays)
        workdays = set(official.workdays)
        for day, kind in CalendarDay.objects.values_list("date", "kind"):
            if kind == CalendarDay.Kind.HOLIDAY:
                holidays.add(day)
                workdays.discard(day)
            else:
                workdays.add(day)
                holidays.discard(day)
        return cls(holidays=frozenset(holidays), workdays=frozenset(workdays))

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself not counted);
        with ``days`` = 0, ``start`` or the next working day."""
        if days < 0:
            raise ValueError("工作日数不能为负")
        day = start
        if days == 0:
            while not self.is_working_day(day):
                day += ONE_DAY
            return day
        counted = 0
        while counted < days:
            day += ONE_DAY
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count


def official_days(year: int) -> list[tuple[dt.date, str, str]]:
    """The State Council's arrangement for ``year`` as the package has it — ``(date,
    "holiday" | "workday", name)``: the public holidays that fall on a weekday and the
    worked weekend days; empty for a year the package does not know yet."""
    from chinese_calendar import Holiday
    from chinese_calendar import constants as official

    names = {h.value: getattr(h, "chinese", h.value) for h in Holiday}
    days = [
        (d, "holiday", names.get(n, n))
        for d, n in official.holidays.items()
        if d.year == year and d.weekday() < 5
    ]
    days += [
        (d, "workday", names.get(n, n)) for d, n in official.workdays.items() if d.year == year
    ]
    return sorted(days)


def official_years() -> tuple[int, int]:
    """The first and the last year the package knows."""
    from chinese_calendar import constants as official

    years = [d.year for d in official.holidays]
    return min(years), max(years)


def official_is_working_day(day: dt.date) -> bool:
    """Is ``day`` worked under the official arrangement alone (no office override)?"""
    from chinese_calendar import constants as official

    if day in official.workdays:
        return True
    if day in official.holidays:
        return False
    return day.weekday() < 5
