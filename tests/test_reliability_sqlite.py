"""The reporting deadline on SQLite: several server processes writing at once wait their
turn instead of failing with "database is locked".

Each worker process loads ``gongjian.settings`` against one SQLite file (``DATABASE_URL``),
so its connection is configured exactly as `gongjian serve`'s workers are (WAL, the busy
timeout, the transaction mode), and runs transactions shaped like a report submission
(``projects.services.progress_report_submit``): read first, then write. In WAL mode
SQLite refuses a deferred transaction's first write at once, without waiting, when another
connection wrote since it began reading; a transaction that takes the write lock when it
begins waits for it instead.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.factories import subprocess_environment

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 4
SUBMISSIONS = 25  # per worker

WORKER = r"""
import json, os, sys, time

import django

django.setup()
from django.db import connection, transaction
from django.db.utils import OperationalError

go, me, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
connection.ensure_connection()
while not os.path.exists(go):  # every worker set up: all start at once
    time.sleep(0.002)
done, errors = 0, []
for _ in range(count):
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # as a report submission: read (the project, the earlier report) ...
                cursor.execute("SELECT COALESCE(MAX(n), 0) FROM submission")
                last = cursor.fetchone()[0]
                time.sleep(0.003)
                # ... then write what the reading decided
                cursor.execute(
                    "INSERT INTO submission (n, worker) VALUES (%s, %s)", [last + 1, me]
                )
        done += 1
    except OperationalError as exc:
        errors.append(str(exc))
print(json.dumps({"done": done, "errors": errors}))
"""


def _environment(tmp_path: Path) -> dict[str, str]:
    return subprocess_environment(tmp_path, "surge.sqlite3")


def test_concurrent_read_then_write_transactions_wait_instead_of_failing(tmp_path):
    database = tmp_path / "surge.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE submission (n INTEGER NOT NULL UNIQUE, worker INTEGER)")
    go = tmp_path / "go"
    env = _environment(tmp_path)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(go), str(i), str(SUBMISSIONS)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(WORKERS)
    ]
    time.sleep(0.5)  # most of them connected and waiting; a late one joins the surge
    go.touch()
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))

    errors = [e for r in results for e in r["errors"]]
    locked = [e for e in errors if "locked" in e]
    assert not locked, f"{len(locked)} of {WORKERS * SUBMISSIONS} submissions: {locked[0]}"
    assert errors == []
    assert sum(r["done"] for r in results) == WORKERS * SUBMISSIONS
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT COUNT(*), MAX(n) FROM submission").fetchone()
    # every transaction saw the one before it: no two read the same last number
    assert rows == (WORKERS * SUBMISSIONS, WORKERS * SUBMISSIONS)
