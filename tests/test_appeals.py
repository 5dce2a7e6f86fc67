"""12345 appeals: the handling loop (and its illegal moves), who may do each step, SLA
arithmetic on the working-day calendar, the indicators through the engine, the minimum
sample of a rate ranking, the API and pages with their scope, Excel in and out."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongjian.appeals import services
from gongjian.appeals.models import Appeal, AppealStep, CalendarDay, Status
from gongjian.appeals.sheets import appeals_import, export_appeals
from gongjian.appeals.workdays import WorkCalendar
from gongjian.indicators import services as indicator_services
from gongjian.indicators.engine import evaluate, ranking, ratio_value
from gongjian.indicators.models import Indicator, RankingItem, RankingScheme
from gongjian.kit.dates import Period
from gongjian.kit.scope import SYSTEM, Action
from gongjian.units.models import Role, Unit
from tests.factories import (
    AppealCategoryFactory,
    AppealFactory,
    EnterpriseFactory,
    UnitFactory,
    api_key,
    build_city_world,
    member,
    read_xlsx,
    write_xlsx,
)

A = AppealStep.Action
pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def world():
    w = build_city_world()
    w.category = AppealCategoryFactory(
        code="test-lights", name="路灯照明", default_unit=w.district_a
    )
    return w


def receive(world, day=None, **kwargs):
    day = day or world.day(3, 4)  # a Monday or not, only the order matters here
    return services.appeal_receive(
        actor=world.office,
        intake_unit=world.city,
        category=kwargs.pop("category", world.category),
        title="路灯不亮",
        content="解放路路灯不亮",
        received_at=at(day),
        **kwargs,
    )


def walk(world, appeal, day, *, satisfaction="satisfied", close_note=""):
    """受理 → 派单 → 签收 → 办理 → 答复 → 回访 → 办结, each step by its role."""
    t = lambda h: at(day, h)  # noqa: E731
    services.appeal_transition(actor=world.office, appeal=appeal, action=A.DISPATCH, at=t(10))
    services.appeal_transition(actor=world.operator_a, appeal=appeal, action=A.SIGN, at=t(11))
    services.appeal_transition(actor=world.operator_a, appeal=appeal, action=A.HANDLE, at=t(12))
    services.appeal_transition(
        actor=world.operator_a, appeal=appeal, action=A.REPLY, reply="已更换灯泡", at=t(13)
    )
    services.appeal_transition(
        actor=world.office, appeal=appeal, action=A.VISIT, satisfaction=satisfaction, at=t(14)
    )
    return services.appeal_transition(
        actor=world.office, appeal=appeal, action=A.CLOSE, at=t(15), note=close_note
    )


# --- the loop ---------------------------------------------------------------------------


def test_full_loop_records_every_step(world):
    appeal = receive(world)
    assert appeal.status == Status.RECEIVED and appeal.unit == world.city
    appeal = walk(world, appeal, world.day(3, 5))
    assert appeal.status == Status.CLOSED
    assert appeal.unit == world.district_a  # the category's suggested unit
    assert appeal.closed_on == world.day(3, 5)
    steps = list(appeal.steps.values_list("action", "to_status", "actor__full_name"))
    assert [s[0] for s in steps] == [
        "receive",
        "dispatch",
        "sign",
        "handle",
        "reply",
        "visit",
        "close",
    ]
    assert steps[2] == ("sign", "signed", "甲区填报员")
    # django-simple-history has every state with its author
    assert appeal.history.count() >= 8
    assert appeal.history.first().history_user == world.office


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (A.SIGN, "不能签收"),
        (A.REPLY, "不能答复"),
        (A.CLOSE, "不能办结"),
        (A.VISIT, "不能回访"),
        (A.REOPEN, "不能重办"),
    ],
)
def test_illegal_moves_from_received_are_refused(world, action, message):
    appeal = receive(world)
    before = appeal.history.count()
    with pytest.raises(ValidationError) as exc:
        services.appeal_transition(
            actor=SYSTEM,
            appeal=appeal,
            action=action,
            reply="x",
            satisfaction="satisfied",
            note="x",
        )
    assert message in str(exc.value) and "可进行:派单" in str(exc.value)
    appeal.refresh_from_db()
    assert appeal.status == Status.RECEIVED
    assert appeal.history.count() == before and appeal.steps.count() == 1


def test_cannot_close_before_visit_or_reply_twice(world):
    appeal = receive(world)
    day = world.day(3, 5)
    services.appeal_transition(actor=SYSTEM, appeal=appeal, action=A.DISPATCH, at=at(day, 10))
    services.appeal_transition(actor=SYSTEM, appeal=appeal, action=A.SIGN, at=at(day, 11))
    services.appeal_transition(
        actor=SYSTEM, appeal=appeal, action=A.REPLY, reply="已办", at=at(day, 12)
    )
    with pytest.raises(ValidationError, match="不能办结"):
        services.appeal_transition(actor=SYSTEM, appeal=appeal, action=A.CLOSE, at=at(day, 13))
    with pytest.raises(ValidationError, match="不能答复"):
        services.appeal_transition(
            actor=SYSTEM, appeal=appeal, action=A.REPLY, reply="再答", at=at(day, 13)
        )


def test_required_inputs_and_time_order(world):
    appeal = receive(world)
    day = world.day(3, 5)
    services.appeal_transition(actor=SYSTEM, appeal=appeal, action=A.DISPATCH, at=at(day, 10))
    with pytest.raises(ValidationError, match="早于上一环节"):
        services.appeal_transition(actor=SYSTEM, appeal=appeal, action=A.SIGN, at=at(day, 9))
    with pytest.raises(ValidationError, match="退单须说明理由"):
        services.appeal_transition(actor=SYSTEM, appeal=appeal, action=A.RETURN, at=at(day, 11))
    services.appeal_transition(actor=SYSTEM, appeal=appeal, action=A.SIGN, at=at(day, 11))
    with pytest.raises(ValidationError, match="答复内容"):
        services.appeal_transition(actor=SYSTEM, appeal=appeal, action=A.REPLY, at=at(day, 12))
    services.appeal_transition(
        actor=SYSTEM, appeal=appeal, action=A.REPLY, reply="已办", at=at(day, 12)
    )
    with pytest.raises(ValidationError, match="满意度"):
        services.appeal_transition(actor=SYSTEM, appeal=appeal, action=A.VISIT, at=at(day, 13))


def test_return_and_transfer(world):
    appeal = receive(world)
    day = world.day(3, 5)
    services.appeal_transition(actor=world.office, appeal=appeal, action=A.DISPATCH, at=at(day, 10))
    appeal = services.appeal_transition(
        actor=world.operator_a,
        appeal=appeal,
        action=A.RETURN,
        note="不属于本区职责",
        at=at(day, 11),
    )
    assert appeal.status == Status.RECEIVED and appeal.unit == world.city
    # 甲区 no longer sees it; the centre dispatches it to 乙区 instead
    assert not Appeal.objects.restrict(world.operator_a, Action.VIEW).filter(pk=appeal.pk).exists()
    appeal = services.appeal_transition(
        actor=world.office, appeal=appeal, action=A.DISPATCH, unit=world.district_b, at=at(day, 12)
    )
    with pytest.raises(ValidationError, match="另一个承办单位"):
        services.appeal_transition(
            actor=world.office,
            appeal=appeal,
            action=A.TRANSFER,
            unit=world.district_b,
            at=at(day, 13),
        )
    appeal = services.appeal_transition(
        actor=world.office, appeal=appeal, action=A.TRANSFER, unit=world.district_a, at=at(day, 13)
    )
    assert appeal.status == Status.DISPATCHED and appeal.unit == world.district_a
    outside = UnitFactory(name="外市某区")
    with pytest.raises(ValidationError, match="不在"):
        services.appeal_transition(
            actor=world.office, appeal=appeal, action=A.TRANSFER, unit=outside, at=at(day, 14)
        )


def test_reopen_after_unsatisfied_visit(world):
    appeal = receive(world)
    day = world.day(3, 5)
    with pytest.raises(ValidationError, match="不满意的工单须重办"):
        walk(world, appeal, day, satisfaction="unsatisfied").refresh_from_db()
    appeal.refresh_from_db()
    assert appeal.status == Status.VISITED
    appeal = services.appeal_transition(
        actor=world.office, appeal=appeal, action=A.REOPEN, note="群众不满意", at=at(day, 16)
    )
    assert appeal.status == Status.DISPATCHED and appeal.reopen_count == 1
    assert appeal.reply == "" and appeal.satisfaction == ""
    again = walk_from_dispatched(world, appeal, world.day(3, 6))
    assert again.status == Status.CLOSED and again.reopen_count == 1


def walk_from_dispatched(world, appeal, day):
    for actor, action, extra in [
        (world.operator_a, A.SIGN, {}),
        (world.operator_a, A.REPLY, {"reply": "重新处理"}),
        (world.office, A.VISIT, {"satisfaction": "satisfied"}),
        (world.office, A.CLOSE, {}),
    ]:
        appeal = services.appeal_transition(
            actor=actor, appeal=appeal, action=action, at=at(day, 9 + len(extra)), **extra
        )
        day = day + dt.timedelta(days=1)
    return appeal


def test_each_role_only_its_own_steps(world):
    appeal = receive(world)
    day = world.day(3, 5)
    with pytest.raises(PermissionDenied):  # a district cannot dispatch the centre's appeal
        services.appeal_transition(
            actor=world.operator_a, appeal=appeal, action=A.DISPATCH, at=at(day, 10)
        )
    services.appeal_transition(actor=world.office, appeal=appeal, action=A.DISPATCH, at=at(day, 10))
    for user in (world.operator_b, world.viewer_a):
        with pytest.raises(PermissionDenied):
            services.appeal_transition(actor=user, appeal=appeal, action=A.SIGN, at=at(day, 11))
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED
    assert services.allowed_actions(appeal, world.operator_a) == [A.SIGN, A.RETURN]
    assert services.allowed_actions(appeal, world.operator_b) == []
    with pytest.raises(PermissionDenied):
        services.appeal_receive(
            actor=world.operator_b,
            intake_unit=world.city,
            category=world.category,
            title="x",
            content="x",
        )


def test_scope_other_district_sees_nothing(world):
    a = receive(world)
    services.appeal_transition(
        actor=world.office, appeal=a, action=A.DISPATCH, at=at(world.day(3, 5))
    )
    assert Appeal.objects.restrict(world.operator_a, Action.VIEW).filter(pk=a.pk).exists()
    assert Appeal.objects.restrict(world.viewer_a, Action.VIEW).filter(pk=a.pk).exists()
    assert not Appeal.objects.restrict(world.operator_b, Action.VIEW).filter(pk=a.pk).exists()


# --- SLA on the working-day calendar -------------------------------------------------------


def test_working_days_skip_weekends():
    cal = WorkCalendar()
    friday = dt.date(2025, 3, 7)
    assert cal.add_working_days(friday, 1) == dt.date(2025, 3, 10)  # Monday
    assert cal.add_working_days(friday, 5) == dt.date(2025, 3, 14)
    assert cal.add_working_days(dt.date(2025, 3, 8), 0) == dt.date(2025, 3, 10)  # Saturday → Monday
    assert cal.working_days_between(friday, dt.date(2025, 3, 14)) == 5


def test_working_days_with_holidays_and_adjusted_workdays(world):
    # 2024 National Day from the official arrangement (nobody typed it in): 1–7 October
    # off (1–4 and 7 are weekdays), 29 Sep (Sunday) and 12 Oct (Saturday) worked
    assert not CalendarDay.objects.filter(date__year=2024).exists()
    cal = WorkCalendar.load()
    assert cal.is_working_day(dt.date(2024, 9, 29))  # a Sunday worked
    assert not cal.is_working_day(dt.date(2024, 10, 2))  # a Wednesday off
    # received Friday 27 Sep: working days 29 Sep (Sun), 30 Sep, 8, 9, 10 Oct
    assert cal.add_working_days(dt.date(2024, 9, 27), 5) == dt.date(2024, 10, 10)
    assert cal.add_working_days(dt.date(2024, 9, 30), 1) == dt.date(2024, 10, 8)
    assert cal.add_working_days(dt.date(2024, 10, 11), 1) == dt.date(
        2024, 10, 12
    )  # Saturday worked
    # every year the package knows, not only the demo's
    assert not cal.is_working_day(dt.date(2025, 10, 1))
    assert cal.is_working_day(dt.date(2025, 9, 28))  # a Sunday worked in 2025
    # the deadline of an appeal received on 30 September is counted in that calendar
    category = AppealCategoryFactory(sla_days=3, default_unit=world.district_a)
    appeal = services.appeal_receive(
        actor=SYSTEM,
        intake_unit=world.city,
        category=category,
        title="t",
        content="c",
        received_at=at(dt.date(2024, 9, 30)),
    )
    assert appeal.due_on == dt.date(2024, 10, 10)


def test_the_office_overrides_the_official_arrangement(world):
    # a local day off on a Tuesday, and the Saturday 调休 of 12 October not kept
    services.calendar_day_set(
        actor=world.office, date=dt.date(2024, 10, 8), kind="holiday", name="本地假日"
    )
    services.calendar_day_set(actor=world.office, date=dt.date(2024, 10, 12), kind="holiday")
    cal = WorkCalendar.load()
    assert not cal.is_working_day(dt.date(2024, 10, 8))
    assert not cal.is_working_day(dt.date(2024, 10, 12))
    assert cal.add_working_days(dt.date(2024, 9, 30), 1) == dt.date(2024, 10, 9)
    # marking what the arrangement already says changes nothing and is refused
    with pytest.raises(ValidationError, match="按国家安排本就休息"):
        services.calendar_day_set(actor=world.office, date=dt.date(2024, 10, 2), kind="holiday")
    with pytest.raises(ValidationError, match="本是工作日"):
        services.calendar_day_set(actor=world.office, date=dt.date(2024, 9, 29), kind="workday")


def test_calendar_refuses_meaningless_days(world):
    with pytest.raises(ValidationError, match="本是工作日"):
        services.calendar_day_set(actor=SYSTEM, date=dt.date(2030, 10, 8), kind="workday")
    with pytest.raises(ValidationError, match="是周末"):
        services.calendar_day_set(actor=SYSTEM, date=dt.date(2030, 10, 5), kind="holiday")
    with pytest.raises(PermissionDenied):
        services.calendar_day_set(actor=world.operator_a, date=dt.date(2030, 10, 1), kind="holiday")
    assert not CalendarDay.objects.filter(
        date__in=[dt.date(2030, 10, 8), dt.date(2030, 10, 5), dt.date(2030, 10, 1)]
    ).exists()


# --- indicators through the engine -----------------------------------------------------


def _indicators(prefix):
    def count(event):
        return indicator_services.indicator_define(
            actor=SYSTEM,
            code=f"{prefix}.{event}",
            name=event,
            kind="computed",
            registry="appeals",
            measure="count",
            event=event,
        )

    received, closed, on_time = count("received"), count("closed"), count("closed_on_time")
    rate = indicator_services.indicator_define(
        actor=SYSTEM,
        code=f"{prefix}.rate",
        name="办结率",
        kind="ratio",
        base_indicator=closed,
        denominator=received,
    )
    on_time_rate = indicator_services.indicator_define(
        actor=SYSTEM,
        code=f"{prefix}.on_time",
        name="按期办结率",
        kind="ratio",
        base_indicator=on_time,
        denominator=received,
    )
    return received, closed, rate, on_time_rate


def test_rates_per_unit_and_period(world):
    received, closed, rate, on_time_rate = _indicators("t_appeals")
    day = world.day(3, 4)
    done = [receive(world, day) for _ in range(3)]
    for a in done:
        walk(world, a, day + dt.timedelta(days=1))
    receive(world, day)  # received, not closed
    # closed late: after its deadline
    late = receive(world, day)
    walk(world, late, day + dt.timedelta(days=30))
    period = Period.year_to_date(world.year)
    assert evaluate(received, world.city, period) == 5
    assert evaluate(closed, world.city, period) == 4
    assert evaluate(rate, world.city, period) == Decimal("0.8")
    assert evaluate(on_time_rate, world.city, period) == Decimal("0.6")
    # 甲区 handles the closed ones, the open one is still at the centre
    assert evaluate(rate, world.district_a, period) == Decimal("1")
    assert evaluate(rate, world.district_b, period) is None  # no appeals: no rate
    # as of a date before the closings, nothing was closed yet
    assert evaluate(closed, world.city, Period.year_to_date(world.year, day)) == 0


def test_min_sample_keeps_a_one_appeal_unit_off_the_top(world):
    received, closed, rate, _on_time = _indicators("t_rank")
    day = world.day(3, 4)
    # 乙区: one appeal, closed (100 %); 甲区: 20 appeals, 19 closed (95 %)
    lone = receive(world, day)
    services.appeal_transition(
        actor=SYSTEM, appeal=lone, action=A.DISPATCH, unit=world.district_b, at=at(day, 10)
    )
    for action, extra in [
        (A.SIGN, {}),
        (A.REPLY, {"reply": "ok"}),
        (A.VISIT, {"satisfaction": "satisfied"}),
        (A.CLOSE, {}),
    ]:
        services.appeal_transition(
            actor=SYSTEM,
            appeal=lone,
            action=action,
            at=at(day, 11 + len(extra) + (action == A.CLOSE)),
            **extra,
        )
    many = [receive(world, day) for _ in range(20)]
    for a in many[:19]:
        walk(world, a, day + dt.timedelta(days=1))
    services.appeal_transition(actor=SYSTEM, appeal=many[19], action=A.DISPATCH, at=at(day, 10))
    scheme = RankingScheme.objects.create(
        code="t-appeals-race", name="诉求赛马", year=world.year, parent_unit=world.city
    )
    item = RankingItem.objects.create(scheme=scheme, indicator=rate, weight=1, scoring="ratio")
    period = Period.year_to_date(world.year)
    rows = ranking(scheme, period)
    assert [r.unit for r in rows][:1] == [world.district_b]  # without a minimum, 1/1 wins
    item.min_sample = 10
    item.save()
    rows = ranking(scheme, period)
    assert rows[0].unit == world.district_a and rows[0].score == 95.0
    lone_row = next(r for r in rows if r.unit == world.district_b)
    part = lone_row.parts[rate.code]
    assert part["insufficient"] is True and part["sample"] == 1 and lone_row.score == 0


# --- Excel ---------------------------------------------------------------------------


def test_import_all_or_nothing_and_export_roundtrip(world, tmp_path):
    firm = EnterpriseFactory(unit=world.district_a)
    header = [
        "受理日期",
        "诉求类别",
        "标题",
        "诉求内容",
        "来源渠道",
        "企业统一社会信用代码",
        "承办单位",
    ]
    good = [
        world.day(3, 4),
        "路灯照明",
        "路灯不亮",
        "解放路",
        "12345热线",
        firm.credit_code,
        "甲区",
    ]
    bad = [world.day(3, 4), "不存在的类别", "x", "y", "网站", "", ""]
    worse = [world.day(3, 4), "路灯照明", "x", "y", "电报", "", ""]
    path = tmp_path / "appeals.xlsx"
    write_xlsx(path, [header, good, bad, worse])
    result = appeals_import(actor=world.office, path=path)
    assert not result.saved and not Appeal.objects.filter(intake_unit=world.city).exists()
    messages = {(r, c, m) for r, c, m in result.errors}
    assert (3, "诉求类别", "诉求类别“不存在的类别”不存在") in messages
    assert any(r == 4 and c == "来源渠道" and "电报" in m for r, c, m in messages)
    result = appeals_import(actor=world.office, path=path, skip_bad_rows=True)
    assert result.saved and result.created == 1
    appeal = Appeal.objects.get(intake_unit=world.city)
    assert (
        appeal.enterprise == firm
        and appeal.unit == world.district_a
        and appeal.status == "dispatched"
    )
    rows = read_xlsx(export_appeals(Appeal.objects.restrict(world.operator_a, Action.VIEW)))
    assert rows[0][0] == "工单编号" and rows[1][0] == appeal.number
    assert (
        read_xlsx(export_appeals(Appeal.objects.restrict(world.operator_b, Action.VIEW)))[1:] == []
    )


# --- API and pages ----------------------------------------------------------------------


def test_api_walk_and_scope(world, client):
    _token, key_office = api_key(world.office)
    _token, key_a = api_key(world.operator_a)
    _token, key_b = api_key(world.operator_b)
    h = lambda key: {"HTTP_AUTHORIZATION": f"Bearer {key}"}  # noqa: E731
    r = client.post(
        "/api/appeals",
        {"category": "test-lights", "title": "路灯", "content": "不亮"},
        content_type="application/json",
        **h(key_office),
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["allowed_actions"] == ["dispatch"]
    r = client.post(
        f"/api/appeals/{pk}/steps",
        {"action": "sign"},
        content_type="application/json",
        **h(key_office),
    )
    assert r.status_code == 422 and "不能签收" in r.json()["detail"][0]
    r = client.post(
        f"/api/appeals/{pk}/steps",
        {"action": "dispatch"},
        content_type="application/json",
        **h(key_office),
    )
    assert r.status_code == 200 and r.json()["unit"]["name"] == "甲区"
    # 乙区 cannot see it at all: 404, and nothing changes
    assert client.get(f"/api/appeals/{pk}", **h(key_b)).status_code == 404
    r = client.post(
        f"/api/appeals/{pk}/steps", {"action": "sign"}, content_type="application/json", **h(key_b)
    )
    assert r.status_code == 404
    assert Appeal.objects.get(pk=pk).status == "dispatched"
    r = client.post(
        f"/api/appeals/{pk}/steps", {"action": "sign"}, content_type="application/json", **h(key_a)
    )
    assert r.status_code == 200 and r.json()["status"] == "signed"
    assert [s["action"] for s in r.json()["steps"]] == ["receive", "dispatch", "sign"]
    assert client.get("/api/appeals", **h(key_b)).json()["count"] == 0
    assert client.get("/api/appeals", **h(key_a)).json()["count"] == 1
    assert client.get("/api/appeals").status_code == 401


def test_pages(world, client):
    appeal = receive(world)
    client.force_login(world.office)
    assert client.get("/appeals/").status_code == 200
    r = client.get("/appeals/list/")
    assert appeal.number in r.content.decode()
    r = client.post(f"/appeals/{appeal.pk}/step/", {"action": "sign"})
    assert r.status_code == 422 and "不能签收" in r.content.decode()
    r = client.post(f"/appeals/{appeal.pk}/step/", {"action": "dispatch"})
    assert r.status_code == 302
    client.force_login(world.operator_b)
    assert client.get(f"/appeals/{appeal.pk}/").status_code == 404
    assert appeal.number not in client.get("/appeals/list/").content.decode()
    assert client.post(f"/appeals/{appeal.pk}/step/", {"action": "sign"}).status_code == 404
    client.force_login(world.operator_a)
    page = client.get(f"/appeals/{appeal.pk}/").content.decode()
    assert "签收" in page and "<script>" not in page
    assert client.post(f"/appeals/{appeal.pk}/step/", {"action": "sign"}).status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).status == "signed"
    r = client.get("/reports/export/appeals.xlsx")
    assert r.status_code == 200


def test_demo_board_and_ranking(demo, client):
    from gongjian.units.models import User

    # the office sets up an appeals 赛马 of the city's units, with a minimum sample
    scheme = RankingScheme.objects.create(
        code="t-2024-appeals-race", name="诉求办理赛马", year=2024, parent_unit=demo
    )
    for code in ("appeals_resolution_rate", "appeals_on_time_rate", "appeals_satisfaction_rate"):
        RankingItem.objects.create(
            scheme=scheme,
            indicator=Indicator.objects.get(code=code),
            weight=1,
            scoring="ratio",
            min_sample=20,
        )
    client.force_login(User.objects.get(username="office"))
    page = client.get("/appeals/").content.decode()
    assert "99.5%" in page
    assert "样本不足" in page  # the environment bureau's single appeal
    rows = ranking(scheme, Period.year_to_date(2024, dt.date(2024, 10, 31)))
    lone = next(r for r in rows if r.unit.name == "市生态环境局")
    assert lone.rank == len(rows) or lone.score == 0
    assert rows[0].unit.name != "市生态环境局"
    rate = Indicator.objects.get(code="appeals_resolution_rate")
    assert evaluate(rate, demo, Period.year_to_date(2024, dt.date(2024, 10, 31))) == Decimal(
        "0.995"
    )
    # the whole year counts the November appeals too
    assert (
        evaluate(Indicator.objects.get(code="appeals_received"), demo, Period.year_to_date(2024))
        > 1200
    )


def test_operator_board_only_own_district(demo, client):
    from gongjian.units.models import User

    client.force_login(User.objects.get(username="linghe_op"))
    r = client.get("/appeals/")
    assert r.status_code == 200
    other = client.get("/appeals/?unit=210702")  # 古塔区
    assert other.status_code == 404


def test_viewer_reads_but_cannot_move(world):
    # a viewer can read but not move an appeal
    viewer = member(world.district_a, Role.VIEWER)
    appeal = AppealFactory(
        intake_unit=world.city, category=world.category, received_at=at(world.day(3, 4))
    )
    services.appeal_transition(
        actor=world.office, appeal=appeal, action=A.DISPATCH, at=at(world.day(3, 5))
    )
    assert Appeal.objects.restrict(viewer, Action.VIEW).filter(pk=appeal.pk).exists()
    assert services.allowed_actions(appeal, viewer) == []


def test_the_calendar_page_shows_the_official_year_and_the_overrides(world):
    from django.test import Client

    client = Client()
    client.force_login(world.office)
    services.calendar_day_set(
        actor=world.office, date=dt.date(2024, 10, 8), kind="holiday", name="本地假日"
    )
    html = client.get("/appeals/calendar/", {"year": 2024}).content.decode()
    table = html.split('data-testid="calendar"')[1]
    assert "2024-10-01" in table and "国庆节" in table and "2024-10-12" in table
    assert "本地假日" in table
    later = client.get("/appeals/calendar/", {"year": 2031}).content.decode()
    assert 'data-testid="calendar-unknown"' in later


def test_the_12345_centres_board_counts_the_appeals_taken_in_there(demo, client):
    """A centre answers for few appeals itself: its board shows the appeals taken in at it,
    wherever they were sent, as the engine counts them; a district's board is unchanged."""
    from gongjian.appeals.selectors import board, intake_centre
    from gongjian.units.models import User

    clerk = User.objects.get(username="rexian_12345")
    centre = clerk.memberships.get().unit
    assert intake_centre(centre) and not intake_centre(demo)
    as_of = dt.date(2024, 10, 31)
    taken_in = Appeal.objects.filter(
        intake_unit=centre, received_on__gte=dt.date(2024, 1, 1), received_on__lte=as_of
    )
    closed = taken_in.filter(closed_on__lte=as_of)
    assert taken_in.count() > 100 and not taken_in.filter(unit=centre).exists()
    view = board(centre, 2024, as_of)
    figures = {code: value for code, _label, value in view.figures}
    assert view.intake
    assert figures["appeals_received"] == taken_in.count()
    assert figures["appeals_closed"] == closed.count()
    assert figures["appeals_resolution_rate"] == ratio_value(closed.count(), taken_in.count())
    assert sum(row["received"] for row in view.by_category) == taken_in.count()
    # the page: the clerk sees the same figure, said to be the centre's intake
    client.force_login(clerk)
    page = client.get("/appeals/").content.decode()
    assert "在本中心受理、派往各单位的诉求" in page
    tile = re.search(
        r'data-code="appeals_received"><h4>[^<]*</h4>\s*<p class="gj-big">(\d+)<', page
    )
    assert tile is not None and int(tile.group(1)) == taken_in.count()
    client.cookies["django_language"] = "en"
    english = client.get("/appeals/").content.decode()
    assert "Appeals this centre received" in english and ">Received<" in english
    del client.cookies["django_language"]
    # the API says the same, and says whose figures they are
    from tests.factories import api_key

    _token, key = api_key(clerk)
    stats = client.get("/api/appeals/stats", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert stats["intake"] is True
    received = next(f for f in stats["figures"] if f["code"] == "appeals_received")
    assert received["value"] == taken_in.count()
    # a district's board: the appeals it answers for, as before
    linghe = Unit.objects.get(code="210703")
    district = {c: v for c, _l, v in board(linghe, 2024, as_of).figures}
    answered = Appeal.objects.filter(
        unit__path__startswith=linghe.path,
        received_on__gte=dt.date(2024, 1, 1),
        received_on__lte=as_of,
    )
    assert district["appeals_received"] == answered.count() > 0
