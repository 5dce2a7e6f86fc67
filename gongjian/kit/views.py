"""我的任务: the jobs a person asked for (``kit.jobs``), their progress and their files."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render

from gongjian.kit import jobs
from gongjian.kit.http import file_response
from gongjian.kit.models import Job
from gongjian.kit.scope import Action


def _jobs(request):
    jobs.jobs_reap()
    return Job.objects.restrict(request.user, Action.VIEW)


@login_required
def job_list(request):
    return render(request, "kit/jobs.html", {"jobs": _jobs(request)[:50]})


@login_required
def job_detail(request, job_id: int):
    job = get_object_or_404(_jobs(request), pk=job_id)
    return render(request, "kit/job.html", {"job": job})


def job_started(request, job):
    """The answer to a GET that started (or found) a job: its page at once, no redirect —
    reloaded when the job ends, the same address finds the same job (``job_start``)."""
    return render(request, "kit/job.html", {"job": job, "nav_active": None})


@login_required
def job_progress(request, job_id: int):
    job = get_object_or_404(_jobs(request), pk=job_id)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "step": job.step,
            "done": job.done,
            "total": job.total,
            "finished": job.finished,
        }
    )


@login_required
def job_file(request, job_id: int):
    job = get_object_or_404(_jobs(request), pk=job_id, status=Job.Status.DONE)
    path = Path(job.result_file) if job.result_file else None
    if path is None or not path.is_file():
        raise Http404("文件已清理,请重新提交任务")
    kind = mimetypes.guess_type(job.result_name)[0] or "application/octet-stream"
    return file_response(path, job.result_name, kind, temporary=False)
