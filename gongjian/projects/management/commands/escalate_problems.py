"""``gongjian escalate_problems``: move overdue problems up one level (run daily by cron)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from gongjian.kit.clock import today as clock_today
from gongjian.kit.scope import SYSTEM
from gongjian.projects.services import problems_escalate_overdue, report_obligations_sync


class Command(BaseCommand):
    help = (
        "逾期问题逐级升级(责任单位 → 包保领导 → 市攻坚办督办),并记录各项目应报的调度报告;可重复运行"
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按该日期判断(YYYY-MM-DD),默认系统日期")
        parser.add_argument(
            "--skip-obligations", action="store_true", help="不更新调度报送义务(双高频次)"
        )

    def handle(self, *args, **options):
        today = clock_today()
        if options.get("date"):
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"日期“{options['date']}”格式应为 YYYY-MM-DD") from exc
        moved = problems_escalate_overdue(today=today, actor=SYSTEM)
        for p in moved:
            self.stdout.write(
                f"{p.project.code} {p.project.name}:{p.description[:30]} → {p.get_level_display()}"
            )
        self.stdout.write(f"升级问题 {len(moved)} 个")
        if not options["skip_obligations"]:
            added = report_obligations_sync(year=today.year, through=today)
            self.stdout.write(f"新增调度报送义务 {added} 条")
