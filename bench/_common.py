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


# --- scale databases (``gongjian gen-scale``) and docs/benchmarks.md sections ------------

BENCHMARKS_MD = ROOT / "docs" / "benchmarks.md"


def scale_database_url(database_url: str | None, projects: int) -> str:
    """``database_url``, or a SQLite file in the temporary directory named after the size
    (reused by later runs at the same size)."""
    if database_url:
        return database_url
    return f"sqlite:///{Path(tempfile.gettempdir()) / f'gongjian-scale-{projects}.sqlite3'}"


def setup_scale_database(
    database_url: str, projects: int, reports_per_project: int, *, replace: bool = False, log=print
) -> dict:
    """Point Django at ``database_url``, migrate, and make sure it holds the synthetic
    province at ``projects`` projects (generating it when the database is empty; with
    ``replace``, flushing a database that holds another size). Returns what was done."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongjian.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from gongjian.demo.scale import PROVINCE, generate
    from gongjian.projects.models import Project

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter() - start
    have = Project.all_objects if hasattr(Project, "all_objects") else Project.objects
    path = _province_path(PROVINCE[0])
    count = have.filter(unit__path__startswith=path).count() if path else 0
    info = {"vendor": connection.vendor, "migrate_seconds": migrated, "generated": None}
    if count and count != projects:
        if not replace:
            raise SystemExit(
                f"the database holds a province of {count:,} projects, not {projects:,}: "
                "pass --replace to empty it, or use another database"
            )
        call_command("flush", interactive=False, verbosity=0)
        count = 0
    if not count:
        result = generate(
            projects=projects, reports_per_project=reports_per_project, log=lambda m: log(m)
        )
        info["generated"] = {
            "seconds": result.seconds,
            "rows": result.total_rows,
            "rows_per_second": result.rows_per_second,
        }
    return info


def _province_path(code: str) -> str | None:
    from gongjian.units.models import Unit

    unit = Unit.objects.filter(code=code).first()
    return unit.path if unit else None


def machine_line() -> str:
    """Machine, versions and date for a benchmark section."""
    import datetime as dt
    import platform

    import django
    from django.db import connection

    db = connection.vendor
    if db == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            db = f"PostgreSQL {cur.fetchone()[0].split()[0]}"
    else:
        import sqlite3

        db = f"SQLite {sqlite3.sqlite_version}"
    return (
        f"{dt.date.today().isoformat()}: Python {platform.python_version()}, Django "
        f"{django.get_version()}, {db}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} when it started"
    )


def merge_doc_table(
    title: str, intro: str, header: list[str], rows: list[list[str]], keys: int = 2
):
    """Keep one section ``## title`` of docs/benchmarks.md: its text ``intro`` and a table
    whose rows are merged with the rows already there (a row replaces the one with the
    same first ``keys`` cells), so runs at several sizes and databases build one curve."""
    text = BENCHMARKS_MD.read_text(encoding="utf-8") if BENCHMARKS_MD.exists() else "# Benchmarks\n"
    heading = f"## {title}"
    old_rows: dict[tuple, list[str]] = {}
    start = text.find(heading + "\n")
    if start >= 0:
        end = text.find("\n## ", start + len(heading))
        end = len(text) if end < 0 else end + 1
        for line in text[start:end].splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("| ") and len(cells) == len(header) and cells != header:
                if not set(cells[0]) <= {"-", " "}:
                    old_rows[tuple(cells[:keys])] = cells
        before, after = text[:start], text[end:]
    else:
        before, after = text.rstrip("\n") + "\n\n", ""
    for row in rows:
        old_rows[tuple(row[:keys])] = row
    ordered = sorted(old_rows.values(), key=_row_order)
    table = "\n".join(
        ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
        + ["| " + " | ".join(r) + " |" for r in ordered]
    )
    section = f"{heading}\n\n{intro.strip()}\n\n{table}\n"
    BENCHMARKS_MD.write_text(before + section + ("\n" + after if after else ""), encoding="utf-8")


def _row_order(row: list[str]):
    def number(cell: str) -> float:
        digits = cell.replace(",", "")
        try:
            return float(digits)
        except ValueError:
            return float("inf")

    return (row[0], number(row[1]) if len(row) > 1 else 0, row[1:])


def recreate_database(database_url: str) -> None:
    """Drop and create the PostgreSQL database of ``database_url`` (a benchmark's own)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(
        (
            parts.scheme.replace("postgres", "postgresql", 1)
            if parts.scheme == "postgres"
            else parts.scheme,
            parts.netloc,
            "/postgres",
            "",
            "",
        )
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
