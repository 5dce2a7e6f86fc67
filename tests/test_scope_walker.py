"""Scope everywhere: every URL pattern of the project and every API operation, attacked as
someone outside district B (anonymous, A's operator, A's viewer, a 包保 leader whose only B
project is his own), with B's ids in the path, in the query and in the body.

For each request: anonymous is sent to sign in (401 on the API); the others get 404/403 for
B's objects, never a body — page, JSON, .xlsx, .docx — that shows any of B's rows (every B
object is named with ``scope_world.SECRET``); and the database is the same afterwards
(row counts of every model, history included, and a digest of every row).

A URL pattern the walker cannot fill fails ``test_every_url_pattern_is_walked`` with its
name, so that a new page can never escape the walk.
"""

from __future__ import annotations

import io
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from gongjian.api.api import api
from gongjian.projects.models import Problem, ProgressReport, Project, StageTransition
from gongjian.units.models import Membership, Role
from tests.factories import api_key
from tests.scope_world import (
    SECRET,
    ScopeWorld,
    build_scope_world,
    changed_models,
    db_snapshot,
    snapshot_diff,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# --- the URL patterns ------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str  # "projects:project"; unnamed patterns get "<namespace>:?<route>"
    route: str  # the whole route, prefixes joined
    kwargs: tuple[str, ...]


def url_patterns() -> list[Pattern]:
    found: list[Pattern] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                named = re.findall(r"\(\?P<(\w+)>", route)
                bare = re.sub(r"\(\?P<\w+>", "(", route)
                kwargs = tuple(named + re.findall(r"<(?:\w+:)?(\w+)>", bare))
                if entry.name:
                    name = f"{namespace}:{entry.name}" if namespace else entry.name
                else:
                    name = f"{namespace}:?{route}"
                found.append(Pattern(name, route, kwargs))

    walk(get_resolver(), "", "")
    return found


def build_path(route: str, values: dict[str, object]) -> str:
    """The URL of ``route`` with its parameters (route ``<x>`` or regex ``(?P<x>…)``) set."""
    path = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)", lambda m: str(values[m.group(1)]), route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".")
    return "/" + path


# Public by design, each with its reason. Everything else needs a signed-in user in scope.
PUBLIC = {
    "login": "the sign-in page",
    "logout": "signing out",
    "password_reset": "Django's password reset flow (no data)",
    "password_reset_done": "Django's password reset flow (no data)",
    "password_reset_confirm": "Django's password reset flow (a signed token, no data)",
    "password_reset_complete": "Django's password reset flow (no data)",
    "set_language": "switching the interface language",
    "admin:login": "the admin sign-in page",
    "sso_cas_login": "signing in through CAS (404 unless configured; no data)",
    "sso_oidc_login": "signing in through OpenID Connect (404 unless configured; no data)",
    "sso_oidc_callback": "the OpenID Connect return (404 unless configured; no data)",
    "admin:logout": "signing out of the admin",
    "open311:services": "Open311 discovery: the public list of service categories",
    "open311:service": "Open311 discovery: one public service definition",
    "govservice:map": "the public service map (public points' public fields, rate-limited)",
    "govservice:map_shape": "the public map's district boundaries (geography only)",
    "api:openapi-json": "the API's description (no data)",
    "api:openapi-view": "the API's documentation page (no data)",
    "api:api-root": "ninja's API root (lists nothing)",
    ":?^api/": "the API's JSON 404 for an unknown path (answers nothing else)",
}

# City-wide objects that a district's people may open: the page must hide B's rows only.
SHARED = {
    "projects:batch": "a 集中开工 batch is the city's ceremony; the page lists the viewer's projects",
    "dashboard:map_shape": "the city's district boundaries (geography, loaded by the map's <script>)",
    "inspections:detail": "a 拉练 tour is the city's plan; the page lists the viewer's stops",
    "inspections:results": "a tour's results; the page lists the viewer's stops",
    "reports:import": "the import page of a sheet type (not an object)",
    "reports:mapping_save": "saving a header mapping for a sheet type (not an object)",
    "reports:template": "the import template of a sheet type (not an object)",
    "reports:export": "an export kind (not an object); rows come from the scoped querysets",
    "reports:dispatch_file": "the 调度通报 file format (not an object); the unit is scoped",
    "open311:requests": "the Open311 request list; rows come from the caller's scope",
}


def kwarg_values(w: ScopeWorld) -> dict[str, Callable[[Pattern], dict[str, object]]]:
    """For each named pattern with parameters: the parameters naming B's object."""
    return {
        "projects:project": lambda p: {"pk": w.project_b.pk},
        "projects:report_submit": lambda p: {"pk": w.project_b.pk},
        "projects:problem_raise": lambda p: {"pk": w.project_b.pk},
        "projects:problem": lambda p: {"pk": w.problem_b.pk},
        "projects:project_edit": lambda p: {"pk": w.project_b.pk},
        "projects:report_edit": lambda p: {"pk": w.project_b.pk, "report_pk": w.report_b.pk},
        "projects:report_correct": lambda p: {"pk": w.project_b.pk, "report_pk": w.report_b.pk},
        "projects:report_approve": lambda p: {"pk": w.project_b.pk, "report_pk": w.report_b.pk},
        "projects:report_photo": lambda p: {"pk": w.project_b.pk, "report_pk": w.report_b.pk},
        "indicators:review": lambda p: {"pk": w.reported_b.pk},
        "audit:delete": lambda p: {"pk": w.project_b.pk},
        "audit:restore": lambda p: {"pk": w.project_b.pk},
        "dashboard:map_shape": lambda p: {"pk": w.map_config.pk},
        "projects:batch": lambda p: {"code": w.city.batch.code},
        "appeals:detail": lambda p: {"pk": w.appeal_b.pk},
        "appeals:step": lambda p: {"pk": w.appeal_b.pk},
        "attraction:lead_detail": lambda p: {"pk": w.lead_b.pk},
        "attraction:lead_transition": lambda p: {"pk": w.lead_b.pk},
        "enterprises:detail": lambda p: {"pk": w.enterprise_b.pk},
        "enterprises:revenue": lambda p: {"pk": w.enterprise_b.pk},
        "inspections:detail": lambda p: {"pk": w.tour.pk},
        "inspections:member": lambda p: {"pk": w.tour.pk},
        "inspections:score": lambda p: {"pk": w.tour.pk, "stop_pk": w.stop_b.pk},
        "inspections:results": lambda p: {"pk": w.tour.pk},
        "inspections:sheet_docx": lambda p: {"pk": w.tour.pk},
        "inspections:results_xlsx": lambda p: {"pk": w.tour.pk},
        "policies:detail": lambda p: {"pk": w.policy_b.pk},
        "policies:edit": lambda p: {"pk": w.policy_b.pk},
        "policies:action": lambda p: {"pk": w.policy_b.pk},
        "policies:grant_export": lambda p: {"pk": w.policy_b.pk},
        "policies:apply": lambda p: {"pk": w.policy_b.pk},
        "policies:grant": lambda p: {"pk": w.grant_b.pk},
        "policies:grant_pay": lambda p: {"pk": w.grant_b.pk},
        # the scope world has no service points or services: an id nobody may open
        "govservice:point_edit": lambda p: {"pk": w.project_b.pk},
        "govservice:item_edit": lambda p: {"pk": w.project_b.pk},
        # nor strategy rows, parks or clusters: an id nobody may open
        "strategy:pillar_edit": lambda p: {"pk": w.project_b.pk},
        "strategy:theme_edit": lambda p: {"pk": w.project_b.pk},
        "strategy:park_detail": lambda p: {"pk": w.project_b.pk},
        "strategy:park_edit": lambda p: {"pk": w.project_b.pk},
        "strategy:cluster_track": lambda p: {"pk": w.project_b.pk},
        # the financing platform: B's need (its match and consent forms), match, product,
        # and B's enterprise's credit profile
        "finance:need": lambda p: {"pk": w.need_b.pk},
        "finance:need_match": lambda p: {"pk": w.need_b.pk},
        "finance:consent": lambda p: {"pk": w.need_b.pk},
        "finance:match": lambda p: {"pk": w.match_b.pk},
        "finance:product_edit": lambda p: {"pk": w.product_b.pk},
        "finance:profile": lambda p: {"enterprise_id": w.enterprise_b.pk},
        "reports:import_run": lambda p: {"run_id": w.import_run_b.pk},
        "reports:import_progress": lambda p: {"run_id": w.import_run_b.pk},
        "reports:import_errors": lambda p: {"run_id": w.import_run_b.pk},
        # slugs naming a kind, not an object: one value here, every value in the tests below
        "reports:import": lambda p: {"schema": "projects"},
        "reports:mapping_save": lambda p: {"schema": "projects"},
        "reports:template": lambda p: {"schema": "projects"},
        "reports:export": lambda p: {"kind": "projects"},
        "reports:dispatch_file": lambda p: {"fmt": "docx"},
        "open311:services": lambda p: {"fmt": "json"},
        "open311:service": lambda p: {"fmt": "json", "code": w.category.code},
        "open311:requests": lambda p: {"fmt": "json"},
        "open311:request": lambda p: {"fmt": "json", "number": w.appeal_b.number},
        "password_reset_confirm": lambda p: {"uidb64": "MQ", "token": "set-password"},
        # B's operator's own notice: nobody else opens (or marks read) it
        "notices:open": lambda p: {"pk": _notice_of(w.operator_b).pk},
        # B's operator's own job (a 调度通报 with its file): nobody else sees it
        "jobs:detail": lambda p: {"job_id": _job_of(w.operator_b).pk},
        "jobs:progress": lambda p: {"job_id": _job_of(w.operator_b).pk},
        "jobs:file": lambda p: {"job_id": _job_of(w.operator_b).pk},
    }


def _job_of(user):
    from django.conf import settings

    from gongjian.kit.models import Job

    found = Job.objects.filter(requested_by=user).first()
    if found is None:
        target = Path(settings.VAR_DIR) / "jobs" / "results" / "scope-walker.docx"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"PK-b")
        found = Job.objects.create(
            kind="dispatch",
            title="乙区的调度通报",
            requested_by=user,
            status=Job.Status.DONE,
            result_file=str(target),
            result_name="乙区.docx",
        )
    return found


def _notice_of(user):
    from gongjian.notices.models import Notice

    found = Notice.objects.filter(recipient=user).first()
    return found or Notice.objects.create(recipient=user, kind="report_overdue", title="乙区的消息")


def admin_values(w: ScopeWorld, pattern: Pattern) -> dict[str, object] | None:
    """Admin parameters by name: B's row of the admin's model where it has one."""
    from django.contrib.contenttypes.models import ContentType

    by_model = {
        "projects/project": w.project_b.pk,
        "projects/progressreport": w.report_b.pk,
        "projects/problem": w.problem_b.pk,
        "enterprises/enterprise": w.enterprise_b.pk,
        "attraction/lead": w.lead_b.pk,
        "attraction/outreach": w.outreach_b.pk,
        "appeals/appeal": w.appeal_b.pk,
        "policies/policy": w.policy_b.pk,
        "policies/grant": w.grant_b.pk,
        "units/unit": w.b.pk,
        "units/user": w.operator_b.pk,
        "reports/importrun": w.import_run_b.pk,
        "review/corpusdocument": w.document_b.pk,
        "review/reviewdraft": w.draft_b.pk,
        "finance/institution": w.institution_b.pk,
        "finance/product": w.product_b.pk,
        "finance/need": w.need_b.pk,
        "finance/match": w.match_b.pk,
        "finance/creditconsent": w.consent_b.pk,
    }
    match = re.match(r"admin/(\w+/\w+)/", pattern.route)
    object_id = by_model.get(match.group(1), 1) if match else w.project_b.pk
    values: dict[str, object] = {}
    for name in pattern.kwargs:
        if name in ("object_id", "id"):
            values[name] = object_id
        elif name == "content_type_id":
            values[name] = ContentType.objects.get_for_model(Project).pk
        elif name == "app_label":
            values[name] = "projects"
        elif name == "url":
            values[name] = f"projects/project/{w.project_b.pk}/change/"
        else:
            return None
    return values


def api_routes() -> set[str]:
    """The API's routes as the resolver spells them (``api/projects/<project_id>``)."""
    schema = api.get_openapi_schema()
    return {re.sub(r"\{(\w+)\}", r"<\1>", path.lstrip("/")) for path in schema["paths"]}


def planned_urls(w: ScopeWorld) -> tuple[list[tuple[Pattern, str]], list[str]]:
    """(pattern, URL) for every page pattern, and the names of patterns nobody can fill."""
    fillers = kwarg_values(w)
    routes = api_routes()
    planned, unfilled = [], []
    for pattern in url_patterns():
        if pattern.name.startswith("api:"):
            bare = re.sub(r"<path:(\w+)>", r"<\1>", pattern.route)
            if pattern.name in PUBLIC or bare in routes:
                continue  # walked operation by operation in test_api_walk
            unfilled.append(pattern.name)
            continue
        if pattern.name.startswith("admin:"):
            values = admin_values(w, pattern)
        elif pattern.kwargs:
            filler = fillers.get(pattern.name)
            values = filler(pattern) if filler else None
        else:
            values = {}
        if values is None or set(values) != set(pattern.kwargs):
            unfilled.append(pattern.name)
            continue
        planned.append((pattern, build_path(pattern.route, values)))
    return planned, unfilled


# --- requests and what may come back ---------------------------------------------------


def body_text(response) -> str:
    """Everything a person would read in the response: HTML/JSON text, every cell of an
    .xlsx, every paragraph and table cell of a .docx."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if content[:2] == b"PK" and ("sheet" in kind or "excel" in kind or XLSX in kind):
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        return "\n".join(
            " ".join(str(cell) for cell in row)
            for name in book.sheet_names
            for row in book.get_sheet_by_name(name).to_python()
        )
    if content[:2] == b"PK" and ("word" in kind or DOCX in kind):
        import docx

        document = docx.Document(io.BytesIO(content))
        parts = [p.text for p in document.paragraphs]
        parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join(parts)
    return content.decode("utf-8", errors="replace")


def leaked(w: ScopeWorld, response, sent: object = "") -> list[str]:
    """B's secrets in the response, except those the request itself carried (a search box
    or a form shown again with what was typed is an echo, not a leak)."""
    text = urllib.parse.unquote(body_text(response))
    return [s for s in w.secrets if s in text and s not in str(sent)]


def is_login_redirect(response, admin: bool) -> bool:
    target = "/admin/login/" if admin else "/accounts/login/"
    return response.status_code == 302 and response["Location"].startswith(target)


def attack_query(w: ScopeWorld) -> dict[str, object]:
    """Query parameters a curious user edits: B's unit, B's objects, a search for B."""
    return {
        "unit": w.b.pk,
        "q": SECRET,
        "leader": w.leader_b.username,
        "project": w.project_b.pk,
        "enterprise": w.enterprise_b.pk,
        "policy": w.policy_b.pk,
        "scheme": w.scheme_code,
        "indicator": w.indicator_code,
        "year": w.year,
        "period": f"{w.year}-04",
        "api_key": "",
    }


def crafted_upload(w: ScopeWorld) -> SimpleUploadedFile:
    """A sheet that names B's unit and B's project: what an attacker would import."""
    rows = [
        ["项目编号", "项目名称", "所属单位", "项目类别", "总投资(万元)", "建设单位/企业"],
        [w.project_b.code, "甲区改写的项目", w.b.name, "工业", 1000, "甲区企业"],
        ["SCOPE-NEW-1", "甲区新建到乙区", w.b.name, "工业", 1000, "甲区企业"],
    ]
    return SimpleUploadedFile("乙区.xlsx", xlsx_bytes(rows), content_type=XLSX)


def form_data(w: ScopeWorld) -> dict[str, object]:
    """One plausible body for every page form, filled with B's ids (each form reads the
    fields it knows): a report, a problem step, a lead move, an appeal step, a policy, …"""
    y = w.year
    return {
        "unit": w.b.pk,
        "unit_id": w.b.pk,
        "owner_unit": w.b.pk,
        "intake_unit": w.b.pk,
        "project": w.project_b.pk,
        "project_code": w.project_b.code,
        "code": f"SCOPE-NEW-{w.b.pk}",
        "name": "甲区越权写入",
        "title": "甲区越权写入",
        "enterprise": w.enterprise_b.name,
        "enterprises": w.enterprise_b.name,
        "credit_code": w.enterprise_b.credit_code,
        "category": w.category.code,
        "content": "越权诉求",
        "to_status": "assigned",
        "status": "assigned",
        "comment": "越权办理",
        "action": "dispatch",
        "reply": "越权答复",
        "stop": w.stop_b.pk,
        "institution": w.institution_b.pk,
        "grant": [w.grant_b.pk],
        "grants": [w.grant_b.pk],
        "decision": "approve",
        "year": y,
        "revenue": "50000",
        "to_stage": "signed",
        "stage": "signed",
        "on_date": f"{y}-06-01",
        "occurred_on": f"{y}-06-01",
        "held_on": f"{y}-01-05",
        "contacted_on": f"{y}-01-05",
        "kind": "going_out",
        "theme": "new_materials",
        "intended_investment": "10000",
        "investment_this_period": "100",
        "cumulative_investment": "",
        "progress_text": "越权报送",
        "problems_text": "",
        "map_name": "锦州",
        "package_map": "liao2_ning2_jin3_zhou1",
        "held_on_place": "",
        "place": "越权地点",
        "benefit": '{"amount": 1}',
        "rules": "{}",
        "valid_from": f"{y}-01-01",
        "items": "[]",
        "as_of": f"{y}-12-31",
        "term": "越权词",
        "header": ["名称"],
        "column": ["name"],
        "members": w.operator_a.username,
        "criteria_text": "进度,100,10",
        "starts_on": f"{y}-06-01",
        "ends_on": f"{y}-06-02",
        "quarter": "2",
        "form": "",
        "version": "1",
        "expected_version": "1",
    }


ACTORS = ["anonymous", "operator_a", "viewer_a", "leader_b"]

# Pages whose POST is the caller's own action even with a crafted body: the rows it may
# add, and where the content is checked instead.
OWN_WRITES = {
    # the upload is kept as the caller's own import run; its rows are checked (and refused)
    # when it runs: test_crafted_uploads_change_nothing
    "reports:import": {"reports.importrun"},
}


def client_for(w: ScopeWorld, actor: str) -> Client:
    client = Client()
    if actor != "anonymous":
        client.force_login(getattr(w, actor))
    return client


@pytest.fixture
def w() -> ScopeWorld:
    return build_scope_world()


def test_every_url_pattern_is_walked(w):
    """A pattern the walker cannot fill with B's ids fails here, by name."""
    planned, unfilled = planned_urls(w)
    assert not unfilled, f"URL patterns the scope walker cannot fill: {unfilled}"
    names = {p.name for p, _ in planned}
    assert {"projects:project", "appeals:step", "reports:import_errors", "open311:request"} <= names
    assert len([n for n in names if n.startswith("admin:")]) > 50
    for name in list(SHARED) + [n for n in PUBLIC if not n.startswith("api:")]:
        assert name in names, f"{name} is listed but no longer a URL pattern"


@pytest.mark.parametrize("actor", ACTORS)
def test_page_walk(w, actor):
    """Every page pattern: GET, GET with B's ids in the query, POST with B's ids in the body
    (and a crafted sheet where a file is read)."""
    client = client_for(w, actor)
    planned, _ = planned_urls(w)
    key = ""
    if actor != "anonymous":
        _, key = api_key(getattr(w, actor))
    failures: list[str] = []
    before = db_snapshot()
    for pattern, url in planned:
        name = pattern.name
        admin = name.startswith("admin:")
        public = name in PUBLIC
        query = attack_query(w)
        if name.startswith("open311:"):
            query["api_key"] = key
        data = form_data(w)
        if "import" in name and "template" not in name:
            data["file"] = crafted_upload(w)
        if name == "reports:mapping_save":
            data["name"] = w.mapping.name  # replace the office's shared mapping
        methods = ["GET", "POST"] if admin or actor == "anonymous" else ["GET", "GET?", "POST"]
        for method in methods:
            if method == "GET":
                response, sent = client.get(url), url
            elif method == "GET?":
                response, sent = client.get(url, query), (url, query)
            else:
                response, sent = client.post(url, data), (url, data)
            where = f"{method} {url} ({name}) as {actor}: {response.status_code}"
            if name in ("logout", "admin:logout"):
                client = client_for(w, actor)  # signing out is allowed; sign in again
            if actor == "anonymous" and not public:
                ok = is_login_redirect(response, admin) or (
                    name.startswith("open311:") and response.status_code in (403, 404, 405)
                )
                if not ok:
                    failures.append(f"{where}: anonymous not sent to sign in")
            elif admin and not public:
                if not is_login_redirect(response, admin=True):
                    failures.append(f"{where}: the admin opened to a non-staff user")
            elif pattern.kwargs and name not in SHARED and not public:
                if response.status_code not in (403, 404, 405):
                    failures.append(f"{where}: B's object answered")
            found = leaked(w, response, sent)
            if found:
                failures.append(f"{where}: shows B's {found}")
            if admin:
                continue  # the admin refuses before touching anything: checked at the end
            after = db_snapshot()
            changed = changed_models(before, after)
            if method == "POST" and actor != "anonymous":
                changed -= OWN_WRITES.get(name, set())
            if changed:
                failures.append(f"{where}: changed the database ({snapshot_diff(before, after)})")
            before = after
    diff = snapshot_diff(before, db_snapshot())
    assert not diff, f"the walk as {actor} changed the database: {diff}"
    assert not failures, "\n".join(failures)


# --- the API, operation by operation ---------------------------------------------------


def api_operations() -> list[tuple[str, str, str]]:
    """(method, path template, operationId) of every operation of the live schema."""
    schema = api.get_openapi_schema()
    return [
        (method.upper(), path, op["operationId"])
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    ]


def api_calls(w: ScopeWorld) -> dict[str, tuple[dict, dict | None]]:
    """For each operation: path parameters and a JSON body, both with B's ids."""
    y = w.year
    return {
        "appeal_category_list": ({}, None),
        "appeal_list": ({}, None),
        "appeal_create": (
            {},
            {
                "category": w.category.code,
                "title": "越权诉求",
                "content": "越权",
                "intake_unit_id": w.b.pk,
                "project_id": w.project_b.pk,
                "enterprise_id": w.enterprise_b.pk,
            },
        ),
        "appeal_stats": ({}, None),
        "appeal_detail": ({"appeal_id": w.appeal_b.pk}, None),
        "appeal_step": (
            {"appeal_id": w.appeal_b.pk},
            {"action": "dispatch", "unit_id": w.a.pk, "note": "越权派单"},
        ),
        "enterprise_list": ({}, None),
        "enterprise_create": ({}, {"name": "越权企业有限公司", "unit_id": w.b.pk}),
        "enterprise_detail": ({"enterprise_id": w.enterprise_b.pk}, None),
        "enterprise_revenue_set": (
            {"enterprise_id": w.enterprise_b.pk},
            {"year": y, "revenue": 10**9},
        ),
        "grant_list": ({}, None),
        "grant_decide": ({}, {"grant_ids": [w.grant_b.pk], "approve": True, "note": "越权"}),
        "indicator_list": ({}, None),
        "indicator_value": ({"code": w.indicator_code}, None),
        "kpi": ({}, None),
        "lead_list": ({}, None),
        "lead_create": (
            {},
            {
                "enterprise_id": w.enterprise_b.pk,
                "name": "越权线索",
                "unit_id": w.b.pk,
                "intended_investment": 10**8,
                "contacted_on": f"{y}-02-01",
            },
        ),
        "lead_detail": ({"lead_id": w.lead_b.pk}, None),
        "lead_transition": (
            {"lead_id": w.lead_b.pk},
            {"stage": "signed", "occurred_on": f"{y}-03-01", "project_id": w.project_b.pk},
        ),
        "outreach_list": ({}, None),
        "outreach_create": (
            {},
            {
                "held_on": f"{y}-01-10",
                "kind": "going_out",
                "theme": "new_materials",
                "title": "越权招商",
                "unit_id": w.b.pk,
                "enterprise_ids": [w.enterprise_b.pk],
            },
        ),
        "reported_value_list": ({}, None),
        "reported_value_create": (
            {},
            {
                "indicator": w.indicator_reported,
                "unit": str(w.b.pk),
                "as_of": f"{y}-09-30",
                "value": 1,
            },
        ),
        "reported_value_submit": ({"value_id": w.reported_b.pk}, None),
        "reported_value_review": ({"value_id": w.reported_b.pk}, {"approve": True}),
        "policy_list": ({}, None),
        "policy_create": (
            {},
            {
                "code": "SCOPE-ZC-NEW",
                "name": "越权政策",
                "unit_id": w.b.pk,
                "benefit": {"amount": 1},
                "valid_from": f"{y}-01-01",
            },
        ),
        "policy_detail": ({"policy_id": w.policy_b.pk}, None),
        "policy_update": ({"policy_id": w.policy_b.pk}, {"name": "越权改名"}),
        "policy_check": (
            {"policy_id": w.policy_b.pk, "enterprise_id": w.enterprise_b.pk},
            None,
        ),
        "grant_propose": ({"policy_id": w.policy_b.pk}, {"year": y}),
        "policy_status": ({"policy_id": w.policy_b.pk}, {"status": "withdrawn"}),
        "problem_list": ({}, None),
        "problem_transition": (
            {"problem_id": w.problem_b.pk},
            {"status": "assigned", "on_date": f"{y}-06-01", "owner_unit_id": w.a.pk},
        ),
        "project_list": ({}, None),
        "oc4ids_projects": ({}, None),
        "project_create": (
            {},
            {
                "code": "SCOPE-NEW-API",
                "name": "越权项目",
                "unit_id": w.b.pk,
                "category": "industry",
                "total_investment": 10**8,
            },
        ),
        "project_detail": ({"project_id": w.project_b.pk}, None),
        "project_update": (
            {"project_id": w.project_b.pk},
            {"name": "越权改名", "expected_version": w.project_b.version},
        ),
        "problem_create": (
            {"project_id": w.project_b.pk},
            {"kind": "funds", "description": "越权问题", "raised_on": f"{y}-06-01"},
        ),
        "project_reports": ({"project_id": w.project_b.pk}, None),
        "report_submit": (
            {"project_id": w.project_b.pk},
            {
                "period_start": f"{y}-05-01",
                "period_end": f"{y}-05-31",
                "investment_this_period": 10**6,
            },
        ),
        "project_transition": (
            {"project_id": w.project_b.pk},
            {"stage": "completed", "occurred_on": f"{y}-10-01"},
        ),
        "project_delete": ({"project_id": w.project_b.pk}, None),
        "project_restore": ({"project_id": w.project_b.pk}, None),
        "report_detail": ({"report_id": w.report_b.pk}, None),
        "report_update": (
            {"report_id": w.report_b.pk},
            {"progress_text": "越权改写", "expected_version": 1},
        ),
        "report_approve": ({"report_id": w.report_b.pk}, None),
        "report_correct": (
            {"report_id": w.report_b.pk},
            {"reason": "越权更正", "progress_text": "越权更正"},
        ),
        "ranking": ({"scheme_code": w.scheme_code}, None),
        "report_list": ({}, None),
        "unit_list": ({}, None),
        "unit_detail": ({"unit_id": w.b.pk}, None),
        "need_list": ({}, None),
        "need_create": (
            {},
            {
                "enterprise_id": w.enterprise_b.pk,
                "kind": "funds",
                "title": "越权需求",
                "amount": 10**6,
                "term": 12,
                "purpose": "越权用途",
            },
        ),
        "need_match": ({"need_id": w.need_b.pk}, None),
        "product_list": ({}, None),
        "product_create": (
            {},
            {"institution_id": w.institution_b.pk, "name": "越权产品", "amount_max": 10**7},
        ),
        "match_list": ({}, None),
        "match_step": ({"match_id": w.match_b.pk}, {"stage": "accepted", "note": "越权受理"}),
        "consent_grant": (
            {"enterprise_id": w.enterprise_b.pk},
            {"institution_id": w.institution_b.pk, "note": "越权授权"},
        ),
        "profile": ({"enterprise_id": w.enterprise_b.pk}, None),
    }


# Operations on a named B object (in the path): refused outright. The others (lists,
# creates with B in the body, the city-wide indicator/ranking reads) may answer, but never
# with B's rows, and a create naming B is refused with nothing changed.
def _objects_in_path(path: str) -> bool:
    return bool(re.search(r"\{(?!code\}|scheme_code\})\w+\}", path))


def test_api_call_table_covers_every_operation(w):
    missing = {op for _, _, op in api_operations()} - set(api_calls(w))
    assert not missing, f"API operations the scope walker does not call: {sorted(missing)}"


@pytest.mark.parametrize("actor", ACTORS)
def test_api_walk(w, actor):
    calls = api_calls(w)
    headers = {}
    if actor != "anonymous":
        _, key = api_key(getattr(w, actor))
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    client = Client()
    failures: list[str] = []
    before = db_snapshot()
    for method, template, op in api_operations():
        params, body = calls[op]
        url = template.format(**params)
        query = {k: v for k, v in attack_query(w).items() if k != "api_key"}
        variants = ["plain", "attack"] if method == "GET" else ["body"]
        for variant in variants:
            if method == "GET":
                response = client.get(url, query if variant == "attack" else {}, **headers)
            else:
                response = getattr(client, method.lower())(
                    url, body or {}, content_type=JSON, **headers
                )
            where = f"{method} {url} ({op}, {variant}) as {actor}: {response.status_code}"
            sent = (url, query if variant == "attack" else "", body)
            if actor == "anonymous":
                if response.status_code != 401:
                    failures.append(f"{where}: anonymous not refused")
            elif method != "GET" or _objects_in_path(template):
                if response.status_code not in (403, 404, 422):
                    failures.append(f"{where}: B's object or unit answered")
            found = leaked(w, response, sent)
            if found:
                failures.append(f"{where}: shows B's {found}")
            after = db_snapshot()
            diff = snapshot_diff(before, after)
            if diff:
                failures.append(f"{where}: changed the database ({diff})")
            before = after
    assert not failures, "\n".join(failures)


# --- every kind behind the slugs --------------------------------------------------------


@pytest.mark.parametrize("actor", ["operator_a", "viewer_a", "leader_b"])
def test_every_export_template_and_dispatch_kind(w, actor):
    from gongjian.kit.tabular.exports import exporters
    from gongjian.kit.tabular.imports import importers

    client = client_for(w, actor)
    failures = []
    before = db_snapshot()
    urls = [
        f"/reports/export/{kind}.xlsx" for kind in [*exporters.keys(), "rankings", "indicators"]
    ]
    urls += [f"/reports/template/{schema}.xlsx" for schema in importers.keys()]
    urls += [f"/reports/import/{schema}/" for schema in importers.keys()]
    urls += ["/reports/dispatch.docx"]
    for url in urls:
        for query in ({}, attack_query(w), {"unit": w.b.pk}, {"unit": w.b.code}):
            response = client.get(url, query)
            found = leaked(w, response, query)
            if found:
                failures.append(f"GET {url} {query}: shows B's {found}")
            if "unit" in query and ("/export/indicators" in url or "dispatch" in url):
                assert response.status_code == 404, (url, query)  # B's unit: as if missing
    assert db_snapshot() == before
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("actor", ["operator_a", "viewer_a"])
def test_crafted_uploads_change_nothing(w, actor, settings):
    """A sheet naming B's unit and B's project, through every import page, as A: refused,
    the run shows no B data, nothing of B changed."""
    from gongjian.kit.tabular.imports import importers

    settings.GONGJIAN = {**settings.GONGJIAN, "IMPORT_IN_BACKGROUND": False}
    client = client_for(w, actor)
    b_rows = lambda: (  # noqa: E731
        list(Project.objects.filter(unit=w.b).order_by("pk").values()),
        list(ProgressReport.objects.filter(project__unit=w.b).order_by("pk").values()),
        list(Problem.objects.filter(project__unit=w.b).order_by("pk").values()),
        list(StageTransition.objects.filter(project__unit=w.b).order_by("pk").values()),
    )
    before = b_rows()
    pages = [f"/reports/import/{schema}/" for schema in importers.keys()]
    assert {
        "projects",
        "reports",
        "enterprises",
        "outreach",
        "leads",
        "appeals",
        "policies",
    } <= set(importers.keys())
    for page in pages:
        response = client.post(page, {"file": crafted_upload(w)}, follow=True)
        assert response.status_code in (200, 400, 403, 404), (page, response.status_code)
        assert not leaked(w, response, (w.project_b.code, w.b.name)), page
    assert b_rows() == before
    assert not Project.objects.filter(code="SCOPE-NEW-1").exists()


# --- the 包保 leader ----------------------------------------------------------------------


def test_leader_reads_his_b_project_and_writes_nothing(w):
    client = client_for(w, "leader_b")
    project = w.led_b
    assert client.get(f"/projects/{project.pk}/").status_code == 200
    assert project.name in client.get("/baobao/").content.decode()
    _, key = api_key(w.leader_b)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get(f"/api/projects/{project.pk}", **auth).status_code == 200
    y = w.year
    before = db_snapshot()
    refused = [
        client.post(
            f"/dispatch/{project.pk}/report/",
            {"investment_this_period": "100", "progress_text": "领导越权报送"},
        ),
        client.patch(
            f"/api/projects/{project.pk}",
            {"name": "领导改名", "expected_version": project.version},
            content_type=JSON,
            **auth,
        ),
        client.post(
            f"/api/projects/{project.pk}/transitions",
            {"stage": "completed", "occurred_on": f"{y}-10-01"},
            content_type=JSON,
            **auth,
        ),
        client.post(
            f"/api/projects/{project.pk}/reports",
            {
                "period_start": f"{y}-05-01",
                "period_end": f"{y}-05-31",
                "investment_this_period": 10**6,
            },
            content_type=JSON,
            **auth,
        ),
        client.post(
            f"/api/projects/{project.pk}/problems",
            {"kind": "funds", "description": "领导越权提出", "raised_on": f"{y}-06-01"},
            content_type=JSON,
            **auth,
        ),
    ]
    assert [r.status_code for r in refused] == [404, 403, 403, 403, 403]
    assert snapshot_diff(before, db_snapshot()) == ""
    # what 包保 means: he clears his project's problems (交办 → 解决 → 销号)
    response = client.post(
        f"/problems/{w.led_problem.pk}/", {"to_status": "assigned", "comment": "请尽快办理"}
    )
    assert response.status_code == 302
    w.led_problem.refresh_from_db()
    assert w.led_problem.status == Problem.Status.ASSIGNED


def test_leader_granted_more_is_an_operator_membership(w):
    """ "Unless granted more": the office grants a leader write rights by giving him the
    operator role in the unit (a Membership) — the one mechanism every other scope uses."""
    from gongjian.units import services as unit_services

    unit_services.membership_grant(actor=w.office, user=w.leader_b, unit=w.b, role=Role.OPERATOR)
    client = client_for(w, "leader_b")
    response = client.post(
        f"/dispatch/{w.led_b.pk}/report/?period={w.year}-05",
        {"investment_this_period": "100", "progress_text": "授权后报送"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert ProgressReport.objects.filter(project=w.led_b, progress_text="授权后报送").exists()


# --- replayed and forged forms ----------------------------------------------------------


def _csrf_token(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_replayed_form_after_the_membership_is_removed_is_refused(w):
    client = Client(enforce_csrf_checks=True)
    client.force_login(w.operator_a)
    project = w.city.project_a
    url = f"/dispatch/{project.pk}/report/?period={w.year}-06"
    form = {
        "csrfmiddlewaretoken": _csrf_token(client, url),
        "investment_this_period": "100",
        "progress_text": "六月进度",
    }
    # the captured form works while A's operator is an operator of A
    assert client.post(url, form).status_code == 302
    assert ProgressReport.objects.filter(project=project, progress_text="六月进度").exists()
    # replayed after the membership is changed to 查看 (viewer): refused, nothing changed
    Membership.objects.filter(user=w.operator_a, unit=w.a).update(role=Role.VIEWER)
    form["progress_text"] = "重放的进度"
    before = db_snapshot()
    assert client.post(url, form).status_code == 404
    assert snapshot_diff(before, db_snapshot()) == ""
    # … and after it is removed altogether
    Membership.objects.filter(user=w.operator_a).delete()
    before = db_snapshot()
    assert client.post(url, form).status_code == 404
    assert snapshot_diff(before, db_snapshot()) == ""
    assert not ProgressReport.objects.filter(progress_text="重放的进度").exists()


def test_post_without_csrf_token_is_forbidden(w):
    client = Client(enforce_csrf_checks=True)
    client.force_login(w.operator_a)
    before = db_snapshot()
    for url, data in [
        (
            f"/dispatch/{w.city.project_a.pk}/report/",
            {"investment_this_period": "100", "progress_text": "伪造"},
        ),
        (f"/problems/{w.city.problem_a.pk}/", {"to_status": "assigned", "comment": "伪造"}),
        ("/enterprises/new/", {"name": "伪造企业有限公司", "unit": w.a.pk}),
        ("/reports/import/projects/", {"file": crafted_upload(w)}),
    ]:
        assert client.post(url, data).status_code == 403, url
    # the API under a browser session needs the token too
    response = client.post(
        f"/api/projects/{w.city.project_a.pk}/problems",
        {"kind": "funds", "description": "伪造", "raised_on": f"{w.year}-06-01"},
        content_type=JSON,
    )
    assert response.status_code == 403
    assert snapshot_diff(before, db_snapshot()) == ""


def test_the_detector_sees_b_from_inside_b(w):
    """The control: B's own operator finds B's rows in the same pages, exports and API
    answers the walk searches, so an empty finding above means hidden, not undetected."""
    client = client_for(w, "operator_b")
    _, key = api_key(w.operator_b)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    for url in [
        "/projects/",
        f"/projects/{w.project_b.pk}/",
        "/reports/export/projects.xlsx",
        "/enterprises/",
        "/attraction/leads/",
        "/appeals/list/",
        f"/inspections/{w.tour.pk}/",
        "/finance/needs/",
        "/finance/matches/",
        "/finance/products/",
        f"/finance/needs/{w.need_b.pk}/",
        f"/finance/profile/{w.enterprise_b.pk}/",
    ]:
        assert leaked(w, client.get(url)), url
    for url in [
        "/api/projects",
        f"/api/projects/{w.project_b.pk}",
        "/api/enterprises",
        "/api/oc4ids/projects.json",
        "/api/finance/needs",
        "/api/finance/matches",
        f"/api/finance/enterprises/{w.enterprise_b.pk}/credit-profile",
    ]:
        assert leaked(w, client.get(url, **auth)), url
