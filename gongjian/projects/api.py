"""/api/projects, /api/reports, /api/problems: thin views over the scoped querysets and
the services in ``projects.services``."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from gongjian.kit.api import (
    READ_ERRORS,
    WRITE_ERRORS,
    ConflictOut,
    ErrorOut,
    Pages,
    get_or_404,
    reference,
)
from gongjian.kit.errors import ConflictError, PreconditionRequired
from gongjian.kit.scope import Action
from gongjian.units.models import Unit, User
from gongjian.units.selectors import leaders_for, top_unit, units_in_trees

from . import oc4ids, services
from .filters import ProblemFilter, ProgressReportFilter, ProjectFilter
from .models import Batch, Problem, ProgressReport, Project, StageTransition, Tag
from .schemas import (
    CATEGORY_LABELS,
    STAGE_LABELS,
    ProblemIn,
    ProblemOut,
    ProblemTransitionIn,
    ProjectCreateIn,
    ProjectDetail,
    ProjectItem,
    ProjectUpdateIn,
    ReportCorrectIn,
    ReportIn,
    ReportOut,
    ReportUpdateIn,
    TransitionIn,
)

router = Router(tags=["项目"])

PAGE = {"page_size": 50, "max_page_size": 500}


# --- scoped querysets ---------------------------------------------------------------


def _projects(user: User) -> QuerySet[Project]:
    return Project.objects.restrict(user, Action.VIEW)


# The columns a list row (``ProjectItem``) shows; the rest (texts, dates, map) stay in the
# database. bench/bench_list_api.py measures this list against a bare ``.values()`` view.
LIST_COLUMNS = (
    *("id", "code", "national_code", "name", "category", "stage", "unit__id", "unit__name"),
    *("total_investment", "planned_investment", "completed_investment"),
)


def _project_rows(page: QuerySet[Project]) -> list[dict]:
    """A page of the list as finished ``ProjectItem`` rows: one ``.values()`` query, one
    over the tags' through table and one for the leaders' names; no model instances, no
    resolvers. (Joined into the page's query, the people table was read once per project
    of the subtree: PostgreSQL, expecting a handful of rows, chose a nested loop.)"""
    rows = list(page.values(*LIST_COLUMNS, "leader_id"))
    people = User.objects.filter(pk__in={row["leader_id"] for row in rows} - {None})
    # as ``schemas._person``: the full name, else the username
    leaders = {
        pk: full or name for pk, full, name in people.values_list("pk", "full_name", "username")
    }
    tags: dict[int, list[str]] = {}
    through = Project.tags.through.objects.filter(project_id__in=[row["id"] for row in rows])
    for project_id, slug in through.order_by("tag_id").values_list("project_id", "tag__slug"):
        tags.setdefault(project_id, []).append(slug)
    # the labels in the request's language, translated once a page rather than once a row
    categories = {value: str(label) for value, label in CATEGORY_LABELS.items()}
    stages = {value: str(label) for value, label in STAGE_LABELS.items()}
    return [
        {
            "id": row["id"],
            "code": row["code"],
            "national_code": row["national_code"],
            "name": row["name"],
            "unit": {"id": row["unit__id"], "name": row["unit__name"]},
            "category": row["category"],
            "category_label": categories.get(row["category"], row["category"]),
            "stage": row["stage"],
            "stage_label": stages.get(row["stage"], row["stage"]),
            "total_investment": row["total_investment"],
            "planned_investment": row["planned_investment"],
            "completed_investment": row["completed_investment"],
            "tags": tags.get(row["id"], []),
            "leader_name": leaders.get(row["leader_id"]),
        }
        for row in rows
    ]


def _project_detail(user: User, project_id: int) -> Project:
    qs = (
        _projects(user)
        .select_related("unit", "responsible_unit", "leader")
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.order_by("pk")),
            Prefetch("batches", queryset=Batch.objects.order_by("-year", "code")),
            Prefetch("transitions", queryset=StageTransition.objects.order_by("occurred_on", "pk")),
        )
    )
    return get_or_404(qs, pk=project_id)


def _reports(user: User) -> QuerySet[ProgressReport]:
    return (
        ProgressReport.objects.restrict(user, Action.VIEW)
        .filter(project__deleted_at__isnull=True)
        .select_related("project", "submitted_by")
    )


def _problems(user: User) -> QuerySet[Problem]:
    return (
        Problem.objects.restrict(user, Action.VIEW)
        .filter(project__deleted_at__isnull=True)
        .select_related("project", "project__unit", "owner_unit", "leader")
    )


# --- body references ----------------------------------------------------------------


def _unit_in_scope(user: User, pk: int | None) -> Unit | None:
    """The owner unit of a project must be one the caller can see; any other id is
    reported exactly like a missing one."""
    return reference(
        Unit, pk, "unit", "所属单位", queryset=Unit.objects.restrict(user, Action.VIEW)
    )


def _any_unit(user: User, pk: int | None, field: str, label: str) -> Unit | None:
    # 责任部门 / 责任单位 are often city departments outside a district operator's scope:
    # any unit of the caller's city
    return reference(Unit, pk, field, label, queryset=units_in_trees(user))


def _person(user: User, pk: int | None, field: str = "leader") -> User | None:
    return reference(User, pk, field, "用户", queryset=leaders_for(user))


def _by_key(model, keys: list[str], field: str, key: str, label: str) -> list:
    found = {getattr(obj, key): obj for obj in model.objects.filter(**{f"{key}__in": keys})}
    missing = [k for k in keys if k not in found]
    if missing:
        raise ValidationError({field: [f"{label}“{k}”不存在" for k in missing]})
    return [found[k] for k in dict.fromkeys(keys)]


# --- versions: ETag / If-Match ------------------------------------------------------

CONFLICTS = {409: ConflictOut, 412: ConflictOut, 428: ErrorOut}


def _etag(response: HttpResponse, version: int) -> None:
    response["ETag"] = f'"{version}"'


ANY_VERSION = -1  # ``If-Match: *``: the caller knowingly saves over any version


def _if_match(request: HttpRequest) -> int | None:
    """The version an ``If-Match`` header names (``"5"`` or ``W/"5"``); ``ANY_VERSION``
    for ``*``; None without the header."""
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    if raw.strip() == "*":
        return ANY_VERSION
    tag = raw.split(",")[0].strip()
    tag = tag[2:] if tag.startswith("W/") else tag
    tag = tag.strip('"')
    if not tag.isdigit():
        raise ValidationError({"If-Match": f'If-Match 须为读取时的 ETag(如 "5"),收到的是 {raw}'})
    return int(tag)


def _versioned(request: HttpRequest, data: dict, write, **kwargs):
    """Run ``write`` with the version the caller read: the ``If-Match`` header (a stale one
    answers 412) or else the body's ``expected_version`` (a stale one answers 409). An
    update naming neither is refused with 428: a caller that never read the object would
    otherwise save over someone else's change unseen. ``If-Match: *`` says so knowingly."""
    expected_version = data.pop("expected_version", None)
    if_match = _if_match(request)
    if if_match is None and expected_version is None:
        raise PreconditionRequired(
            '修改须注明读取时的版本:请求头 If-Match: "<version>"(GET 返回的 ETag),'
            "或请求体中的 expected_version;确要覆盖任何版本时用 If-Match: *"
        )
    version = if_match if if_match is not None else expected_version
    try:
        return write(expected_version=None if version == ANY_VERSION else version, **kwargs)
    except ConflictError as exc:
        exc.precondition = if_match is not None
        raise


# --- projects ----------------------------------------------------------------------


@router.get("/projects", response={200: list[ProjectItem], **READ_ERRORS}, summary="项目清单")
@paginate(Pages, rows=_project_rows, **PAGE)
def project_list(request: HttpRequest, filters: Query[ProjectFilter]):
    """Projects in the caller's scope, filtered and ordered; 50 a page (``page_size`` ≤ 500)."""
    return filters.apply(_projects(request.auth))


@router.get(
    "/projects/{project_id}", response={200: ProjectDetail, **READ_ERRORS}, summary="项目详情"
)
def project_detail(request: HttpRequest, project_id: int, response: HttpResponse):
    """The project; the ``ETag`` header carries its version for ``If-Match`` on PATCH."""
    project = _project_detail(request.auth, project_id)
    _etag(response, project.version)
    return project


@router.get(
    "/oc4ids/projects.json",
    response={200: dict[str, Any], **READ_ERRORS},
    summary="OC4IDS 项目数据包",
    tags=["开放数据"],
)
def oc4ids_projects(request: HttpRequest, filters: Query[ProjectFilter]):
    """The projects in the caller's scope, filtered as the project list, as an OC4IDS 0.9
    project package (Open Contracting for Infrastructure Data Standard): stages mapped to
    ``status``, amounts in CNY (元), locations as points, 包保 leader and departments as
    ``parties``, progress reports as ``metrics``. docs/oc4ids.md has the mapping."""
    user = request.auth
    package = oc4ids.project_package(
        filters.apply(_projects(user)),
        uri=request.build_absolute_uri(),
        publisher=_publisher_name(user),
    )
    return JsonResponse(package, json_dumps_params={"ensure_ascii": False})


def _publisher_name(user: User) -> str:
    unit = top_unit(user)
    return unit.name if unit is not None else "gongjian"


@router.post("/projects", response={201: ProjectDetail, **WRITE_ERRORS}, summary="新建项目")
def project_create(request: HttpRequest, payload: ProjectCreateIn):
    user = request.auth
    data = payload.model_dump()
    project = services.project_create(
        actor=user,
        code=data.pop("code"),
        name=data.pop("name"),
        unit=_unit_in_scope(user, data.pop("unit_id")),
        category=data.pop("category"),
        total_investment=data.pop("total_investment"),
        responsible_unit=_any_unit(
            user, data.pop("responsible_unit_id"), "responsible_unit", "责任部门"
        ),
        leader=_person(user, data.pop("leader_id")),
        tags=_by_key(Tag, data.pop("tags"), "tags", "slug", "标签"),
        batches=_by_key(Batch, data.pop("batches"), "batches", "code", "批次"),
        stage_events=[(e["stage"], e["occurred_on"]) for e in data.pop("stage_events")],
        **data,
    )
    return Status(201, _project_detail(user, project.pk))


@router.patch(
    "/projects/{project_id}",
    response={200: ProjectDetail, **CONFLICTS, **WRITE_ERRORS},
    summary="修改项目",
)
def project_update(
    request: HttpRequest, project_id: int, payload: ProjectUpdateIn, response: HttpResponse
):
    """Change the fields sent. With an ``If-Match: "<version>"`` header (the ``ETag`` of
    GET) a project someone else saved in the meantime is refused with 412, with
    ``expected_version`` in the body with 409; either way nothing is changed and the
    answer lists the fields that changed since the caller read them."""
    user = request.auth
    project = get_or_404(_projects(user).select_related("unit"), pk=project_id)
    data = payload.model_dump(exclude_unset=True)
    expected_version = data.pop("expected_version", None)
    if not data:
        raise ValidationError("请求中没有要修改的字段")
    if "unit_id" in data:
        if data["unit_id"] is None:
            raise ValidationError({"unit": "所属单位不能为空"})
        data["unit"] = _unit_in_scope(user, data.pop("unit_id"))
    if "responsible_unit_id" in data:
        data["responsible_unit"] = _any_unit(
            user, data.pop("responsible_unit_id"), "responsible_unit", "责任部门"
        )
    if "leader_id" in data:
        data["leader"] = _person(user, data.pop("leader_id"))
    _versioned(
        request,
        {"expected_version": expected_version},
        services.project_update,
        actor=user,
        project=project,
        **data,
    )
    updated = _project_detail(user, project.pk)
    _etag(response, updated.version)
    return updated


@router.delete(
    "/projects/{project_id}", response={204: None, **WRITE_ERRORS}, summary="删除项目(回收站)"
)
def project_delete(request: HttpRequest, project_id: int, reason: str = ""):
    """Office only: the project goes to the recycle bin (软删除) — out of every list,
    count and ranking — and can be restored with ``POST …/restore``."""
    user = request.auth
    project = get_or_404(_projects(user), pk=project_id)
    services.project_delete(actor=user, project=project, reason=reason)
    return Status(204, None)


@router.post(
    "/projects/{project_id}/restore",
    response={200: ProjectDetail, **WRITE_ERRORS},
    summary="从回收站恢复项目",
)
def project_restore(request: HttpRequest, project_id: int):
    """Office only: bring a deleted project back. For anyone else a deleted project is
    simply missing (404)."""
    user = request.auth
    bin_ = Project.all_objects.deleted().restrict(user, Action.MANAGE)
    project = get_or_404(bin_, pk=project_id)
    services.project_restore(actor=user, project=project)
    return _project_detail(user, project.pk)


@router.post(
    "/projects/{project_id}/transitions",
    response={201: ProjectDetail, **WRITE_ERRORS},
    summary="登记阶段变更",
)
def project_transition(request: HttpRequest, project_id: int, payload: TransitionIn):
    """Move the project to a stage on a date (签约、落地、开工、复工、停缓建、竣工、投产)."""
    user = request.auth
    project = get_or_404(_projects(user).select_related("unit"), pk=project_id)
    services.project_transition(
        actor=user,
        project=project,
        to_stage=payload.stage,
        on_date=payload.occurred_on,
        note=payload.note,
    )
    return Status(201, _project_detail(user, project.pk))


# --- progress reports ----------------------------------------------------------------


@router.get(
    "/projects/{project_id}/reports",
    response={200: list[ReportOut], **READ_ERRORS},
    summary="项目的进度报告",
)
def project_reports(request: HttpRequest, project_id: int):
    project = get_or_404(_projects(request.auth), pk=project_id)
    return (
        ProgressReport.objects.filter(project=project)
        .select_related("project", "submitted_by")
        .order_by("period_start", "pk")
    )


@router.post(
    "/projects/{project_id}/reports", response={201: ReportOut, **WRITE_ERRORS}, summary="报送进度"
)
def report_submit(request: HttpRequest, project_id: int, payload: ReportIn):
    """Submit (or, before approval, replace) the project's report for a period."""
    user = request.auth
    project = get_or_404(_projects(user).select_related("unit"), pk=project_id)
    report = services.progress_report_submit(actor=user, project=project, **payload.model_dump())
    return Status(201, _reports(user).get(pk=report.pk))


@router.get("/reports", response={200: list[ReportOut], **READ_ERRORS}, summary="进度报告")
@paginate(Pages, **PAGE)
def report_list(request: HttpRequest, filters: Query[ProgressReportFilter]):
    return filters.apply(_reports(request.auth))


def _any_version(user: User) -> QuerySet[ProgressReport]:
    return ProgressReport.all_versions.filter(
        project__in=_projects(user).values("pk")
    ).select_related("project", "submitted_by")


@router.get(
    "/reports/{report_id}", response={200: ReportOut, **READ_ERRORS}, summary="进度报告详情"
)
def report_detail(request: HttpRequest, report_id: int, response: HttpResponse):
    """One report, current or superseded; ``ETag`` carries its version."""
    report = get_or_404(_any_version(request.auth), pk=report_id)
    _etag(response, report.version)
    return report


@router.patch(
    "/reports/{report_id}",
    response={200: ReportOut, **CONFLICTS, **WRITE_ERRORS},
    summary="修改未审核的进度报告",
)
def report_update(
    request: HttpRequest, report_id: int, payload: ReportUpdateIn, response: HttpResponse
):
    """Change a report not yet approved (an approved one is corrected with ``…/correct``).
    ``If-Match`` (412) or ``expected_version`` (409) refuses a stale save."""
    user = request.auth
    report = get_or_404(_any_version(user), pk=report_id)
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items()}
    if not {k for k in data if k != "expected_version"}:
        raise ValidationError("请求中没有要修改的字段")
    nulls = [k for k, v in data.items() if v is None and k != "expected_version"]
    if nulls:
        raise ValidationError({k: "不能为空" for k in nulls})
    expected = data.pop("expected_version", None)
    updated = _versioned(
        request,
        {"expected_version": expected},
        services.progress_report_update,
        actor=user,
        report=report,
        **data,
    )
    _etag(response, updated.version)
    return _any_version(user).get(pk=updated.pk)


@router.post(
    "/reports/{report_id}/approve",
    response={200: ReportOut, **WRITE_ERRORS},
    summary="审核进度报告",
)
def report_approve(request: HttpRequest, report_id: int):
    """Office only. An approved report is never changed again; see ``…/correct``."""
    user = request.auth
    report = get_or_404(_any_version(user), pk=report_id)
    approved = services.progress_report_approve(actor=user, report=report)
    return _any_version(user).get(pk=approved.pk)


@router.post(
    "/reports/{report_id}/correct",
    response={201: ReportOut, **WRITE_ERRORS},
    summary="更正已审核的进度报告",
)
def report_correct(request: HttpRequest, report_id: int, payload: ReportCorrectIn):
    """A new version of an approved report, with the fields sent changed and a reason; it
    supersedes the approved one (which stays readable) and awaits approval."""
    user = request.auth
    report = get_or_404(_any_version(user), pk=report_id)
    data = payload.model_dump(exclude_unset=True)
    reason = data.pop("reason")
    changes = {k: v for k, v in data.items() if v is not None}
    new = services.progress_report_correct(actor=user, report=report, reason=reason, **changes)
    return Status(201, _any_version(user).get(pk=new.pk))


# --- problems ----------------------------------------------------------------------


@router.get("/problems", response={200: list[ProblemOut], **READ_ERRORS}, summary="问题清单")
@paginate(Pages, **PAGE)
def problem_list(request: HttpRequest, filters: Query[ProblemFilter]):
    return filters.apply(_problems(request.auth))


@router.post(
    "/projects/{project_id}/problems",
    response={201: ProblemOut, **WRITE_ERRORS},
    summary="提出问题",
)
def problem_create(request: HttpRequest, project_id: int, payload: ProblemIn):
    user = request.auth
    project = get_or_404(_projects(user).select_related("unit", "leader"), pk=project_id)
    data = payload.model_dump()
    problem = services.problem_create(
        actor=user,
        project=project,
        kind=data["kind"],
        description=data["description"],
        raised_on=data["raised_on"],
        deadline=data["deadline"],
        owner_unit=_any_unit(user, data["owner_unit_id"], "owner_unit", "责任单位"),
        leader=_person(user, data["leader_id"]),
    )
    return Status(201, _problems(user).get(pk=problem.pk))


@router.post(
    "/problems/{problem_id}/transition",
    response={200: ProblemOut, **WRITE_ERRORS},
    summary="办理问题(交办、解决、销号)",
)
def problem_transition(request: HttpRequest, problem_id: int, payload: ProblemTransitionIn):
    """assigned → resolved → verified (销号, by the 包保 leader or the superior unit); a
    rejected resolution goes back to assigned. Each step is kept in the problem's trail,
    as the problem page keeps it."""
    user = request.auth
    problem = get_or_404(_problems(user), pk=problem_id)
    services.problem_act(
        actor=user,
        problem=problem,
        to_status=payload.status,
        on_date=payload.on_date,
        comment=payload.comment,
        owner_unit=_any_unit(user, payload.owner_unit_id, "owner_unit", "责任单位"),
    )
    return _problems(user).get(pk=problem.pk)
