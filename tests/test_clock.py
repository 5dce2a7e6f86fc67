"""One clock: a page, a deadline, the API and a report agree on the date they are judged
at — the demo instance on its campaign's date (2024-10-31, stored by the demo loader), a
real instance on the real date — so nothing in the demo is 超期 merely because the
calendar moved on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from gongjian.appeals.models import Appeal
from gongjian.demo.plan import AS_OF
from gongjian.indicators.periods import resolve_year_as_of
from gongjian.kit import clock
from gongjian.projects.filters import OPEN_STATUSES
from gongjian.projects.models import Problem
from gongjian.units.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored_clock(demo):
    """The instance's own clock, as ``make run`` leaves it: not pinned by the test."""
    with clock.override(None):
        yield clock.today()


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_demo_instance_runs_on_its_campaign_date(stored_clock, demo):
    assert stored_clock == AS_OF == dt.date(2024, 10, 31)
    assert clock.is_fixed()
    shown = resolve_year_as_of(unit=demo)
    assert (shown.year, shown.as_of) == (2024, AS_OF)
    # the API's default year and date are the pages' (not today's year)
    api = _client("office").get("/api/indicators/signed_ge_100m").json()
    assert (api["year"], api["as_of"]) == (2024, "2024-10-31")
    page = _client("office").get("/").content.decode()
    assert "2024-10-31" in page


def test_nothing_in_the_demo_is_overdue_because_of_the_calendar(stored_clock, demo):
    open_with_deadline = Problem.objects.filter(status__in=OPEN_STATUSES, deadline__isnull=False)
    due_by_the_demo_date = open_with_deadline.filter(deadline__lt=AS_OF).count()
    # the real calendar would make every one of them overdue; the demo's date does not
    assert 0 < due_by_the_demo_date < open_with_deadline.count()
    office = _client("office")
    overdue = office.get("/api/problems", {"overdue": "true", "page_size": 500}).json()
    assert overdue["count"] == due_by_the_demo_date
    # 包保: a leader's list marks only what is past its deadline on 2024-10-31
    late = Problem.objects.filter(deadline__lt=AS_OF, status__in=OPEN_STATUSES).first()
    leader = late.leader or late.project.leader
    theirs = Problem.objects.filter(
        Q(leader=leader) | Q(project__leader=leader), status__in=OPEN_STATUSES
    )
    overdue_theirs = theirs.filter(deadline__lt=AS_OF).count()
    assert 0 < overdue_theirs <= theirs.exclude(deadline=None).count()
    page = _client(leader.username).get("/baobao/").content.decode()
    assert f"其中 {overdue_theirs} 个已超期" in page
    # 调度: October's reports are due 2024-11-05 — not yet past on 2024-10-31
    dispatch = office.get("/dispatch/").content.decode()
    assert "已过截止日期" not in dispatch
    # 12345: no open appeal is past its working-day deadline on the demo's date
    assert office.get("/api/appeals", {"overdue": "true"}).json()["count"] == (
        Appeal.objects.exclude(status="closed").filter(due_on__lt=AS_OF).count()
    )


def test_a_real_instance_runs_on_the_real_date(db):
    with clock.override(None):
        clock.clock_set(None)
        assert not clock.is_fixed() or bool(clock._configured())
        assert clock.today() == (clock._configured() or timezone.localdate())
        clock.clock_set(dt.date(2030, 1, 2))
        assert clock.today() == dt.date(2030, 1, 2)
        clock.clock_set(None)
        assert clock.today() == timezone.localdate()


def test_the_environment_wins_over_the_stored_date(db, settings):
    with clock.override(None):
        clock.clock_set(dt.date(2030, 1, 2))
        settings.GONGJIAN = {**settings.GONGJIAN, "TODAY": "2025-06-30"}
        assert clock.today() == dt.date(2025, 6, 30)
        settings.GONGJIAN = {**settings.GONGJIAN, "TODAY": ""}
        clock.forget()
        assert clock.today() == dt.date(2030, 1, 2)
