"""The English catalogue: the 中文/English switch shows English pages, Chinese stays the default."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.http import HttpRequest
from django.utils import translation

PASSWORD = "i18n-check-Pass-7"


@pytest.fixture
def office_client(demo, client):
    call_command("demo_logins", "--password", PASSWORD, stdout=StringIO())
    assert client.login(request=HttpRequest(), username="office", password=PASSWORD)
    return client


# Looked up through variables so that makemessages does not list this file in the catalogue.
CATALOGUE_SAMPLES = {
    "驾驶舱": "Dashboard",
    "项目清单": "Project list",
    "挂图作战": "Campaign map",
    "截至 %(d)s": "As of %(d)s",
}
AS_OF_SAMPLE = "截至 %(d)s"
PLURAL_SAMPLE = "共 %(n)s 个项目"


def test_catalogue_translates_the_nav_and_keeps_placeholders():
    with translation.override("en"):
        for chinese, english in CATALOGUE_SAMPLES.items():
            assert translation.gettext(chinese) == english
        as_of = translation.gettext(AS_OF_SAMPLE)
        assert as_of % {"d": "2024-10-31"} == "As of 2024-10-31"
        one, many = PLURAL_SAMPLE, PLURAL_SAMPLE
        assert translation.ngettext(one, many, 1) % {"n": 1} == "1 project"
        assert translation.ngettext(one, many, 2) % {"n": 2} == "2 projects"
    with translation.override("zh-hans"):
        for chinese in CATALOGUE_SAMPLES:
            assert translation.gettext(chinese) == chinese


def test_language_cookie_shows_english(office_client):
    office_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = office_client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en"' in html
    for label in ("Dashboard", "Project list", "Dispatch", "Campaign map", "Unit ranking"):
        assert label in html, label
    assert "Leaders&#x27; dashboard" in html or "Leaders' dashboard" in html
    assert "Monthly completion rate trend (%)" in html  # a doubled %% comes out as one %
    for chinese in ("驾驶舱", "项目清单", "挂图作战", "序时进度"):
        assert chinese not in html, chinese


def test_set_language_switches_to_english_and_back(office_client):
    response = office_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = office_client.get("/").content.decode()
    assert "Dashboard" in html and "驾驶舱" not in html

    office_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    html = office_client.get("/").content.decode()
    assert "驾驶舱" in html and "Dashboard" not in html


def test_chinese_is_the_default(office_client):
    response = office_client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "驾驶舱" in html and "项目清单" in html
    assert "Dashboard" not in html and "Project list" not in html


@pytest.mark.parametrize("url", ["/projects/", "/dispatch/", "/baobao/", "/map/", "/rankings/"])
def test_other_pages_render_in_english(office_client, url):
    office_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = office_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dashboard" in html and "驾驶舱" not in html


def test_chinese_first_whatever_the_browser_says(client, demo):
    """An English browser still gets Chinese until the user picks English."""
    call_command("demo_logins", "--password", "browser-lang-Pass-7")
    client.login(request=HttpRequest(), username="office", password="browser-lang-Pass-7")
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "驾驶舱" in html


def test_a_stored_date_fills_the_date_picker_in_either_language():
    """The date picker reads ISO only: a Chinese-formatted value (2024/04/01) would show
    empty and the date would be lost on the next save."""
    import datetime as dt

    from django.utils import translation

    from gongjian.kit.forms import DateInput

    for language in ("zh-hans", "en"):
        with translation.override(language):
            html = DateInput().render("d", dt.date(2024, 4, 1))
        assert 'type="date"' in html and 'value="2024-04-01"' in html, (language, html)


def test_english_figures_carry_english_units_and_dates(office_client):
    """An English dashboard's figures read in billions of yuan and English measure words,
    and its period labels in English; the same figures in Chinese read in 亿元."""
    office_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = office_client.get("/dashboard/").content.decode()
    figures = re.findall(r'class="gj-(?:value|target)"[^>]*>([^<]*)<', html)
    assert figures and any("bn yuan" in f for f in figures)
    assert not any("亿元" in f or "个" in f for f in figures), figures
    rankings = office_client.get("/rankings/").content.decode()
    assert "1 January to 31 October 2024" in rankings and "年1月1日至" not in rankings
    office_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = office_client.get("/dashboard/").content.decode()
    assert "亿元" in chinese and "bn yuan" not in chinese
