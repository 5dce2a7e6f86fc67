"""What the benchmark scripts share: a scratch database with the demo, and timing."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best_of(fn, n: int = 3) -> float:
    """The fastest of ``n`` runs of ``fn``, in seconds."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def setup_demo_database(database_url: str | None) -> float:
    """Point Django at ``database_url`` (default: a new SQLite file), migrate, load the
    Jinzhou demo; returns the seconds the demo took to load."""
    tmp = tempfile.mkdtemp(prefix="gj-bench-")
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongjian.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from gongjian.demo.loader import load_demo

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    load_demo(log=lambda m: None)
    return time.perf_counter() - start
