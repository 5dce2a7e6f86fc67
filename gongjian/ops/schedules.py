"""The schedules the platform runs by itself (django-q2 ``Schedule`` rows, worked by
``gongjian qcluster``): created with their defaults after every ``migrate``, changed by
the office on ``/ops/schedules/`` (time of day, on/off), each run's outcome kept.

- 问题升级: ``escalate_problems`` — overdue problems move up a level and the report
  obligations are brought up to date (daily);
- 数据备份: ``backup`` (nightly); 清理临时文件: ``cleanup_files`` (nightly);
- 通知重发: failed e-mails and channel messages tried again (every 10 minutes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from gongjian.kit.scope import manages_shared
from gongjian.units.models import Actor

CALL = "django.core.management.call_command"


@dataclass(frozen=True)
class Default:
    name: str
    command: str  # a management command, or a dotted function with ``func``
    at: dt.time
    what: str
    func: str = CALL
    every_minutes: int = 0  # > 0: every so many minutes instead of daily


DEFAULTS = (
    Default("问题升级", "escalate_problems", dt.time(6, 30), "逾期问题逐级升级,应报清单更新"),
    Default("清理临时文件", "cleanup_files", dt.time(2, 15), "删除 30 天前的导入文件和错误表"),
    Default("数据备份", "backup", dt.time(2, 30), "数据库和上传文件备份到 var/backups"),
    Default(
        "通知重发",
        "",
        dt.time(0, 0),
        "发送失败的邮件和渠道消息重发(每条至多 3 次)",
        func="gongjian.notices.services.deliveries_retry",
        every_minutes=10,
    ),
)


def next_at(at: dt.time, now: dt.datetime | None = None) -> dt.datetime:
    """The next moment of the day ``at`` (today when still ahead, else tomorrow)."""
    now = now or timezone.localtime()
    moment = timezone.make_aware(dt.datetime.combine(now.date(), at))
    return moment if moment > now else moment + dt.timedelta(days=1)


def install_defaults(sender=None, using: str = "default", **_kwargs) -> int:
    """Create each default schedule that is missing (by name); an existing one — maybe
    changed by the office — is left as it is. Returns how many were created. Runs after
    ``migrate`` has made the job queue's tables (``post_migrate`` of ``django_q``)."""
    from django_q.models import Schedule

    if sender is not None and getattr(sender, "label", "") != "django_q":
        return 0

    made = 0
    for default in DEFAULTS:
        if Schedule.objects.using(using).filter(name=default.name).exists():
            continue
        Schedule.objects.using(using).create(
            name=default.name,
            func=default.func,
            args=repr(default.command) if default.command else None,
            schedule_type=Schedule.MINUTES if default.every_minutes else Schedule.DAILY,
            minutes=default.every_minutes or None,
            repeats=-1,
            next_run=timezone.now() if default.every_minutes else next_at(default.at),
        )
        made += 1
    return made


@dataclass
class Row:
    schedule: object
    what: str
    enabled: bool
    at: dt.time
    last_run: dt.datetime | None
    last_ok: bool | None
    last_result: str
    every_minutes: int = 0


def rows() -> list[Row]:
    """Every default schedule with its last run and outcome."""
    from django_q.models import Schedule, Task

    found = {s.name: s for s in Schedule.objects.filter(name__in=[d.name for d in DEFAULTS])}
    out = []
    for default in DEFAULTS:
        schedule = found.get(default.name)
        if schedule is None:
            continue
        task = Task.objects.filter(id=schedule.task).first() if schedule.task else None
        out.append(
            Row(
                schedule=schedule,
                what=default.what,
                enabled=schedule.repeats != 0,
                at=timezone.localtime(schedule.next_run).time()
                if schedule.next_run
                else default.at,
                last_run=task.stopped if task else None,
                last_ok=task.success if task else None,
                last_result=str(task.result or "")[:200] if task else "",
                every_minutes=default.every_minutes,
            )
        )
    return out


@transaction.atomic
def schedule_change(*, actor: Actor, name: str, at: dt.time, enabled: bool):
    """The office sets a schedule's time of day and switches it on or off."""
    from django_q.models import Schedule

    if not manages_shared(actor):
        raise PermissionDenied("只有攻坚办可以设置定时任务")
    schedule = Schedule.objects.select_for_update().filter(name=name).first()
    if schedule is None:
        raise ValidationError({"name": f"没有定时任务“{name}”"})
    schedule.repeats = -1 if enabled else 0
    every = next((d.every_minutes for d in DEFAULTS if d.name == name), 0)
    schedule.next_run = timezone.now() if every else next_at(at)
    schedule.save(update_fields=["repeats", "next_run"])
    return schedule
