"""Each worker's test database starts as a copy of one built before (migrated, the demo
loaded) instead of running the migrations and the demo's loader again (~70–100 s per
worker).

The copy is the one ``gongjian prepare_demo`` keeps for a fresh ``make run``, keyed by
the same hash of the code (``prepare_demo.cache_key``), so a change to a migration, a
model or the demo builds a new one:

- SQLite: ``demo-<key>.sqlite3`` in the cache directory is copied into the worker's
  in-memory test database (the backup API) before Django's ``migrate``, which then finds
  nothing to apply.
- PostgreSQL: a database ``gongjian_test_<key>`` is the ``TEMPLATE`` of each worker's
  ``CREATE DATABASE``; the copies of older keys are dropped.

The first worker to need a missing copy builds it (``prepare_demo`` in a subprocess, on a
database of its own) under a file lock; the others wait for it. A test still sees the
same database as before: the demo's rows were already present for any test that ran after
another one loaded it, and ``demo_copy`` keeps and restores it as before.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.conf import settings
from django.db.backends.sqlite3.creation import DatabaseCreation as SQLiteCreation

from gongjian.demo.management.commands.prepare_demo import cache_dir, cache_key

_PREFIX = "gongjian_test_"
# the in-memory test database lives while one connection to it is open
_keepers: list[sqlite3.Connection] = []


def prepare() -> None:
    """Make the default database's test copy start from the built database."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        _prepare_sqlite()
    elif database["ENGINE"].startswith("django.db.backends.postgresql"):
        database.setdefault("TEST", {})["TEMPLATE"] = _postgres_template(database)
        if "replica" not in settings.DATABASES:
            # a test database is thrown away: its commits need not wait for the disk (but
            # a standby's tests wait for the commits they replay: those stay synchronous)
            options = database.setdefault("OPTIONS", {})
            options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


@contextmanager
def _locked():
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "test-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _prepare_demo(environment: dict[str, str]) -> None:
    """``gongjian prepare_demo`` in a process of its own (its own settings and connections)."""
    env = {**os.environ, **environment, "DJANGO_SETTINGS_MODULE": "gongjian.settings"}
    env.pop("GONGJIAN_REPLICA_URL", None)  # built on the primary alone
    command = [sys.executable, "-m", "gongjian.cli", "prepare_demo"]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)


def _sqlite_built() -> Path:
    cached = cache_dir() / f"demo-{cache_key()}.sqlite3"
    with _locked():
        if not cached.exists():
            with tempfile.TemporaryDirectory() as var_dir:
                environment = {"GONGJIAN_VAR_DIR": var_dir, "GONGJIAN_DEMO_CACHE": str(cache_dir())}
                environment["DATABASE_URL"] = f"sqlite:///{var_dir}/gongjian.sqlite3"
                _prepare_demo(environment)
    return cached


def _prepare_sqlite() -> None:
    cached = _sqlite_built()
    create = SQLiteCreation._create_test_db

    def _create_test_db(self, verbosity, autoclobber, keepdb=False):
        name = create(self, verbosity, autoclobber, keepdb)
        if self.connection.alias == "default" and self.is_in_memory_db(name):
            keeper = sqlite3.connect(name, uri=True, check_same_thread=False)
            with sqlite3.connect(cached) as source:
                source.backup(keeper)
            source.close()
            _keepers.append(keeper)
        return name

    SQLiteCreation._create_test_db = _create_test_db  # type: ignore[method-assign]


def _postgres_template(database: dict) -> str:
    name = f"{_PREFIX}{cache_key()}"
    server = {
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with _locked(), psycopg.connect(**server) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{_PREFIX}%"]
            )
        ]
        if name in names:
            return name
        building = f"{name}_building"
        connection.execute(f'DROP DATABASE IF EXISTS "{building}"')
        connection.execute(f'CREATE DATABASE "{building}"')
        url = "postgres://{user}{password}@{host}:{port}/{db}".format(
            user=server["user"] or "",
            password=f":{server['password']}" if server["password"] else "",
            host=server["host"] or "127.0.0.1",
            port=server["port"] or 5432,
            db=building,
        )
        _prepare_demo({"DATABASE_URL": url})
        # the name marks the copy complete: a build cut short is never used
        connection.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        for old in names:
            if old != building:
                connection.execute(f'DROP DATABASE IF EXISTS "{old}"')
    return name
