"""Registry rules: stages, reports, problems, escalation, history, scope, codes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from gongjian.kit.errors import ConflictError
from gongjian.kit.scope import SYSTEM, Action, allows
from gongjian.kit.validators import validate_division_code
from gongjian.projects import services
from gongjian.projects.models import EscalationRule, Problem, Project, StageTransition, Tag
from gongjian.units.models import Role, Unit
from gongjian.units.services import unit_create, unit_update, user_create

D = dt.date
YI = 100_000_000
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    city = unit_create(actor=SYSTEM, name="样例市", kind="city", code="130100")
    a = unit_create(actor=SYSTEM, name="甲区", kind="district", parent=city, code="130102")
    b = unit_create(actor=SYSTEM, name="乙县", kind="county", parent=city, code="130121")
    office = user_create(actor=SYSTEM, username="t_office", memberships=[(city, Role.OFFICE)])
    op_a = user_create(actor=SYSTEM, username="t_op_a", memberships=[(a, Role.OPERATOR)])
    op_b = user_create(actor=SYSTEM, username="t_op_b", memberships=[(b, Role.OPERATOR)])
    leader = user_create(actor=SYSTEM, username="t_leader", memberships=[(city, Role.LEADER)])
    project = services.project_create(
        actor=op_a,
        code="S0001",
        name="甲区测试项目",
        unit=a,
        category="industry",
        total_investment=5 * YI,
        planned_investment=YI,
        leader=leader,
    )
    return dict(
        city=city, a=a, b=b, office=office, op_a=op_a, op_b=op_b, leader=leader, project=project
    )


def snapshot(project):
    project.refresh_from_db()
    return (
        project.stage,
        project.version,
        project.signed_on,
        project.started_on,
        StageTransition.objects.filter(project=project).count(),
        project.history.count(),
    )


def move(w, stage, day, actor=None):
    return services.project_transition(
        actor=actor or w["op_a"], project=w["project"], to_stage=stage, on_date=day
    )


def test_forward_moves_record_dates_and_history(world):
    move(world, "signed", D(2024, 2, 1))
    move(world, "landed", D(2024, 3, 1))
    move(world, "started", D(2024, 4, 1))
    p = Project.objects.get(pk=world["project"].pk)
    assert (p.stage, p.signed_on, p.landed_on, p.started_on, p.first_event_on) == (
        "started",
        D(2024, 2, 1),
        D(2024, 3, 1),
        D(2024, 4, 1),
        D(2024, 2, 1),
    )
    assert list(p.transitions.values_list("stage", flat=True)) == ["signed", "landed", "started"]
    assert p.version == 4
    last = p.history.first()
    assert last.history_user == world["op_a"] and last.stage == "started"
    assert last.prev_record.stage == "landed"


@pytest.mark.parametrize(
    ("steps", "stage", "day", "message"),
    [
        (
            [("signed", D(2024, 2, 1)), ("started", D(2024, 4, 1))],
            "landed",
            D(2024, 5, 1),
            "只能向前推进",
        ),
        ([("signed", D(2024, 2, 1))], "signed", D(2024, 3, 1), "已处于"),
        ([("signed", D(2024, 5, 1))], "landed", D(2024, 4, 1), "早于上一阶段"),
        ([("started", D(2024, 3, 1))], "resumed", D(2024, 8, 1), "往年已开工"),
        ([("signed", D(2024, 3, 1))], "resumed", D(2024, 8, 1), "不能复工"),
        ([("signed", D(2024, 3, 1))], "stalled", D(2024, 8, 1), "只有在建项目"),
        (
            [("started", D(2023, 3, 1)), ("stalled", D(2024, 2, 1))],
            "completed",
            D(2024, 8, 1),
            "须先登记复工",
        ),
        ([], "signed", D(2999, 1, 1), "晚于今天"),
        ([], "planned", D(2024, 1, 1), "已处于"),
        ([], "flying", D(2024, 1, 1), "未知的阶段"),
    ],
)
def test_invalid_transitions_are_refused_and_change_nothing(world, steps, stage, day, message):
    for s, d in steps:
        move(world, s, d)
    before = snapshot(world["project"])
    with pytest.raises(ValidationError) as exc:
        move(world, stage, day)
    assert message in " ".join(exc.value.messages)
    assert snapshot(world["project"]) == before


def test_resume_rules(world):
    move(world, "started", D(2023, 4, 1))
    move(world, "resumed", D(2024, 3, 1))
    with pytest.raises(ValidationError):
        move(world, "resumed", D(2024, 9, 1))  # once a year
    move(world, "stalled", D(2024, 10, 1))
    move(world, "resumed", D(2024, 11, 1))  # a stalled project may resume any time
    move(world, "completed", D(2025, 6, 1))
    move(world, "in_production", D(2025, 8, 1))
    assert Project.objects.get(pk=world["project"].pk).stage == "in_production"


def test_operator_of_another_unit_cannot_write(world):
    before = snapshot(world["project"])
    with pytest.raises(PermissionDenied):
        move(world, "signed", D(2024, 2, 1), actor=world["op_b"])
    with pytest.raises(PermissionDenied):
        services.project_update(actor=world["op_b"], project=world["project"], name="改名")
    with pytest.raises(PermissionDenied):
        services.project_create(
            actor=world["op_b"],
            code="S0002",
            name="越权",
            unit=world["a"],
            category="industry",
            total_investment=YI,
        )
    with pytest.raises(PermissionDenied):
        services.project_update(actor=world["op_a"], project=world["project"], unit=world["b"])
    assert snapshot(world["project"]) == before
    assert not Project.objects.filter(code="S0002").exists()
    assert allows(world["office"], Action.CHANGE, world["b"]) and not allows(
        world["op_a"], Action.CHANGE, world["b"]
    )
    assert set(Unit.objects.restrict(world["op_a"], Action.VIEW)) == {world["a"]}
    leader_units = set(Unit.objects.restrict(world["leader"], Action.VIEW))
    assert leader_units and not any(  # a leader reads his own unit's subtree, writes none
        allows(world["leader"], Action.CHANGE, unit) for unit in leader_units
    )


def test_visibility_by_role(world):
    qs = Project.objects.filter(code="S0001")
    assert qs.restrict(world["op_a"], Action.VIEW).count() == 1
    assert qs.restrict(world["op_b"], Action.VIEW).count() == 0
    assert qs.restrict(world["leader"], Action.VIEW).count() == 1  # 包保 leader of the project
    assert qs.restrict(world["office"], Action.VIEW).count() == 1
    assert qs.restrict(world["leader"], Action.CHANGE).count() == 0
    from django.contrib.auth.models import AnonymousUser

    assert qs.restrict(AnonymousUser(), Action.VIEW).count() == 0


def test_update_refuses_stale_version(world):
    p = world["project"]
    services.project_update(actor=world["op_a"], project=p, expected_version=1, name="新名称")
    with pytest.raises(ConflictError) as exc:
        services.project_update(actor=world["office"], project=p, expected_version=1, name="旧页面")
    assert exc.value.message.startswith(f"此项目已被 {world['op_a']} 于")
    assert exc.value.current_version == 2
    assert [(c["field"], c["after"]) for c in exc.value.changed] == [("name", "新名称")]
    p.refresh_from_db()
    assert p.name == "新名称"
    with pytest.raises(ValidationError):
        services.project_update(actor=world["op_a"], project=p, stage="completed")


def test_invalid_fields_are_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.project_create(
            actor=SYSTEM,
            code="S0003",
            name="负数",
            unit=world["a"],
            category="industry",
            total_investment=-1,
        )
    assert "total_investment" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.project_create(
            actor=SYSTEM,
            code="S0004",
            name="坏类别",
            unit=world["a"],
            category="space",
            total_investment=1,
        )
    assert not Project.objects.filter(code__in=["S0003", "S0004"]).exists()


def test_progress_reports(world):
    p = world["project"]
    with pytest.raises(ValidationError):  # 谋划: nothing to report yet
        services.progress_report_submit(
            actor=world["op_a"],
            project=p,
            period_start=D(2024, 1, 1),
            period_end=D(2024, 1, 31),
            investment_this_period=1,
        )
    move(world, "started", D(2024, 1, 5))
    r1 = services.progress_report_submit(
        actor=world["op_a"],
        project=p,
        period_start=D(2024, 1, 1),
        period_end=D(2024, 1, 31),
        investment_this_period=10_000_000,
    )
    r2 = services.progress_report_submit(
        actor=world["op_a"],
        project=p,
        period_start=D(2024, 2, 1),
        period_end=D(2024, 2, 29),
        investment_this_period=5_000_000,
    )
    assert (r1.cumulative_investment, r2.cumulative_investment) == (10_000_000, 15_000_000)
    p.refresh_from_db()
    assert p.completed_investment == 15_000_000
    with pytest.raises(ValidationError, match="更晚期间"):
        services.progress_report_submit(
            actor=world["op_a"],
            project=p,
            period_start=D(2024, 1, 1),
            period_end=D(2024, 1, 31),
            investment_this_period=1,
        )
    # February resubmitted before approval replaces the report
    r2 = services.progress_report_submit(
        actor=world["op_a"],
        project=p,
        period_start=D(2024, 2, 1),
        period_end=D(2024, 2, 29),
        investment_this_period=7_000_000,
    )
    assert r2.cumulative_investment == 17_000_000 and p.reports.count() == 2
    r2.status = "approved"
    r2.save()
    with pytest.raises(ValidationError, match="已审核"):
        services.progress_report_submit(
            actor=world["op_a"],
            project=p,
            period_start=D(2024, 2, 1),
            period_end=D(2024, 2, 29),
            investment_this_period=1,
        )
    with pytest.raises(ValidationError, match="超过总投资"):
        services.progress_report_submit(
            actor=world["op_a"],
            project=p,
            period_start=D(2024, 3, 1),
            period_end=D(2024, 3, 31),
            investment_this_period=5 * YI,
        )
    with pytest.raises(PermissionDenied):
        services.progress_report_submit(
            actor=world["op_b"],
            project=p,
            period_start=D(2024, 3, 1),
            period_end=D(2024, 3, 31),
            investment_this_period=1,
        )
    assert p.reports.count() == 2
    p.refresh_from_db()
    assert p.completed_investment == 17_000_000


def test_problem_flow(world):
    p = world["project"]
    problem = services.problem_create(
        actor=world["op_a"],
        project=p,
        kind="land",
        description="用地指标未落实",
        raised_on=D(2024, 3, 1),
        deadline=D(2024, 4, 1),
        owner_unit=world["a"],
    )
    assert problem.leader == world["leader"]  # the project's 包保 leader by default
    with pytest.raises(ValidationError, match="不能从"):
        services.problem_transition(
            actor=world["op_a"], problem=problem, to_status="verified", on_date=D(2024, 3, 2)
        )
    services.problem_transition(
        actor=world["leader"],
        problem=problem,
        to_status="assigned",
        on_date=D(2024, 3, 2),
        comment="请自然资源局协调",
    )
    services.problem_transition(
        actor=world["op_a"],
        problem=problem,
        to_status="resolved",
        on_date=D(2024, 3, 20),
        comment="已落实指标",
    )
    with pytest.raises(PermissionDenied):  # the unit cannot close its own problem
        services.problem_transition(
            actor=world["op_a"], problem=problem, to_status="verified", on_date=D(2024, 3, 21)
        )
    with pytest.raises(PermissionDenied):
        services.problem_transition(
            actor=world["op_b"], problem=problem, to_status="assigned", on_date=D(2024, 3, 21)
        )
    done = services.problem_transition(
        actor=world["leader"],
        problem=problem,
        to_status="verified",
        on_date=D(2024, 3, 22),
        comment="销号",
    )
    assert done.status == Problem.Status.VERIFIED and done.verified_on == D(2024, 3, 22)
    assert done.resolution.count("\n") == 2 and "销号" in done.resolution
    assert done.history.count() == 4
    with pytest.raises(ValidationError, match="早于提出日期"):
        services.problem_create(
            actor=world["op_a"],
            project=p,
            kind="land",
            description="x",
            raised_on=D(2024, 3, 1),
            deadline=D(2024, 2, 1),
        )


def test_escalation_rule_tags_big_projects(world):
    tag = Tag.objects.create(slug="t_escalated", name="测试提级")
    EscalationRule.objects.create(name="测试提级", tag=tag, min_total_investment=10 * YI)
    p = world["project"]
    services.project_update(actor=world["op_a"], project=p, total_investment=12 * YI)
    assert p.tags.filter(pk=tag.pk).exists()
    services.project_update(actor=world["op_a"], project=p, total_investment=9 * YI)
    assert not p.tags.filter(pk=tag.pk).exists()
    big = services.project_create(
        actor=SYSTEM,
        code="S0009",
        name="大项目",
        unit=world["b"],
        category="industry",
        total_investment=20 * YI,
    )
    assert big.tags.filter(pk=tag.pk).exists()
    Project.tags.through.objects.filter(tag=tag).delete()
    assert services.escalation_apply_all(actor=SYSTEM) >= 1
    assert big.tags.filter(pk=tag.pk).exists() and not p.tags.filter(pk=tag.pk).exists()


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("210703", True),
        ("110000", True),
        ("210700", True),
        ("990101", False),
        ("2107", False),
        ("21070３", False),
        ("210003", False),
        ("abcdef", False),
    ],
)
def test_division_codes(code, ok):
    if ok:
        validate_division_code(code)
    else:
        with pytest.raises(ValidationError):
            validate_division_code(code)


def test_unit_tree_rules(world):
    with pytest.raises(ValidationError, match="不属于上级单位"):
        unit_create(actor=SYSTEM, name="外省县", kind="county", parent=world["city"], code="210703")
    with pytest.raises(ValidationError):
        unit_create(
            actor=SYSTEM, name="部门", kind="department", parent=world["city"], code="130104"
        )
    zone = unit_create(actor=SYSTEM, name="开发区", kind="zone", parent=world["a"])
    assert zone.path == f"{world['a'].path}{zone.pk}/"
    unit_update(actor=SYSTEM, unit=zone, parent=world["b"])
    zone.refresh_from_db()
    assert zone.path.startswith(world["b"].path) and zone.depth == 2
    with pytest.raises(ValidationError, match="下级"):
        unit_update(actor=SYSTEM, unit=world["city"], parent=zone)
    assert Unit.objects.subtree(world["b"]).count() == 2


def test_office_admin_can_use_the_admin(world, client):
    world["office"].set_password("an office pass 1")
    world["office"].save()
    assert client.login(request=HttpRequest(), username="t_office", password="an office pass 1")
    assert client.get("/admin/projects/project/").status_code == 200
    page = client.get(f"/admin/projects/project/{world['project'].pk}/change/")
    assert page.status_code == 200 and "甲区测试项目" in page.content.decode()
    world["op_a"].set_password("an operator pass 1")
    world["op_a"].save()
    client.logout()
    assert client.login(request=HttpRequest(), username="t_op_a", password="an operator pass 1")
    assert client.get("/admin/projects/project/").status_code == 302  # not staff
