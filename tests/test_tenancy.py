"""Tenancy: one instance holds several cities, and every role — the office included — is
scoped to its unit's subtree. An office user created for a second city (葫芦岛市) beside
the Jinzhou demo sees none of Jinzhou's rows on any page of its menu, through the API, in
an export or a report, in the admin or the change log; and Jinzhou's office none of its."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from docx import Document

from gongjian.kit.scope import SYSTEM, Action
from gongjian.kit.tabular.exports import exporters
from gongjian.projects import services as project_services
from gongjian.projects.models import Project
from gongjian.units import services as unit_services
from gongjian.units.models import Role, Unit, User
from tests.factories import read_xlsx

pytestmark = pytest.mark.django_db

# what would give Jinzhou away: its name, its districts, its project codes and people
JINZHOU = ("锦州", "凌河区", "太和区", "古塔区", "北镇", "黑山县", "JZ20", "李强", "市委督查室")
SECOND = ("葫芦岛", "连山区", "HLD-")


@pytest.fixture
def second_city(demo):
    city = unit_services.unit_create(actor=SYSTEM, name="葫芦岛市", kind="city", code="211400")
    district = unit_services.unit_create(
        actor=SYSTEM, name="连山区", kind="district", parent=city, code="211402"
    )
    office = unit_services.user_create(
        actor=SYSTEM,
        username="hld_office",
        full_name="葫芦岛攻坚办",
        memberships=[(city, Role.OFFICE)],
    )
    project_services.project_create(
        actor=office,
        code="HLD-0001",
        name="连山区港口物流园",
        unit=district,
        category="commerce",
        total_investment=5 * 10**8,
    )
    return city, office


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _menu(client) -> list[str]:
    home = client.get("/", follow=True).content.decode()
    nav = re.search(r"<nav\b.*?</nav>", home, re.S).group(0)
    return sorted(set(re.findall(r'href="(/[^"#?]*)"', nav)))


def _leaks(text: str, markers) -> list[str]:
    return [m for m in markers if m in text]


def test_the_second_office_sees_none_of_jinzhou_on_its_pages(second_city):
    _city, office = second_city
    client = _client(office)
    links = _menu(client)
    assert "/projects/" in links and "/dispatch/" in links and "/audit/" in links
    pages = links + [
        "/enterprises/",
        "/attraction/outreach/",
        "/attraction/leads/",
        "/appeals/list/",
        "/batches/",
        "/escalated/",
        "/inspections/",
        "/accounts/audit/",
        "/audit/deleted/",
        "/reports/dispatch/",
    ]
    found = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        leaked = _leaks(response.content.decode(), JINZHOU)
        if leaked:
            found[url] = leaked
    assert not found
    # its own project is there
    assert "连山区港口物流园" in client.get("/projects/").content.decode()
    # a Jinzhou project, unit or batch is as missing as a missing one
    jinzhou_project = Project.objects.filter(code__startswith="JZ").first()
    assert client.get(f"/projects/{jinzhou_project.pk}/").status_code == 404
    assert client.get(f"/projects/?unit={Unit.objects.get(code='210703').pk}").status_code == 404
    assert client.get("/batches/2024-collective-start/").status_code == 404


def test_the_second_office_sees_none_of_jinzhou_through_the_api(second_city):
    _city, office = second_city
    client = _client(office)
    projects = client.get("/api/projects").json()
    assert [p["code"] for p in projects["items"]] == ["HLD-0001"]
    units = {u["name"] for u in client.get("/api/units").json()}
    assert units == {"葫芦岛市", "连山区"}
    for url in ("/api/reports", "/api/problems", "/api/enterprises", "/api/leads", "/api/appeals"):
        body = client.get(url).json()
        assert body["count"] == 0, url
    assert client.get("/api/rankings/jinzhou-2024-counties").status_code == 404
    jinzhou_project = Project.objects.filter(code__startswith="JZ").first()
    assert client.get(f"/api/projects/{jinzhou_project.pk}").status_code == 404
    assert client.get("/api/kpi?unit=210700").status_code == 404
    assert not _leaks(client.get("/api/kpi").content.decode(), JINZHOU)


def test_the_second_office_exports_and_reports_hold_none_of_jinzhou(second_city, tmp_path):
    _city, office = second_city
    client = _client(office)
    for key in exporters.keys():
        query = {"policy": "0"} if key == "grants" else {}
        response = client.get(f"/reports/export/{key}.xlsx", query)
        if key == "grants":
            assert response.status_code in (400, 404)
            continue
        assert response.status_code == 200, key
        path = tmp_path / f"{key}.xlsx"
        path.write_bytes(b"".join(response.streaming_content))
        text = str(read_xlsx(path))
        assert not _leaks(text, JINZHOU), key
    docx = client.get("/reports/dispatch.docx", {"period": "2024-10"})
    assert docx.status_code == 200
    body = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    tables = "\n".join(
        c.text for t in Document(io.BytesIO(docx.content)).tables for r in t.rows for c in r.cells
    )
    assert "葫芦岛" in body and not _leaks(body + tables, JINZHOU)
    assert (
        client.get("/reports/dispatch.docx", {"period": "2024-10", "unit": "210700"}).status_code
        == 404
    )


def test_the_second_office_admin_and_change_log_hold_none_of_jinzhou(second_city):
    _city, office = second_city
    client = _client(office)
    for url in (
        "/admin/projects/project/",
        "/admin/units/unit/",
        "/admin/units/user/",
        "/admin/indicators/target/",
        "/admin/projects/batch/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not _leaks(response.content.decode(), JINZHOU), url
    jinzhou_project = Project.objects.filter(code__startswith="JZ").first()
    assert client.get(f"/admin/projects/project/{jinzhou_project.pk}/change/").status_code in (
        302,
        404,
    )
    audit = client.get("/audit/").content.decode()
    assert "连山区港口物流园" in audit and not _leaks(audit, JINZHOU)


def test_jinzhou_office_sees_none_of_the_second_city(second_city):
    client = _client(User.objects.get(username="office"))
    for url in ("/projects/?q=", "/api/units", "/audit/", "/admin/projects/project/?q=HLD"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not _leaks(response.content.decode(), SECOND), url
    hld = Project.objects.get(code="HLD-0001")
    assert client.get(f"/projects/{hld.pk}/").status_code == 404
    # nor may it write there
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        project_services.project_update(
            actor=User.objects.get(username="office"), project=hld, name="越权改名"
        )
    assert Project.objects.get(code="HLD-0001").name == "连山区港口物流园"
    assert (
        Project.objects.restrict(User.objects.get(username="office"), Action.MANAGE)
        .filter(code="HLD-0001")
        .count()
        == 0
    )
