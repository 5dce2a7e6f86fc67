from django.core.management.base import BaseCommand, CommandError

from gongjian.demo.scale import SEED, generate


class Command(BaseCommand):
    help = (
        "Write a synthetic province (units, indicators, targets, projects, stage history, "
        "progress reports, problems) for scale tests and benchmarks, into an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=100_000, help="number of projects")
        parser.add_argument(
            "--reports-per-project",
            type=int,
            default=50,
            help="progress reports per project on the year's list, spread over the year",
        )
        parser.add_argument("--units", type=int, default=300, help="approximate number of units")
        parser.add_argument("--seed", type=int, default=SEED)
        parser.add_argument(
            "--report-history",
            action="store_true",
            help="also write a history row per progress report (doubles the largest table)",
        )

    def handle(self, *args, **o):
        try:
            result = generate(
                projects=o["projects"],
                reports_per_project=o["reports_per_project"],
                units=o["units"],
                seed=o["seed"],
                report_history=o["report_history"],
                log=lambda m: self.stdout.write(m),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for name, count in result.rows.items():
            self.stdout.write(f"  {name}: {count:,}")
        self.stdout.write(
            f"用时 {result.seconds:.1f} 秒,共 {result.total_rows:,} 行,"
            f"{result.rows_per_second:,.0f} 行/秒"
        )
