"""Shared fixtures.

``demo`` loads the Jinzhou 2024 demo once per test session (outside the
per-test transactions, so every test sees it and none can damage it: each
test's changes roll back). Tests that build their own small registries put
them under their own city and assert within it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone, translation

from gongjian.demo.loader import CITY_CODE, is_loaded, load_demo
from gongjian.demo.plan import AS_OF as DEMO_AS_OF
from gongjian.kit import clock
from gongjian.units.models import Unit


@pytest.fixture(scope="session")
def _demo_loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        if not is_loaded():
            load_demo(log=lambda message: None)


@pytest.fixture(autouse=True)
def _real_clock():
    """Each test runs on the real date (the demo stores its own in the database): tests
    that build their own registries date them from the real calendar."""
    with clock.override(timezone.localdate()):
        yield


@pytest.fixture
def demo(_demo_loaded, db, _real_clock):
    """The demo's city unit (锦州市); the test runs on the demo's date, 2024-10-31, as a
    demo instance does."""
    if not is_loaded():  # a transactional test flushed the database: load again
        load_demo(log=lambda message: None)
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
