"""The scale benchmarks run and produce numbers (``--smoke``: a few hundred projects on a
fresh SQLite file, seconds). Only that they run and that their own correctness checks
pass is asserted — never how fast anything is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.bench_smoke


def _run(script: str, tmp_path: Path) -> tuple[dict, str]:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    url = f"sqlite:///{tmp_path / 'scale.sqlite3'}"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--smoke", "--database-url", url],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = next(line for line in proc.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(result[len("RESULT ") :]), proc.stdout + proc.stderr


def test_bench_dashboard_smoke(tmp_path):
    result, output = _run("bench_dashboard.py", tmp_path)
    assert "CHECK ok" in output
    assert result["database"] == "sqlite"
    assert result["projects"] == 300 and result["reports"] > 0
    assert set(result["scopes"]) == {"province", "district"}
    for scope in result["scopes"].values():
        for key in ("floor_s", "dashboard_s", "page_s", "before_s"):
            assert isinstance(scope[key], float) and scope[key] > 0, key
        assert 0 < scope["queries"] <= 60
        # the floor's figures (checked against the engine inside) are real numbers
        assert scope["headline"]["signed_count"] > 0
        assert sum(scope["lights"].values()) > 0
    assert "| SQLite | 300 |" in output


def test_bench_dispatch_smoke(tmp_path):
    result, output = _run("bench_dispatch.py", tmp_path)
    assert "CHECK ok" in output
    assert set(result["steps"]) == {"baseline", "figures", "peer", "report"}
    for step in result["steps"].values():
        assert step["peak_mb"] > 0 and step["seconds"] >= 0
    assert result["steps"]["report"]["bytes"] > 0
