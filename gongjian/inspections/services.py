"""Every write for 拉练: scoring forms, tours, nominations, panel sheets, closing a tour.

Keyword-only, one transaction each, ``full_clean()`` before ``save()``, the
actor recorded through django-simple-history (``_history_user``). Bad input
raises ``ValidationError`` with a Chinese message naming the row or field, and
nothing is changed.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from gongjian.kit.history import actor_user, record_actor
from gongjian.kit.scope import Action, allows, require
from gongjian.projects.models import Project, Stage
from gongjian.units.models import Actor, Unit, User
from gongjian.units.selectors import top_unit

from .models import Criterion, Mark, ScoreForm, Sheet, Stop, Tour, UnitResult
from .selectors import is_panel_member, num, tour_results


def _office_unit(actor: Actor, unit: Unit | None) -> Unit:
    """The unit a new form or tour belongs to (default: the top unit the actor is the
    office of); refuses an actor who is not its office."""
    unit = unit or top_unit(cast(User, actor), Action.MANAGE)
    if unit is None:
        raise PermissionDenied("只有攻坚办可以进行此操作")
    require(actor, Action.MANAGE, unit)
    return unit


def _save(obj, actor) -> None:
    obj.full_clean()
    record_actor(obj, actor)
    obj.save()


def _decimal(text: str, row: int, column: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValidationError({"criteria": f"第 {row} 行,{column}:“{text}”不是数字"}) from None
    if not value.is_finite():
        raise ValidationError({"criteria": f"第 {row} 行,{column}:“{text}”不是数字"})
    return value


def parse_criteria(text: str) -> list[dict]:
    """Criteria written one per line as ``名称,权重,最高分[,最低分]`` (Chinese or ASCII
    commas, or tabs pasted from Excel)."""
    rows: list[dict] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split(r"[,,\t]", line)]
        if len(parts) not in (3, 4) or not parts[0]:
            raise ValidationError(
                {
                    "criteria": f"第 {number} 行:应为“名称,权重,最高分[,最低分]”,实际为“{line.strip()}”"
                }
            )
        weight = _decimal(parts[1], number, "权重")
        top = _decimal(parts[2], number, "最高分")
        low = _decimal(parts[3], number, "最低分") if len(parts) == 4 else Decimal(0)
        if weight <= 0:
            raise ValidationError({"criteria": f"第 {number} 行,权重:须大于 0"})
        if top <= low:
            raise ValidationError({"criteria": f"第 {number} 行,最高分:须大于最低分 {num(low)}"})
        if any(r["name"] == parts[0] for r in rows):
            raise ValidationError({"criteria": f"第 {number} 行,名称:“{parts[0]}”重复"})
        rows.append({"name": parts[0], "weight": weight, "max_score": top, "min_score": low})
    if not rows:
        raise ValidationError({"criteria": "评分表至少要有一个评分项"})
    return rows


@transaction.atomic
def score_form_create(
    *,
    actor: Actor,
    name: str,
    criteria_text: str,
    description: str = "",
    unit: Unit | None = None,
) -> ScoreForm:
    unit = _office_unit(actor, unit)
    rows = parse_criteria(criteria_text)
    form = ScoreForm(name=name.strip(), description=description.strip(), unit=unit)
    _save(form, actor)
    for order, row in enumerate(rows, start=1):
        _save(Criterion(form=form, sort_order=order, **row), actor)
    return form


@transaction.atomic
def tour_create(
    *,
    actor: Actor,
    name: str,
    year: int,
    quarter: int,
    starts_on: dt.date,
    ends_on: dt.date,
    form: ScoreForm,
    route: str = "",
    panel: list[User] | None = None,
    unit: Unit | None = None,
    weight: int = 1,
) -> Tour:
    """A tour of the year; ``weight`` is its share when a unit's score over the year's
    tours is averaged."""
    unit = _office_unit(actor, unit)
    if not allows(actor, Action.VIEW, form):
        raise ValidationError({"form": f"评分表“{form}”不属于“{unit}”"})
    tour = Tour(
        unit=unit,
        name=name.strip(),
        year=year,
        quarter=quarter,
        starts_on=starts_on,
        ends_on=ends_on,
        form=form,
        route=route.strip(),
        weight=weight,
    )
    _save(tour, actor)
    if panel:
        tour.panel.set(panel)
    return tour


@transaction.atomic
def tour_set_panel(*, actor: Actor, tour: Tour, members: list[User]) -> Tour:
    require(actor, Action.MANAGE, tour)
    if tour.status == Tour.Status.CLOSED:
        raise ValidationError({"panel": "拉练已结束,不能再调整评分组"})
    record_actor(tour, actor)
    tour.panel.set(members)
    return tour


@transaction.atomic
def stop_add(
    *,
    actor: Actor,
    tour: Tour,
    project: Project,
    kind: str = Stop.Kind.OTHER,
    visit_order: int | None = None,
) -> Stop:
    """A unit nominates one of its projects (the office may add any project)."""
    tour = Tour.objects.select_for_update().get(pk=tour.pk)
    if not allows(actor, Action.CHANGE, project.unit):
        raise PermissionDenied(f"无权推荐“{project.unit}”的项目")
    if tour.status == Tour.Status.CLOSED or (
        tour.status == Tour.Status.SCORING and not allows(actor, Action.MANAGE, tour)
    ):
        raise ValidationError(
            {"project": f"“{tour.name}”已{tour.get_status_display()},不能再推荐项目"}
        )
    if project.stage == Stage.PLANNED:
        raise ValidationError({"project": f"“{project.name}”尚在谋划阶段,不能作为观摩项目"})
    if Stop.objects.filter(tour=tour, project=project).exists():
        raise ValidationError({"project": f"“{project.name}”已在本次拉练观摩名单中"})
    if visit_order is None:
        visit_order = Stop.objects.filter(tour=tour).count() + 1
    stop = Stop(
        tour=tour,
        project=project,
        unit=project.unit,
        kind=kind,
        visit_order=visit_order,
        nominated_by=actor_user(actor),
    )
    _save(stop, actor)
    return stop


@transaction.atomic
def stop_remove(*, actor: Actor, stop: Stop) -> None:
    if not allows(actor, Action.CHANGE, stop.project.unit):
        raise PermissionDenied(f"无权调整“{stop.project.unit}”的观摩项目")
    if stop.tour.status != Tour.Status.PLANNING:
        raise ValidationError({"project": "拉练已开始评分,不能再撤下观摩项目"})
    if stop.sheets.exists():
        raise ValidationError({"project": "该项目已有评分,不能撤下"})
    record_actor(stop, actor)
    stop.delete()


@transaction.atomic
def tour_start_scoring(*, actor: Actor, tour: Tour) -> Tour:
    require(actor, Action.MANAGE, tour)
    tour = Tour.objects.select_for_update().get(pk=tour.pk)
    if tour.status != Tour.Status.PLANNING:
        raise ValidationError({"status": f"拉练当前为“{tour.get_status_display()}”,不能开始评分"})
    if not tour.stops.exists():
        raise ValidationError({"status": "还没有观摩项目"})
    if not tour.panel.exists():
        raise ValidationError({"status": "还没有评分组成员"})
    if not tour.form.criteria.exists():
        raise ValidationError({"status": f"评分表“{tour.form}”没有评分项"})
    tour.status = Tour.Status.SCORING
    _save(tour, actor)
    return tour


@transaction.atomic
def sheet_save(
    *,
    actor: User,
    stop: Stop,
    values: dict[int, Decimal | None],
    comment: str = "",
    submit: bool = False,
) -> Sheet:
    """A panel member saves (draft) or submits their sheet for one stop.

    A draft may leave criteria empty; a submitted sheet needs every criterion.
    Until the tour closes the member may correct and resubmit."""
    tour = Tour.objects.select_for_update().get(pk=stop.tour_id)
    if not is_panel_member(actor, tour):
        raise PermissionDenied("您不是本次拉练的评分组成员")
    if tour.status != Tour.Status.SCORING:
        raise ValidationError({"status": f"拉练当前为“{tour.get_status_display()}”,不能评分"})
    criteria = list(tour.form.criteria.all())
    known = {c.pk for c in criteria}
    unknown = set(values) - known
    if unknown:
        raise ValidationError({"values": "评分项不属于本次拉练的评分表"})
    errors: list[str] = []
    for c in criteria:
        value = values.get(c.pk)
        if value is None:
            if submit:
                errors.append(f"“{c.name}”未打分")
        elif not (c.min_score <= value <= c.max_score):
            errors.append(f"“{c.name}”的得分须在 {num(c.min_score)} 到 {num(c.max_score)} 之间")
    if errors:
        raise ValidationError({"values": errors})
    sheet, _ = Sheet.objects.get_or_create(stop=stop, member=actor)
    sheet.comment = comment.strip()
    if submit:
        sheet.status = Sheet.Status.SUBMITTED
        sheet.submitted_at = timezone.now()
    _save(sheet, actor)
    existing = {m.criterion_id: m for m in sheet.marks.all()}
    for c in criteria:
        value = values.get(c.pk)
        mark = existing.get(c.pk)
        if value is None:
            if mark is not None:
                record_actor(mark, actor)
                mark.delete()
            continue
        if mark is None:
            mark = Mark(sheet=sheet, criterion=c, value=value)
        elif mark.value == value:
            continue
        mark.value = value
        _save(mark, actor)
    return sheet


@transaction.atomic
def tour_close(*, actor: Actor, tour: Tour) -> list[UnitResult]:
    """End scoring and keep each unit's result (score, rank) for the indicator engine."""
    require(actor, Action.MANAGE, tour)
    tour = Tour.objects.select_for_update().get(pk=tour.pk)
    if tour.status != Tour.Status.SCORING:
        raise ValidationError({"status": f"拉练当前为“{tour.get_status_display()}”,不能结束"})
    results = tour_results(tour)
    if not results.submitted:
        raise ValidationError({"status": "还没有提交的评分,不能结束拉练"})
    tour.status = Tour.Status.CLOSED
    _save(tour, actor)
    UnitResult.objects.filter(tour=tour).delete()
    kept = []
    for row in results.units:
        if row.score is None or row.rank is None:
            continue
        result = UnitResult(
            tour=tour,
            unit=row.unit,
            held_on=tour.ends_on,
            score_centi=int(row.score * 100),
            project_count=sum(1 for s in row.stops if s.score is not None),
            rank=row.rank,
        )
        result.full_clean()
        result.save()
        kept.append(result)
    return kept
