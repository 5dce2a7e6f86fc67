"""A panel member scores a 拉练 project on a phone-sized screen, in Chromium."""

from __future__ import annotations

import datetime as dt

import pytest

from gongjian.inspections import services as tour_services
from gongjian.inspections.models import ScoreForm, Sheet, Tour
from gongjian.projects.models import Project
from gongjian.units.models import User
from tests.test_browser import _login, _shot, pytestmark

pytestmark = [*pytestmark, pytest.mark.django_db(transaction=True)]


def test_scoring_on_a_phone(browser, live_server, demo):  # noqa: F811
    office = User.objects.get(username="office")
    form = ScoreForm.objects.get(name="锦州重点项目拉练评分表")
    tour = tour_services.tour_create(
        actor=office,
        name="2024年第四季度拉练(测试)",
        year=2024,
        quarter=4,
        starts_on=dt.date(2024, 12, 10),
        ends_on=dt.date(2024, 12, 11),
        form=form,
        panel=[User.objects.get(username="wang_min")],
    )
    projects = list(
        Project.objects.filter(unit__code="210703", stage="started").order_by("code")[:2]
    )
    for p in projects:
        tour_services.stop_add(actor=office, tour=tour, project=p, kind="new_start")
    tour_services.tour_start_scoring(actor=office, tour=tour)
    criteria = list(form.criteria.all())

    page, foreign = _login(browser, live_server, "wang_min", size="phone")
    page.goto(f"{live_server.url}/inspections/")
    page.click(f'tr[data-tour="{tour.pk}"] a:has-text("去评分")')
    page.wait_for_load_state("networkidle")
    assert "已提交 0 / 2" in page.inner_text('[data-testid="progress"]')
    stop = tour.stops.get(project=projects[0])
    page.click(f'li[data-stop="{stop.pk}"] a')
    page.wait_for_load_state("networkidle")
    # the form fits the phone: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.fill(f"#id_c{criteria[0].pk}", "8")
    page.fill(f"#id_c{criteria[1].pk}", "9")
    assert page.inner_text('[data-testid="live-total"]') == "—"
    page.click("button:has-text('保存草稿')")
    page.wait_for_load_state("networkidle")
    assert "草稿已保存" in page.inner_text(".gj-flash")
    sheet = Sheet.objects.get(stop=stop, member__username="wang_min")
    assert sheet.status == Sheet.Status.DRAFT and sheet.marks.count() == 2
    assert page.input_value(f"#id_c{criteria[0].pk}") in ("8", "8.00")
    # 8/10·35 + 9/10·30 + 7/10·20 + 10/10·15 = 28 + 27 + 14 + 15 = 84
    page.fill(f"#id_c{criteria[2].pk}", "7")
    page.fill(f"#id_c{criteria[3].pk}", "10")
    assert page.inner_text('[data-testid="live-total"]') == "84.00"
    _shot(page, "inspection-score-phone")
    page.click("button:has-text('提交评分')")
    page.wait_for_load_state("networkidle")
    assert "已提交 1 / 2" in page.inner_text('[data-testid="progress"]')
    sheet.refresh_from_db()
    assert sheet.status == Sheet.Status.SUBMITTED
    assert foreign == []
    page.context.close()
    assert Tour.objects.get(pk=tour.pk).status == Tour.Status.SCORING
