"""Benchmark of Excel import and export (``gongjian.reports``), each beside its floor.

Usage::

    .venv/bin/python bench/bench_excel.py [--rows 100000] [--database-url URL]
    .venv/bin/python bench/bench_excel.py --rows 10000        # or 1000000
    .venv/bin/python bench/bench_excel.py --smoke              # 1,000 rows, seconds

Writes a project sheet of ``--rows`` rows, then measures, each in its own process
(so that every peak memory figure is that step's own, read from ``ru_maxrss``):

- python-calamine alone reading every cell of the sheet (the import's floor);
- ``pandas.read_excel`` (openpyxl) reading the same sheet (what a user's script does);
- ``gongjian import projects``: reading, validating every row (API schema, model
  field rules, stage rules) and writing projects, stage history and history rows
  into an empty database (a fresh SQLite file unless ``--database-url`` names one,
  which is dropped and created again); on a PostgreSQL server of this machine also the
  CPU its backend used meanwhile;
- the project export (xlsxwriter, constant memory) of those rows, against raw
  xlsxwriter writing the same cells with the same formats from one query.

Prints a Markdown section for docs/benchmarks.md, then one ``RESULT {json}`` line.
Not a test: nothing is asserted.
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
from decimal import Decimal
from pathlib import Path

from _common import (
    ROOT,
    cpu_seconds,
    database_label,
    django_setup,
    fresh_database,
    machine_line,
    migrate,
    peak_mb,
)

from gongjian.kit.scope import SYSTEM

DISTRICTS = ["古塔区", "凌河区", "太和区", "黑山县", "义县", "凌海市", "北镇市"]
CATEGORIES = ["工业", "商贸服务", "基础设施", "社会民生", "农业农村", "文旅"]
HEAD = [
    "项目编号",
    "项目名称",
    "所属单位",
    "项目类别",
    "总投资(万元)",
    "年度计划投资(万元)",
    "阶段",
    "签约日期",
    "开工日期",
    "建设单位/企业",
    "项目简介",
]


def write_sheet(path: Path, rows: int) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("项目清单")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, HEAD)
    for i in range(rows):
        started = i % 3 != 0
        signed = dt.datetime(2024, 1 + i % 9, 1 + i % 28)
        sheet.write_row(
            i + 1,
            0,
            [
                f"B{i:07d}",
                f"基准测试项目{i}",
                DISTRICTS[i % 7],
                CATEGORIES[i % 6],
                1000 + (i * 37) % 500000 + (i % 100) / 100,
                200 + i % 5000,
                "开工" if started else "签约",
            ],
        )
        sheet.write_datetime(i + 1, 7, signed, date)
        if started:
            sheet.write_datetime(i + 1, 8, signed + dt.timedelta(days=20), date)
        sheet.write_row(i + 1, 9, [f"锦州基准{i % 977}有限公司", "年产能扩建,建设厂房及配套设施"])
    book.close()


# --- phases (each runs in a child process) ------------------------------------------


def phase_calamine(path: Path) -> dict:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    book = CalamineWorkbook.from_path(str(path))
    cells = rows = 0
    for row in book.get_sheet_by_index(0).iter_rows():
        cells += len(row)
        rows += 1
    return {"seconds": time.perf_counter() - start, "cells": cells, "data_rows": rows - 1}


def phase_pandas(path: Path) -> dict:
    import pandas

    start = time.perf_counter()
    frame = pandas.read_excel(path, engine="openpyxl")
    return {"seconds": time.perf_counter() - start, "cells": int(frame.size)}


def phase_import(path: Path, database_url: str | None, var_dir: Path) -> dict:
    django_setup(database_url, var_dir=var_dir, debug=False)

    migrate()
    from gongjian.projects.models import Project
    from gongjian.projects.sheets import projects_import
    from gongjian.units import services as unit_services
    from gongjian.units.models import Unit

    city = Unit.objects.filter(code="210700").first() or unit_services.unit_create(
        actor=SYSTEM, name="锦州市", kind="city", code="210700"
    )
    codes = ["210702", "210703", "210711", "210726", "210727", "210781", "210782"]
    for name, code in zip(DISTRICTS, codes, strict=True):
        if not Unit.objects.filter(code=code).exists():
            unit_services.unit_create(
                actor=SYSTEM, name=name, kind="district", code=code, parent=city
            )
    from gongjian.projects.models import StageTransition

    before = Project.objects.count()
    backend = server_cpu_seconds()
    cpu = cpu_seconds()
    start = time.perf_counter()
    result = projects_import(actor=SYSTEM, path=path)
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu
    server = None if backend is None else server_cpu_seconds(backend)
    bench = Project.objects.filter(code__startswith="B")
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "server_cpu_seconds": server,
        "rows_total": result.rows_total,
        "created": result.created,
        "errors": result.errors[:5],
        "projects": Project.objects.count() - before,
        "history": Project.history.filter(code__startswith="B").count(),
        "transitions": StageTransition.objects.filter(project__in=bench).count(),
    }


def server_cpu_seconds(since: tuple | None = None):
    """The CPU seconds the PostgreSQL backend serving this connection has used (read from
    ``/proc``, so only for a server on this machine): ``(pid, seconds)``, or with
    ``since`` the seconds used since then (None when the backend changed); None on
    SQLite or when the backend's process cannot be read."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    used = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    if since is None:
        return pid, used
    return used - since[1] if since[0] == pid else None


def phase_export(database_url: str | None, var_dir: Path) -> dict:
    django_setup(database_url, var_dir=var_dir, debug=False)
    from gongjian.projects.models import Project
    from gongjian.projects.sheets import export_projects

    cpu = cpu_seconds()
    start = time.perf_counter()
    path = export_projects(Project.objects.filter(code__startswith="B"))
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu
    size = path.stat().st_size
    path.unlink()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows": Project.objects.filter(code__startswith="B").count(),
        "bytes": size,
    }


def phase_raw_export(database_url: str | None, var_dir: Path) -> dict:
    """The same cells (values read with one query, labels from a dict) written by bare
    xlsxwriter with the same formats: the floor of any formatted export."""
    django_setup(database_url, var_dir=var_dir, debug=False)
    import xlsxwriter

    from gongjian.projects.models import Category, Project, Stage

    fields = [
        "code",
        "name",
        "unit__name",
        "category",
        "total_investment",
        "planned_investment",
        "stage",
        "signed_on",
        "landed_on",
        "started_on",
        "resumed_on",
        "stalled_on",
        "completed_on",
        "in_production_on",
        "responsible_unit__name",
        "leader__username",
        "industry_cluster",
        "enterprise_name",
        "latitude",
        "longitude",
        "description",
        "completed_investment",
    ]
    label = {v: str(k) for v, k in [*Category.choices, *Stage.choices]}
    amounts = {fields.index(f) for f in fields if f.endswith("_investment")}
    cpu = cpu_seconds()
    start = time.perf_counter()
    handle, name = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    book = xlsxwriter.Workbook(name, {"constant_memory": True})
    sheet = book.add_worksheet()
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    wan = book.add_format({"num_format": "#,##0.00##"})
    number = book.add_format({"num_format": "#,##0.##"})
    sheet.write_row(0, 0, fields, book.add_format({"bold": True}))
    rows = 0
    qs = Project.objects.filter(code__startswith="B").order_by("code")
    for rows, values in enumerate(qs.values_list(*fields).iterator(chunk_size=5000), start=1):
        for col, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(rows, col, value, date)
            elif col in amounts:
                sheet.write_number(rows, col, value / 10000, wan)
            elif isinstance(value, int | Decimal):
                sheet.write_number(rows, col, float(value), number)
            else:
                sheet.write_string(rows, col, label.get(value, value))
    book.close()
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu
    os.unlink(name)
    return {"seconds": seconds, "cpu_seconds": cpu, "rows": rows}


def child(args) -> None:
    path = Path(args.sheet)
    var_dir = Path(args.var_dir)
    if args.phase == "calamine":
        out = phase_calamine(path)
    elif args.phase == "pandas":
        out = phase_pandas(path)
    elif args.phase == "import":
        out = phase_import(path, args.database_url, var_dir)
    elif args.phase == "export":
        out = phase_export(args.database_url, var_dir)
    else:
        out = phase_raw_export(args.database_url, var_dir)
    out["peak_mb"] = peak_mb()
    print(json.dumps(out, ensure_ascii=False))


def run_phase(phase: str, sheet: Path, var_dir: Path, database_url: str | None) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--sheet",
        str(sheet),
        "--var-dir",
        str(var_dir),
    ]
    if database_url:
        cmd += ["--database-url", database_url]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


PHASES = ("calamine", "pandas", "import", "export", "raw_export")


def render(results: dict, n: int, db: str, written: float, machine: str) -> str:
    def line(label, r, rows=n):
        return f"| {label} | {r['seconds']:.2f} | {rows / r['seconds']:,.0f} | {r['peak_mb']:.0f} |"

    imp, cal, pan = results["import"], results["calamine"], results["pandas"]
    server = imp.get("server_cpu_seconds")
    server = "" if server is None else f", the database server's backend {server:.1f} s"
    exp, raw = results["export"], results["raw_export"]
    return f"""## Excel import and export (bench/bench_excel.py)

{n:,} projects, {len(HEAD)} columns ({written:.1f} s to write the sheet); {db}, DEBUG off;
{machine}.
Each step runs in its own process; peak memory is that process's maximum resident size.

| step | seconds | rows/s | peak MB |
| --- | --- | --- | --- |
{line("python-calamine alone: read every cell", cal)}
{line("pandas.read_excel (openpyxl)", pan)}
{line("gongjian import: read, validate, write projects + stage history + history rows", imp)}
{line("gongjian export (xlsxwriter, constant memory, formatted)", exp)}
{line("raw xlsxwriter writing the same cells, same formats", raw)}

Import created {imp["created"]:,} projects ({imp["history"]:,} history rows,
{imp["transitions"]:,} stage transitions), errors: {imp["errors"] or "none"}; its process
used {imp["cpu_seconds"]:.1f} s of CPU{server}. Import time is {imp["seconds"] / cal["seconds"]:.1f}×
calamine's parse alone (goal: 3×) and {imp["seconds"] / pan["seconds"]:.2f}× pandas' read.
Export speed is {raw["seconds"] / exp["seconds"]:.2f}× raw xlsxwriter's (goal: 0.8×; CPU
{exp["cpu_seconds"]:.1f} s against {raw["cpu_seconds"]:.1f} s).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="10000, 100000, 1000000 …")
    parser.add_argument(
        "--database-url", help="dropped and created again (default: a fresh SQLite file)"
    )
    parser.add_argument("--smoke", action="store_true", help="1,000 rows, SQLite, seconds")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--sheet", help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        child(args)
        return
    if args.smoke:
        args.rows = 1000
    with tempfile.TemporaryDirectory(prefix="gongjian-bench-") as tmp:
        tmp_path = Path(tmp)
        sheet = tmp_path / "projects.xlsx"
        # a SQLite file of its own unless told otherwise: never whatever DATABASE_URL the
        # calling shell happens to export
        database_url = fresh_database(args.database_url, tmp_path)
        start = time.perf_counter()
        write_sheet(sheet, args.rows)
        written = time.perf_counter() - start
        results = {}
        for phase in PHASES:
            results[phase] = run_phase(phase, sheet, tmp_path, database_url)
            print(f"{phase}: {results[phase]}", file=sys.stderr)
    db = database_label(database_url)
    print(render(results, args.rows, db, written, machine_line(database_url)))
    summary = {"rows": args.rows, "database": db, "sheet_rows": results["calamine"]["data_rows"]}
    summary.update(results)
    summary["import_vs_calamine"] = results["import"]["seconds"] / results["calamine"]["seconds"]
    summary["import_vs_pandas"] = results["import"]["seconds"] / results["pandas"]["seconds"]
    summary["export_speed_vs_raw"] = results["raw_export"]["seconds"] / results["export"]["seconds"]
    print("RESULT " + json.dumps(summary, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
