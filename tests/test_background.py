"""Long work as jobs a person sees (`kit.jobs`, `/jobs/`): the 调度通报, long exports, the
year review and 立即运行 of a schedule queued → running → done/failed, progress on the row,
the file, the error in Chinese, nothing "running" forever; the schedules that tell people
of reports due, reports and problems overdue, appeals near their deadline, and the
monthly 调度通报 drafted for the office."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_q.models import Schedule

from gongjian.appeals import services as appeal_services
from gongjian.appeals.models import AppealStep
from gongjian.indicators.models import Campaign
from gongjian.kit import jobs
from gongjian.kit.models import Job
from gongjian.notices.models import Kind, Notice
from gongjian.ops import schedules
from gongjian.projects.models import Cadence, ReportObligation
from gongjian.projects.services import reminders_send
from gongjian.reports import services as report_services
from tests.factories import AppealCategoryFactory, build_city_world, read_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_city_world()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _job_from(response) -> Job:
    """The job a request started: a GET answers with the job's page at once (no
    redirect), a POST redirects to it."""
    if response.status_code == 302:
        assert response["Location"].startswith("/jobs/")
        return Job.objects.get(pk=int(response["Location"].split("/")[2]))
    assert response.status_code == 200, response.content[:300]
    found = re.search(r'data-progress-url="/jobs/(\d+)/progress.json"', response.content.decode())
    assert found, response.content[:300]
    return Job.objects.get(pk=int(found.group(1)))


def test_a_dispatch_report_from_the_page_is_a_job_with_its_file(world, inline_jobs):
    office = login(world.office)
    response = office.get(
        "/reports/dispatch.docx",
        {"period": f"{world.year}-04", "unit": world.city.pk, "background": "1"},
    )
    job = _job_from(response)
    assert job.status == Job.Status.DONE, job.message
    assert job.requested_by == world.office and job.attempts == 1
    assert job.result_name == f"调度通报-测试市-{world.year}-04.docx"
    page = office.get(f"/jobs/{job.pk}/").content.decode()
    assert "已完成" in page and f"/jobs/{job.pk}/file" in page
    file = office.get(f"/jobs/{job.pk}/file")
    assert file.status_code == 200 and b"".join(file.streaming_content)[:2] == b"PK"
    progress = office.get(f"/jobs/{job.pk}/progress.json").json()
    assert progress == {
        "status": "done",
        "status_label": "已完成",
        "step": "",
        "done": 1,
        "total": 1,
        "finished": True,
    }
    # the person who asked is told, with a link to the job
    notice = Notice.objects.get(recipient=world.office, kind=Kind.JOB_FINISHED)
    assert notice.link == f"/jobs/{job.pk}/" and "调度通报" in notice.title
    # the same request again while the first is fresh answers with it
    again = _job_from(
        office.get(
            "/reports/dispatch.docx",
            {"period": f"{world.year}-04", "unit": world.city.pk, "background": "1"},
        )
    )
    assert again.pk == job.pk
    # another person never sees it
    other = login(world.operator_a)
    assert other.get(f"/jobs/{job.pk}/").status_code == 404
    assert other.get(f"/jobs/{job.pk}/file").status_code == 404
    assert "调度通报" not in other.get("/jobs/").content.decode()


def test_a_job_that_fails_says_why_in_chinese(world, inline_jobs, monkeypatch):
    def broken(**kwargs):
        raise ValidationError({"template": "通报模板缺少“{{ 期间 }}”"})

    monkeypatch.setattr("gongjian.reports.dispatch.render_docx", broken)
    office = login(world.office)
    job = _job_from(
        office.get(
            "/reports/dispatch.docx",
            {"period": f"{world.year}-04", "unit": world.city.pk, "background": "1"},
        )
    )
    assert job.status == Job.Status.FAILED and "通报模板缺少" in job.message
    page = office.get(f"/jobs/{job.pk}/").content.decode()
    assert "失败" in page and "通报模板缺少" in page and "Traceback" not in page
    assert office.get(f"/jobs/{job.pk}/file").status_code == 404


def test_a_pdf_without_libreoffice_is_refused_on_the_page(world, monkeypatch):
    monkeypatch.setattr("gongjian.reports.views.soffice", lambda: None)
    response = login(world.office).get(
        "/reports/dispatch.pdf", {"period": f"{world.year}-04", "unit": world.city.pk}
    )
    assert response.status_code == 503
    assert "未安装 LibreOffice" in response.content.decode()
    assert not Job.objects.filter(requested_by=world.office).exists()


def test_a_job_whose_worker_died_is_failed_then_run_again_by_the_queue(world, inline_jobs):
    job = Job.objects.create(
        kind="dispatch",
        title="调度通报 测试市",
        params={"unit": world.city.pk, "period": f"{world.year}-04", "fmt": "docx"},
        requested_by=world.office,
        status=Job.Status.RUNNING,
        attempts=1,
        heartbeat_at=timezone.now() - dt.timedelta(hours=1),
    )
    fresh = Job.objects.create(
        kind="dispatch",
        title="调度通报 甲区",
        requested_by=world.office,
        status=Job.Status.RUNNING,
        heartbeat_at=timezone.now(),
    )
    page = login(world.office).get("/jobs/").content.decode()
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == Job.Status.FAILED and "任务进程已中断" in job.message
    assert "任务进程已中断" in page
    assert fresh.status == Job.Status.RUNNING  # a slow job is not a dead one
    # the queue delivers the call again (its worker died): it runs to the end
    assert jobs.job_run(job.pk) == "done"
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.attempts == 2 and job.result_file
    # a job already done is not done twice
    assert jobs.job_run(job.pk) == "skipped"


def test_a_long_export_is_a_job_and_keeps_the_scope(world, inline_jobs, settings, tmp_path):
    settings.GONGJIAN = {**settings.GONGJIAN, "EXPORT_INLINE_ROWS": 0}
    operator = login(world.operator_a)
    job = _job_from(operator.get("/reports/export/projects.xlsx"))
    assert job.status == Job.Status.DONE, job.message
    assert job.title == "导出项目清单" and job.result_name.startswith("项目清单-")
    response = operator.get(f"/jobs/{job.pk}/file")
    target = tmp_path / "export.xlsx"
    target.write_bytes(b"".join(response.streaming_content))
    cells = {str(c) for row in read_xlsx(target) for c in row}
    assert world.project_a.name in cells and world.project_b.name not in cells
    # a short list is still written in the request
    settings.GONGJIAN = {**settings.GONGJIAN, "EXPORT_INLINE_ROWS": 1000}
    assert operator.get("/reports/export/projects.xlsx").status_code == 200


def test_the_year_review_as_a_job(world, inline_jobs):
    office = login(world.office)
    job = _job_from(
        office.get(
            "/review/review.docx",
            {"year": world.year, "unit": world.city.pk, "background": "1"},
        )
    )
    assert job.kind == "review" and job.status == Job.Status.DONE, job.message
    assert job.result_name == f"review-{world.year}-{world.city.pk}.docx"


def test_run_now_from_the_schedules_page(world, inline_jobs):
    office = login(world.office)
    job = _job_from(office.post("/ops/schedules/", {"action": "run", "name": "问题升级"}))
    assert job.status == Job.Status.DONE, job.message
    assert "升级问题" in job.message
    world.problem_a.refresh_from_db()
    assert world.problem_a.escalated_on is not None  # its deadline is long past
    assert (
        login(world.operator_a)
        .post("/ops/schedules/", {"action": "run", "name": "问题升级"})
        .status_code
        == 403
    )
    assert office.post("/ops/schedules/", {"action": "run", "name": "无此任务"}).status_code == 404


def test_the_monthly_report_day_is_set_by_the_office(world):
    name = "月度调度通报"
    schedule = Schedule.objects.get(name=name)
    assert schedule.schedule_type == Schedule.MONTHLY and schedule.next_run.day == 3
    login(world.office).post(
        "/ops/schedules/", {"name": name, "at": "07:45", "day": "5", "enabled": "on"}
    )
    schedule.refresh_from_db()
    local = timezone.localtime(schedule.next_run)
    assert (local.day, local.hour, local.minute) == (5, 7, 45)
    response = login(world.office).post(
        "/ops/schedules/", {"name": name, "at": "07:45", "day": "31", "enabled": "on"}
    )
    assert "1–28" in response.content.decode()
    rows = {r.schedule.name: r for r in schedules.rows()}
    assert rows[name].monthly_day == 5
    assert {"报送义务更新", "报送提醒", "诉求提醒", "月度调度通报"} <= set(rows)


def test_the_monthly_draft_goes_to_the_office_of_the_city(world, inline_jobs):
    Campaign.objects.get_or_create(root_unit=world.city, year=world.year)
    said = report_services.dispatch_drafts_monthly(today=dt.date(world.year, 5, 3))
    job = Job.objects.get(kind="dispatch", unit=world.city)
    assert f"{world.year}-04" in said and job.requested_by is None
    assert job.unit == world.city and job.status == Job.Status.DONE, job.message
    notice = Notice.objects.get(kind=Kind.JOB_FINISHED, link=f"/jobs/{job.pk}/")
    assert notice.recipient == world.office and notice.link == f"/jobs/{job.pk}/"
    # the city's office sees it on 我的任务; a district's operator does not
    assert f"/jobs/{job.pk}/" in login(world.office).get("/jobs/").content.decode()
    assert login(world.operator_a).get(f"/jobs/{job.pk}/").status_code == 404


def test_reminders_before_and_after_a_deadline_once_each(world):
    today = dt.date(world.year, 6, 3)
    for project, start, due in [
        (world.project_b, dt.date(world.year, 5, 1), today + dt.timedelta(days=2)),
        (world.project_b, dt.date(world.year, 4, 1), today - dt.timedelta(days=1)),
        (world.project_a, dt.date(world.year, 5, 1), today + dt.timedelta(days=5)),
    ]:
        ReportObligation.objects.create(
            project=project,
            cadence=Cadence.MONTHLY,
            period_start=start,
            period_end=start.replace(day=28),
            due_on=due,
        )
    world.problem_b.deadline = today - dt.timedelta(days=1)
    world.problem_b.save()
    reminders_send(today=today)
    mine = Notice.objects.filter(recipient=world.operator_b)
    assert set(mine.values_list("kind", flat=True)) == {
        Kind.REPORT_DUE,
        Kind.REPORT_OVERDUE,
    } | ({Kind.PROBLEM_OVERDUE} if world.problem_b.owner_unit_id == world.district_b.pk else set())
    due = mine.get(kind=Kind.REPORT_DUE)
    assert due.title == f"调度报告即将截止:乙区 1 个项目未报送(截止 {today + dt.timedelta(days=2)})"
    assert due.link == f"/dispatch/?unit={world.district_b.pk}"
    # 甲区's report is due in five days: not yet; nobody else is told of 乙区
    assert not Notice.objects.filter(recipient=world.operator_a, kind=Kind.REPORT_DUE).exists()
    count = Notice.objects.count()
    reminders_send(today=today)
    assert Notice.objects.count() == count  # run twice on a day, told once


def test_an_appeal_dispatched_and_near_its_deadline_is_told_to_its_unit(world):
    category = AppealCategoryFactory(
        code="bg-lights", name="路灯照明", default_unit=world.district_a
    )
    day = world.day(3, 4)
    at = timezone.make_aware(dt.datetime(day.year, day.month, day.day, 9))
    appeal = appeal_services.appeal_receive(
        actor=world.office,
        intake_unit=world.city,
        category=category,
        title="路灯不亮",
        content="解放路路灯不亮",
        received_at=at,
    )
    appeal = appeal_services.appeal_transition(
        actor=world.office, appeal=appeal, action=AppealStep.Action.DISPATCH, at=at
    )
    told = Notice.objects.get(recipient=world.operator_a, kind=Kind.APPEAL_DISPATCHED)
    assert appeal.number in told.title and told.link == f"/appeals/{appeal.pk}/"
    assert not Notice.objects.filter(recipient=world.operator_b).exists()
    said = appeal_services.appeal_reminders_send(today=appeal.due_on)
    assert said.startswith("1 件诉求即将超期")
    assert Notice.objects.filter(recipient=world.operator_a, kind=Kind.APPEAL_DUE).count() == 1
    appeal_services.appeal_reminders_send(today=appeal.due_on)
    assert Notice.objects.filter(recipient=world.operator_a, kind=Kind.APPEAL_DUE).count() == 1
