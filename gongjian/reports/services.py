"""Every write of the reports app: import runs and saved column mappings."""

from __future__ import annotations

import shutil
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, transaction
from django.utils import timezone

from gongjian.kit.history import actor_user
from gongjian.kit.scope import Action, allows
from gongjian.kit.tabular.files import BadFile, limit
from gongjian.kit.tabular.imports import importers
from gongjian.kit.tabular.schema import HeaderError
from gongjian.units.models import Actor, User

from .models import ColumnMapping, ImportRun


def _import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def progress_key(run_id: int) -> str:
    return f"gongjian:import-progress:{run_id}"


@transaction.atomic
def column_mapping_save(*, actor: Actor, schema: str, name: str, mapping: dict) -> ColumnMapping:
    """Save (or replace) a named mapping: sheet header → import column key."""
    if schema not in importers:
        raise ValidationError({"schema": f"未知的导入类型“{schema}”"})
    keys = {c.key for c in importers[schema].schema.columns}
    unknown = sorted({v for v in mapping.values() if v not in keys})
    if unknown:
        raise ValidationError({"mapping": f"未知的导入列:{'、'.join(unknown)}"})
    saved = ColumnMapping.objects.filter(schema=schema, name=name).first() or ColumnMapping(
        schema=schema, name=name, created_by=actor_user(actor)
    )
    # mappings are shared by name: only the office over its author replaces one somebody
    # else saved
    author = saved.created_by if saved.pk else None
    if saved.pk and saved.created_by_id != actor.pk and not allows(actor, Action.MANAGE, author):
        raise PermissionDenied(f"列名对照“{name}”由他人保存,只有攻坚办可以修改")
    saved.mapping = {k: v for k, v in mapping.items() if v}
    saved.full_clean()
    saved.save()
    return saved


def import_run_start(
    *,
    actor: User,
    schema: str,
    upload,
    skip_bad_rows: bool = False,
    mapping: ColumnMapping | None = None,
) -> ImportRun:
    """Store the uploaded file and start the import (in the background unless
    ``GONGJIAN["IMPORT_IN_BACKGROUND"]`` is false); returns the run to watch."""
    if schema not in importers:
        raise ValidationError({"schema": f"未知的导入类型“{schema}”"})
    if upload.size > limit("IMPORT_MAX_BYTES"):
        raise ValidationError(
            {
                "file": f"文件超过了 {limit('IMPORT_MAX_BYTES') // (1024 * 1024)} MB 的上限,请拆分后分批导入"
            }
        )
    stored = _import_dir() / f"{uuid.uuid4().hex}.xlsx"
    with stored.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    run = ImportRun(
        schema=schema,
        file_name=Path(upload.name).name[:255],
        stored_file=str(stored),
        skip_bad_rows=skip_bad_rows,
        mapping=mapping,
        created_by=actor_user(actor),
    )
    run.full_clean()
    run.save()
    if getattr(settings, "GONGJIAN", {}).get("IMPORT_IN_BACKGROUND", True):
        transaction.on_commit(
            lambda: threading.Thread(target=_background, args=(run.pk,), daemon=True).start()
        )
    else:
        import_run_execute(run_id=run.pk)
        run.refresh_from_db()
    return run


def _background(run_id: int) -> None:
    close_old_connections()
    try:
        import_run_execute(run_id=run_id)
    finally:
        close_old_connections()


def import_run_execute(*, run_id: int) -> ImportRun:
    """Run a stored import and record its outcome (the import itself is one transaction)."""
    run = ImportRun.objects.select_related("created_by", "mapping").get(pk=run_id)
    run.status = ImportRun.Status.RUNNING
    run.save(update_fields=["status"])
    key = progress_key(run.pk)

    def progress(done: int, total: int) -> None:
        cache.set(key, {"done": done, "total": total}, 3600)

    try:
        result = importers[run.schema].run(
            actor=run.created_by,
            path=run.stored_file,
            skip_bad_rows=run.skip_bad_rows,
            mapping=run.mapping.mapping if run.mapping else None,
            progress=progress,
            file_name=run.file_name,
        )
    except (BadFile, HeaderError) as exc:
        run.status = ImportRun.Status.FAILED
        run.message = str(exc)
    else:
        run.status = ImportRun.Status.DONE if result.saved else ImportRun.Status.REFUSED
        run.message = result.message
        run.rows_total = result.rows_total
        run.rows_created, run.rows_updated = result.created, result.updated
        run.rows_unchanged, run.rows_bad = result.unchanged, result.bad_rows
        run.errors = [list(e) for e in result.errors]
        if result.error_file is not None:
            target = _import_dir() / f"{uuid.uuid4().hex}-errors.xlsx"
            shutil.move(str(result.error_file), target)
            run.error_file = str(target)
    Path(run.stored_file).unlink(missing_ok=True)
    run.finished_at = timezone.now()
    run.save()
    cache.delete(key)
    return run
