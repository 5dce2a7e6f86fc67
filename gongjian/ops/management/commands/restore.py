"""``gongjian restore PATH [--yes]``: replace the database and the uploaded files with a
backup's. Stop the server first."""

import sys

from django.core.management.base import BaseCommand, CommandError

from gongjian.ops.services import (
    ENGINE_NAMES,
    BackupError,
    backup_read,
    backup_restore,
    restore_check,
)


class Command(BaseCommand):
    help = "Restore the database and the uploaded files from a `gongjian backup` archive."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .tar.gz archive written by `gongjian backup`")
        parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args, path, yes=False, database="default", **options):
        try:
            manifest = backup_read(path)
            restore_check(manifest, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not yes:
            self.stdout.write(
                f"备份创建于 {manifest.created or '未知时间'}(gongjian {manifest.version}),"
                f"{ENGINE_NAMES[manifest.engine]} 数据库与 {manifest.media_files} 个上传文件。\n"
                "恢复将覆盖当前数据库和全部上传文件,当前数据将丢失。"
            )
            if not sys.stdin or not sys.stdin.isatty():
                raise CommandError("需要确认:请在终端中运行,或加 --yes 参数")
            answer = input("确认恢复请输入 yes:").strip().lower()
            if answer != "yes":
                raise CommandError("已取消,未做任何改动")
        try:
            result = backup_restore(path, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已从 {path} 恢复数据库与 {manifest.media_files} 个上传文件")
        if result.migrated:
            self.stdout.write(f"备份来自较早的版本,已执行 {len(result.migrated)} 个数据库迁移")
