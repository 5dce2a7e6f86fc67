"""The office's audit pages: every change across the registries, its Excel export, and
the recycle bin of soft-deleted projects."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjian.kit.clock import today as clock_today
from gongjian.kit.errors import messages_of
from gongjian.kit.http import file_response
from gongjian.kit.scope import Action, holds
from gongjian.kit.tabular.exports import DATETIME, TEXT, Col, write_table
from gongjian.projects import services as project_services
from gongjian.projects.models import Project

from .forms import AuditFilterForm
from .selectors import AuditFilter, entries, history_rows, iter_entries

PAGE_SIZE = 50


def _office_only(request) -> None:
    if not holds(request.user, Action.MANAGE):
        raise PermissionDenied(_("只有攻坚办可以查看变更审计"))


def _filter_of(request) -> tuple[AuditFilterForm, AuditFilter]:
    form = AuditFilterForm(request.GET or None, user=request.user)
    if form.is_bound and form.is_valid():
        return form, form.to_filter()
    return form, AuditFilter()


@login_required
def audit_list(request):
    _office_only(request)
    form, flt = _filter_of(request)
    page = Paginator(history_rows(flt, request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "page": page,
            "entries": entries(list(page.object_list)),
            "query": urlencode(query),
        },
    )


def _changes_text(entry) -> str:
    return ";".join(f"{c['label']}:{c['before']} → {c['after']}" for c in entry.changes)


def audit_columns() -> list[Col]:
    return [
        Col(_("时间"), lambda e: e.at, DATETIME, 17),
        Col(_("数据类型"), lambda e: e.source.label, TEXT, 12),
        Col(_("对象"), lambda e: e.object_repr, TEXT, 30),
        Col(_("操作"), lambda e: e.action_label, TEXT, 6),
        Col(_("操作人"), lambda e: str(e.user) if e.user else _("系统"), TEXT, 12),
        Col(_("来源地址"), lambda e: e.ip, TEXT, 15),
        Col(_("客户端"), lambda e: e.user_agent, TEXT, 24),
        Col(_("说明"), lambda e: e.reason, TEXT, 16),
        Col(_("变更内容(修改前 → 修改后)"), _changes_text, TEXT, 60),
    ]


@login_required
def audit_export(request):
    _office_only(request)
    form, flt = _filter_of(request)
    if form.is_bound and not form.is_valid():
        messages.error(request, ";".join(messages_of(ValidationError(form.errors))))
        return redirect("audit:list")
    path = write_table(
        _("变更记录"),
        audit_columns(),
        iter_entries(flt, request.user),
        caption=_("变更记录(导出于 %(at)s)") % {"at": f"{timezone.localtime():%Y-%m-%d %H:%M}"},
    )
    return file_response(path, f"变更记录-{clock_today():%Y%m%d}.xlsx")


@login_required
def deleted_projects(request):
    _office_only(request)
    projects = (
        Project.all_objects.deleted()
        .restrict(request.user, Action.MANAGE)
        .select_related("unit", "deleted_by")
        .order_by("-deleted_at", "pk")
    )
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/deleted.html", {"page": page, "query": ""})


@login_required
@require_POST
def project_delete(request, pk: int):
    _office_only(request)
    project = get_object_or_404(Project.objects.restrict(request.user, Action.MANAGE), pk=pk)
    try:
        project_services.project_delete(
            actor=request.user, project=project, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, ";".join(messages_of(exc)))
        return redirect("projects:project", pk=pk)
    messages.success(request, _("项目“%(name)s”已移入回收站") % {"name": project.name})
    return redirect("audit:deleted")


@login_required
@require_POST
def project_restore(request, pk: int):
    _office_only(request)
    project = get_object_or_404(
        Project.all_objects.deleted().restrict(request.user, Action.MANAGE), pk=pk
    )
    project_services.project_restore(actor=request.user, project=project)
    messages.success(request, _("项目“%(name)s”已恢复") % {"name": project.name})
    return redirect("projects:project", pk=pk)
