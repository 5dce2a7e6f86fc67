"""The project list API under the production server, against a bare Django floor.

Usage::

    .venv/bin/python bench/bench_list_api.py [--duration 20] [--connections 8]
        [--projects N [--scale-database URL]] [--database-url URL]
    .venv/bin/python bench/bench_list_api.py --smoke      # SQLite, a second per target

1. (re)creates the database (default ``postgres://postgres@127.0.0.1:5432/gj_load_bench``;
   a SQLite file in ``--smoke``), migrates and loads the Jinzhou demo — or, with
   ``--projects N``, copies into it the ``gongjian gen-scale`` province of N projects
   kept in ``--scale-database`` (generated there when it does not hold that size yet;
   default for SQLite the file bench_dashboard.py uses, for PostgreSQL generated in
   place);
2. gives a district operator (填报员 of the district with the most projects) an API token
   and picks the stage with the most projects there;
3. starts ``gongjian serve --workers 2`` with bench/list_api_settings.py, which adds the
   floor view ``/floor/projects`` (bench/list_api_urls.py: same token check, same scope,
   filter, order, page and count, rows by ``.values()``, no schema);
4. checks both answer the same ids and count, then loads each for ``--duration`` seconds
   from a loopback client — wrk (Debian package) with a Lua script that walks the pages
   and prints p50/p95/p99, or, if wrk is not installed, Python threads with httpx.

Prints a Markdown section for docs/benchmarks.md and one ``RESULT {json}`` line.
The goal: the API at ≥ 0.7× the floor's requests/s. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

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

from gongjian.kit.scope import SYSTEM, Action

GOAL = 0.7
SETTINGS = "bench.list_api_settings"

WRK_SCRIPT = """
local pages = tonumber(os.getenv("GJ_PAGES"))
local base = os.getenv("GJ_PATH")
local token = os.getenv("GJ_TOKEN")
local n = 0
request = function()
  n = n + 1
  local page = (n %% pages) + 1
  return wrk.format("GET", base .. page, {["Authorization"] = "Bearer " .. token})
end
done = function(summary, latency, requests)
  local s = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %%d, "seconds": %%.3f, "rps": %%.1f, "p50_ms": %%.2f, "p95_ms": %%.2f, "p99_ms": %%.2f, "errors": %%d, "non2xx": %%d}\\n',
    summary.requests, s, summary.requests / s,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


def small_world(projects: int = 120) -> None:
    """A city, two districts and ``projects`` projects: enough pages for ``--smoke``."""
    import datetime as dt

    from gongjian.projects import services as project_services
    from gongjian.units import services as unit_services

    city = unit_services.unit_create(actor=SYSTEM, name="锦州市", kind="city", code="210700")
    districts = [
        unit_services.unit_create(actor=SYSTEM, name=name, kind="district", code=code, parent=city)
        for name, code in (("古塔区", "210702"), ("凌河区", "210703"))
    ]
    for i in range(projects):
        project_services.project_create(
            actor=SYSTEM,
            code=f"S{i:04d}",
            name=f"冒烟项目{i}",
            unit=districts[i % 2],
            category="industry",
            total_investment=10**8 + i,
            stage_events=[("signed", dt.date(2024, 3, 1))],
        )


def phase_setup(args) -> dict:
    django_setup(args.database_url, debug=False)
    from django.db.models import Count

    from gongjian.projects.models import Project
    from gongjian.units import services as unit_services
    from gongjian.units.models import Role, Unit

    migrate()
    if args.projects:
        pass  # the province is there already: copied (or generated) by the parent
    elif args.smoke:
        small_world()
    else:
        from gongjian.demo.loader import load_demo

        load_demo(log=lambda m: None)
    # the district with the most projects in its subtree: projects counted per unit in
    # one grouped query, then summed under each district's path
    per_path = (
        Project.objects.values_list("unit__path").annotate(n=Count("pk")).order_by("unit__path")
    )
    counts = dict(per_path)
    districts = Unit.objects.filter(kind__in=["district", "county", "county_city"])
    best, best_n = None, -1
    for unit in districts:
        n = sum(c for path, c in counts.items() if path.startswith(unit.path))
        if n > best_n:
            best, best_n = unit, n
    stage = (
        Project.objects.in_subtree(best)
        .values("stage")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    user = unit_services.user_create(
        actor=SYSTEM, username="listbench", memberships=[(best, Role.OPERATOR)]
    )
    _, key = unit_services.api_token_issue(user=user, name="bench")
    rows = (
        Project.objects.restrict(user, Action.VIEW)
        .in_subtree(best)
        .filter(stage=stage["stage"])
        .count()
    )
    return {
        "token": key,
        "unit": best.pk,
        "unit_name": best.name,
        "stage": stage["stage"],
        "rows": rows,
        "projects": Project.objects.count(),
        "pages": max(1, math.ceil(rows / 50)),
    }


def same_rows(base: str, token: str, api: str, floor: str, pages: int) -> bool:
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    for page in sorted({1, pages}):
        a = httpx.get(base + api + str(page), headers=headers, timeout=30).json()
        f = httpx.get(base + floor + str(page), headers=headers, timeout=30).json()
        if a["count"] != f["count"] or [r["id"] for r in a["items"]] != [
            r["id"] for r in f["items"]
        ]:
            return False
    return True


def load_wrk(base: str, path: str, token: str, pages: int, args, tmp: Path) -> dict:
    script = tmp / "pages.lua"
    script.write_text(WRK_SCRIPT.replace("%%", "%"))
    env = {"GJ_PAGES": str(pages), "GJ_PATH": path, "GJ_TOKEN": token, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [
            shutil.which("wrk"), "-t1", f"-c{args.connections}", f"-d{args.duration}s",
            "--timeout", "30s", "-s", str(script), base,
        ],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def load_python(base: str, path: str, token: str, pages: int, args) -> dict:
    import httpx

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + args.duration

    def worker(k: int) -> None:
        n = k
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            while time.monotonic() < deadline:
                n += 1
                start = time.perf_counter()
                try:
                    ok = http.get(base + path + str(n % pages + 1)).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    latencies.append(time.perf_counter() - start)
                    errors[0] += not ok

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - start
    return {
        "requests": len(latencies),
        "seconds": round(seconds, 3),
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(pct(latencies, 50) * 1000, 2),
        "p95_ms": round(pct(latencies, 95) * 1000, 2),
        "p99_ms": round(pct(latencies, 99) * 1000, 2),
        "errors": errors[0],
        "non2xx": 0,
    }


def combine(runs: list[dict]) -> dict:
    """Rounds of one target: requests/s over all rounds; latencies the rounds' median."""
    requests = sum(r["requests"] for r in runs)
    seconds = sum(r["seconds"] for r in runs)

    def median(key: str) -> float:
        values = sorted(r[key] for r in runs)
        return values[len(values) // 2]

    return {
        "requests": requests,
        "seconds": round(seconds, 3),
        "rps": round(requests / seconds, 1),
        "p50_ms": median("p50_ms"),
        "p95_ms": median("p95_ms"),
        "p99_ms": median("p99_ms"),
        "errors": sum(r["errors"] for r in runs),
        "non2xx": sum(r["non2xx"] for r in runs),
        "rounds_rps": [r["rps"] for r in runs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per round and target")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per target")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--projects", type=int, help="a gen-scale province of N projects")
    scale_arguments(parser)
    parser.add_argument("--database-url", default=None, help=f"default {DEFAULT_PG}")
    parser.add_argument("--client", choices=["wrk", "python"], help="default: wrk if installed")
    parser.add_argument("--smoke", action="store_true", help="SQLite, a second per target")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase_setup(args), ensure_ascii=False))
        return
    if args.smoke:
        args.duration, args.connections, args.rounds = 1, 2, 1
    elif args.database_url is None:
        args.database_url = DEFAULT_PG
    client = args.client or ("wrk" if shutil.which("wrk") else "python")
    with tempfile.TemporaryDirectory(prefix="gongjian-list-") as tmp:
        tmp_path = Path(tmp)
        url = fresh_database(args.database_url, tmp_path, "list_api")
        if args.projects:
            scale_copy(url, args.projects, args.scale_database, replace=args.replace)
        env = server_env(url, tmp_path, settings=SETTINGS)
        cmd = [sys.executable, __file__, "--phase", "setup", "--database-url", url]
        if args.smoke:
            cmd.append("--smoke")
        if args.projects:
            cmd += ["--projects", str(args.projects)]
        t0 = time.perf_counter()
        out = subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
        world = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"data: {world} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        query = f"?unit={world['unit']}&stage={world['stage']}&page="
        targets = {"api": "/api/projects" + query, "floor": "/floor/projects" + query}
        server = Server(env, args.workers)
        try:
            server.wait_ready()
            same = same_rows(
                server.base, world["token"], targets["api"], targets["floor"], world["pages"]
            )
            # alternate short rounds, so that both targets share whatever else the machine does
            rounds: dict[str, list[dict]] = {name: [] for name in targets}
            for _ in range(args.rounds):
                for name, path in targets.items():
                    if client == "wrk":
                        one = load_wrk(
                            server.base, path, world["token"], world["pages"], args, tmp_path
                        )
                    else:
                        one = load_python(server.base, path, world["token"], world["pages"], args)
                    rounds[name].append(one)
                    print(f"{name}: {one}", file=sys.stderr)
            results = {name: combine(runs) for name, runs in rounds.items()}
        finally:
            server.stop()
        machine = machine_line(url, server=True)
    ratio = results["api"]["rps"] / results["floor"]["rps"] if results["floor"]["rps"] else 0
    result = {
        "database": database_label(url),
        "client": client,
        "workers": args.workers,
        "connections": args.connections,
        "projects": world["projects"],
        "rows": world["rows"],
        "pages": world["pages"],
        "same_rows": same,
        "api": results["api"],
        "floor": results["floor"],
        "ratio": round(ratio, 2),
        "goal_met": ratio >= GOAL,
    }
    a, f = results["api"], results["floor"]
    print(f"""## List API vs a bare Django view (bench/bench_list_api.py)

{machine}.
`gongjian serve --workers {args.workers}` (gunicorn sync), {result["database"]}, DEBUG off;
{world["projects"]:,} projects; a district operator's token; `GET /api/projects?unit={world["unit_name"]}&stage={world["stage"]}&page=1…{world["pages"]}`
({world["rows"]:,} rows, 50 a page) against `/floor/projects` (the same rows by `.values()`);
load from {"wrk, 1 thread" if client == "wrk" else "Python threads (httpx)"}, {args.connections} connections, loopback; {args.rounds} alternating
rounds of {args.duration} s per target (req/s over all rounds: API {a["rounds_rps"]}, floor {f["rounds_rps"]};
latencies: the rounds' median).
Same ids and count from both: {"yes" if same else "NO"}.

| target | req/s | p50 ms | p95 ms | p99 ms | errors |
| --- | --- | --- | --- | --- | --- |
| /api/projects (django-ninja, schema, filter class) | {a["rps"]} | {a["p50_ms"]} | {a["p95_ms"]} | {a["p99_ms"]} | {a["errors"] + a["non2xx"]} |
| floor: bare view with `.values()` | {f["rps"]} | {f["p50_ms"]} | {f["p95_ms"]} | {f["p99_ms"]} | {f["errors"] + f["non2xx"]} |

Ratio API / floor: **{ratio:.2f}** (goal ≥ {GOAL}: {"met" if ratio >= GOAL else "missed"}).
""")
    print("RESULT " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
