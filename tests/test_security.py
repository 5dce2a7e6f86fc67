"""Security settings and headers: the CSP (no inline script anywhere), secure headers,
CSRF on every form, revocable API tokens, and the production settings (``manage.py
check --deploy`` clean, Argon2 first, the default secret key refused)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from gongjian.units.models import Role
from gongjian.units.services import api_token_revoke

from .factories import CityFactory, api_key, member

PROJECT_DIR = Path(settings.PROJECT_DIR)
TEMPLATE_DIRS = sorted(PROJECT_DIR.glob("gongjian/*/templates"))


def _templates():
    for root in TEMPLATE_DIRS:
        yield from sorted(root.rglob("*.html"))


# --- headers ---------------------------------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/", "/api/docs", "/api/openapi.json"])
def test_every_response_carries_the_csp_and_secure_headers(client, url):
    city = CityFactory()
    client.force_login(member(city, Role.OFFICE))
    response = client.get(url)
    assert response.status_code == 200
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_no_template_has_an_inline_script_or_event_handler():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
    handler = re.compile(r"""<[^>]+\son[a-z]+\s*=\s*["']""", re.I)
    offenders = []
    for path in _templates():
        html = path.read_text(encoding="utf-8")
        for pattern in (inline_script, handler):
            offenders += [
                f"{path.relative_to(PROJECT_DIR)}: {m.group(0)[:60]}"
                for m in pattern.finditer(html)
            ]
        if "javascript:" in html or "hx-on" in html:
            offenders.append(f"{path.relative_to(PROJECT_DIR)}: javascript:/hx-on")
        if "<style" in html:
            offenders.append(f"{path.relative_to(PROJECT_DIR)}: <style> element")
    assert offenders == []


def test_the_swagger_page_loads_its_scripts_from_this_server(client, db):
    html = client.get("/api/docs").content.decode()
    sources = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources)
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert "cdn" not in html.lower()


def test_every_post_form_has_a_csrf_token():
    form = re.compile(r"<form\b[^>]*method=[\"']?post[\"']?[^>]*>(.*?)</form>", re.I | re.S)
    missing = []
    for path in _templates():
        for m in form.finditer(path.read_text(encoding="utf-8")):
            if "csrf_token" not in m.group(1):
                missing.append(f"{path.relative_to(PROJECT_DIR)}: {m.group(0)[:60]}")
    assert missing == []


@pytest.mark.django_db
def test_a_post_without_the_csrf_token_is_refused():
    city = CityFactory()
    office = member(city, Role.OFFICE)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(office)
    response = strict.post("/accounts/logout/")
    assert response.status_code == 403
    assert strict.get("/accounts/audit/").status_code == 200  # still signed in


@pytest.mark.django_db
def test_a_revoked_api_token_authenticates_nobody(client):
    city = CityFactory()
    token, key = api_key(member(city, Role.OFFICE))
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/units", headers=headers).status_code == 200
    api_token_revoke(token=token)
    assert client.get("/api/units", headers=headers).status_code == 401


# --- production settings ---------------------------------------------------------------


def _production_env(tmp_path, **extra) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GONGJIAN_", "DJANGO_", "DATABASE_URL", "PYTEST"))
    }
    env.update(
        GONGJIAN_ENV="production",
        GONGJIAN_SECRET_KEY=secrets.token_urlsafe(64),
        GONGJIAN_ALLOWED_HOSTS="gongjian.example.gov.cn",
        GONGJIAN_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="gongjian.settings",
    )
    env.update(extra)
    return env


def _run(args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_check_deploy_is_clean_under_the_production_settings(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_reports_the_development_defaults(tmp_path):
    env = _production_env(tmp_path, GONGJIAN_ENV="development", GONGJIAN_DEBUG="0")
    env.pop("GONGJIAN_SECRET_KEY")
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in result.stderr + result.stdout


PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.PASSWORD_HASHERS[0], s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
    "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, "
    "s.AUTHENTICATION_BACKENDS[0])"
)


def test_production_settings_values(tmp_path):
    result = _run(["-c", PRINT_SETTINGS], _production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "False",
        "True",
        "True",
        "True",
        "31536000",
        "None",
        "axes.backends.AxesStandaloneBackend",
    ]


def test_an_intranet_behind_a_tls_proxy(tmp_path):
    env = _production_env(tmp_path, GONGJIAN_PROXY_SSL_HEADER="1", GONGJIAN_SSL_REDIRECT="0")
    result = _run(["-c", PRINT_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    values = result.stdout.split(None, 6)
    assert values[4] == "False"  # the proxy redirects to HTTPS itself
    assert "('HTTP_X_FORWARDED_PROTO', 'https')" in result.stdout


@pytest.mark.parametrize(
    "override, message",
    [
        ({"GONGJIAN_SECRET_KEY": ""}, "GONGJIAN_SECRET_KEY"),
        ({"GONGJIAN_SECRET_KEY": "short"}, "GONGJIAN_SECRET_KEY"),
        ({"GONGJIAN_DEBUG": "1"}, "GONGJIAN_DEBUG"),
        ({"GONGJIAN_SESSION_HOURS": "eight"}, "GONGJIAN_SESSION_HOURS"),
    ],
)
def test_production_refuses_unsafe_configuration(tmp_path, override, message):
    env = _production_env(tmp_path)
    env.update(override)
    if override.get("GONGJIAN_SECRET_KEY") == "":
        env.pop("GONGJIAN_SECRET_KEY")
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


# --- in a real browser: no CSP violation on the main pages ----------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PAGES = [
    "/",
    "/projects/",
    "/dispatch/",
    "/map/",
    "/rankings/",
    "/targets/",
    "/baobao/",
    "/supervision/",
    "/attraction/",
    "/enterprises/",
    "/inspections/",
    "/appeals/",
    "/policies/",
    "/reports/",
    "/review/",
    "/accounts/audit/",
    "/api/docs",
    "/admin/",
]


@pytest.mark.skipif(CHROMIUM is None, reason="没有找到 Chromium(apt-get install chromium)")
@pytest.mark.skipif(
    not (Path(settings.VENDOR_DIR) / "echarts" / "echarts.min.js").exists(),
    reason="前端资源未安装(make assets)",
)
@pytest.mark.rendering
@pytest.mark.django_db(transaction=True)
def test_main_pages_raise_no_csp_violation_in_chromium(live_server, demo, monkeypatch):
    from playwright.sync_api import sync_playwright

    from gongjian.projects.models import Project
    from gongjian.units.models import User

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    office = User.objects.get(username="office")
    office.set_password("csp-browser-pass-1")
    office.is_staff = True
    office.save(update_fields=["password", "is_staff"])
    project = Project.objects.filter(latitude__isnull=False).first() or Project.objects.first()
    pages = [*PAGES, f"/projects/{project.pk}/"]

    violations: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(locale="zh-CN")
        page.on(
            "console",
            lambda m: (
                violations.append(f"{page.url}: {m.text}")
                if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text
                else None
            ),
        )
        page.on("pageerror", lambda e: violations.append(f"{page.url}: JS error {e}"))
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "office")
        page.fill("#id_password", "csp-browser-pass-1")
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert page.url.rstrip("/") == live_server.url
        for url in pages:
            response = page.goto(f"{live_server.url}{url}")
            assert response.status == 200, url
            page.wait_for_load_state("networkidle")
        # the Swagger UI really rendered (its scripts ran under the CSP)
        page.goto(f"{live_server.url}/api/docs")
        page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
        found = list(violations)
        # the listener does catch a violation: an injected inline script is refused
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.gjInline = 1'; document.body.appendChild(s); }"
        )
        page.wait_for_timeout(300)
        assert page.evaluate("() => window.gjInline") is None
        browser.close()
    assert found == []
    assert len(violations) == 1 and "inline script" in violations[0]
