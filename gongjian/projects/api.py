"""/api/projects, /api/reports, /api/problems: thin views over the scoped querysets and
the services in ``projects.services``."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from gongjian.api.common import READ_ERRORS, WRITE_ERRORS, ConflictOut, get_or_404, reference
from gongjian.units.models import Unit, User
from gongjian.units.selectors import units_visible_to

from . import services
from .filters import ProblemFilter, ProgressReportFilter, ProjectFilter
from .models import Batch, Problem, ProgressReport, Project, StageTransition, Tag
from .schemas import (
    ProblemIn,
    ProblemOut,
    ProblemTransitionIn,
    ProjectCreateIn,
    ProjectDetail,
    ProjectItem,
    ProjectUpdateIn,
    ReportIn,
    ReportOut,
    TransitionIn,
)

router = Router(tags=["项目"])

PAGE = {"page_size": 50, "max_page_size": 500}


# --- scoped querysets ---------------------------------------------------------------


def _projects(user: User) -> QuerySet[Project]:
    return Project.objects.visible_to(user)


def _project_list_qs(user: User) -> QuerySet[Project]:
    return (
        _projects(user)
        .select_related("unit", "leader")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("pk")))
    )


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
    return ProgressReport.objects.filter(project__in=_projects(user).values("pk")).select_related(
        "project", "submitted_by"
    )


def _problems(user: User) -> QuerySet[Problem]:
    return Problem.objects.filter(project__in=_projects(user).values("pk")).select_related(
        "project", "project__unit", "owner_unit", "leader"
    )


# --- body references ----------------------------------------------------------------


def _unit_in_scope(user: User, pk: int | None) -> Unit | None:
    """The owner unit of a project must be one the caller can see; any other id is
    reported exactly like a missing one."""
    return reference(Unit, pk, "unit", "所属单位", queryset=units_visible_to(user))


def _any_unit(pk: int | None, field: str, label: str) -> Unit | None:
    # 责任部门 / 责任单位 are often city departments outside a district operator's scope.
    return reference(Unit, pk, field, label, queryset=Unit.objects.filter(is_active=True))


def _person(pk: int | None, field: str = "leader") -> User | None:
    return reference(User, pk, field, "用户", queryset=User.objects.filter(is_active=True))


def _by_key(model, keys: list[str], field: str, key: str, label: str) -> list:
    found = {getattr(obj, key): obj for obj in model.objects.filter(**{f"{key}__in": keys})}
    missing = [k for k in keys if k not in found]
    if missing:
        raise ValidationError({field: [f"{label}“{k}”不存在" for k in missing]})
    return [found[k] for k in dict.fromkeys(keys)]


# --- projects ----------------------------------------------------------------------


@router.get("/projects", response={200: list[ProjectItem], **READ_ERRORS}, summary="项目清单")
@paginate(PageNumberPagination, **PAGE)
def project_list(request: HttpRequest, filters: Query[ProjectFilter]):
    """Projects in the caller's scope, filtered and ordered; 50 a page (``page_size`` ≤ 500)."""
    return filters.apply(_project_list_qs(request.auth))


@router.get(
    "/projects/{project_id}", response={200: ProjectDetail, **READ_ERRORS}, summary="项目详情"
)
def project_detail(request: HttpRequest, project_id: int):
    return _project_detail(request.auth, project_id)


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
        responsible_unit=_any_unit(data.pop("responsible_unit_id"), "responsible_unit", "责任部门"),
        leader=_person(data.pop("leader_id")),
        tags=_by_key(Tag, data.pop("tags"), "tags", "slug", "标签"),
        batches=_by_key(Batch, data.pop("batches"), "batches", "code", "批次"),
        stage_events=[(e["stage"], e["occurred_on"]) for e in data.pop("stage_events")],
        **data,
    )
    return Status(201, _project_detail(user, project.pk))


@router.patch(
    "/projects/{project_id}",
    response={200: ProjectDetail, 409: ConflictOut, **WRITE_ERRORS},
    summary="修改项目",
)
def project_update(request: HttpRequest, project_id: int, payload: ProjectUpdateIn):
    """Change the fields sent. With ``expected_version``, a project someone else saved in
    the meantime is refused with 409 and nothing is changed."""
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
            data.pop("responsible_unit_id"), "responsible_unit", "责任部门"
        )
    if "leader_id" in data:
        data["leader"] = _person(data.pop("leader_id"))
    services.project_update(actor=user, project=project, expected_version=expected_version, **data)
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
@paginate(PageNumberPagination, **PAGE)
def report_list(request: HttpRequest, filters: Query[ProgressReportFilter]):
    return filters.apply(_reports(request.auth))


# --- problems ----------------------------------------------------------------------


@router.get("/problems", response={200: list[ProblemOut], **READ_ERRORS}, summary="问题清单")
@paginate(PageNumberPagination, **PAGE)
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
        owner_unit=_any_unit(data["owner_unit_id"], "owner_unit", "责任单位"),
        leader=_person(data["leader_id"]),
    )
    return Status(201, _problems(user).get(pk=problem.pk))


@router.post(
    "/problems/{problem_id}/transition",
    response={200: ProblemOut, **WRITE_ERRORS},
    summary="办理问题(交办、解决、销号)",
)
def problem_transition(request: HttpRequest, problem_id: int, payload: ProblemTransitionIn):
    """assigned → resolved → verified (销号, by the 包保 leader or the superior unit); a
    rejected resolution goes back to assigned."""
    user = request.auth
    problem = get_or_404(_problems(user), pk=problem_id)
    services.problem_transition(
        actor=user,
        problem=problem,
        to_status=payload.status,
        on_date=payload.on_date,
        comment=payload.comment,
        owner_unit=_any_unit(payload.owner_unit_id, "owner_unit", "责任单位"),
    )
    return _problems(user).get(pk=problem.pk)
