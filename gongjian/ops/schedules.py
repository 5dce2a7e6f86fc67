"""The schedules the platform runs by itself (django-q2 ``Schedule`` rows, worked by
``gongjian qcluster``): created with their defaults after every ``migrate``, changed by
the office on ``/ops/schedules/`` (time of day, on/off), each run's outcome kept.

- 问题升级: ``escalate_problems`` — overdue problems move up a level (daily);
- 报送义务更新: the report obligations of the 双高 cadence brought up to date (daily);
- 报送提醒: reports due within two days and reports just overdue told to the units'
  operators, problems just past their deadline to their leaders and units (daily);
- 诉求提醒: 12345 appeals within a working day of their deadline told to their units;
- 月度调度通报: the city's 调度通报 of the month before drafted on a chosen day of the
  month and sent to the office (monthly);
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
    monthly_day: int = 0  # > 0: monthly on this day of the month instead of daily
    options: tuple[tuple[str, object], ...] = ()  # keyword arguments of the call

    @property
    def kwargs(self) -> str:
        """The keyword arguments as django-q2 keeps them (``dict(<this>)``)."""
        return ", ".join(f"{k}={v!r}" for k, v in self.options)


DEFAULTS = (
    Default(
        "问题升级",
        "escalate_problems",
        dt.time(6, 30),
        "逾期问题逐级升级(责任单位 → 包保领导 → 市攻坚办督办)",
        options=(("skip_obligations", True),),
    ),
    Default(
        "报送义务更新",
        "",
        dt.time(6, 0),
        "按双高调度频次记录各项目应报的调度报告",
        func="gongjian.projects.services.report_obligations_sync_today",
    ),
    Default(
        "报送提醒",
        "",
        dt.time(8, 30),
        "调度报告截止前 2 天提醒、逾期未报和问题逾期告知责任单位与包保领导",
        func="gongjian.projects.services.reminders_send",
    ),
    Default(
        "诉求提醒",
        "",
        dt.time(8, 0),
        "12345 诉求派单后 1 个工作日内到期的,提醒承办单位",
        func="gongjian.appeals.services.appeal_reminders_send",
    ),
    Default(
        "月度调度通报",
        "",
        dt.time(8, 0),
        "生成上月全市调度通报(Word),完成后通知攻坚办",
        func="gongjian.reports.services.dispatch_drafts_monthly",
        monthly_day=3,
    ),
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


def next_at(at: dt.time, now: dt.datetime | None = None, *, day: int = 0) -> dt.datetime:
    """The next moment of the day ``at`` (today when still ahead, else tomorrow); with
    ``day``, the next such moment on that day of a month (28 at most, so every month
    has it)."""
    now = now or timezone.localtime()
    if day:
        moment = timezone.make_aware(dt.datetime.combine(now.date().replace(day=day), at))
        if moment <= now:
            first = (now.date().replace(day=1) + dt.timedelta(days=32)).replace(day=day)
            moment = timezone.make_aware(dt.datetime.combine(first, at))
        return moment
    moment = timezone.make_aware(dt.datetime.combine(now.date(), at))
    return moment if moment > now else moment + dt.timedelta(days=1)


def _type(default: Default) -> str:
    from django_q.models import Schedule

    if default.every_minutes:
        return Schedule.MINUTES
    return Schedule.MONTHLY if default.monthly_day else Schedule.DAILY


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
            kwargs=default.kwargs or None,
            schedule_type=_type(default),
            minutes=default.every_minutes or None,
            repeats=-1,
            next_run=timezone.now()
            if default.every_minutes
            else next_at(default.at, day=default.monthly_day),
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
    monthly_day: int = 0


def rows() -> list[Row]:
    """Every default schedule with its last run and outcome."""
    from django_q.models import Schedule, Task

    found = {s.name: s for s in Schedule.objects.filter(name__in=[d.name for d in DEFAULTS])}
    # each schedule's last run, in one query
    tasks = Task.objects.in_bulk([s.task for s in found.values() if s.task])
    out = []
    for default in DEFAULTS:
        schedule = found.get(default.name)
        if schedule is None:
            continue
        task = tasks.get(schedule.task) if schedule.task else None
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
                monthly_day=timezone.localtime(schedule.next_run).day
                if default.monthly_day and schedule.next_run
                else default.monthly_day,
            )
        )
    return out


@transaction.atomic
def schedule_change(*, actor: Actor, name: str, at: dt.time, enabled: bool, day: int = 0):
    """The office sets a schedule's time of day (and, for a monthly one, its day of the
    month, 1–28) and switches it on or off."""
    from django_q.models import Schedule

    if not manages_shared(actor):
        raise PermissionDenied("只有攻坚办可以设置定时任务")
    schedule = Schedule.objects.select_for_update().filter(name=name).first()
    if schedule is None:
        raise ValidationError({"name": f"没有定时任务“{name}”"})
    default = next(d for d in DEFAULTS if d.name == name)
    if default.monthly_day and not 1 <= day <= 28:
        raise ValidationError({"day": f"每月第几日应为 1–28,而不是“{day}”"})
    schedule.repeats = -1 if enabled else 0
    schedule.next_run = (
        timezone.now()
        if default.every_minutes
        else next_at(at, day=day if default.monthly_day else 0)
    )
    schedule.save(update_fields=["repeats", "next_run"])
    return schedule


def schedule_run_job(job, report):
    """The job (``kit.jobs``) behind 立即运行: run a schedule's work now, as the worker
    would at its time, and keep what it said."""
    import io
    from contextlib import redirect_stdout

    from django.core.management import call_command
    from django.utils.module_loading import import_string

    from gongjian.kit.jobs import Result

    if not manages_shared(job.requested_by):
        raise PermissionDenied("只有攻坚办可以运行定时任务")
    default = next((d for d in DEFAULTS if d.name == job.params.get("name")), None)
    if default is None:
        raise ValidationError({"name": f"没有定时任务“{job.params.get('name')}”"})
    report(0, 1, default.what)
    out = io.StringIO()
    kwargs = dict(default.options)
    with redirect_stdout(out):
        if default.func == CALL:
            call_command(default.command, stdout=out, **kwargs)
            result = ""
        else:
            result = import_string(default.func)(**kwargs)
    report(1, 1, "")
    said = (out.getvalue().strip().splitlines() or [str(result or "完成")])[-5:]
    return Result(message="\n".join(said))
