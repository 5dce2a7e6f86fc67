"""Every write to appeals: intake, the handling loop, categories and the calendar.

Each function is keyword-only, runs in one transaction, ``full_clean()``s before saving,
records the acting user in the history and adds an ``AppealStep`` for every move. A move
the loop does not allow, or one by a user of the wrong unit, is refused with a Chinese
message and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from gongjian.enterprises.models import Enterprise
from gongjian.kit.history import actor_user, record_actor
from gongjian.kit.scope import Action, allows, manages_shared
from gongjian.notices.models import Event, Kind
from gongjian.notices.services import notify, publish, unit_people
from gongjian.projects.models import Project
from gongjian.units.models import Actor, Role, Unit, User

from .models import (
    Appeal,
    AppealCategory,
    AppealStep,
    AppellantKind,
    CalendarDay,
    Channel,
    Satisfaction,
    Status,
)
from .workdays import WorkCalendar, official_is_working_day

A = AppealStep.Action
INTAKE, HANDLER = "intake", "handler"


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    target: str
    side: str  # which unit acts: the 12345 centre (intake) or the responsible unit


MOVES: dict[str, Move] = {
    A.DISPATCH: Move((Status.RECEIVED,), Status.DISPATCHED, INTAKE),
    A.SIGN: Move((Status.DISPATCHED,), Status.SIGNED, HANDLER),
    A.RETURN: Move((Status.DISPATCHED, Status.SIGNED), Status.RECEIVED, HANDLER),
    A.TRANSFER: Move(
        (Status.DISPATCHED, Status.SIGNED, Status.HANDLING), Status.DISPATCHED, INTAKE
    ),
    A.HANDLE: Move((Status.SIGNED,), Status.HANDLING, HANDLER),
    A.REPLY: Move((Status.SIGNED, Status.HANDLING), Status.REPLIED, HANDLER),
    A.VISIT: Move((Status.REPLIED,), Status.VISITED, INTAKE),
    A.CLOSE: Move((Status.VISITED,), Status.CLOSED, INTAKE),
    A.REOPEN: Move((Status.VISITED, Status.CLOSED), Status.DISPATCHED, INTAKE),
}


def allowed_actions(appeal: Appeal, user: User | None = None) -> list[str]:
    """The moves open to ``appeal`` now (and to ``user``, when given)."""
    out = []
    for action, move in MOVES.items():
        if appeal.status not in move.sources:
            continue
        if user is not None and not _may(user, appeal, move.side):
            continue
        out.append(action)
    return out


def _may(user: Actor, appeal: Appeal, side: str) -> bool:
    unit = appeal.intake_unit if side == INTAKE else appeal.unit
    return allows(user, Action.CHANGE, unit)


def _local_date(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date()


def _step(appeal, action, from_status, actor, at, note="") -> AppealStep:
    step = AppealStep(
        appeal=appeal,
        action=action,
        from_status=from_status,
        to_status=appeal.status,
        unit=appeal.unit,
        actor=actor_user(actor),
        at=at,
        note=note,
    )
    step.full_clean()
    step.save()
    return step


def _save(appeal: Appeal, actor: Actor) -> None:
    appeal.full_clean()
    record_actor(appeal, actor)
    appeal.save()


@transaction.atomic
def appeal_receive(
    *,
    actor: Actor,
    intake_unit: Unit,
    category: AppealCategory,
    title: str,
    content: str,
    channel: str = Channel.HOTLINE,
    appellant_kind: str = AppellantKind.CITIZEN,
    appellant_name: str = "",
    phone: str = "",
    email: str = "",
    enterprise: Enterprise | None = None,
    project: Project | None = None,
    address: str = "",
    latitude=None,
    longitude=None,
    received_at: dt.datetime | None = None,
    external_id: str = "",
    calendar: WorkCalendar | None = None,
) -> Appeal:
    """受理: register an appeal at the 12345 centre ``intake_unit``; its deadline is the
    category's working days after the day it came in."""
    if not allows(actor, Action.CHANGE, intake_unit):
        raise PermissionDenied(f"无权在“{intake_unit}”受理诉求")
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"received_at": "受理时间不能晚于当前时间"})
    if not category.is_active:
        raise ValidationError({"category": f"诉求类别“{category}”已停用"})
    if enterprise is not None and appellant_kind != AppellantKind.ENTERPRISE:
        appellant_kind = AppellantKind.ENTERPRISE
    calendar = calendar or WorkCalendar.load()
    received_on = _local_date(received_at)
    appeal = Appeal(
        number=f"tmp-{uuid.uuid4().hex[:20]}",
        channel=channel,
        appellant_kind=appellant_kind,
        appellant_name=appellant_name,
        phone=phone,
        email=email,
        enterprise=enterprise,
        project=project,
        category=category,
        title=title,
        content=content,
        address=address,
        latitude=latitude,
        longitude=longitude,
        intake_unit=intake_unit,
        unit=intake_unit,
        status=Status.RECEIVED,
        received_at=received_at,
        received_on=received_on,
        due_on=calendar.add_working_days(received_on, category.sla_days),
        external_id=external_id,
    )
    _save(appeal, actor)
    appeal.number = f"{received_on:%Y%m%d}{appeal.pk:07d}"
    _save(appeal, actor)
    _step(appeal, A.RECEIVE, "", actor, received_at)
    return appeal


def suggested_unit(category: AppealCategory) -> Unit | None:
    """The unit the category usually goes to (派单 suggestion)."""
    return category.default_unit


@transaction.atomic
def appeal_transition(
    *,
    actor: Actor,
    appeal: Appeal,
    action: str,
    at: dt.datetime | None = None,
    unit: Unit | None = None,
    note: str = "",
    reply: str = "",
    satisfaction: str = "",
    calendar: WorkCalendar | None = None,
) -> Appeal:
    """Move ``appeal`` one step of the loop; refuses a move the loop does not allow from
    its current status, by a user of the wrong unit, or back in time."""
    appeal = (
        Appeal.objects.select_for_update()
        .select_related("intake_unit", "unit", "category")
        .get(pk=appeal.pk)
    )
    move = MOVES.get(action)
    label = dict(A.choices).get(action, action)
    if move is None:
        raise ValidationError({"action": f"未知的办理环节“{action}”"})
    if appeal.status not in move.sources:
        allowed = "、".join(str(A(a).label) for a in allowed_actions(appeal)) or "无"
        raise ValidationError(
            {
                "action": f"工单 {appeal.number} 当前状态为“{appeal.get_status_display()}”,"
                f"不能{label}(可进行:{allowed})"
            }
        )
    if not _may(actor, appeal, move.side):
        who = appeal.intake_unit if move.side == INTAKE else appeal.unit
        raise PermissionDenied(f"只有“{who}”可以{label}")
    now = timezone.now()
    at = at or now
    last = appeal.steps.order_by("-at", "-pk").values_list("at", flat=True).first()
    if at > now + dt.timedelta(minutes=5):
        raise ValidationError({"at": f"{label}时间不能晚于当前时间"})
    if last is not None and at < last:
        raise ValidationError(
            {"at": f"{label}时间不能早于上一环节({timezone.localtime(last):%Y-%m-%d %H:%M})"}
        )
    calendar = calendar or WorkCalendar.load()
    day = _local_date(at)
    before = appeal.status
    if action in (A.DISPATCH, A.TRANSFER):
        unit = unit or suggested_unit(appeal.category)
        if unit is None:
            raise ValidationError({"unit": "请选择承办单位(该类别没有建议承办单位)"})
        if action == A.TRANSFER and unit.pk == appeal.unit_id:
            raise ValidationError({"unit": "转办须选择另一个承办单位"})
        if not unit.is_within(appeal.intake_unit):
            raise ValidationError({"unit": f"承办单位“{unit}”不在“{appeal.intake_unit}”辖内"})
        appeal.unit = unit
        appeal.sign_due_on = calendar.add_working_days(day, appeal.category.sign_days)
    elif action == A.RETURN:
        if not note.strip():
            raise ValidationError({"note": "退单须说明理由"})
        appeal.unit = appeal.intake_unit
        appeal.sign_due_on = None
    elif action == A.REPLY:
        if not reply.strip():
            raise ValidationError({"reply": "答复须填写答复内容"})
        appeal.reply = reply
        appeal.replied_on = day
    elif action == A.VISIT:
        if satisfaction not in Satisfaction.values:
            raise ValidationError({"satisfaction": "回访须选择满意度:满意、基本满意或不满意"})
        appeal.satisfaction = satisfaction
    elif action == A.CLOSE:
        if appeal.satisfaction == Satisfaction.UNSATISFIED and not note.strip():
            raise ValidationError({"note": "回访不满意的工单须重办,或说明理由后办结"})
        appeal.closed_on = day
    elif action == A.REOPEN:
        if not note.strip():
            raise ValidationError({"note": "重办须说明理由"})
        appeal.reopen_count += 1
        appeal.closed_on = None
        appeal.replied_on = None
        appeal.reply = ""
        appeal.satisfaction = ""
        appeal.sign_due_on = calendar.add_working_days(day, appeal.category.sign_days)
        appeal.due_on = calendar.add_working_days(day, appeal.category.sla_days)
    appeal.status = move.target
    _save(appeal, actor)
    _step(appeal, action, before, actor, at, note or reply)
    publish(
        Event.APPEAL_CHANGED,
        unit=appeal.unit,
        subject=appeal,
        data={
            "number": appeal.number,
            "action": action,
            "from": before,
            "status": appeal.status,
            "at": at.isoformat(),
            "due_on": appeal.due_on.isoformat() if appeal.due_on else None,
        },
    )
    if action in (A.DISPATCH, A.TRANSFER):
        notify(
            unit_people([appeal.unit_id], [Role.OFFICE, Role.OPERATOR]),
            Kind.APPEAL_DISPATCHED,
            f"12345 诉求派单:{appeal.number} {appeal.title}",
            f"{appeal.content[:200]}\n签收期限 {appeal.sign_due_on},办结期限 {appeal.due_on}",
            link=f"/appeals/{appeal.pk}/",
            unit=appeal.unit,
        )
    return appeal


def appeal_reminders_send(*, today: dt.date | None = None) -> str:
    """The schedule (诉求提醒): each open appeal due by the next working day is told to
    the people of its unit, once."""
    from gongjian.kit.clock import today as clock_today

    today = today or clock_today()
    calendar = WorkCalendar.load()
    horizon = calendar.add_working_days(today, 1)
    due = (
        Appeal.objects.exclude(status=Status.CLOSED)
        .filter(due_on__gte=today, due_on__lte=horizon)
        .select_related("unit")
    )
    told = 0
    for appeal in due:
        told += len(
            notify(
                unit_people([appeal.unit_id], [Role.OFFICE, Role.OPERATOR]),
                Kind.APPEAL_DUE,
                f"诉求即将超期:{appeal.number}(办结期限 {appeal.due_on})",
                appeal.title,
                link=f"/appeals/{appeal.pk}/",
                unit=appeal.unit,
                once=True,
            )
        )
    return f"{due.count()} 件诉求即将超期,发出提醒 {told} 条"


# --- configuration ------------------------------------------------------------------


def _require_office_unit(actor: Actor, unit: Unit | None) -> None:
    if unit is not None and not allows(actor, Action.CHANGE, unit):
        raise PermissionDenied(f"无权修改“{unit}”的配置")


@transaction.atomic
def category_define(
    *, actor: Actor, code: str, name: str, default_unit: Unit | None = None, **fields
) -> AppealCategory:
    """Create or update a category by code (categories are shared by the instance)."""
    if not manages_shared(actor):
        raise PermissionDenied("只有攻坚办可以配置诉求类别")
    category = AppealCategory.objects.filter(code=code).first() or AppealCategory(code=code)
    category.name = name
    category.default_unit = default_unit
    for key, value in fields.items():
        setattr(category, key, value)
    category.full_clean()
    record_actor(category, actor)
    category.save()
    return category


@transaction.atomic
def calendar_day_set(*, actor: Actor, date: dt.date, kind: str, name: str = "") -> CalendarDay:
    """Mark a date as a rest day or a working day, over the official arrangement
    (``workdays``: a local holiday, a 调休 the city does not keep …): the calendar is
    shared by the instance. A mark that changes nothing is refused."""
    if not manages_shared(actor):
        raise PermissionDenied("只有攻坚办可以维护工作日历")
    working = official_is_working_day(date)
    if kind == CalendarDay.Kind.WORKDAY and working:
        raise ValidationError({"date": f"{date} 本是工作日,无需设为调休上班"})
    if kind == CalendarDay.Kind.HOLIDAY and not working:
        weekend = "是周末," if date.weekday() >= 5 else "按国家安排"
        raise ValidationError({"date": f"{date} {weekend}本就休息"})
    row = CalendarDay.objects.filter(date=date).first() or CalendarDay(date=date)
    row.kind = kind
    row.name = name
    row.full_clean()
    record_actor(row, actor)
    row.save()
    return row
