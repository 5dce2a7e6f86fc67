"""Dashboards read during a write surge: primary only vs primary + read replica.

Readers sign in as the demo's office and load the city dashboard again and again (the
Django test client, in threads: the whole request, middleware and router included);
writers meanwhile revise progress reports in transactions, as at a reporting deadline.
Run twice on a PostgreSQL database holding the demo — once with ``GONGJIAN_REPLICA_URL``
pointing at a streaming standby of it, once without — and compare (docs/scaling.md):

    DATABASE_URL=postgres://…/db [GONGJIAN_REPLICA_URL=postgres://…:5433/db] \\
        .venv/bin/python bench/replica_surge.py --seconds 30 --readers 4 --writers 4
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongjian.settings")
os.environ.setdefault("GONGJIAN_ALLOWED_HOSTS", "testserver")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from gongjian.kit.db import REPLICA  # noqa: E402
from gongjian.projects.models import ProgressReport  # noqa: E402
from gongjian.units.models import User  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--page", default="/dashboard/")
    args = parser.parse_args()
    office = User.objects.get(username="office")
    report_ids = list(ProgressReport.objects.values_list("pk", flat=True)[:2000])
    stop = threading.Event()
    latencies: list[float] = []
    writes = [0]
    errors: list[str] = []
    lock = threading.Lock()

    def reader() -> None:
        client = Client()
        client.force_login(office)
        try:
            while not stop.is_set():
                started = time.perf_counter()
                response = client.get(args.page)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    errors.append(f"{args.page}: {response.status_code}")
                with lock:
                    latencies.append(elapsed)
        finally:
            connections.close_all()

    def writer(offset: int) -> None:
        i = offset
        try:
            while not stop.is_set():
                pk = report_ids[i % len(report_ids)]
                with transaction.atomic():
                    report = ProgressReport.objects.select_for_update().get(pk=pk)
                    report.progress_text = f"{report.progress_text[:40]}·{i}"
                    report.save(update_fields=["progress_text"])
                i += 7
                with lock:
                    writes[0] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reader) for _ in range(args.readers)]
    threads += [threading.Thread(target=writer, args=(n,)) for n in range(args.writers)]
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    stop.set()
    for thread in threads:
        thread.join()
    latencies.sort()
    mode = "primary + replica" if REPLICA in settings.DATABASES else "primary only"
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
    print(
        f"{mode}: {len(latencies)} dashboards in {args.seconds:.0f} s "
        f"({len(latencies) / args.seconds:.2f}/s), median {statistics.median(latencies):.3f} s, "
        f"p95 {p95:.3f} s; {writes[0]} writes ({writes[0] / args.seconds:.1f}/s); "
        f"errors {len(errors)}"
    )


if __name__ == "__main__":
    main()
