"""Background jobs, once for every app: a database-backed queue (django-q2's ORM broker:
the embedded SQLite or PostgreSQL, no extra service; Redis when ``GONGJIAN_REDIS_URL``
is set) worked by ``gongjian qcluster``, and the progress a job reports.

- ``enqueue("dotted.path", *args)`` queues a call once the current transaction commits
  (a job never starts on rows the request then rolls back). The worker retries a job
  whose process died (``Q_CLUSTER["retry"]``), so a job must be safe to run again — an
  import is one transaction, so it is.
- ``progress_write`` / ``progress_read``: a job's progress in a small file under
  ``VAR_DIR/jobs/`` — shared by every web worker and every job worker on the machine,
  written outside the job's database transaction (which nobody else can see until it
  commits). Its age is the job's heartbeat: ``is_stale`` tells a job whose process died
  from a slow one, so that nothing stays "running" forever.
- ``Job`` rows (``kit.models.Job``): work a person asked for and sees on ``/jobs/`` —
  queued → running → done/failed, its progress, its file, its error in Chinese. An app
  registers each kind once (``register_kind`` in its ``ready()``); ``job_start`` queues
  one (the same request while one is pending answers with that one), ``job_run`` is what
  the worker runs. A running job whose heartbeat stopped is marked failed when anyone
  looks (``jobs_reap``); the queue's retry runs it again, safe as it only makes a file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone

from gongjian.kit.registration import Registry

# a running job that has not reported for this long has died (its worker was killed)
STALE_SECONDS = 600


def _dir() -> Path:
    path = Path(settings.VAR_DIR) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _file(key: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in key)
    return _dir() / f"{safe}.json"


def enqueue(func: str, *args: Any, name: str = "") -> None:
    """Queue ``func(*args)`` for the job workers once the current transaction commits."""
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task(func, *args, task_name=name or None))


def progress_write(key: str, **values: Any) -> None:
    """Record a job's progress (``done``, ``total`` …); atomic, so a reader never sees
    half a file."""
    target = _file(key)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(values), encoding="utf-8")
    os.replace(tmp, target)


def progress_read(key: str) -> dict[str, Any]:
    """The last progress recorded for ``key`` (``{}`` when none), with ``age`` in seconds."""
    target = _file(key)
    try:
        values = json.loads(target.read_text(encoding="utf-8"))
        age = time.time() - target.stat().st_mtime
    except (OSError, ValueError):
        return {}
    return {**values, "age": age}


def progress_clear(key: str) -> None:
    _file(key).unlink(missing_ok=True)


def stale_seconds() -> float:
    """How long a running job may stay silent before it counts as dead:
    ``GONGJIAN["JOB_STALE_SECONDS"]`` (env ``GONGJIAN_JOB_STALE_SECONDS``), else ``STALE_SECONDS``."""
    return float(getattr(settings, "GONGJIAN", {}).get("JOB_STALE_SECONDS", STALE_SECONDS))


def is_stale(key: str, seconds: float | None = None) -> bool:
    """Has the job of ``key`` reported before and then been silent for ``seconds``
    (default ``stale_seconds()``)?"""
    if seconds is None:
        seconds = stale_seconds()
    found = progress_read(key)
    return bool(found) and found["age"] > seconds


# --- jobs a person sees -----------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """What a job made: a file (bytes or a path) to download, and/or a message."""

    data: bytes | Path | None = None
    name: str = ""
    message: str = ""


Report = Callable[[int, int, str], None]  # (done, total, step)


@dataclass(frozen=True)
class JobKind:
    key: str
    title: str
    run: Callable[[Any, Report], Result]  # (job, report) -> Result


kinds: Registry[JobKind] = Registry("job kinds")


def register_kind(key: str, title: str, run: Callable[[Any, Report], Result]) -> JobKind:
    return kinds.register(key, JobKind(key, title, run))


def _results_dir(job_id: int) -> Path:
    path = _dir() / "results" / str(job_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_start(*, user: Any, kind: str, params: dict, title: str, unit: Any = None) -> Any:
    """Queue a job of ``kind`` for ``user`` (None: a job of the schedule, seen by the
    people of ``unit``). The same request while an earlier one is queued or running, or
    done within ten minutes, answers with that one rather than doing the work twice."""
    from gongjian.kit.models import Job

    if kind not in kinds:
        raise ValueError(f"unknown job kind {kind!r}")
    recent = timezone.now() - dt.timedelta(minutes=10)
    same = (
        Job.objects.filter(kind=kind, params=params, requested_by=user, unit=unit)
        .exclude(status=Job.Status.FAILED)
        .filter(models.Q(finished_at__isnull=True) | models.Q(finished_at__gte=recent))
        .first()
    )
    if same is not None and not (same.finished and not _result_exists(same)):
        return same
    job = Job.objects.create(
        kind=kind, params=params, title=title[:200], requested_by=user, unit=unit
    )
    enqueue("gongjian.kit.jobs.job_run", job.pk, name=title[:100])
    return job


def _result_exists(job: Any) -> bool:
    return not job.result_file or Path(job.result_file).is_file()


def job_run(job_id: int) -> str:
    """The worker's entry: run the job's kind, keep its progress and heartbeat on its row,
    store its file, record the outcome and tell the person who asked."""
    from gongjian.kit.models import Job

    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.status == Job.Status.DONE:
        return "skipped"
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempts=job.attempts + 1,
        message="",
    )

    def report(done: int, total: int, step: str = "") -> None:
        Job.objects.filter(pk=job.pk).update(
            done=done, total=total, step=step[:200], heartbeat_at=timezone.now()
        )

    try:
        result = kinds[job.kind].run(job, report)
    except (ValidationError, PermissionDenied, Http404, ValueError, OSError) as exc:
        _finish(job, Job.Status.FAILED, message=_said(exc))
        return "failed"
    except Exception as exc:  # noqa: BLE001 - any failure is the job's, told in Chinese
        _finish(job, Job.Status.FAILED, message=f"任务出错:{type(exc).__name__}:{exc}"[:2000])
        raise
    stored = ""
    if result.data is not None:
        target = _results_dir(job.pk) / _safe_name(result.name or f"job-{job.pk}")
        if isinstance(result.data, Path):
            shutil.move(result.data, target)
        else:
            target.write_bytes(result.data)
        stored = str(target)
    _finish(job, Job.Status.DONE, message=result.message, file=stored, name=result.name)
    return "done"


def _safe_name(name: str) -> str:
    return "".join("_" if c in "/\\" or ord(c) < 32 else c for c in name)[:200] or "result"


def _said(exc: Exception) -> str:
    from gongjian.kit.http import errors_text

    if isinstance(exc, Http404):
        return str(exc) or "没有找到要处理的对象,或无权查看"
    return errors_text(exc)


def _finish(job: Any, status: str, *, message: str = "", file: str = "", name: str = "") -> None:
    from gongjian.kit.models import Job

    Job.objects.filter(pk=job.pk).update(
        status=status,
        message=message,
        result_file=file,
        result_name=name,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    job.refresh_from_db()
    for hook in finished_hooks:
        hook(job)


# what else happens when a job ends (the notifications app tells the person who asked)
finished_hooks: list[Callable[[Any], None]] = []


def jobs_reap(seconds: float | None = None) -> int:
    """Mark failed each running job whose worker has been silent for ``seconds`` (default
    ``stale_seconds()``; it was killed): nothing stays "running" forever. Returns how many."""
    from gongjian.kit.models import Job

    if seconds is None:
        seconds = stale_seconds()
    cutoff = timezone.now() - dt.timedelta(seconds=seconds)
    return Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=cutoff).update(
        status=Job.Status.FAILED,
        message="任务进程已中断(长时间无进展),请重新提交",
        finished_at=timezone.now(),
    )
