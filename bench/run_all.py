"""Run every benchmark script of bench/ on SQLite and on PostgreSQL (``make bench``).

Usage::

    .venv/bin/python bench/run_all.py [--projects 100000] [--pg postgres://…/gj_bench]
        [--only dashboard,dispatch] [--databases sqlite,postgres]

Each ``bench/bench_*.py`` runs in turn with its size option and database: the scale
benchmarks (dashboard, 调度通报) share one ``gongjian gen-scale`` database per engine
(generated once, reused while the size stays the same) and merge their rows into
docs/benchmarks.md; every other script gets a database of its own (``<pg>_<name>``,
dropped and created again) or a fresh SQLite file. A script's failure is reported at
the end and does not stop the others. bench_words.py runs only when
``GONGJIAN_CORPUS_DIR`` and ``GONGJIAN_SEED_FILE`` name its corpus.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import recreate_database

HERE = Path(__file__).resolve().parent
SCALE = {"bench_dashboard", "bench_dispatch"}
# size option of each script (scripts not named here get no size option)
SIZE = {
    "bench_dashboard": "--projects",
    "bench_dispatch": "--projects",
    "bench_excel": "--rows",
    "bench_list_api": "--projects",
    "bench_load": "--projects",
    "bench_mechanisms": "--projects",
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
        cmd += [SIZE[name], str(args.projects)]
    if name in SCALE:
        cmd += ["--replace", "--write"]
        if engine == "postgres":
            cmd += ["--database-url", args.pg]
        return cmd
    if engine == "postgres":
        url = f"{args.pg}_{name.removeprefix('bench_')}"
        recreate_database(url)
        return [*cmd, "--database-url", url]
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
    failed = []
    for engine in args.databases.split(","):
        if engine == "postgres" and SCALE & set(names):
            try:
                import psycopg

                psycopg.connect(args.pg.replace("postgres://", "postgresql://", 1)).close()
            except Exception:  # the scale database does not exist yet: create it
                recreate_database(args.pg)
        for name in names:
            with tempfile.TemporaryDirectory(prefix="gongjian-bench-") as tmp:
                cmd = commands(name, engine, args, Path(tmp))
                if cmd is None:
                    continue
                print(f"\n### {name} on {engine}: {' '.join(cmd[1:])}", flush=True)
                if subprocess.run(cmd, cwd=HERE.parent).returncode:
                    failed.append(f"{name} ({engine})")
    if failed:
        print("\nfailed: " + ", ".join(failed))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
