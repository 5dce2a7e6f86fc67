"""The strategy's pillars and themes, the parks and the clusters: services (rules, scope,
history), the engine's figures, the dashboard by pillar, the review by theme, the demo."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from gongjian.enterprises.models import IndustryCluster
from gongjian.indicators.engine import evaluate
from gongjian.indicators.models import Campaign, Indicator
from gongjian.kit.dates import Period
from gongjian.review.selectors import ReviewTerm, by_theme
from gongjian.strategy import selectors, services
from gongjian.strategy.models import Park, Pillar
from gongjian.units.models import User
from tests.factories import build_city_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_city_world()
    w.campaign = Campaign.objects.create(
        year=w.year, name="测试攻坚", root_unit=w.city, reporting_date=dt.date(w.year, 10, 31)
    )
    return w


def _period(w) -> Period:
    return Period.year_to_date(w.year, dt.date(w.year, 10, 31))


def test_pillar_counts_its_projects_by_category_and_tag(world):
    w = world
    w.project_a.tags.add(w.tag)
    pillar = services.pillar_save(
        actor=w.office,
        campaign=w.campaign,
        code="hub",
        name="一枢纽",
        tag_slugs=[w.tag.slug],
    )
    figures = selectors.pillar_figures(pillar, w.city, _period(w))
    assert figures[0].value == 1  # the tagged project only
    services.pillar_save(
        actor=w.office,
        campaign=w.campaign,
        pillar=pillar,
        code="hub",
        name="一枢纽",
        tag_slugs=[w.tag.slug],
        categories=[w.project_b.category],
    )
    expected = 1 + (w.project_b.category != w.project_a.category or 0)
    assert selectors.pillar_figures(pillar, w.city, _period(w))[0].value == expected
    assert pillar.history.count() == 2


def test_pillar_refuses_unknown_names_and_others(world):
    w = world
    with pytest.raises(ValidationError) as exc:
        services.pillar_save(
            actor=w.office, campaign=w.campaign, code="x", name="X", indicator_codes=["nope"]
        )
    assert "nope" in str(exc.value)
    with pytest.raises(ValidationError):
        services.pillar_save(
            actor=w.office, campaign=w.campaign, code="x", name="X", categories=["bogus"]
        )
    with pytest.raises(PermissionDenied):
        services.pillar_save(actor=w.operator_a, campaign=w.campaign, code="x", name="X")
    assert not Pillar.objects.filter(campaign=w.campaign).exists()


def test_park_registry_and_links_are_scoped(world):
    w = world
    park = services.park_save(
        actor=w.office,
        code="p1",
        name="甲区产业园",
        level="provincial",
        area_km2="3.5",
        unit=w.district_a,
    )
    services.park_link_projects(actor=w.office, park=park, codes=[w.project_a.code])
    # a project of another district cannot join the park
    with pytest.raises(ValidationError) as exc:
        services.park_link_projects(actor=w.office, park=park, codes=[w.project_b.code])
    assert w.project_b.code in str(exc.value)
    assert list(park.projects.all()) == [w.project_a]
    with pytest.raises(PermissionDenied):
        services.park_save(actor=w.operator_b, park=park, name="改名")
    with pytest.raises(ValidationError):
        services.park_save(
            actor=w.office,
            code="p2",
            name="X",
            level="provincial",
            area_km2="abc",
            unit=w.district_a,
        )
    board = selectors.park_board(w.office, w.city, _period(w))
    assert [f.value for f in board.totals][:1] == [1]
    assert board.rows[0].figures[0].value == 1
    count = Indicator.adhoc("n", "projects", filters={"park": "p1"})
    assert evaluate(count, w.city, _period(w)) == 1
    assert evaluate(count, w.district_b, _period(w)) == 0
    # the other district's operator sees no park
    assert not selectors.parks_for(w.operator_b, w.city).exists()
    client = Client()
    client.force_login(w.operator_b)
    assert client.get(f"/strategy/parks/{park.pk}/").status_code == 404
    assert (
        client.post(f"/strategy/parks/{park.pk}/", {"link": "projects", "codes": ""}).status_code
        == 404
    )
    assert park.projects.count() == 1


def test_cluster_track_is_the_offices(world):
    w = world
    cluster = IndustryCluster.objects.create(name="新材料", unit=w.city)
    with pytest.raises(PermissionDenied):
        services.cluster_track_set(actor=w.operator_a, cluster=cluster, track="develop")
    services.cluster_track_set(actor=w.office, cluster=cluster, track="develop")
    count = Indicator.adhoc("c", "industry_clusters", filters={"track": "develop"})
    assert evaluate(count, w.city, _period(w)) == 1


def test_review_terms_follow_the_themes(world):
    w = world
    services.theme_save(
        actor=w.office, campaign=w.campaign, name="民生", terms=["幸福民生"], sort_order=1
    )
    services.theme_save(
        actor=w.office, campaign=w.campaign, name="项目", terms=["项目建设"], sort_order=0
    )
    items = [ReviewTerm(t, 1.0, 1) for t in ["幸福民生", "招商", "项目建设"]]
    ordered = by_theme(items, selectors.themes_for(w.campaign))
    assert [(i.term, i.theme) for i in ordered] == [
        ("项目建设", "项目"),
        ("幸福民生", "民生"),
        ("招商", ""),
    ]
    assert by_theme(items, []) == items


def test_dashboard_by_pillar(world):
    w = world
    pillar = services.pillar_save(
        actor=w.office,
        campaign=w.campaign,
        code="hub",
        name="一枢纽",
        categories=[w.project_a.category],
    )
    client = Client()
    client.force_login(w.office)
    page = client.get(f"/dashboard/?unit={w.city.pk}&year={w.year}&pillar=hub")
    assert page.status_code == 200
    assert "pillar-figures" in page.text and pillar.name in page.text
    assert client.get(f"/dashboard/?unit={w.city.pk}&year={w.year}&pillar=none").status_code == 404


# --- the demo ---------------------------------------------------------------------------


def test_demo_strategy_parks_and_clusters(demo):
    city = demo
    period = Period.year_to_date(2024, dt.date(2024, 10, 31))
    benchmark = Indicator.objects.get(code="tourism_benchmark.count")
    assert evaluate(benchmark, city, period) == 10  # 实施南山悠谷等10个标杆项目
    office = User.objects.get(username="office")
    campaign = Campaign.objects.get(root_unit=city, year=2024)
    assert [p.name for p in selectors.pillars_for(campaign)] == ["一枢纽", "两中心", "两高地"]
    clusters = selectors.cluster_board(office, city, period)
    totals = {f.label: f.value for f in clusters.totals}
    assert totals["重点发展产业集群"] == 7 and totals["重点培育产业集群"] == 5
    assert totals["千亿级产业集群"] == 2
    parks = selectors.park_board(office, city, period)
    assert parks.totals[0].value == Park.objects.filter(unit__path__startswith=city.path).count()
    assert all(r.figures[0].value for r in parks.rows)
    client = Client()
    client.force_login(office)
    for url in ["/strategy/", "/strategy/parks/", "/strategy/clusters/", "/dashboard/?pillar=hub"]:
        assert client.get(url).status_code == 200, url
    viewer = Client()
    viewer.force_login(User.objects.get(username="viewer"))
    for url in ["/strategy/", "/strategy/parks/", "/strategy/clusters/"]:
        text = viewer.get(url).text  # none of the office's forms
        assert "/track/" not in text and 'name="codes"' not in text, url
        assert "/strategy/pillars/new/" not in text and "/strategy/parks/new/" not in text, url
