"""The clock: the one "today" every page, deadline, SLA, cadence and report is judged at.

Use ``today()`` wherever code would call ``timezone.localdate()`` for a business date
(overdue problems, 调度 deadlines, 12345 SLA, "not in the future" checks, default as-of
dates). On a real instance it is the real local date. An instance can be set to run on
a fixed date — the Jinzhou 2024 demo runs on its campaign's date, 2024-10-31, so that
nothing in it is 超期 merely because the calendar moved on:

- ``GONGJIAN_TODAY=2024-10-31`` in the environment (``settings.GONGJIAN["TODAY"]``) wins;
- else the date stored in the database (``clock_set``; ``gongjian clock --set`` and the
  demo loader write it);
- else the real date.

Tests pin it with ``override(date)``: the suite runs each test on the real date, and
the tests of the demo on its date. Which year and as-of date a page shows is decided
from this clock by ``indicators.periods.resolve_year_as_of``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

# the stored date is read at most this often per process
_TTL = 5.0
_cache: dict[str, tuple[float, dt.date | None]] = {}
# ``override``'s pin, for the whole process (a test and the live server it drives agree)
_pinned: list[dt.date | None] = [None]


def _configured() -> dt.date | None:
    text = str(getattr(settings, "GONGJIAN", {}).get("TODAY") or "").strip()
    return dt.date.fromisoformat(text) if text else None


def _stored() -> dt.date | None:
    now = time.monotonic()
    hit = _cache.get("today")
    if hit is not None and now - hit[0] < _TTL:
        return hit[1]
    from .models import Clock

    try:
        value = Clock.objects.filter(pk=1).values_list("today", flat=True).first()
    except DatabaseError:  # not migrated yet
        value = None
    _cache["today"] = (now, value)
    return value


def today() -> dt.date:
    """The date business rules are judged at (see the module's docstring)."""
    if _pinned[0] is not None:
        return _pinned[0]
    return _configured() or _stored() or timezone.localdate()


def is_fixed() -> bool:
    """Whether the instance runs on a fixed date rather than the real one."""
    return _pinned[0] is not None or bool(_configured() or _stored())


def clock_set(day: dt.date | None) -> None:
    """Store the instance's fixed date (None: back to the real date)."""
    from .models import Clock

    Clock.objects.update_or_create(pk=1, defaults={"today": day})
    forget()


def forget() -> None:
    """Drop the process's cached reading of the stored date."""
    _cache.clear()


@contextlib.contextmanager
def override(day: dt.date | None) -> Iterator[dt.date | None]:
    """Run the block with ``today()`` pinned to ``day`` (None: not pinned), for the whole
    process — tests use it."""
    previous = _pinned[0]
    _pinned[0] = day
    try:
        yield day
    finally:
        _pinned[0] = previous
