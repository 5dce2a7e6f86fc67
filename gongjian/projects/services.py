"""Every write to the project registry.

Each service is keyword-only, runs in one transaction, validates with
``full_clean()`` before saving and records who changed what through
django-simple-history (``_history_user``).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.forms.models import model_to_dict
from django.utils import timezone

from gongjian.kit.clock import today as clock_today
from gongjian.kit.errors import ConflictError
from gongjian.kit.history import actor_user, record_actor, record_reason
from gongjian.kit.scope import Action, allows, path_ids, require
from gongjian.notices.models import Event, Kind
from gongjian.notices.services import notify, publish, unit_people
from gongjian.units.models import Actor, Role, Unit, User

from .cadence import check_period
from .filters import OPEN_STATUSES
from .models import (
    STAGE_CHAIN,
    STAGE_DATE_FIELD,
    STAGE_RANK,
    EscalationRule,
    Problem,
    ProgressReport,
    Project,
    Stage,
    StageTransition,
)

# The plan a project's warning light is judged against, and its actual 入库纳统 date.
PLAN_DATE_FIELDS = (
    "planned_start_on",
    "planned_completion_on",
    "planned_in_stats_on",
    "in_stats_on",
)

EDITABLE_FIELDS = (
    "name",
    "national_code",
    "unit",
    "responsible_unit",
    "leader",
    "industry_cluster",
    "category",
    "enterprise_name",
    "total_investment",
    "planned_investment",
    "latitude",
    "longitude",
    "description",
    *PLAN_DATE_FIELDS,
)


def _stage_label(stage: str) -> str:
    return str(Stage(stage).label)


def validate_transition(
    project: Project,
    to_stage: str,
    on_date: dt.date,
    last_date: dt.date | None,
    today: dt.date | None = None,
) -> None:
    """Refuse an impossible stage move with a Chinese message; change nothing."""
    today = today or clock_today()
    current = Stage(project.stage)
    try:
        target = Stage(to_stage)
    except ValueError:
        raise ValidationError({"stage": f"未知的阶段“{to_stage}”"}) from None
    if on_date > today:
        raise ValidationError({"occurred_on": f"日期 {on_date} 晚于今天,不能登记未发生的阶段"})
    if last_date and on_date < last_date:
        raise ValidationError(
            {
                "occurred_on": f"日期 {on_date} 早于上一阶段“{_stage_label(current)}”的日期 {last_date}"
            }
        )
    if target == current and target != Stage.RESUMED:
        raise ValidationError({"stage": f"项目已处于“{target.label}”阶段"})
    if target == Stage.RESUMED:
        if current == Stage.STALLED:
            return
        if current not in (Stage.STARTED, Stage.RESUMED):
            raise ValidationError(
                {
                    "stage": f"“{current.label}”阶段的项目不能复工:复工只适用于已开工的续建项目或停缓建项目"
                }
            )
        previous = project.resumed_on if current == Stage.RESUMED else project.started_on
        if previous and previous.year >= on_date.year:
            raise ValidationError(
                {
                    "stage": f"复工只适用于往年已开工、本年度继续建设的项目(上次开工/复工于 {previous})"
                }
            )
        return
    if target == Stage.STALLED:
        if current not in (Stage.STARTED, Stage.RESUMED):
            raise ValidationError(
                {"stage": f"只有在建项目才能登记停缓建,当前阶段为“{current.label}”"}
            )
        return
    if target == Stage.PLANNED or STAGE_RANK[target] <= STAGE_RANK[current]:
        raise ValidationError(
            {"stage": f"不能从“{current.label}”变更为“{target.label}”:阶段只能向前推进"}
        )
    if current == Stage.STALLED:
        raise ValidationError({"stage": "停缓建项目须先登记复工"})


def _last_transition_date(project: Project) -> dt.date | None:
    last = project.transitions.order_by("-occurred_on", "-pk").first() if project.pk else None
    return last.occurred_on if last else None


def apply_stage(project: Project, stage: str, on_date: dt.date) -> None:
    """Move ``project`` (unsaved) to ``stage`` on ``on_date``: the stage, its date column and
    the first event; the move must have passed ``validate_transition``."""
    project.stage = stage
    field = STAGE_DATE_FIELD.get(Stage(stage))
    if field:
        setattr(project, field, on_date)
    if stage in (Stage.SIGNED, Stage.LANDED, Stage.STARTED, Stage.RESUMED) and (
        project.first_event_on is None or on_date < project.first_event_on
    ):
        project.first_event_on = on_date


def _active_rules():
    return EscalationRule.objects.filter(is_active=True).select_related("unit")


def _rules_over(project: Project) -> list[EscalationRule]:
    """The active 提级 rules of ``project``'s city (a rule governs its unit's subtree)."""
    path = project.unit.path
    return [
        r
        for r in _active_rules().prefetch_related("any_of_tags")
        if r.unit_id is None or path.startswith(r.unit.path)
    ]


def escalation_tags(project: Project) -> tuple[set[int], set[int]]:
    """(tags the 提级 rules add, tags the rules govern) for a saved project."""
    governed, matched = set(), set()
    tag_ids = set(project.tags.values_list("pk", flat=True))
    for rule in _rules_over(project):
        governed.add(rule.tag_id)
        by_amount = (
            rule.min_total_investment is not None
            and project.total_investment >= rule.min_total_investment
        )
        by_tag = bool(tag_ids & {t.pk for t in rule.any_of_tags.all()})
        if by_amount or by_tag:
            matched.add(rule.tag_id)
    return matched, governed


def _rule_reason(rule: EscalationRule, project: Project) -> str:
    from gongjian.kit.money import format_amount

    if (
        rule.min_total_investment is not None
        and project.total_investment >= rule.min_total_investment
    ):
        return (
            f"总投资 {format_amount(project.total_investment, '亿元')} 达到提级规则“{rule.name}”"
            f"的 {format_amount(rule.min_total_investment, '亿元')}"
        )
    return f"带有提级规则“{rule.name}”所列标签"


def _route_problems(project: Project, rule: EscalationRule | None, actor: Actor) -> None:
    """An escalated project's open problems go to the city: the rule's department takes
    those without an owner, its leader those without a leader."""
    if rule is None or (rule.department_id is None and rule.leader_id is None):
        return
    for problem in Problem.objects.filter(
        project=project, status__in=[Problem.Status.OPEN, Problem.Status.ASSIGNED]
    ):
        changed = False
        if problem.owner_unit_id is None and rule.department_id:
            problem.owner_unit_id = rule.department_id
            changed = True
        if problem.leader_id is None and rule.leader_id:
            problem.leader_id = rule.leader_id
            changed = True
        if changed:
            record_actor(problem, actor)
            record_reason(problem, "项目提级管理,问题转市级协调")
            problem.full_clean()
            problem.save()


def _record_escalations(
    added: dict[int, set[int]],
    removed: dict[int, set[int]],
    rules: list[EscalationRule],
    actor: Actor,
    reason: str = "",
) -> None:
    """Keep an ``EscalationEvent`` per project and tag moved, and route the problems."""
    from .models import EscalationEvent

    if not added and not removed:
        return
    projects = Project.objects.in_bulk(set(added) | set(removed))
    events = []
    for project_id, tag_ids in added.items():
        project = projects[project_id]
        for tag_id in tag_ids:
            rule = next(
                (r for r in rules if r.tag_id == tag_id and _rule_matches(r, project)), None
            )
            why = ";".join(
                filter(None, [reason, _rule_reason(rule, project) if rule else "符合提级规则"])
            )
            events.append(
                EscalationEvent(
                    project=project,
                    tag_id=tag_id,
                    direction="up",
                    reason=why,
                    actor=actor_user(actor),
                )
            )
            _route_problems(project, rule, actor)
    for project_id, tag_ids in removed.items():
        for tag_id in tag_ids:
            events.append(
                EscalationEvent(
                    project=projects[project_id],
                    tag_id=tag_id,
                    direction="down",
                    reason=";".join(filter(None, [reason, "不再符合提级规则,恢复属地管理"])),
                    actor=actor_user(actor),
                )
            )
    EscalationEvent.objects.bulk_create(events, batch_size=1000)


def _rule_matches(rule: EscalationRule, project: Project) -> bool:
    if (
        rule.min_total_investment is not None
        and project.total_investment >= rule.min_total_investment
    ):
        return True
    wanted = {t.pk for t in rule.any_of_tags.all()}
    return bool(wanted and wanted & set(project.tags.values_list("pk", flat=True)))


@transaction.atomic
def escalation_apply_all(*, actor: Actor, reason: str = "") -> int:
    """Re-apply every 提级 rule to the whole registry in a few set-based queries;
    returns how many projects carry an escalation tag afterwards. Each project moved
    up or down gets an ``EscalationEvent`` (who, when, why)."""
    through = Project.tags.through
    tagged = 0
    every = list(EscalationRule.objects.select_related("unit").prefetch_related("any_of_tags"))
    rules = [r for r in every if r.is_active]
    added: dict[int, set[int]] = {}
    removed: dict[int, set[int]] = {}
    for tag_id in {r.tag_id for r in every}:
        match = Project.objects.none()
        scope = Project.objects.none()  # the projects the tag's rules govern
        # a stopped rule still governs its projects: they go back to local management
        for rule in (r for r in every if r.tag_id == tag_id):
            governed = Project.objects.all()
            if rule.unit_id:
                governed = governed.filter(unit__path__startswith=rule.unit.path)
            scope = scope | governed
            if not rule.is_active:
                continue
            if rule.min_total_investment is not None:
                match = match | governed.filter(total_investment__gte=rule.min_total_investment)
            any_tags = [t.pk for t in rule.any_of_tags.all()]
            if any_tags:
                match = match | governed.filter(tags__in=any_tags)
        wanted = set(match.values_list("pk", flat=True))
        have = set(
            through.objects.filter(tag_id=tag_id, project__in=scope.values("pk")).values_list(
                "project_id", flat=True
            )
        )
        through.objects.filter(tag_id=tag_id, project_id__in=have - wanted).delete()
        through.objects.bulk_create(
            [through(project_id=pk, tag_id=tag_id) for pk in wanted - have], batch_size=1000
        )
        for pk in wanted - have:
            added.setdefault(pk, set()).add(tag_id)
        for pk in have - wanted:
            removed.setdefault(pk, set()).add(tag_id)
        tagged += len(wanted)
    _record_escalations(added, removed, rules, actor, reason)
    return tagged


def project_apply_escalation(*, project: Project, actor: Actor) -> None:
    matched, governed = escalation_tags(project)
    current = set(project.tags.values_list("pk", flat=True))
    to_add = matched - current
    to_remove = (governed - matched) & current
    if to_add:
        project.tags.add(*to_add)
    if to_remove:
        project.tags.remove(*to_remove)
    if to_add or to_remove:
        rules = _rules_over(project)
        _record_escalations(
            {project.pk: to_add} if to_add else {},
            {project.pk: to_remove} if to_remove else {},
            rules,
            actor,
        )


@transaction.atomic
def project_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    unit: Unit,
    category: str,
    total_investment: int,
    stage_events: Sequence[tuple[str, dt.date]] = (),
    tags=(),
    batches=(),
    **fields,
) -> Project:
    """Create a project; ``stage_events`` replays its history (e.g. signed, landed)."""
    require(actor, Action.CHANGE, unit)
    project = Project(
        code=code,
        name=name,
        unit=unit,
        category=category,
        total_investment=total_investment,
        **fields,
    )
    project.full_clean()
    record_actor(project, actor)
    project.save()
    if tags:
        project.tags.set(tags)
    if batches:
        project.batches.set(batches)
    for stage, on_date in stage_events:
        project_transition(actor=actor, project=project, to_stage=stage, on_date=on_date)
    if stage_events and project.in_stats_on:
        project.clean()  # 入库 against the start date the events have just set
    project_apply_escalation(project=project, actor=actor)
    publish(Event.PROJECT_CREATED, unit=project.unit, subject=project, data=_project_data(project))
    return project


def _project_data(project: Project) -> dict:
    """What a change of a project tells other systems."""
    return {
        "code": project.code,
        "name": project.name,
        "stage": project.stage,
        "total_investment": project.total_investment,
        "version": project.version,
    }


@transaction.atomic
def project_update(
    *, actor: Actor, project: Project, expected_version: int | None = None, **fields
) -> Project:
    """Change editable fields; refuses a stale ``expected_version`` (no lost update)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: "该字段不能直接修改" for f in sorted(unknown)})
    require(actor, Action.CHANGE, project.unit)
    if "unit" in fields:
        require(actor, Action.CHANGE, fields["unit"])
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if expected_version is not None and locked.version != expected_version:
        raise _stale(locked, expected_version, "此项目", list(fields))
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.version += 1
    record_actor(locked, actor)
    locked.save()
    locked.refresh_from_db()
    project_apply_escalation(project=locked, actor=actor)
    publish(
        Event.PROJECT_CHANGED,
        unit=locked.unit,
        subject=locked,
        data={**_project_data(locked), "fields": sorted(fields)},
    )
    return locked


@transaction.atomic
def project_transition(
    *, actor: Actor, project: Project, to_stage: str, on_date: dt.date, note: str = ""
) -> StageTransition:
    """Move a project to ``to_stage`` on ``on_date``, recording the history."""
    require(actor, Action.CHANGE, project.unit)
    locked = Project.objects.select_for_update().get(pk=project.pk)
    validate_transition(locked, to_stage, on_date, _last_transition_date(locked))
    transition = StageTransition(
        project=locked,
        stage=to_stage,
        occurred_on=on_date,
        note=note,
        recorded_by=actor_user(actor),
    )
    transition.full_clean()
    transition.save()
    apply_stage(locked, to_stage, on_date)
    locked.version += 1
    record_actor(locked, actor)
    locked.save()
    locked.refresh_from_db()
    project.__dict__.update(
        {
            k: getattr(locked, k)
            for k in ("stage", "version", "first_event_on", *STAGE_DATE_FIELD.values())
        }
    )
    publish(
        Event.PROJECT_STAGE,
        unit=locked.unit,
        subject=locked,
        data={**_project_data(locked), "on_date": on_date.isoformat(), "note": note},
    )
    return transition


@transaction.atomic
def progress_report_submit(
    *,
    actor: Actor,
    project: Project,
    period_start: dt.date,
    period_end: dt.date,
    investment_this_period: int,
    cumulative_investment: int | None = None,
    funds_paid: int | None = None,
    progress_text: str = "",
    problems_text: str = "",
    client_ref: str | None = None,
) -> ProgressReport:
    """Submit (or, until approved, replace) a project's report for a period.

    ``cumulative_investment`` (自开工累计) defaults to the previous report's cumulative
    plus this period; for a project's first report, to what it had completed before.
    ``funds_paid`` (累计资金支付) is optional: a report without it leaves the 资金支付 light
    to the last report that gave one.
    ``client_ref`` makes the submission idempotent: a repeat with the same key (a client
    retrying after a lost response) returns the stored report and writes nothing. A
    draft submitted again exactly as stored (a form posted twice) writes nothing either.
    """
    require(actor, Action.CHANGE, project.unit)
    if period_end < period_start:
        raise ValidationError(
            {"period_end": f"期间结束日期 {period_end} 早于开始日期 {period_start}"}
        )
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if client_ref:
        # checked under the project's row lock, so two retries of one key serialise here
        # by the unique index (the model's ordering would have SQLite walk every report)
        done = ProgressReport.objects.filter(client_ref=client_ref).order_by("pk").first()
        if done is not None:
            if done.project_id != locked.pk or done.period_start != period_start:
                raise ValidationError({"client_ref": f"提交编号“{client_ref}”已用于另一份报告"})
            return done
    if locked.stage == Stage.PLANNED:
        raise ValidationError({"project": f"项目“{locked.name}”尚处于谋划阶段,无需报送进度"})
    check_period(locked, period_start, period_end)
    reports = ProgressReport.objects.filter(project=locked)  # current versions (the manager)
    if reports.filter(period_start__gt=period_start).exists():
        raise ValidationError({"period_start": "已有更晚期间的进度报告,不能再报送或修改本期"})
    earlier = reports.filter(period_start__lt=period_start).order_by("-period_start").first()
    report = reports.filter(period_start=period_start).first()
    if report and report.status == ProgressReport.Status.APPROVED:
        raise ValidationError({"period_start": "该期进度已审核,不能再修改"})
    if earlier is not None:
        base = earlier.cumulative_investment
    elif report is not None:
        base = report.cumulative_investment - report.investment_this_period
    else:
        base = locked.completed_investment
    minimum = (earlier.cumulative_investment if earlier else 0) + investment_this_period
    if cumulative_investment is None:
        cumulative_investment = base + investment_this_period
    elif cumulative_investment < minimum:
        raise ValidationError(
            {
                "cumulative_investment": f"累计完成投资 {cumulative_investment} 元少于上期累计加本期完成投资 {minimum} 元"
            }
        )
    if cumulative_investment > locked.total_investment:
        raise ValidationError(
            {
                "cumulative_investment": f"累计完成投资 {cumulative_investment} 元超过总投资 {locked.total_investment} 元"
            }
        )
    _check_funds_paid(locked, funds_paid)
    if report is not None:
        stored = (
            report.period_end,
            report.investment_this_period,
            report.cumulative_investment,
            report.funds_paid,
            report.progress_text,
            report.problems_text,
            report.submitted_by_id,
            report.client_ref,
        )
        wanted = (
            period_end,
            investment_this_period,
            cumulative_investment,
            funds_paid,
            progress_text,
            problems_text,
            actor.pk,
            client_ref or None,
        )
        if stored == wanted:
            # the same submission again (a double click, a browser retrying after a lost
            # answer): nothing changes, so nothing is written and no history is added
            return report
        report.version += 1
    report = report or ProgressReport(project=locked, period_start=period_start)
    report.period_end = period_end
    report.investment_this_period = investment_this_period
    report.cumulative_investment = cumulative_investment
    report.funds_paid = funds_paid
    report.progress_text = progress_text
    report.problems_text = problems_text
    report.submitted_by = actor_user(actor)
    report.client_ref = client_ref or None
    report.full_clean()
    record_actor(report, actor)
    report.save()
    locked.completed_investment = cumulative_investment
    record_actor(locked, actor)
    locked.save(update_fields=["completed_investment", "updated_at"])
    publish(Event.REPORT_SUBMITTED, unit=locked.unit, subject=report, data=_report_data(report))
    return report


def _report_data(report: ProgressReport) -> dict:
    return {
        "project": report.project.code,
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "investment_this_period": report.investment_this_period,
        "cumulative_investment": report.cumulative_investment,
        "status": report.status,
        "version": report.version,
    }


def _is_leader(actor: Actor, problem: Problem) -> bool:
    return actor.pk is not None and actor.pk == problem.leader_id


def _require_problem_hand(actor: Actor, problem: Problem) -> None:
    """Who may act on a problem: its leader, or who may change its project's or owner
    unit's rows."""
    if _is_leader(actor, problem) or allows(actor, Action.CHANGE, problem):
        return
    raise PermissionDenied(f"无权处理项目“{problem.project.name}”的问题")


PROBLEM_FLOW = {
    Problem.Status.OPEN: {Problem.Status.ASSIGNED},
    Problem.Status.ASSIGNED: {Problem.Status.RESOLVED},
    Problem.Status.RESOLVED: {Problem.Status.VERIFIED, Problem.Status.ASSIGNED},
    Problem.Status.VERIFIED: set(),
}


def problem_leaders_of(project: Project) -> list[User]:
    """The 包保 leaders a problem of ``project`` may be put to: the project's own 包保
    leader and, for a 提级 project, the rule's city leader (市级牵头领导), who
    coordinates its problems. Anyone else would be handed a problem of a project they do
    not 包保."""
    return _problem_leaders(project, escalation_rule_of(project))


def _problem_leaders(project: Project, rule: EscalationRule | None) -> list[User]:
    leaders: list[User] = []
    if project.leader is not None:
        leaders.append(project.leader)
    if rule is not None and rule.leader is not None and rule.leader not in leaders:
        leaders.append(rule.leader)
    return leaders


@transaction.atomic
def problem_create(
    *,
    actor: Actor,
    project: Project,
    kind: str,
    description: str,
    raised_on: dt.date,
    deadline: dt.date | None = None,
    owner_unit: Unit | None = None,
    leader: User | None = None,
) -> Problem:
    """Raise a tracked problem on ``project`` (the project page, the report form, the
    API): by who may change the project; its leader one of the project's 包保 leaders
    (``problem_leaders_of``), by default the project's own; its owner unit by default
    the project's 责任部门. The same problem sent twice (a double click, a retried
    request) is stored once."""
    require(actor, Action.CHANGE, project.unit)
    rule = escalation_rule_of(project)
    if rule is not None:  # 提级管理: the city's department and leader take it by default
        owner_unit = owner_unit or rule.department
        leader = leader or project.leader or rule.leader
    owner_unit = owner_unit or project.responsible_unit
    leader = leader or project.leader
    problem = Problem(
        project=project,
        kind=kind,
        description=description.strip(),
        raised_on=raised_on,
        deadline=deadline,
        owner_unit=owner_unit,
        leader=leader,
    )
    # every refusal at once, each under its field
    errors: dict[str, list[str]] = {}
    if leader is not None and leader.pk not in {u.pk for u in _problem_leaders(project, rule)}:
        errors["leader"] = [
            f"“{leader}”不是项目“{project.name}”的包保领导,包保领导只能从该项目的包保领导中选择"
        ]
    if deadline and deadline < raised_on:
        errors["deadline"] = [f"办结时限 {deadline} 早于提出日期 {raised_on}"]
    try:
        problem.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    same = (
        Problem.objects.select_for_update()
        .filter(
            project=project,
            kind=problem.kind,
            description=problem.description,
            raised_on=raised_on,
            deadline=deadline,
            owner_unit=owner_unit,
            leader=leader,
            status=Problem.Status.OPEN,
        )
        .first()
    )
    if same is not None:
        return same  # the same submission again: nothing is written, no history added
    record_actor(problem, actor)
    problem.save()
    publish(Event.PROBLEM_RAISED, unit=project.unit, subject=problem, data=_problem_data(problem))
    if leader is not None:
        notify(
            [leader],
            Kind.PROBLEM_ASSIGNED,
            f"问题交办:{project.name}",
            f"{problem.get_kind_display()}:{problem.description}"
            + (f"\n办结时限 {deadline}" if deadline else ""),
            link=f"/problems/{problem.pk}/",
            unit=project.unit,
        )
    return problem


@transaction.atomic
def problem_transition(
    *,
    actor: Actor,
    problem: Problem,
    to_status: str,
    on_date: dt.date,
    comment: str = "",
    owner_unit: Unit | None = None,
) -> Problem:
    """assign → resolve → verify (销号); a rejected resolution goes back to assigned."""
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    target = Problem.Status(to_status)
    current = Problem.Status(locked.status)
    if target not in PROBLEM_FLOW[current]:
        raise ValidationError({"status": f"问题不能从“{current.label}”变为“{target.label}”"})
    if target == Problem.Status.VERIFIED:
        if not (
            _is_leader(actor, locked)
            or allows(actor, Action.CHANGE, locked.project.unit.parent or locked.project.unit)
        ):
            raise PermissionDenied("只有包保领导或上级单位可以销号")
    else:
        _require_problem_hand(actor, locked)
    if target == Problem.Status.ASSIGNED and owner_unit is not None:
        locked.owner_unit = owner_unit
    if target == Problem.Status.RESOLVED:
        locked.resolved_on = on_date
    if target == Problem.Status.VERIFIED:
        locked.verified_on = on_date
    if comment:
        stamp = f"[{on_date} {target.label} {actor}] {comment}"
        locked.resolution = f"{locked.resolution}\n{stamp}".strip()
    locked.status = target
    locked.full_clean()
    record_actor(locked, actor)
    locked.save()
    if target == Problem.Status.VERIFIED:
        publish(
            Event.PROBLEM_VERIFIED,
            unit=locked.project.unit,
            subject=locked,
            data=_problem_data(locked),
        )
    return locked


def _problem_data(problem: Problem) -> dict:
    return {
        "project": problem.project.code,
        "kind": problem.kind,
        "description": problem.description,
        "status": problem.status,
        "level": problem.level,
        "deadline": problem.deadline.isoformat() if problem.deadline else None,
    }


__all__ = [
    "STAGE_CHAIN",
    "project_create",
    "project_update",
    "project_transition",
    "progress_report_submit",
    "problem_create",
    "problem_leaders_of",
    "problem_transition",
    "validate_transition",
]


@transaction.atomic
def problem_act(
    *,
    actor: Actor,
    problem: Problem,
    to_status: str = "",
    comment: str = "",
    on_date: dt.date | None = None,
    owner_unit: Unit | None = None,
) -> Problem:
    """One step of the 包保 trail: move the problem (交办/解决/销号/退回) and/or comment.

    Every step is kept as a ``ProblemComment`` (who, when, what) next to the history."""
    from .models import ProblemComment

    on_date = on_date or clock_today()
    comment = comment.strip()
    if not to_status and not comment:
        raise ValidationError({"comment": "请填写办理意见或选择办理动作"})
    if to_status:
        problem = problem_transition(
            actor=actor,
            problem=problem,
            to_status=to_status,
            on_date=on_date,
            comment=comment,
            owner_unit=owner_unit,
        )
    else:
        _require_problem_hand(actor, problem)
    entry = ProblemComment(
        problem=problem, author=actor_user(actor), status=to_status, text=comment
    )
    entry.full_clean()
    entry.save()
    return problem


@transaction.atomic
def progress_report_attach_photo(*, actor: Actor, report: ProgressReport, photo) -> None:
    """Attach (or replace) the site photo of a progress report; the photo is re-encoded
    (no EXIF/GPS, pixel count capped) by ``kit.uploads.reencode_image`` and stored under a
    generated name (the uploader's file name, which may name a person, is not kept). A
    replaced photo's file is deleted once no report version shows it any more."""
    import uuid
    from pathlib import PurePath

    from gongjian.kit.uploads import UploadError, reencode_image

    from .models import discard_report_photo

    require(actor, Action.CHANGE, report.project.unit)
    try:
        photo = reencode_image(photo)
    except UploadError as exc:
        raise ValidationError({"photo": str(exc)}) from None
    photo.name = f"{uuid.uuid4().hex}{PurePath(photo.name or '').suffix or '.jpg'}"
    replaced = report.photo.name if report.photo else ""
    report.photo = photo
    report.full_clean()
    record_actor(report, actor)
    report.save()
    if replaced and replaced != report.photo.name:
        discard_report_photo(replaced)


def escalation_rule_of(project: Project) -> EscalationRule | None:
    """The active 提级 rule whose tag the project carries (city-level management)."""
    path = project.unit.path
    return (
        _active_rules()
        .filter(tag__in=project.tags.all())
        .filter(Q(unit__isnull=True) | Q(unit__in=path_ids(path)))
        .select_related("department", "leader")
        .order_by("pk")
        .first()
    )


# --- problem escalation: unit → 包保 leader → city office -------------------------------

LEVEL_ORDER = ["unit", "leader", "office"]


def _escalation_days(project: Project, year: int) -> int:
    from gongjian.indicators.periods import campaign_for

    campaign = campaign_for(project.unit, year)
    return campaign.problem_escalation_days if campaign else 7


@transaction.atomic
def problems_escalate_overdue(*, today: dt.date | None = None, actor: Actor) -> list[Problem]:
    """Move every open problem past its deadline up one level; idempotent.

    责任单位 → 包保领导 once the deadline has passed; 包保领导 → 市攻坚办督办 once it has
    sat overdue with the leader for the campaign's ``problem_escalation_days``. A run
    moves a problem at most one level, and a second run the same day moves nothing.
    Each move is kept as a ``ProblemComment`` and in the problem's history."""
    from .models import EscalationLevel, ProblemComment

    today = today or clock_today()
    moved: list[Problem] = []
    candidates = (
        Problem.objects.select_for_update(of=("self",))
        .filter(
            status__in=[Problem.Status.OPEN, Problem.Status.ASSIGNED],
            deadline__lt=today,
        )
        .exclude(level=EscalationLevel.OFFICE)
        .select_related("project", "project__unit", "leader", "project__leader")
        .order_by("pk")
    )
    days_cache: dict[tuple[int, int], int] = {}
    for problem in candidates:
        if problem.level == EscalationLevel.UNIT:
            target = EscalationLevel.LEADER
            if problem.leader is None and problem.project.leader is None:
                target = EscalationLevel.OFFICE  # nobody to take it: straight to the office
        else:
            key = (problem.project.unit_id, today.year)
            if key not in days_cache:
                days_cache[key] = _escalation_days(problem.project, today.year)
            deadline = problem.deadline
            assert deadline is not None  # the candidates are past a deadline
            since = max(problem.escalated_on or deadline, deadline)
            if (today - since).days < days_cache[key]:
                continue
            target = EscalationLevel.OFFICE
        if problem.leader is None and problem.project.leader is not None:
            problem.leader = problem.project.leader
        text = f"逾期未办结(时限 {problem.deadline}),自动升级至{EscalationLevel(target).label}"
        problem.level = target
        problem.escalated_on = today
        problem.full_clean()
        record_actor(problem, actor)
        record_reason(problem, text)
        problem.save()
        ProblemComment.objects.create(problem=problem, author=actor_user(actor), text=text)
        _tell_of_problem(problem, Kind.PROBLEM_ESCALATED, f"问题升级:{problem.project.name}", text)
        publish(
            Event.PROBLEM_ESCALATED,
            unit=problem.project.unit,
            subject=problem,
            data=_problem_data(problem),
        )
        moved.append(problem)
    return moved


def _tell_of_problem(
    problem: Problem, kind: str, title: str, text: str, *, once: bool = False
) -> list:
    """Tell the problem's leader and the people of its owner unit (notices)."""
    people: list[User | None] = [problem.leader]
    if problem.owner_unit_id is not None:
        people += unit_people([problem.owner_unit_id], [Role.OFFICE, Role.OPERATOR])
    return notify(
        people,
        kind,
        title,
        f"{problem.get_kind_display()}:{problem.description}\n{text}",
        link=f"/problems/{problem.pk}/",
        unit=problem.project.unit,
        once=once,
    )


# --- 双高 cadence: report obligations ------------------------------------------------------


def report_obligations_sync_today() -> str:
    """The schedule (报送义务更新): the obligations up to the instance's today."""
    day = clock_today()
    return f"新增调度报送义务 {report_obligations_sync(year=day.year, through=day)} 条"


REMIND_DAYS = 2  # reports due within this many days are reminded of


def reminders_send(*, today: dt.date | None = None) -> str:
    """The schedule (报送提醒), told once each to the people concerned:

    - reports due today or within ``REMIND_DAYS`` days and not yet submitted → the
      operators and office of the project's unit, one notice per unit and deadline;
    - reports whose deadline was yesterday and still missing → the same people;
    - problems still open whose deadline was yesterday → their leader and unit.
    """
    from django.db.models import Count, F

    from .models import ReportObligation

    today = today or clock_today()
    met = ReportObligation.objects.filter(
        project__reports__period_start=F("period_start"), project__reports__is_current=True
    ).values("pk")
    unmet = ReportObligation.objects.filter(project__deleted_at__isnull=True).exclude(pk__in=met)
    yesterday = today - dt.timedelta(days=1)
    told = 0
    groups = [
        (
            Kind.REPORT_DUE,
            unmet.filter(due_on__gte=today, due_on__lte=today + dt.timedelta(days=REMIND_DAYS)),
            "调度报告即将截止:{unit} {n} 个项目未报送(截止 {due})",
        ),
        (
            Kind.REPORT_OVERDUE,
            unmet.filter(due_on=yesterday),
            "调度报告逾期未报:{unit} {n} 个项目(截止 {due})",
        ),
    ]
    for kind, rows, title in groups:
        counts = rows.values("project__unit_id", "due_on").annotate(n=Count("pk")).order_by()
        units = Unit.objects.in_bulk({c["project__unit_id"] for c in counts})
        for c in counts:
            unit = units[c["project__unit_id"]]
            told += len(
                notify(
                    unit_people([unit.pk], [Role.OFFICE, Role.OPERATOR]),
                    kind,
                    title.format(unit=unit.name, n=c["n"], due=c["due_on"]),
                    link=f"/dispatch/?unit={unit.pk}",
                    unit=unit,
                    once=True,
                )
            )
    overdue = Problem.objects.filter(
        status__in=OPEN_STATUSES, deadline=yesterday, project__deleted_at__isnull=True
    ).select_related("project", "project__unit", "leader")
    for problem in overdue:
        told += len(
            _tell_of_problem(
                problem,
                Kind.PROBLEM_OVERDUE,
                f"问题逾期:{problem.project.name}(办结时限 {problem.deadline})",
                "已过办结时限,请尽快办结;逾期问题将逐级升级。",
                once=True,
            )
        )
    return f"发出提醒 {told} 条"


@transaction.atomic
def report_obligations_sync(*, year: int, through: dt.date) -> int:
    """Record every report a project owed under its cadence for periods ending by
    ``through`` in ``year`` (idempotent: existing rows are kept); returns rows added."""
    from django.db.models import F

    from gongjian.indicators.models import Campaign
    from gongjian.kit.dates import Period

    from .cadence import due_periods, rows_owed_for, with_cadence
    from .models import ReportObligation

    due_days = {
        c.root_unit.path: c.report_due_days
        for c in Campaign.objects.filter(year=year).select_related("root_unit")
    }

    def due_on(path: str, end: dt.date) -> dt.date:
        matches = [p for p in due_days if path.startswith(p)]
        days = due_days[max(matches, key=len)] if matches else 5
        return end + dt.timedelta(days=days)

    added = 0
    for month in range(1, 13):
        period = Period.month(year, month)
        rows = []
        if period.end > through and period.start > through:
            break

        # skip projects whose obligations for the month are all recorded already
        known = rows_owed_for(ReportObligation, period, F("cadence"))
        pending = (
            with_cadence(Project.objects.all(), period)
            .annotate(known=known)
            .filter(known__lt=F("due_count"))
        )
        for pk, cadence, path in pending.values_list("pk", "cadence", "unit__path"):
            for p in due_periods(cadence, period):
                if p.end <= through:
                    rows.append(
                        ReportObligation(
                            project_id=pk,
                            cadence=cadence,
                            period_start=p.start,
                            period_end=p.end,
                            due_on=due_on(path, p.end),
                        )
                    )
        before = ReportObligation.objects.count()
        ReportObligation.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        added += ReportObligation.objects.count() - before
    return added


@transaction.atomic
@transaction.atomic
def batch_create(*, actor: Actor, unit: Unit, code: str, name: str, kind: str, year: int, **fields):
    """A new 集中开工/签约 event or 重点项目名单 of ``unit`` (its office); projects join it
    by the batch's code in the project sheet or on the project's page."""
    from .models import Batch

    require(actor, Action.MANAGE, unit)
    batch = Batch(unit=unit, code=code.strip(), name=name.strip(), kind=kind, year=year, **fields)
    held_on = fields.get("held_on")
    if held_on is not None and held_on.year != year:
        raise ValidationError({"held_on": f"日期 {held_on} 不在批次年度 {year} 年内"})
    batch.full_clean()
    record_actor(batch, actor)
    batch.save()
    return batch


def batch_update(
    *, actor: Actor, batch, held_on: dt.date | None, place: str, name: str | None = None
):
    """Set a 集中开工/签约 event's date and place (the batch's office only)."""
    require(actor, Action.MANAGE, batch)
    if held_on is not None and held_on.year != batch.year:
        raise ValidationError({"held_on": f"日期 {held_on} 不在批次年度 {batch.year} 年内"})
    batch.held_on = held_on
    batch.place = place.strip()
    if name:
        batch.name = name.strip()
    batch.full_clean()
    batch.save()
    return batch


RULE_FIELDS = ("name", "unit", "tag", "min_total_investment", "is_active", "leader", "department")


def rule_text(rule: EscalationRule) -> str:
    from gongjian.kit.money import format_amount

    parts = []
    if rule.min_total_investment is not None:
        parts.append(f"总投资不低于 {format_amount(rule.min_total_investment, '亿元')}")
    if rule.pk and rule.any_of_tags.exists():
        parts.append("或带有" + "、".join(t.name for t in rule.any_of_tags.all()))
    if not rule.is_active:
        parts.append("已停用")
    return ",".join(parts) or "无条件"


@transaction.atomic
def escalation_rule_save(
    *,
    actor: Actor,
    rule: EscalationRule | None = None,
    any_of_tags: Sequence[Any] | None = None,
    **fields: Any,
) -> EscalationRule:
    """Create or change a 提级 rule and re-apply every rule to the registry at once: the
    projects that now qualify are escalated, those that no longer do go back to local
    management, each move recorded with the rule's change and the actor."""
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError({"__all__": f"提级规则没有字段:{'、'.join(sorted(unknown))}"})
    if rule is not None and rule.pk:  # the stored rule, locked: only ``fields`` change
        rule = EscalationRule.objects.select_for_update().get(pk=rule.pk)
        require(actor, Action.MANAGE, rule)
    rule = rule or EscalationRule()
    before = rule_text(rule) if rule.pk else ""
    for name, value in fields.items():
        setattr(rule, name, value)
    if rule.unit_id is not None:
        require(actor, Action.MANAGE, rule.unit)
    elif not allows(actor, Action.MANAGE, rule):
        raise PermissionDenied("只有攻坚办可以设定提级规则")
    rule.full_clean()
    record_actor(rule, actor)
    rule.save()
    if any_of_tags is not None:
        rule.any_of_tags.set(any_of_tags)
    escalation_rules_reapply(actor=actor, rule=rule, before=before)
    return rule


def escalation_rules_reapply(*, actor: Actor, rule: EscalationRule, before: str = "") -> int:
    """Re-apply every rule after ``rule`` changed (from its page, the admin or a command);
    the events name the rule, what it was and what it is."""
    now = rule_text(rule)
    change = f"{before} → {now}" if before and before != now else now
    return escalation_apply_all(actor=actor, reason=f"提级规则“{rule.name}”调整({change})")


@transaction.atomic
def escalation_rule_set_routing(
    *, actor: Actor, rule: EscalationRule, leader: User | None, department: Unit | None
) -> EscalationRule:
    """Name the city leader and department that take an escalated project's problems, and
    route the open problems of the projects already escalated under the rule."""
    require(actor, Action.MANAGE, rule)
    rule.leader = leader
    rule.department = department
    rule.full_clean()
    record_actor(rule, actor)
    rule.save()
    for project in Project.objects.filter(tags=rule.tag_id):
        _route_problems(project, rule, actor)
    return rule


# --- no lost update, soft delete, report corrections ------------------------------------

REPORT_EDITABLE_FIELDS = (
    "period_end",
    "investment_this_period",
    "cumulative_investment",
    "funds_paid",
    "progress_text",
    "problems_text",
)


def _stale(obj, expected_version: int, what: str, fields: list[str] | None = None) -> ConflictError:
    """The conflict to raise when ``obj`` moved past the version the caller read: names
    who saved it, when, and every field that differs from what the caller opened."""
    from gongjian.kit.history import changes_since_version

    changed, latest = changes_since_version(obj, expected_version)
    latest = cast(Any, latest)
    user = latest.history_user if latest is not None else None
    who = f" {user} " if user is not None else "他人"
    when = timezone.localtime(latest.history_date if latest is not None else timezone.now())
    listed = "、".join(f"{c['label']}({c['before']} → {c['after']})" for c in changed)
    message = (
        f"{what}已被{who}于 {when:%Y-%m-%d %H:%M} 修改,以下字段与您打开时不同:{listed}"
        if listed
        else f"{what}已被{who}于 {when:%Y-%m-%d %H:%M} 修改(版本 {expected_version} → {obj.version})"
    )
    current = model_to_dict(obj, fields=fields) if fields else {}
    return ConflictError(
        message + "。请核对后重新保存",
        current_version=obj.version,
        changes=current,
        changed=changed,
    )


def _require_office(actor: Actor, obj, what: str) -> None:
    """Refuse ``actor`` unless an office over ``obj``'s unit (or the system)."""
    if not allows(actor, Action.MANAGE, obj):
        raise PermissionDenied(f"只有攻坚办可以{what}")


@transaction.atomic
def project_delete(*, actor: Actor, project: Project, reason: str = "") -> Project:
    """Soft delete: the project leaves every list, count, ranking and map, and stays in
    the office's recycle bin (回收站) with its history until ``project_restore``."""
    _require_office(actor, project, "删除项目")
    locked = Project.all_objects.select_for_update().get(pk=project.pk)
    if locked.deleted_at is not None:
        raise ValidationError({"project": f"项目“{locked.name}”已在回收站中"})
    locked.deleted_at = timezone.now()
    locked.deleted_by = actor_user(actor)
    locked.version += 1
    record_actor(locked, actor)
    record_reason(locked, (f"删除:{reason}" if reason else "删除")[:100])
    locked.save(update_fields=["deleted_at", "deleted_by", "version", "updated_at"])
    return locked


@transaction.atomic
def project_restore(*, actor: Actor, project: Project) -> Project:
    """Take a soft-deleted project out of the recycle bin, counting again from now on."""
    _require_office(actor, project, "恢复项目")
    locked = Project.all_objects.select_for_update().get(pk=project.pk)
    if locked.deleted_at is None:
        raise ValidationError({"project": f"项目“{locked.name}”未被删除"})
    locked.deleted_at = None
    locked.deleted_by = None
    locked.version += 1
    record_actor(locked, actor)
    record_reason(locked, "恢复")
    locked.save(update_fields=["deleted_at", "deleted_by", "version", "updated_at"])
    return locked


def _current_report(report: ProgressReport) -> ProgressReport:
    locked = ProgressReport.all_versions.select_for_update().get(pk=report.pk)
    if not locked.is_current:
        raise ValidationError({"report": "该报告已被更正版本取代,请在最新版本上操作"})
    return locked


def _check_funds_paid(project: Project, funds_paid: int | None) -> None:
    if funds_paid is not None and funds_paid > project.total_investment:
        raise ValidationError(
            {"funds_paid": f"累计资金支付 {funds_paid} 元超过总投资 {project.total_investment} 元"}
        )


def _check_report_figures(project: Project, report: ProgressReport) -> ProgressReport | None:
    """Refuse figures that break the project's chain of cumulative investment; returns
    the next period's current report (None when ``report`` is the latest)."""
    _check_funds_paid(project, report.funds_paid)
    if report.period_end < report.period_start:
        raise ValidationError(
            {"period_end": f"期间结束日期 {report.period_end} 早于开始日期 {report.period_start}"}
        )
    current = ProgressReport.objects.filter(project=project)
    earlier = current.filter(period_start__lt=report.period_start).order_by("-period_start").first()
    later = current.filter(period_start__gt=report.period_start).order_by("period_start").first()
    minimum = (earlier.cumulative_investment if earlier else 0) + report.investment_this_period
    if report.cumulative_investment < minimum:
        raise ValidationError(
            {
                "cumulative_investment": f"累计完成投资 {report.cumulative_investment} 元少于上期累计加本期完成投资 {minimum} 元"
            }
        )
    if later is not None and report.cumulative_investment > (
        ceiling := later.cumulative_investment - later.investment_this_period
    ):
        raise ValidationError(
            {
                "cumulative_investment": f"累计完成投资 {report.cumulative_investment} 元超过下一期报告的期初累计 {ceiling} 元"
            }
        )
    if report.cumulative_investment > project.total_investment:
        raise ValidationError(
            {
                "cumulative_investment": f"累计完成投资 {report.cumulative_investment} 元超过总投资 {project.total_investment} 元"
            }
        )
    return later


@transaction.atomic
def progress_report_update(
    *,
    actor: Actor,
    report: ProgressReport,
    expected_version: int | None = None,
    **fields,
) -> ProgressReport:
    """Change a report not yet approved. A stale ``expected_version`` is refused with the
    fields that changed since the caller read it (no lost update)."""
    unknown = set(fields) - set(REPORT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: "该字段不能直接修改" for f in sorted(unknown)})
    project = Project.objects.select_related("unit").get(pk=report.project_id)
    require(actor, Action.CHANGE, project.unit)
    Project.objects.select_for_update().get(pk=project.pk)  # same lock order as submit
    locked = _current_report(report)
    if expected_version is not None and locked.version != expected_version:
        raise _stale(locked, expected_version, "此进度报告", list(fields))
    if locked.status == ProgressReport.Status.APPROVED:
        raise ValidationError({"status": "该期进度已审核,不能再修改;如需更正请提交更正版本"})
    for name, value in fields.items():
        setattr(locked, name, value)
    later = _check_report_figures(project, locked)
    locked.version += 1
    locked.submitted_by = actor_user(actor)
    locked.full_clean()
    record_actor(locked, actor)
    locked.save()
    if later is None:
        project.completed_investment = locked.cumulative_investment
        record_actor(project, actor)
        project.save(update_fields=["completed_investment", "updated_at"])
    return locked


@transaction.atomic
def progress_report_approve(*, actor: Actor, report: ProgressReport) -> ProgressReport:
    """审核: from now on the report is never changed; a correction is a new version."""
    _require_office(actor, report, "审核进度报告")
    locked = _current_report(report)
    if locked.status == ProgressReport.Status.APPROVED:
        raise ValidationError({"status": "该报告已审核"})
    locked.status = ProgressReport.Status.APPROVED
    locked.version += 1
    record_actor(locked, actor)
    locked.save(update_fields=["status", "version"])
    publish(
        Event.REPORT_APPROVED, unit=locked.project.unit, subject=locked, data=_report_data(locked)
    )
    return locked


@transaction.atomic
def progress_report_correct(
    *, actor: Actor, report: ProgressReport, reason: str, **changes
) -> ProgressReport:
    """Correct an approved report: a new report row for the same period supersedes it and
    is the one every list and indicator counts from now on (awaiting approval again). The
    approved row is left exactly as approved, readable, marked as no longer current."""
    unknown = set(changes) - set(REPORT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: "该字段不能更正" for f in sorted(unknown)})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写更正原因"})
    project = Project.objects.select_related("unit").get(pk=report.project_id)
    require(actor, Action.CHANGE, project.unit)
    locked_project = Project.objects.select_for_update().get(pk=project.pk)
    old = _current_report(report)
    if old.status != ProgressReport.Status.APPROVED:
        raise ValidationError({"report": "未审核的报告可直接修改,无需提交更正版本"})
    new = ProgressReport(
        project=locked_project,
        period_start=old.period_start,
        supersedes=old,
        submitted_by=actor_user(actor),
        status=ProgressReport.Status.SUBMITTED,
        photo=old.photo,
        **{name: getattr(old, name) for name in REPORT_EDITABLE_FIELDS},
    )
    for name, value in changes.items():
        setattr(new, name, value)
    if "investment_this_period" in changes and "cumulative_investment" not in changes:
        # the period's own figure moved: the cumulative moves with it
        new.cumulative_investment = (
            old.cumulative_investment - old.investment_this_period + new.investment_this_period
        )
    later = _check_report_figures(locked_project, new)
    old.is_current = False
    record_actor(old, actor)
    record_reason(old, "被更正版本取代")
    old.save(update_fields=["is_current"])
    new.full_clean()
    record_actor(new, actor)
    record_reason(new, f"更正:{reason}"[:100])
    new.save()
    if later is None:
        locked_project.completed_investment = new.cumulative_investment
        record_actor(locked_project, actor)
        locked_project.save(update_fields=["completed_investment", "updated_at"])
    return new


# --- many projects at once (the Excel import) ---------------------------------------

# compared by attname: a foreign key's id, never the related row (no query per row)
COMPARED = [
    cast(Any, Project._meta.get_field(f)).attname
    for f in [*EDITABLE_FIELDS, "stage", *STAGE_DATE_FIELD.values(), "first_event_on"]
]
_FOREIGN_KEYS = {
    f.name: f.attname for f in Project._meta.concrete_fields if f.many_to_one and f.editable
}
# Fields a row always sets, and those it sets when the sheet has the column (an empty
# cell storing the default given here).
_REQUIRED_FIELDS = ("name", "unit", "category", "total_investment")
OPTIONAL_FIELDS = {
    "national_code": None,
    "planned_investment": 0,
    "industry_cluster": "",
    "enterprise_name": "",
    "description": "",
    "latitude": None,
    "longitude": None,
    "responsible_unit": None,
    "leader": None,
    **dict.fromkeys(PLAN_DATE_FIELDS),
}
# Of those, the ones the API's input schema checks (the others are rows already).
_SCHEMA_FIELDS = (
    "national_code",
    "planned_investment",
    "industry_cluster",
    "enterprise_name",
    "description",
    "latitude",
    "longitude",
    *PLAN_DATE_FIELDS,
)
# what replaying stage moves sets on a project (``apply_stage``)
_REPLAYED = ("stage", *STAGE_DATE_FIELD.values(), "first_event_on")
_EVENT_ORDER = {
    s: i for i, s in enumerate([*STAGE_CHAIN[:4], Stage.STALLED, Stage.RESUMED, *STAGE_CHAIN[4:]])
}


def events_in_order(events: list[tuple[str, dt.date]]) -> list[tuple[str, dt.date]]:
    """Stage events in the order they happened (a day's events in the chain's order)."""
    return sorted(events, key=lambda e: (e[1], _EVENT_ORDER[Stage(e[0])]))


@dataclass
class ProjectRow:
    """One project as a bulk write takes it: the fields (``unit``, ``leader``, … as rows),
    its dated stage events, its tags and batches (None: leave as they are) and, when the
    source names one, the stage it expects the events to lead to."""

    code: str
    fields: dict
    events: list[tuple[str, dt.date]]
    tags: list | None = None
    batches: list | None = None
    stage: str | None = None


class ProjectBulk:
    """Many projects created or updated at once (the Excel import), under the same rules
    as ``project_create`` / ``project_update`` / ``project_transition``: the API's input
    schema (``ProjectCreateIn``), the actor's scope, the model's ``full_clean()``, the stage
    moves (``validate_transition``), history and 提级 with the actor. The checks of good rows
    run on predicates derived once (``kit.tabular.imports``); the writes are a bounded
    number of statements per chunk (COPY / multi-row INSERT with their history rows).

    ``columns``: the optional fields the source has (an absent one is left as it is)."""

    def __init__(self, *, actor: Actor, columns: set[str], reason: str = ""):
        from gongjian.kit.tabular.imports import ModelChecker, field_defaults, schema_fast_check

        from .schemas import ProjectCreateIn

        self.actor = actor
        self.reason = reason
        self.today = clock_today()
        self.schema = ProjectCreateIn
        self.schema_ok = schema_fast_check(ProjectCreateIn)
        self.checker = ModelChecker(Project, ["unit", "responsible_unit", "leader"])
        self.defaults = field_defaults(Project)
        self._writable: dict[int, bool] = {}
        # a new project's stage replay by its events: (new events, fields set) or
        # (None, the refusal)
        self._replays: dict[tuple, tuple] = {}
        self.schema_keys = [k for k in _SCHEMA_FIELDS if k in columns]
        self._schema_columns: Any = None
        # whether nothing will be written (a bad row and no "skip bad rows")
        self.refused: Any = lambda: False
        # (field, value of an empty cell, attname when a foreign key)
        self.assigned = [(key, None, _FOREIGN_KEYS.get(key)) for key in _REQUIRED_FIELDS] + [
            (key, default, _FOREIGN_KEYS.get(key))
            for key, default in OPTIONAL_FIELDS.items()
            if key in columns
        ]

    def _can_write(self, unit: Unit) -> bool:
        if unit.pk not in self._writable:
            self._writable[unit.pk] = allows(self.actor, Action.CHANGE, unit)
        return self._writable[unit.pk]

    def existing(self, codes: list[str]) -> tuple[dict[str, Project], set[str]]:
        """The projects holding ``codes``: live ones by code, and the codes of deleted ones.
        They are locked until the import's transaction ends, so a page or API save made
        meanwhile waits and then meets the new version (no lost update either way)."""
        from gongjian.kit.bulk import ids_by_key

        live: dict[str, Project] = {}
        deleted: set[str] = set()
        # which codes are taken at all, in one plain statement: a sheet of new projects
        # then costs no model query (nothing to lock either: a code written meanwhile
        # meets the unique constraint)
        taken = ids_by_key(Project._meta.db_table, "code", codes)
        if not taken:
            return live, deleted
        found_rows = (
            Project.all_objects.filter(pk__in=list(taken.values()))
            .select_related("unit")
            .select_for_update(of=("self",))
        )
        for found in found_rows:
            if found.deleted_at is None:
                live[found.code] = found
            else:
                deleted.add(found.code)
        return live, deleted

    def prepare(self, row: ProjectRow, existing: Project | None) -> tuple[Project, list, bool]:
        """Validate ``row`` into an unsaved (or changed) Project: (project, new events,
        changed). Refuses with a ``ValidationError`` naming the field."""
        f = row.fields
        data = {
            "code": row.code,
            "name": f["name"],
            "unit_id": f["unit"].pk,
            "category": f["category"],
            "total_investment": f["total_investment"],
        }
        for key in self.schema_keys:
            if f.get(key) is not None:
                data[key] = f[key]
        if not self.schema_ok(data):
            self.schema.model_validate(data)  # the API's own input rules and messages
        if not self._can_write(f["unit"]):
            raise ValidationError({"unit": f"无权为“{f['unit']}”导入项目"})
        if existing is not None and not self._can_write(existing.unit):
            raise ValidationError({"code": f"项目编号“{row.code}”已被其他单位的项目使用"})
        if existing is None:
            from gongjian.kit.tabular.imports import new_instance

            project = new_instance(Project, self.defaults)
            project.code = row.code
        else:
            project = existing
        before = {name: getattr(project, name) for name in COMPARED} if existing else None
        for key, empty, fk_attname in self.assigned:
            value = f.get(key)
            if value is None:
                value = empty
            if fk_attname is not None:
                # what the descriptor does for a row already loaded
                project.__dict__[fk_attname] = None if value is None else cast(Any, value).pk
                project._state.fields_cache[key] = value
            else:
                setattr(project, key, value)
        # stage history: replay the dated events the project does not have yet (a new
        # project's replay depends on its events only: done once per distinct set)
        if existing is None:
            new_events = self._replay_new(project, row.events)
        else:
            new_events = self._replay(project, existing, row.events)
        if row.stage and row.stage != project.stage:
            want = Stage(row.stage).label
            raise ValidationError(
                {
                    "stage": f"阶段为“{want}”,但按填写的阶段日期应为“{Stage(project.stage).label}”"
                    f":请填写{want}日期"
                }
            )
        # The foreign keys were resolved from the database already, so their per-row
        # existence queries are skipped; code uniqueness is checked per chunk.
        self.checker.full_clean(project)
        changed = (
            existing is None
            or bool(new_events)
            or any((before or {})[name] != getattr(project, name) for name in COMPARED)
        )
        return project, new_events, changed

    def create_set(self, codes: list[str], columns: dict[str, list], stages: list | None) -> bool:
        """Check and write a chunk of new projects set-wise: ``codes`` (new, distinct,
        free), ``columns`` (field → one value per row, as ``ProjectRow.fields`` holds
        them: ``unit`` as a Unit, a blank cell None), ``stages`` (the stage each row
        names, or None). The same rules as ``prepare`` — the API's input schema, the
        actor's scope, the stage moves, the model's field rules and ``clean()`` — each
        checked over a whole column, the stage moves replayed once per distinct list of
        stage dates; then the projects written by a staged ``INSERT … SELECT``, their
        history rows and stage transitions by ``INSERT … SELECT`` from them. False,
        writing nothing, at any doubt: the rows then go one by one through ``prepare``,
        which says what is wrong."""
        if self._schema_columns is None:
            from gongjian.kit.tabular.imports import (
                history_insert_supported,
                schema_columns_check,
            )

            if not history_insert_supported(Project):
                return False
            self._schema_columns = schema_columns_check(self.schema)
        n = len(codes)
        units = columns["unit"]
        unit_ids = [u.pk for u in units]
        data: dict[str, list] = {
            "code": codes,
            "name": columns["name"],
            "unit_id": unit_ids,
            "category": columns["category"],
            "total_investment": columns["total_investment"],
        }
        for key in self.schema_keys:
            data[key] = columns[key]
        if not self._schema_columns(data):
            return False
        by_pk = dict(zip(unit_ids, units, strict=True))
        if not all(self._can_write(unit) for unit in by_pk.values()):
            return False
        # the model's fields, column by column
        fields: dict[str, object] = {"code": codes}
        for key, empty, fk_attname in self.assigned:
            values = columns[key]
            if fk_attname is not None:
                fields[fk_attname] = [None if v is None else v.pk for v in values]
            elif empty is not None and None in values:
                fields[key] = [empty if v is None else v for v in values]
            else:
                fields[key] = values
        # the stage moves: one replay per distinct list of stage dates
        date_columns = [
            (stage, f"date_{stage}") for stage in _EVENT_ORDER if f"date_{stage}" in columns
        ]
        dated = [(stage, columns[key]) for stage, key in date_columns]
        patterns = list(zip(*(values for _s, values in dated), strict=True)) if dated else []
        from gongjian.kit.tabular.imports import new_instance

        outcomes = {}
        for pattern in set(patterns):
            events = [(stage, day) for (stage, _v), day in zip(dated, pattern, strict=True) if day]
            project = new_instance(Project, self.defaults)
            try:  # the row path's replay, kept per distinct list of events
                done = self._replay_new(project, events)
            except ValidationError:
                return False
            outcomes[pattern] = (done, {name: getattr(project, name) for name in _REPLAYED})
        if patterns:
            rows_outcome = list(map(outcomes.__getitem__, patterns))
            for name in _REPLAYED:
                fields[name] = [o[1][name] for o in rows_outcome]
        got = fields.get("stage")
        if not isinstance(got, list):
            got = [self.defaults["stage"]] * n
        if stages is not None and any(
            want is not None and want != have for want, have in zip(stages, got, strict=True)
        ):
            return False
        if not self.checker.columns_ok(
            {k: v for k, v in fields.items() if isinstance(v, list)}, self.defaults
        ):
            return False
        if self.refused():
            return True  # valid; nothing will be written
        self._write_set(codes, fields, n, [stage for stage, _k in date_columns])
        return True

    def _write_set(self, codes: list[str], fields: dict[str, object], n: int, stages: list) -> None:
        from django.db import connections, router

        from . import stamps

        connection = connections[router.db_for_write(Project)]
        unit_ids = cast(list, fields["unit_id"])
        # the units' stamps drawn once for the chunk, not per project and transition
        written = [Project._meta.db_table, StageTransition._meta.db_table]
        with stamps.drawn_once(set(unit_ids), written, connection):
            self._insert_set(codes, fields, n, stages, connection)

    def _insert_set(self, codes, fields: dict[str, object], n: int, stages: list, connection):
        from django.db.models import F, Value
        from django.db.models.functions import Concat, Substr

        from gongjian.kit.bulk import in_keys, param_sql
        from gongjian.kit.history import REPR_MAX
        from gongjian.kit.tabular.imports import Inserter, history_insert_select

        now = timezone.now()
        inserter = Inserter(Project, now)
        ids = inserter.insert_columns({**fields, "created_at": now, "updated_at": now}, n, "code")
        id_list = [ids[code] for code in codes]
        history_insert_select(
            Project,
            id_list,
            history_type="+",
            actor=self.actor,
            reason=self.reason,
            now=now,
            # str(project), as the single-save history signal writes it
            object_repr=Substr(Concat(F("code"), Value(" "), F("name")), 1, REPR_MAX),
        )
        # every dated stage event of a new project is a transition, in the order the
        # replay made them (by date, a day's events in the chain's order)
        qn = connection.ops.quote_name
        table = qn(Project._meta.db_table)
        pk = qn(cast(Any, Project._meta.pk).column)
        condition, params = in_keys(pk, id_list, connection)
        parts, part_params = [], []
        t = StageTransition._meta
        stage_field, date_field, project_field, note, by, at = (
            cast(Any, t.get_field(name))
            for name in ("stage", "occurred_on", "project", "note", "recorded_by", "recorded_at")
        )
        for stage in stages:
            column = qn(cast(Any, Project._meta.get_field(STAGE_DATE_FIELD[Stage(stage)])).column)
            parts.append(
                f"SELECT {pk} AS p, {param_sql(stage_field, connection)} AS s, "
                f"{column} AS d, {_EVENT_ORDER[Stage(stage)]} AS o FROM {table} "
                f"WHERE {condition} AND {column} IS NOT NULL"
            )
            part_params += [stage, *params]
        if not parts:
            return
        sql = (
            f"INSERT INTO {qn(t.db_table)} ({qn(project_field.column)}, {qn(stage_field.column)}, "
            f"{qn(date_field.column)}, {qn(note.column)}, {qn(by.column)}, {qn(at.column)}) "
            f"SELECT e.p, e.s, e.d, {param_sql(note, connection)}, {param_sql(by, connection)}, "
            f"{param_sql(at, connection)} FROM ({' UNION ALL '.join(parts)}) e "
            "ORDER BY e.p, e.d, e.o"
        )
        values = [
            self.reason[:200],
            getattr(self.actor, "pk", None),
            at.get_db_prep_save(now, connection),
        ]
        with connection.cursor() as cur:
            cur.execute(sql, [*values, *part_params])

    def _replay_new(self, project: Project, events: list) -> list:
        """``_replay`` of a new project (every field at its default): its outcome — the
        fields the moves set, or the refusal — kept per distinct list of events."""
        key = tuple(sorted(events))
        hit = self._replays.get(key)
        if hit is None:
            before = {name: getattr(project, name) for name in _REPLAYED}
            try:
                done = self._replay(project, None, events)
            except ValidationError as exc:
                hit = (None, exc.message_dict)
            else:
                changed = {n: getattr(project, n) for n in _REPLAYED}
                changed = {n: v for n, v in changed.items() if v != before[n]}
                hit = (done, changed)
            if len(self._replays) < 10000:
                self._replays[key] = hit
            if hit[0] is None:
                raise ValidationError(hit[1])
            return list(hit[0])
        done, outcome = hit
        if done is None:
            raise ValidationError(outcome)
        project.__dict__.update(outcome)
        return list(done)

    def _replay(self, project: Project, existing: Project | None, events: list) -> list:
        """Apply the dated ``events`` ``existing`` does not have yet to ``project``, in the
        order they happened, each move under ``validate_transition``: the new events."""
        new_events = []
        last = None
        if existing is not None:
            dates = [
                getattr(existing, d) for d in STAGE_DATE_FIELD.values() if getattr(existing, d)
            ]
            last = max(dates) if dates else None
        for stage, day in events_in_order(events):
            date_field = STAGE_DATE_FIELD[Stage(stage)]
            current = getattr(project, date_field) if existing is not None else None
            if current == day:
                continue
            if current is not None and current > day:
                raise ValidationError(
                    {date_field: f"与已登记的 {current} 不一致:阶段日期请在项目页登记变更"}
                )
            try:
                validate_transition(project, stage, day, last, today=self.today)
            except ValidationError as exc:
                msgs = exc.message_dict.get("stage", []) + exc.message_dict.get("occurred_on", [])
                raise ValidationError({date_field: msgs}) from None
            apply_stage(project, stage, day)
            new_events.append((stage, day))
            last = day
        return new_events

    def write(self, creates: list[Project], updates: list[Project], links: list) -> None:
        """Write one chunk: new projects, changed projects, a history row for each (who,
        when, why, every field as it now is), their new stage transitions and their links
        (``links``: ``(project, events, tags, batches)``)."""
        from gongjian.kit.bulk import ids_by_key
        from gongjian.kit.tabular.imports import ATTR, Inserter, history_rows

        actor, reason = self.actor, self.reason
        now = timezone.now()
        if creates:
            for project in creates:
                project.created_at = project.updated_at = now
            inserter = Inserter(Project, now)
            make = inserter.row_maker({f.attname: ATTR for f in inserter.fields})
            inserter.insert([make(p) for p in creates])
            ids = ids_by_key(Project._meta.db_table, "code", [p.code for p in creates])
            for project in creates:
                project.id = ids[project.code]
                project._state.adding = False
                project._state.db = inserter.connection.alias
            history_rows(Project, creates, history_type="+", actor=actor, reason=reason, now=now)
        if updates:
            for project in updates:
                project.version += 1
                project.updated_at = now
            Project.objects.bulk_update(
                updates,
                fields=[
                    *EDITABLE_FIELDS,
                    "stage",
                    *STAGE_DATE_FIELD.values(),
                    "first_event_on",
                    "version",
                    "updated_at",
                ],
                batch_size=1000,
            )
            history_rows(Project, updates, history_type="~", actor=actor, reason=reason, now=now)
        inserter = Inserter(StageTransition, now)
        make = inserter.row_maker(
            {
                "project_id": operator.itemgetter(0),
                "stage": operator.itemgetter(1),
                "occurred_on": operator.itemgetter(2),
                "note": reason[:200],
                "recorded_by_id": getattr(actor, "pk", None),
            }
        )
        inserter.insert(
            [make((p.pk, stage, day)) for p, events, _t, _b in links for stage, day in events]
        )
        tag_sets = {p.pk: {t.pk for t in tags} for p, _e, tags, _b in links if tags is not None}
        batch_sets = {p.pk: {b.pk for b in bs} for p, _e, _t, bs in links if bs is not None}
        _set_links(Project.tags.through, "project_id", "tag_id", tag_sets)
        _set_links(Project.batches.through, "project_id", "batch_id", batch_sets)

    def finish(self) -> None:
        """After the last chunk: the 提级 rules over the registry, moved by the actor."""
        escalation_apply_all(actor=self.actor)


def _set_links(through, owner_field: str, other_field: str, wanted: dict[int, set[int]]):
    """Make each project's links exactly ``wanted[project_id]``; returns projects changed."""
    if not wanted:
        return set()
    have: dict[int, set[int]] = {pk: set() for pk in wanted}
    for pid, oid in through.objects.filter(**{f"{owner_field}__in": list(wanted)}).values_list(
        owner_field, other_field
    ):
        have[pid].add(oid)
    remove = [(pid, oid) for pid, oids in have.items() for oid in oids - wanted[pid]]
    add = [(pid, oid) for pid, oids in wanted.items() for oid in oids - have[pid]]
    for pid, oid in remove:
        through.objects.filter(**{owner_field: pid, other_field: oid}).delete()
    through.objects.bulk_create(
        [through(**{owner_field: pid, other_field: oid}) for pid, oid in add], batch_size=1000
    )
    return {pid for pid, _ in remove} | {pid for pid, _ in add}


# --- 双高 cadence: the rules ------------------------------------------------------------

CADENCE_RULE_FIELDS = ("name", "unit", "cadence", "tag", "stage", "priority", "valid_from")


def _require_rule_manager(actor: Actor, unit: Unit | None) -> None:
    """A rule of a city is managed by that city's office; a rule without a unit (it
    applies everywhere) by the office of a top unit (or the system)."""
    from gongjian.kit.scope import manages_shared

    if unit is None:
        if not manages_shared(actor):
            raise PermissionDenied("只有攻坚办可以设置调度频次规则")
        return
    require(actor, Action.MANAGE, unit)


def _resync_obligations() -> None:
    """Record at once the reports owed under the rules as they now stand (the daily job
    would otherwise do it on its next run)."""
    day = clock_today()
    report_obligations_sync(year=day.year, through=day)


@transaction.atomic
def cadence_rule_save(*, actor: Actor, rule=None, **fields):
    """Create a 调度频次 rule or change one (its office: MANAGE on its unit, before and
    after the change), then bring the report obligations up to date."""
    from .models import CadenceRule

    if rule is None:
        rule = CadenceRule()
    else:
        _require_rule_manager(actor, rule.unit)
    unknown = set(fields) - {*CADENCE_RULE_FIELDS, "is_active"}
    if unknown:
        raise ValidationError({"__all__": f"不能修改的字段:{'、'.join(sorted(unknown))}"})
    for name, value in fields.items():
        setattr(rule, name, value)
    _require_rule_manager(actor, rule.unit)
    rule.full_clean()
    record_actor(rule, actor)
    rule.save()
    _resync_obligations()
    return rule


@transaction.atomic
def cadence_rule_delete(*, actor: Actor, rule) -> None:
    """Delete a 调度频次 rule (its office); the deletion is recorded with its author. The
    reports already owed under it stay owed."""
    _require_rule_manager(actor, rule.unit)
    record_actor(rule, actor)
    rule.delete()
