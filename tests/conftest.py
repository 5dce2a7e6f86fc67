"""Shared fixtures.

``demo`` loads the Jinzhou 2024 demo once per test session (outside the
per-test transactions, so every test sees it and none can damage it: each
test's changes roll back), and copies it back after a transactional test emptied
the database (``demo_copy``). Tests that build their own small registries put
them under their own city and assert within it. Each test runs on the real date,
a test of the demo on the demo's (``kit.clock``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest
from django.conf import settings
from django.utils import timezone, translation

from gongjian.demo.loader import CITY_CODE, is_loaded, load_demo
from gongjian.demo.plan import AS_OF as DEMO_AS_OF
from gongjian.kit import clock
from gongjian.units.models import Unit
from tests import demo_copy, template_db


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Each worker's test database starts from the database ``prepare_demo`` built and
    kept (migrated, the demo loaded): ``tests/template_db.py``."""
    template_db.prepare()


@pytest.fixture(scope="session")
def _demo_loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        if not is_loaded():
            load_demo(log=lambda message: None)
        demo_copy.save()


@pytest.fixture
def _demo_present(_demo_loaded, django_db_blocker):
    """The demo is in the database: copied back if a transactional test emptied it."""
    with django_db_blocker.unblock():
        if not is_loaded():
            demo_copy.restore()


@pytest.fixture(autouse=True)
def _real_clock():
    """Each test runs on the real date (the demo stores its own in the database): tests
    that build their own registries date them from the real calendar."""
    with clock.override(timezone.localdate()):
        yield


@pytest.fixture
def demo(_demo_present, db, _real_clock):
    """The demo's city unit (锦州市); the test runs on the demo's date, 2024-10-31, as a
    demo instance does."""
    with clock.override(DEMO_AS_OF):
        yield Unit.objects.get(code=CITY_CODE)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the product's default language: a request that switched to
    English (LocaleMiddleware activates it on the thread) must not leak into the next."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def as_of():
    return dt.date(2024, 10, 31)


def pytest_collection_modifyitems(config, items):
    """Tests that empty the database (transactional, the live server) run on one worker
    (``--dist loadgroup``), one after the other; the benchmarks' smoke runs (their own
    subprocesses on a SQLite file, whatever database the suite uses) and the checks of
    the rendered pages in the browser (accessibility, content security policy, layout,
    escaping: the same pages whatever the database) run once per CI run, in the SQLite
    leg."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    for item in items:
        marker = item.get_closest_marker("django_db")
        if "live_server" in item.fixturenames or (marker and marker.kwargs.get("transaction")):
            item.add_marker(pytest.mark.xdist_group("transactional"))
        once = item.get_closest_marker("bench_smoke") or item.get_closest_marker("rendering")
        if on_postgres and once:
            item.add_marker(pytest.mark.skip(reason="runs once per CI run, in the SQLite leg"))


# Chromium for the browser tests (Debian's package; never a downloaded browser)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between page actions are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def inline_jobs(monkeypatch):
    """Jobs (``kit.jobs``) run at once in this process, as a worker would run them once the
    caller commits (the test's transaction never does, so the commit hook calls at once)."""
    from types import SimpleNamespace

    from django_q.conf import Conf

    from gongjian.kit import jobs

    monkeypatch.setattr(Conf, "SYNC", True)
    monkeypatch.setattr(jobs, "transaction", SimpleNamespace(on_commit=lambda f, **kw: f()))
