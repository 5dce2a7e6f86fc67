"""History everywhere: every registry model keeps who/when/from where, the office's
audit list across all of them (filters, before/after, export, query count), and the
per-object history block on the object pages."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gongjian.audit.selectors import AuditFilter, history_rows, sources
from gongjian.indicators.registries import REGISTRIES, get_registry
from gongjian.kit.history import HistoryContext
from gongjian.kit.scope import SYSTEM
from gongjian.projects import services
from tests.factories import (
    AppealFactory,
    EnterpriseFactory,
    LeadFactory,
    build_city_world,
    build_indicator_world,
)

pytestmark = pytest.mark.django_db
JSON = "application/json"

# The registries people keep by hand, beyond those the indicator engine counts over.
ALSO_KEPT = [
    "units.Unit",
    "units.Membership",
    "projects.Project",
    "projects.ProgressReport",
    "projects.Problem",
    "projects.StageTransition",
    "projects.Tag",
    "projects.Batch",
    "indicators.Indicator",
    "indicators.Target",
    "indicators.ReportedValue",
    "indicators.RankingScheme",
    "indicators.RankingItem",
    "attraction.Lead",
    "attraction.LeadTransition",
    "attraction.Outreach",
    "enterprises.Enterprise",
    "enterprises.EnterpriseRevenue",
    "appeals.Appeal",
    "appeals.AppealCategory",
    "policies.Policy",
    "policies.Grant",
    "inspections.UnitResult",
]


@pytest.fixture
def world():
    return build_city_world()


def login(user, **defaults) -> Client:
    client = Client(**defaults)
    client.force_login(user)
    return client


def has_history(model) -> bool:
    attr = getattr(model._meta, "simple_history_manager_attribute", None)
    return bool(attr) and issubclass(getattr(model, attr).model, HistoryContext)


def test_every_registry_model_has_history_with_its_context():
    get_registry("projects")  # the built-in registries register on first use
    counted = {spec.queryset().model for spec in REGISTRIES.values()}
    assert {"projects", "progress_reports", "leads", "enterprises", "appeals", "grants"} <= set(
        REGISTRIES
    )
    kept = {apps.get_model(label) for label in ALSO_KEPT}
    missing = sorted(m._meta.label for m in counted | kept if not has_history(m))
    assert missing == []
    # and every history table of the product has the context columns
    for model in apps.get_models():
        if getattr(model._meta, "simple_history_manager_attribute", None):
            assert has_history(model), model._meta.label


def _indexed(table: str) -> set[tuple[str, ...]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {tuple(c["columns"]) for c in found.values() if c["index"] or c["primary_key"]}


def test_history_tables_index_what_the_audit_reads_not_the_copied_columns():
    """Every history table indexes the object's key and its own columns (date, author,
    unit path), none of the columns copied from the model: each write pays every index,
    and nothing reads a history table by them."""
    from gongjian.projects.models import ProgressReport, Project, StageTransition

    histories = [model for model in apps.get_models() if issubclass(model, HistoryContext)]
    assert len(histories) > 20
    for model in histories:
        indexed = {columns[0] for columns in _indexed(model._meta.db_table)}
        own = {"history_id", "history_date", "history_user_id", "history_unit_path"}
        assert own <= indexed, model._meta.label
        copied = {f.column for f in model._meta.fields if f.column not in own} - {"id"}
        assert "id" in indexed and not indexed & copied, (model._meta.label, indexed & copied)
    # a foreign key whose composite index starts with it has no index of its own
    for model, column, composite in (
        (Project, "unit_id", ("unit_id", "stage")),
        (StageTransition, "project_id", ("project_id", "stage", "occurred_on")),
        (ProgressReport, "project_id", ("project_id", "period_end", "investment_this_period")),
    ):
        indexed = _indexed(model._meta.db_table)
        assert composite in indexed and (column,) not in indexed, model._meta.label


def test_history_rows_record_where_from(world):
    client = login(
        world.operator_a, REMOTE_ADDR="10.20.30.40", HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 400
    )
    response = client.patch(
        f"/api/projects/{world.project_a.pk}",
        {"name": "来源测试", "expected_version": world.project_a.version},
        content_type=JSON,
    )
    assert response.status_code == 200
    record = world.project_a.history.latest()
    assert record.history_user == world.operator_a
    assert record.history_ip == "10.20.30.40"
    assert (
        record.history_user_agent.startswith("Mozilla/5.0")
        and len(record.history_user_agent) == 200
    )
    assert record.history_unit_path == world.district_a.path
    assert record.history_object_repr == f"{world.project_a.code} 来源测试"
    # a child row finds its unit through its project
    report = world.report_a.history.latest()
    assert report.history_unit_path == world.district_a.path
    # a change made outside a request has no address
    services.project_update(actor=SYSTEM, project=world.project_a, description="脚本")
    assert world.project_a.history.latest().history_ip is None


def test_audit_is_office_only(world):
    assert Client().get("/audit/").status_code == 302
    for user in (world.operator_a, world.viewer_a, world.leader):
        assert login(user).get("/audit/").status_code == 403
        assert login(user).get("/audit/export.xlsx").status_code == 403
    assert login(world.office).get("/audit/").status_code == 200
    # the menu entry is the office's alone
    assert 'href="/audit/"' in login(world.office).get("/").content.decode()
    assert 'href="/audit/"' not in login(world.operator_a).get("/projects/").content.decode()


def test_audit_list_filters_and_before_after(world):
    services.project_update(
        actor=world.operator_a, project=world.project_a, name="甲区新材料产业园(二期)"
    )
    services.project_update(actor=world.operator_b, project=world.project_b, description="乙区")
    office = login(world.office)

    def listed(**params) -> list[tuple[str, str]]:
        html = office.get("/audit/", params).content.decode()
        import re

        return re.findall(r'data-source="([\w.]+)" data-history="(\d+)"', html)

    in_city = {"unit": world.city.pk}
    rows = listed(**in_city)
    sources_seen = {s for s, _ in rows}
    assert {"projects.project", "projects.progressreport", "projects.problem"} <= sources_seen
    # by unit: 甲区's rows only
    a_rows = listed(unit=world.district_a.pk, source="projects.project")
    a_ids = {int(h) for _, h in a_rows}
    assert a_ids == set(world.project_a.history.values_list("history_id", flat=True))
    # by user and action
    by_op = listed(user=world.operator_a.pk, action="~")
    assert by_op == [("projects.project", str(world.project_a.history.latest().history_id))]
    # by name
    assert listed(q="二期", **in_city) == by_op
    assert listed(q="没有这个名字", **in_city) == []
    # before / after on the row
    html = office.get("/audit/", {"user": world.operator_a.pk}).content.decode()
    assert "甲区新材料产业园" in html and "甲区新材料产业园(二期)" in html and "项目名称" in html
    # a bad date range is reported, not applied
    response = office.get("/audit/", {"date_from": "2025-05-01", "date_to": "2025-04-01"})
    assert "截止日期不能早于起始日期" in response.content.decode()


def test_audit_list_query_count_does_not_grow_with_rows(world):
    office = login(world.office)
    params = {"unit": world.city.pk}

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert office.get("/audit/", params).status_code == 200
        return len(ctx.captured_queries)

    def changes(n: int) -> None:
        for i in range(n):
            services.project_update(
                actor=world.operator_a, project=world.project_a, name=f"名称{n}-{i}"
            )
            services.problem_create(
                actor=world.operator_b,
                project=world.project_b,
                kind="land",
                description=f"问题{n}-{i}",
                raised_on=world.day(6, 1),
            )

    changes(1)
    few = count()
    changes(12)  # the same tables and related rows, many more history rows on the page
    many = count()
    assert many == few
    assert many <= 25


def test_audit_export(world):
    build_indicator_world(world)
    services.project_update(actor=world.operator_a, project=world.project_a, name="导出测试")
    response = login(world.office).get(
        "/audit/export.xlsx", {"unit": world.district_a.pk, "action": "~"}
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    header = rows[1]
    assert header[:5] == ("时间", "数据类型", "对象", "操作", "操作人")
    body = [r for r in rows[2:] if r[0] is not None]
    expected = history_rows(AuditFilter(unit=world.district_a, action="~"), world.office).count()
    assert len(body) == expected > 0
    assert body[0][2] == f"{world.project_a.code} 导出测试"
    assert body[0][4] == "甲区填报员"
    assert "项目名称:甲区新材料产业园 → 导出测试" in body[0][8]


def test_object_pages_show_their_history(world):
    enterprise = EnterpriseFactory(unit=world.district_a)
    lead = LeadFactory(enterprise=enterprise)
    appeal = AppealFactory(intake_unit=world.city)
    office = login(world.office)
    for url, obj in (
        (f"/enterprises/{enterprise.pk}/", enterprise),
        (f"/attraction/leads/{lead.pk}/", lead),
        (f"/appeals/{appeal.pk}/", appeal),
    ):
        response = office.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'data-testid="object-history"' in html, url
        latest = obj.history.latest()
        assert f'data-history="{latest.history_id}"' in html, url


def test_sources_cover_every_history_table():
    keys = set(sources())
    assert {"projects.project", "attraction.lead", "appeals.appeal", "units.membership"} <= keys


def test_every_changed_field_has_a_name_for_people():
    """The audit's before/after names each field in words: a verbose name, the related
    model's name for an unnamed foreign key, or the common bookkeeping name — never the
    raw field name."""
    from gongjian.inspections.models import UnitResult
    from gongjian.kit.history import field_label
    from gongjian.projects.models import ProgressReport, Project

    assert field_label(UnitResult._meta.get_field("tour")) == "拉练"
    assert field_label(ProgressReport._meta.get_field("project")) == "项目"
    assert field_label(Project._meta.get_field("version")) == "版本"
    assert field_label(Project._meta.get_field("name")) == str(
        Project._meta.get_field("name").verbose_name
    )
    unnamed = []
    for source in sources().values():
        for field in source.model._meta.concrete_fields:
            label = field_label(field)
            if label == field.name.replace("_", " ") and field.name != "id":
                unnamed.append(f"{source.model._meta.label}.{field.name}")
    assert unnamed == []
