"""Edit pages that never lose an update: the project edit page and the edit, correction
and approval of progress reports.

Each form carries the version the user opened. When someone else saved in between, the
service refuses the save (``ConflictError``) and the page comes back with the user's input
kept, who saved and when, and each field that changed: as opened, as saved by the other
person, and as the user typed it. The hidden version then moves to the current one, so a
second save, made knowingly, goes through.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongjian.common.errors import ConflictError, messages_of
from gongjian.common.history import Labels
from gongjian.projects import services as project_services
from gongjian.projects.models import ProgressReport, Project
from gongjian.units.selectors import is_office

from .edit_forms import ProjectEditForm, ReportCorrectForm, ReportEditForm


def _add_errors(form, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc))
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message if target else f"{field}: {message}")
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _conflict_rows(exc: ConflictError, model, yours: dict) -> list[dict]:
    """The changed fields with the user's own value beside the two saved ones."""
    labels = Labels()
    fields = {f.name: f for f in model._meta.concrete_fields}
    for name, value in yours.items():
        if name in fields:
            labels.want(fields[name], getattr(value, "pk", value))
    labels.fetch()
    rows = []
    for change in exc.changed:
        name = change["field"]
        mine = "—"
        if name in yours and name in fields:
            mine = labels.show(fields[name], getattr(yours[name], "pk", yours[name]))
        rows.append({**change, "yours": mine if name in yours else _("(本页无此项)")})
    return rows


def _rebound(form, version: int):
    """The same input, with the hidden version moved to ``version``."""
    data = form.data.copy()
    data["version"] = str(version)
    form.data = data
    return form


# --- project ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk: int):
    project = get_object_or_404(
        Project.objects.editable_by(request.user).select_related("unit"), pk=pk
    )
    conflict = None
    if request.method == "POST":
        form = ProjectEditForm(request.POST, user=request.user)
        if form.is_valid():
            changes = form.changes(project)
            try:
                project_services.project_update(
                    actor=request.user,
                    project=project,
                    expected_version=form.cleaned_data["version"],
                    **changes,
                )
            except ConflictError as exc:
                conflict = {
                    "message": exc.message,
                    "rows": _conflict_rows(exc, Project, form.cleaned_data),
                }
                form = _rebound(form, exc.current_version)
            except (ValidationError, PermissionDenied) as exc:
                _add_errors(form, exc)
            else:
                if changes:
                    messages.success(request, _("已保存“%(name)s”") % {"name": project.name})
                else:
                    messages.info(request, _("没有修改任何内容"))
                return redirect("web:project", pk=pk)
    else:
        form = ProjectEditForm(initial=ProjectEditForm.initial_of(project), user=request.user)
    return render(
        request,
        "web/project_edit.html",
        {
            "project": project,
            "form": form,
            "conflict": conflict,
            "is_office": is_office(request.user),
        },
    )


# --- progress reports ------------------------------------------------------------------


def _report_or_404(request, pk: int, report_pk: int) -> tuple[Project, ProgressReport]:
    project = get_object_or_404(
        Project.objects.editable_by(request.user).select_related("unit"), pk=pk
    )
    report = get_object_or_404(ProgressReport.all_versions.filter(project=project), pk=report_pk)
    return project, report


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request, pk: int, report_pk: int):
    """Change a report not yet approved."""
    project, report = _report_or_404(request, pk, report_pk)
    if not report.is_current or report.status == ProgressReport.Status.APPROVED:
        messages.error(request, _("该报告已审核或已被更正,不能直接修改"))
        return redirect("web:project", pk=pk)
    conflict = None
    if request.method == "POST":
        form = ReportEditForm(request.POST)
        if form.is_valid():
            try:
                project_services.progress_report_update(
                    actor=request.user,
                    report=report,
                    expected_version=form.cleaned_data["version"],
                    **form.values(),
                )
            except ConflictError as exc:
                conflict = {
                    "message": exc.message,
                    "rows": _conflict_rows(exc, ProgressReport, form.cleaned_data),
                }
                form = _rebound(form, exc.current_version)
            except (ValidationError, PermissionDenied) as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已保存 %(period)s 的进度报告") % {"period": f"{report.period_start:%Y-%m}"},
                )
                return redirect("web:project", pk=pk)
    else:
        form = ReportEditForm(initial=ReportEditForm.initial_of(report))
    return render(
        request,
        "web/report_edit.html",
        {
            "project": project,
            "report": report,
            "form": form,
            "conflict": conflict,
            "correct": False,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_correct(request, pk: int, report_pk: int):
    """Correct an approved report with a new version that supersedes it."""
    project, report = _report_or_404(request, pk, report_pk)
    if request.method == "POST":
        form = ReportCorrectForm(request.POST)
        if form.is_valid():
            try:
                project_services.progress_report_correct(
                    actor=request.user,
                    report=report,
                    reason=form.cleaned_data["reason"],
                    **form.values(),
                )
            except (ValidationError, PermissionDenied) as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("已提交更正版本,等待审核"))
                return redirect("web:project", pk=pk)
    else:
        form = ReportCorrectForm(initial=ReportEditForm.initial_of(report))
    return render(
        request,
        "web/report_edit.html",
        {"project": project, "report": report, "form": form, "conflict": None, "correct": True},
    )


@login_required
@require_POST
def report_approve(request, pk: int, report_pk: int):
    project, report = _report_or_404(request, pk, report_pk)
    try:
        project_services.progress_report_approve(actor=request.user, report=report)
    except ValidationError as exc:
        messages.error(request, ";".join(messages_of(exc)))
    else:
        messages.success(
            request, _("已审核 %(period)s 的进度报告") % {"period": f"{report.period_start:%Y-%m}"}
        )
    return redirect("web:project", pk=project.pk)
