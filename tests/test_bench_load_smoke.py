"""The load benchmarks run end to end (``--smoke``: SQLite, a few clients, seconds): the
production server starts, the clients get answers, the figures come out and the
exactly-once check passes. Speed is not tested here; bench/ measures it."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from gongjian.projects.models import ProgressReport
from tests.factories import api_key, build_city_world

ROOT = Path(__file__).resolve().parent.parent

needs_gunicorn = pytest.mark.skipif(
    shutil.which("gunicorn") is None and not (Path(sys.executable).parent / "gunicorn").exists(),
    reason="gunicorn is not installed",
)


def run_bench(script: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stdout[-3000:]
    return json.loads(lines[-1].removeprefix("RESULT "))


@pytest.mark.bench_smoke
@needs_gunicorn
def test_surge_smoke_stores_every_accepted_report_exactly_once():
    result = run_bench("bench_load.py")
    assert result["database"] == "SQLite"
    assert result["clients"] == 10
    # 10 clients × 4 reports, 2 of the clients through the page form
    assert sum(result["outcomes"].values()) == 40
    assert result["outcomes"].get("accepted", 0) > 0
    assert result["requests_per_s"] > 0
    assert result["p95_ms"] > 0 and result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]
    verified = result["verified"]
    assert verified["ok"], verified["problems"]
    assert verified["checked"] == sum(
        n for kind, n in result["outcomes"].items() if kind in ("accepted", "rejected")
    )
    assert verified["stored"] >= result["outcomes"]["accepted"]


@pytest.mark.bench_smoke
@needs_gunicorn
def test_list_api_smoke_serves_the_same_rows_as_the_floor():
    result = run_bench("bench_list_api.py")
    assert result["same_rows"] is True
    assert result["rows"] > 50 and result["pages"] >= 2
    for target in ("api", "floor"):
        figures = result[target]
        assert figures["requests"] > 0
        assert figures["rps"] > 0
        assert figures["errors"] == 0 and figures["non2xx"] == 0
        assert 0 < figures["p50_ms"] <= figures["p95_ms"]
    assert result["ratio"] > 0


# --- the retry the surge relies on: client_ref makes a report submission idempotent ---


@pytest.mark.django_db
def test_a_retried_submission_with_the_same_client_ref_is_stored_once():
    world = build_city_world()
    _, key = api_key(world.operator_a)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = f"/api/projects/{world.project_a.pk}/reports"
    body = {
        "period_start": f"{world.year}-05-01",
        "period_end": f"{world.year}-05-31",
        "investment_this_period": 2_000_000,
        "client_ref": "phone-7f3a-0001",
    }
    first = client.post(url, body, content_type="application/json")
    assert first.status_code == 201, first.content
    history = ProgressReport.history.filter(client_ref="phone-7f3a-0001").count()
    world.project_a.refresh_from_db()
    completed = world.project_a.completed_investment
    # the response was lost; the phone sends the same request again
    again = client.post(url, body, content_type="application/json")
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert ProgressReport.objects.filter(client_ref="phone-7f3a-0001").count() == 1
    assert ProgressReport.history.filter(client_ref="phone-7f3a-0001").count() == history == 1
    world.project_a.refresh_from_db()
    assert world.project_a.completed_investment == completed


@pytest.mark.django_db
def test_a_client_ref_used_for_another_report_is_refused_and_changes_nothing():
    world = build_city_world()
    _, key = api_key(world.operator_a)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = f"/api/projects/{world.project_a.pk}/reports"
    body = {
        "period_start": f"{world.year}-05-01",
        "period_end": f"{world.year}-05-31",
        "investment_this_period": 2_000_000,
        "client_ref": "phone-7f3a-0002",
    }
    assert client.post(url, body, content_type="application/json").status_code == 201
    count = ProgressReport.objects.count()
    body.update(period_start=f"{world.year}-06-01", period_end=f"{world.year}-06-30")
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 422
    assert "提交编号" in refused.content.decode()
    assert ProgressReport.objects.count() == count
    assert not ProgressReport.objects.filter(period_start=f"{world.year}-06-01").exists()


@pytest.mark.django_db
def test_a_form_posted_twice_stores_one_report_and_one_history_row():
    """The phone form sent again as it was (a double tap, a browser retrying after a lost
    answer) writes nothing more; a changed figure is a new version of the draft."""
    world = build_city_world()
    client = Client()
    client.force_login(world.operator_a)
    url = f"/dispatch/{world.project_a.pk}/report/?period={world.year}-05"
    data = {"investment_this_period": "10", "progress_text": "主体结构封顶"}
    for _ in range(2):
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
    reports = ProgressReport.objects.filter(project=world.project_a, progress_text="主体结构封顶")
    assert reports.count() == 1
    assert ProgressReport.history.filter(id=reports.get().pk).count() == 1
    assert reports.get().version == 1
    response = client.post(url, {**data, "investment_this_period": "12"})
    assert response.status_code == 302
    report = reports.get()
    assert report.version == 2 and report.investment_this_period == 120_000
    assert ProgressReport.history.filter(id=report.pk).count() == 2
