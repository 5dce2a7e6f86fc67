"""Reads on a read replica (gongjian/kit/db.py).

The routing rules are tested everywhere; the tests marked ``real_replica`` run against a
real streaming standby of the PostgreSQL primary (``.ci/replica-check`` makes one with
``pg_basebackup``) and are skipped unless ``GONGJIAN_TEST_REPLICA_URL`` and
``GONGJIAN_REPLICA_URL`` are set. The standby is read-only (in recovery): a write sent
there fails, so a page that answers 200 while its reads went to the standby never wrote
to it.
"""

from __future__ import annotations

import os
import time

import dj_database_url
import pytest
from django.db import connections
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongjian.kit import db as kit_db
from gongjian.kit.db import PRIMARY, REPLICA, PrimaryForWritesMiddleware, ReplicaRouter
from gongjian.projects.models import Project
from gongjian.units.models import Unit
from tests.factories import build_city_world

router = ReplicaRouter()


# --- the rules ------------------------------------------------------------------------


@pytest.mark.django_db
def test_reads_in_a_transaction_stay_on_the_primary():
    # the test itself runs in a transaction on the primary
    assert connections[PRIMARY].in_atomic_block
    assert router.db_for_read(Project) == PRIMARY


def test_reads_outside_a_write_go_to_the_replica_writes_to_the_primary(monkeypatch):
    assert router.db_for_read(Project) == REPLICA
    assert router.db_for_write(Project) == PRIMARY
    with monkeypatch.context() as inside_atomic:  # what transaction.atomic() sets
        inside_atomic.setattr(connections[PRIMARY], "in_atomic_block", True)
        assert router.db_for_read(Project) == PRIMARY
    with kit_db.primary():
        assert router.db_for_read(Project) == PRIMARY
    assert router.db_for_read(Project) == REPLICA


def test_sign_in_state_and_migrations_on_the_primary():
    from django.contrib.sessions.models import Session

    assert router.db_for_read(Session) == PRIMARY
    assert router.allow_migrate(PRIMARY, "projects") is True
    assert router.allow_migrate(REPLICA, "projects") is False


def _seen_by_view(method: str, cookies: dict | None = None) -> tuple[bool, object]:
    seen = {}

    def view(request):
        seen["pinned"] = kit_db.pinned()
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = getattr(RequestFactory(), method.lower())("/")
    request.COOKIES.update(cookies or {})
    response = PrimaryForWritesMiddleware(view)(request)
    return seen["pinned"], response


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_write_request_reads_from_the_primary_and_sticks_a_moment(method):
    was_pinned, response = _seen_by_view(method)
    assert was_pinned is True
    assert response.cookies[kit_db.STICKY_COOKIE]["max-age"] == kit_db.STICKY_SECONDS_DEFAULT
    assert kit_db.pinned() is False  # only for that request


def test_a_get_reads_from_the_replica_unless_the_browser_just_wrote():
    was_pinned, response = _seen_by_view("GET")
    assert was_pinned is False
    assert kit_db.STICKY_COOKIE not in response.cookies
    was_pinned, _ = _seen_by_view("GET", {kit_db.STICKY_COOKIE: "1"})
    assert was_pinned is True


# --- a real streaming replica -----------------------------------------------------------

REPLICA_URL = os.environ.get("GONGJIAN_TEST_REPLICA_URL")
real_replica_only = pytest.mark.skipif(
    not REPLICA_URL or REPLICA not in connections.databases,
    reason="needs a streaming replica: GONGJIAN_TEST_REPLICA_URL and GONGJIAN_REPLICA_URL "
    "(.ci/replica-check starts one)",
)


@pytest.fixture
def standby():
    """The ``replica`` alias pointed at the real standby (in the tests it mirrors the
    primary's test database, whose name the standby has too: it replays its creation)."""
    parsed = dj_database_url.parse(REPLICA_URL)
    connection = connections[REPLICA]
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(
        HOST=parsed["HOST"], PORT=parsed["PORT"], USER=parsed["USER"], PASSWORD=parsed["PASSWORD"]
    )
    try:
        # the test database was just created on the primary: wait, on the standby's own
        # maintenance database, until the standby has replayed its creation
        test_name = connection.settings_dict["NAME"]
        connection.settings_dict["NAME"] = "postgres"
        caught_up(connection)
        connection.close()
        connection.settings_dict["NAME"] = test_name
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            assert cursor.fetchone()[0] is True, "GONGJIAN_TEST_REPLICA_URL is not a standby"
        yield connection
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def caught_up(standby, timeout: float = 30.0) -> float:
    """Wait until the standby has replayed everything the primary has written so far;
    returns the seconds waited."""
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    started = time.monotonic()
    while True:
        with standby.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"the standby did not replay {target} in {timeout} s")
        time.sleep(0.05)


@real_replica_only
@pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
def test_a_committed_write_is_read_from_the_replica_once_it_caught_up(standby):
    city = Unit.objects.create(name="副本市", kind="city", code="990100")
    assert city._state.db == PRIMARY
    caught_up(standby)
    with CaptureQueriesContext(standby) as on_standby:
        seen = Unit.objects.get(code="990100")
    assert seen.pk == city.pk and seen.name == "副本市"
    assert seen._state.db == REPLICA
    assert on_standby.captured_queries
    # a change made through the replica's row goes to the primary, then shows on the replica
    seen.name = "副本市(改)"
    seen.save()
    caught_up(standby)
    assert Unit.objects.get(pk=city.pk).name == "副本市(改)"


@real_replica_only
@pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
def test_the_standby_refuses_writes(standby):
    from django.db.utils import InternalError, OperationalError

    with pytest.raises((InternalError, OperationalError)) as refused:
        Unit.objects.using(REPLICA).create(name="写副本", kind="city", code="990200")
    assert "read-only" in str(refused.value)


@real_replica_only
@pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
def test_read_only_pages_read_from_the_replica_and_never_write_there(standby, client):
    world = build_city_world()
    client.force_login(world.office)
    caught_up(standby)
    pages = [
        reverse("dashboard:home"),
        reverse("dashboard:dashboard"),
        reverse("dashboard:rankings"),
        reverse("projects:projects"),
        reverse("projects:project", args=[world.project_a.pk]),
        reverse("reports:export", args=["projects"]),
    ]
    for url in pages:
        with (
            CaptureQueriesContext(standby) as on_standby,
            CaptureQueriesContext(connections[PRIMARY]) as on_primary,
        ):
            response = client.get(url)
        # the standby is in recovery: any write sent there would have failed the page
        assert response.status_code == 200, url
        assert on_standby.captured_queries, f"{url} read nothing from the replica"
        for query in on_standby.captured_queries:
            assert not query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        # the primary only serves sign-in state (the session) to a read-only page
        tables = " ".join(q["sql"] for q in on_primary.captured_queries)
        assert "gongjian_projects_project" not in tables and "projects_project" not in tables, url


@real_replica_only
@pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
def test_a_form_post_and_the_page_after_it_read_the_primary(standby, client):
    world = build_city_world()
    client.force_login(world.office)
    caught_up(standby)
    # a write request: nothing it reads comes from the replica
    with CaptureQueriesContext(standby) as on_standby:
        client.post(reverse("projects:project_edit", args=[world.project_a.pk]), {})
    assert not on_standby.captured_queries
    # the page right after it (the redirect target) still reads the primary
    assert client.cookies[kit_db.STICKY_COOKIE].value == "1"
    with CaptureQueriesContext(standby) as on_standby:
        assert client.get(reverse("projects:projects")).status_code == 200
    assert not on_standby.captured_queries
