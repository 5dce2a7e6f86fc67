"""Names in chart tooltips are text: a project named with HTML markup shows that markup
literally in the office's map tooltip and never becomes an image or a link (ECharts puts
a tooltip formatter's result into the page as HTML). Playwright for Python driving
Debian's Chromium, as tests/test_browser.py."""

from __future__ import annotations

import shutil

import pytest
from django.conf import settings

from gongjian.projects.models import Project
from gongjian.units.models import User

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="没有找到 Chromium(apt-get install chromium)"),
    pytest.mark.skipif(
        not (settings.VENDOR_DIR / "echarts" / "echarts.min.js").exists(),
        reason="前端资源未安装(make assets)",
    ),
]
PASSWORD = "chart-escape-pass-1"
EVIL = (
    '凌河<img src=x onerror="window.__pwned=1">'
    '<a href="https://evil.example/login">请重新登录</a>&amp;"\'</b>'
)

# the HTML a formatter returned, parsed as the tooltip would be: the elements it makes
# and the text it shows
PARSE = """(html) => { const t = document.createElement('template'); t.innerHTML = String(html);
    return [t.content.querySelectorAll('*').length, t.content.textContent]; }"""
TOOLTIP = """() => { const box = document.getElementById('gj-map');
    const tip = Array.from(box.querySelectorAll('div')).find(
        d => d.style.zIndex === '9999999' && d.style.display !== 'none');
    return tip ? [tip.querySelectorAll('img, a').length, tip.textContent] : null; }"""


def _login(browser, live_server, username):
    user = User.objects.get(username=username)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


@pytest.mark.rendering
@pytest.mark.django_db(transaction=True)
def test_a_project_name_with_markup_is_text_in_the_map_tooltip(browser, live_server, demo):
    project = (
        Project.objects.filter(unit__name="凌河区", latitude__isnull=False, longitude__isnull=False)
        .order_by("pk")
        .first()
    )
    assert project is not None
    Project.objects.filter(pk=project.pk).update(name=EVIL)

    page = _login(browser, live_server, "office")
    page.goto(f"{live_server.url}/map/")
    page.wait_for_function("window.gongjianMap !== undefined")
    page.wait_for_timeout(500)

    # every tooltip formatter of the map, handed the name as each of its strings
    made = page.evaluate(
        """(evil) => { const o = window.gongjianMap.getOption();
        const p = {name: evil, data: {name: evil, label: evil, text: evil, value: [0, 0, 3],
                   red: 1, yellow: 2}};
        return o.series.filter(s => s.tooltip && typeof s.tooltip.formatter === 'function')
            .map(s => [s.type, s.tooltip.formatter(p)].concat(
                s.type === 'map' ? [s.tooltip.formatter({name: evil})] : [])); }""",
        EVIL,
    )
    assert {kind for kind, *_ in made} == {"map", "scatter"}
    for kind, *shown in made:
        for html in shown:
            elements, text = page.evaluate(PARSE, html)
            assert elements == 0, (kind, html)
            assert EVIL in text, (kind, html)

    # the real tooltip: zoomed in to the projects' dots, the project's dot shows its name
    box = page.locator("#gj-map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(10):
        page.mouse.wheel(0, -400)
        page.wait_for_timeout(150)
    page.wait_for_timeout(500)
    where = page.evaluate(
        """(id) => { const s = window.gongjianMap.getOption().series;
        for (let i = 0; i < s.length; i++) {
            const j = (s[i].data || []).findIndex(d => d && d.id === id);
            if (s[i].type === 'scatter' && j >= 0) return [i, j];
        } return null; }""",
        project.pk,
    )
    assert where is not None, "the project's dot is not on the zoomed-in map"
    page.evaluate(
        "([i, j]) => window.gongjianMap.dispatchAction({type: 'showTip', seriesIndex: i, dataIndex: j})",
        where,
    )
    page.wait_for_function(f"({TOOLTIP})() !== null")
    elements, text = page.evaluate(TOOLTIP)
    assert elements == 0 and EVIL in text
    assert page.evaluate("window.__pwned === undefined")
    assert page.evaluate(
        "Array.from(document.querySelectorAll('a')).every(a => !a.href.includes('evil.example'))"
    )
    page.context.close()


@pytest.mark.rendering
@pytest.mark.django_db(transaction=True)
def test_echarts_own_tooltips_escape_names(browser, live_server, demo):
    """The charts that keep ECharts' own tooltips (axis tooltips of the bars and trends,
    the funnel's string template, the word cloud's default) rely on ECharts escaping the
    names: checked here, so that an upgrade that stops doing it is noticed."""
    page = _login(browser, live_server, "office")
    page.goto(f"{live_server.url}/map/")
    page.wait_for_function("window.echarts !== undefined")
    page.add_script_tag(
        url=f"{live_server.url}/{settings.STATIC_URL}vendor/echarts-wordcloud/echarts-wordcloud.min.js"
    )
    options = {
        "bars": """{tooltip: {trigger: 'axis'}, xAxis: {type: 'category', data: [evil]},
            yAxis: {type: 'value'}, series: [{name: evil, type: 'bar', data: [5]}]}""",
        "funnel": """{tooltip: {trigger: 'item', formatter: '{b}: {c}'},
            series: [{type: 'funnel', data: [{name: evil, value: 5}]}]}""",
        "wordcloud": """{tooltip: {}, series: [{type: 'wordCloud', name: evil,
            sizeRange: [8, 8], drawOutOfBound: true, data: [{name: evil, value: 5}]}]}""",
    }
    for kind, option in options.items():
        shown = page.evaluate(
            """([evil, kind]) => new Promise((done) => {
                const box = document.createElement('div');
                box.style.cssText = 'width:600px;height:400px;position:fixed;left:0;top:0';
                document.body.appendChild(box);
                const chart = window.echarts.init(box);
                chart.setOption(OPTION);
                setTimeout(() => {
                    chart.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 0});
                    setTimeout(() => {
                        const tip = Array.from(box.querySelectorAll('div')).find(
                            d => d.style.zIndex === '9999999');
                        const found = tip ? [tip.querySelectorAll('img, a').length, tip.textContent] : null;
                        chart.dispose(); box.remove(); done(found);
                    }, 300);
                }, 800);
            })""".replace("OPTION", option),
            [EVIL, kind],
        )
        assert shown is not None, kind
        elements, text = shown
        assert elements == 0 and EVIL in text, (kind, text)
    assert page.evaluate("window.__pwned === undefined")
    page.context.close()
