"""Every write to the project registry.

Each service is keyword-only, runs in one transaction, validates with
``full_clean()`` before saving and records who changed what through
django-simple-history (``_history_user``).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from gongjian.common.errors import ConflictError
from gongjian.units.models import Unit, User
from gongjian.units.selectors import can_write_unit

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

EDITABLE_FIELDS = (
    "name",
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
)


def _require_write(actor: User | None, unit: Unit) -> None:
    if actor is not None and not can_write_unit(actor, unit):
        raise PermissionDenied(f"无权修改“{unit}”的数据")


def _stage_label(stage: str) -> str:
    return Stage(stage).label


def validate_transition(
    project: Project,
    to_stage: str,
    on_date: dt.date,
    last_date: dt.date | None,
    today: dt.date | None = None,
) -> None:
    """Refuse an impossible stage move with a Chinese message; change nothing."""
    today = today or timezone.localdate()
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


def _apply_stage(project: Project, stage: str, on_date: dt.date) -> None:
    project.stage = stage
    field = STAGE_DATE_FIELD.get(Stage(stage))
    if field:
        setattr(project, field, on_date)
    if stage in (Stage.SIGNED, Stage.LANDED, Stage.STARTED, Stage.RESUMED) and (
        project.first_event_on is None or on_date < project.first_event_on
    ):
        project.first_event_on = on_date


def escalation_tags(project: Project) -> tuple[set[int], set[int]]:
    """(tags the 提级 rules add, tags the rules govern) for a saved project."""
    governed, matched = set(), set()
    tag_ids = set(project.tags.values_list("pk", flat=True))
    for rule in EscalationRule.objects.filter(is_active=True).prefetch_related("any_of_tags"):
        governed.add(rule.tag_id)
        by_amount = (
            rule.min_total_investment is not None
            and project.total_investment >= rule.min_total_investment
        )
        by_tag = bool(tag_ids & {t.pk for t in rule.any_of_tags.all()})
        if by_amount or by_tag:
            matched.add(rule.tag_id)
    return matched, governed


@transaction.atomic
def escalation_apply_all() -> int:
    """Re-apply every 提级 rule to the whole registry in a few set-based queries;
    returns how many projects carry an escalation tag afterwards."""
    through = Project.tags.through
    tagged = 0
    rules = list(EscalationRule.objects.filter(is_active=True).prefetch_related("any_of_tags"))
    for tag_id in {r.tag_id for r in rules}:
        match = Project.objects.none()
        for rule in (r for r in rules if r.tag_id == tag_id):
            if rule.min_total_investment is not None:
                match = match | Project.objects.filter(
                    total_investment__gte=rule.min_total_investment
                )
            any_tags = [t.pk for t in rule.any_of_tags.all()]
            if any_tags:
                match = match | Project.objects.filter(tags__in=any_tags)
        wanted = set(match.values_list("pk", flat=True))
        have = set(through.objects.filter(tag_id=tag_id).values_list("project_id", flat=True))
        through.objects.filter(tag_id=tag_id, project_id__in=have - wanted).delete()
        through.objects.bulk_create(
            [through(project_id=pk, tag_id=tag_id) for pk in wanted - have], batch_size=1000
        )
        tagged += len(wanted)
    return tagged


def project_apply_escalation(*, project: Project) -> None:
    matched, governed = escalation_tags(project)
    current = set(project.tags.values_list("pk", flat=True))
    to_add = matched - current
    to_remove = (governed - matched) & current
    if to_add:
        project.tags.add(*to_add)
    if to_remove:
        project.tags.remove(*to_remove)


@transaction.atomic
def project_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    unit: Unit,
    category: str,
    total_investment: int,
    stage_events: list[tuple[str, dt.date]] = (),
    tags=(),
    batches=(),
    **fields,
) -> Project:
    """Create a project; ``stage_events`` replays its history (e.g. signed, landed)."""
    _require_write(actor, unit)
    project = Project(
        code=code,
        name=name,
        unit=unit,
        category=category,
        total_investment=total_investment,
        **fields,
    )
    project.full_clean()
    project._history_user = actor
    project.save()
    if tags:
        project.tags.set(tags)
    if batches:
        project.batches.set(batches)
    for stage, on_date in stage_events:
        project_transition(actor=actor, project=project, to_stage=stage, on_date=on_date)
    project_apply_escalation(project=project)
    return project


@transaction.atomic
def project_update(
    *, actor: User | None, project: Project, expected_version: int | None = None, **fields
) -> Project:
    """Change editable fields; refuses a stale ``expected_version`` (no lost update)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: "该字段不能直接修改" for f in sorted(unknown)})
    _require_write(actor, project.unit)
    if "unit" in fields:
        _require_write(actor, fields["unit"])
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if expected_version is not None and locked.version != expected_version:
        before = model_to_dict(locked, fields=list(fields))
        raise ConflictError(
            f"项目“{locked.name}”已被他人修改(当前版本 {locked.version},您编辑的是版本 {expected_version}),请刷新后再保存",
            current_version=locked.version,
            changes={k: v for k, v in before.items()},
        )
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.version += 1
    locked._history_user = actor
    locked.save()
    locked.refresh_from_db()
    project_apply_escalation(project=locked)
    return locked


@transaction.atomic
def project_transition(
    *, actor: User | None, project: Project, to_stage: str, on_date: dt.date, note: str = ""
) -> StageTransition:
    """Move a project to ``to_stage`` on ``on_date``, recording the history."""
    _require_write(actor, project.unit)
    locked = Project.objects.select_for_update().get(pk=project.pk)
    validate_transition(locked, to_stage, on_date, _last_transition_date(locked))
    transition = StageTransition(
        project=locked, stage=to_stage, occurred_on=on_date, note=note, recorded_by=actor
    )
    transition.full_clean()
    transition.save()
    _apply_stage(locked, to_stage, on_date)
    locked.version += 1
    locked._history_user = actor
    locked.save()
    locked.refresh_from_db()
    project.__dict__.update(
        {
            k: getattr(locked, k)
            for k in ("stage", "version", "first_event_on", *STAGE_DATE_FIELD.values())
        }
    )
    return transition


@transaction.atomic
def progress_report_submit(
    *,
    actor: User | None,
    project: Project,
    period_start: dt.date,
    period_end: dt.date,
    investment_this_period: int,
    cumulative_investment: int | None = None,
    progress_text: str = "",
    problems_text: str = "",
) -> ProgressReport:
    """Submit (or, until approved, replace) a project's report for a period.

    ``cumulative_investment`` (自开工累计) defaults to the previous report's cumulative
    plus this period; for a project's first report, to what it had completed before.
    """
    _require_write(actor, project.unit)
    if period_end < period_start:
        raise ValidationError(
            {"period_end": f"期间结束日期 {period_end} 早于开始日期 {period_start}"}
        )
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if locked.stage == Stage.PLANNED:
        raise ValidationError({"project": f"项目“{locked.name}”尚处于谋划阶段,无需报送进度"})
    reports = ProgressReport.objects.filter(project=locked)
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
    report = report or ProgressReport(project=locked, period_start=period_start)
    report.period_end = period_end
    report.investment_this_period = investment_this_period
    report.cumulative_investment = cumulative_investment
    report.progress_text = progress_text
    report.problems_text = problems_text
    report.submitted_by = actor
    report.full_clean()
    report._history_user = actor
    report.save()
    locked.completed_investment = cumulative_investment
    locked._history_user = actor
    locked.save(update_fields=["completed_investment", "updated_at"])
    return report


PROBLEM_FLOW = {
    Problem.Status.OPEN: {Problem.Status.ASSIGNED},
    Problem.Status.ASSIGNED: {Problem.Status.RESOLVED},
    Problem.Status.RESOLVED: {Problem.Status.VERIFIED, Problem.Status.ASSIGNED},
    Problem.Status.VERIFIED: set(),
}


@transaction.atomic
def problem_create(
    *,
    actor: User | None,
    project: Project,
    kind: str,
    description: str,
    raised_on: dt.date,
    deadline: dt.date | None = None,
    owner_unit: Unit | None = None,
    leader: User | None = None,
) -> Problem:
    _require_write(actor, project.unit)
    problem = Problem(
        project=project,
        kind=kind,
        description=description,
        raised_on=raised_on,
        deadline=deadline,
        owner_unit=owner_unit,
        leader=leader or project.leader,
    )
    if deadline and deadline < raised_on:
        raise ValidationError({"deadline": f"办结时限 {deadline} 早于提出日期 {raised_on}"})
    problem.full_clean()
    problem._history_user = actor
    problem.save()
    return problem


@transaction.atomic
def problem_transition(
    *,
    actor: User | None,
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
        if actor is not None and not (
            actor == locked.leader
            or can_write_unit(actor, locked.project.unit.parent or locked.project.unit)
        ):
            raise PermissionDenied("只有包保领导或上级单位可以销号")
    elif actor is not None and not (
        actor == locked.leader or can_write_unit(actor, locked.project.unit)
    ):
        raise PermissionDenied(f"无权处理项目“{locked.project.name}”的问题")
    if target == Problem.Status.ASSIGNED and owner_unit is not None:
        locked.owner_unit = owner_unit
    if target == Problem.Status.RESOLVED:
        locked.resolved_on = on_date
    if target == Problem.Status.VERIFIED:
        locked.verified_on = on_date
    if comment:
        stamp = f"[{on_date} {target.label}{' ' + str(actor) if actor else ''}] {comment}"
        locked.resolution = f"{locked.resolution}\n{stamp}".strip()
    locked.status = target
    locked.full_clean()
    locked._history_user = actor
    locked.save()
    return locked


__all__ = [
    "STAGE_CHAIN",
    "project_create",
    "project_update",
    "project_transition",
    "progress_report_submit",
    "problem_create",
    "problem_transition",
    "validate_transition",
]


@transaction.atomic
def problem_act(
    *,
    actor: User | None,
    problem: Problem,
    to_status: str = "",
    comment: str = "",
    on_date: dt.date | None = None,
    owner_unit: Unit | None = None,
) -> Problem:
    """One step of the 包保 trail: move the problem (交办/解决/销号/退回) and/or comment.

    Every step is kept as a ``ProblemComment`` (who, when, what) next to the history."""
    from .models import ProblemComment

    on_date = on_date or timezone.localdate()
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
    elif actor is not None and not (
        actor == problem.leader or can_write_unit(actor, problem.project.unit)
    ):
        raise PermissionDenied(f"无权处理项目“{problem.project.name}”的问题")
    entry = ProblemComment(problem=problem, author=actor, status=to_status, text=comment)
    entry.full_clean()
    entry.save()
    return problem


@transaction.atomic
def progress_report_attach_photo(*, actor: User | None, report: ProgressReport, photo) -> None:
    """Attach (or replace) the site photo of a progress report."""
    _require_write(actor, report.project.unit)
    report.photo = photo
    report.full_clean()
    report._history_user = actor
    report.save()
