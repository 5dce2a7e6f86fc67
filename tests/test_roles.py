"""Every role has a working home and menu, and the product's own error pages.

Signed in as each demo login (office, viewer, a city and a district 包保 leader, a
district operator, a 拉练 panel member, the 12345 clerk), every link of the menu answers
200 — no 403, no 404, no redirect elsewhere. A viewer's and a leader's pages offer no
write they would be refused: every link one step from the menu opens, and no page shows
them a form that posts. A missing or refused page is the product's page, in Chinese.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

from gongjian.demo.management.commands.demo_logins import DEMO_LOGINS
from gongjian.projects.models import Problem, ProgressReport, Project
from gongjian.units.models import Unit, User

ROOT = Path(__file__).resolve().parent.parent
HREF = re.compile(r'href="(/[^"#]*)"')
NAV = re.compile(r"<nav\b.*?</nav>", re.S)
POST_FORM = re.compile(r'<form\b[^>]*method="post"[^>]*>', re.I)
OUTSIDE = ("/static", "/i18n", "/accounts/logout", "/admin", "/api/docs", "/media")


def _client(username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=username))
    return client


def _menu(client: Client) -> list[str]:
    home = client.get("/", follow=True)
    assert home.status_code == 200
    nav = NAV.search(home.content.decode()).group(0)
    return sorted({h for h in HREF.findall(nav) if not h.startswith(OUTSIDE)})


def _shape(url: str) -> str:
    """A link's shape: ids as N, the query's keys only (one link per kind is followed)."""
    parts = urlsplit(url)
    keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
    return re.sub(r"/\d+", "/N", parts.path) + "?" + "&".join(keys)


def _opens(client: Client, url: str) -> str | None:
    """None when ``url`` opens (200, or a redirect to itself with a slash); else why not."""
    response = client.get(url)
    if response.status_code in (301, 302):
        to = urlsplit(response.get("Location", "")).path
        if to.rstrip("/") == urlsplit(url).path.rstrip("/"):
            return None
        if url == "/":  # the home link leads each role to its own home, which must open
            return _opens(client, to)
        return f"{url}: redirects to {to}"
    if response.status_code != 200:
        return f"{url}: {response.status_code}"
    return None


@pytest.mark.parametrize("username", [name for name, _label in DEMO_LOGINS])
def test_every_menu_link_of_every_demo_login_opens(demo, username):
    client = _client(username)
    links = _menu(client)
    assert len(links) >= 5, links
    dead = [why for link in links if (why := _opens(client, link))]
    assert dead == []


def test_the_demo_has_a_login_for_every_role(demo):
    by_name = {name for name, _ in DEMO_LOGINS}
    users = {u.username: u for u in User.objects.filter(username__in=by_name)}
    assert by_name == set(users)
    roles = {m.role for u in users.values() for m in u.memberships.all()}
    assert roles == {"office", "operator", "leader", "viewer"}
    clerk = users["rexian_12345"]
    assert "12345" in clerk.memberships.get().unit.name
    assert _client("rexian_12345").get("/appeals/list/").status_code == 200
    panel = users["wang_min"]
    assert panel.tours.exists()  # on a 拉练 panel: the menu shows 拉练
    assert "/inspections/" in _menu(_client("wang_min"))


@pytest.mark.parametrize("username", ["viewer", "li_qiang"])
def test_readers_meet_no_dead_end_and_no_write_they_would_be_refused(demo, username):
    """One step from the menu: every kind of link opens; no page shows a form that posts
    (a leader's only writes are the problems of the projects they 包保)."""
    client = _client(username)
    user = User.objects.get(username=username)
    seen: set[str] = set()
    dead, forms = [], []
    for page in _menu(client):
        response = client.get(page)
        assert response.status_code == 200, page
        links = [page] + [h.replace("&amp;", "&") for h in HREF.findall(response.content.decode())]
        for link in links:
            if link.startswith(OUTSIDE) or _shape(link) in seen:
                continue
            seen.add(_shape(link))
            if why := _opens(client, link):
                dead.append(why)
                continue
            answer = client.get(link)
            if "html" not in answer.get("Content-Type", ""):
                continue
            for form in POST_FORM.findall(answer.content.decode()):
                if "i18n" in form or "logout" in form:
                    continue
                if urlsplit(link).path == "/notices/":
                    continue  # one's own inbox: marking read, one's notification settings
                problem = re.fullmatch(r"/problems/(\d+)/", link)
                if (
                    problem
                    and Problem.objects.filter(pk=problem.group(1), project__leader=user).exists()
                ):
                    continue  # the leader signs off their own projects' problems
                forms.append(f"{link}: {form}")
    assert len(seen) > 30
    assert dead == [] and forms == []


def test_a_leader_starts_on_the_baobao_page_and_reads_the_city(demo):
    client = _client("li_qiang")
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == "/baobao/"
    page = client.get("/dashboard/").content.decode()
    assert "锦州市" in page
    for url in ("/map/", "/rankings/", "/targets/", "/projects/"):
        assert client.get(url).status_code == 200, url
    # reading is all: no project of the city is theirs to change
    project = Project.objects.exclude(leader__username="li_qiang").first()
    assert client.get(f"/projects/{project.pk}/edit/").status_code in (403, 404)


def test_the_12345_clerk_starts_on_the_appeals_board(demo):
    from gongjian.appeals.models import Appeal

    client = _client("rexian_12345")
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == "/appeals/"
    assert client.get("/appeals/").status_code == 200
    assert client.get("/dashboard/").status_code == 200  # one menu entry away
    # a district's operator keeps the dashboard, and so does a centre no appeal came in at
    assert _client("linghe_op").get("/").status_code == 200
    clerk = User.objects.get(username="rexian_12345")
    Appeal.objects.filter(intake_unit=clerk.memberships.get().unit).update(
        intake_unit=Unit.objects.get(code="210700")
    )
    assert client.get("/").status_code == 200


def test_missing_and_refused_pages_are_the_products_own(demo):
    client = _client("linghe_op")
    for url, status, text in [
        ("/projects/999999999/", 404, "页面不存在"),
        ("/no-such-page/", 404, "页面不存在"),
        ("/dispatch/?unit=凌河", 404, "没有这个单位"),
        ("/audit/", 403, "没有权限"),
    ]:
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == status, url
        assert 'data-testid="error-page"' in body and text in body, url
        assert "Traceback" not in body and "Django" not in body
    client.cookies.load({"django_language": "en"})
    english = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Page not found" in english


def test_a_server_error_is_a_plain_page_in_both_languages(rf):
    from gongjian.kit.http import server_error

    response = server_error(rf.get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "系统出错" in body and "Something went wrong" in body


def test_debug_pages_are_off_unless_a_developer_asks():
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGJIAN_DEBUG")}
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "gongjian.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.strip() == "False"
    asked = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "gongjian.settings", "GONGJIAN_DEBUG": "1"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert asked.stdout.strip() == "True"


def test_a_report_photo_is_shown_only_to_who_may_see_the_report(demo, tmp_path, settings):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    report = ProgressReport.objects.filter(project__unit__name="凌河区").first()
    report.photo.save("site.jpg", ContentFile(b"\xff\xd8\xff\xe0 photo"), save=True)
    url = f"/projects/{report.project_id}/reports/{report.pk}/photo/"
    mine = _client("linghe_op").get(url)
    assert mine.status_code == 200 and b"".join(mine.streaming_content).endswith(b"photo")
    assert _client("heishan_op").get(url).status_code == 404
    detail = _client("linghe_op").get(f"/projects/{report.project_id}/").content.decode()
    assert url in detail
