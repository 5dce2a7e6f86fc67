"""Every write of the reports app: import runs and saved column mappings."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from gongjian.kit import jobs
from gongjian.kit.history import actor_user
from gongjian.kit.scope import SYSTEM, Action, allows
from gongjian.kit.tabular.files import BadFile, limit
from gongjian.kit.tabular.imports import importers
from gongjian.kit.tabular.schema import HeaderError
from gongjian.notices.models import Kind
from gongjian.notices.services import notify
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
    """Store the uploaded file and queue the import as a job (``kit.jobs``; run here and
    now when ``GONGJIAN["IMPORT_IN_BACKGROUND"]`` is false); returns the run to watch."""
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
        jobs.enqueue("gongjian.reports.services.import_run_job", run.pk, name=f"导入 {run.pk}")
    else:
        import_run_execute(run_id=run.pk)
        run.refresh_from_db()
    return run


def import_run_job(run_id: int) -> None:
    """The job: run the import unless it has finished already (a job delivered again
    after its worker died runs it again: the import is one transaction, so nothing of
    the first attempt was kept)."""
    worker = not connection.in_atomic_block  # run inline (tests), the caller's connection
    if worker:
        close_old_connections()
    try:
        run = ImportRun.objects.filter(pk=run_id).first()
        if run is not None and run.status in (ImportRun.Status.PENDING, ImportRun.Status.RUNNING):
            import_run_execute(run_id=run_id)
    finally:
        if worker:
            close_old_connections()


INTERRUPTED = "导入进程中断(后台任务进程被终止),未导入任何数据:请重新导入"


def import_run_check(run: ImportRun) -> ImportRun:
    """A run still "running" whose job has stopped reporting has died with its worker:
    say so (nothing was imported: the import is one transaction) rather than show it
    running forever."""
    key = progress_key(run.pk)
    if run.status == ImportRun.Status.RUNNING and jobs.is_stale(key):
        with transaction.atomic():
            locked = ImportRun.objects.select_for_update().get(pk=run.pk)
            if locked.status == ImportRun.Status.RUNNING:
                locked.status = ImportRun.Status.FAILED
                locked.message = INTERRUPTED
                locked.finished_at = timezone.now()
                locked.save(update_fields=["status", "message", "finished_at"])
                Path(locked.stored_file).unlink(missing_ok=True)
        jobs.progress_clear(key)
        run.refresh_from_db()
    return run


def import_run_execute(*, run_id: int) -> ImportRun:
    """Run a stored import and record its outcome (the import itself is one transaction)."""
    run = ImportRun.objects.select_related("created_by", "mapping").get(pk=run_id)
    run.status = ImportRun.Status.RUNNING
    run.save(update_fields=["status"])
    key = progress_key(run.pk)
    jobs.progress_write(key, done=0, total=0)  # the job's first heartbeat

    def progress(done: int, total: int) -> None:
        jobs.progress_write(key, done=done, total=total)

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
    jobs.progress_clear(key)
    notify(
        [run.created_by],
        Kind.IMPORT_FINISHED,
        f"{run.get_status_display()}:{run.file_name}",
        run.message,
        link=f"/reports/imports/{run.pk}/",
    )
    return run


# --- long downloads as jobs (``kit.jobs``) -------------------------------------------------


def dispatch_job(job, report) -> jobs.Result:
    """The 调度通报 of ``job.params`` (unit, period, fmt) as .docx or PDF, checked again
    against what the person who asked may see now."""
    from gongjian.kit.dates import Period

    from .dispatch import docx_to_pdf, render_docx
    from .selectors import dispatch_unit_or_404

    params = job.params
    user = job.requested_by
    unit = (
        dispatch_unit_or_404(user, str(params["unit"]))
        if user is not None
        else _unit(params["unit"])
    )
    period = Period.parse(params["period"])
    steps = 2 if params["fmt"] == "pdf" else 1
    report(0, steps, "生成 Word 文档")
    data = render_docx(unit=unit, period=period, user=user or SYSTEM)
    if params["fmt"] == "pdf":
        report(1, steps, "转换为 PDF")
        data = docx_to_pdf(data)
    report(steps, steps, "")
    return jobs.Result(data, f"调度通报-{unit.name}-{params['period']}.{params['fmt']}")


def dispatch_drafts_monthly(*, today=None) -> str:
    """The schedule (月度调度通报): the 调度通报 of the month before for each campaign's
    city, as a job of the schedule — its office is told when it is ready."""
    from gongjian.indicators.models import Campaign
    from gongjian.kit.clock import today as clock_today

    today = today or clock_today()
    last = today.replace(day=1) - dt.timedelta(days=1)
    period = f"{last:%Y-%m}"
    made = []
    for campaign in Campaign.objects.filter(year=last.year).select_related("root_unit"):
        unit = campaign.root_unit
        job = jobs.job_start(
            user=None,
            kind="dispatch",
            params={"unit": unit.pk, "period": period, "fmt": "docx"},
            title=f"调度通报 {unit.name} {period}(月度草稿)",
            unit=unit,
        )
        made.append(f"{unit.name} #{job.pk}")
    return f"已提交 {period} 调度通报:" + ("、".join(made) or "无(没有该年度的攻坚年度)")


def _unit(pk):
    from gongjian.units.models import Unit

    return Unit.objects.get(pk=pk)


def export_job(job, report) -> jobs.Result:
    """A long list as .xlsx, with the list page's filters (``job.params["query"]``)."""
    from django.http import QueryDict

    from gongjian.kit.http import stamp
    from gongjian.kit.tabular.exports import exporters

    exporter = exporters[job.params["kind"]]
    report(0, 1, "写入表格")
    path = exporter.write(job.requested_by, QueryDict(job.params.get("query", "")))
    report(1, 1, "")
    return jobs.Result(path, f"{exporter.title}-{stamp()}.xlsx")


def export_inline_rows() -> int:
    """A list with more rows than this is exported by the job workers, not the request."""
    return int(getattr(settings, "GONGJIAN", {}).get("EXPORT_INLINE_ROWS", 20000))
