"""Pages and downloads: the one import page (every registered importer, with progress),
error sheets, templates, the one export view (every registered list) and the 调度通报.
Thin: validate → call a service or selector → respond."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from pydantic import ValidationError as PydanticError

from gongjian.indicators import engine
from gongjian.indicators.models import RankingScheme
from gongjian.indicators.periods import resolve_year_as_of
from gongjian.kit import jobs
from gongjian.kit.clock import today as clock_today
from gongjian.kit.dates import Period, month_earlier
from gongjian.kit.errors import messages_of
from gongjian.kit.http import (
    DOCX,
    PDF,
    bad_query,
    bytes_response,
    file_response,
    refused,
    stamp,
)
from gongjian.kit.scope import Action, holds
from gongjian.kit.tabular.exports import exporters
from gongjian.kit.tabular.imports import importers
from gongjian.kit.views import job_started
from gongjian.units.selectors import unit_visible_or_404

from . import exports, selectors, services
from .dispatch import ReportError, docx_to_pdf, render_docx, soffice
from .models import ColumnMapping, ImportRun

# --- import ----------------------------------------------------------------------


def _importer(key: str):
    importer = importers.get(key)
    if importer is None:
        raise Http404
    return importer


def _runs(request):
    """The import runs the user may see: their own, and an office's those of its people."""
    return ImportRun.objects.restrict(request.user, Action.VIEW).distinct()


@login_required
def index(request):
    return render(
        request,
        "reports/index.html",
        {
            "importers": importers.values() if holds(request.user, Action.CHANGE) else [],
            "exporters": exporters.values(),
            "runs": _runs(request).select_related("created_by")[:20],
            "mappings": ColumnMapping.objects.all(),
            "soffice": bool(soffice()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request, schema: str):
    importer = _importer(schema)
    if not holds(request.user, Action.CHANGE):
        raise PermissionDenied(_("没有可导入数据的单位"))
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        mapping = None
        if request.POST.get("mapping"):
            mapping = ColumnMapping.objects.filter(
                pk=request.POST["mapping"], schema=schema
            ).first()
        if upload is None:
            errors.append(_("请选择要导入的 .xlsx 文件"))
        else:
            try:
                run = services.import_run_start(
                    actor=request.user,
                    schema=schema,
                    upload=upload,
                    skip_bad_rows=request.POST.get("skip_bad_rows") == "on",
                    mapping=mapping,
                )
            except ValidationError as exc:
                errors.extend(messages_of(exc))
            else:
                return redirect("reports:import_run", run_id=run.pk)
    return render(
        request,
        "reports/import.html",
        {
            "schema": importer.schema,
            "back_url": importer.back_url,
            "mappings": ColumnMapping.objects.filter(schema=schema),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _run_for(request, run_id: int) -> ImportRun:
    return get_object_or_404(_runs(request), pk=run_id)


@login_required
def import_run(request, run_id: int):
    run = services.import_run_check(_run_for(request, run_id))
    return render(
        request,
        "reports/run.html",
        {
            "run": run,
            "schema": importers[run.schema].schema if run.schema in importers else None,
            "back_url": importers[run.schema].back_url if run.schema in importers else "",
            "finished": run.status not in (ImportRun.Status.PENDING, ImportRun.Status.RUNNING),
        },
    )


@login_required
def import_progress(request, run_id: int):
    run = services.import_run_check(_run_for(request, run_id))
    progress = jobs.progress_read(services.progress_key(run.pk))
    return JsonResponse(
        {
            "status": run.status,
            "status_label": run.get_status_display(),
            "done": progress.get("done", run.rows_total),
            "total": progress.get("total", run.rows_total),
            "finished": run.finished_at is not None,
        }
    )


@login_required
def import_errors(request, run_id: int):
    run = _run_for(request, run_id)
    if not run.error_file or not Path(run.error_file).exists():
        raise Http404
    return file_response(
        Path(run.error_file), f"{Path(run.file_name).stem}-错误行.xlsx", temporary=False
    )


@login_required
@require_http_methods(["POST"])
def mapping_save(request, schema: str):
    _importer(schema)
    headers = request.POST.getlist("header")
    keys = request.POST.getlist("column")
    try:
        services.column_mapping_save(
            actor=request.user,
            schema=schema,
            name=request.POST.get("name", "").strip(),
            mapping=dict(zip(headers, keys, strict=False)),
        )
    except (ValidationError, PermissionDenied) as exc:
        return refused(exc)
    return redirect("reports:import", schema=schema)


@login_required
def template(request, schema: str):
    importer = _importer(schema)
    if not holds(request.user, Action.CHANGE):
        raise PermissionDenied(_("没有可导入数据的单位"))
    return file_response(importer.template(request.user), f"{importer.title}导入模板.xlsx")


# --- exports ---------------------------------------------------------------------


@login_required
def export(request, kind: str):
    """Every list as .xlsx: a registered exporter (``kit.tabular.exports``) with the
    list page's filters, or the engine's ranking / indicator table."""
    user = request.user
    try:
        if kind in exporters:
            exporter = exporters[kind]
            if exporter.rows is not None and (
                request.GET.get("background")
                or exporter.rows(user, request.GET).count() > services.export_inline_rows()
            ):
                # a long list is written by the job workers; the person follows it on 我的任务
                query = request.GET.copy()
                query.pop("background", None)
                job = jobs.job_start(
                    user=user,
                    kind="export",
                    params={"kind": kind, "query": query.urlencode()},
                    title=f"导出{exporter.title}",
                )
                return job_started(request, job)
            path = exporter.write(user, request.GET)
            name = exporter.title
        elif kind == "rankings":
            scheme = get_object_or_404(
                RankingScheme.objects.restrict(user, Action.VIEW).select_related("parent_unit"),
                code=request.GET.get("scheme", ""),
            )
            shown = resolve_year_as_of(
                unit=scheme.parent_unit,
                year=_int(request.GET.get("year")),
                as_of=_date(request.GET.get("as_of")),
                default_year=scheme.year,
            )
            year, as_of = shown.year, shown.as_of
            before = month_earlier(as_of)
            rows = engine.ranking(
                scheme,
                Period.year_to_date(year, as_of),
                previous=Period.year_to_date(year, before) if before else None,
                viewer=user,
            )
            path = exports.export_ranking(scheme, rows, caption=f"{scheme.name}(截至 {as_of})")
            name = "赛马排名"
        elif kind == "indicators":
            unit = unit_visible_or_404(user, request.GET.get("unit"))
            shown = resolve_year_as_of(
                unit=unit, year=_int(request.GET.get("year")), as_of=_date(request.GET.get("as_of"))
            )
            path = exports.export_indicators(
                selectors.indicator_table(unit, shown.year, shown.as_of),
                caption=f"{unit.name} 指标(截至 {shown.as_of})",
            )
            name = f"指标-{unit.name}"
        else:
            raise Http404
    except (PydanticError, ValidationError, ValueError) as exc:
        return bad_query(exc)
    return file_response(path, f"{name}-{stamp()}.xlsx")


def _int(text):
    if text in (None, ""):
        return None
    try:
        return int(text)
    except ValueError:
        raise ValidationError({"year": f"年度“{text}”不是整数"}) from None


def _date(text):
    if text in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError({"as_of": f"日期“{text}”应为 YYYY-MM-DD"}) from None


# --- dispatch report --------------------------------------------------------------


def _dispatch_page(request, *, unit=None, errors=(), status: int = 200):
    """The 调度通报 form: the period and a unit chosen from those the user may see."""
    units = selectors.dispatch_units(request.user)
    chosen = unit.pk if unit is not None else (units[0].pk if units else None)
    top = min((u.depth for u in units), default=0)
    return render(
        request,
        "reports/dispatch.html",
        {
            "soffice": bool(soffice()),
            "period": request.GET.get("period", "") or f"{clock_today():%Y-%m}",
            # indented by depth under the user's top unit
            "units": [(u.pk, "\u3000" * (u.depth - top) + u.name) for u in units],
            "chosen": chosen,
            "errors": list(errors),
        },
        status=status,
    )


@login_required
def dispatch(request):
    unit = None
    if request.GET.get("unit"):
        unit = selectors.dispatch_unit_or_404(request.user, request.GET.get("unit"))
    return _dispatch_page(request, unit=unit)


@login_required
def dispatch_file(request, fmt: str):
    if fmt not in ("docx", "pdf"):
        raise Http404
    unit = selectors.dispatch_unit_or_404(request.user, request.GET.get("unit"))
    try:
        period = Period.parse(request.GET.get("period", ""))
    except ValueError as exc:
        return _dispatch_page(request, unit=unit, errors=[str(exc)], status=400)
    if fmt == "pdf" or request.GET.get("background"):
        # made by the job workers (a PDF takes LibreOffice up to minutes); the person
        # follows it on 我的任务 and is told when it is ready
        if fmt == "pdf" and not soffice():
            return _dispatch_page(
                request,
                unit=unit,
                errors=[_("本机未安装 LibreOffice,暂不能生成 PDF。")],
                status=503,
            )
        job = jobs.job_start(
            user=request.user,
            kind="dispatch",
            params={"unit": unit.pk, "period": request.GET.get("period", "").strip(), "fmt": fmt},
            title=f"调度通报 {unit.name} {request.GET.get('period', '').strip()} ({fmt.upper()})",
        )
        return job_started(request, job)
    try:
        data = render_docx(unit=unit, period=period, user=request.user)
        if fmt == "pdf":
            data = docx_to_pdf(data)
    except ReportError as exc:
        return _dispatch_page(request, unit=unit, errors=[str(exc)], status=503)
    name = f"调度通报-{unit.name}-{request.GET.get('period')}.{fmt}"
    return bytes_response(data, name, DOCX if fmt == "docx" else PDF)
