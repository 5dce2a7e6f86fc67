"""Pages and downloads: import (with progress), error sheets, templates, list exports and
the dispatch report. Thin: validate → call a service or selector → respond."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from pydantic import ValidationError as PydanticError

from gongjian.api.common import get_or_404, month_earlier, visible_unit_or_404, year_and_as_of
from gongjian.common.dates import Period
from gongjian.common.errors import messages_of
from gongjian.indicators import engine
from gongjian.indicators.api import _may_see_scheme
from gongjian.indicators.models import RankingScheme
from gongjian.projects.filters import ProblemFilter, ProgressReportFilter, ProjectFilter
from gongjian.projects.models import Problem, ProgressReport, Project
from gongjian.units.models import Unit
from gongjian.units.selectors import is_office, units_visible_to

from . import exports, services
from .dispatch import ReportError, docx_to_pdf, render_docx, soffice
from .imports import SCHEMAS
from .models import ColumnMapping, ImportRun
from .selectors import indicator_table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _file(path: Path, name: str, content_type: str) -> FileResponse:
    """Stream a temporary file and delete it once sent."""
    handle = path.open("rb")
    path.unlink(missing_ok=True)  # the open handle keeps the data until closed (POSIX)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


def _bad_query(exc: Exception) -> HttpResponseBadRequest:
    if isinstance(exc, PydanticError):
        text = ";".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    elif isinstance(exc, ValidationError):
        text = ";".join(messages_of(exc))
    else:
        text = str(exc)
    return HttpResponseBadRequest(f"查询条件有误:{text}", content_type="text/plain; charset=utf-8")


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


# --- import ----------------------------------------------------------------------


@login_required
def index(request):
    runs = (
        ImportRun.objects.all()
        if is_office(request.user)
        else ImportRun.objects.filter(created_by=request.user)
    )
    return render(
        request,
        "reports/index.html",
        {
            "schemas": SCHEMAS,
            "runs": runs.select_related("created_by")[:20],
            "mappings": ColumnMapping.objects.all(),
            "soffice": bool(soffice()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request, schema: str):
    if schema not in SCHEMAS:
        raise Http404
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
            "schema": SCHEMAS[schema],
            "mappings": ColumnMapping.objects.filter(schema=schema),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _run_for(request, run_id: int) -> ImportRun:
    qs = (
        ImportRun.objects.all()
        if is_office(request.user)
        else ImportRun.objects.filter(created_by=request.user)
    )
    return get_object_or_404(qs, pk=run_id)


@login_required
def import_run(request, run_id: int):
    run = _run_for(request, run_id)
    return render(
        request,
        "reports/run.html",
        {
            "run": run,
            "schema": SCHEMAS[run.schema],
            "finished": run.status not in (ImportRun.Status.PENDING, ImportRun.Status.RUNNING),
        },
    )


@login_required
def import_progress(request, run_id: int):
    run = _run_for(request, run_id)
    progress = cache.get(services.progress_key(run.pk)) or {}
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
    return FileResponse(
        Path(run.error_file).open("rb"),
        as_attachment=True,
        filename=f"{Path(run.file_name).stem}-错误行.xlsx",
        content_type=XLSX,
    )


@login_required
@require_http_methods(["POST"])
def mapping_save(request, schema: str):
    if schema not in SCHEMAS:
        raise Http404
    headers = request.POST.getlist("header")
    keys = request.POST.getlist("column")
    try:
        services.column_mapping_save(
            actor=request.user,
            schema=schema,
            name=request.POST.get("name", "").strip(),
            mapping=dict(zip(headers, keys, strict=False)),
        )
    except ValidationError as exc:
        return HttpResponseBadRequest(
            ";".join(messages_of(exc)), content_type="text/plain; charset=utf-8"
        )
    except PermissionDenied as exc:
        return HttpResponse(str(exc), status=403, content_type="text/plain; charset=utf-8")
    return redirect("reports:import", schema=schema)


@login_required
def template(request, schema: str):
    if schema not in SCHEMAS:
        raise Http404
    units = Unit.objects.filter(pk__in=units_visible_to(request.user).values("pk"))
    path = exports.write_template(SCHEMAS[schema], units=units)
    return _file(path, f"{SCHEMAS[schema].title}导入模板.xlsx", XLSX)


# --- exports ---------------------------------------------------------------------


def _scoped_projects(user):
    return Project.objects.visible_to(user)


@login_required
def export(request, kind: str):
    user = request.user
    try:
        if kind == "projects":
            qs = ProjectFilter.from_querydict(request.GET).apply(_scoped_projects(user))
            path = exports.export_projects(qs)
            name = "项目清单"
        elif kind == "reports":
            qs = ProgressReportFilter.from_querydict(request.GET).apply(
                ProgressReport.objects.filter(project__in=_scoped_projects(user).values("pk"))
            )
            path = exports.export_reports(qs)
            name = "进度报告"
        elif kind == "problems":
            qs = ProblemFilter.from_querydict(request.GET).apply(
                Problem.objects.filter(project__in=_scoped_projects(user).values("pk"))
            )
            path = exports.export_problems(qs)
            name = "问题清单"
        elif kind == "rankings":
            scheme = get_or_404(
                RankingScheme.objects.select_related("parent_unit"),
                code=request.GET.get("scheme", ""),
            )
            if not _may_see_scheme(user, scheme):
                raise Http404
            year, as_of = year_and_as_of(
                _int(request.GET.get("year")),
                _date(request.GET.get("as_of")),
                default_year=scheme.year,
            )
            before = month_earlier(as_of)
            rows = engine.ranking(
                scheme,
                Period.year_to_date(year, as_of),
                previous=Period.year_to_date(year, before) if before else None,
            )
            path = exports.export_ranking(scheme, rows, caption=f"{scheme.name}(截至 {as_of})")
            name = "赛马排名"
        elif kind == "indicators":
            unit = visible_unit_or_404(user, request.GET.get("unit"))
            year, as_of = year_and_as_of(
                _int(request.GET.get("year")), _date(request.GET.get("as_of"))
            )
            path = exports.export_indicators(
                indicator_table(unit, year, as_of), caption=f"{unit.name} 指标(截至 {as_of})"
            )
            name = f"指标-{unit.name}"
        else:
            raise Http404
    except (PydanticError, ValidationError, ValueError) as exc:
        return _bad_query(exc)
    return _file(path, f"{name}-{_stamp()}.xlsx", XLSX)


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


@login_required
def dispatch(request):
    return render(
        request,
        "reports/dispatch.html",
        {
            "soffice": bool(soffice()),
            "period": request.GET.get("period", ""),
        },
    )


@login_required
def dispatch_file(request, fmt: str):
    if fmt not in ("docx", "pdf"):
        raise Http404
    unit = visible_unit_or_404(request.user, request.GET.get("unit"))
    try:
        period = Period.parse(request.GET.get("period", ""))
        data = render_docx(unit=unit, period=period, user=request.user)
        if fmt == "pdf":
            data = docx_to_pdf(data)
    except (ValueError, ReportError) as exc:
        return HttpResponse(
            str(exc),
            status=400 if not isinstance(exc, ReportError) else 503,
            content_type="text/plain; charset=utf-8",
        )
    name = f"调度通报-{unit.name}-{request.GET.get('period')}.{fmt}"
    response = HttpResponse(data, content_type=DOCX if fmt == "docx" else "application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
