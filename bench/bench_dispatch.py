"""Benchmark of the province's 调度通报 (``gongjian report dispatch``) at scale.

Usage::

    .venv/bin/python bench/bench_dispatch.py [--projects 100000] [--database-url URL]
        [--reports-per-project 50] [--replace] [--write] [--smoke]

On the same ``gongjian gen-scale`` database as bench_dashboard.py (generated when
empty), each step runs in its own process so that its peak memory (maximum resident
size) is its own:

- **report**: ``gongjian report dispatch --period 2024-10 --unit <province>``, the whole
  command as an operator runs it (figures, charts, .docx);
- **figures**: ``reports.dispatch.dispatch_context`` alone (every number of the report);
- **peer**: the dashboard's selectors for the same unit and date in a process of their
  own — the same kind of figures, grouped;
- **baseline**: a process that only starts Django (what every step pays before working).

Prints a Markdown section and a ``RESULT {json}`` line; ``--write`` merges its rows into
docs/benchmarks.md. ``CHECK ok`` when the report was written and is a .docx. Not a test:
nothing is timed against a limit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    ROOT,
    database_label,
    django_setup,
    machine_line,
    merge_doc_table,
    peak_mb,
    scale_database_url,
    setup_scale_database,
)

AS_OF = dt.date(2024, 10, 31)
STEPS = ("baseline", "figures", "peer", "report")


def child(step: str, out: str | None) -> None:
    """Run one step in this process and print its seconds and peak MB as JSON."""
    django_setup()  # the database of DATABASE_URL, set by run_step
    from gongjian.demo.scale import PROVINCE
    from gongjian.kit.dates import Period
    from gongjian.units.models import Unit

    province = Unit.objects.get(code=PROVINCE[0])
    start = time.perf_counter()
    size = None
    if step == "figures":
        from gongjian.reports.dispatch import dispatch_context

        dispatch_context(unit=province, period=Period.month(2024, 10))
    elif step == "peer":
        from gongjian.dashboard import selectors as sel
        from gongjian.indicators.models import Campaign
        from gongjian.units.models import User

        scope = sel.Scope(Campaign.objects.get(root_unit=province), 2024, AS_OF, province, [])
        sel.dashboard(User.objects.get(username="province_office"), scope)
    elif step == "report":
        from django.core.management import call_command

        call_command(
            "report", "dispatch", period="2024-10", unit=PROVINCE[0], format="docx", output=out
        )
        size = Path(out).stat().st_size
    seconds = time.perf_counter() - start
    print("STEP " + json.dumps({"seconds": seconds, "peak_mb": peak_mb(), "bytes": size}))


def run_step(step: str, database_url: str, out: Path) -> dict:
    env = dict(os.environ, DATABASE_URL=database_url)
    proc = subprocess.run(
        [sys.executable, __file__, "--step", step, "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if proc.returncode:
        print(proc.stdout, proc.stderr, file=sys.stderr)
        raise SystemExit(f"step {step} failed")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("STEP "))
    return json.loads(line[5:])


HEADER = ["database", "projects", "progress reports", "step", "seconds", "peak MB"]
INTRO = """
The province's 调度通报 for October 2024 (figures year to 2024-10-31) on a `gongjian
gen-scale` province; each step in its own process, peak = that process's maximum
resident size. **baseline** only starts Django; **figures** is `dispatch_context` (every
number of the report); **peer** the dashboard's selectors for the same unit and date;
**report** the whole `gongjian report dispatch` command (figures, charts, .docx).
"""
LABELS = {
    "baseline": "baseline: start Django",
    "figures": "figures: dispatch_context",
    "peer": "peer: dashboard selectors",
    "report": "report dispatch (.docx)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--reports-per-project", type=int, default=50)
    parser.add_argument("--database-url", help="default: a SQLite file in the temp directory")
    parser.add_argument("--replace", action="store_true", help="empty a database of another size")
    parser.add_argument("--write", action="store_true", help="merge rows into docs/benchmarks.md")
    parser.add_argument("--smoke", action="store_true", help="300 projects, seconds")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        child(args.step, args.out)
        return
    if args.smoke:
        args.projects, args.reports_per_project = 300, 6
    url = scale_database_url(args.database_url, args.projects)
    setup_scale_database(
        url,
        args.projects,
        args.reports_per_project,
        replace=args.replace,
        log=lambda m: print(m, file=sys.stderr),
    )
    from gongjian.projects.models import ProgressReport, Project

    n_projects, n_reports = Project.objects.count(), ProgressReport.objects.count()
    from django.db import connection

    vendor = connection.vendor
    line = machine_line()
    connection.close()
    results = {"database": vendor, "projects": n_projects, "reports": n_reports, "steps": {}}
    with tempfile.TemporaryDirectory(prefix="gongjian-dispatch-") as tmp:
        out = Path(tmp) / "dispatch.docx"
        for step in STEPS:
            results["steps"][step] = run_step(step, url, out)
        ok = out.exists() and out.read_bytes()[:2] == b"PK"
    if not ok:
        print("CHECK FAILED: no .docx written", file=sys.stderr)
        raise SystemExit(1)
    print("CHECK ok: the report was written (.docx)", file=sys.stderr)
    db = database_label(vendor)
    rows = [
        [
            db,
            f"{n_projects:,}",
            f"{n_reports:,}",
            LABELS[step],
            f"{r['seconds']:.2f}",
            f"{r['peak_mb']:.0f}",
        ]
        for step, r in results["steps"].items()
    ]
    print("## 调度通报 at scale (bench/bench_dispatch.py)\n")
    print(line + "\n")
    print("| " + " | ".join(HEADER) + " |")
    print("| " + " | ".join("---" for _ in HEADER) + " |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if args.write and not args.smoke:
        merge_doc_table(
            "调度通报 at scale (bench/bench_dispatch.py)",
            INTRO + "\nLast run: " + line + ".",
            HEADER,
            rows,
            keys=4,
        )
    print("RESULT " + json.dumps(results, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
