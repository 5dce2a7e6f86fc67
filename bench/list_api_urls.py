"""The product's URLs plus ``/floor/projects``: the floor the list API is measured against
(bench/bench_list_api.py). Bench-only; the product's URLconf never includes it."""

from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.urls import path

from gongjian.kit.scope import Action
from gongjian.projects.models import Project
from gongjian.units.models import ApiToken, Unit, User
from gongjian.urls import urlpatterns as product_urlpatterns

PAGE_SIZE = 50
FIELDS = (
    "id",
    "code",
    "name",
    "unit_id",
    "category",
    "stage",
    "total_investment",
    "planned_investment",
    "completed_investment",
)


def floor_projects(request: HttpRequest) -> JsonResponse:
    """The same rows as ``GET /api/projects?unit=&stage=&page=`` (same token, same scope,
    same filter, order and page, the total count) with ``.values()`` and nothing else:
    no schema, no filter class, no pagination class."""
    header = request.headers.get("Authorization", "")
    key = header.removeprefix("Bearer ").strip()
    token = ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(key)).first()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return JsonResponse({"detail": "Unauthorized"}, status=401)
    qs = Project.objects.restrict(token.user, Action.VIEW)
    unit = Unit.objects.filter(pk=request.GET.get("unit")).first()
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    stages = request.GET.getlist("stage")
    if stages:
        qs = qs.filter(stage__in=stages)
    page = max(1, int(request.GET.get("page", 1)))
    offset = (page - 1) * PAGE_SIZE
    rows = list(
        qs.order_by("code")
        .annotate(unit_name=F("unit__name"))
        .values(*FIELDS, "unit_name", "leader_id")[offset : offset + PAGE_SIZE]
    )
    # the leaders' names by a query of their own, as the API reads them (joined into the
    # page's query, PostgreSQL read the people table once per project of the subtree)
    people = User.objects.filter(pk__in={r["leader_id"] for r in rows} - {None})
    names = dict(people.values_list("pk", "full_name"))
    for row in rows:
        row["leader_name"] = names.get(row.pop("leader_id"))
    tags: dict[int, list[str]] = {}
    through = Project.tags.through.objects.filter(project_id__in=[r["id"] for r in rows])
    for project_id, slug in through.order_by("tag_id").values_list("project_id", "tag__slug"):
        tags.setdefault(project_id, []).append(slug)
    for row in rows:
        row["tags"] = tags.get(row["id"], [])
    return JsonResponse({"items": rows, "count": qs.count()})


urlpatterns = [path("floor/projects", floor_projects), *product_urlpatterns]
