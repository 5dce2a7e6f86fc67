"""``gongjian clock``: show or set the date the instance judges everything at (kit.clock)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from gongjian.kit import clock


class Command(BaseCommand):
    help = "系统日期:页面、期限、办结时限与报告均按该日期判断(默认真实日期)"

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--set", metavar="YYYY-MM-DD", help="固定为该日期(如演示数据)")
        group.add_argument("--real", action="store_true", help="恢复为真实日期")

    def handle(self, *args, **options):
        if options["set"]:
            try:
                day = dt.date.fromisoformat(options["set"])
            except ValueError as exc:
                raise CommandError(f"日期“{options['set']}”格式应为 YYYY-MM-DD") from exc
            clock.clock_set(day)
        elif options["real"]:
            clock.clock_set(None)
        how = "固定日期" if clock.is_fixed() else "真实日期"
        self.stdout.write(f"系统日期:{clock.today()}({how})")
