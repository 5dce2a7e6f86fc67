"""The working mechanisms: 双高 cadence, 提级管理, problem escalation (督办), 集中开工 batches,
and 赛马 with 拉练 scores recomputed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from gongjian.indicators.engine import evaluate, evaluate_by_unit, evaluate_many, ranking
from gongjian.indicators.models import Indicator, RankingItem
from gongjian.inspections import services as tour_services
from gongjian.inspections.models import Sheet, Stop, Tour, UnitResult
from gongjian.kit.dates import Period
from gongjian.kit.scope import SYSTEM
from gongjian.projects import services as project_services
from gongjian.projects.cadence import cadence_of, due_periods, week_periods
from gongjian.projects.models import (
    Batch,
    Cadence,
    CadenceRule,
    EscalationEvent,
    EscalationLevel,
    EscalationRule,
    Problem,
    ProblemComment,
    Project,
    ReportObligation,
    Stage,
)
from gongjian.projects.selectors import dispatch_indicator, due_projects
from gongjian.units.models import Role, Unit, User
from tests.factories import (
    IndicatorFactory,
    RankingItemFactory,
    TagFactory,
    UnitFactory,
    build_city_world,
    build_indicator_world,
    build_tour,
    member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_city_world()


# --- 双高 cadence -------------------------------------------------------------------------


def test_week_and_quarter_periods():
    weeks = week_periods(Period.month(2024, 10))
    # Sundays of October 2024: 6, 13, 20, 27
    assert [(w.start, w.end) for w in weeks] == [
        (dt.date(2024, 9, 30), dt.date(2024, 10, 6)),
        (dt.date(2024, 10, 7), dt.date(2024, 10, 13)),
        (dt.date(2024, 10, 14), dt.date(2024, 10, 20)),
        (dt.date(2024, 10, 21), dt.date(2024, 10, 27)),
    ]
    assert due_periods(Cadence.QUARTERLY, Period.month(2024, 10)) == []
    assert due_periods(Cadence.QUARTERLY, Period.month(2024, 9)) == [Period.quarter(2024, 3)]
    assert due_periods(Cadence.MONTHLY, Period.month(2024, 10)) == [Period.month(2024, 10)]


def test_cadence_rules_priority_and_default(world):
    shuanggao = TagFactory(name="双高测试", slug=f"sg-{world.city.code}")
    world.project_a.tags.add(shuanggao)
    assert cadence_of(world.project_a) == Cadence.MONTHLY  # no rule: monthly
    CadenceRule.objects.create(
        name="开工项目每季度", cadence=Cadence.QUARTERLY, stage=Stage.STARTED, priority=5
    )
    CadenceRule.objects.create(name="双高每周", cadence=Cadence.WEEKLY, tag=shuanggao, priority=1)
    assert cadence_of(world.project_a) == Cadence.WEEKLY
    assert cadence_of(world.project_b) == Cadence.QUARTERLY
    later = CadenceRule.objects.create(
        name="双高每周(明年起)",
        cadence=Cadence.WEEKLY,
        tag=shuanggao,
        priority=0,
        valid_from=dt.date(world.year + 1, 1, 1),
    )
    assert (
        later.pk and cadence_of(world.project_b, Period.month(world.year, 5)) == Cadence.QUARTERLY
    )
    with pytest.raises(ValidationError):
        CadenceRule(name="空规则", cadence=Cadence.WEEKLY).full_clean()


def test_dispatch_follows_cadence(client, world):
    shuanggao = TagFactory(name="双高调度", slug=f"sgd-{world.city.code}")
    world.project_a.tags.add(shuanggao)
    CadenceRule.objects.create(name="双高每周", cadence=Cadence.WEEKLY, tag=shuanggao, priority=1)
    CadenceRule.objects.create(
        name="乙区类每季度", cadence=Cadence.QUARTERLY, stage=Stage.STARTED, priority=5
    )
    may = Period.month(world.year, 5)
    rows = {p.pk: p for p in due_projects(world.office, world.city, may)}
    weeks = week_periods(may)
    # A weekly: every week whose Sunday is in May; B quarterly: not due in May
    assert set(rows) == {world.project_a.pk}
    assert (rows[world.project_a.pk].due_count, rows[world.project_a.pk].reported) == (
        len(weeks),
        False,
    )
    june = Period.month(world.year, 6)
    assert {p.pk: p.cadence for p in due_projects(world.office, world.city, june)} == {
        world.project_a.pk: Cadence.WEEKLY,
        world.project_b.pk: Cadence.QUARTERLY,
    }
    # the report form for the weekly project reports the first open week, then the next
    client.force_login(world.operator_a)
    url = f"/dispatch/{world.project_a.pk}/report/?period={world.year}-05"
    page = client.get(url).content.decode()
    assert weeks[0].label in page
    for _week in weeks:
        r = client.post(url, {"investment_this_period": "10", "progress_text": "施工"})
        assert r.status_code == 302, r.content.decode()[:500]
    starts = set(world.project_a.reports.values_list("period_start", flat=True))
    assert {w.start for w in weeks} <= starts
    rows = {p.pk: p for p in due_projects(world.office, world.city, may)}
    assert rows[world.project_a.pk].reported
    # the engine's 调度 figures judge each row by the same cadence as the list
    for month in (may, june, Period.month(world.year, 7)):
        listed = list(due_projects(world.office, world.city, month))
        due, sent = evaluate_many(
            [
                (dispatch_indicator(event), world.city, month)
                for event in ("dispatch_due", "dispatch_reported")
            ]
        )
        assert (due, sent) == (len(listed), sum(p.reported for p in listed)), month
        assert due > 0
    page = client.get(
        f"/dispatch/?unit={world.district_a.pk}&period={world.year}-05"
    ).content.decode()
    assert "每周" in page and world.project_b.name not in page


def test_missing_reports_count_against_the_unit(world):
    CadenceRule.objects.create(name="开工每月", cadence=Cadence.MONTHLY, stage=Stage.STARTED)
    added = project_services.report_obligations_sync(year=world.year, through=world.day(6, 30))
    # A started 4-10: Apr, May, Jun; B started 5-1: May, Jun
    assert added >= 5  # (plus any other registry's projects in the database)
    assert project_services.report_obligations_sync(year=world.year, through=world.day(6, 30)) == 0
    assert (
        ReportObligation.objects.filter(project__unit__path__startswith=world.city.path).count()
        == 5
    )
    missing = IndicatorFactory(
        code=f"test.missing_reports.{world.city.code}",
        name="未按期报送进度",
        registry="report_obligations",
        event="due",
        filters={"status": "missing"},
    )
    period = Period.year_to_date(world.year, world.day(7, 31))
    # A reported April (the world's report) → 2 missing; B → 2 missing
    assert evaluate_by_unit(missing, [world.district_a, world.district_b, world.city], period) == {
        world.district_a.pk: 2,
        world.district_b.pk: 2,
        world.city.pk: 4,
    }
    with pytest.raises(ValidationError):
        IndicatorFactory(
            code="test.bad_status",
            registry="report_obligations",
            event="due",
            filters={"status": True},
        )


# --- 提级管理 ------------------------------------------------------------------------------


def _rule(world, threshold=200_000_000):
    tag = TagFactory(name=f"提级{world.city.code}", slug=f"esc-{world.city.code}")
    department = UnitFactory(
        name="市发改委测试", parent=world.city, code=None, kind=Unit.Kind.DEPARTMENT
    )
    rule = EscalationRule.objects.create(
        name="测试提级",
        tag=tag,
        min_total_investment=threshold,
        leader=world.leader,
        department=department,
    )
    return rule, department


def test_escalation_threshold_history_and_routing(client, world):
    world.problem_a.owner_unit = None
    world.problem_a.leader = None
    world.problem_a.save()
    rule, department = _rule(world)
    project_services.escalation_apply_all(actor=world.office)
    tagged = set(Project.objects.filter(tags=rule.tag).values_list("pk", flat=True))
    assert world.project_a.pk in tagged and world.project_b.pk not in tagged  # 3亿 ≥ 2亿 > 0.8亿
    event = EscalationEvent.objects.get(project=world.project_a)
    assert (event.direction, event.actor) == ("up", world.office)
    assert "3.00亿元" in event.reason and "测试提级" in event.reason
    world.problem_a.refresh_from_db()
    assert (world.problem_a.owner_unit, world.problem_a.leader) == (department, world.leader)
    # exactly at the threshold: up; below again: down — both recorded with who
    project_services.project_update(
        actor=world.operator_b, project=world.project_b, total_investment=200_000_000
    )
    project_services.project_update(
        actor=world.operator_a, project=world.project_a, total_investment=199_999_999
    )
    assert EscalationEvent.objects.get(project=world.project_b).actor == world.operator_b
    down = EscalationEvent.objects.filter(project=world.project_a, direction="down").get()
    assert down.actor == world.operator_a and "恢复属地管理" in down.reason
    # a new problem of an escalated project goes to the city department by default
    problem = project_services.problem_create(
        actor=world.operator_b,
        project=world.project_b,
        kind="land",
        description="用地指标",
        raised_on=world.day(7, 1),
    )
    assert (problem.owner_unit, problem.leader) == (department, world.leader)
    # re-applying changes nothing and records nothing
    before = EscalationEvent.objects.count()
    project_services.escalation_apply_all(actor=SYSTEM)
    assert EscalationEvent.objects.count() == before
    # the city's list: office sees B; 甲区 sees neither B nor its events
    client.force_login(world.office)
    page = client.get("/escalated/").content.decode()
    assert world.project_b.name in page and "取消提级" in page
    client.force_login(world.operator_a)
    page = client.get("/escalated/").content.decode()
    assert world.project_b.name not in page


def test_a_changed_rule_is_re_applied_with_the_rule_and_the_actor(client, world):
    """Lowering the threshold escalates the projects that now qualify, raising it or
    stopping the rule sends them back; each move names the rule's change and who made it."""
    rule, _department = _rule(world, threshold=500_000_000)  # 5亿: neither project
    rule.unit = world.city
    rule.save()
    project_services.escalation_apply_all(actor=SYSTEM)
    assert not Project.objects.filter(tags=rule.tag).exists()
    client.force_login(world.office)
    page = client.get("/escalated/").content.decode()
    assert 'data-testid="escalation-rules"' in page and 'value="5"' in page
    response = client.post(
        "/escalated/",
        {"rule": rule.pk, "min_total_investment": "0.8", "is_active": "on"},
        follow=True,
    )
    assert "重新适用" in response.content.decode()
    tagged = set(Project.objects.filter(tags=rule.tag).values_list("pk", flat=True))
    assert tagged == {world.project_a.pk, world.project_b.pk}  # 3亿, 0.8亿 ≥ 0.8亿
    up = EscalationEvent.objects.get(project=world.project_b, direction="up")
    assert up.actor == world.office
    assert "测试提级" in up.reason and "5.00亿元 → 总投资不低于 0.80亿元" in up.reason
    # stopped through the service: both go back to local management, recorded
    project_services.escalation_rule_save(actor=world.office, rule=rule, is_active=False)
    assert not Project.objects.filter(tags=rule.tag).exists()
    downs = EscalationEvent.objects.filter(direction="down", tag=rule.tag)
    assert downs.count() == 2 and all("已停用" in e.reason for e in downs)
    # bad input: a named Chinese error, nothing changed; a district may not change it
    response = client.post(
        "/escalated/", {"rule": rule.pk, "min_total_investment": "五亿"}, follow=True
    )
    assert "“五亿”不是有效的亿元数" in response.content.decode()
    rule.refresh_from_db()
    assert rule.min_total_investment == 80_000_000 and not rule.is_active
    client.force_login(world.operator_a)
    assert 'name="min_total_investment"' not in client.get("/escalated/").content.decode()
    assert client.post(
        "/escalated/", {"rule": rule.pk, "min_total_investment": "0"}
    ).status_code in (
        403,
        404,
    )
    rule.refresh_from_db()
    assert rule.min_total_investment == 80_000_000


def test_escalation_on_demo(demo):
    rule = EscalationRule.objects.get(name__startswith="锦州")
    tagged = Project.objects.filter(tags=rule.tag)
    assert tagged.exists()
    any_of = set(rule.any_of_tags.values_list("pk", flat=True))
    for project in tagged.prefetch_related("tags"):  # ≥ 10亿, or one of the rule's tags
        assert project.total_investment >= rule.min_total_investment or any_of & {
            t.pk for t in project.tags.all()
        }
    assert tagged.filter(total_investment__lt=rule.min_total_investment).count() < tagged.count()
    assert (
        EscalationEvent.objects.filter(project__in=tagged, direction="up").count() == tagged.count()
    )
    assert rule.department is not None and rule.leader.username == "li_qiang"
    assert not Problem.objects.filter(project__in=tagged, owner_unit__isnull=True).exists()


# --- problem escalation and 督办 ------------------------------------------------------------


def test_problem_escalates_one_level_at_a_time(world):
    problem = world.problem_a  # deadline 4-5, leader 王包保 through the project
    deadline = problem.deadline
    assert problem.pk not in [
        p.pk for p in project_services.problems_escalate_overdue(today=deadline, actor=SYSTEM)
    ]
    moved = project_services.problems_escalate_overdue(
        today=deadline + dt.timedelta(days=1), actor=SYSTEM
    )
    assert [p.pk for p in moved if p.project_id == world.project_a.pk] == [problem.pk]
    problem.refresh_from_db()
    assert problem.level == EscalationLevel.LEADER
    # idempotent the same day and within the 7-day step
    assert problem.pk not in [
        p.pk
        for p in project_services.problems_escalate_overdue(
            today=deadline + dt.timedelta(days=1), actor=SYSTEM
        )
    ]
    assert problem.pk not in [
        p.pk
        for p in project_services.problems_escalate_overdue(
            today=deadline + dt.timedelta(days=7), actor=SYSTEM
        )
    ]
    call_command(
        "escalate_problems",
        "--date",
        (deadline + dt.timedelta(days=8)).isoformat(),
        "--skip-obligations",
    )
    problem.refresh_from_db()
    assert (problem.level, problem.escalated_on) == (
        EscalationLevel.OFFICE,
        deadline + dt.timedelta(days=8),
    )
    assert problem.history.first().history_change_reason.startswith("逾期未办结")
    trail = list(ProblemComment.objects.filter(problem=problem).values_list("text", flat=True))
    assert len(trail) == 2 and "市攻坚办督办" in trail[-1]
    # a problem without any leader goes straight to the office; a solved one never moves
    assert world.problem_b.deadline is None
    world.problem_b.deadline = world.day(4, 1)
    world.problem_b.save()
    project_services.problems_escalate_overdue(today=world.day(4, 2), actor=SYSTEM)
    world.problem_b.refresh_from_db()
    assert world.problem_b.level == EscalationLevel.OFFICE


def test_supervision_list_scoped(client, world):
    project_services.problems_escalate_overdue(today=world.day(12, 31), actor=SYSTEM)
    project_services.problems_escalate_overdue(
        today=world.day(12, 31) + dt.timedelta(days=30), actor=SYSTEM
    )
    client.force_login(world.office)
    page = client.get("/supervision/").content.decode()
    assert world.problem_a.description in page
    client.force_login(world.operator_b)
    page = client.get("/supervision/?level=office").content.decode()
    assert world.problem_a.description not in page
    client.force_login(world.leader)
    assert world.problem_a.description in client.get("/supervision/?level=leader").content.decode()


def test_command_on_demo(demo):
    before = Problem.objects.filter(level=EscalationLevel.OFFICE).count()
    call_command("escalate_problems", "--date", "2024-10-31", "--skip-obligations")
    first = Problem.objects.exclude(level=EscalationLevel.UNIT).count()
    call_command("escalate_problems", "--date", "2024-10-31", "--skip-obligations")
    assert Problem.objects.exclude(level=EscalationLevel.UNIT).count() == first
    overdue_open = Problem.objects.filter(
        status__in=["open", "assigned"],
        deadline__lt=dt.date(2024, 10, 31),
        project__unit__path__startswith=demo.path,
    )
    assert first >= overdue_open.count() > 0
    assert before == 0


# --- 集中开工 batches ------------------------------------------------------------------------


def test_collective_start_on_demo(client, demo):
    batch = Batch.objects.get(code="2024-collective-start")
    office = User.objects.get(username="office")
    client.force_login(office)
    page = client.get(f"/batches/{batch.code}/").content.decode()
    count = Project.objects.filter(batches=batch).count()
    assert count == 101 and "101个重点项目集中开工" in page
    assert (
        client.get(f"/batches/{batch.code}/?print=1").content.decode().count("data-project=") == 101
    )
    assert "101个重点项目集中开工" in client.get("/batches/").content.decode()
    # a district operator: own projects and own total only
    linghe = Unit.objects.get(code="210703")
    client.force_login(User.objects.get(username="linghe_op"))
    page = client.get(f"/batches/{batch.code}/").content.decode()
    own = Project.objects.filter(batches=batch, unit__path__startswith=linghe.path).count()
    assert page.count("data-project=") == own
    assert f"{own}个重点项目集中开工" in page
    r = client.post(f"/batches/{batch.code}/", {"held_on": "2024-04-01", "place": "x"})
    assert r.status_code == 404
    batch.refresh_from_db()
    assert batch.place != "x"


def test_batch_place_and_date(client, world):
    client.force_login(world.office)
    url = f"/batches/{world.batch.code}/"
    r = client.post(url, {"held_on": f"{world.year + 1}-01-01", "place": "甲区"})
    assert "不在批次年度" in r.content.decode()
    client.post(url, {"held_on": f"{world.year}-04-10", "place": "甲区新材料产业园"})
    world.batch.refresh_from_db()
    assert (world.batch.held_on, world.batch.place) == (world.day(4, 10), "甲区新材料产业园")
    with pytest.raises(PermissionDenied):
        project_services.batch_update(
            actor=world.operator_a, batch=world.batch, held_on=None, place=""
        )


# --- 赛马 with 拉练 scores -------------------------------------------------------------------


def test_ranking_includes_tour_scores_recomputed_by_hand(world):
    iw = build_indicator_world(world)
    second = member(world.city, Role.LEADER, full_name="评委二")
    tour = build_tour(world, panel=[world.leader, second])
    stops = {s.project_id: s for s in Stop.objects.filter(tour=tour)}
    crit = list(tour.form.criteria.all())

    def vals(*n):
        return {c.pk: Decimal(str(x)) for c, x in zip(crit, n, strict=True)}

    tour_services.sheet_save(
        actor=world.leader, stop=stops[world.project_a.pk], values=vals(8, 6, 90), submit=True
    )
    tour_services.sheet_save(
        actor=second, stop=stops[world.project_a.pk], values=vals(9, 9, 80), submit=True
    )
    tour_services.sheet_save(
        actor=world.leader, stop=stops[world.project_b.pk], values=vals(5, 5, 80), submit=True
    )
    tour_services.sheet_save(
        actor=second, stop=stops[world.project_b.pk], values=vals(6, 4, 70), submit=True
    )
    tour_services.tour_close(actor=world.office, tour=tour)
    score = IndicatorFactory(
        code=f"test.tour_score.{world.city.code}",
        name="拉练得分",
        registry="tour_results",
        measure=Indicator.Measure.SUM,
        measure_field="score_centi",
        event="held",
    )
    RankingItemFactory(
        scheme=iw.scheme, indicator=score, weight=Decimal(1), scoring=RankingItem.Scoring.RELATIVE
    )
    period = Period.year_to_date(world.year)
    rows = {r.unit.pk: r for r in ranking(iw.scheme, period)}
    # by hand, 乙区: sheets 0.5·50+0.5·30+0.5·20 = 50 and 0.6·50+0.4·30+0.25·20 = 47 → 48.50;
    # 甲区: (73 + 82) / 2 = 77.50 (the top). Tour part = 48.50 / 77.50 × 100 = 62.58…;
    # started-industry part: 0 of target 1 → 0. Equal weights: (0 + 62.58) / 2 = 31.29
    assert evaluate(score, world.district_b, period) == 4850
    b = rows[world.district_b.pk]
    tour_part = 4850 / 7750 * 100
    assert b.parts[score.code]["score"] == round(tour_part, 2)
    assert b.score == round((0 + tour_part) / 2, 2) == 31.29
    # 甲区: 1 of target 2 → 50; tour 100 → 75
    assert rows[world.district_a.pk].score == 75.0
    assert (rows[world.district_a.pk].rank, b.rank) == (1, 2)


def test_demo_tour_results_match_the_sheets(demo):
    tour = Tour.objects.get(name="2024年第三季度重点项目建设拉练")
    assert tour.status == Tour.Status.CLOSED
    result = UnitResult.objects.filter(tour=tour).order_by("rank").first()
    criteria = list(tour.form.criteria.all())
    weight = sum(c.weight for c in criteria)
    project_scores = []
    for stop in Stop.objects.filter(tour=tour, unit=result.unit):
        sheets = []
        for sheet in Sheet.objects.filter(stop=stop, status="submitted"):
            marks = {m.criterion_id: m.value for m in sheet.marks.all()}
            total = sum(marks[c.pk] / c.max_score * c.weight for c in criteria) / weight * 100
            sheets.append(total.quantize(Decimal("0.01")))
        project_scores.append((sum(sheets) / len(sheets)).quantize(Decimal("0.01")))
    expected = (sum(project_scores) / len(project_scores)).quantize(Decimal("0.01"))
    assert result.score_centi == int(expected * 100)
    indicator = Indicator.objects.get(code="inspections.tour_score")
    # the year's tour score is the weighted mean of the tours, in points (one tour here)
    assert indicator.kind == Indicator.Kind.RATIO
    assert evaluate(indicator, result.unit, Period.year_to_date(2024)) == Decimal(
        result.score_centi
    ) / Decimal(100)
