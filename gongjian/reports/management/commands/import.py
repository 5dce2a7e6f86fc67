"""``gongjian import KIND FILE.xlsx [--skip-bad-rows]``: any registered import (projects,
reports, enterprises, outreach, leads, appeals, policies)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongjian.kit.scope import SYSTEM
from gongjian.kit.tabular.files import BadFile
from gongjian.kit.tabular.imports import importers
from gongjian.kit.tabular.schema import HeaderError
from gongjian.reports.models import ColumnMapping
from gongjian.units.models import User


class Command(BaseCommand):
    help = "Import a sheet (project list, progress reports, enterprises …) in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(importers.keys()))
        parser.add_argument("file")
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="import the good rows and write the bad ones to an error sheet",
        )
        parser.add_argument("--user", help="import as this user (their scope applies)")
        parser.add_argument("--mapping", help="a saved column mapping's name")
        parser.add_argument("--errors", help="where to write the error sheet (.xlsx)")

    def handle(
        self,
        *args,
        kind,
        file,
        skip_bad_rows=False,
        user=None,
        mapping=None,
        errors=None,
        **options,
    ):
        actor = SYSTEM
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"用户“{user}”不存在")
        columns = None
        if mapping:
            saved = ColumnMapping.objects.filter(schema=kind, name=mapping).first()
            if saved is None:
                raise CommandError(f"列名对照“{mapping}”不存在")
            columns = saved.mapping
        path = Path(file)
        if not path.exists():
            raise CommandError(f"文件不存在:{file}")
        tty = sys.stderr.isatty()

        def progress(done, total):
            if total:
                bar = "#" * int(30 * done / total)
                end = "\r" if tty else "\n"
                self.stderr.write(f"[{bar:<30}] {done}/{total} 行", ending=end)

        try:
            result = importers[kind].run(
                actor=actor,
                path=path,
                skip_bad_rows=skip_bad_rows,
                mapping=columns,
                progress=progress,
                file_name=path.name,
            )
        except (BadFile, HeaderError) as exc:
            raise CommandError(str(exc)) from None
        if tty:
            self.stderr.write("")
        for row, column, message in result.errors[:50]:
            self.stderr.write(
                f"第 {row} 行,{column}:{message}" if column else f"第 {row} 行:{message}"
            )
        if result.error_count > 50:
            self.stderr.write(f"……共 {result.error_count} 个错误")
        if result.error_file is not None:
            target = Path(errors) if errors else path.with_name(path.stem + "-错误行.xlsx")
            target.write_bytes(result.error_file.read_bytes())
            result.error_file.unlink(missing_ok=True)
            self.stderr.write(f"错误行已写入 {target}")
        if not result.saved:
            raise CommandError(result.message)
        self.stdout.write(result.message)
