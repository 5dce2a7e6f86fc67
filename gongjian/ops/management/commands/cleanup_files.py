"""``gongjian cleanup_files [--days N] [--dry-run]``: delete temporary files (imports'
stored uploads and error sheets, sheets left in the temporary folder) older than N days.
Run daily by cron, as ``escalate_problems``."""

from django.core.management.base import BaseCommand, CommandError

from gongjian.ops.services import BackupError, cleanup_files, keep_days


class Command(BaseCommand):
    help = "Delete temporary import uploads and error sheets older than N days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="keep files changed within this many days (default: GONGJIAN "
            "TEMP_FILES_KEEP_DAYS, 30)",
        )
        parser.add_argument("--dry-run", action="store_true", help="only list the files")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = keep_days() if days is None else days
        try:
            result = cleanup_files(days, dry_run=dry_run)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for path in result.deleted:
            self.stdout.write(str(path))
        verb = "将删除" if dry_run else "已删除"
        self.stdout.write(
            f"{verb} {len(result.deleted)} 个 {days} 天前的临时文件"
            f"(导入上传与错误行表格),共 {result.freed / (1024 * 1024):.1f} MB"
        )
