"""``gongjian rollup``: check the yearly roll-up of progress reports against the reports,
or rebuild it (``projects.rollup``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gongjian.projects import rollup


class Command(BaseCommand):
    help = "核对进度报告的年度汇总(指标引擎按月读取)与报告本身是否一致;--rebuild 按报告重建"

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="按进度报告重建汇总")

    def handle(self, *args, **options):
        if options["rebuild"]:
            with transaction.atomic():
                rollup.rebuild()
            self.stdout.write("已按进度报告重建年度汇总")
        wrong = rollup.differences()
        if wrong:
            raise CommandError(
                f"年度汇总有 {wrong} 行与进度报告不一致,请运行 gongjian rollup --rebuild"
            )
        self.stdout.write("年度汇总与进度报告一致")
