"""The pages: figures from the engine, lists from the scoped querysets, 404 outside scope,
bounded query counts, and no page referencing another host."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongjian.indicators.display import display
from gongjian.indicators.engine import completion, evaluate, ranking
from gongjian.indicators.models import Indicator, RankingScheme, Target
from gongjian.kit.dates import Period
from gongjian.projects.models import Problem, ProblemComment, ProgressReport, Project, Stage
from gongjian.units.models import Unit, User
from tests.factories import ProjectFactory

PAGES = ["/", "/projects/", "/dispatch/", "/baobao/", "/map/", "/rankings/", "/targets/"]


@pytest.fixture
def office(demo):
    return User.objects.get(username="office")


@pytest.fixture
def linghe_op(demo):
    return User.objects.get(username="linghe_op")


@pytest.fixture
def heishan_project(demo):
    return Project.objects.filter(unit__code="210726").order_by("pk").first()


def test_anonymous_is_sent_to_login(client, demo):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_and_reference_only_this_host(client, office, url):
    client.force_login(office)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    hosts = re.findall(r"""(?:src|href|action)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", html)
    foreign = [h for h in hosts if not re.match(r"(https?:)?//testserver(/|$)", h)]
    assert foreign == [], f"{url} references other hosts: {foreign}"
    # no CDN named anywhere but in a random token (the CSRF token may spell "cdn")
    assert "cdn" not in re.sub(r'value="[A-Za-z0-9]{64}"', "", html).lower()
    assert re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html) is None, (
        f"{url} has an inline script"
    )


def test_dashboard_figures_come_from_the_engine(client, office, demo, as_of):
    client.force_login(office)
    response = client.get("/", {"unit": demo.pk, "year": 2024, "as_of": as_of.isoformat()})
    html = response.content.decode()
    targets = Target.objects.filter(unit=demo, year=2024).select_related("indicator")
    assert targets
    for target in targets:
        c = completion(target.indicator, demo, 2024, as_of)
        assert display(c.value, target.indicator.display_unit) in html
        assert c.rate is None or f"{c.rate * 100:.1f}%" in html
    signed = Indicator.objects.get(code="signed_ge_100m")
    value = evaluate(signed, demo, Period.year_to_date(2024, as_of))
    assert re.search(rf'data-testid="tile-signed_ge_100m" data-value="{value}">{value:,}个<', html)


def test_operator_sees_own_district_only_and_404_elsewhere(client, linghe_op, heishan_project):
    client.force_login(linghe_op)
    assert client.get(f"/projects/{heishan_project.pk}/").status_code == 404
    assert client.get(f"/dispatch/{heishan_project.pk}/report/").status_code == 404
    heishan = Unit.objects.get(code="210726")
    assert client.get("/", {"unit": heishan.pk}).status_code == 404
    html = client.get("/projects/", {"ordering": "-total_investment"}).content.decode()
    assert heishan_project.name not in html
    linghe_names = set(Project.objects.filter(unit__code="210703").values_list("name", flat=True))
    shown = re.findall(r'/projects/\d+/">([^<]+)</a>', html)
    assert shown and set(shown) <= linghe_names


def test_operator_cannot_post_a_report_for_another_district(client, linghe_op, heishan_project):
    client.force_login(linghe_op)
    before = ProgressReport.objects.filter(project=heishan_project).count()
    response = client.post(
        f"/dispatch/{heishan_project.pk}/report/?period=2024-10",
        {"investment_this_period": "10"},
    )
    assert response.status_code == 404
    assert ProgressReport.objects.filter(project=heishan_project).count() == before


def _missing_linghe_project(user):
    from gongjian.projects.selectors import due_projects

    linghe = Unit.objects.get(code="210703")
    return due_projects(user, linghe, Period.month(2024, 10)).filter(reported=False).first()


def test_dispatch_submit_changes_the_dashboard(client, linghe_op, as_of):
    client.force_login(linghe_op)
    linghe = Unit.objects.get(code="210703")
    project = _missing_linghe_project(linghe_op)
    assert project is not None
    page = client.get("/dispatch/", {"unit": linghe.pk, "period": "2024-10"}).content.decode()
    assert f'data-project="{project.pk}"' in page
    indicator = Indicator.objects.get(code="completed_investment")
    before = evaluate(indicator, linghe, Period.year_to_date(2024, as_of))
    response = client.post(
        f"/dispatch/{project.pk}/report/?unit={linghe.pk}&period=2024-10",
        {"investment_this_period": "123", "progress_text": "主体施工"},
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(project=project, period_start=dt.date(2024, 10, 1))
    assert report.investment_this_period == 1_230_000
    assert report.history.first().history_user == linghe_op
    after = evaluate(indicator, linghe, Period.year_to_date(2024, as_of))
    assert after == before + 1_230_000
    html = client.get("/", {"unit": linghe.pk}).content.decode()
    assert display(after, "元") in html


def test_bad_report_gets_a_chinese_error_and_changes_nothing(client, linghe_op):
    client.force_login(linghe_op)
    project = _missing_linghe_project(linghe_op)
    response = client.post(
        f"/dispatch/{project.pk}/report/?period=2024-10",
        {"investment_this_period": "10", "cumulative_investment": "1"},
    )
    assert response.status_code == 200
    assert "累计完成投资" in response.content.decode()
    assert not ProgressReport.objects.filter(
        project=project, period_start=dt.date(2024, 10, 1)
    ).exists()


def test_office_sees_status_per_unit_and_reminders(client, office, demo):
    client.force_login(office)
    html = client.get("/dispatch/", {"period": "2024-10"}).content.decode()
    assert 'data-testid="by-unit"' in html
    for name in ["古塔区", "凌河区", "黑山县", "北镇市"]:
        assert name in html
    # 872 due projects: 50 cards a page, the missing ones first, the rest a page away
    first = set(re.findall(r'<li class="(?:done|todo)" data-project="(\d+)"', html))
    assert len(first) == 50 and 'class="gj-pager"' in html
    assert '<li class="todo"' in html.split('class="gj-cards"')[1][:400]
    second = client.get("/dispatch/", {"period": "2024-10", "page": 2}).content.decode()
    assert first.isdisjoint(re.findall(r'<li class="(?:done|todo)" data-project="(\d+)"', second))
    reminders = client.get("/dispatch/reminders/", {"period": "2024-10"}).content.decode()
    assert "【催报】" in reminders


def test_leader_reads_his_city_and_his_baobao_page_lists_his_own(client, demo):
    """A city leader's 包保 page lists the projects he is responsible for; the project
    list reads the whole city, as a viewer of it would, with no write button."""
    leader = User.objects.get(username="li_qiang")
    client.force_login(leader)
    html = client.get("/baobao/").content.decode()
    mine = list(Project.objects.filter(leader=leader).values_list("name", flat=True))
    assert mine
    for name in mine[:20]:
        assert name in html
    others = Project.objects.exclude(leader=leader)
    assert others.first().name not in html
    listed = client.get("/projects/").content.decode()
    shown = re.findall(r'/projects/\d+/">([^<]+)</a>', listed)
    assert shown and not set(shown) <= set(mine)
    other = others.first()
    page = client.get(f"/projects/{other.pk}/")
    assert page.status_code == 200 and f"/projects/{other.pk}/edit/" not in page.content.decode()
    assert client.get(f"/projects/{other.pk}/edit/").status_code in (403, 404)


def test_problem_assign_resolve_verify_with_trail(client, demo):
    problem = Problem.objects.filter(status=Problem.Status.OPEN, leader__isnull=False).first()
    leader = problem.leader
    client.force_login(leader)
    url = f"/problems/{problem.pk}/"
    for status, comment in [
        ("assigned", "请自然资源局一周内办结"),
        ("resolved", "用地手续已办结"),
        ("verified", "经核实,同意销号"),
    ]:
        response = client.post(url, {"to_status": status, "comment": comment})
        assert response.status_code == 302, response.content.decode()[:2000]
    problem.refresh_from_db()
    assert problem.status == Problem.Status.VERIFIED
    trail = list(ProblemComment.objects.filter(problem=problem).values_list("status", "author"))
    assert trail == [("assigned", leader.pk), ("resolved", leader.pk), ("verified", leader.pk)]
    assert "同意销号" in client.get(url).content.decode()


def test_problem_of_other_district_is_404(client, linghe_op):
    problem = Problem.objects.exclude(project__unit__code="210703").first()
    client.force_login(linghe_op)
    before = problem.status
    assert client.post(f"/problems/{problem.pk}/", {"to_status": "assigned"}).status_code == 404
    problem.refresh_from_db()
    assert problem.status == before


def test_map_shades_seven_districts_with_engine_values(client, office, demo, as_of):
    client.force_login(office)
    html = client.get("/map/", {"indicator": "signed_count"}).content.decode()
    codes = set(re.findall(r'<tr data-code="(\d{6})"', html))
    assert codes == {"210702", "210703", "210711", "210726", "210727", "210781", "210782"}
    indicator = Indicator.objects.get(code="signed_count")
    heishan = Unit.objects.get(code="210726")
    value = evaluate(indicator, heishan, Period.year_to_date(2024, as_of))
    assert f'<td class="num">{value:,}个</td>' in html
    config_id = re.search(r"/map/shape/(\d+)\.js", html).group(1)
    script = client.get(f"/map/shape/{config_id}.js")
    assert script.status_code == 200 and "registerMap" in script.content.decode()
    assert '"210726"' in script.content.decode()


def test_map_config_accepts_geojson_upload(client, office, demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(office)
    geo = (
        '{"type":"FeatureCollection","features":[{"type":"Feature","id":"210702",'
        '"properties":{"name":"古塔区"},"geometry":{"type":"Polygon",'
        '"coordinates":[[[121,41],[121.2,41],[121.2,41.2],[121,41]]]}}]}'
    )
    response = client.post(
        "/map/settings/",
        {"map_name": "锦州自定义", "geojson_file": SimpleUploadedFile("j.geojson", geo.encode())},
    )
    assert response.status_code == 302
    bad = client.post(
        "/map/settings/",
        {"map_name": "x", "geojson_file": SimpleUploadedFile("j.geojson", b"not json")},
    )
    assert "不是有效的 JSON" in bad.content.decode()
    html = client.get("/map/").content.decode()
    config_id = re.search(r"/map/shape/(\d+)\.js", html).group(1)
    assert "锦州自定义" in client.get(f"/map/shape/{config_id}.js").content.decode()


def test_rankings_show_engine_scores_and_movement(client, office, demo, as_of):
    client.force_login(office)
    html = client.get("/rankings/", {"year": 2024, "as_of": as_of.isoformat()}).content.decode()
    scheme = RankingScheme.objects.get(code="2024-county-race")
    rows = ranking(
        scheme, Period.year_to_date(2024, as_of), Period.year_to_date(2024, dt.date(2024, 9, 30))
    )
    for row in rows:
        assert f"<td>{row.rank}</td><td>{row.unit.name}</td>" in html
        assert f"<b>{row.score:.2f}</b>" in html
    assert "/reports/export/rankings.xlsx?" in html


def test_targets_page_lists_each_units_targets(client, office, demo, as_of):
    client.force_login(office)
    html = client.get("/targets/").content.decode()
    target = (
        Target.objects.filter(unit__code="210782", year=2024).select_related("indicator").first()
    )
    c = completion(target.indicator, target.unit, 2024, as_of)
    assert f"{c.rate * 100:.1f}%" in html


def test_project_list_filters_like_the_api_and_links_the_export(client, office, demo):
    client.force_login(office)
    response = client.get(
        "/projects/", {"stage": "started", "min_amount": "100000000", "unit": "210781"}
    )
    html = response.content.decode()
    expected = Project.objects.filter(
        stage=Stage.STARTED,
        total_investment__gte=100_000_000,
        unit__path__startswith=Unit.objects.get(code="210781").path,
    ).count()
    assert f"共 {expected} 个项目" in html
    assert (
        "/reports/export/projects.xlsx?stage=started&amp;min_amount=100000000&amp;unit=210781"
        in html
    )
    bad = client.get("/projects/", {"min_amount": "abc"})
    assert bad.status_code == 200 and "筛选条件有误" in bad.content.decode()


def test_project_detail_shows_timeline_reports_history(client, office, demo):
    project = Project.objects.filter(reports__isnull=False, problems__isnull=False).first()
    client.force_login(office)
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert project.name in html
    for t in project.transitions.all():
        assert str(t.occurred_on) in html
    assert "进度报告" in html and "变更记录" in html and 'id="pin"' in html


def _count_queries(client, url, params=None):
    # with nothing kept between requests (indicators.cube): each count alike
    caches["figures"].clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("url", "limit"),
    [
        ("/", "per-indicator"),
        ("/projects/", 20),
        ("/dispatch/", 20),
        ("/baobao/", 20),
        ("/map/", 30),
        ("/rankings/", 60),
        ("/targets/", "per-indicator"),
    ],
)
def test_query_counts_are_bounded_and_do_not_grow_with_projects(
    client, office, demo, url, limit, django_assert_max_num_queries
):
    client.force_login(office)
    params = {"leader": "li_qiang"} if url == "/baobao/" else {}
    if limit == "per-indicator":
        # one aggregate per indicator (and per target for the checkpoints), nothing per project
        limit = 40 + 4 * Indicator.objects.filter(is_active=True).count()
    caches["figures"].clear()
    with django_assert_max_num_queries(limit):
        client.get(url, params)
    before = _count_queries(client, url, params)
    linghe = Unit.objects.get(code="210703")
    leader = User.objects.get(username="li_qiang")
    for _ in range(5):
        ProjectFactory(unit=linghe, leader=leader)
    assert _count_queries(client, url, params) == before


def test_dispatch_status_per_unit_comes_from_the_engine_and_matches_the_list(client, office, demo):
    """The per-unit 应报 / 已报 / 未报 figures are the engine's (the projects registry's
    ``dispatch_due`` / ``dispatch_reported`` events) and agree with the page's list of
    due projects, unit by unit; a report sent moves one project from 未报 to 已报."""
    from gongjian.projects.selectors import dispatch_status_by_unit, due_projects

    month = Period.month(2024, 10)
    rows = dispatch_status_by_unit(demo, month)
    assert len(rows) > 3 and sum(r["due"] for r in rows) > 0
    for row in rows:
        listed = list(due_projects(office, row["unit"], month).values_list("reported", flat=True))
        assert row["due"] == len(listed), row["unit"].name
        assert row["reported"] == sum(listed), row["unit"].name
        assert row["missing"] == row["due"] - row["reported"]
    project = due_projects(office, demo, month).filter(reported=False, cadence="monthly").first()
    assert project is not None
    unit = next(r["unit"] for r in rows if project.unit.path.startswith(r["unit"].path))
    before = next(r for r in rows if r["unit"] == unit)
    ProgressReport.objects.create(
        project=project,
        period_start=month.start,
        period_end=month.end,
        investment_this_period=1,
        cumulative_investment=(project.completed_investment or 0) + 1,
        progress_text="主体施工",
        submitted_by=office,
    )
    after = next(r for r in dispatch_status_by_unit(demo, month) if r["unit"] == unit)
    assert (after["due"], after["reported"], after["missing"]) == (
        before["due"],
        before["reported"] + 1,
        before["missing"] - 1,
    )


@pytest.mark.parametrize("url", ["/dashboard/", "/targets/", "/indicators/"])
def test_a_departments_user_sees_their_own_unit_chosen_in_the_scope_form(client, demo, url):
    """The scope form lists the regions, not the departments; a department's own user (the
    12345 centre's clerk) still finds their unit there, chosen, not an empty box."""
    clerk = User.objects.get(username="rexian_12345")
    unit = clerk.memberships.get().unit
    assert unit.kind == Unit.Kind.DEPARTMENT
    client.force_login(clerk)
    response = client.get(url)
    assert response.status_code == 200
    select = re.search(r'<select name="unit">(.*?)</select>', response.content.decode(), re.S)
    assert select is not None
    chosen = re.findall(r'<option value="(\d+)" selected>([^<]*)</option>', select.group(1))
    assert chosen == [(str(unit.pk), unit.name)]
