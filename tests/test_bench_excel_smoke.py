"""The Excel benchmark runs end to end (``--smoke``: 1,000 rows, SQLite): every step
gives its figures and the import saves exactly the sheet's rows. Speed is not tested
here; bench/bench_excel.py measures it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.bench_smoke


def test_excel_bench_smoke_imports_every_row_and_reports_each_step():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_excel.py"), "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stdout[-3000:]
    result = json.loads(lines[-1].removeprefix("RESULT "))
    assert result["rows"] == 1000 and result["database"] == "SQLite"
    # the sheet's data rows, as calamine counts them, are what the import saved
    assert result["sheet_rows"] == 1000
    imported = result["import"]
    assert imported["errors"] == []
    assert imported["rows_total"] == imported["created"] == imported["projects"] == 1000
    assert imported["history"] == 1000  # one history row per project created
    assert imported["transitions"] > 1000  # every row signed, two in three started too
    assert result["export"]["rows"] == result["raw_export"]["rows"] == 1000
    for step in ("calamine", "pandas", "import", "export", "raw_export"):
        assert result[step]["seconds"] > 0
        assert result[step]["peak_mb"] > 0
    for ratio in ("import_vs_calamine", "import_vs_pandas", "export_speed_vs_raw"):
        assert result[ratio] > 0
    assert "| gongjian import:" in done.stdout  # the Markdown table for the docs
