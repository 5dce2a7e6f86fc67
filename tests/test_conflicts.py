"""No lost update, on pages and the API: a save based on a version someone else has
since changed is refused, names who changed what, keeps the user's input and changes
nothing; approved reports are corrected by a new version, never edited."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from gongjian.indicators.registries import get_registry
from gongjian.kit.errors import ConflictError
from gongjian.projects import services
from gongjian.projects.models import ProgressReport, Project
from tests.factories import build_city_world, project_edit_form

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def world():
    return build_city_world()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def project_state(project: Project) -> tuple:
    row = Project.all_objects.get(pk=project.pk)
    return (row.version, row.name, row.total_investment, row.description)


def hidden_version(html: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', html).group(1))


edit_form = project_edit_form


# --- services ------------------------------------------------------------------------


def test_two_saves_from_the_same_version_second_is_refused(world):
    p = world.project_a
    opened = Project.objects.get(pk=p.pk).version  # both people open version 3
    services.project_update(
        actor=world.office, project=p, expected_version=opened, name="甲区新材料产业园(一期)"
    )
    before = project_state(p)
    with pytest.raises(ConflictError) as exc:
        services.project_update(
            actor=world.operator_a, project=p, expected_version=opened, total_investment=1
        )
    assert project_state(p) == before
    error = exc.value
    assert error.message.startswith("此项目已被 攻坚办 于")
    assert (
        "以下字段与您打开时不同:项目名称(甲区新材料产业园 → 甲区新材料产业园(一期))"
        in error.message
    )
    assert error.current_version == opened + 1
    assert [(c["field"], c["before"], c["after"]) for c in error.changed] == [
        ("name", "甲区新材料产业园", "甲区新材料产业园(一期)")
    ]


# --- the project edit page ---------------------------------------------------------------


def test_edit_page_permissions(world):
    url = f"/projects/{world.project_a.pk}/edit/"
    assert Client().get(url).status_code == 302
    assert login(world.operator_b).get(url).status_code == 404
    assert login(world.viewer_a).get(url).status_code == 404
    before = project_state(world.project_a)
    response = login(world.operator_b).post(url, edit_form(world.project_a, name="越权", version=3))
    assert response.status_code == 404
    assert project_state(world.project_a) == before
    for user in (world.operator_a, world.office):
        response = login(user).get(url)
        assert response.status_code == 200
        assert hidden_version(response.content.decode()) == world.project_a.version


def test_edit_page_saves(world):
    url = f"/projects/{world.project_a.pk}/edit/"
    client = login(world.operator_a)
    version = hidden_version(client.get(url).content.decode())
    response = client.post(
        url, edit_form(world.project_a, total_investment="35000", version=version)
    )
    assert response.status_code == 302
    saved = Project.objects.get(pk=world.project_a.pk)
    assert saved.total_investment == 350_000_000 and saved.version == version + 1
    assert saved.history.latest().history_user == world.operator_a


def test_edit_page_stale_save_shows_the_changes_and_keeps_the_input(world):
    url = f"/projects/{world.project_a.pk}/edit/"
    office, operator = login(world.office), login(world.operator_a)
    # both open the page on the same version
    v_office = hidden_version(office.get(url).content.decode())
    v_operator = hidden_version(operator.get(url).content.decode())
    assert v_office == v_operator
    first = office.post(
        url, edit_form(world.project_a, name="甲区新材料产业园(一期)", version=v_office)
    )
    assert first.status_code == 302
    after_first = project_state(world.project_a)

    second = operator.post(
        url,
        edit_form(
            world.project_a, name="甲区新材料园", description="操作员的说明", version=v_operator
        ),
    )
    assert second.status_code == 200
    html = second.content.decode()
    assert project_state(world.project_a) == after_first  # nothing of the stale save
    assert "此项目已被 攻坚办 于" in html and "以下字段与您打开时不同" in html
    row = re.search(r'<tr data-field="name">(.*?)</tr>', html).group(1)
    assert "甲区新材料产业园(一期)" in row and "甲区新材料园" in row  # theirs and yours
    assert "操作员的说明" in html  # the input is kept
    # the form now carries the current version: saving again, knowingly, goes through
    assert hidden_version(html) == after_first[0]
    third = operator.post(
        url,
        edit_form(
            world.project_a,
            name="甲区新材料园",
            description="操作员的说明",
            version=hidden_version(html),
        ),
    )
    assert third.status_code == 302
    assert Project.objects.get(pk=world.project_a.pk).name == "甲区新材料园"


# --- the API: ETag / If-Match ----------------------------------------------------------


def test_api_etag_and_if_match(world):
    office, operator = login(world.office), login(world.operator_a)
    url = f"/api/projects/{world.project_a.pk}"
    response = operator.get(url)
    etag = response["ETag"]
    assert etag == f'"{world.project_a.version}"'

    response = office.patch(url, {"name": "新名称"}, content_type=JSON, headers={"If-Match": etag})
    assert response.status_code == 200, response.content
    assert response["ETag"] == f'"{world.project_a.version + 1}"'

    before = project_state(world.project_a)
    response = operator.patch(
        url, {"total_investment": 1}, content_type=JSON, headers={"If-Match": etag}
    )
    assert response.status_code == 412
    body = response.json()
    assert body["detail"].startswith("此项目已被 攻坚办 于") and "项目名称" in body["detail"]
    assert body["changed"] == [
        {"field": "name", "label": "项目名称", "before": "甲区新材料产业园", "after": "新名称"}
    ]
    assert body["current_version"] == before[0]
    assert response["ETag"] == f'"{before[0]}"'
    assert project_state(world.project_a) == before

    # the weak form and the current tag are accepted
    response = operator.patch(
        url, {"total_investment": 1}, content_type=JSON, headers={"If-Match": f'W/"{before[0]}"'}
    )
    assert response.status_code == 200
    # a tag that is not one is refused in Chinese
    response = operator.patch(url, {"name": "x"}, content_type=JSON, headers={"If-Match": "abc"})
    assert response.status_code == 422 and "If-Match" in response.json()["detail"][0]
    # the body's expected_version still answers 409
    response = operator.patch(url, {"name": "y", "expected_version": 1}, content_type=JSON)
    assert response.status_code == 409 and response.json()["changed"]


# --- progress reports ------------------------------------------------------------------


def test_report_api_if_match_and_approved_reports_are_immutable(world):
    office, operator = login(world.office), login(world.operator_a)
    url = f"/api/reports/{world.report_a.pk}"
    response = operator.get(url)
    assert response.status_code == 200
    etag = response["ETag"]
    assert login(world.operator_b).get(url).status_code == 404

    response = office.patch(
        url, {"progress_text": "主体封顶"}, content_type=JSON, headers={"If-Match": etag}
    )
    assert response.status_code == 200, response.content
    response = operator.patch(
        url, {"problems_text": "缺工"}, content_type=JSON, headers={"If-Match": etag}
    )
    assert response.status_code == 412
    body = response.json()
    assert body["detail"].startswith("此进度报告已被 攻坚办 于")
    assert [c["field"] for c in body["changed"]] == ["progress_text", "submitted_by"]
    assert ProgressReport.objects.get(pk=world.report_a.pk).problems_text == ""

    assert operator.post(url + "/approve").status_code == 403
    response = office.post(url + "/approve")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    response = office.patch(
        url, {"progress_text": "改已审核的"}, content_type=JSON, headers={"If-Match": "*"}
    )
    assert response.status_code == 422
    assert ProgressReport.objects.get(pk=world.report_a.pk).progress_text == "主体封顶"


def test_correction_is_a_new_version_counted_instead_of_the_old(world):
    report = world.report_a
    services.progress_report_approve(actor=world.office, report=report)
    with pytest.raises(ValidationError):
        services.progress_report_update(actor=world.operator_a, report=report, progress_text="x")
    registry = get_registry("progress_reports")

    def counted():
        rows = registry.queryset().filter(project=world.project_a)
        return [(r.pk, r.investment_this_period) for r in rows]

    assert counted() == [(report.pk, 10_000_000)]

    response = login(world.operator_a).post(
        f"/api/reports/{report.pk}/correct",
        {"reason": "统计口径更正", "investment_this_period": 12_000_000},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    new_id = body["id"]
    assert body["supersedes_id"] == report.pk and body["is_current"] is True
    assert body["status"] == "submitted" and body["cumulative_investment"] == 12_000_000
    assert counted() == [(new_id, 12_000_000)]  # only the current version counts

    old = ProgressReport.all_versions.get(pk=report.pk)
    assert old.status == "approved" and old.investment_this_period == 10_000_000
    assert old.is_current is False
    # the old version stays readable, marked superseded; the lists show the current one
    office = login(world.office)
    assert office.get(f"/api/reports/{report.pk}").json()["is_current"] is False
    listed = [r["id"] for r in office.get(f"/api/projects/{world.project_a.pk}/reports").json()]
    assert listed == [new_id]
    # a second correction of the superseded row is refused
    with pytest.raises(ValidationError):
        services.progress_report_correct(
            actor=world.office, report=old, reason="再改", investment_this_period=1
        )
    new = ProgressReport.objects.get(pk=new_id)
    assert new.history.latest().history_change_reason == "更正:统计口径更正"
    project_page = office.get(f"/projects/{world.project_a.pk}/").content.decode()
    assert "已被更正" in project_page and "更正版本" in project_page


def test_correction_refuses_bad_figures_and_changes_nothing(world):
    report = world.report_a
    services.progress_report_approve(actor=world.office, report=report)
    with pytest.raises(ValidationError) as exc:
        services.progress_report_correct(
            actor=world.operator_a, report=report, reason="错", cumulative_investment=1
        )
    assert "cumulative_investment" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.progress_report_correct(actor=world.operator_a, report=report, reason=" ")
    assert "reason" in exc.value.message_dict
    assert ProgressReport.all_versions.filter(project=world.project_a).count() == 1
    assert ProgressReport.objects.get(pk=report.pk).is_current


def test_report_edit_page_conflict(world):
    url = f"/projects/{world.project_a.pk}/reports/{world.report_a.pk}/edit/"
    office, operator = login(world.office), login(world.operator_a)
    assert login(world.operator_b).get(url).status_code == 404
    version = hidden_version(operator.get(url).content.decode())
    form = {
        "investment_this_period": "1000",
        "cumulative_investment": "1000",
        "progress_text": "主体施工",
        "problems_text": "",
        "version": version,
    }
    assert office.post(url, {**form, "progress_text": "主体封顶"}).status_code == 302
    response = operator.post(url, {**form, "problems_text": "缺工"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "此进度报告已被 攻坚办 于" in html and 'data-field="progress_text"' in html
    assert "缺工" in html
    assert ProgressReport.objects.get(pk=world.report_a.pk).problems_text == ""


def test_report_correct_page(world):
    services.progress_report_approve(actor=world.office, report=world.report_a)
    base = f"/projects/{world.project_a.pk}/reports/{world.report_a.pk}"
    operator = login(world.operator_a)
    # an approved report has no edit page, only the correction
    assert operator.get(base + "/edit/").status_code == 302
    response = operator.post(
        base + "/correct/",
        {
            "investment_this_period": "1200",
            "cumulative_investment": "1200",
            "progress_text": "主体施工",
            "problems_text": "",
            "reason": "漏报",
        },
    )
    assert response.status_code == 302
    current = ProgressReport.objects.get(project=world.project_a, period_start=world.day(4, 1))
    assert (
        current.supersedes_id == world.report_a.pk and current.investment_this_period == 12_000_000
    )
    assert Project.objects.get(pk=world.project_a.pk).completed_investment == 12_000_000
