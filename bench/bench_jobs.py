"""An import started on the page, its job worker killed part-way, under ``gongjian serve``.

Usage::

    .venv/bin/python bench/bench_jobs.py [--rows 100000] [--database-url URL] [--write]
    .venv/bin/python bench/bench_jobs.py --smoke          # 2,000 rows, SQLite, no retry wait

On a fresh database (a SQLite file in ``--var-dir`` unless ``--database-url`` names one,
which is dropped and created again):

1. migrates and sets a city up (``gongjian setup-city 210700``: Jinzhou, its county
   units and an office login, no demo);
2. starts ``gongjian serve --workers 3`` (gunicorn) and the job worker ``gongjian
   qcluster`` (its own process group), with ``GONGJIAN_JOB_STALE_SECONDS`` (default 20)
   and ``GONGJIAN_JOB_TIMEOUT`` (default 60, so the queue delivers a dead job again
   after 60 + 120 s);
3. signs the office in through the login form and takes a snapshot of the database: row
   count and MD5 of every row of every table (bench/bench_faults.py's);
4. uploads a ``--rows`` project sheet (bench/bench_excel.py's layout) on the import page
   and polls ``progress.json`` once a second, recording every answer; once ``--kill-at``
   of the rows are reported done, sends SIGKILL to the job worker's process group, and
   keeps polling until the run is shown failed (or finished);
5. takes the snapshot again and compares it with the first, leaving out — on purpose —
   the ``ImportRun`` table (the run itself: pending → running → failed) and the tables of
   ``django_q`` (the queue);
6. starts the job worker again and waits for the queue to deliver the killed job again
   (``Q_CLUSTER["retry"]``), then tells what that delivery did to the run;
7. unless ``--no-rerun``: uploads the same sheet again with a fresh job worker (the
   default job timeout) and polls it to the end.

Prints a Markdown section and one ``RESULT {json}`` line; ``--write`` also keeps the
section "An import killed under ``gongjian serve --workers 3``" of docs/reliability.md
(one table row per database and size). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_faults
from _common import (
    ROOT,
    Server,
    database_label,
    django_setup,
    fresh_database,
    machine_line,
    merge_doc_table,
    server_env,
)
from bench_excel import write_sheet

RELIABILITY_MD = ROOT / "docs" / "reliability.md"
TITLE = "An import killed under `gongjian serve --workers 3`"
CITY, YEAR, OFFICE = "210700", 2024, "bench_office"
FAILED = "failed"


# --- phases (each runs in a child process, Django set up on the run's database) ---------


def phase_snapshot(database_url: str) -> dict:
    """bench_faults' snapshot over every table of every app, and which tables the
    comparison leaves out: the import run's own table and the queue's."""
    django_setup(database_url, debug=False)
    from django.apps import apps
    from django.db import connection

    from gongjian.reports.models import ImportRun

    # an app whose tables the database lacks (a model without its migration) is left out
    # and named
    present = set(connection.introspection.table_names())
    missing = {
        config.label: sorted(
            m._meta.db_table
            for m in config.get_models(include_auto_created=True)
            if m._meta.db_table not in present
        )
        for config in apps.get_app_configs()
    }
    bench_faults.APPS = tuple(label for label, tables in missing.items() if not tables)
    excluded = {ImportRun._meta.db_table}
    excluded |= {
        model._meta.db_table
        for model in apps.get_app_config("django_q").get_models(include_auto_created=True)
    }
    return {
        "tables": bench_faults.phase_snapshot(database_url),
        "excluded": sorted(excluded),
        "apps_without_tables": {label: tables for label, tables in missing.items() if tables},
    }


def phase_state(database_url: str, run_id: int) -> dict:
    """The run, the queue and the projects as the database has them now."""
    django_setup(database_url, debug=False)
    from django.utils import timezone
    from django_q.models import OrmQ, Task

    from gongjian.projects.models import Project
    from gongjian.reports.models import ImportRun

    run = ImportRun.objects.get(pk=run_id)
    now = timezone.now()
    queued = [
        # the broker delivers a task again once its lock (taken + retry) has passed
        {"due_in": round((q.lock - now).total_seconds(), 1) if q.lock else None}
        for q in OrmQ.objects.all()
    ]
    tasks = [
        {
            "success": t.success,
            "attempts": t.attempt_count,
            "result": str(t.result)[:200] if t.result is not None else None,
            "seconds": round((t.stopped - t.started).total_seconds(), 1),
            "stopped_ago": round((now - t.stopped).total_seconds(), 1),
        }
        for t in Task.objects.filter(func="gongjian.reports.services.import_run_job").order_by(
            "started"
        )
    ]
    return {
        "status": run.status,
        "message": run.message,
        "rows_created": run.rows_created,
        "stored_file_exists": Path(run.stored_file).exists(),
        "queued": queued,
        "tasks": tasks,
        "projects": Project.objects.count(),
    }


def child(phase: str, url: str, env: dict, *extra: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--database-url", url, *extra],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the web side: a person's browser ----------------------------------------------------


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def sign_in(base: str, username: str, password: str):
    import requests

    session = requests.Session()
    page = session.get(base + "/accounts/login/", timeout=30)
    answer = session.post(
        base + "/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": csrf_token(page.text),
        },
        headers={"Referer": base + "/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"sign-in refused ({answer.status_code})")
    return session


def upload(session, base: str, sheet: Path) -> int:
    """Upload ``sheet`` on the import page; the id of the run it started."""
    page = session.get(base + "/reports/import/projects/", timeout=30)
    with sheet.open("rb") as fh:
        answer = session.post(
            base + "/reports/import/projects/",
            data={"csrfmiddlewaretoken": csrf_token(page.text)},
            files={
                "file": (
                    sheet.name,
                    fh,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            },
            headers={"Referer": base + "/reports/import/projects/"},
            allow_redirects=False,
            timeout=300,
        )
    found = re.search(r"/reports/imports/(\d+)/", answer.headers.get("Location", ""))
    if answer.status_code != 302 or not found:
        raise RuntimeError(f"upload not accepted ({answer.status_code}): {answer.text[:500]}")
    return int(found.group(1))


def poll(session, base: str, run_id: int, start: float) -> dict:
    began = time.perf_counter()
    body = session.get(f"{base}/reports/imports/{run_id}/progress.json", timeout=60).json()
    return {
        "t": round(time.perf_counter() - start, 1),
        "ms": round((time.perf_counter() - began) * 1000),
        "done": body["done"],
        "total": body["total"],
        "status": body["status"],
        "label": body["status_label"],
        "finished": body["finished"],
    }


def poll_until(session, base, run_id, start, polls, *, stop, deadline: float) -> None:
    """Poll once a second (from the start of one poll to the next) until ``stop(poll)``
    or ``deadline`` seconds after ``start``."""
    while time.perf_counter() - start < deadline:
        began = time.perf_counter()
        polls.append(poll(session, base, run_id, start))
        if stop(polls[-1]):
            return
        time.sleep(max(0.0, 1 - (time.perf_counter() - began)))


# --- the job worker ---------------------------------------------------------------------


class Worker:
    """``gongjian qcluster`` in a process group of its own (its pool's processes too)."""

    def __init__(self, env: dict, log: Path):
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            bench_faults.gongjian_cmd("qcluster"),
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL to the whole group, as when the machine's OOM killer or an operator's
        ``kill -9`` hits it."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        self.log.close()


# --- one database ------------------------------------------------------------------------


def moved(polls: list[dict], until: float | None = None) -> tuple[int, int, list[float]]:
    """Of the polls while the import was running (each after the first such; up to the
    kill at ``until``), how many showed more rows done than the one before; and the times
    of those that did not."""
    running = [p for p in polls if p["status"] == "running" and (until is None or p["t"] < until)]
    pairs = list(zip(running, running[1:], strict=False))
    still = [b["t"] for a, b in pairs if b["done"] <= a["done"]]
    return len(pairs) - len(still), len(pairs), still


def run_database(url: str, args, var_dir: Path) -> dict:
    env = server_env(url, var_dir)
    env.update(
        GONGJIAN_JOB_STALE_SECONDS=str(args.stale),
        GONGJIAN_JOB_TIMEOUT=str(args.job_timeout),
    )
    retry = args.job_timeout + 120  # settings.Q_CLUSTER["retry"]
    subprocess.run(bench_faults.gongjian_cmd("migrate", "-v0"), env=env, cwd=ROOT, check=True)
    made = subprocess.run(
        bench_faults.gongjian_cmd("setup-city", CITY, "--year", str(YEAR), "--office", OFFICE),
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    password = re.search(r"初始密码[:：]\s*([^\s(（]+)", made.stdout)
    if password is None:
        raise RuntimeError(f"no password in: {made.stdout}")
    sheet = var_dir / "projects.xlsx"
    write_sheet(sheet, args.rows)
    out: dict = {
        "database": database_label(url),
        "machine": machine_line(url, server=True),
        "rows": args.rows,
        "sheet_mb": round(sheet.stat().st_size / 2**20, 1),
        "stale_seconds": args.stale,
        "job_timeout": args.job_timeout,
        "retry_seconds": retry,
    }
    server = Server(env, args.workers, port=args.port)
    workers: list[Worker] = []
    try:
        server.wait_ready()
        out["web_workers"] = server.worker_pids()
        workers.append(Worker(env, var_dir / "qcluster.log"))
        session = sign_in(server.base, OFFICE, password.group(1))
        before = child("snapshot", url, env)
        excluded = set(before["excluded"])

        # the import, polled once a second; the job worker killed at --kill-at
        start = time.perf_counter()
        run_id = upload(session, server.base, sheet)
        out["upload_seconds"] = round(time.perf_counter() - start, 1)
        polls: list[dict] = []
        killed: dict = {}

        def kill_when_due(p: dict) -> bool:
            if p["finished"]:
                return True
            # 0: as soon as the run is shown running (a sheet of one chunk reports only its end)
            due = p["done"] >= args.kill_at * p["total"] if args.kill_at else True
            if p["status"] == "running" and (p["total"] or not args.kill_at) and due:
                workers[0].kill()
                killed.update(t=round(time.perf_counter() - start, 1), done=p["done"])
                return True
            return False

        poll_until(session, server.base, run_id, start, polls, stop=kill_when_due, deadline=1800)
        out["killed"] = killed or None
        if killed:
            time.sleep(1)  # the next poll a second after the last, as before
            poll_until(
                session,
                server.base,
                run_id,
                start,
                polls,
                stop=lambda p: p["finished"],
                deadline=killed["t"] + args.stale + 120,
            )
        last = polls[-1]
        out["final_poll"] = last
        out["polls"] = polls
        ups, pairs, still = moved(polls, killed.get("t"))
        out["moved"] = {"moved": ups, "of": pairs, "still_at": still}
        failed_at = next((p["t"] for p in polls if p["status"] == FAILED), None)
        out["failed_after_kill"] = (
            round(failed_at - killed["t"], 1) if killed and failed_at is not None else None
        )
        # the last poll that saw the run still running, after the kill
        if killed:
            after_kill = [p for p in polls if p["t"] > killed["t"]]
            out["polls_after_kill"] = len(after_kill)
            out["running_polls_after_kill"] = sum(p["status"] == "running" for p in after_kill)

        after = child("snapshot", url, env)
        compared = sorted(t for t in before["tables"] if t not in excluded)
        changed = [t for t in compared if before["tables"][t] != after["tables"].get(t)]
        out["snapshot"] = {
            "tables_compared": len(compared),
            "rows_compared": sum(before["tables"][t][0] for t in compared),
            "excluded": sorted(excluded),
            "apps_without_tables": before["apps_without_tables"],
            "identical": not changed,
            "changed": {t: [before["tables"][t], after["tables"].get(t)] for t in changed},
        }
        out["state_after_fail"] = child("state", url, env, "--run-id", str(run_id))

        # the job worker again: does the queue deliver the killed job again, and then?
        if killed and not args.no_retry_wait:
            workers.append(Worker(env, var_dir / "qcluster.log"))
            restarted = time.perf_counter()
            deadline = restarted + retry + 90
            state = out["state_after_fail"]
            while time.perf_counter() < deadline:
                time.sleep(10)
                state = child("state", url, env, "--run-id", str(run_id))
                if not state["queued"] and state["tasks"]:
                    break
            since_kill = time.perf_counter() - start - killed["t"]
            out["retry"] = {
                "waited": round(time.perf_counter() - restarted, 1),
                "since_kill": round(since_kill, 1),
                # when the delivered job ended, from the task's own end time
                "ended_after_kill": (
                    round(since_kill - state["tasks"][-1]["stopped_ago"], 1)
                    if state["tasks"]
                    else None
                ),
                "redelivered": bool(state["tasks"]),
                "state": state,
            }
            workers[-1].stop()

        # the same sheet again, uploaded anew, with the default job timeout
        if not args.no_rerun:
            rerun_env = {**env, "GONGJIAN_JOB_TIMEOUT": "1800"}
            workers.append(Worker(rerun_env, var_dir / "qcluster.log"))
            projects_before = child("state", url, env, "--run-id", str(run_id))["projects"]
            start2 = time.perf_counter()
            run2 = upload(session, server.base, sheet)
            polls2: list[dict] = []
            poll_until(
                session,
                server.base,
                run2,
                start2,
                polls2,
                stop=lambda p: p["finished"],
                deadline=3600,
            )
            state2 = child("state", url, env, "--run-id", str(run2))
            ups2, pairs2, still2 = moved(polls2)
            out["rerun"] = {
                "seconds": polls2[-1]["t"],
                "status": state2["status"],
                "rows_created": state2["rows_created"],
                "projects_created": state2["projects"] - projects_before,
                "polls": len(polls2),
                "moved": {"moved": ups2, "of": pairs2, "still_at": still2},
                "poll_ms_max": max(p["ms"] for p in polls2),
            }
            workers[-1].stop()
    finally:
        for worker in workers:
            if worker.proc.poll() is None:
                worker.kill()
        server.stop()
    return out


# --- report ------------------------------------------------------------------------------


def retry_text(r: dict) -> str:
    if "retry" not in r:
        return "not waited for"
    retry = r["retry"]
    state = retry["state"]
    if not retry["redelivered"]:
        return f"not delivered again within {retry['since_kill']:.0f} s of the kill"
    task = state["tasks"][-1]
    rerun = "ran the import again" if state["projects"] else "imported nothing"
    return (
        f"delivered again, done {retry['ended_after_kill']:.0f} s after the kill; the job "
        f"{'succeeded' if task['success'] else 'failed'} and {rerun} (run stays "
        f"{state['status']}, {state['projects']:,} projects)"
    )


def row(r: dict) -> list[str]:
    k = r["killed"] or {}
    m = r["moved"]
    snap = r["snapshot"]
    same = (
        f"identical ({snap['tables_compared']} tables, {snap['rows_compared']:,} rows)"
        if snap["identical"]
        else "CHANGED: " + ", ".join(snap["changed"])
    )
    if snap.get("apps_without_tables"):
        same += " (no tables yet, not compared: " + ", ".join(snap["apps_without_tables"]) + ")"
    rerun = r.get("rerun")
    return [
        r["database"],
        f"{r['rows']:,}",
        f"{len(r['polls'])}",
        f"{m['moved']} of {m['of']}",
        f"{k.get('done', 0):,} rows, {k.get('t', 0)} s after the upload" if k else "not killed",
        f"{r['failed_after_kill']} s" if r["failed_after_kill"] is not None else "never",
        same,
        retry_text(r),
        (
            f"{rerun['status']}: {rerun['projects_created']:,} projects in {rerun['seconds']} s"
            if rerun
            else "—"
        ),
    ]


HEADER = [
    "database",
    "rows",
    "polls",
    "polls showing progress (while running)",
    "job worker killed at",
    "shown 失败 after the kill",
    "database after (without the run and queue tables)",
    "the queue's retry",
    "the same sheet uploaded again",
]


def intro(results: list[dict]) -> str:
    r = results[0]
    when = (
        f"{r['kill_at']:.0%} of the rows are reported done"
        if r["kill_at"]
        else "the run is shown running"
    )
    machines = "\n".join(f"{x['database']}: {x['machine']}." for x in results)
    return f"""{machines}

`bench/bench_jobs.py`: `gongjian serve --workers 3` (gunicorn) and the job worker
`gongjian qcluster`, a fresh database with one city (`gongjian setup-city {CITY}`, no demo).
The office signs in through the login form and uploads a project sheet on the import page;
the script polls `progress.json` once a second and, once {when}, sends SIGKILL to the job
worker's process group. It runs with `GONGJIAN_JOB_STALE_SECONDS={r["stale_seconds"]}` (a
running import silent that long is shown failed on the next read) and
`GONGJIAN_JOB_TIMEOUT={r["job_timeout"]}` (the queue delivers a job whose worker died again
after {r["retry_seconds"]} s). The database is compared with its snapshot taken before the
upload (row count + MD5 of every row of every table, bench/bench_faults.py's), leaving out on
purpose the `reports_importrun` table (the run itself) and the `django_q_*` tables (the
queue). The importer reports its progress after each chunk of 2,000 rows and, while it
reads rows, every half second, so each poll of a running import shows it moving. Here a job delivered again
finds its run already shown failed and leaves it (`import_run_job` runs only a pending or
running run; the uploaded file was removed with the failure): the person uploads again."""


def markdown(results: list[dict]) -> str:
    lines = [f"## {TITLE}", "", intro(results), ""]
    lines.append("| " + " | ".join(HEADER) + " |")
    lines.append("| " + " | ".join("---" for _ in HEADER) + " |")
    lines += ["| " + " | ".join(row(r)) + " |" for r in results]
    return "\n".join(lines) + "\n\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--kill-at", type=float, default=0.3, help="share of rows done")
    parser.add_argument("--stale", type=int, default=20, help="GONGJIAN_JOB_STALE_SECONDS")
    parser.add_argument("--job-timeout", type=int, default=60, help="GONGJIAN_JOB_TIMEOUT")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--database-url", help="recreated; default a SQLite file in --var-dir")
    parser.add_argument("--var-dir", help="GONGJIAN_VAR_DIR (emptied); default a temporary one")
    parser.add_argument("--no-retry-wait", action="store_true", help="skip step 6")
    parser.add_argument("--no-rerun", action="store_true", help="skip step 7")
    parser.add_argument("--write", action="store_true", help="keep docs/reliability.md's section")
    parser.add_argument("--smoke", action="store_true", help="2,000 rows, no waiting")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--run-id", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "snapshot":
        print(json.dumps(phase_snapshot(args.database_url)))
        return
    if args.phase == "state":
        print(json.dumps(phase_state(args.database_url, args.run_id), ensure_ascii=False))
        return
    if args.smoke:
        args.rows, args.no_retry_wait, args.kill_at = 2000, True, 0.0
    with tempfile.TemporaryDirectory(prefix="gongjian-jobs-") as tmp:
        var_dir = Path(args.var_dir or tmp)
        if var_dir.exists():
            shutil.rmtree(var_dir)
        var_dir.mkdir(parents=True)
        url = fresh_database(args.database_url, var_dir, "jobs")
        result = run_database(url, args, var_dir)
    result["kill_at"] = args.kill_at
    section = markdown([result])
    print(section, end="")
    if args.write:
        merge_doc_table(TITLE, intro([result]), HEADER, [row(result)], doc=RELIABILITY_MD)
    print("RESULT " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
