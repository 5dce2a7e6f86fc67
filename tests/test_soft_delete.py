"""Soft delete of projects: out of every scoped list, indicator, export and ranking while
in the recycle bin, back when the office restores it, with history rows for both."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from gongjian.indicators import engine
from gongjian.kit.dates import Period
from gongjian.kit.scope import Action
from gongjian.projects import services
from gongjian.projects.models import ProgressReport, Project
from tests.factories import build_city_world, build_indicator_world

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def world():
    return build_city_world()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_delete_drops_indicators_and_lists_restore_brings_back(world):
    indicators = build_indicator_world(world)
    year = Period.year_to_date(world.year, world.day(12, 31))
    started_a = engine.evaluate(indicators.started, world.district_a, year)
    amount_city = engine.evaluate(indicators.amount, world.city, year)
    assert started_a == 1 and amount_city == 380_000_000
    reports_before = ProgressReport.objects.filter(project=world.project_a).count()
    assert reports_before == 1

    services.project_delete(actor=world.office, project=world.project_a, reason="重复录入")

    assert engine.evaluate(indicators.started, world.district_a, year) == 0
    assert engine.evaluate(indicators.amount, world.city, year) == 80_000_000
    assert not Project.objects.filter(pk=world.project_a.pk).exists()
    assert (
        not Project.objects.restrict(world.office, Action.VIEW)
        .filter(pk=world.project_a.pk)
        .exists()
    )
    assert (
        not Project.objects.restrict(world.operator_a, Action.CHANGE)
        .filter(pk=world.project_a.pk)
        .exists()
    )
    assert Project.all_objects.deleted().filter(pk=world.project_a.pk).exists()
    # the engine's other registries drop its reports too
    from gongjian.indicators.registries import get_registry

    reports = get_registry("progress_reports").queryset()
    assert not reports.filter(project=world.project_a).exists()

    deleted = Project.all_objects.get(pk=world.project_a.pk)
    assert deleted.deleted_by == world.office and deleted.deleted_at is not None
    record = deleted.history.latest()
    assert record.history_user == world.office
    assert record.history_change_reason == "删除:重复录入"
    assert record.deleted_at is not None

    services.project_restore(actor=world.office, project=deleted)

    assert engine.evaluate(indicators.started, world.district_a, year) == started_a
    assert engine.evaluate(indicators.amount, world.city, year) == amount_city
    restored = Project.objects.get(pk=world.project_a.pk)
    assert restored.deleted_at is None and restored.deleted_by is None
    assert restored.history.latest().history_change_reason == "恢复"
    assert restored.history.count() >= 3


def test_only_the_office_deletes_and_restores(world):
    with pytest.raises(PermissionDenied):
        services.project_delete(actor=world.operator_a, project=world.project_a)
    assert Project.objects.filter(pk=world.project_a.pk).exists()
    services.project_delete(actor=world.office, project=world.project_a)
    with pytest.raises(ValidationError):
        services.project_delete(actor=world.office, project=world.project_a)
    with pytest.raises(PermissionDenied):
        services.project_restore(actor=world.operator_a, project=world.project_a)
    assert Project.all_objects.get(pk=world.project_a.pk).deleted_at is not None


def test_a_deleted_code_cannot_be_reused_by_mistake(world):
    services.project_delete(actor=world.office, project=world.project_a)
    with pytest.raises(ValidationError) as exc:
        services.project_create(
            actor=world.office,
            code=world.project_a.code,
            name="同编号",
            unit=world.district_a,
            category="industry",
            total_investment=1,
        )
    assert "code" in exc.value.message_dict


def test_api_delete_and_restore(world):
    url = f"/api/projects/{world.project_a.pk}"
    # an operator of the unit may edit but not delete; another district's sees nothing
    assert login(world.operator_a).delete(url).status_code == 403
    assert login(world.operator_b).delete(url).status_code == 404
    assert Project.objects.filter(pk=world.project_a.pk).exists()

    office = login(world.office)
    response = office.delete(url + "?reason=立项撤销")
    assert response.status_code == 204, response.content
    assert office.get(url).status_code == 404
    listed = [p["id"] for p in office.get("/api/projects", {"page_size": 500}).json()["items"]]
    assert world.project_a.pk not in listed
    assert login(world.operator_a).get(url).status_code == 404

    assert login(world.operator_a).post(url + "/restore").status_code == 404
    response = office.post(url + "/restore")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == world.project_a.pk
    assert office.get(url).status_code == 200
    assert office.post(url + "/restore").status_code == 404  # no longer in the bin


def test_recycle_bin_page_restores(world):
    office = login(world.office)
    response = office.post(f"/audit/projects/{world.project_a.pk}/delete/", {"reason": "测试"})
    assert response.status_code == 302
    page = office.get("/audit/deleted/")
    assert page.status_code == 200
    html = page.content.decode()
    assert world.project_a.name in html and world.project_b.name not in html
    assert office.get(f"/projects/{world.project_a.pk}/").status_code == 404
    response = office.post(f"/audit/deleted/{world.project_a.pk}/restore/")
    assert response.status_code == 302
    assert office.get(f"/projects/{world.project_a.pk}/").status_code == 200
    assert world.project_a.name not in office.get("/audit/deleted/").content.decode()


def test_recycle_bin_is_office_only(world):
    services.project_delete(actor=world.office, project=world.project_a)
    operator = login(world.operator_a)
    assert operator.get("/audit/deleted/").status_code == 403
    assert operator.post(f"/audit/deleted/{world.project_a.pk}/restore/").status_code == 403
    assert operator.post(f"/audit/projects/{world.project_b.pk}/delete/").status_code == 403
    assert Project.all_objects.get(pk=world.project_a.pk).deleted_at is not None
    assert Project.objects.filter(pk=world.project_b.pk).exists()
    anonymous = Client().get("/audit/deleted/")
    assert anonymous.status_code == 302
