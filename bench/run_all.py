"""Run every benchmark script of bench/ on SQLite and on PostgreSQL (``make bench``).

Usage::

    .venv/bin/python bench/run_all.py [--projects 100000] [--pg postgres://…/gj_bench]
        [--only dashboard,dispatch] [--databases sqlite,postgres]

Each ``bench/bench_*.py`` runs in turn with its size option and database. The province
(``gongjian gen-scale`` at ``--projects``) is generated once per engine, in the ``--pg``
database or a SQLite file in the temporary directory, and reused while the size stays
the same: the scale benchmarks (dashboard, 调度通报) read it and merge their rows into
docs/benchmarks.md; the list API and the deadline surge work on a copy of it in their
own database. Every other script gets a database of its own (``<pg>_<name>`` or a fresh
SQLite file), which the script drops and creates again itself. A script's failure is
reported at the end and does not stop the others. bench_words.py runs only when
``GONGJIAN_CORPUS_DIR`` and ``GONGJIAN_SEED_FILE`` name its corpus.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# the scale benchmarks: they read the province itself
SCALE = {"bench_dashboard", "bench_dispatch"}
# they write into the province: each works on a copy in its own database
SCALE_COPY = {"bench_list_api", "bench_load"}
# size option of each script and its value per project of --projects (scripts not
# named here get no size option)
SIZE = {
    "bench_attraction": ("--enterprises", 1),
    "bench_dashboard": ("--projects", 1),
    "bench_dispatch": ("--projects", 1),
    "bench_excel": ("--rows", 1),
    "bench_list_api": ("--projects", 1),
    "bench_load": ("--projects", 1),
    "bench_mechanisms": ("--projects", 1),
    "bench_services": ("--appeals", 2),
}
# scripts that run both engines themselves: once, in the PostgreSQL pass
BOTH = {"bench_faults"}


def commands(name: str, engine: str, args, tmp: Path) -> list[str] | None:
    cmd = [sys.executable, str(HERE / f"{name}.py")]
    if name == "bench_words":
        corpus, seed = os.environ.get("GONGJIAN_CORPUS_DIR"), os.environ.get("GONGJIAN_SEED_FILE")
        if engine != "sqlite" or not corpus or not seed:
            return None
        return [*cmd, "--corpus", corpus, "--seed", seed]
    if name in BOTH and engine != "postgres":
        return None
    if name in SIZE:
        option, per_project = SIZE[name]
        cmd += [option, str(args.projects * per_project)]
    if name in SCALE:
        cmd += ["--replace", "--write"]
        if engine == "postgres":
            cmd += ["--database-url", args.pg]
        return cmd
    if name in SCALE_COPY:
        cmd += ["--replace"]
        if engine == "postgres":
            cmd += ["--scale-database", args.pg]
    if engine == "postgres":
        return [*cmd, "--database-url", f"{args.pg}_{name.removeprefix('bench_')}"]
    return [*cmd, "--database-url", f"sqlite:///{tmp / (name + '.sqlite3')}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/gj_bench")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--only", help="comma-separated script names (dashboard,excel …)")
    args = parser.parse_args()
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if args.only:
        wanted = {f"bench_{n.removeprefix('bench_')}" for n in args.only.split(",")}
        names = [n for n in names if n in wanted]
    failed, took = [], []
    for engine in args.databases.split(","):
        for name in names:
            with tempfile.TemporaryDirectory(prefix="gongjian-bench-") as tmp:
                cmd = commands(name, engine, args, Path(tmp))
                if cmd is None:
                    continue
                print(f"\n### {name} on {engine}: {' '.join(cmd[1:])}", flush=True)
                start = time.perf_counter()
                if subprocess.run(cmd, cwd=HERE.parent).returncode:
                    failed.append(f"{name} ({engine})")
                took.append(f"{name} ({engine}): {time.perf_counter() - start:,.0f} s")
    print("\ntime taken: " + "; ".join(took))
    if failed:
        print("\nfailed: " + ", ".join(failed))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
