"""Accessibility (WCAG 2.1 AA) in a real browser: axe-core over every main page of every
demo role, and the keyboard on its own (the menu at 200 % zoom, the skip link, a box
that scrolls).

axe-core comes from the npm registry (package.json) and is put into the page by the
test only; users are never served it. The counts per role are printed (``-s``).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings

from gongjian.kit.registration import menu
from gongjian.projects.models import Project
from gongjian.units.models import User

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = Path(settings.PROJECT_DIR) / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="没有找到 Chromium(apt-get install chromium)"),
    pytest.mark.skipif(
        not (settings.VENDOR_DIR / "echarts" / "echarts.min.js").exists(),
        reason="前端资源未安装(make assets)",
    ),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core 未安装(make assets 或 npm ci)"),
]
PASSWORD = "a11y-test-pass-1"
# one demo user per role: office, district operator, 包保 leader, viewer, 12345 clerk,
# 拉练 panel member
ROLES = ["office", "linghe_op", "li_qiang", "viewer", "rexian_12345", "wang_min"]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("critical", "serious")


def _context(browser, **kwargs):
    # the page's Content-Security-Policy allows scripts from the server only: the test
    # puts axe into each page itself (never served to users)
    context = browser.new_context(locale="zh-CN", bypass_csp=True, **kwargs)
    context.add_init_script(path=str(AXE))
    return context


def _login(page, live_server, username):
    user = User.objects.get(username=username)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    return user


def _axe(page) -> list[dict]:
    """The critical and serious WCAG 2.0/2.1 A+AA violations on the page as it is."""
    result = page.evaluate(
        "o => axe.run(document, o)",
        {"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]},
    )
    return [
        {
            "page": page.url,
            "rule": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
            "why": v["nodes"][0]["failureSummary"][:300],
        }
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def _count(found: list[dict], impact: str) -> int:
    return sum(len(v["nodes"]) for v in found if v["impact"] == impact)


@pytest.mark.rendering
@pytest.mark.django_db(transaction=True)
def test_axe_every_main_page_every_role(browser, live_server, demo):
    found: list[dict] = []
    context = _context(browser, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    login = _axe(page)
    found += login
    print(f"\naxe 登录页: critical {_count(login, 'critical')}, serious {_count(login, 'serious')}")
    context.close()
    visited = 0
    for username in ROLES:
        context = _context(browser, viewport={"width": 1366, "height": 900})
        page = context.new_page()
        user = _login(page, live_server, username)
        urls = [entry.url for entry in menu(user)]
        assert urls, username
        # the menu the page shows is the one registered for the role
        shown = page.eval_on_selector_all(
            ".gj-nav a", "els => els.map(e => e.getAttribute('href'))"
        )
        assert shown == urls, (username, shown, urls)
        if username == "office":  # a project's page: lights with reasons, the history box
            project = Project.objects.filter(deleted_at__isnull=True).order_by("pk").first()
            urls.append(f"/projects/{project.pk}/")
        mine: list[dict] = []
        loading = checking = 0.0
        for url in urls:
            started = time.monotonic()
            response = page.goto(f"{live_server.url}{url}", wait_until="load")
            assert response is not None and response.status == 200, (username, url)
            loaded = time.monotonic()
            mine += _axe(page)
            loading += loaded - started
            checking += time.monotonic() - loaded
            visited += 1
        print(
            f"axe {username}: {len(urls)} pages, critical {_count(mine, 'critical')}, "
            f"serious {_count(mine, 'serious')} (pages {loading:.1f} s, axe {checking:.1f} s)"
        )
        found += mine
        context.close()
    assert visited >= 6 * 10
    assert not found, "\n".join(str(v) for v in found)


@pytest.mark.rendering
@pytest.mark.django_db(transaction=True)
def test_keyboard_menu_skip_link_and_scroll_box(browser, live_server, demo):
    # 200 % zoom of a 1280 px window: 640 CSS pixels, two device pixels each
    context = _context(browser, viewport={"width": 640, "height": 800}, device_scale_factor=2)
    page = context.new_page()
    _login(page, live_server, "office")
    page.goto(f"{live_server.url}/projects/")
    burger = page.locator("button.gj-burger")
    first_entry = page.locator(".gj-nav a").first
    assert burger.is_visible() and not first_entry.is_visible()

    # the first tab stop skips to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#gj-main"
    assert page.evaluate("document.activeElement.textContent") == "跳到主要内容"

    # the menu opens from the keyboard, says so, and its entries come next in tab order
    for _ in range(5):
        if page.evaluate("document.activeElement.classList.contains('gj-burger')"):
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('gj-burger')")
    assert burger.get_attribute("aria-expanded") == "false"
    # the focus ring shows on the red header
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    assert burger.get_attribute("aria-expanded") == "true"
    assert first_entry.is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "/dashboard/"
    shots = Path(settings.PROJECT_DIR) / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "menu-keyboard-200pct.png"))
    page.keyboard.press("Escape")
    assert burger.get_attribute("aria-expanded") == "false"
    assert not first_entry.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('gj-burger')")
    page.keyboard.press("Space")
    assert burger.get_attribute("aria-expanded") == "true"

    # the skip link lands in <main>: the next tab stop is the page's own first link
    page.goto(f"{live_server.url}/projects/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')")

    # every light says its colour in words
    lights = page.locator("td .gj-light")
    assert lights.count()
    for text in lights.all_inner_texts():
        assert text.split()[-1] in ("红灯", "黄灯", "绿灯"), text

    # the change-history box scrolls and takes focus; a chart has a name and its table
    project = Project.objects.filter(deleted_at__isnull=True).order_by("pk").first()
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    assert page.get_attribute(".gj-history", "tabindex") == "0"
    page.goto(f"{live_server.url}/dashboard/")
    chart = page.locator("[data-chart=trend]")
    assert chart.get_attribute("role") == "img"
    assert "序时进度" in chart.get_attribute("aria-label")
    table = page.locator("details.gj-chart-data").first
    assert not table.locator("table").is_visible()
    table.locator("summary").focus()
    page.keyboard.press("Enter")
    assert table.locator("tbody tr").count() >= 1
    assert table.locator("table").is_visible()
    context.close()
