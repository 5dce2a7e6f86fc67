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
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

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


def is_stale(key: str, seconds: float = STALE_SECONDS) -> bool:
    """Has the job of ``key`` reported before and then been silent for ``seconds``?"""
    found = progress_read(key)
    return bool(found) and found["age"] > seconds
