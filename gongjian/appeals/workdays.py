"""Working-day arithmetic for deadlines (SLA): Monday–Friday, except the public holidays
and with the worked weekend days (调休) of the ``CalendarDay`` table."""

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
        from .models import CalendarDay

        rows = list(CalendarDay.objects.values_list("date", "kind"))
        return cls(
            holidays=frozenset(d for d, k in rows if k == CalendarDay.Kind.HOLIDAY),
            workdays=frozenset(d for d, k in rows if k == CalendarDay.Kind.WORKDAY),
        )

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
