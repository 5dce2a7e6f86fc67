"""Faults: an Excel import killed part-way leaves the database exactly as it was.

Usage::

    .venv/bin/python bench/bench_faults.py [--rows 20000] [--database-url URL] [--no-sqlite]
    .venv/bin/python bench/bench_faults.py --smoke          # 2,000 rows, SQLite only

For PostgreSQL (default ``postgres://postgres@127.0.0.1:5432/gj_load_bench``, dropped and
created again) and for a fresh SQLite file:

1. migrates and loads the Jinzhou demo (``gongjian migrate``, ``gongjian demo``);
2. takes a snapshot: row count and an MD5 of every row, in primary-key order, of each
   table of the ``projects``, ``reports`` and ``units`` apps (projects, their history,
   stage transitions, tags, progress reports and theirs, import runs, units …);
3. writes a ``--rows`` project sheet (the layout of bench/bench_excel.py) and starts
   ``gongjian import projects`` on it in a child process; once the importer reports that
   it has written at least ``--kill-at`` of the rows (inside its one transaction), sends
   the process SIGKILL;
4. takes the snapshot again and compares: every table must be identical;
5. runs the same import again, to the end: it must create every row.

The worker killed during the deadline surge is in bench/bench_load.py. Prints a Markdown
section for docs/reliability.md and one ``RESULT {json}`` line. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    DEFAULT_PG,
    ROOT,
    database_label,
    django_setup,
    fresh_database,
    machine_line,
    server_env,
)
from bench_excel import write_sheet

APPS = ("projects", "reports", "units")
PROGRESS = re.compile(r"(\d+)/(\d+) 行")


def phase_snapshot(database_url: str) -> dict:
    """{table: [rows, md5 of the rows in primary-key order]} for the apps in ``APPS``."""
    django_setup(database_url, debug=False)
    from django.apps import apps
    from django.db import connection

    tables = set()
    for app in APPS:
        for model in apps.get_app_config(app).get_models(include_auto_created=True):
            tables.add(model._meta.db_table)
    out = {}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            digest = hashlib.md5()
            rows = 0
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
                rows += 1
            out[table] = [rows, digest.hexdigest()]
    return out


def snapshot(url: str, env: dict) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", "snapshot", "--database-url", url],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def gongjian_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "gongjian.cli", *args]


def kill_mid_import(sheet: Path, env: dict, rows: int, kill_at: float) -> dict:
    """Start the import, SIGKILL it once ``kill_at`` of the rows are written."""
    proc = subprocess.Popen(
        gongjian_cmd("import", "projects", str(sheet)),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    start = time.perf_counter()
    written = 0
    for line in proc.stderr:
        found = PROGRESS.search(line)
        if found:
            written = int(found.group(1))
            if written >= rows * kill_at:
                proc.send_signal(signal.SIGKILL)
                break
    code = proc.wait()
    return {"written": written, "seconds": round(time.perf_counter() - start, 1), "code": code}


def run_database(url: str | None, rows: int, kill_at: float, tmp: Path) -> dict:
    url = fresh_database(url, tmp, "faults")
    env = server_env(url, tmp)
    subprocess.run(gongjian_cmd("migrate", "-v0"), env=env, cwd=ROOT, check=True)
    subprocess.run(gongjian_cmd("demo"), env=env, cwd=ROOT, check=True, capture_output=True)
    sheet = tmp / "projects.xlsx"
    if not sheet.exists():
        write_sheet(sheet, rows)
    before = snapshot(url, env)
    killed = kill_mid_import(sheet, env, rows, kill_at)
    after = snapshot(url, env)
    changed = sorted(t for t in before if before[t] != after.get(t))
    start = time.perf_counter()
    rerun = subprocess.run(
        gongjian_cmd("import", "projects", str(sheet)),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    rerun_seconds = time.perf_counter() - start
    final = snapshot(url, env)
    created = final["projects_project"][0] - before["projects_project"][0]
    return {
        "database": database_label(url),
        "machine": machine_line(url),
        "killed": killed,
        "tables": len(before),
        "rows_before": sum(v[0] for v in before.values()),
        "projects_before": before["projects_project"][0],
        "identical": not changed,
        "changed_tables": changed,
        "rerun_code": rerun.returncode,
        "rerun_seconds": round(rerun_seconds, 1),
        "rerun_created": created,
        "rerun_ok": rerun.returncode == 0 and created == rows,
    }


def markdown(results: list[dict], rows: int, kill_at: float) -> str:
    lines = [
        "## Import killed mid-way (bench/bench_faults.py)",
        "",
        *(f"{r['machine']}." for r in results),
        f"`gongjian import projects` of a {rows:,}-row sheet over the Jinzhou demo, SIGKILLed once",
        f"the importer had written {kill_at:.0%} of the rows inside its transaction; snapshot =",
        "row count + MD5 of every row of every table of the projects, reports and units apps.",
        "",
        "| database | rows written when killed | tables compared | database after the kill | rerun |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in results:
        k = r["killed"]
        same = (
            f"identical ({r['rows_before']:,} rows)"
            if r["identical"]
            else "CHANGED: " + ", ".join(r["changed_tables"])
        )
        rerun = (
            f"created {r['rerun_created']:,} projects in {r['rerun_seconds']} s"
            if r["rerun_ok"]
            else f"FAILED (exit {r['rerun_code']}, {r['rerun_created']} created)"
        )
        lines.append(
            f"| {r['database']} | {k['written']:,} after {k['seconds']} s (exit {k['code']}) "
            f"| {r['tables']} | {same} | {rerun} |"
        )
    return "\n".join(lines) + "\n\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--kill-at", type=float, default=0.3, help="share of rows written")
    parser.add_argument("--database-url", default=DEFAULT_PG, help="PostgreSQL, recreated")
    parser.add_argument("--no-postgres", dest="postgres", action="store_false")
    parser.add_argument("--no-sqlite", dest="sqlite", action="store_false")
    parser.add_argument("--smoke", action="store_true", help="2,000 rows, SQLite only")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "snapshot":
        print(json.dumps(phase_snapshot(args.database_url)))
        return
    if args.smoke:
        args.rows, args.postgres = 2000, False
    results = []
    with tempfile.TemporaryDirectory(prefix="gongjian-faults-") as tmp:
        tmp_path = Path(tmp)
        if args.postgres:
            results.append(run_database(args.database_url, args.rows, args.kill_at, tmp_path))
        if args.sqlite:
            results.append(run_database(None, args.rows, args.kill_at, tmp_path))
    print(markdown(results, args.rows, args.kill_at), end="")
    print("RESULT " + json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
