"""``gongjian report dispatch --period 2024-10 [--unit …] --format docx|pdf [--output FILE]``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongjian.kit.dates import Period
from gongjian.reports.dispatch import ReportError, docx_to_pdf, render_docx
from gongjian.units.selectors import root_unit, unit_resolve


class Command(BaseCommand):
    help = "Write the dispatch report (调度通报) for a period as .docx or .pdf."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["dispatch"])
        parser.add_argument("--period", required=True, help="2024-10, 2024-Q3 or 2024")
        parser.add_argument("--unit", help="unit name, GB/T 2260 code or id (default: the city)")
        parser.add_argument("--format", choices=["docx", "pdf"], default="docx")
        parser.add_argument(
            "--output", help="file to write (default: 调度通报-<单位>-<期间>.<format>)"
        )

    def handle(self, *args, kind, period, unit=None, format="docx", output=None, **options):
        try:
            span = Period.parse(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        target = unit_resolve(unit) if unit else root_unit()
        if target is None:
            raise CommandError(f"找不到单位“{unit}”" if unit else "还没有任何单位")
        try:
            data = render_docx(unit=target, period=span)
            if format == "pdf":
                data = docx_to_pdf(data)
        except ReportError as exc:
            raise CommandError(str(exc)) from None
        path = Path(output or f"调度通报-{target.name}-{period}.{format}")
        path.write_bytes(data)
        self.stdout.write(f"已生成 {path}({len(data) // 1024} KB)")
