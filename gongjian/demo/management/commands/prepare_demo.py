"""``gongjian prepare_demo``: what ``make run`` does before the server starts — migrate,
then load the demo, each with a line per step.

A brand-new SQLite database (its file absent) is built once per version of the code and
kept in a cache directory (``GONGJIAN_DEMO_CACHE``, default ``~/.cache/gongjian``): the
next fresh start — another clone, or after ``make clean`` — copies it (SQLite's backup
API) instead of running the migrations and the loader again. The cache key is a hash of
every source and data file under ``gongjian/`` and the Django version, so a change to a
migration, a model or the demo's code builds a new copy. A database that already exists
is never replaced: it is migrated and the demo is loaded only when missing.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from gongjian.demo.loader import load_demo

PACKAGE = Path(__file__).resolve().parents[3]
KEYED_SUFFIXES = {".py", ".yaml", ".yml", ".json", ".txt", ".csv", ".xlsx"}
SKIPPED_DIRS = {"__pycache__", "vendor", "static", "templates", "locale", "tests"}


def cache_key() -> str:
    """A hash of the code and data a fresh demo database is built from."""
    digest = hashlib.sha256(django.get_version().encode())
    for path in sorted(PACKAGE.rglob("*")):
        relative = path.relative_to(PACKAGE)
        if path.suffix not in KEYED_SUFFIXES or SKIPPED_DIRS & set(relative.parts):
            continue
        digest.update(str(relative).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    configured = os.environ.get("GONGJIAN_DEMO_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "gongjian"


def _copy(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (its WAL included)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def keep_copy(path: Path, cached: Path) -> None:
    """Keep a copy of the database ``path`` as ``cached`` (written aside, then moved into
    place, so that a reader never meets half a file); the older copies of the same kind
    (``<kind>-<key>.sqlite3``) go. Raises OSError where the cache cannot be written."""
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.partial")
    _copy(path, partial)
    partial.replace(cached)
    kind = cached.name.split("-", 1)[0]
    for old in cached.parent.glob(f"{kind}-*.sqlite3"):
        if old != cached:
            old.unlink(missing_ok=True)


class _MigrationProgress:
    """A stream for ``migrate -v 1``: one numbered line per migration applied."""

    def __init__(self, out, total: int):
        self.out, self.total, self.done = out, total, 0

    def write(self, text: str) -> None:
        stripped = text.strip()
        if stripped.startswith("Applying "):
            self.done += 1
            name = stripped.removeprefix("Applying ").rstrip(".")
            self.out.write(f"  [{self.done}/{self.total}] {name}", ending="")
            self.out.flush()
        elif stripped.startswith("OK"):
            self.out.write(f" {stripped}")

    def flush(self) -> None:
        self.out.flush()


class Command(BaseCommand):
    help = "Migrate and load the demo with progress; a fresh SQLite database comes from the cache."
    requires_system_checks: list[str] = []

    def handle(self, *args, **options):
        started = time.monotonic()
        database = settings.DATABASES["default"]
        sqlite = database["ENGINE"].endswith("sqlite3")
        path = Path(database["NAME"]) if sqlite else None
        fresh = path is not None and (not path.exists() or path.stat().st_size == 0)
        cached = cache_dir() / f"demo-{cache_key()}.sqlite3" if sqlite else None
        if fresh and cached is not None and cached.exists():
            self.stdout.write(f"从缓存复制演示数据库 {cached} …")
            _copy(cached, path)
            self.stdout.write(f"已复制({time.monotonic() - started:.1f} s)")
        self._migrate()
        self.stdout.write("加载锦州 2024 演示数据 …")
        loaded = load_demo(log=lambda m: self.stdout.write(m))
        if fresh and loaded and cached is not None:
            connections.close_all()
            self._keep(path, cached)
        self.stdout.write(f"数据库已就绪(共 {time.monotonic() - started:.1f} s)")

    def _migrate(self) -> None:
        connection = connections["default"]
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if not plan:
            self.stdout.write("数据库结构已是最新")
            return
        started = time.monotonic()
        self.stdout.write(f"更新数据库结构:{len(plan)} 个迁移 …")
        progress = _MigrationProgress(self.stdout, len(plan))
        call_command("migrate", interactive=False, verbosity=1, stdout=progress)
        self.stdout.write(f"数据库结构已更新({time.monotonic() - started:.1f} s)")

    def _keep(self, path: Path, cached: Path) -> None:
        """Keep the fresh database for the next fresh start; older copies go."""
        try:
            keep_copy(path, cached)
        except OSError as error:  # a read-only home: the next start simply loads again
            self.stdout.write(f"演示数据库未缓存:{error}")
            return
        self.stdout.write(f"演示数据库已缓存到 {cached},下次全新启动将直接复制")
