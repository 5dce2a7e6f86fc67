"""The pages in a real browser: Playwright for Python driving Debian's Chromium.

Screenshots of each main page at desktop and phone widths go to var/screenshots/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from gongjian.projects.models import Project
from gongjian.units.models import Unit, User

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="没有找到 Chromium(apt-get install chromium)"),
    pytest.mark.skipif(
        not (settings.VENDOR_DIR / "echarts" / "echarts.min.js").exists(),
        reason="前端资源未安装(make assets)",
    ),
]
SHOTS = Path(settings.PROJECT_DIR) / "var" / "screenshots"
PASSWORD = "browser-test-pass-1"
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


def _login(browser, live_server, username, size="desktop"):
    user = User.objects.get(username=username)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    foreign = []
    page.on(
        "request",
        lambda r: (
            foreign.append(r.url)
            if not r.url.startswith(live_server.url) and not r.url.startswith("data:")
            else None
        ),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page, foreign


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(600)  # ECharts animations
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_roles_in_chromium(browser, live_server, demo):
    linghe = Unit.objects.get(code="210703")
    # 1. operator submits a progress report; the dashboard changes
    page, foreign = _login(browser, live_server, "linghe_op")
    page.goto(f"{live_server.url}/?unit={linghe.pk}")
    tile = '[data-testid="tile-completed_investment"]'
    before = int(page.get_attribute(tile, "data-value"))
    page.goto(f"{live_server.url}/dispatch/?unit={linghe.pk}&period=2024-10")
    from gongjian.kit.dates import Period
    from gongjian.projects.selectors import due_projects

    missing = [
        p
        for p in due_projects(
            User.objects.get(username="linghe_op"), linghe, Period.month(2024, 10)
        )
        if not p.reported and p.total_investment - p.completed_investment >= 100_000
    ]
    assert missing, "凌河区 2024-10 没有未报送的项目"
    page.locator(f'li.todo[data-project="{missing[0].pk}"] a[role=button]').click()
    page.fill("#id_investment_this_period", "10")
    page.fill("#id_progress_text", "主体结构施工")
    page.click("button:has-text('报送')")
    page.wait_for_load_state("networkidle")
    assert "已报送" in page.inner_text(".gj-flash")
    page.goto(f"{live_server.url}/?unit={linghe.pk}")
    assert int(page.get_attribute(tile, "data-value")) == before + 100_000
    # another district's project by URL: 404
    other = Project.objects.filter(unit__code="210726").first()
    response = page.goto(f"{live_server.url}/projects/{other.pk}/")
    assert response.status == 404
    assert foreign == []
    page.context.close()

    # 2. a city leader reads the city's list, with no write link; his 包保 page is his own
    leader = User.objects.get(username="li_qiang")
    page, foreign = _login(browser, live_server, "li_qiang")
    page.goto(f"{live_server.url}/projects/")
    names = set(page.locator("table.gj-table tbody td:nth-child(2) a").all_inner_texts())
    mine = set(Project.objects.filter(leader=leader).values_list("name", flat=True))
    assert names and not names <= mine
    page.locator("table.gj-table tbody td:nth-child(2) a").first.click()
    assert page.locator("a[href$='/edit/']").count() == 0  # reads, never edits
    page.goto(f"{live_server.url}/baobao/")
    listed = page.content()
    assert any(name in listed for name in mine)
    page.goto(f"{live_server.url}/baobao/")
    _shot(page, "baobao-desktop")
    page.context.close()

    # 3. office opens the map and clicks a district
    page, foreign = _login(browser, live_server, "office")
    page.goto(f"{live_server.url}/map/")
    page.wait_for_function("window.gongjianMap !== undefined")
    page.wait_for_timeout(800)
    _shot(page, "map-clicked-before")
    x, y = page.evaluate(
        """() => { const c = window.gongjianMap;
        // hide the project points (legend) so that the click lands on the district itself
        c.getOption().series.slice(1).forEach(s => c.dispatchAction({type: 'legendUnSelect', name: s.name})); const box = document.getElementById('gj-map').getBoundingClientRect();
        const p = c.convertToPixel({geoIndex: 0}, [122.12, 41.69]); return [box.left + p[0], box.top + p[1]]; }"""
    )
    page.mouse.click(x, y)
    page.wait_for_timeout(300)
    assert "黑山县" in page.inner_text('[data-testid="region-info"]')
    # at city zoom: a bubble a district, no dots over the districts; a bubble's click selects
    # its district (never a random project); zoomed in, the projects' dots. The parks layer
    # (园区, one diamond a park) is drawn at every zoom and is not a project dot.
    page.reload()
    page.wait_for_function("window.gongjianMap !== undefined")
    page.wait_for_timeout(800)
    shown = """() => { const o = window.gongjianMap.getOption(); const s = o.series;
        const d = JSON.parse(document.getElementById('map-data').textContent);
        const dots = s.slice(1, -1).filter(x => x.name !== d.parksName);
        const layer = s.slice(1, -1).filter(x => x.name === d.parksName);
        return [dots.reduce((n, x) => n + x.data.length, 0), s[s.length - 1].data.length,
                [layer.reduce((n, x) => n + x.data.length, 0), (d.parks || []).length]]; }"""
    dots, bubbles, (diamonds, parks) = page.evaluate(shown)
    assert dots == 0 and bubbles >= 7
    assert diamonds == parks > 0  # the demo's parks, at city zoom too
    x, y, name = page.evaluate(
        """() => { const c = window.gongjianMap, o = c.getOption(), s = o.series[o.series.length - 1];
        const d = s.data.find(b => b.label === '义县'); const box = document.getElementById('gj-map').getBoundingClientRect();
        const p = c.convertToPixel({geoIndex: 0}, d.value.slice(0, 2)); return [box.left + p[0], box.top + p[1], d.label]; }"""
    )
    page.mouse.click(x, y)
    page.wait_for_timeout(300)
    assert page.url.endswith("/map/") and name in page.inner_text('[data-testid="region-info"]')
    for _ in range(10):
        page.mouse.wheel(0, -400)
        page.wait_for_timeout(150)
    page.wait_for_timeout(500)
    dots, bubbles, (diamonds, parks) = page.evaluate(shown)
    assert dots > 1000 and bubbles == 0 and diamonds == parks
    assert foreign == []
    page.context.close()

    # 4. screenshots of each main page at desktop and phone widths
    for size in SIZES:
        page, foreign = _login(browser, live_server, "office", size)
        for name, url in [
            ("dashboard", "/"),
            ("projects", "/projects/?ordering=-total_investment"),
            (
                "project",
                f"/projects/{Project.objects.filter(reports__isnull=False).order_by('-total_investment').first().pk}/",
            ),
            ("dispatch", "/dispatch/"),
            ("map", "/map/"),
            ("rankings", "/rankings/"),
            ("targets", "/targets/"),
        ]:
            response = page.goto(f"{live_server.url}{url}")
            assert response.status == 200, url
            page.wait_for_load_state("networkidle")
            _shot(page, f"{name}-{size}")
        assert foreign == [], foreign
        page.context.close()
    page, _ = _login(browser, live_server, "linghe_op", "phone")
    page.goto(f"{live_server.url}/dispatch/?unit={linghe.pk}&period=2024-10")
    _shot(page, "dispatch-operator-phone")
    page.context.close()


@pytest.mark.rendering
@pytest.mark.django_db(transaction=True)
def test_wide_pages_fit_a_phone(browser, live_server, demo):
    """At 390 px the enterprise list, the review and the login log scroll their wide tables
    inside the page, never the page itself."""
    page, foreign = _login(browser, live_server, "office", size="phone")
    for name, url in (
        ("enterprises", "/enterprises/"),
        ("review", "/review/"),
        ("login-audit", "/accounts/audit/"),
    ):
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        assert page.locator("table").count(), url
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= SIZES["phone"][0], (url, width)
        _shot(page, f"{name}-phone")
    assert foreign == []
    page.context.close()
