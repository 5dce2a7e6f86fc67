"""The deadline surge: many operators submitting progress reports at once against the
production server set-up (``gongjian serve``: gunicorn workers, PostgreSQL).

Usage::

    .venv/bin/python bench/bench_load.py [--clients 200] [--reports 6] [--workers 4]
        [--duration 60] [--database-url postgres://postgres@127.0.0.1:5432/gj_load_bench]
    .venv/bin/python bench/bench_load.py --smoke      # 10 clients, a few seconds, SQLite

Steps:

1. (re)creates the database (PostgreSQL: dropped and created; default a fresh SQLite file
   in ``--smoke``), migrates, loads the Jinzhou demo (not in ``--smoke``) and adds, for
   each simulated operator, a unit (开发区/园区 under a district) with its own projects,
   a user with the 填报员 role there, and an API token;
2. starts ``gongjian serve --workers W`` on a free loopback port;
3. runs the clients, one thread each, all at once, for at most ``--duration`` seconds:
   each submits ``--reports`` progress reports — by the API (``POST
   /api/projects/{id}/reports`` with a bearer token and a unique ``client_ref``) or, for
   ``--form-clients`` of them, through the page form (session login + CSRF). A request
   that fails in transport (connection reset, timeout) or with a 5xx is retried with the
   same ``client_ref``; the server stores it once whatever the number of tries;
4. part-way through (``--kill-worker``, on by default) SIGKILLs one gunicorn worker: its
   requests in flight are retried, the master starts a new worker, the surge goes on;
5. verifies in the database that every accepted report (201 / redirect) is stored
   exactly once, with one creation in its history and nothing more, and that no
   rejected one is stored.

Prints throughput, p50/p95/p99 latency and errors by kind as a Markdown section for
docs/reliability.md, then one ``RESULT {json}`` line. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/gj_load_bench"
PASSWORD = "Load-bench-2025!"
FIRST_MONTH = dt.date(2025, 1, 1)
RETRIES = 6


# --- databases, the server ------------------------------------------------------------


def fresh_database(url: str | None, tmp: Path) -> str:
    """An empty database: PostgreSQL ``url`` dropped and created again, or a new SQLite file."""
    if not url:
        return f"sqlite:///{tmp}/load.sqlite3"
    if url.startswith("sqlite"):
        path = Path(url.split("sqlite:///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return url
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url


def server_env(database_url: str, var_dir: Path, settings: str = "gongjian.settings") -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        GONGJIAN_VAR_DIR=str(var_dir),
        GONGJIAN_DEBUG="0",
        DJANGO_SETTINGS_MODULE=settings,
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    return env


def gongjian(args: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gongjian.cli", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        **kw,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``gongjian serve`` in a child process (the gunicorn master, after its exec)."""

    def __init__(self, env: dict, workers: int, threads: int = 1):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()
        cmd = [
            sys.executable, "-m", "gongjian.cli", "serve",
            "--workers", str(workers), "--threads", str(threads),
            "--bind", f"127.0.0.1:{self.port}",
            "--no-collectstatic", "--max-requests", "0", "--timeout", "60",
        ]  # fmt: skip
        self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=self.log, stderr=self.log)
        self.workers = workers

    def wait_ready(self, path: str = "/accounts/login/", timeout: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.output()}")
            try:
                if httpx.get(self.base + path, timeout=2).status_code < 500:
                    if len(self.worker_pids()) >= self.workers:
                        return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready: {self.output()}")

    def worker_pids(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- the world (child process with Django) ---------------------------------------------


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("GONGJIAN_DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongjian.settings")
    import django

    django.setup()


def phase_world(args) -> dict:
    """Migrate, load the demo (unless ``--no-demo``), add one unit, ``--projects`` projects,
    one operator and one token per client."""
    django_setup(args.database_url)
    from django.core.management import call_command
    from django.db import transaction

    from gongjian.projects import services as project_services
    from gongjian.units import services as unit_services
    from gongjian.units.models import Role, Unit

    call_command("migrate", verbosity=0)
    if args.demo:
        from gongjian.demo.loader import load_demo

        load_demo(log=lambda m: None)
    districts = list(
        Unit.objects.filter(kind__in=["district", "county", "county_city"]).order_by("pk")
    )
    if not districts:
        city = unit_services.unit_create(actor=None, name="锦州市", kind="city", code="210700")
        districts = [
            unit_services.unit_create(
                actor=None, name="凌河区", kind="district", code="210703", parent=city
            )
        ]
    clients = []
    with transaction.atomic():
        for i in range(args.clients):
            unit = unit_services.unit_create(
                actor=None,
                name=f"压测园区{i:03d}",
                kind="zone",
                parent=districts[i % len(districts)],
            )
            projects = []
            for j in range(args.projects):
                project = project_services.project_create(
                    actor=None,
                    code=f"LOAD{i:03d}{j:02d}",
                    name=f"压测项目{i:03d}-{j:02d}",
                    unit=unit,
                    category="industry",
                    total_investment=10**10,
                    stage_events=[
                        ("signed", dt.date(2024, 3, 1)),
                        ("started", dt.date(2024, 4, 1)),
                    ],
                )
                projects.append(project.pk)
            user = unit_services.user_create(
                actor=None,
                username=f"load{i:03d}",
                password=PASSWORD if i < args.form_clients else None,
                memberships=[(unit, Role.OPERATOR)],
            )
            _, key = unit_services.api_token_issue(user=user, name="load")
            clients.append(
                {"index": i, "username": user.username, "token": key, "projects": projects}
            )
    return {"clients": clients}


def phase_verify(args) -> dict:
    """Every accepted submission stored exactly once (one row, one creation in its history,
    no later change); no rejected one stored."""
    django_setup(args.database_url)
    from gongjian.projects.models import ProgressReport

    records = json.loads(Path(args.records).read_text())
    history = ProgressReport.history.model
    problems: list[str] = []
    checked = stored_unknown = 0
    for r in records:
        if r["via"] == "api":
            rows = list(ProgressReport.objects.filter(client_ref=r["ref"]))
            changes = history.objects.filter(client_ref=r["ref"]).count()
        else:
            rows = list(ProgressReport.objects.filter(progress_text=r["ref"]))
            changes = history.objects.filter(progress_text=r["ref"]).count()
        if r["outcome"] == "accepted":
            checked += 1
            if len(rows) != 1:
                problems.append(f"{r['ref']}: accepted, {len(rows)} rows stored")
            elif rows[0].project_id != r["project"] or str(rows[0].period_start) != r["period"]:
                problems.append(f"{r['ref']}: stored for another project or period")
            elif changes != 1:
                problems.append(f"{r['ref']}: {changes} history rows (expected 1)")
        elif r["outcome"] == "rejected":
            checked += 1
            if rows:
                problems.append(f"{r['ref']}: rejected ({r['status']}) but stored")
        elif r["outcome"] == "failed":
            # no answer after every retry: either stored once or not at all
            stored_unknown += len(rows)
            if len(rows) > 1:
                problems.append(f"{r['ref']}: no answer, {len(rows)} rows stored")
    ours = ProgressReport.objects.filter(project__code__startswith="LOAD").count()
    expected = sum(1 for r in records if r["outcome"] == "accepted") + stored_unknown
    if ours != expected:
        problems.append(f"{ours} reports stored on the load projects, {expected} expected")
    return {"checked": checked, "stored": ours, "ok": not problems, "problems": problems[:20]}


def run_child(phase: str, database_url: str, extra: list[str], env: dict | None = None) -> dict:
    cmd = [sys.executable, __file__, "--phase", phase, "--database-url", database_url, *extra]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the clients ---------------------------------------------------------------------


@dataclass
class Record:
    ref: str
    via: str
    project: int
    period: str
    outcome: str = "failed"  # accepted | rejected | failed (no answer after every retry)
    status: int = 0
    attempts: int = 0


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)  # every report POST, each try
    requests: int = 0
    errors: Counter = field(default_factory=Counter)
    records: list[Record] = field(default_factory=list)
    accepted: int = 0

    def took(self, seconds: float | None, error: str | None = None) -> None:
        with self.lock:
            self.requests += 1
            if seconds is not None:
                self.latencies.append(seconds)
            if error:
                self.errors[error] += 1


def _month(i: int) -> dt.date:
    y, m = divmod(FIRST_MONTH.month - 1 + i, 12)
    return dt.date(FIRST_MONTH.year + y, m + 1, 1)


def _month_end(start: dt.date) -> dt.date:
    return (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _kind(exc: Exception) -> str:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connect refused/reset"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return "connection dropped"
    return type(exc).__name__


def _send(http, stats: Stats, method: str, url: str, *, post: bool, **kw):
    """One request, retried on transport errors and 5xx; returns the response or None."""
    import httpx

    for attempt in range(RETRIES):
        start = time.perf_counter()
        try:
            response = http.request(method, url, **kw)
        except httpx.TransportError as exc:
            stats.took(None, _kind(exc))
        else:
            elapsed = time.perf_counter() - start
            error = f"HTTP {response.status_code}" if response.status_code >= 400 else None
            stats.took(elapsed if post else None, error)
            if response.status_code < 500:
                return response, attempt + 1
        time.sleep(min(2.0, 0.1 * 2**attempt) * random.uniform(0.5, 1.5))
    return None, RETRIES


def api_client(client: dict, run: str, args, base: str, deadline: float, stats: Stats):
    import httpx

    headers = {"Authorization": f"Bearer {client['token']}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        for i in range(args.reports):
            if time.monotonic() > deadline:
                break
            projects = client["projects"]
            start = _month(i // len(projects))
            record = Record(
                ref=f"{run}-{client['index']:03d}-{i:03d}",
                via="api",
                project=projects[i % len(projects)],
                period=str(start),
            )
            body = {
                "period_start": str(start),
                "period_end": str(_month_end(start)),
                "investment_this_period": 100_000 + i,
                "progress_text": f"第{i + 1}期 主体施工",
                "client_ref": record.ref,
            }
            response, record.attempts = _send(
                http, stats, "POST", f"/api/projects/{record.project}/reports", post=True, json=body
            )
            if response is not None:
                record.status = response.status_code
                record.outcome = "accepted" if response.status_code == 201 else "rejected"
            with stats.lock:
                stats.records.append(record)
                stats.accepted += record.outcome == "accepted"


def form_client(client: dict, run: str, args, base: str, deadline: float, stats: Stats):
    """The phone form: sign in, then for each report open the form and post it."""
    import httpx

    with httpx.Client(base_url=base, timeout=30) as http:
        response, _ = _send(http, stats, "GET", "/accounts/login/", post=False)
        if response is None:
            return
        response, _ = _send(
            http,
            stats,
            "POST",
            "/accounts/login/",
            post=False,
            data={
                "username": client["username"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": http.cookies.get("csrftoken", ""),
            },
        )
        if response is None or response.status_code != 302:
            stats.errors["form login failed"] += 1
            return
        for i in range(args.reports):
            if time.monotonic() > deadline:
                break
            projects = client["projects"]
            start = _month(i // len(projects))
            record = Record(
                ref=f"{run}-form-{client['index']:03d}-{i:03d}",
                via="form",
                project=projects[i % len(projects)],
                period=str(start),
            )
            url = f"/dispatch/{record.project}/report/?period={start:%Y-%m}"
            page, _ = _send(http, stats, "GET", url, post=False)
            if page is None:
                with stats.lock:
                    stats.records.append(record)
                continue
            response, record.attempts = _send(
                http,
                stats,
                "POST",
                url,
                post=True,
                data={
                    "csrfmiddlewaretoken": http.cookies.get("csrftoken", ""),
                    "investment_this_period": "10",
                    "progress_text": record.ref,
                },
            )
            if response is not None:
                record.status = response.status_code
                ok = response.status_code == 302 and "/dispatch/" in response.headers.get(
                    "location", ""
                )
                record.outcome = "accepted" if ok else "rejected"
            with stats.lock:
                stats.records.append(record)
                stats.accepted += record.outcome == "accepted"


def killer(server: Server, stats: Stats, target: int, deadline: float, events: list) -> None:
    """SIGKILL one worker once ``target`` reports are accepted; note the respawn."""
    while time.monotonic() < deadline and stats.accepted < target:
        time.sleep(0.05)
    pids = server.worker_pids()
    if time.monotonic() >= deadline or not pids:
        return
    victim = random.choice(pids)
    os.kill(victim, signal.SIGKILL)
    events.append({"killed": victim, "after_accepted": stats.accepted, "at": time.monotonic()})
    limit = time.monotonic() + 20
    while time.monotonic() < limit:
        now = server.worker_pids()
        if victim not in now and len(now) >= server.workers:
            events.append({"respawned": sorted(set(now) - set(pids)), "at": time.monotonic()})
            return
        time.sleep(0.05)


def surge(world: dict, args, base: str, server: Server) -> tuple[Stats, float, list]:
    stats = Stats()
    run = f"s{int(time.time())}"
    deadline = time.monotonic() + args.duration
    threads = []
    for client in world["clients"]:
        target = form_client if client["index"] < args.form_clients else api_client
        threads.append(
            threading.Thread(target=target, args=(client, run, args, base, deadline, stats))
        )
    events: list = []
    planned = len(world["clients"]) * args.reports
    if args.kill_worker:
        threads.append(
            threading.Thread(
                target=killer, args=(server, stats, int(planned * 0.4), deadline, events)
            )
        )
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    for e in events:
        e["at"] = round(e["at"] - start, 2)
    return stats, elapsed, events


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def versions(database_url: str) -> str:
    import django
    import gunicorn

    db = "SQLite"
    if database_url.startswith("postgres"):
        import psycopg

        with psycopg.connect(database_url) as conn:
            db = "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]
    return f"Python {platform.python_version()}, Django {django.get_version()}, gunicorn {gunicorn.__version__}, {db}"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--reports", type=int, default=6, help="reports per client")
    parser.add_argument("--projects", type=int, default=3, help="projects per client's unit")
    parser.add_argument("--form-clients", type=int, default=10, help="clients using the page form")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--duration", type=float, default=60, help="seconds at most")
    parser.add_argument("--database-url", default=None, help=f"default {DEFAULT_PG}")
    parser.add_argument("--no-demo", dest="demo", action="store_false")
    parser.add_argument("--no-kill-worker", dest="kill_worker", action="store_false")
    parser.add_argument("--smoke", action="store_true", help="10 clients, seconds, SQLite")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--records", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        out = phase_world(args) if args.phase == "world" else phase_verify(args)
        print(json.dumps(out, ensure_ascii=False))
        return
    if args.smoke:
        args.clients, args.reports, args.form_clients = 10, 4, 2
        args.workers, args.duration, args.demo = 2, 20, False
    elif args.database_url is None:
        args.database_url = DEFAULT_PG
    with tempfile.TemporaryDirectory(prefix="gongjian-load-") as tmp:
        tmp_path = Path(tmp)
        url = fresh_database(args.database_url, tmp_path)
        env = server_env(url, tmp_path)
        t0 = time.perf_counter()
        world = run_child(
            "world",
            url,
            [
                "--clients", str(args.clients), "--projects", str(args.projects),
                "--form-clients", str(args.form_clients), *([] if args.demo else ["--no-demo"]),
            ],
            env=env,
        )  # fmt: skip
        print(
            f"world: {args.clients} operators in {time.perf_counter() - t0:.1f} s", file=sys.stderr
        )
        server = Server(env, args.workers)
        try:
            server.wait_ready()
            stats, elapsed, events = surge(world, args, server.base, server)
        finally:
            server.stop()
        records_file = tmp_path / "records.json"
        records_file.write_text(json.dumps([asdict(r) for r in stats.records]))
        verified = run_child("verify", url, ["--records", str(records_file)], env=env)
    outcomes = Counter(r.outcome for r in stats.records)
    retried = sum(1 for r in stats.records if r.attempts > 1)
    result = {
        "database": "PostgreSQL" if url.startswith("postgres") else "SQLite",
        "clients": args.clients,
        "workers": args.workers,
        "seconds": round(elapsed, 2),
        "requests": stats.requests,
        "requests_per_s": round(stats.requests / elapsed, 1),
        "reports_per_s": round(outcomes["accepted"] / elapsed, 1),
        "p50_ms": round(pct(stats.latencies, 50) * 1000, 1),
        "p95_ms": round(pct(stats.latencies, 95) * 1000, 1),
        "p99_ms": round(pct(stats.latencies, 99) * 1000, 1),
        "outcomes": dict(outcomes),
        "retried": retried,
        "errors": dict(stats.errors),
        "worker_kill": events,
        "verified": verified,
    }
    print(markdown(result, args, url), end="")
    print("RESULT " + json.dumps(result, ensure_ascii=False))


def markdown(r: dict, args, url: str) -> str:
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(r["errors"].items())) or "none"
    kill = "not done"
    if r["worker_kill"]:
        e = r["worker_kill"][0]
        kill = f"worker {e['killed']} SIGKILLed at {e['at']} s (after {e['after_accepted']} accepted reports)"
        if len(r["worker_kill"]) > 1:
            kill += f", replaced at {r['worker_kill'][1]['at']} s"
    v = r["verified"]
    return f"""## Deadline surge (bench/bench_load.py)

{dt.date.today()}; {machine()}; {versions(url)}.
`gongjian serve --workers {r["workers"]}` (gunicorn sync workers), {r["database"]};
{r["clients"]} simulated operators (threads, httpx, loopback), each with its own unit and
{args.projects} projects, {args.reports} reports each ({args.form_clients} of them through the page
form with session + CSRF, the rest by the API with a bearer token and a `client_ref`).

| figure | value |
| --- | --- |
| wall time | {r["seconds"]} s |
| HTTP requests (all, incl. logins, form pages, retries) | {r["requests"]:,} ({r["requests_per_s"]} req/s) |
| reports accepted | {r["outcomes"].get("accepted", 0):,} ({r["reports_per_s"]} reports/s) |
| reports rejected / no answer after {RETRIES} tries | {r["outcomes"].get("rejected", 0)} / {r["outcomes"].get("failed", 0)} |
| report POST latency p50 / p95 / p99 | {r["p50_ms"]} / {r["p95_ms"]} / {r["p99_ms"]} ms |
| errors seen by clients (each try) | {errors} |
| submissions that needed a retry | {r["retried"]} |
| worker kill | {kill} |
| exactly-once check | {"passed" if v["ok"] else "FAILED: " + "; ".join(v["problems"])} — {v["checked"]} submissions checked, {v["stored"]} reports stored |

"""


if __name__ == "__main__":
    main()
