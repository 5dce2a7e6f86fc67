"""The deadline surge: many operators submitting progress reports at once against the
production server set-up (``gongjian serve``: gunicorn workers, PostgreSQL).

Usage::

    .venv/bin/python bench/bench_load.py [--clients 200] [--reports 6] [--workers 4]
        [--duration 60] [--database-url postgres://postgres@127.0.0.1:5432/gj_load_bench]
        [--projects 100000 [--scale-database URL]] [--no-kill-worker] [--port 8101]
    .venv/bin/python bench/bench_load.py --smoke      # 10 clients, a few seconds, SQLite

Steps:

1. (re)creates the database (PostgreSQL: dropped and created; default a fresh SQLite file
   in ``--smoke``), migrates and puts the registry the operators work in underneath: the
   Jinzhou demo, or with ``--projects N`` a copy of the ``gongjian gen-scale`` province
   of N projects (kept in ``--scale-database``, generated there when it does not hold
   that size yet; default for SQLite the file bench_dashboard.py uses, for PostgreSQL
   generated in place), or nothing in ``--smoke``; then adds, in bulk, for each
   simulated operator a unit (开发区/园区 under a district or county) with
   ``--client-projects`` projects under construction (signed and started in 2024, with
   their stage and history rows), a user with the 填报员 role there and an API token;
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

Prints throughput, p50/p95/p99 latency, the errors the clients saw by kind (``http_5xx``:
answers 500 and up, each try) and the exceptions the server logged with a traceback
(``server_errors``, read from its console output) as a Markdown section for
docs/reliability.md, then one ``RESULT {json}`` line. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import _common
from _common import (
    DEFAULT_PG,
    ROOT,
    Server,
    database_label,
    django_setup,
    fresh_database,
    machine_line,
    migrate,
    pct,
    scale_arguments,
    scale_copy,
    server_env,
)

from gongjian.kit.scope import SYSTEM

PASSWORD = "Load-bench-2025!"
FIRST_MONTH = dt.date(2025, 1, 1)
RETRIES = 6
# every load project: signed and started in 2024, 100亿 so that no report can exceed it
LOAD_EVENTS = [("signed", dt.date(2024, 3, 1)), ("started", dt.date(2024, 4, 1))]
LOAD_TOTAL = 10**10


# --- the world (child process with Django) ---------------------------------------------


def phase_world(args) -> dict:
    """Migrate, load the demo (unless ``--no-demo`` or a province is there already), then
    write one unit, ``--client-projects`` projects, one operator and one token per client."""
    django_setup(args.database_url, debug=False)

    from gongjian.projects.models import Project
    from gongjian.units import services as unit_services
    from gongjian.units.models import Unit

    migrate()
    if args.demo and not args.projects:
        from gongjian.demo.loader import load_demo

        load_demo(log=lambda m: None)
    districts = list(
        Unit.objects.filter(kind__in=["district", "county", "county_city"]).order_by("pk")
    )
    if not districts:
        city = unit_services.unit_create(actor=SYSTEM, name="锦州市", kind="city", code="210700")
        districts = [
            unit_services.unit_create(
                actor=SYSTEM, name="凌河区", kind="district", code="210703", parent=city
            )
        ]
    start = time.perf_counter()
    clients = write_clients(args, districts)
    return {
        "clients": clients,
        "registry": Project.objects.count(),
        "write_seconds": time.perf_counter() - start,
    }


def write_clients(args, districts: list) -> list[dict]:
    """The clients' units, projects (with their stage history and history rows), users,
    memberships and tokens, written in bulk with ids assigned here (the scale generator's
    writer: COPY on PostgreSQL) instead of a few dozen queries per project through the
    services. The 提级 rules, if the database has any, are then applied to the new
    projects by the service, as creating them through it would have done."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from gongjian.demo.scale import Table, reset_sequences
    from gongjian.projects.models import (
        STAGE_DATE_FIELD,
        EscalationRule,
        Project,
        Stage,
        StageTransition,
    )
    from gongjian.projects.services import project_apply_escalation, validate_transition
    from gongjian.units.models import ApiToken, Membership, Role, Unit, User

    now = timezone.now()
    models = (Unit, User, Membership, ApiToken, Project, StageTransition)
    tables = {m: Table(m, now) for m in models}
    tables |= {
        m.history.model: Table(m.history.model, now) for m in models if hasattr(m, "history")
    }

    def add(model, values: dict, path: str = "", repr_: str | None = None) -> dict:
        """A row of ``model`` and, when the model keeps a history, its creation there."""
        values = {"id": tables[model].take_id(), **values}
        tables[model].add(values)
        if hasattr(model, "history"):
            add_history(model, values, "+", path, repr_)
        return values

    def add_history(model, values: dict, kind: str, path: str, repr_: str | None = None) -> None:
        table = tables[model.history.model]
        table.add(
            values
            | {
                "history_id": table.take_id(),
                "history_date": now,
                "history_type": kind,
                "history_unit_path": path,
                "history_object_repr": (repr_ or str(model(**values)))[:200],
            }
        )

    # the stage replay every load project goes through, checked once by the rules
    probe, last = Project(stage=Stage.PLANNED), None
    for stage, day in LOAD_EVENTS:
        validate_transition(probe, stage, day, last)
        probe.stage, last = stage, day
        setattr(probe, STAGE_DATE_FIELD[Stage(stage)], day)
    form_password = make_password(PASSWORD)  # hashed once: the form clients share it
    clients = []
    with transaction.atomic():
        for i in range(args.clients):
            parent = districts[i % len(districts)]
            path = f"{parent.path}{tables[Unit].next_id}/"
            unit = add(
                Unit,
                {
                    "name": f"压测园区{i:03d}",
                    "kind": Unit.Kind.ZONE,
                    "parent_id": parent.pk,
                    "path": path,
                    "depth": path.count("/") - 1,
                },
                path,
            )
            projects = []
            for j in range(args.client_projects):
                row = {
                    "id": tables[Project].take_id(),
                    "code": f"LOAD{i:03d}{j:02d}",
                    "name": f"压测项目{i:03d}-{j:02d}",
                    "unit_id": unit["id"],
                    "category": "industry",
                    "total_investment": LOAD_TOTAL,
                    "stage": Stage.PLANNED,
                    "version": 1,
                }
                add_history(Project, row, "+", path)
                for stage, day in LOAD_EVENTS:  # as project_transition: the move, the new version
                    add(
                        StageTransition,
                        {"project_id": row["id"], "stage": stage, "occurred_on": day},
                        path,
                    )
                    row |= {"stage": stage, STAGE_DATE_FIELD[Stage(stage)]: day}
                    row |= {"version": row["version"] + 1}
                    row.setdefault("first_event_on", day)
                    add_history(Project, row, "~", path)
                tables[Project].add(row)
                projects.append(row["id"])
            password = form_password if i < args.form_clients else make_password(None)
            user = add(User, {"username": f"load{i:03d}", "password": password})
            add(
                Membership,
                {"user_id": user["id"], "unit_id": unit["id"], "role": Role.OPERATOR},
                path,
                f"{user['username']} · {unit['name']} · {Role.OPERATOR.label}",
            )
            key = "gj_" + secrets.token_urlsafe(32)
            add(
                ApiToken,
                {
                    "user_id": user["id"],
                    "name": "load",
                    "prefix": key[3:11],
                    "digest": ApiToken.digest_of(key),
                },
            )
            clients.append(
                {"index": i, "username": user["username"], "token": key, "projects": projects}
            )
        for table in tables.values():
            table.flush()
        reset_sequences(list(tables))
        if EscalationRule.objects.filter(is_active=True).exists():
            for project in Project.objects.filter(code__startswith="LOAD").select_related("unit"):
                project_apply_escalation(project=project, actor=SYSTEM)
    return clients


def phase_verify(args) -> dict:
    """Every accepted submission stored exactly once (one row, one creation in its history,
    no later change); no rejected one stored."""
    django_setup(args.database_url, debug=False)
    from gongjian.projects.models import ProgressReport

    records = json.loads(Path(args.records).read_text())
    history = ProgressReport.history.model
    # the load projects' reports and history rows, read once and keyed by what each
    # client wrote (a look-up per record would scan the province's reports each time)
    load = {"project__code__startswith": "LOAD"}
    rows_by: dict[tuple[str, str], list] = {}
    for report in ProgressReport.objects.filter(**load):
        rows_by.setdefault(("api", report.client_ref), []).append(report)
        rows_by.setdefault(("form", report.progress_text), []).append(report)
    changes_by: dict[tuple[str, str], int] = {}
    for ref, text in history.objects.filter(**load).values_list("client_ref", "progress_text"):
        for key in (("api", ref), ("form", text)):
            changes_by[key] = changes_by.get(key, 0) + 1
    problems: list[str] = []
    checked = stored_unknown = 0
    for r in records:
        key = ("api" if r["via"] == "api" else "form", r["ref"])
        rows, changes = rows_by.get(key, []), changes_by.get(key, 0)
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


def logged_errors(output: str) -> Counter:
    """The exceptions whose traceback the server logged (its console output), by their
    last line: ``{"django.db.utils.OperationalError: database is locked": 12}``."""
    found: Counter = Counter()
    for chunk in output.split("Traceback (most recent call last):")[1:]:
        lines = chunk.splitlines()
        for i, line in enumerate(lines[1:], 1):
            if line and not line[0].isspace():
                rest = "\n".join(lines[i + 1 : i + 3])
                if "The above exception" not in rest and "During handling" not in rest:
                    found[line[:160]] += 1
                break
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--reports", type=int, default=6, help="reports per client")
    parser.add_argument(
        "--client-projects", type=int, default=3, help="projects in each client's unit"
    )
    parser.add_argument("--form-clients", type=int, default=10, help="clients using the page form")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--duration", type=float, default=60, help="seconds at most")
    parser.add_argument("--database-url", default=None, help=f"default {DEFAULT_PG}")
    parser.add_argument(
        "--projects",
        type=int,
        help="the registry: a gen-scale province of N projects (not the demo)",
    )
    scale_arguments(parser)
    parser.add_argument("--no-demo", dest="demo", action="store_false")
    parser.add_argument("--no-kill-worker", dest="kill_worker", action="store_false")
    parser.add_argument("--smoke", action="store_true", help="10 clients, seconds, SQLite")
    parser.add_argument("--port", type=int, help="the server's loopback port (default: a free one)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--records", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        out = phase_world(args) if args.phase == "world" else phase_verify(args)
        print(json.dumps(out, ensure_ascii=False))
        return
    if args.smoke:
        args.clients, args.reports, args.form_clients = 10, 4, 2
        args.workers, args.duration, args.demo, args.projects = 2, 20, False, None
    elif args.database_url is None:
        args.database_url = DEFAULT_PG
    with tempfile.TemporaryDirectory(prefix="gongjian-load-") as tmp:
        tmp_path = Path(tmp)
        url = fresh_database(args.database_url, tmp_path, "load")
        if args.projects:
            scale_copy(url, args.projects, args.scale_database, replace=args.replace)
        env = server_env(url, tmp_path)
        t0 = time.perf_counter()
        world = run_child(
            "world",
            url,
            [
                "--clients", str(args.clients), "--client-projects", str(args.client_projects),
                "--form-clients", str(args.form_clients), *([] if args.demo else ["--no-demo"]),
                *(["--projects", str(args.projects)] if args.projects else []),
            ],
            env=env,
        )  # fmt: skip
        world_seconds = time.perf_counter() - t0
        print(
            f"world: {args.clients} operators in {world_seconds:.1f} s (their rows written "
            f"in {world['write_seconds']:.1f} s)",
            file=sys.stderr,
        )
        if args.port:  # Server takes the port free_port() gives it
            _common.free_port = lambda: args.port
        server = Server(env, args.workers)
        try:
            server.wait_ready()
            stats, elapsed, events = surge(world, args, server.base, server)
        finally:
            server.stop()
            server.log.seek(0)
            server_errors = logged_errors(server.log.read().decode(errors="replace"))
        records_file = tmp_path / "records.json"
        records_file.write_text(json.dumps([asdict(r) for r in stats.records]))
        verified = run_child("verify", url, ["--records", str(records_file)], env=env)
        machine = machine_line(url, server=True)
    outcomes = Counter(r.outcome for r in stats.records)
    retried = sum(1 for r in stats.records if r.attempts > 1)
    result = {
        "database": database_label(url),
        "clients": args.clients,
        "workers": args.workers,
        "registry": world["registry"],
        "world_seconds": round(world_seconds, 1),
        "write_seconds": round(world["write_seconds"], 2),
        "seconds": round(elapsed, 2),
        "requests": stats.requests,
        "requests_per_s": round(stats.requests / elapsed, 1),
        "reports_per_s": round(outcomes["accepted"] / elapsed, 1),
        "p50_ms": round(pct(stats.latencies, 50) * 1000, 1),
        "p95_ms": round(pct(stats.latencies, 95) * 1000, 1),
        "p99_ms": round(pct(stats.latencies, 99) * 1000, 1),
        "planned": args.clients * args.reports,
        "outcomes": dict(outcomes),
        "retried": retried,
        "errors": dict(stats.errors),
        "http_5xx": sum(n for kind, n in stats.errors.items() if kind.startswith("HTTP 5")),
        "server_errors": dict(server_errors),
        "worker_kill": events,
        "verified": verified,
    }
    print(markdown(result, args, machine), end="")
    print("RESULT " + json.dumps(result, ensure_ascii=False))


def markdown(r: dict, args, machine: str) -> str:
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(r["errors"].items())) or "none"
    logged = ", ".join(f"`{k}`: {v}" for k, v in sorted(r["server_errors"].items())) or "none"
    kill = "not done"
    if r["worker_kill"]:
        e = r["worker_kill"][0]
        kill = f"worker {e['killed']} SIGKILLed at {e['at']} s (after {e['after_accepted']} accepted reports)"
        if len(r["worker_kill"]) > 1:
            kill += f", replaced at {r['worker_kill'][1]['at']} s"
    v = r["verified"]
    if args.projects:
        registry = f"a `gongjian gen-scale` province of {args.projects:,} projects"
    elif args.demo:
        registry = "the Jinzhou demo"
    else:
        registry = "an empty city"
    return f"""## Deadline surge (bench/bench_load.py)

{machine}.
`gongjian serve --workers {r["workers"]}` (gunicorn sync workers), {r["database"]};
{r["clients"]} simulated operators (threads, httpx, loopback) over {registry}
({r["registry"]:,} projects in all), each with its own unit and {args.client_projects} projects,
{args.reports} reports each ({args.form_clients} of them through the page form with session + CSRF,
the rest by the API with a bearer token and a `client_ref`); their units, projects, users
and tokens written in {r["write_seconds"]} s ({r["world_seconds"]} s with migrating and the
registry underneath).

| figure | value |
| --- | --- |
| wall time | {r["seconds"]} s |
| HTTP requests (all, incl. logins, form pages, retries) | {r["requests"]:,} ({r["requests_per_s"]} req/s) |
| reports accepted | {r["outcomes"].get("accepted", 0):,} of {r["planned"]:,} planned ({r["reports_per_s"]} reports/s) |
| reports rejected / no answer after {RETRIES} tries | {r["outcomes"].get("rejected", 0)} / {r["outcomes"].get("failed", 0)} |
| report POST latency p50 / p95 / p99 | {r["p50_ms"]} / {r["p95_ms"]} / {r["p99_ms"]} ms |
| errors seen by clients (each try) | {errors} |
| server errors logged with a traceback | {logged} |
| submissions that needed a retry | {r["retried"]} |
| worker kill | {kill} |
| exactly-once check | {"passed" if v["ok"] else "FAILED: " + "; ".join(v["problems"])} — {v["checked"]} submissions checked, {v["stored"]} reports stored |

"""


if __name__ == "__main__":
    main()
