"""Work that runs by itself: an import started on the page is a job on the queue
(`kit.jobs`, django-q2's database broker), its progress shared through a file every
process reads; a run whose worker died is marked failed, nothing imported; the default
schedules exist after `migrate`, the office sets them on a page, and the escalation
schedule escalates an overdue problem with nobody running a command."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule

from gongjian.kit import jobs
from gongjian.ops import schedules
from gongjian.projects.models import EscalationLevel, Project
from gongjian.reports import services as report_services
from gongjian.reports.models import ImportRun
from tests.factories import build_city_world, write_xlsx

pytestmark = pytest.mark.django_db

HEAD = ["项目编号", "项目名称", "所属单位", "项目类别", "总投资(万元)"]


@pytest.fixture
def world():
    return build_city_world()


@pytest.fixture
def inline_jobs(monkeypatch):
    """Jobs run at once in this process (django-q2's sync mode), as a worker would."""
    monkeypatch.setattr(Conf, "SYNC", True)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _sheet(tmp_path, n: int) -> bytes:
    rows = [HEAD, *[[f"JOB-{i}", f"队列项目{i}", "甲区", "工业", 20000] for i in range(n)]]
    return write_xlsx(tmp_path / "jobs.xlsx", rows).read_bytes()


def test_an_import_from_the_page_is_a_job_on_the_queue(
    world, tmp_path, inline_jobs, django_capture_on_commit_callbacks
):
    client = login(world.office)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(
            "/reports/import/projects/",
            {"file": SimpleUploadedFile("jobs.xlsx", _sheet(tmp_path, 30))},
        )
    assert response.status_code == 302
    # queued once the request's transaction committed: the import, then (run inline) the
    # delivery of its 导入完成 notice
    assert len(queued) == 2
    run = ImportRun.objects.latest("pk")
    assert run.status == ImportRun.Status.DONE and run.rows_created == 30
    assert Project.objects.filter(code__startswith="JOB-").count() == 30
    notice = world.office.notices.get()
    assert notice.kind == "import_finished" and notice.link == f"/reports/imports/{run.pk}/"
    progress = client.get(f"/reports/imports/{run.pk}/progress.json").json()
    assert progress["finished"] and progress["done"] == 30
    # a job delivered again (its first worker died after finishing) changes nothing
    report_services.import_run_job(run.pk)
    assert Project.objects.filter(code__startswith="JOB-").count() == 30


def test_progress_is_shared_through_a_file_every_process_reads(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    jobs.progress_write("import-1", done=500, total=2000)
    found = jobs.progress_read("import-1")
    assert (found["done"], found["total"]) == (500, 2000) and found["age"] < 5
    assert (tmp_path / "jobs" / "import-1.json").exists()
    assert not jobs.is_stale("import-1")
    old = time.time() - jobs.STALE_SECONDS - 5
    os.utime(tmp_path / "jobs" / "import-1.json", (old, old))
    assert jobs.is_stale("import-1")
    jobs.progress_clear("import-1")
    assert jobs.progress_read("import-1") == {} and not jobs.is_stale("import-1")


def test_a_run_whose_worker_died_is_failed_and_imported_nothing(world, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    stored = tmp_path / "upload.xlsx"
    stored.write_bytes(_sheet(tmp_path, 5))
    run = ImportRun.objects.create(
        schema="projects",
        file_name="upload.xlsx",
        stored_file=str(stored),
        status=ImportRun.Status.RUNNING,
        created_by=world.office,
    )
    key = report_services.progress_key(run.pk)
    jobs.progress_write(key, done=1000, total=5000)
    client = login(world.office)
    # still reporting: running
    assert client.get(f"/reports/imports/{run.pk}/progress.json").json()["status"] == "running"
    # silent for longer than a job may be: its worker died
    old = time.time() - jobs.STALE_SECONDS - 1
    os.utime(Path(tmp_path) / "jobs" / f"{key.replace(':', '_')}.json", (old, old))
    body = client.get(f"/reports/imports/{run.pk}/progress.json").json()
    assert body["status"] == "failed" and body["finished"]
    run.refresh_from_db()
    assert run.message == report_services.INTERRUPTED
    assert not stored.exists()
    assert not Project.objects.filter(code__startswith="JOB-").exists()
    page = client.get(f"/reports/imports/{run.pk}/").content.decode()
    assert "导入进程中断" in page


def test_the_default_schedules_and_the_office_sets_them(world):
    schedules.install_defaults()
    names = set(Schedule.objects.values_list("name", flat=True))
    assert {d.name for d in schedules.DEFAULTS} <= names
    client = login(world.office)
    page = client.get("/ops/schedules/")
    assert page.status_code == 200 and "问题升级" in page.content.decode()
    response = client.post("/ops/schedules/", {"name": "数据备份", "at": "03:45"})
    assert response.status_code == 302
    backup = Schedule.objects.get(name="数据备份")
    assert backup.repeats == 0  # the box unticked: switched off
    assert timezone.localtime(backup.next_run).time() == dt.time(3, 45)
    bad = client.post("/ops/schedules/", {"name": "数据备份", "at": "25:99", "enabled": "on"})
    assert "时间“25:99”无效" in bad.content.decode()
    assert Schedule.objects.get(name="数据备份").repeats == 0
    operator = login(world.operator_a)
    assert operator.get("/ops/schedules/").status_code == 200  # read-only
    assert operator.post("/ops/schedules/", {"name": "数据备份", "at": "01:00"}).status_code == 403
    # a second install changes nothing the office set
    schedules.install_defaults()
    assert Schedule.objects.get(name="数据备份").repeats == 0


def test_the_escalation_schedule_runs_by_itself(world, inline_jobs):
    from django_q.brokers import get_broker
    from django_q.scheduler import scheduler

    problem = world.problem_a
    assert problem.level == EscalationLevel.UNIT and problem.deadline < timezone.localdate()
    schedules.install_defaults()
    Schedule.objects.exclude(name="问题升级").update(repeats=0)
    Schedule.objects.filter(name="问题升级").update(
        next_run=timezone.now() - dt.timedelta(minutes=1)
    )
    scheduler(broker=get_broker())  # what the cluster's scheduler does every 30 s
    problem.refresh_from_db()
    assert problem.level != EscalationLevel.UNIT  # moved up, nobody ran a command
    schedule = Schedule.objects.get(name="问题升级")
    assert schedule.next_run > timezone.now()  # and due again tomorrow
    row = next(r for r in schedules.rows() if r.schedule.name == "问题升级")
    assert row.last_ok is True
