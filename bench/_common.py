"""What the benchmark scripts share: Django set-up, scratch databases (the Jinzhou demo,
the ``gongjian gen-scale`` province and copies of it), the production server, timing,
peak memory, the machine line and the docs/benchmarks.md tables.

Also a command, run by the scripts in a child process of its own::

    .venv/bin/python bench/_common.py scale --database-url URL --projects N
        [--reports-per-project 50] [--replace]

which makes sure ``URL`` holds the synthetic province at ``N`` projects (generating it
when the database is empty)."""

from __future__ import annotations

import argparse
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# the database the server benchmarks use when given none (dropped and created again)
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/gj_load_bench"
REPORTS_PER_PROJECT = 50  # progress reports per project of the scale province


# --- timing and memory ---------------------------------------------------------------


def best_run(fn, n: int = 3) -> tuple[float, object]:
    """The fastest of ``n`` runs of ``fn`` in seconds, and what the last run returned."""
    times, result = [], None
    for _ in range(n):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def best_of(fn, n: int = 3) -> float:
    """The fastest of ``n`` runs of ``fn``, in seconds."""
    return best_run(fn, n)[0]


def peak_mb() -> float:
    """This process's maximum resident size so far, in MB (``ru_maxrss``, KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time (user + system) this process has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def pct(values: list[float], p: float) -> float:
    """The ``p``-th percentile of ``values`` (nearest rank); NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# --- Django and databases ------------------------------------------------------------


def django_setup(
    database_url: str | None = None, *, var_dir: Path | str | None = None, debug: bool = True
) -> None:
    """Point Django at ``database_url`` (default: the ``DATABASE_URL`` already in the
    environment) and set it up. ``debug=False`` runs as production does (no query log),
    unless ``GONGJIAN_DEBUG`` is set; ``var_dir`` moves uploads, exports and logs."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    if var_dir is not None:
        os.environ["GONGJIAN_VAR_DIR"] = str(var_dir)
    if not debug:
        os.environ.setdefault("GONGJIAN_DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongjian.settings")
    import django

    django.setup()


def migrate() -> None:
    """``migrate`` the database Django points at. A new SQLite file starts as a copy of an
    empty database migrated before — kept beside the demo's cached database and keyed the
    same way (``prepare_demo``) — since migrating from nothing takes ~40 s, most of a
    smoke run."""
    from django.core.management import call_command
    from django.db import connection

    from gongjian.demo.management.commands.prepare_demo import (
        _copy,
        cache_dir,
        cache_key,
        keep_copy,
    )

    if connection.vendor != "sqlite":
        call_command("migrate", verbosity=0)
        return
    path = Path(connection.settings_dict["NAME"])
    fresh = not path.exists() or path.stat().st_size == 0
    cached = cache_dir() / f"empty-{cache_key()}.sqlite3"
    if fresh and cached.exists():
        connection.close()
        _copy(cached, path)
    call_command("migrate", verbosity=0)
    if fresh and not cached.exists():
        connection.close()
        try:
            keep_copy(path, cached)
        except OSError:  # a read-only home: the next run migrates again
            pass


def is_postgres(database_url: str) -> bool:
    return database_url.startswith(("postgres://", "postgresql://"))


def database_label(database_url_or_vendor: str) -> str:
    """``PostgreSQL`` or ``SQLite``, from a database URL or a Django vendor name."""
    value = database_url_or_vendor
    return "PostgreSQL" if value == "postgresql" or is_postgres(value) else "SQLite"


def _sqlite_path(database_url: str) -> Path:
    return Path(database_url.split("sqlite:///", 1)[1])


def _pg_admin(database_url: str) -> tuple[str, str]:
    """(URL of the server's ``postgres`` database, the database name of ``database_url``)."""
    parts = urlsplit(database_url)
    scheme = "postgresql" if parts.scheme == "postgres" else parts.scheme
    return urlunsplit((scheme, parts.netloc, "/postgres", parts.query, "")), parts.path.lstrip("/")


def _pg_execute(database_url: str, *statements: str) -> None:
    import psycopg

    admin, _name = _pg_admin(database_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def fresh_database(database_url: str | None, tmp: Path | str, name: str = "bench") -> str:
    """An empty database: PostgreSQL ``database_url`` dropped and created again, a SQLite
    file removed, or (no URL) a new SQLite file ``<tmp>/<name>.sqlite3``. Never the
    ``DATABASE_URL`` of the calling shell. Returns the URL."""
    if not database_url:
        return f"sqlite:///{Path(tmp) / f'{name}.sqlite3'}"
    if is_postgres(database_url):
        _admin, db = _pg_admin(database_url)
        _pg_execute(
            database_url, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)', f'CREATE DATABASE "{db}"'
        )
    else:
        path = _sqlite_path(database_url)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return database_url


def ensure_database(database_url: str) -> None:
    """Create the PostgreSQL database of ``database_url`` when it does not exist yet."""
    if not is_postgres(database_url):
        return
    import psycopg

    admin, db = _pg_admin(database_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{db}"')


def copy_database(source_url: str, target_url: str) -> str:
    """Make ``target_url`` a copy of ``source_url`` (same engine): PostgreSQL ``CREATE
    DATABASE … TEMPLATE`` (nobody may be connected to the source), SQLite the backup
    API. Seconds, not the minutes generating the rows again takes."""
    if is_postgres(source_url) != is_postgres(target_url):
        raise SystemExit(f"cannot copy {source_url} into {target_url}: not the same engine")
    if is_postgres(source_url):
        import psycopg

        _admin, source = _pg_admin(source_url)
        _admin, target = _pg_admin(target_url)
        _pg_execute(target_url, f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        for attempt in range(5):
            try:
                _pg_execute(target_url, f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
                break
            except psycopg.errors.ObjectInUse:  # a session still on the source: wait a bit
                if attempt == 4:
                    raise
                time.sleep(3)
        return target_url
    import sqlite3

    fresh_database(target_url, "")
    source = sqlite3.connect(_sqlite_path(source_url))
    target = sqlite3.connect(_sqlite_path(target_url))
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return target_url


def setup_demo_database(database_url: str | None) -> float:
    """Point Django at ``database_url`` (dropped and created again; default: a new SQLite
    file), migrate, load the Jinzhou demo; returns the seconds the demo took to load."""
    tmp = "" if database_url else tempfile.mkdtemp(prefix="gj-bench-")
    url = fresh_database(database_url, tmp)
    django_setup(url)
    from gongjian.demo.loader import load_demo

    migrate()
    start = time.perf_counter()
    load_demo(log=lambda m: None)
    return time.perf_counter() - start


def analyze() -> None:
    """Planner statistics after a bulk fill, on PostgreSQL: what autovacuum gathers a
    minute or so after the rows land. Measured right after the fill without them, a
    grouped query plans as if the tables were nearly empty (nested loops over 30,000
    projects: a minute instead of 0.15 s). SQLite keeps no statistics unless told, as the
    product runs it, and is left so."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


# --- scale databases (``gongjian gen-scale``) --------------------------------------------


def scale_database_url(database_url: str | None, projects: int) -> str:
    """``database_url``, or a SQLite file in the temporary directory named after the size
    (reused by later runs at the same size)."""
    if database_url:
        return database_url
    return f"sqlite:///{Path(tempfile.gettempdir()) / f'gongjian-scale-{projects}.sqlite3'}"


def setup_scale_database(
    database_url: str,
    projects: int,
    reports_per_project: int = REPORTS_PER_PROJECT,
    *,
    replace: bool = False,
    log=print,
) -> dict:
    """Point Django at ``database_url`` (created when missing), migrate, and make sure it
    holds the synthetic province at ``projects`` projects (generating it when the database
    is empty; with ``replace``, flushing a database that holds another size). Returns
    what was done."""
    ensure_database(database_url)
    django_setup(database_url)
    from django.core.management import call_command
    from django.db import connection

    from gongjian.demo.scale import PROVINCE, generate
    from gongjian.projects.models import Project
    from gongjian.units.models import Unit

    start = time.perf_counter()
    migrate()
    migrated = time.perf_counter() - start
    province = Unit.objects.filter(code=PROVINCE[0]).first()
    count = Project.all_objects.in_subtree(province).count() if province else 0
    info = {"vendor": connection.vendor, "migrate_seconds": migrated, "generated": None}
    if count and count != projects:
        if not replace:
            raise SystemExit(
                f"the database holds a province of {count:,} projects, not {projects:,}: "
                "pass --replace to empty it, or use another database"
            )
        call_command("flush", interactive=False, verbosity=0)
        count = 0
    if not count:
        result = generate(projects=projects, reports_per_project=reports_per_project, log=log)
        info["generated"] = {
            "seconds": result.seconds,
            "rows": result.total_rows,
            "rows_per_second": result.rows_per_second,
        }
    return info


def scale_arguments(parser) -> None:
    """``--scale-database`` and ``--replace``: where a script's province of ``--projects``
    is kept and copied from (``scale_copy``)."""
    parser.add_argument(
        "--scale-database",
        help="where the province of --projects is kept and copied from (default: SQLite "
        "the temp-directory file, PostgreSQL generated in place)",
    )
    parser.add_argument(
        "--replace", action="store_true", help="empty a scale database of another size"
    )


def scale_copy(
    target_url: str,
    projects: int,
    source_url: str | None = None,
    *,
    reports_per_project: int = REPORTS_PER_PROJECT,
    replace: bool = False,
) -> str:
    """Put the province at ``projects`` projects into ``target_url``: a copy of the one
    kept in ``source_url`` (default for a SQLite target: the file of
    :func:`scale_database_url`, which bench_dashboard.py uses too), generated there first
    when the source does not hold it yet; with no source (a PostgreSQL target and no
    ``source_url``), generated in ``target_url`` itself. Generation runs in a child
    process. The benchmarks that write into a province work on such a copy, so that the
    province is generated once per size and engine and the shared one stays as it was."""
    if source_url is None and not is_postgres(target_url):
        source_url = scale_database_url(None, projects)
    source = source_url or target_url
    cmd = [sys.executable, __file__, "scale", "--database-url", source, "--projects", str(projects)]
    cmd += ["--reports-per-project", str(reports_per_project), *(["--replace"] if replace else [])]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=sys.stderr)
    ready = time.perf_counter()
    note = f"province of {projects:,} projects: ready in {ready - start:.1f} s"
    if source != target_url:
        copy_database(source, target_url)
        note += f", copied in {time.perf_counter() - ready:.1f} s"
    print(note, file=sys.stderr)
    return target_url


# --- the production server ---------------------------------------------------------


def server_env(database_url: str, var_dir: Path, settings: str = "gongjian.settings") -> dict:
    """The environment of ``gongjian`` child processes: ``database_url``, ``var_dir``,
    debug off, the repository on the path (for the bench-only settings)."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        GONGJIAN_VAR_DIR=str(var_dir),
        GONGJIAN_DEBUG="0",
        DJANGO_SETTINGS_MODULE=settings,
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``gongjian serve`` in a child process (the gunicorn master, after its exec)."""

    def __init__(self, env: dict, workers: int, threads: int = 1, port: int = 0):
        self.port = port or free_port()
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


# --- the machine line and docs/benchmarks.md sections --------------------------------

BENCHMARKS_MD = ROOT / "docs" / "benchmarks.md"


def database_version(database_url: str | None = None) -> str:
    """``PostgreSQL 15.20`` / ``SQLite 3.40.1``: of ``database_url``, or (no URL) of
    Django's connection."""
    if database_url is None:
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SHOW server_version")
                return f"PostgreSQL {cur.fetchone()[0].split()[0]}"
    elif is_postgres(database_url):
        import psycopg

        parts = urlsplit(database_url)
        url = urlunsplit(("postgresql", *parts[1:]))
        with psycopg.connect(url) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        return f"PostgreSQL {version.split()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def _cpu_model() -> str:
    import platform

    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_line(database_url: str | None = None, *, server: bool = False) -> str:
    """Date, versions (gunicorn's with ``server``), database, machine and load for a
    benchmark section; the database is ``database_url``'s or Django's connection's."""
    import datetime as dt
    import platform

    import django

    versions = [f"Python {platform.python_version()}", f"Django {django.get_version()}"]
    if server:
        import gunicorn

        versions.append(f"gunicorn {gunicorn.__version__}")
    versions.append(database_version(database_url))
    return (
        f"{dt.date.today().isoformat()}: {', '.join(versions)}; {os.cpu_count()} CPUs "
        f"({_cpu_model()}, {platform.machine()}), {platform.system()} {platform.release()}, "
        f"load average {os.getloadavg()[0]:.1f} when it started"
    )


def merge_doc_table(
    title: str,
    intro: str,
    header: list[str],
    rows: list[list[str]],
    keys: int = 2,
    doc: Path | None = None,
):
    """Keep one section ``## title`` of docs/benchmarks.md (or of ``doc``): its text
    ``intro`` and a table whose rows are merged with the rows already there (a row replaces
    the one with the same first ``keys`` cells), so runs at several sizes and databases
    build one curve."""
    target = doc or BENCHMARKS_MD
    text = target.read_text(encoding="utf-8") if target.exists() else "# Benchmarks\n"
    heading = f"## {title}"
    old_rows: dict[tuple, list[str]] = {}
    start = text.find(heading + "\n")
    if start >= 0:
        end = text.find("\n## ", start + len(heading))
        end = len(text) if end < 0 else end + 1
        for line in text[start:end].splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("| ") and len(cells) == len(header) and cells != header:
                if not set(cells[0]) <= {"-", " "}:
                    old_rows[tuple(cells[:keys])] = cells
        before, after = text[:start], text[end:]
    else:
        before, after = text.rstrip("\n") + "\n\n", ""
    for row in rows:
        old_rows[tuple(row[:keys])] = row
    ordered = sorted(old_rows.values(), key=_row_order)
    table = "\n".join(
        ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
        + ["| " + " | ".join(r) + " |" for r in ordered]
    )
    section = f"{heading}\n\n{intro.strip()}\n\n{table}\n"
    target.write_text(before + section + ("\n" + after if after else ""), encoding="utf-8")


def _row_order(row: list[str]):
    def number(cell: str) -> float:
        digits = cell.replace(",", "")
        try:
            return float(digits)
        except ValueError:
            return float("inf")

    return (row[0], number(row[1]) if len(row) > 1 else 0, row[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description="Make sure a database holds the province.")
    parser.add_argument("command", choices=["scale"])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--projects", type=int, required=True)
    parser.add_argument("--reports-per-project", type=int, default=REPORTS_PER_PROJECT)
    parser.add_argument("--replace", action="store_true", help="empty a database of another size")
    args = parser.parse_args()
    info = setup_scale_database(
        args.database_url, args.projects, args.reports_per_project, replace=args.replace
    )
    if info["generated"]:
        g = info["generated"]
        print(f"generated in {g['seconds']:.1f} s ({g['rows']:,} rows)")


if __name__ == "__main__":
    main()
