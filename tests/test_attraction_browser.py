"""A 凌河区 operator walks a 招商 lead from 接洽 to 投产 in Chromium, and the funnel chart
draws from local assets only."""

from __future__ import annotations

import pytest

from gongjian.attraction.models import Lead
from gongjian.enterprises.models import Enterprise
from gongjian.projects.models import Stage

from .test_browser import _login, _shot
from .test_browser import pytestmark as browser_marks

pytestmark = browser_marks


@pytest.mark.django_db(transaction=True)
def test_operator_walks_a_lead_in_chromium(browser, live_server, demo):  # noqa: F811
    firm = Enterprise.objects.filter(unit__code="210703").order_by("pk").first()
    page, foreign = _login(browser, live_server, "linghe_op")
    page.goto(f"{live_server.url}/attraction/leads/new/")
    page.fill("#id_enterprise", firm.name)
    page.fill("#id_name", "凌河区浏览器测试招商项目")
    page.select_option("#id_unit", label="凌河区")
    page.fill("#id_intended_investment_wan", "25000")
    page.fill("#id_contacted_on", "2024-01-10")  # the demo runs on 2024-10-31
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    lead = Lead.objects.get(name="凌河区浏览器测试招商项目")
    assert page.url.endswith(f"/attraction/leads/{lead.pk}/")
    for stage, day in [
        ("negotiating", "2024-02-01"),
        ("signed", "2024-03-05"),
        ("landed", "2024-04-01"),
        ("started", "2024-05-01"),
        ("in_production", "2024-09-01"),
    ]:
        page.select_option("#id_stage", stage)
        page.fill("#id_occurred_on", day)
        page.click("#transition-form button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert page.get_attribute("#lead-stage", "data-stage") == stage
    lead.refresh_from_db()
    assert lead.project.stage == Stage.IN_PRODUCTION
    assert page.inner_text("#signed-on") == "2024-03-05"
    _shot(page, "lead-detail-desktop")
    # the funnel: ECharts from the site's own static files draws a canvas
    page.goto(f"{live_server.url}/attraction/")
    page.wait_for_selector("#funnel-chart canvas")
    _shot(page, "attraction-funnel-desktop")
    # another district's lead: 404
    other = Lead.objects.filter(unit__code="210726").first()
    assert page.goto(f"{live_server.url}/attraction/leads/{other.pk}/").status == 404
    assert foreign == []
    page.context.close()
